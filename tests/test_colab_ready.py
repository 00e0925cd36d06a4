"""Colab readiness: every notebook's setup cell clones and installs the course when `google.colab` is importable.

Colab is simulated: a stub `google.colab` module, the committed repository served as a local bare git repo
(COURSE_REPO_URL), and the clone made under a temporary folder instead of /content (COURSE_COLAB_ROOT). The pip
commands really run in this environment, where, as on Colab, torch is already installed: the test checks that the
requirements then install nothing (torch above all), and that what the notebooks read exists in the clone.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from sync_notebooks import is_setup_cell, setup_cell_source  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# Run in a fresh interpreter: the stub makes `import google.colab` work, then the setup cell runs as in a notebook,
# then we report where the course landed and where `helpers` is imported from.
_COLAB_SESSION = """
import importlib, json, os, sys, types
google = types.ModuleType("google"); google.__path__ = []
colab = types.ModuleType("google.colab")
sys.modules["google"] = google; sys.modules["google.colab"] = colab
exec(compile(open(sys.argv[1]).read(), "setup-cell", "exec"))
import helpers, helpers.datasets
print(json.dumps({"cwd": os.getcwd(), "helpers": helpers.__file__}))
"""


def _git(*args, cwd=ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def colab_clone(tmp_path_factory):
    """Runs the setup cell once under a simulated Colab; returns (clone folder, the session's report)."""
    tmp = tmp_path_factory.mktemp("colab")
    remote = tmp / "remote.git"
    _git("clone", "--bare", "--quiet", str(ROOT), str(remote))
    cell = tmp / "setup_cell.py"
    cell.write_text(setup_cell_source())  # the cell exactly as the notebooks carry it (test below)
    env = {**os.environ, "COURSE_REPO_URL": remote.as_uri(), "COURSE_COLAB_ROOT": str(tmp / "content")}
    done = subprocess.run([sys.executable, "-c", _COLAB_SESSION, str(cell)], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    clones = sorted((tmp / "content").iterdir())
    assert len(clones) == 1, f"the setup cell should clone the course into one folder under /content, made {clones}"
    return clones[0], json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_uses_the_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    setup = [c for c in nb.cells if is_setup_cell(c)]
    assert [c.source for c in setup] == [setup_cell_source()], f"{path.name}: the Colab setup cell is missing or edited"
    assert nb.cells.index(setup[0]) == 2, f"{path.name}: the setup cell should be cell 2, after the title and badge"


def test_setup_cell_clones_installs_and_imports_from_the_clone(colab_clone):
    clone, report = colab_clone
    assert (clone / "requirements.txt").exists() and (clone / "helpers" / "__init__.py").exists()
    assert Path(report["cwd"]) == clone / "notebooks", "the setup cell should leave the kernel in notebooks/"
    assert Path(report["helpers"]).resolve().is_relative_to(clone.resolve()), (
        f"helpers imported from {report['helpers']}, not from the clone")


def test_requirements_do_not_reinstall_torch():
    """With torch already installed (as on Colab), resolving requirements.txt must install nothing for torch."""
    report = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", "-",
                             "-r", str(ROOT / "requirements.txt")], capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr[-2000:]
    to_install = [item["metadata"]["name"].lower() for item in json.loads(report.stdout)["install"]]
    assert "torch" not in to_install and not any(n.startswith("nvidia-") for n in to_install), to_install
    # torch is declared in pyproject.toml (requirements.txt installs the project) or in requirements.txt
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    declared += (ROOT / "requirements.txt").read_text().splitlines()
    torch_lines = [line for line in declared if re.match(r"torch\b", line)]
    assert torch_lines and not any("==" in line for line in torch_lines), (
        "torch must be a lower bound, never a pin (Colab has its own)")


def _relative_paths(source: str) -> set[str]:
    """String literals in a code cell that name a file or folder relative to notebooks/ (e.g. "../data/kb")."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # cells with IPython magics: fall back to a regex over quoted strings
        return set(re.findall(r"[\"'](\.\./[^\"'\s]+)[\"']", source))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("../")}


def test_no_notebook_reads_files_that_exist_only_locally(colab_clone):
    clone, _ = colab_clone
    missing = []
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                missing += [f"{path.name}: {p}" for p in _relative_paths(cell.source)
                            if not (clone / "notebooks" / p).resolve().exists()]
    assert not missing, f"paths the notebooks read that a fresh clone lacks: {missing}"
    ignored = _git("ls-files", "--others", "--ignored", "--exclude-standard", "--", "data", "helpers").split()
    ignored = [p for p in ignored if "__pycache__" not in p]
    assert not ignored, f"files under data/ or helpers/ that git ignores, so a clone would lack them: {ignored[:10]}"
