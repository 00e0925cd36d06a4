"""Notebooks are committed clean, valid, secret-free, with the Colab badge and the setup cell."""

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from sync_notebooks import colab_badge, setup_cell_source  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOURCES = sorted((ROOT / "notebooks").glob("*.py"))  # their jupytext pairs (tests/test_notebook_sources.py)
SECRET = re.compile(r"sk-ant-[A-Za-z0-9_-]{8,}|sk-(proj-)?[A-Za-z0-9]{20,}|hf_[A-Za-z0-9]{20,}")


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_and_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: outputs committed"
            assert cell.execution_count is None, f"{path.name}: execution count committed"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS + SOURCES, ids=lambda p: p.name)
def test_notebook_has_no_secrets(path):
    assert not SECRET.search(path.read_text(encoding="utf-8")), f"{path.name} contains something like a key"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_shape(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert nb.cells[1].source == colab_badge(path.name), "Colab badge (pointing at this notebook) missing or edited"
    assert nb.cells[2].cell_type == "code" and nb.cells[2].source == setup_cell_source(), (
        "setup cell missing or edited: run python tools/sync_notebooks.py")
    assert "What you will learn" in nb.cells[3].source
    assert 25 <= len(nb.cells) <= 70, f"{path.name} has {len(nb.cells)} cells"
    assert any("Exercise" in c.source for c in nb.cells if c.cell_type == "markdown")
