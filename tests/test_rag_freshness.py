"""Freshness (notebook 06): a working copy of a knowledge base, checked edits that change nothing when one is wrong,
and an incremental index that re-embeds only new and changed documents."""

from __future__ import annotations

import pytest

import helpers.rag.freshness as freshness
from helpers.rag import load_corpus
from helpers.rag.chunking import fixed_chunks

PAGE = "---\nid: {id}\ntitle: {title}\n---\n# {title}\n\n{body}\n"
BODIES = {
    "refunds": "Monthly charges can be refunded within 14 days of the charge date by the workspace Owner.",
    "sso": "Single sign-on uses SAML 2.0 and is available on the Business and Enterprise plans only.",
    "limits": "The Starter plan allows 300 API requests per minute per workspace. " * 30,  # several chunks
}


@pytest.fixture()
def kb(tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    for doc_id, body in BODIES.items():
        (folder / f"{doc_id}.md").write_text(PAGE.format(id=doc_id, title=doc_id.title(), body=body), encoding="utf-8")
    return folder


def test_copy_is_fresh_each_time_and_never_into_itself(kb, tmp_path):
    copy = freshness.copy_corpus(kb, tmp_path / "work" / "kb-live")
    (copy / "stray.md").write_text("left over from last time")
    copy = freshness.copy_corpus(kb, tmp_path / "work" / "kb-live")
    assert sorted(p.name for p in copy.iterdir()) == sorted(p.name for p in kb.iterdir())
    assert not [p for p in copy.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left behind
    with pytest.raises(ValueError, match="outside itself"):
        freshness.copy_corpus(kb, kb / "inner")
    with pytest.raises(FileNotFoundError, match="not a folder"):
        freshness.copy_corpus(tmp_path / "missing", tmp_path / "x")


def test_update_folder_checks_everything_before_writing(kb):
    before = {p.name: p.read_text() for p in kb.iterdir()}
    with pytest.raises(ValueError) as info:
        freshness.update_folder(kb, edit={"refunds.md": [("14 days", "28 days")], "sso.md": [("SAML 3.0", "x")]},
                                add={"sso.md": "dup"}, remove=["gone.md"])
    message = str(info.value)
    assert message.startswith("Nothing was changed")
    assert "'SAML 3.0' 0 times" in message and "sso.md already exists" in message
    assert "gone.md does not exist" in message
    assert {p.name: p.read_text() for p in kb.iterdir()} == before
    done = freshness.update_folder(kb, edit={"refunds.md": [("14 days", "28 days")]}, add={"new.md": "# New\n\nHi."},
                                   remove=["sso.md"])
    assert done == ["edited refunds.md (1 replacement(s))", "added new.md", "removed sso.md"]
    assert "28 days" in (kb / "refunds.md").read_text() and not (kb / "sso.md").exists()
    assert not [p for p in kb.iterdir() if p.name.startswith(".")]


def test_incremental_sync_embeds_only_what_changed(kb, monkeypatch):
    embedded = []
    real = freshness.embed_texts

    def counting(texts, **kwargs):
        assert kwargs.get("cache") is False  # timings must measure real embedding work
        embedded.extend(texts)
        return real(texts, **kwargs)

    monkeypatch.setattr(freshness, "embed_texts", counting)
    index = freshness.IncrementalIndex(chunk_size=40, overlap=8)
    v1 = load_corpus(kb, quiet=True)
    first = index.sync(v1)
    all_chunks = fixed_chunks(v1, 40, 8)
    assert sorted(first.added) == sorted(BODIES) and first.chunks_embedded == len(all_chunks) == first.chunks_total
    assert len(embedded) == len(all_chunks)

    embedded.clear()
    assert index.sync(v1).chunks_embedded == 0 and not embedded  # nothing changed: nothing embedded

    freshness.update_folder(kb, edit={"refunds.md": [("14 days", "28 days")]}, remove=["sso.md"],
                            add={"sdk.md": PAGE.format(id="sdk", title="SDK", body="Install the Python SDK with pip.")})
    v2 = load_corpus(kb, quiet=True)
    update = index.sync(v2)
    assert update.added == ["sdk"] and update.changed == ["refunds"] and update.removed == ["sso"]
    assert update.unchanged == 1 and update.documents_embedded == 2
    assert sorted(embedded) == sorted(c.text for c in fixed_chunks(v2, 40, 8) if c.doc_id in {"sdk", "refunds"})
    assert update.chunks_total == len(fixed_chunks(v2, 40, 8))

    hits = index.retrieve("How many days do I have to ask for a refund?", 2)
    assert hits[0].doc_id == "refunds" and "28 days" in hits[0].chunks[0].text
    assert "sso" not in {h.doc_id for h in index.retrieve("SAML single sign-on plans", 3)}
    assert index.retrieve("python sdk pip install", 1)[0].doc_id == "sdk"


def test_stale_index_keeps_old_text_until_synced(kb):
    index = freshness.IncrementalIndex(chunk_size=40, overlap=8)
    index.sync(load_corpus(kb, quiet=True))
    freshness.update_folder(kb, edit={"refunds.md": [("14 days", "28 days")]})
    question = "How many days do I have to ask for a refund?"
    assert "14 days" in index.retrieve(question, 1)[0].chunks[0].text  # the folder changed, the index did not
    index.sync(load_corpus(kb, quiet=True))
    assert "28 days" in index.retrieve(question, 1)[0].chunks[0].text


def test_empty_index_says_what_to_do():
    with pytest.raises(ValueError, match="call sync"):
        freshness.IncrementalIndex().retrieve("anything", 3)
