"""Build data/tickets/{train,test}.jsonl from the hand-written source files in src/.

Every ticket in src/*.txt was written by hand for this course (2026-11). This script only
parses them, expands tag shorthands, adds the computed tags (short / long / multi_issue),
shuffles each split with a fixed seed and assigns ids. Run from anywhere:

    python data/tickets/build.py          # writes train.jsonl, test.jsonl, prints counts
    python data/tickets/check.py          # near-duplicate and consistency checks

Source format (one block per ticket):

    @@ LABEL | SECONDARY | TAGS | RATIONALE
    ticket text, one or more lines

LABEL / SECONDARY use the letters B T A F O (BILLING, TECHNICAL, ACCOUNT,
FEATURE_REQUEST, OTHER); SECONDARY is a comma list or '-'. TAGS is a comma list of the
shorthands in TAG_SHORT (or full tag names), or '-'.
"""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"

LABELS = {"B": "BILLING", "T": "TECHNICAL", "A": "ACCOUNT", "F": "FEATURE_REQUEST", "O": "OTHER"}

L1 = {
    "es": "spanish", "de": "german", "pt": "portuguese", "hi": "hindi", "zh": "chinese",
    "fr": "french", "it": "italian", "pl": "polish", "ja": "japanese", "ru": "russian",
    "nl": "dutch", "tr": "turkish", "ar": "arabic", "ko": "korean", "vi": "vietnamese",
}

TAG_SHORT = {
    "a": "angry", "t": "typo", "p": "polite", "x": "terse", "b": "boundary", "u": "urgent",
    "f": "formal", "s": "sarcastic", "lg": "legacy_terms", "inc": "incident", "cs": "code_snippet",
}

# Every tag that may appear in the JSONL (documented in README.md).
ALLOWED_TAGS = sorted(
    set(TAG_SHORT.values())
    | {"non_native", "short", "long", "multi_issue"}
    | {f"l1_{v}" for v in L1.values()}
)

SHORT_MAX_WORDS = 8
LONG_MIN_WORDS = 70

SEED = {"train": 20261101, "test": 20261102}


def expand_tags(raw: str) -> list[str]:
    out: list[str] = []
    for tok in [t.strip() for t in raw.split(",") if t.strip() and t.strip() != "-"]:
        if tok in TAG_SHORT:
            out.append(TAG_SHORT[tok])
        elif tok in L1:
            out += ["non_native", f"l1_{L1[tok]}"]
        elif tok in ALLOWED_TAGS:
            out.append(tok)
        else:
            raise ValueError(f"unknown tag shorthand {tok!r}")
    return out


def parse_file(path: Path) -> list[dict]:
    tickets = []
    blocks = re.split(r"^@@", path.read_text(encoding="utf-8"), flags=re.M)
    for block in blocks[1:]:
        header, _, body = block.partition("\n")
        parts = [p.strip() for p in header.split("|")]
        if len(parts) != 4:
            raise ValueError(f"{path.name}: bad header {header!r}")
        lab, sec, tags, why = parts
        text = "\n".join(line.rstrip() for line in body.strip().splitlines()).strip()
        if not text:
            raise ValueError(f"{path.name}: empty ticket after {header!r}")
        secondary = [LABELS[s.strip()] for s in sec.split(",") if s.strip() and s.strip() != "-"]
        label = LABELS[lab]
        if label in secondary:
            raise ValueError(f"{path.name}: secondary repeats primary in {header!r}")
        tag_list = expand_tags(tags)
        n_words = len(text.split())
        if n_words <= SHORT_MAX_WORDS:
            tag_list.append("short")
        if n_words >= LONG_MIN_WORDS:
            tag_list.append("long")
        if secondary:
            tag_list.append("multi_issue")
        # de-duplicate, keep order
        seen: set[str] = set()
        tag_list = [t for t in tag_list if not (t in seen or seen.add(t))]
        tickets.append({
            "text": text,
            "label": label,
            "secondary_labels": secondary,
            "tags": tag_list,
            "rationale": why,
            "_src": path.name,
        })
    return tickets


def build_split(split: str) -> list[dict]:
    tickets: list[dict] = []
    for path in sorted(SRC.glob(f"{split}_*.txt")):
        tickets += parse_file(path)
    random.Random(SEED[split]).shuffle(tickets)
    out = []
    for i, t in enumerate(tickets, 1):
        t.pop("_src")
        out.append({"id": f"T-{split}-{i:04d}", **t})
    return out


def main() -> None:
    for split in ("train", "test"):
        rows = build_split(split)
        with open(HERE / f"{split}.jsonl", "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        c = Counter(r["label"] for r in rows)
        n = len(rows)
        print(f"{split}: {n} tickets")
        for lab in LABELS.values():
            print(f"  {lab:16s} {c[lab]:4d}  {100 * c[lab] / n:5.1f}%")
        tc = Counter(t for r in rows for t in r["tags"])
        print("  tags:", dict(sorted(tc.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
