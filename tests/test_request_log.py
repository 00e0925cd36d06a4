"""The offline server's request log (``COURSE_REQUEST_LOG``, helpers/local_api.py): one JSON line per request with the
endpoint, the model it names and the verdict of that model's rules. tests/test_notebooks.py reads it to fail on any
request a notebook sends that its model would reject, unless the notebook teaches that error on purpose."""

from __future__ import annotations

import json
import sys
import threading
import types

import anthropic
import openai
import pytest

from helpers import llm, local_api, registry

USER = [{"role": "user", "content": "Say hi."}]


@pytest.fixture
def request_log(monkeypatch, tmp_path):
    path = tmp_path / "requests.jsonl"
    monkeypatch.setenv(local_api.REQUEST_LOG_SETTING, str(path))
    monkeypatch.setattr(local_api, "today", registry.as_of)
    return path


def test_rejections_are_logged_with_the_status_type_and_message_the_client_saw(request_log):
    claude, gpt = llm.anthropic_client(local=True), llm.openai_client(local=True)
    with pytest.raises(anthropic.BadRequestError) as prefill:
        claude.messages.create(model="claude-haiku-5-5", max_tokens=16,
                               messages=[*USER, {"role": "assistant", "content": "Hi"}])
    with pytest.raises(anthropic.NotFoundError):
        claude.messages.create(model="gpt-4.1-mini", max_tokens=16, messages=USER)
    with pytest.raises(openai.BadRequestError):
        gpt.chat.completions.create(model="gpt-6-luna", max_tokens=16, messages=USER)
    first, second, third = local_api.read_request_log(request_log)
    assert first == {"endpoint": "POST /v1/messages", "flavour": "anthropic", "model": "claude-haiku-5-5",
                     "verdict": "rejected", "status": 400, "type": "invalid_request_error", "code": None,
                     "message": prefill.value.body["error"]["message"], "cell": None}
    assert (second["status"], second["type"], second["message"]) == (404, "not_found_error", "model: gpt-4.1-mini")
    assert (third["endpoint"], third["model"], third["status"]) == ("POST /v1/chat/completions", "gpt-6-luna", 400)
    assert third["type"] == "invalid_request_error" and third["code"]


def test_accepted_requests_are_logged_too(request_log, engine):
    claude = llm.anthropic_client(local=True)
    claude.messages.create(model=registry.default_model("local"), max_tokens=2, messages=USER)
    claude.models.retrieve("claude-haiku-5-5")
    answered, listed = local_api.read_request_log(request_log)
    assert answered["verdict"] == "accepted" and answered["status"] == 200 and "message" not in answered
    assert answered["model"] == registry.default_model("local")
    assert listed["endpoint"] == "GET /v1/models/claude-haiku-5-5" and listed["model"] == "claude-haiku-5-5"


def test_nothing_is_written_without_the_setting(monkeypatch, tmp_path):
    monkeypatch.delenv(local_api.REQUEST_LOG_SETTING, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(anthropic.NotFoundError):
        llm.anthropic_client(local=True).messages.create(model="gpt-4.1-mini", max_tokens=16, messages=USER)
    assert list(tmp_path.iterdir()) == []
    assert local_api.read_request_log(tmp_path / "absent.jsonl") == []


def test_parallel_writers_leave_whole_lines(tmp_path):
    path = tmp_path / "requests.jsonl"
    long_message = "x" * 3000

    def write(worker: int) -> None:
        for i in range(50):
            local_api.log_request(path, {"worker": worker, "i": i, "message": long_message})

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = local_api.read_request_log(path)
    assert len(records) == 400 and all(r["message"] == long_message for r in records)
    assert sorted((r["worker"], r["i"]) for r in records) == [(w, i) for w in range(8) for i in range(50)]
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_the_cell_is_the_running_cells_execution_count(monkeypatch):
    """IPython stores a cell's input before running it (8 and 9 alike): In [n] is the history's length minus the
    empty entry at index 0."""
    shell = types.SimpleNamespace(history_manager=types.SimpleNamespace(input_hist_raw=["", "import x", "ask()"]))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert local_api.current_cell() == 2
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert local_api.current_cell() is None
