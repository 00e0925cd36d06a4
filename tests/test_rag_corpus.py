"""Loading a learner's own folder and question file: bad input is reported with file and line, good input loads."""

from __future__ import annotations

import json
import warnings

import pytest

from helpers.rag import CorpusError, fixed_chunks, load_corpus, load_qa, sections, small_to_big
from helpers.rag.chunking import word_windows


def _write(folder, name, text, mode="w"):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


GOOD = "---\nid: {id}\ntitle: {title}\nproduct_version: \"4.4\"\nupdated: 2026-11-10\n---\n# {title}\n\n{body}\n"


def test_empty_folder_says_what_to_do(tmp_path):
    with pytest.raises(CorpusError, match="no .md/.markdown/.txt files"):
        load_corpus(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(CorpusError, match="is not a folder"):
        load_corpus(tmp_path / "nope")


def test_bad_files_are_reported_and_good_ones_load(tmp_path):
    _write(tmp_path, "good.md", GOOD.format(id="good", title="Good page", body="Refunds take 14 days."))
    _write(tmp_path, "plain.txt", "No front matter here.\nJust text about SSO.")
    _write(tmp_path, "binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    _write(tmp_path, "latin1.md", "Caf\xe9 cr\xe8me\nsecond line".encode("latin-1"))
    _write(tmp_path, "zz-dupe.md", GOOD.format(id="good", title="Second good", body="Another body."))
    _write(tmp_path, "broken-yaml.md", "---\nid: [unclosed\ntitle: x\n---\nBody text here.\n")
    _write(tmp_path, "empty.md", "---\nid: empty\n---\n\n")
    _write(tmp_path, "README.md", "ignored")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = load_corpus(tmp_path)
    assert caught and "problem(s)" in str(caught[0].message)
    assert sorted(corpus.ids) == ["broken-yaml", "good", "plain"]
    assert corpus["plain"].title == "plain" and corpus["good"].metadata["updated"] == "2026-11-10"
    by_file = {p.path.split("/")[-1]: p for p in corpus.problems}
    assert "binary" in by_file["binary.md"].message
    assert "UTF-8" in by_file["latin1.md"].message and by_file["latin1.md"].line == 1
    assert "already used by" in by_file["zz-dupe.md"].message and by_file["zz-dupe.md"].line == 2
    assert "not valid YAML" in by_file["broken-yaml.md"].message and by_file["broken-yaml.md"].line >= 2
    assert "no text" in by_file["empty.md"].message
    assert str(by_file["zz-dupe.md"]).startswith(f"{tmp_path.name}/zz-dupe.md:2: ")


def test_only_bad_files_is_an_error_listing_them(tmp_path):
    _write(tmp_path, "binary.md", b"\x00\x01\x02")
    with pytest.raises(CorpusError, match="binary"):
        load_corpus(tmp_path)


def test_unclosed_front_matter_keeps_the_text(tmp_path):
    _write(tmp_path, "open.md", "---\nid: x\nno closing line\n")
    corpus = load_corpus(tmp_path, quiet=True)
    assert corpus.ids == ["open"] and "never closed" in corpus.problems[0].message


def test_fingerprint_changes_with_content(tmp_path):
    _write(tmp_path, "a.md", "alpha text")
    first = load_corpus(tmp_path).fingerprint()
    assert load_corpus(tmp_path).fingerprint() == first
    _write(tmp_path, "a.md", "alpha text changed")
    assert load_corpus(tmp_path).fingerprint() != first


def test_question_file_problems_name_the_line(tmp_path):
    _write(tmp_path, "docs/a.md", "About refunds.")
    corpus = load_corpus(tmp_path / "docs")
    lines = [json.dumps({"question": "refunds?", "gold_doc_ids": ["a"]}),
             "{not json",
             json.dumps({"question": "ghost?", "gold_doc_ids": ["missing-doc"]}),
             json.dumps({"gold_doc_ids": ["a"]}),
             "",
             json.dumps({"question": "discounts for schools?", "gold_doc_ids": []})]
    path = _write(tmp_path, "qa.jsonl", "\n".join(lines) + "\n")
    with pytest.warns(UserWarning, match="3 problem"):
        questions = load_qa(path, corpus)
    assert [q["question"] for q in questions] == ["refunds?", "discounts for schools?"]
    assert questions.questions[1]["type"] == "unanswerable"
    assert [p.line for p in questions.problems] == [2, 3, 4]
    assert "missing-doc" in questions.problems[1].message


def test_missing_question_file(tmp_path):
    with pytest.raises(CorpusError, match="JSONL"):
        load_qa(tmp_path / "none.jsonl")


@pytest.mark.parametrize("n, size, overlap, expected", [
    (10, 4, 1, [(0, 4), (3, 7), (6, 10)]), (10, 4, 0, [(0, 4), (4, 8), (8, 10)]), (3, 4, 1, [(0, 3)]),
    (4, 4, 1, [(0, 4)]), (0, 4, 1, [])])
def test_word_windows_cover_the_text(n, size, overlap, expected):
    words = [f"w{i}" for i in range(n)]
    assert word_windows(" ".join(words), size, overlap) == [" ".join(words[a:b]) for a, b in expected]


@pytest.mark.parametrize("size, overlap", [(0, 0), (5, 5), (5, -1)])
def test_bad_chunk_sizes(size, overlap):
    with pytest.raises(ValueError):
        word_windows("a b c", size, overlap)


def test_sections_and_small_to_big(tmp_path):
    body = "Intro line.\n\n## Refunds\nMonthly: 14 days.\n```\n# not a heading\n```\n## SSO\nSAML only on Business."
    _write(tmp_path, "p.md", GOOD.format(id="p", title="Policy", body=body))
    corpus = load_corpus(tmp_path)
    parts = sections(corpus)
    assert [c.metadata["section"] for c in parts] == ["Policy", "Refunds", "SSO"]
    assert "# not a heading" in parts[1].text
    small, parents = small_to_big(corpus, small_size=3, overlap=1)
    assert all(c.parent_id in parents for c in small)
    assert {parents[c.parent_id].metadata["section"] for c in small} == {"Policy", "Refunds", "SSO"}
    assert len(fixed_chunks(corpus, 5, 1)) > 1
