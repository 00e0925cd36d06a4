"""Checks for data/tickets (support-ticket classification data) and data/code_review.

Standard library + pytest only; runs in well under a second or two.

Near-duplicate thresholds (see data/tickets/README.md, "Near-duplicate check"):
  * word-bigram Jaccard < 0.35 for every pair of tickets (within and across splits),
  * character 5-gram Jaccard < 0.45 for every pair,
  * word-bigram Jaccard < 0.30 for every train/test pair (stricter: the test split must not
    reuse training phrasings).
Over the ~180k pairs of the hand-written data the largest values are about 0.14-0.18 and the
99.9th percentile is about 0.07, so the limits leave headroom for new hand-written tickets,
while two tickets made from one template with different slot values (names, numbers, plan,
error code) score well above them; test_threshold_catches_template_pairs demonstrates that.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TICKETS = ROOT / "data" / "tickets"
CODE_REVIEW = ROOT / "data" / "code_review"

LABELS = ("BILLING", "TECHNICAL", "ACCOUNT", "FEATURE_REQUEST", "OTHER")
TARGET_SHARE = {"BILLING": 0.25, "TECHNICAL": 0.30, "ACCOUNT": 0.20, "FEATURE_REQUEST": 0.15, "OTHER": 0.10}
SHARE_TOLERANCE = 0.05  # absolute, e.g. BILLING must lie in [20 %, 30 %]
MIN_COUNT = {"train": 400, "test": 150}
REQUIRED = {"id": str, "text": str, "label": str, "secondary_labels": list, "tags": list, "rationale": str}

L1 = ["spanish", "german", "portuguese", "hindi", "chinese", "french", "italian", "polish", "japanese",
      "russian", "dutch", "turkish", "arabic", "korean", "vietnamese"]
ALLOWED_TAGS = {
    "angry", "typo", "polite", "terse", "boundary", "urgent", "formal", "sarcastic", "legacy_terms",
    "incident", "code_snippet", "non_native", "short", "long", "multi_issue",
} | {f"l1_{x}" for x in L1}
SHORT_MAX_WORDS = 8
LONG_MIN_WORDS = 70

MAX_WORD_BIGRAM_JACCARD = 0.35
MAX_CHAR5_JACCARD = 0.45
MAX_CROSS_SPLIT_WORD_BIGRAM_JACCARD = 0.30

SEVERITIES = {"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"}
LANG_EXT = {"python": ".py", "javascript": ".js", "sql": ".sql"}
EXPECTED_LANG_COUNTS = {"python": 5, "javascript": 4, "sql": 3}


# ------------------------------------------------------------------ helpers
def load(split: str) -> list[dict]:
    path = TICKETS / f"{split}.jsonl"
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:  # pragma: no cover - reported as failure
                    pytest.fail(f"{path.name}:{n} is not valid JSON: {exc}")
    return rows


def normalise(text: str) -> str:
    t = re.sub(r"\d+", "0", text.lower())
    t = re.sub(r"[^\w\s]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def word_bigrams(text: str) -> frozenset:
    w = normalise(text).split()
    return frozenset(zip(w, w[1:])) if len(w) > 1 else frozenset([tuple(w)])


def char_ngrams(text: str, n: int = 5) -> frozenset:
    t = normalise(text)
    return frozenset(t[i:i + n] for i in range(len(t) - n + 1)) if len(t) > n else frozenset([t])


def jaccard(a: frozenset, b: frozenset) -> float:
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if (a or b) else 1.0


def pairs_over(sets: list[frozenset], threshold: float, allowed=None) -> list[tuple[int, int, float]]:
    """All index pairs with Jaccard >= threshold. Uses the size bound J(a,b) <= |a|/|b| (|a|<=|b|)
    to skip pairs that cannot reach the threshold, which keeps the full scan fast."""
    order = sorted(range(len(sets)), key=lambda i: len(sets[i]))
    found = []
    for ai, i in enumerate(order):
        si, li = sets[i], len(sets[i])
        for j in order[ai + 1:]:
            lj = len(sets[j])
            if li < threshold * lj:
                break
            if allowed is not None and not allowed(i, j):
                continue
            inter = len(si & sets[j])
            jac = inter / (li + lj - inter)
            if jac >= threshold:
                found.append((i, j, jac))
    return found


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {s: load(s) for s in ("train", "test")}


@pytest.fixture(scope="module")
def all_rows(splits) -> list[tuple[str, dict]]:
    return [(s, r) for s in ("train", "test") for r in splits[s]]


# ------------------------------------------------------------------ tickets: structure
@pytest.mark.parametrize("split", ["train", "test"])
def test_split_size(splits, split):
    assert len(splits[split]) >= MIN_COUNT[split], f"{split}: only {len(splits[split])} tickets"


@pytest.mark.parametrize("split", ["train", "test"])
def test_required_fields_and_types(splits, split):
    for r in splits[split]:
        for key, typ in REQUIRED.items():
            assert key in r, f"{r.get('id')}: missing {key}"
            assert isinstance(r[key], typ), f"{r['id']}: {key} should be {typ.__name__}"
        assert r["text"].strip(), f"{r['id']}: empty text"
        assert r["rationale"].strip() and "\n" not in r["rationale"], f"{r['id']}: rationale must be one line"
        assert re.fullmatch(rf"T-{split}-\d{{4}}", r["id"]), f"bad id {r['id']} in {split}"


def test_ids_unique(all_rows):
    ids = [r["id"] for _, r in all_rows]
    dupes = [i for i, c in Counter(ids).items() if c > 1]
    assert not dupes, f"duplicate ids: {dupes[:10]}"


@pytest.mark.parametrize("split", ["train", "test"])
def test_labels_valid(splits, split):
    for r in splits[split]:
        assert r["label"] in LABELS, f"{r['id']}: invalid label {r['label']!r}"
        sec = r["secondary_labels"]
        assert all(s in LABELS for s in sec), f"{r['id']}: invalid secondary {sec}"
        assert r["label"] not in sec, f"{r['id']}: secondary repeats primary"
        assert len(sec) == len(set(sec)), f"{r['id']}: repeated secondary label"


@pytest.mark.parametrize("split", ["train", "test"])
def test_tags_valid_and_consistent(splits, split):
    for r in splits[split]:
        tags = r["tags"]
        unknown = set(tags) - ALLOWED_TAGS
        assert not unknown, f"{r['id']}: unknown tags {unknown}"
        assert len(tags) == len(set(tags)), f"{r['id']}: repeated tag"
        n_words = len(r["text"].split())
        assert ("short" in tags) == (n_words <= SHORT_MAX_WORDS), f"{r['id']}: 'short' tag vs {n_words} words"
        assert ("long" in tags) == (n_words >= LONG_MIN_WORDS), f"{r['id']}: 'long' tag vs {n_words} words"
        assert ("multi_issue" in tags) == bool(r["secondary_labels"]), f"{r['id']}: multi_issue vs secondary"
        has_l1 = any(t.startswith("l1_") for t in tags)
        assert ("non_native" in tags) == has_l1, f"{r['id']}: non_native needs exactly an l1_* tag"


@pytest.mark.parametrize("split", ["train", "test"])
def test_label_balance(splits, split):
    rows = splits[split]
    counts = Counter(r["label"] for r in rows)
    for lab, target in TARGET_SHARE.items():
        share = counts[lab] / len(rows)
        assert abs(share - target) <= SHARE_TOLERANCE, f"{split}: {lab} share {share:.3f}, target {target}"


@pytest.mark.parametrize("split", ["train", "test"])
def test_variety(splits, split):
    rows = splits[split]
    tags = Counter(t for r in rows for t in r["tags"])
    n_words = [len(r["text"].split()) for r in rows]
    assert min(n_words) <= 3, "need some 2-3 word tickets"
    assert max(n_words) >= 70, "need some full-paragraph tickets"
    for tag in ("typo", "angry", "polite", "non_native", "multi_issue", "boundary", "short"):
        assert tags[tag] >= 0.02 * len(rows), f"{split}: too few '{tag}' tickets ({tags[tag]})"
    l1_flavours = {t for t in tags if t.startswith("l1_")}
    assert len(l1_flavours) >= 6, f"{split}: only {sorted(l1_flavours)}"


# ------------------------------------------------------------------ tickets: near duplicates
def test_no_exact_duplicates(all_rows):
    seen = {}
    for _, r in all_rows:
        key = normalise(r["text"])
        assert key not in seen, f"{r['id']} duplicates {seen[key]}"
        seen[key] = r["id"]


def test_no_near_duplicates_word_bigrams(all_rows):
    sets = [word_bigrams(r["text"]) for _, r in all_rows]
    bad = pairs_over(sets, MAX_WORD_BIGRAM_JACCARD)
    assert not bad, [(all_rows[i][1]["id"], all_rows[j][1]["id"], round(x, 3)) for i, j, x in bad[:10]]


def test_no_near_duplicates_char_ngrams(all_rows):
    sets = [char_ngrams(r["text"]) for _, r in all_rows]
    bad = pairs_over(sets, MAX_CHAR5_JACCARD)
    assert not bad, [(all_rows[i][1]["id"], all_rows[j][1]["id"], round(x, 3)) for i, j, x in bad[:10]]


def test_test_split_shares_no_phrasing_with_train(all_rows):
    sets = [word_bigrams(r["text"]) for _, r in all_rows]
    split_of = [s for s, _ in all_rows]
    bad = pairs_over(sets, MAX_CROSS_SPLIT_WORD_BIGRAM_JACCARD, allowed=lambda i, j: split_of[i] != split_of[j])
    assert not bad, [(all_rows[i][1]["id"], all_rows[j][1]["id"], round(x, 3)) for i, j, x in bad[:10]]


def test_threshold_catches_template_pairs():
    """The metric must flag slot-filled template variants, otherwise the limits above are vacuous."""
    a = ("Hi, I was charged twice for the Team plan this month, invoice INV-2026-004411. "
         "Please refund the duplicate charge to my card. Thanks, Maria")
    b = ("Hi, I was charged twice for the Business plan this month, invoice INV-2026-005123. "
         "Please refund the duplicate charge to my card. Thanks, Kenji")
    assert jaccard(word_bigrams(a), word_bigrams(b)) >= MAX_WORD_BIGRAM_JACCARD
    assert jaccard(char_ngrams(a), char_ngrams(b)) >= MAX_CHAR5_JACCARD


def test_readme_counts_match_data(splits):
    """data/tickets/README.md states the split sizes and label counts; they must be the real ones."""
    readme = (TICKETS / "README.md").read_text(encoding="utf-8")
    for lab in LABELS:
        m = re.search(rf"^\|\s*`?{lab}`?\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", readme, flags=re.M)
        assert m, f"README has no count row for {lab}"
        for split, got in zip(("train", "test"), m.groups()):
            real = sum(r["label"] == lab for r in splits[split])
            assert int(got) == real, f"README says {lab} {split}={got}, data has {real}"
    m = re.search(r"^\|\s*\*\*total\*\*\s*\|\s*\**(\d+)\**\s*\|\s*\**(\d+)\**\s*\|", readme, flags=re.M)
    assert m, "README has no total row"
    assert (int(m.group(1)), int(m.group(2))) == (len(splits["train"]), len(splits["test"]))


def test_labels_md_defines_every_label():
    text = (TICKETS / "labels.md").read_text(encoding="utf-8")
    for lab in LABELS:
        assert f"`{lab}`" in text, f"labels.md does not define {lab}"


# ------------------------------------------------------------------ code review snippets
@pytest.fixture(scope="module")
def issues() -> list[dict]:
    data = json.loads((CODE_REVIEW / "issues.json").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def test_code_review_files_listed_and_present(issues):
    listed = [e["file"] for e in issues]
    assert len(listed) == len(set(listed)) == 12
    for f in listed:
        assert (CODE_REVIEW / f).is_file(), f"{f} listed in issues.json but missing"
    on_disk = {p.name for p in CODE_REVIEW.iterdir() if p.suffix in LANG_EXT.values() and p.name[:2].isdigit()}
    assert on_disk == set(listed), f"unlisted or missing snippets: {on_disk ^ set(listed)}"
    langs = Counter(e["language"] for e in issues)
    assert dict(langs) == EXPECTED_LANG_COUNTS


def test_code_review_snippet_shape(issues):
    for e in issues:
        assert e["file"].endswith(LANG_EXT[e["language"]]), e["file"]
        lines = (CODE_REVIEW / e["file"]).read_text(encoding="utf-8").splitlines()
        assert 15 <= len(lines) <= 40, f"{e['file']}: {len(lines)} lines"
        assert 1 <= len(e["planted_issues"]) <= 4, f"{e['file']}: {len(e['planted_issues'])} issues"


def test_code_review_issue_lines_and_fields(issues):
    for e in issues:
        lines = (CODE_REVIEW / e["file"]).read_text(encoding="utf-8").splitlines()
        for iss in e["planted_issues"]:
            n = iss["line"]
            assert isinstance(n, int) and 1 <= n <= len(lines), f"{e['file']}: line {n} out of range"
            assert lines[n - 1].strip(), f"{e['file']}: line {n} is blank"
            assert not lines[n - 1].strip().startswith(("#", "//", "--")), f"{e['file']}: line {n} is a comment"
            assert iss["severity"] in SEVERITIES, f"{e['file']}: severity {iss['severity']}"
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", iss["category"]), f"bad category {iss['category']!r}"
            assert iss["description"].strip()
            kws = iss["keywords"]
            assert kws and all(isinstance(k, str) and k == k.lower() and k.strip() for k in kws), kws
