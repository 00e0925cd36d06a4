"""Loaders for the course datasets in data/ (described in data/README.md). Every notebook loads data here."""

from __future__ import annotations

import json
import random
from pathlib import Path

from helpers import paths

DATA = paths.DATA_DIR
TICKET_LABELS = ("BILLING", "TECHNICAL", "ACCOUNT", "FEATURE_REQUEST", "OTHER")
SPLITS = ("train", "test")


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSON-lines file; a bad line raises with its line number."""
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
    return rows


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")


def sample(rows: list[dict], n: int | None, seed: int = 0, stratify: str | None = None) -> list[dict]:
    """A reproducible sample of ``n`` rows (all rows when ``n`` is None or too big). With ``stratify`` (a field
    name), every value of that field keeps its share, and at least one row."""
    if n is None or n >= len(rows):
        return list(rows)
    rng = random.Random(seed)
    if not stratify:
        return rng.sample(rows, n)
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[stratify], []).append(row)
    picked = []
    for value in sorted(groups):
        share = max(1, round(n * len(groups[value]) / len(rows)))
        picked += rng.sample(groups[value], min(share, len(groups[value])))
    rng.shuffle(picked)
    return picked[:n]


def tickets(split: str = "test") -> list[dict]:
    """Support tickets: id, text, label (one of TICKET_LABELS), secondary_labels, tags, rationale."""
    _check_split(split)
    return read_jsonl(DATA / "tickets" / f"{split}.jsonl")


def label_definitions() -> str:
    """The one-line definition of each ticket label, as a prompt-ready bullet list (from data/tickets/labels.md)."""
    lines = (DATA / "tickets" / "labels.md").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].strip("`") in TICKET_LABELS:
            out.append(f"- {cells[0].strip('`')}: {cells[1]}")
    return "\n".join(out)


def code_review_snippets() -> list[dict]:
    """The code-review snippets: file, language, code, planted_issues (line, severity, category, keywords)."""
    folder = DATA / "code_review"
    entries = json.loads((folder / "issues.json").read_text(encoding="utf-8"))
    for entry in entries:
        entry["code"] = (folder / entry["file"]).read_text(encoding="utf-8")
    return entries
