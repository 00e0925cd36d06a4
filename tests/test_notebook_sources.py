"""Each notebook is a pair: NN_topic.ipynb (Colab, GitHub) and its jupytext source NN_topic.py (reviewers, linters).

tools/sync_notebooks.py keeps the pairs in step, puts the Colab badge and the setup cell (tools/setup_cell.py) in
every notebook and strips outputs. These tests fail when it would change a committed file, and check on copies of the
notebooks that it does what an editor of either side needs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import sync_notebooks as sn  # noqa: E402

NAMES = sn.notebook_names(sn.NOTEBOOKS_DIR)
SYNC = [sys.executable, str(ROOT / "tools" / "sync_notebooks.py")]


def test_every_notebook_has_both_files():
    ipynb = {p.stem for p in sn.NOTEBOOKS_DIR.glob("*.ipynb")}
    py = {p.stem for p in sn.NOTEBOOKS_DIR.glob("*.py")}
    assert ipynb and ipynb == py == set(NAMES), f"unpaired: {sorted(ipynb ^ py)}"


@pytest.mark.parametrize("name", NAMES)
def test_committed_pair_is_in_sync_clean_and_templated(name):
    plan = sn.plan_notebook(sn.NOTEBOOKS_DIR, name, sn.setup_cell_source())
    assert not plan.problems, f"{name}: {plan.problems}; run python tools/sync_notebooks.py and commit both files"


def test_check_command_passes_on_the_committed_notebooks():
    done = subprocess.run([*SYNC, "--check"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the sync step, on copies --------------------------------------------------------------------------------------
FIRST, SECOND = NAMES[0], NAMES[3]  # 00_start_here and 03_naive_rag: a small one and one with helpers.rag imports


@pytest.fixture
def folder(tmp_path):
    """Two committed pairs copied into a folder of their own."""
    work = tmp_path / "notebooks"
    work.mkdir()
    for name in (FIRST, SECOND):
        for suffix in (".ipynb", ".py"):
            shutil.copy2(sn.NOTEBOOKS_DIR / f"{name}{suffix}", work / f"{name}{suffix}")
    return work


def _newer(path: Path, than: Path) -> None:
    stamp = than.stat().st_mtime + 10
    os.utime(path, (stamp, stamp))


def _check(folder: Path, setup_file: Path = sn.SETUP_CELL_FILE) -> dict[str, list[str]]:
    return sn.sync(folder, setup_file, check=True)


def _cells(path: Path):
    return nbformat.read(path, as_version=4).cells


def test_an_edited_py_is_reported_then_synced_into_the_ipynb_keeping_cell_ids(folder):
    ids = [c.id for c in _cells(folder / f"{FIRST}.ipynb")]
    py = folder / f"{FIRST}.py"
    text = py.read_text()
    edited = text.replace("from helpers import doctor\n", "from helpers import doctor  # edited in an editor\n", 1)
    assert edited != text
    py.write_text(edited)
    _newer(py, folder / f"{FIRST}.ipynb")

    problems = _check(folder)
    assert list(problems) == [FIRST] and "differ" in problems[FIRST][0] and f"{FIRST}.py" in problems[FIRST][0]
    done = subprocess.run([*SYNC, "--check", "--folder", str(folder)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and FIRST in done.stdout, done.stdout + done.stderr

    sn.sync(folder)
    cells = _cells(folder / f"{FIRST}.ipynb")
    assert [c.id for c in cells] == ids
    assert any(c.source.startswith("from helpers import doctor  # edited in an editor") for c in cells)
    assert _check(folder) == {}
    assert sn.sync(folder) == {}, "a second sync should change nothing"


def test_a_cell_added_in_the_py_gets_a_new_id_and_the_others_keep_theirs(folder):
    before = _cells(folder / f"{SECOND}.ipynb")
    py = folder / f"{SECOND}.py"
    text = py.read_text()
    py.write_text(text.replace("\n# %% [markdown]\n# ## What you will learn",
                               "\n# %%\nprint('a new cell')\n\n# %% [markdown]\n# ## What you will learn", 1))
    _newer(py, folder / f"{SECOND}.ipynb")
    sn.sync(folder)
    after = _cells(folder / f"{SECOND}.ipynb")
    assert len(after) == len(before) + 1 and after[3].source == "print('a new cell')"
    assert [c.id for c in after[:3] + after[4:]] == [c.id for c in before]
    assert after[3].id not in {c.id for c in before}


def test_an_ipynb_run_in_jupyter_is_stripped_and_its_edit_reaches_the_py(folder):
    ipynb = folder / f"{FIRST}.ipynb"
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells[4].source += "\n\nEdited in JupyterLab."
    code = next(c for c in nb.cells[3:] if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    code.execution_count = 7
    code.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9", "mimetype": "text/x-python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(nb, ipynb)
    _newer(ipynb, folder / f"{FIRST}.py")

    [problems] = _check(folder).values()
    assert any("differ" in p for p in problems)
    assert any("not clean" in p and "outputs" in p and "execution counts" in p for p in problems)
    sn.sync(folder)
    assert "Edited in JupyterLab." in (folder / f"{FIRST}.py").read_text()
    clean = nbformat.read(ipynb, as_version=4)
    assert all(c.outputs == [] and c.execution_count is None for c in clean.cells if c.cell_type == "code")
    assert "execution" not in clean.cells[nb.cells.index(code)].metadata
    assert clean.metadata == sn.NOTEBOOK_METADATA
    assert _check(folder) == {}


@pytest.mark.parametrize("side", [".ipynb", ".py"])
def test_an_edited_setup_cell_or_badge_is_reported_and_restored(folder, side):
    path = folder / f"{SECOND}{side}"
    nb = jupytext.read(path)
    nb.cells[1].source = nb.cells[1].source.replace("/blob/main/", "/blob/dev/")
    nb.cells[2].source = nb.cells[2].source.replace("--depth", "--depth=1 --quiet")
    jupytext.write(nb, path, fmt=None if side == ".ipynb" else sn.TEXT_FORMAT)
    other = folder / f"{SECOND}{'.py' if side == '.ipynb' else '.ipynb'}"
    _newer(path, other)

    [problems] = _check(folder).values()
    assert any("Colab badge (cell 1) differs" in p for p in problems)
    assert any("setup cell (cell 2) differs from tools/setup_cell.py" in p for p in problems)
    sn.sync(folder)
    for file in (path, other):
        cells = jupytext.read(file).cells
        assert cells[1].source == sn.colab_badge(f"{SECOND}.ipynb")
        assert cells[2].source == sn.setup_cell_source()
    assert _check(folder) == {}


def test_a_new_setup_cell_and_repository_reach_every_notebook(folder, tmp_path):
    """What the install issue will do: edit tools/setup_cell.py (here also pointing it at a fork) and re-run sync."""
    setup = tmp_path / "setup_cell.py"
    source = sn.setup_cell_source()
    new_source = (source.replace(sn.repo_url(source), "https://github.com/a-fork/course")
                  + "\nprint('a new line from the install issue')")
    setup.write_text(new_source + "\n")
    ids = {name: [c.id for c in _cells(folder / f"{name}.ipynb")] for name in (FIRST, SECOND)}

    problems = _check(folder, setup)
    assert sorted(problems) == [FIRST, SECOND]
    sn.sync(folder, setup)
    for name in (FIRST, SECOND):
        cells = _cells(folder / f"{name}.ipynb")
        assert [c.id for c in cells] == ids[name]
        assert cells[2].source == new_source
        assert cells[1].source == (
            "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/a-fork/course/blob/main/notebooks/{name}.ipynb)")
        assert "\nprint('a new line from the install issue')\n" in (folder / f"{name}.py").read_text()
    assert _check(folder, setup) == {}
    assert list(_check(folder)) == [FIRST, SECOND], "against the committed template they now differ again"


def test_a_notebook_with_one_side_gets_the_other(folder):
    (folder / f"{FIRST}.py").unlink()
    (folder / f"{SECOND}.ipynb").unlink()
    problems = _check(folder)
    assert any(f"{FIRST}.py is missing" in p for p in problems[FIRST])
    assert any(f"{SECOND}.ipynb is missing" in p for p in problems[SECOND])
    sn.sync(folder)
    assert _check(folder) == {}
    for name in (FIRST, SECOND):
        assert (sn.NOTEBOOKS_DIR / f"{name}.py").read_text() == (folder / f"{name}.py").read_text()
    nb = nbformat.read(folder / f"{SECOND}.ipynb", as_version=4)
    committed = nbformat.read(sn.NOTEBOOKS_DIR / f"{SECOND}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in committed.cells]
    nbformat.validate(nb)


def test_a_new_notebook_written_as_a_py_gets_the_badge_and_setup_cell(folder):
    (folder / "11_new_topic.py").write_text("# %% [markdown]\n# # 11 · A new topic\n\n# %%\nprint('hello')\n")
    sn.sync(folder)
    cells = _cells(folder / "11_new_topic.ipynb")
    assert [c.cell_type for c in cells] == ["markdown", "markdown", "code", "code"]
    assert cells[1].source == sn.colab_badge("11_new_topic.ipynb") and cells[1].id == "colab-badge"
    assert cells[2].source == sn.setup_cell_source() and cells[2].id == "setup"
    assert _check(folder) == {}


@pytest.mark.parametrize("newer", [".ipynb", ".py"])
def test_jupytext_sync_agrees_with_the_sync_step(folder, newer):
    """JupyterLab with jupytext and `jupytext --sync` leave a synced pair exactly as tools/sync_notebooks.py wrote it."""
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for name in (FIRST, SECOND):
        _newer(folder / f"{name}{newer}", folder / f"{name}{'.py' if newer == '.ipynb' else '.ipynb'}")
    done = subprocess.run([sys.executable, "-m", "jupytext", "--sync", *sorted(map(str, folder.glob("*.ipynb")))],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_the_setup_cell_file_must_keep_its_first_line_and_repository(tmp_path):
    plain = tmp_path / "setup_cell.py"
    plain.write_text("import os\n")
    with pytest.raises(ValueError, match="# Setup"):
        sn.setup_cell_source(plain)
    with pytest.raises(ValueError, match="COURSE_REPO_URL"):
        sn.repo_url("# Setup\nimport os\n")
    with pytest.raises(ValueError, match="GitHub"):
        sn.colab_badge("00_start_here.ipynb", "https://gitlab.com/someone/course")
    assert sn.repo_url(sn.setup_cell_source()).startswith("https://github.com/")
