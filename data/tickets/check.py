"""Near-duplicate and consistency report for data/tickets/{train,test}.jsonl.

    python data/tickets/check.py            # summary + the closest pairs
    python data/tickets/check.py --difflib  # also a (slower) difflib ratio scan

Similarity measures (the same ones tests/test_data_tickets.py enforces):
  * word-bigram Jaccard on a normalised text (lower-case, digits -> 0, punctuation removed)
  * character 5-gram Jaccard on the same normalised text
A pair of tickets built from one template with different slot values (name, invoice number,
plan, error code) keeps most word bigrams and character 5-grams, so it scores high on both;
two independently written tickets on the same topic share only a few phrases.
"""
from __future__ import annotations

import difflib
import itertools
import json
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Thresholds (see README.md, "Near-duplicate check").
MAX_WORD_BIGRAM_JACCARD = 0.35
MAX_CHAR5_JACCARD = 0.45
MAX_CROSS_SPLIT_WORD_BIGRAM_JACCARD = 0.30


def normalise(text: str) -> str:
    t = text.lower()
    t = re.sub(r"\d+", "0", t)
    t = re.sub(r"[^\w\s]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def word_bigrams(text: str) -> set:
    w = normalise(text).split()
    if len(w) < 2:
        return {tuple(w)}
    return set(zip(w, w[1:]))


def char_ngrams(text: str, n: int = 5) -> set:
    t = normalise(text)
    if len(t) <= n:
        return {t}
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def load(split: str) -> list[dict]:
    with open(HERE / f"{split}.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main() -> int:
    rows = {s: load(s) for s in ("train", "test")}
    allrows = [(s, r) for s in rows for r in rows[s]]
    wb = [word_bigrams(r["text"]) for _, r in allrows]
    c5 = [char_ngrams(r["text"]) for _, r in allrows]
    pairs = []
    for i, j in itertools.combinations(range(len(allrows)), 2):
        pairs.append((jaccard(wb[i], wb[j]), jaccard(c5[i], c5[j]), i, j))
    bad = 0
    for name, idx, limit in (("word-bigram", 0, MAX_WORD_BIGRAM_JACCARD), ("char-5gram", 1, MAX_CHAR5_JACCARD)):
        top = sorted(pairs, key=lambda p: -p[idx])[:8]
        print(f"\nclosest pairs by {name} Jaccard (limit {limit}):")
        for p in top:
            a, b = allrows[p[2]], allrows[p[3]]
            flag = "  <-- TOO CLOSE" if p[idx] >= limit else ""
            print(f"  {p[idx]:.3f} {a[1]['id']} | {b[1]['id']}{flag}")
            print(f"        {a[1]['text'][:90]!r}\n        {b[1]['text'][:90]!r}")
        bad += sum(1 for p in pairs if p[idx] >= limit)
    cross = [p for p in pairs if allrows[p[2]][0] != allrows[p[3]][0]]
    worst = max(cross, key=lambda p: p[0])
    print(f"\nmax cross-split word-bigram Jaccard: {worst[0]:.3f} (limit {MAX_CROSS_SPLIT_WORD_BIGRAM_JACCARD})")
    bad += sum(1 for p in cross if p[0] >= MAX_CROSS_SPLIT_WORD_BIGRAM_JACCARD)

    for s in rows:
        lens = [len(r["text"].split()) for r in rows[s]]
        print(f"\n{s}: words min {min(lens)}, median {statistics.median(lens)}, max {max(lens)}; "
              f"<=3 words: {sum(l <= 3 for l in lens)}, >=60 words: {sum(l >= 60 for l in lens)}")
    vals0 = [p[0] for p in pairs]
    print(f"\nword-bigram Jaccard over {len(pairs)} pairs: mean {statistics.mean(vals0):.4f}, "
          f"99.9th pct {sorted(vals0)[int(len(vals0) * 0.999)]:.3f}")

    if "--difflib" in sys.argv:
        texts = [normalise(r["text"]) for _, r in allrows]
        best = []
        for i, j in itertools.combinations(range(len(texts)), 2):
            sm = difflib.SequenceMatcher(None, texts[i], texts[j], autojunk=False)
            if sm.real_quick_ratio() < 0.6 or sm.quick_ratio() < 0.6:
                continue
            r = sm.ratio()
            if r >= 0.6:
                best.append((r, i, j))
        best.sort(reverse=True)
        print(f"\ndifflib ratio >= 0.6: {len(best)} pairs")
        for r, i, j in best[:10]:
            print(f"  {r:.3f} {allrows[i][1]['id']} {allrows[i][1]['text'][:60]!r} | {allrows[j][1]['id']} {allrows[j][1]['text'][:60]!r}")

    print("\nRESULT:", "FAIL" if bad else "OK", f"({bad} pairs over a limit)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
