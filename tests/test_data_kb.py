"""Checks for the knowledge base (data/kb/*.md) and its evaluation sets (data/kb_eval.jsonl).

The KB is written by hand for the course. These tests check the properties the notebooks rely on:
front matter, ids, lengths, archived ("superseded") pages, and that every evaluation question points
at documents and passages that really exist.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
KB_DIR = ROOT / "data" / "kb"
EVAL_FILES = [ROOT / "data" / "kb_eval.jsonl"]
README = KB_DIR / "README.md"

REQUIRED_FIELDS = ("id", "title", "type", "product_version", "updated")
# file-name prefix -> document type
PREFIX_TYPES = {
    "pol": "policy",
    "how": "howto",
    "api": "api_reference",
    "faq": "faq",
    "trb": "troubleshooting",
    "rel": "release_notes",
    "inc": "incident",
    "glo": "glossary",
}
# release dates from data/WORLD.md (4.2.1 is the hot-fix of 2026-08-19)
RELEASES = {
    "3.8": dt.date(2025, 10, 14),
    "3.9": dt.date(2025, 12, 9),
    "4.0": dt.date(2026, 3, 1),
    "4.1": dt.date(2026, 5, 12),
    "4.2": dt.date(2026, 7, 21),
    "4.2.1": dt.date(2026, 8, 19),
    "4.3": dt.date(2026, 9, 30),
    "4.4": dt.date(2026, 11, 10),
}
QUESTION_TYPES = {"paraphrase", "exact_identifier", "multi_document", "version_recency", "unanswerable"}
QUESTION_KEYS = {"id", "question", "type", "gold_doc_ids", "gold_passage", "reference_answer", "reference_facts"}
MIN_WORDS, MAX_WORDS = 200, 1500

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)


def _parse(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = FRONT_MATTER.match(text)
    assert m, f"{path.name}: no YAML front matter between '---' lines at the top"
    meta = yaml.safe_load(m.group(1))
    assert isinstance(meta, dict), f"{path.name}: front matter is not a mapping"
    return meta, m.group(2)


def _doc_paths() -> list[Path]:
    return sorted(p for p in KB_DIR.glob("*.md") if p.name != "README.md")


DOC_PATHS = _doc_paths()
DOCS = {p.stem: _parse(p) for p in DOC_PATHS}


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in str(v).split("."))


def _questions() -> list[tuple[str, int, dict]]:
    rows = []
    for f in EVAL_FILES:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                rows.append((f.name, n, json.loads(line)))
    return rows


QUESTIONS = _questions()


# ---------------------------------------------------------------- documents


def test_kb_has_documents():
    assert len(DOC_PATHS) >= 36, f"only {len(DOC_PATHS)} documents in {KB_DIR}"


@pytest.mark.parametrize("path", DOC_PATHS, ids=lambda p: p.stem)
def test_front_matter(path: Path):
    meta, _ = DOCS[path.stem]
    missing = [k for k in REQUIRED_FIELDS if k not in meta]
    assert not missing, f"missing front matter fields: {missing}"
    assert meta["id"] == path.stem, "id must equal the file name without .md"
    assert isinstance(meta["title"], str) and meta["title"].strip()
    prefix = path.stem.split("-", 1)[0]
    assert prefix in PREFIX_TYPES, f"unknown file prefix {prefix!r}"
    assert meta["type"] == PREFIX_TYPES[prefix], f"type {meta['type']!r} does not match prefix {prefix!r}"
    version = meta["product_version"]
    assert isinstance(version, str), "product_version must be a quoted string such as \"4.4\""
    assert version in RELEASES, f"product_version {version!r} is not a release from WORLD.md"
    updated = meta["updated"]
    assert isinstance(updated, dt.date), "updated must be a date (YYYY-MM-DD)"
    assert RELEASES[version] <= updated <= dt.date(2026, 11, 30), (
        f"updated {updated} is before the release of {version} or after the KB was written"
    )


@pytest.mark.parametrize("path", DOC_PATHS, ids=lambda p: p.stem)
def test_body_length(path: Path):
    _, body = DOCS[path.stem]
    n = len(body.split())
    assert MIN_WORDS <= n <= MAX_WORDS, f"{n} words in body"


def test_ids_unique():
    ids = [meta["id"] for meta, _ in DOCS.values()]
    dupes = [k for k, c in Counter(ids).items() if c > 1]
    assert not dupes


def test_superseded_docs_point_to_newer_docs():
    archived = {k: m for k, (m, _) in DOCS.items() if "superseded_by" in m}
    for doc_id, meta in archived.items():
        target = meta["superseded_by"]
        assert target in DOCS, f"{doc_id}: superseded_by {target!r} does not exist"
        newer = DOCS[target][0]["product_version"]
        assert _version_key(newer) > _version_key(meta["product_version"]), (
            f"{doc_id} ({meta['product_version']}) is superseded by an older or equal version ({newer})"
        )
        assert "superseded_by" not in DOCS[target][0], f"{target} is itself superseded"


def test_there_are_trap_docs_for_recency_questions():
    archived = [k for k, (m, _) in DOCS.items() if "superseded_by" in m]
    assert len(archived) >= 3
    old_pricing = [k for k, (m, b) in DOCS.items() if _version_key(m["product_version"]) < (4, 0) and "$79" in b]
    assert old_pricing, "expected an archived pre-4.0 price list that still shows Team at $79"


# ---------------------------------------------------------------- questions


def test_eval_files_present():
    assert EVAL_FILES[0].is_file(), "data/kb_eval.jsonl is missing"
    assert QUESTIONS, "evaluation files are empty"


@pytest.mark.parametrize("row", QUESTIONS, ids=lambda r: f"{r[0]}:{r[1]}")
def test_question_valid(row):
    fname, line, q = row
    missing = QUESTION_KEYS - set(q)
    assert not missing, f"{fname}:{line} missing keys {missing}"
    assert re.fullmatch(r"q[a-z0-9]*-\d+", q["id"]), q["id"]
    assert q["type"] in QUESTION_TYPES, q["type"]
    assert isinstance(q["question"], str) and q["question"].strip()
    assert isinstance(q["reference_answer"], str) and q["reference_answer"].strip()
    facts = q["reference_facts"]
    assert isinstance(facts, list) and all(isinstance(f, str) and f.strip() for f in facts)
    assert len(facts) <= 3
    gold = q["gold_doc_ids"]
    assert isinstance(gold, list)
    if q["type"] == "unanswerable":
        assert gold == [], "unanswerable questions must have no gold documents"
        assert q["gold_passage"] == ""
        assert q["reference_answer"] == "not in the docs"
        return
    assert gold, "answerable questions need at least one gold document"
    assert 1 <= len(facts), "answerable questions need at least one reference fact"
    unknown = [g for g in gold if g not in DOCS]
    assert not unknown, f"gold_doc_ids not in data/kb: {unknown}"
    assert len(set(gold)) == len(gold)
    passage = q["gold_passage"]
    assert isinstance(passage, str) and len(passage) >= 10
    assert any(passage in DOCS[g][1] for g in gold), "gold_passage is not an exact substring of any gold doc body"
    if q["type"] == "multi_document":
        assert len(gold) >= 2, "multi_document questions need at least two gold documents"
    if q["type"] == "version_recency":
        for g in gold:
            assert "superseded_by" not in DOCS[g][0], f"recency gold doc {g} is an archived page"


def test_question_ids_unique_across_files():
    ids = [q["id"] for _, _, q in QUESTIONS]
    dupes = [k for k, c in Counter(ids).items() if c > 1]
    assert not dupes, f"duplicate question ids: {dupes}"


def test_each_type_has_enough_questions():
    counts = Counter(q["type"] for _, _, q in QUESTIONS)
    for t in QUESTION_TYPES:
        assert counts[t] >= 10, f"only {counts[t]} {t} questions"


def test_totals():
    assert len(QUESTIONS) >= 100, f"only {len(QUESTIONS)} questions"
    assert len(DOC_PATHS) >= 60, f"only {len(DOC_PATHS)} documents"


# ---------------------------------------------------------------- README


def test_readme_counts_match():
    """The README lists the number of documents per type; it must agree with data/kb."""
    assert README.exists(), "data/kb/README.md is missing"
    text = README.read_text(encoding="utf-8")
    counts = Counter(meta["type"] for meta, _ in DOCS.values())
    for t, n in counts.items():
        m = re.search(rf"^\|\s*`{t}`\s*\|\s*(\d+)\s*\|", text, re.M)
        assert m, f"README has no count row for type {t!r}"
        assert int(m.group(1)) == n, f"README says {m.group(1)} {t} docs, data/kb has {n}"
    m = re.search(r"^\|\s*\*\*total\*\*\s*\|\s*\*\*(\d+)\*\*\s*\|", text, re.M)
    assert m and int(m.group(1)) == len(DOC_PATHS), "README total does not match the number of documents"
