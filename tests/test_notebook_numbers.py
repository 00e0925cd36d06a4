"""Markdown names no number the code sets (issue 21): sample sizes are printed from the code, never typed in prose."""

import re
from pathlib import Path

import pytest

from helpers import paths

SOURCES = paths.notebooks(".py")
# a count of the units the profiles size: "30 questions", "24 tickets", "100 answerable" ...
SAMPLE_SIZE = re.compile(r"\b\d+\s+(?:answerable\s+|held-out\s+|test\s+|training\s+|validation\s+)?"
                         r"(?:questions|tickets|orders|labels|examples|answerable|tasks)\b", re.I)


def markdown_of(path: Path) -> str:
    kept, markdown = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            markdown = "[markdown]" in line
            continue
        if markdown:
            kept.append(line)
    return "\n".join(kept)


def test_the_scanner_finds_a_typed_sample_size():
    assert SAMPLE_SIZE.findall("the full profile scores 30 questions and 24 tickets") == ["30 questions",
                                                                                       "24 tickets"]
    assert not SAMPLE_SIZE.findall("`N_TICKETS` tickets, printed at the top; 135M parameters; 2 cores")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_markdown_names_no_sample_size(path):
    found = SAMPLE_SIZE.findall(markdown_of(path))
    assert not found, f"{path.name}: print these from the code instead of typing them: {found}"


def test_the_three_known_mismatches_are_gone():
    text = {paths.notebook_number(p): markdown_of(p) for p in SOURCES}
    assert "scores 30" not in text["09"] and "24 tickets" not in text["09"]
    assert "100 answerable" not in text["04"]
