"""Keeps every course notebook and its jupytext source in step (COURSE_DESIGN.md, "Layout" and "Notebook shape").

Each notebooks/NN_topic.ipynb is paired with notebooks/NN_topic.py, a jupytext percent-format script (`# %%` code
cells, `# %% [markdown]` cells) that reviewers read and linters check. The .ipynb is what Colab and GitHub open; it is
committed clean. Run from the repository root:

    python tools/sync_notebooks.py           # every pair: badge and setup cell refreshed, sides synced, outputs stripped
    python tools/sync_notebooks.py --check   # changes nothing; exits 1 naming each notebook the line above would change
    python tools/sync_notebooks.py 03 08     # only these notebooks

What one run does to each pair, in memory, before writing only the files whose text changes:
1. sync: the side modified last wins, as with `jupytext --sync`. When the .py is newer its cells replace the
   .ipynb's; cells are matched by content, then by position, so every kept cell keeps its id (new cells get new ids).
   A notebook that exists on one side only gets its other side.
2. template: cell 1 is the Colab badge (BADGE below) and cell 2 the setup cell, whose exact source is the file
   tools/setup_cell.py (plain Python). Both are refreshed, or inserted when missing. The setup cell is recognised by
   its first line, which starts with "# Setup"; keep that line when you edit tools/setup_cell.py.
3. clean: no outputs, no execution counts, no per-run cell metadata (timings, collapsed or scrolled state), and
   the same notebook metadata everywhere (kernel python3, the jupytext pairing), so re-running changes nothing.

The repository address used by the badge and the setup cell is the default of
`os.environ.get("COURSE_REPO_URL", ...)` in tools/setup_cell.py: point it at wherever you publish the course (a fork
works) and run this script. `COURSE_REPO_URL` overrides it at run time on Colab.
tests/test_notebook_sources.py fails when this script would change a file.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
SETUP_CELL_FILE = Path(__file__).resolve().with_name("setup_cell.py")

TEXT_FORMAT = "py:percent"
# The jupytext version stays out of the .py header, so saving with another jupytext release changes no file.
JUPYTEXT_METADATA = {"formats": "ipynb," + TEXT_FORMAT,
                     "notebook_metadata_filter": "-jupytext.text_representation.jupytext_version"}
NOTEBOOK_METADATA = {
    "jupytext": JUPYTEXT_METADATA,
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
# Cell metadata that records one run or one person's view, never the lesson.
TRANSIENT_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "jupyter", "trusted")

BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
         "({colab_url}/blob/main/notebooks/{notebook})")
SETUP_FIRST_LINE = "# Setup"
NAME = re.compile(r"^\d\d[a-z]?_\w+$")  # NN_topic.ipynb and .py; 06b_topic continues 06 (helpers.paths.NOTEBOOK_NAME)


def _jupytext():
    try:
        import jupytext
    except ImportError as exc:
        raise SystemExit("tools/sync_notebooks.py needs jupytext: pip install -r requirements-dev.txt "
                         "(or pip install 'jupytext>=1.16')") from exc
    return jupytext


def setup_cell_source(path: Path = SETUP_CELL_FILE) -> str:
    """The setup cell, exactly as every notebook carries it: the file's text without its final newline."""
    source = path.read_text(encoding="utf-8").rstrip("\n")
    if not source.startswith(SETUP_FIRST_LINE):
        raise ValueError(f"{path}: the setup cell must start with a comment line beginning {SETUP_FIRST_LINE!r}; "
                         "that line is how tools/sync_notebooks.py finds the setup cell in each notebook")
    return source


def repo_url(setup_source: str) -> str:
    """The repository address: the default of os.environ.get("COURSE_REPO_URL", ...) in the setup cell."""
    for node in ast.walk(ast.parse(setup_source)):
        if (isinstance(node, ast.Call) and len(node.args) == 2
                and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
                and node.args[0].value == "COURSE_REPO_URL"):
            return node.args[1].value
    raise ValueError("tools/setup_cell.py: no os.environ.get(\"COURSE_REPO_URL\", \"https://github.com/...\") found; "
                     "the badge takes the repository address from that default, so keep one in the setup cell")


def colab_badge(notebook: str, url: str | None = None) -> str:
    """The badge cell of `notebook` (a file name such as 03_naive_rag.ipynb), opening it from GitHub on Colab."""
    url = repo_url(setup_cell_source()) if url is None else url
    if not url.startswith("https://github.com/"):
        raise ValueError(f"Colab opens notebooks from GitHub only; {url!r} (the COURSE_REPO_URL default in "
                         "tools/setup_cell.py) must start with https://github.com/")
    colab_url = url.replace("https://github.com/", "https://colab.research.google.com/github/", 1)
    return BADGE.format(colab_url=colab_url.removesuffix(".git"), notebook=notebook)


def is_badge_cell(cell) -> bool:
    return cell.cell_type == "markdown" and "colab-badge.svg" in cell.source


def is_setup_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.startswith(SETUP_FIRST_LINE)


def notebook_names(folder: Path) -> list[str]:
    """NN_topic for every notebook in `folder`, found from either side of its pair."""
    return sorted({p.stem for p in folder.iterdir() if p.suffix in (".ipynb", ".py") and NAME.match(p.stem)})


@dataclass
class Plan:
    """What a sync would do to one notebook: the texts both files should have, and why they differ now."""

    name: str
    ipynb: Path
    py: Path
    texts: dict[Path, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def changed(self) -> list[Path]:
        return [p for p, text in self.texts.items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def _first_difference(a, b) -> str:
    """Where two notebooks' cells first differ, for a message (cell numbers count from 0, as in the .ipynb)."""
    for index, (x, y) in enumerate(zip(a.cells, b.cells)):
        if (x.cell_type, x.source) != (y.cell_type, y.source):
            return f"first at cell {index}"
    return f"{len(a.cells)} cells against {len(b.cells)}"


def _read_pair(plan: Plan):
    """Step 1: the notebook whose inputs win: the .ipynb, or the .py combined with the .ipynb's ids when newer."""
    jupytext = _jupytext()
    from jupytext.combine import combine_inputs_with_outputs

    from_ipynb = jupytext.read(plan.ipynb) if plan.ipynb.exists() else None
    from_py = jupytext.read(plan.py, fmt=TEXT_FORMAT) if plan.py.exists() else None
    if from_py is None:
        plan.problems.append(f"{plan.py.name} is missing")
        return from_ipynb
    if from_ipynb is None:
        plan.problems.append(f"{plan.ipynb.name} is missing")
        return from_py
    as_text = jupytext.reads(jupytext.writes(from_ipynb, TEXT_FORMAT), TEXT_FORMAT)
    if [(c.cell_type, c.source, c.metadata) for c in as_text.cells] == \
            [(c.cell_type, c.source, c.metadata) for c in from_py.cells]:
        return from_ipynb
    py_newer = plan.py.stat().st_mtime >= plan.ipynb.stat().st_mtime
    newer = plan.py.name if py_newer else plan.ipynb.name
    plan.problems.append(f"{plan.py.name} and {plan.ipynb.name} differ ({_first_difference(as_text, from_py)}); "
                         f"syncing takes the cells of the newer file, {newer}")
    if not py_newer:
        return from_ipynb
    return combine_inputs_with_outputs(from_py, from_ipynb, fmt=TEXT_FORMAT)


def _new_cell(kind: str, source: str, wanted_id: str, nb):
    from nbformat.v4 import new_code_cell, new_markdown_cell

    cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
    if wanted_id not in {c.get("id") for c in nb.cells}:
        cell["id"] = wanted_id
    return cell


def _apply_template(nb, plan: Plan, badge: str, setup: str) -> None:
    """Step 2: cell 1 is the badge, cell 2 the setup cell, both exactly as the templates say."""
    cells = nb.cells
    if len(cells) > 1 and is_badge_cell(cells[1]):
        if cells[1].source != badge:
            plan.problems.append("the Colab badge (cell 1) differs from the template in tools/sync_notebooks.py")
            cells[1].source = badge
    else:
        plan.problems.append("the Colab badge is missing (cell 1)")
        cells.insert(1, _new_cell("markdown", badge, "colab-badge", nb))
    if len(cells) > 2 and is_setup_cell(cells[2]):
        if cells[2].source != setup:
            plan.problems.append("the setup cell (cell 2) differs from tools/setup_cell.py")
            cells[2].source = setup
    else:
        plan.problems.append("the setup cell is missing (cell 2)")
        cells.insert(2, _new_cell("code", setup, "setup", nb))
    extra = [i for i, c in enumerate(cells) if i != 2 and is_setup_cell(c)]
    if extra:
        plan.problems.append(f"cells {extra} look like setup cells too (first line {SETUP_FIRST_LINE!r}): "
                             "remove them by hand; only cell 2 is the setup cell")


def _clean(nb, plan: Plan) -> None:
    """Step 3: no outputs, execution counts or per-run metadata; the same notebook metadata everywhere."""
    dirty = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.get("outputs"):
                dirty.add("outputs")
            if cell.get("execution_count") is not None:
                dirty.add("execution counts")
            cell["outputs"], cell["execution_count"] = [], None
        for key in TRANSIENT_CELL_METADATA:
            if key in cell.metadata:
                dirty.add(f"cell metadata {key!r}")
                del cell.metadata[key]
    if nb.metadata != NOTEBOOK_METADATA:
        dirty.add("notebook metadata")
        nb.metadata = copy.deepcopy(NOTEBOOK_METADATA)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    if dirty:
        plan.problems.append(f"{plan.ipynb.name} is not clean: {', '.join(sorted(dirty))}")


def plan_notebook(folder: Path, name: str, setup: str) -> Plan:
    """Everything a sync would do to notebook `name` (NN_topic) in `folder`, without writing."""
    import nbformat

    jupytext = _jupytext()
    plan = Plan(name, folder / f"{name}.ipynb", folder / f"{name}.py")
    nb = copy.deepcopy(_read_pair(plan))
    _apply_template(nb, plan, colab_badge(plan.ipynb.name, repo_url(setup)), setup)
    _clean(nb, plan)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise SystemExit(f"{plan.ipynb}: would not be a valid notebook ({exc.message}); fix it by hand") from exc
    plan.texts[plan.ipynb] = jupytext.writes(nb, "ipynb").rstrip("\n") + "\n"
    plan.texts[plan.py] = jupytext.writes(nb, TEXT_FORMAT).rstrip("\n") + "\n"
    if plan.changed() and not plan.problems:
        plan.problems.append(f"{', '.join(p.name for p in plan.changed())} would be rewritten (formatting)")
    return plan


def write(plan: Plan) -> None:
    """The .ipynb first, then the .py, so the text side stays the newer one (as `jupytext --sync` leaves them)."""
    for path in (plan.ipynb, plan.py):
        if path in plan.changed():
            path.write_text(plan.texts[path], encoding="utf-8")
    if plan.py.exists() and plan.ipynb.stat().st_mtime > plan.py.stat().st_mtime:
        os.utime(plan.py)


def selected(folder: Path, only: list[str] | None = None) -> list[str]:
    """The notebooks named by `only` (03, 03_naive_rag or 03_naive_rag.ipynb), or all of them."""
    names = notebook_names(folder)
    if only:
        names = [n for n in names if any(n == o or n.startswith(o) or f"{n}.ipynb" == o for o in only)]
        if not names:
            raise SystemExit(f"no notebook in {folder} matches {only}")
    return names


def sync(folder: Path = NOTEBOOKS_DIR, setup_file: Path = SETUP_CELL_FILE, check: bool = False,
         only: list[str] | None = None) -> dict[str, list[str]]:
    """Syncs (or, with check, only inspects) every notebook pair in `folder`; returns each changed notebook's reasons."""
    setup = setup_cell_source(setup_file)
    found = {}
    for name in selected(folder, only):
        plan = plan_notebook(folder, name, setup)
        if plan.problems:
            found[name] = plan.problems
            if not check:
                write(plan)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="only these notebooks (03, 03_naive_rag or 03_naive_rag.ipynb)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a sync would change a file")
    parser.add_argument("--folder", type=Path, default=NOTEBOOKS_DIR, help="the notebooks folder (default notebooks/)")
    args = parser.parse_args(argv)
    found = sync(args.folder, check=args.check, only=args.notebooks)
    for name, problems in found.items():
        for problem in problems:
            print(f"{args.folder.name}/{name}: {problem}" if args.check else f"updated {name}: {problem}")
    if args.check and found:
        print(f"{len(found)} notebook(s) out of date: run `python tools/sync_notebooks.py` and commit both files "
              "of each pair", file=sys.stderr)
        return 1
    print("checked" if args.check else "synced", f"{len(selected(args.folder, args.notebooks))} notebooks in {args.folder}:",
          f"{len(found)} updated" if found else "all up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
