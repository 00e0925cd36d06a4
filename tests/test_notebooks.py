"""Every notebook, executed top to bottom offline with COURSE_PROFILE=quick. Wall times go to
build/notebook-times.json (read by bench/ and the facilitator guide)."""

import json
import os
import time
import warnings
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError

from bench.notebook_client import client_for, offline_environment

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMES = ROOT / "build" / "notebook-times.json"
CELL_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def offline_kernel_env():
    saved = dict(os.environ)
    offline_environment("quick")
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_offline(path, offline_kernel_env):
    start = time.perf_counter()
    for attempt in (1, 2):
        nb = nbformat.read(path, as_version=4)
        client = client_for(nb, path, CELL_TIMEOUT_S)
        try:
            client.execute()  # raises CellExecutionError with the failing cell's traceback
            break
        except CellTimeoutError as exc:
            # Before the sliced polls (bench/notebook_client.py) a missed wake-up stalled about one notebook per
            # `make test` until the cell timeout. Should any other stall remain, a fresh kernel runs the notebook
            # again once; a cell that is really too slow times out twice and fails.
            if attempt == 2:
                raise
            warnings.warn(f"{path.name}: {str(exc).splitlines()[0]} -- retrying once with a fresh kernel")
    seconds = time.perf_counter() - start
    TIMES.parent.mkdir(exist_ok=True)
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    times[path.name] = {"seconds": round(seconds, 1), "profile": "quick", "when": time.strftime("%Y-%m-%d %H:%M")}
    TIMES.write_text(json.dumps(times, indent=2, sort_keys=True))
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
