"""Every notebook, executed top to bottom offline with COURSE_PROFILE=quick. Wall times go to
build/notebook-times.json (read by bench/ and the facilitator guide).

While a notebook runs, the offline server logs every request it answers (``COURSE_REQUEST_LOG``, helpers/local_api.py):
the endpoint, the model the request names and the verdict of that model's rules (data/models.yaml). A notebook may
send a request its model would reject only where it teaches that error on purpose (``TAUGHT_REJECTIONS``); any other
rejection fails the run, so no cell sends a request the registry says the named model would refuse, and the code the
notebooks teach runs unchanged with a key."""

import json
import os
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError

from bench.notebook_client import client_for, offline_environment
from helpers import local_api, registry

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMES = ROOT / "build" / "notebook-times.json"
CELL_TIMEOUT_S = 600


@dataclass(frozen=True)
class Taught:
    """A rejection a notebook sends on purpose: the sending cell contains ``cell``, the reply has ``status`` and a
    message containing ``message``; ``lesson`` says what the error teaches."""

    cell: str
    status: int
    message: str
    lesson: str

    def explains(self, record: dict, source: str) -> bool:
        return self.cell in source and record["status"] == self.status and self.message in (record["message"] or "")


TAUGHT_REJECTIONS: dict[str, list[Taught]] = {
    "00_start_here.ipynb": [
        Taught("for bad_request in", 400, "messages", "section 8, errors are the real API's: an empty message list"),
        Taught("for bad_request in", 400, "max_tokens", "section 8: a negative max_tokens"),
        Taught("for bad_request in", 404, "claude-does-not-exist", "section 8: an unknown model id"),
    ],
    "01_prompt_patterns.ipynb": [
        Taught("NO_PREFILL =", 400, "prefill", "section 4: a model without prefill answers an assistant prefill with "
                                               "400 (the registry's capabilities(...).prefill says so first)"),
    ],
    "06b_when_rag_is_not_the_answer.ipynb": [
        Taught("if PROVIDER == \"local\":", 400, "", "long context: the whole corpus sent to the local model's "
                                                      "8,192-token window shows the API's own error"),
    ],
}


@pytest.fixture(scope="module")
def offline_kernel_env():
    saved = dict(os.environ)
    offline_environment("quick")
    yield
    os.environ.clear()
    os.environ.update(saved)


def unexplained_rejections(nb, records: list[dict], taught: list[Taught]) -> tuple[list[str], list[Taught]]:
    """(the rejected requests no ``Taught`` entry explains, as readable lines; the ``Taught`` entries no request
    showed). A record is mapped to its cell by the cell's execution count (``In [n]``)."""
    cells = {c.execution_count: c.source for c in nb.cells if c.cell_type == "code" and c.execution_count}
    unexplained, shown = [], set()
    for record in records:
        if record["verdict"] == "accepted":
            continue
        source = cells.get(record["cell"], "")
        match = next((t for t in taught if t.explains(record, source)), None)
        if match is None:
            first = source.strip().splitlines()[0] if source.strip() else "(no cell)"
            unexplained.append(f"In [{record['cell']}] {first!r}: {record['endpoint']} model={record['model']} -> "
                               f"{record['status']} {record['type']}: {record['message']}")
        else:
            shown.add(match)
    return unexplained, [t for t in taught if t not in shown]


SDK_CALLS = re.compile(r"messages\.(create|stream|parse)\(|chat\.completions\.(create|parse)\(|llm\.complete\(")


def sends_sdk_requests(nb) -> bool:
    """Whether a code cell calls an SDK endpoint itself (then the request log must hold something). Batched local
    evaluation (helpers.llm.batch_complete, evaluation.run_prompts offline) runs the engine without a request."""
    return any(SDK_CALLS.search(c.source) for c in nb.cells if c.cell_type == "code")


def test_the_sdk_call_detector():
    code = nbformat.v4.new_code_cell
    assert sends_sdk_requests(nbformat.v4.new_notebook(cells=[code("client.messages.create(model=m)")]))
    assert sends_sdk_requests(nbformat.v4.new_notebook(cells=[code("r = llm.complete('hi')")]))
    assert not sends_sdk_requests(nbformat.v4.new_notebook(cells=[code("evaluation.run_prompts(prompts)"),
                                                                  nbformat.v4.new_markdown_cell("messages.create(")]))


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_offline(path, offline_kernel_env, tmp_path):
    start = time.perf_counter()
    for attempt in (1, 2):
        nb = nbformat.read(path, as_version=4)
        request_log = tmp_path / f"requests-{attempt}.jsonl"
        os.environ[local_api.REQUEST_LOG_SETTING] = str(request_log)  # the kernel inherits it when it starts
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
    records = local_api.read_request_log(request_log)
    if sends_sdk_requests(nb):  # 04, 08 and 10 answer through the local engine only (no SDK call in their cells)
        assert records, f"{path.name}: the offline server logged no request (is {local_api.REQUEST_LOG_SETTING} passed?)"
    unexplained, not_shown = unexplained_rejections(nb, records, TAUGHT_REJECTIONS.get(path.name, []))
    assert not unexplained, (f"{path.name} sent requests the named model's rules reject (data/models.yaml); fix the "
                             "cell, or list it in TAUGHT_REJECTIONS if it teaches the error:\n" + "\n".join(unexplained))
    assert not not_shown, f"{path.name}: these lessons no longer show their error: {not_shown}"
    named = {r["model"] for r in records if r["model"] and registry.models().get(registry.base_id(r["model"]))}
    retired = sorted(m for m in named if registry.is_retired(m, registry.as_of()))
    assert not retired, f"{path.name} sends requests to models past their shutdown_on (data/models.yaml): {retired}"


def test_every_taught_rejection_names_a_cell_of_its_notebook():
    """Cheap, no kernel: each TAUGHT_REJECTIONS entry still points at a code cell of its notebook."""
    for name, taught in TAUGHT_REJECTIONS.items():
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        sources = [c.source for c in nb.cells if c.cell_type == "code"]
        for entry in taught:
            assert any(entry.cell in s for s in sources), f"{name}: no code cell contains {entry.cell!r}"


def test_rejections_are_explained_only_by_their_own_cell_and_status():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("for bad_request in ...", execution_count=1),
                                         nbformat.v4.new_code_cell("ask()", execution_count=2)])
    taught = [Taught("for bad_request in", 400, "messages", "demo")]

    def rejected(cell, status, message):
        return {"verdict": "rejected", "cell": cell, "status": status, "message": message, "endpoint": "POST /v1/x",
                "model": "m", "type": "invalid_request_error"}

    accepted = {"verdict": "accepted", "cell": 2, "status": 200}
    assert unexplained_rejections(nb, [accepted, rejected(1, 400, "messages: empty")], taught) == ([], [])
    wrong_cell, missing = unexplained_rejections(nb, [rejected(2, 400, "messages: empty")], taught)
    assert len(wrong_cell) == 1 and "In [2] 'ask()'" in wrong_cell[0] and missing == taught
    assert len(unexplained_rejections(nb, [rejected(1, 404, "messages")], taught)[0]) == 1
