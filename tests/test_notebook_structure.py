"""Structure for learners (issue 21): every notebook opens with a time / you need / you will box whose times are the
README's measured ones, links the glossary, explains an idea it borrows from a later notebook where it first uses it,
and stays at or under the course's 60 cells (COURSE_DESIGN.md, "Notebook shape")."""

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from helpers import paths

NOTEBOOKS = paths.notebooks()  # 00 ... 06, 06b, 07 ... 10
README = paths.REPO_ROOT / "README.md"
GLOSSARY = paths.REPO_ROOT / "docs" / "glossary.md"
MAX_CELLS = 60
BOX_CELL = 0  # the box closes the title cell, under the promise, before the badge and the setup cell
BODY = 4  # the lesson starts after the "What you will learn" cell (cell 4)
BOX_FIELDS = ("Time", "You need", "You will", "Words")
# an idea a notebook uses before the notebook that teaches it: (the word, the teaching notebook to link)
BORROWED = {"01": ("embedding", "03_naive_rag.ipynb"), "07": ("LoRA", "08_lora_finetuning.ipynb")}
MINUTES = re.compile(r"(?:about )?\d+(?:\.\d+)? min")


def number(path: Path) -> str:
    return paths.notebook_number(path)  # "06", "06b"


@cache
def cells(path: Path):
    return nbformat.read(path, as_version=4).cells


def box(path: Path) -> dict[str, str]:
    """The box's fields, each as one line of text: {"Time": "...", "You need": "...", ...}."""
    source = cells(path)[BOX_CELL].source
    text = " ".join(line.lstrip("> ").strip() for line in source.splitlines() if line.startswith(">"))
    found = re.findall(r"\*\*(" + "|".join(BOX_FIELDS) + r"):\*\*\s*(.*?)(?=\s*\*\*(?:" + "|".join(BOX_FIELDS)
                       + r"):\*\*|$)", text)
    return dict(found)


@cache
def readme_map() -> dict[str, tuple[str, str]]:
    """README's notebook map: {"03": ("1.1 min", "4.0 min"), "06b": (...), ...} (quick run, full run, both measured)."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        row = re.match(r"\| (\d\d[a-z]?) \|", line)
        if row:
            quick, full = (MINUTES.search(c).group(0) for c in line.strip().strip("|").split("|")[-2:])
            rows[row.group(1)] = (quick, full)
    return rows


@cache
def glossary_terms() -> set[str]:
    """Every name a glossary entry answers to: "bootstrap (paired)" answers to that, "bootstrap", "paired" and
    "paired bootstrap"; "NF4 / QLoRA" to "NF4" and "QLoRA" too."""
    names = set()
    for term in re.findall(r"^\| \*\*(.+?)\*\* \|", GLOSSARY.read_text(encoding="utf-8"), re.M):
        term = term.lower()
        names.add(term)
        base, _, inside = term.partition(" (")
        inside = inside.rstrip(")")
        names.update({base, inside, f"{inside} {base}"} if inside else {base})
        names.update(part.strip() for part in base.split("/"))
    names.discard("")
    return names


def test_there_are_notebooks_and_a_glossary():
    assert len(NOTEBOOKS) >= 12 and GLOSSARY.exists()
    assert [number(p) for p in NOTEBOOKS][6:8] == ["06", "06b"]  # a continuation sorts after the notebook it continues


def test_the_box_reader_reads_a_box():
    assert MINUTES.findall("1.1 min in quick, about 1.6 min in full") == ["1.1 min", "about 1.6 min"]
    assert "09" in readme_map() and all(MINUTES.fullmatch(t) for t in readme_map()["09"])
    assert {"bootstrap (paired)", "paired bootstrap", "nf4", "qlora"} <= glossary_terms()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_at_most_60_cells(path):
    assert len(cells(path)) <= MAX_CELLS, (
        f"{path.name} has {len(cells(path))} cells: merge adjacent short cells that belong together (a markdown cell "
        "into the next markdown cell, two tiny code cells) until it has at most 60")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_with_the_box(path):
    fields = box(path)
    assert set(fields) == set(BOX_FIELDS), (
        f"{path.name}: the title cell must end with a '> **Time:** / **You need:** / **You will:** / **Words:**' "
        f"box under the promise; found {sorted(fields)}")
    assert all(len(value) > 10 for value in fields.values()), f"{path.name}: an empty field in the box: {fields}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_box_times_are_the_readme_measurements(path):
    time = box(path)["Time"]
    quick, full = readme_map()[number(path)]
    assert MINUTES.findall(time)[:2] == [quick, full], (
        f"{path.name}: the box says {MINUTES.findall(time)[:2]}, README's notebook map says quick {quick}, full {full}")
    assert "measured on the 2-core reference machine" in time
    date = re.search(r"\d{4}-\d\d-\d\d", time)
    assert date and date.group(0) in README.read_text(encoding="utf-8"), (
        f"{path.name}: the box must give the date of the measurement, as README's notebook map does")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_box_prerequisites_are_earlier_notebooks(path):
    needed = set(re.findall(r"\b(\d\d[a-z]?)\b", box(path)["You need"]))
    assert needed or number(path) == "00", f"{path.name}: the box names no earlier notebook it builds on"
    assert all(n < number(path) for n in needed), f"{path.name}: a prerequisite comes later: {sorted(needed)}"  # "06" < "06b" < "07"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_links_the_glossary_and_its_terms_are_in_it(path):
    words = box(path)["Words"]
    assert "](../docs/glossary.md)" in words, f"{path.name}: the box must link ../docs/glossary.md"
    named = re.search(r"\]\(\.\./docs/glossary\.md\)[^(]*\((.*)\)\.?$", words)  # "(term, term, ...)" after the link
    assert named, f"{path.name}: the box's Words field names no terms: {words!r}"
    terms = [t.strip().lower() for t in named.group(1).removesuffix(", ...").split(",")]
    missing = [t for t in terms if t not in glossary_terms()]
    assert not missing, f"{path.name}: terms named in the box but absent from docs/glossary.md: {missing}"


@pytest.mark.parametrize("nn", sorted(BORROWED))
def test_a_borrowed_idea_is_explained_where_it_is_first_used(nn):
    word, teacher = BORROWED[nn]
    path = next(p for p in NOTEBOOKS if number(p) == nn)
    body = [c.source for c in cells(path)[BODY:] if c.cell_type == "markdown"]
    first = next((s for s in body if word.lower() in s.lower()), None)
    assert first is not None, f"{path.name} no longer mentions {word!r}: update BORROWED"
    assert f"]({teacher})" in first and "](../docs/glossary.md)" in first, (
        f"{path.name}: the first markdown cell that uses {word!r} must explain it briefly and link {teacher} and "
        "the glossary")
