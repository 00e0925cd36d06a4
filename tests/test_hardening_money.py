"""Issue 25, money and settings: every setting read in one place (environment, .env, Colab secrets), an invalid
COURSE_MAX_USD refused at once, parallel calls that cannot overspend, and a guard on every paid endpoint the two
SDKs can reach. No request here reaches the internet: :class:`Network` stands in for it and records what arrives."""

from __future__ import annotations

import ast
import re
import sys
import threading
import time
import types
from pathlib import Path

import anthropic
import httpx2
import openai
import pytest

from helpers import budget, env, llm, registry
from helpers.local_api import LocalModelTransport

REAL_DOTENV = env._dotenv_values  # taken at import, before conftest's fixture swaps in an empty .env
HELPERS = Path(__file__).resolve().parent.parent / "helpers"
SETTINGS = ("COURSE_BACKEND", "COURSE_PROFILE", "COURSE_MAX_USD", "COURSE_CACHE_DIR", "COURSE_LOCAL_MODEL",
            "COURSE_LOCAL_DTYPE", "QDRANT_URL", "QDRANT_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY")
CLAUDE, GPT = "claude-haiku-5-5", "gpt-4.1-mini"
TINY_CAP = "0.000001"


class Network(httpx2.BaseTransport):
    """Stands in for the internet: records every request that reaches it and answers like the real service
    (usage included). ``usage`` sets the token counts it reports; ``delay`` keeps a request in flight."""

    def __init__(self, usage: tuple[int, int] = (10, 5), delay: float = 0.0):
        self.requests: list[httpx2.Request] = []
        self.usage, self.delay = usage, delay
        self._lock = threading.Lock()
        self._files = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        with self._lock:
            self.requests.append(request)
            self._files += 1
            file_id = f"file-{self._files:04d}"
        time.sleep(self.delay)
        tokens_in, tokens_out = self.usage
        path = request.url.path
        if path.endswith("/v1/messages"):
            body = {"id": "msg_1", "type": "message", "role": "assistant", "model": CLAUDE, "stop_reason": "end_turn",
                    "content": [{"type": "text", "text": "ok"}], "stop_sequence": None,
                    "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out}}
        elif path.endswith("/chat/completions"):
            body = {"id": "c1", "object": "chat.completion", "created": 1, "model": GPT,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out}}
        elif path.endswith("/files"):
            body = {"id": file_id, "object": "file", "bytes": 1, "created_at": 1, "filename": "x.jsonl",
                    "purpose": "fine-tune", "status": "processed"}
        elif path.endswith("/embeddings"):
            body = {"object": "list", "model": "text-embedding-3-small",
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    "data": [{"object": "embedding", "index": 0, "embedding": [0.6, 0.8]}]}
        else:
            body = {"id": "x1", "object": "list", "data": []}
        return httpx2.Response(200, json=body)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


@pytest.fixture
def network(monkeypatch):
    """Paid clients from helpers.llm talk to a recording :class:`Network` instead of the internet; both keys set."""
    net = Network()
    monkeypatch.setattr(llm.httpx2, "HTTPTransport", lambda *args, **kwargs: net)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-real")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    return net


@pytest.fixture
def dotenv(monkeypatch, tmp_path):
    """Write settings into a .env of a fresh working folder, read by the real .env reader; none in the environment."""
    monkeypatch.setattr(env, "_dotenv_values", REAL_DOTENV)
    monkeypatch.setattr(env, "REPO_ROOT", tmp_path / "no-repository")  # a developer's own .env stays out
    monkeypatch.chdir(tmp_path)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)

    def write(**values: str) -> Path:
        path = tmp_path / ".env"
        path.write_text("".join(f"{name}={value}\n" for name, value in values.items()), encoding="utf-8")
        return path

    return write


def _fake_colab(monkeypatch, secrets: dict[str, str]):
    class SecretNotFoundError(Exception):
        pass

    def get(name):
        if name not in secrets:
            raise SecretNotFoundError(name)
        return secrets[name]

    colab = types.ModuleType("google.colab")
    colab.userdata = types.SimpleNamespace(get=get)
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)


# --- 1. settings in one place ---------------------------------------------------------------------------------------
def test_setting_order_is_environment_then_dotenv_then_colab_then_default(monkeypatch, dotenv, capsys):
    dotenv(COURSE_MAX_USD="3", COURSE_PROFILE="quick")
    _fake_colab(monkeypatch, {"COURSE_MAX_USD": "4", "COURSE_BACKEND": "local", "COURSE_CACHE_DIR": "/colab"})
    assert env.setting("COURSE_MAX_USD") == "3"  # .env before Colab
    monkeypatch.setenv("COURSE_MAX_USD", "5")
    assert env.setting_with_source("COURSE_MAX_USD") == ("5", "the environment")  # the environment first
    assert env.setting_with_source("COURSE_BACKEND") == ("local", "Colab secrets")  # a money/routing setting
    assert env.setting("COURSE_CACHE_DIR", "default") == "default"  # not looked up in Colab's secrets
    assert env.setting("QDRANT_URL", "none") == "none"
    assert capsys.readouterr().err == ""  # an optional setting missing from Colab's secrets is not worth a line


def test_an_edited_dotenv_takes_effect_without_a_restart(dotenv):
    path = dotenv(COURSE_MAX_USD="2")
    assert env.max_usd() == 2.0
    path.write_text("COURSE_MAX_USD=0.5\n", encoding="utf-8")
    assert env.max_usd() == 0.5
    path.unlink()
    assert env.max_usd() is None


@pytest.mark.parametrize("provider,model", [("anthropic", CLAUDE), ("openai", GPT)])
def test_a_cap_in_dotenv_refuses_paid_requests(dotenv, network, provider, model):
    dotenv(COURSE_MAX_USD=TINY_CAP)
    assert env.max_usd() == 1e-6
    with pytest.raises(budget.BudgetExceededError, match="COURSE_MAX_USD"):
        llm.complete("Say hi.", provider=provider, model=model, max_tokens=20)
    assert network.requests == []


def test_backend_local_in_dotenv_keeps_requests_offline(dotenv, network):
    dotenv(COURSE_BACKEND="local")
    assert llm.active_provider() == "local" and llm.uses_local("anthropic") and llm.uses_local("openai")
    for client in (llm.anthropic_client(), llm.openai_client()):
        assert isinstance(client._client._transport.inner, LocalModelTransport)


def test_every_listed_setting_is_read_from_dotenv(dotenv, monkeypatch, tmp_path):
    from helpers.prompting import evaluation
    from helpers.rag import index

    dotenv(COURSE_PROFILE="quick", COURSE_CACHE_DIR=str(tmp_path / "cache"), COURSE_LOCAL_MODEL="org/model",
           QDRANT_URL="http://qdrant.invalid:6333", QDRANT_API_KEY="qdrant-key", OPENAI_API_KEY="sk-from-dotenv")
    assert env.profile() == "quick" and env.by_profile(full=100, quick=5) == 5
    assert env.cache_dir() == tmp_path / "cache"
    assert evaluation.local_model_id() == "org/model"
    assert env.keys_present() == {"anthropic": False, "openai": True}
    made = []
    import qdrant_client

    monkeypatch.setattr(qdrant_client, "QdrantClient", lambda **kwargs: made.append(kwargs) or kwargs)
    index.qdrant_client_for()
    assert made == [{"url": "http://qdrant.invalid:6333", "api_key": "qdrant-key"}]


# The one module allowed to read os.environ itself: paths.py sits below env (env imports it to find .env), so
# COURSE_DATA_DIR is read from the environment only (the README's settings table says so).
PENDING_DIRECT_READERS = {"helpers/paths.py"}


COURSE_SETTING = re.compile(r"(COURSE_|QDRANT_)\w+|\w+_API_KEY")


def _reads_course_setting(tree: ast.Module) -> bool:
    """True when the module reads a course setting (COURSE_*, QDRANT_*, an API key) from os.environ / os.getenv,
    named by a string or by a module constant. Other variables (HF_HUB_OFFLINE, read by the Hugging Face libraries
    themselves) are not course settings."""
    constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}

    def setting_name(arg) -> bool:
        value = arg.value if isinstance(arg, ast.Constant) else constants.get(getattr(arg, "id", None))
        return isinstance(value, str) and COURSE_SETTING.fullmatch(value) is not None

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            target = node.func
            environ_get = (target.attr == "get" and isinstance(target.value, ast.Attribute)
                           and target.value.attr == "environ")
            if (environ_get or target.attr == "getenv") and setting_name(node.args[0]):
                return True
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "environ" \
                and isinstance(node.ctx, ast.Load) and setting_name(node.slice):
            return True
    return False


def test_no_new_module_reads_settings_around_env_setting():
    readers = {str(path.relative_to(HELPERS.parent)) for path in HELPERS.rglob("*.py")
               if path.name != "env.py" and _reads_course_setting(ast.parse(path.read_text(encoding="utf-8")))}
    new = sorted(readers - PENDING_DIRECT_READERS)
    assert not new, f"read course settings with helpers.env.setting, not os.environ: {new}"


# --- 2. an invalid cap is a configuration error, at once -----------------------------------------------------------
BAD_CAPS = ["-1", "abc", "nan", "inf", "$2", "2,50", "1e400", "-0.5"]


@pytest.mark.parametrize("raw", BAD_CAPS)
def test_invalid_cap_names_the_variable_the_value_and_a_good_example(monkeypatch, raw):
    monkeypatch.setenv("COURSE_MAX_USD", raw)
    with pytest.raises(ValueError) as err:
        env.max_usd()
    assert isinstance(err.value, env.CourseConfigError)
    message = str(err.value)
    assert "COURSE_MAX_USD" in message and repr(raw) in message and "COURSE_MAX_USD=2.50" in message


@pytest.mark.parametrize("raw,value", [("2", 2.0), ("2.50", 2.5), (".5", 0.5), ("0", 0.0), ("1e-6", 1e-6)])
def test_valid_caps(monkeypatch, raw, value):
    monkeypatch.setenv("COURSE_MAX_USD", raw)
    assert env.max_usd() == value


@pytest.mark.parametrize("raw", ["abc", "2,50"])
def test_invalid_cap_in_dotenv_stops_a_paid_client_at_once(dotenv, network, raw):
    dotenv(COURSE_MAX_USD=raw)
    for make in (llm.anthropic_client, llm.openai_client):
        with pytest.raises(env.CourseConfigError, match=r"\(from \.env\)"):
            make()
    assert network.requests == []


def test_invalid_cap_set_after_the_client_is_not_a_connection_error(monkeypatch, network):
    clients = [llm.anthropic_client(), llm.openai_client()]  # made while no cap was set
    monkeypatch.setenv("COURSE_MAX_USD", "$2")
    start = time.perf_counter()
    with pytest.raises(env.CourseConfigError, match="COURSE_MAX_USD='\\$2'") as err:
        clients[0].messages.create(model=CLAUDE, max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert not isinstance(err.value, anthropic.APIConnectionError)
    with pytest.raises(env.CourseConfigError) as err:
        clients[1].chat.completions.create(model=GPT, messages=[{"role": "user", "content": "hi"}])
    assert not isinstance(err.value, openai.APIConnectionError)
    assert time.perf_counter() - start < 1.0  # no retries with back-off
    assert network.requests == []


# --- 3. parallel calls cannot overspend ---------------------------------------------------------------------------
def test_parallel_reservations_never_pass_the_cap(monkeypatch):
    monkeypatch.setenv("COURSE_MAX_USD", "1.0")
    guard = budget.Budget()
    start = threading.Barrier(40)
    held, refused = [], []

    def one():
        start.wait()
        try:
            held.append(guard.reserve("a call", 0.1))
        except budget.BudgetExceededError:
            refused.append(1)

    threads = [threading.Thread(target=one) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(held) == 9 or len(held) == 10  # 10 x 0.1 may round above 1.0 in floating point
    assert len(held) + len(refused) == 40 and guard.reserved_usd <= 1.0 + 1e-12
    for amount in held:
        guard.settle(amount, 0.01)  # each cost less than its estimate: the difference is released
    assert guard.reserved_usd == 0.0 and guard.spent_usd == pytest.approx(0.01 * len(held))
    guard.reserve("another call", 0.9)  # the released room is usable again


def test_a_failed_request_releases_its_hold(monkeypatch):
    monkeypatch.setenv("COURSE_MAX_USD", "1")

    def broken(request):
        raise httpx2.ConnectError("no network here")

    guard = budget.Budget()
    client = anthropic.Anthropic(api_key="k", max_retries=0, http_client=httpx2.Client(
        transport=budget.GuardedTransport(httpx2.MockTransport(broken), "anthropic", local=False, budget=guard)))
    with pytest.raises(anthropic.APIConnectionError):
        client.messages.create(model=CLAUDE, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    refused = httpx2.MockTransport(lambda request: httpx2.Response(500, json={"error": {"message": "down"}}))
    client = anthropic.Anthropic(api_key="k", max_retries=0, http_client=httpx2.Client(
        transport=budget.GuardedTransport(refused, "anthropic", local=False, budget=guard)))
    with pytest.raises(anthropic.InternalServerError):
        client.messages.create(model=CLAUDE, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert guard.reserved_usd == 0.0 and guard.spent_usd == 0.0


def test_batch_complete_sends_one_call_when_the_cap_has_room_for_one(monkeypatch, network):
    network.delay, network.usage = 0.3, (20_000, 50)  # slow, and each answer costs more than its estimate
    prompts = [f"Classify ticket {i}: my card was charged twice." for i in range(8)]
    one_call = llm.estimate_cost(prompts[:1], model=CLAUDE, max_tokens=50)
    monkeypatch.setenv("COURSE_MAX_USD", repr(1.5 * one_call))
    with pytest.raises(budget.BudgetExceededError, match="COURSE_MAX_USD"):
        llm.batch_complete(prompts, provider="anthropic", model=CLAUDE, max_tokens=50, concurrency=4, progress=False)
    assert len(network.requests) == 1
    assert budget.BUDGET.calls == 1 and budget.BUDGET.reserved_usd == 0.0


# --- 4. every paid endpoint is guarded -----------------------------------------------------------------------------
def _messages_params(model=CLAUDE):
    return {"model": model, "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}


def _upload(client, purpose="fine-tune", lines=None):
    chat = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}'
    lines = lines or [chat] * 12
    return client.files.create(file=("train.jsonl", ("\n".join(lines) + "\n").encode()), purpose=purpose)


def _batch_lines(n=3):
    return [f'{{"custom_id": "r{i}", "method": "POST", "url": "/v1/chat/completions", "body": {{"model": "{GPT}", '
            f'"max_completion_tokens": 40, "messages": [{{"role": "user", "content": "ticket {i}"}}]}}}}'
            for i in range(n)]


CALLS = {  # name: (provider, call, paid)
    "anthropic messages": ("anthropic", lambda c: c.messages.create(**_messages_params()), True),
    "anthropic batches": ("anthropic", lambda c: c.messages.batches.create(
        requests=[{"custom_id": "a", "params": _messages_params()}]), True),
    "anthropic legacy complete": ("anthropic", lambda c: c.post("/v1/complete", cast_to=object, body={
        "model": CLAUDE, "prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 50}), True),
    "anthropic unknown endpoint": ("anthropic", lambda c: c.post("/v1/agents", cast_to=object, body={"x": 1}), True),
    "anthropic count_tokens": ("anthropic", lambda c: c.messages.count_tokens(
        model=CLAUDE, messages=[{"role": "user", "content": "hi"}]), False),
    "anthropic models list": ("anthropic", lambda c: c.models.list(), False),
    "openai chat": ("openai", lambda c: c.chat.completions.create(
        model=GPT, max_completion_tokens=50, messages=[{"role": "user", "content": "hi"}]), True),
    "openai responses": ("openai", lambda c: c.responses.create(model=GPT, input="hi", max_output_tokens=50), True),
    "openai legacy completions": ("openai", lambda c: c.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="hi", max_tokens=5), True),
    "openai embeddings": ("openai", lambda c: c.embeddings.create(model="text-embedding-3-small", input="hi"), True),
    "openai batches": ("openai", lambda c: c.batches.create(
        input_file_id=_upload(c, "batch", _batch_lines()).id, endpoint="/v1/chat/completions",
        completion_window="24h"), True),
    "openai fine-tuning job": ("openai", lambda c: c.fine_tuning.jobs.create(
        model=GPT, training_file=_upload(c).id), True),
    "openai images": ("openai", lambda c: c.images.generate(prompt="a cat", model="gpt-image-1"), True),
    "openai speech": ("openai", lambda c: c.audio.speech.create(model="tts-1", voice="alloy", input="hi"), True),
    "openai files upload": ("openai", lambda c: _upload(c), False),
    "openai moderations": ("openai", lambda c: c.moderations.create(input="hi"), False),
    "openai input token count": ("openai", lambda c: c.responses.input_tokens.count(model=GPT, input="hi"), False),
    "openai models list": ("openai", lambda c: c.models.list(), False),
}


def _client(provider):
    return llm.anthropic_client() if provider == "anthropic" else llm.openai_client()


@pytest.mark.parametrize("name", CALLS)
def test_under_a_cap_paid_endpoints_are_refused_before_the_network(monkeypatch, network, name):
    provider, call, paid = CALLS[name]
    monkeypatch.setenv("COURSE_MAX_USD", TINY_CAP)
    client = _client(provider)
    if paid:
        with pytest.raises(budget.BudgetExceededError, match="COURSE_MAX_USD"):
            call(client)
        assert [p for p in network.paths() if not p.endswith("/files")] == []  # only an upload may have gone
    else:
        call(client)
        assert network.requests, "a free endpoint must still work under a cap"


@pytest.mark.parametrize("name", CALLS)
def test_without_a_cap_every_endpoint_still_works(network, name):
    provider, call, _ = CALLS[name]
    call(_client(provider))
    assert network.requests


def test_unknown_endpoint_refusal_says_why(monkeypatch, network):
    monkeypatch.setenv("COURSE_MAX_USD", "100")
    with pytest.raises(budget.BudgetExceededError, match="not an endpoint the course's money guard can price"):
        CALLS["openai images"][1](llm.openai_client())
    assert network.requests == []


def test_batches_and_jobs_are_priced_from_the_file_uploaded_in_this_kernel(monkeypatch, network):
    monkeypatch.setenv("COURSE_MAX_USD", "100")
    client = llm.openai_client()
    lines = _batch_lines(5)
    client.batches.create(input_file_id=_upload(client, "batch", lines).id, endpoint="/v1/chat/completions",
                          completion_window="24h")
    gpt = registry.get(GPT)
    assert budget.BUDGET.spent_usd > 5 * gpt.cost(0, 40)  # five answers of up to 40 tokens, at least
    budget.BUDGET.reset()
    training = [f'{{"messages": [{{"role": "user", "content": "question {i}"}}, {{"role": "assistant", "content": '
                f'"answer {i}"}}]}}' for i in range(40)]
    job_file = _upload(client, "fine-tune", training)
    client.fine_tuning.jobs.create(model=f"{GPT}-2025-04-14", training_file=job_file.id,
                                   method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}})
    tokens = sum(len(line) // budget.CHARS_PER_TOKEN + 1 for line in training)
    assert budget.BUDGET.spent_usd == pytest.approx(tokens * 2 * gpt.training_usd_per_mtok / 1e6)
    monkeypatch.setenv("COURSE_MAX_USD", repr(budget.BUDGET.spent_usd * 1.5))
    sent = len(network.requests)
    with pytest.raises(budget.BudgetExceededError, match="fine-tuning job"):
        client.fine_tuning.jobs.create(model=GPT, training_file=job_file.id,
                                       hyperparameters={"n_epochs": 2})
    assert len(network.requests) == sent


def test_a_file_uploaded_elsewhere_cannot_be_priced_under_a_cap(monkeypatch, network):
    monkeypatch.setenv("COURSE_MAX_USD", "100")
    with pytest.raises(budget.BudgetExceededError, match="not uploaded through this kernel"):
        llm.openai_client().batches.create(input_file_id="file-from-yesterday", endpoint="/v1/chat/completions",
                                           completion_window="24h")
    assert network.requests == []


def test_local_answers_stay_free_and_unguarded(monkeypatch):
    """Offline, the in-process server answers: nothing is priced or refused, whatever the cap."""
    monkeypatch.setenv("COURSE_MAX_USD", TINY_CAP)
    guard = budget.GuardedTransport(httpx2.MockTransport(lambda r: httpx2.Response(404, json={})), "openai",
                                    local=True)
    client = openai.OpenAI(api_key="offline", base_url="http://local.invalid/v1", max_retries=0,
                           http_client=httpx2.Client(transport=guard))
    with pytest.raises(openai.NotFoundError):
        client.images.generate(prompt="a cat", model="gpt-image-1")  # the local server's own 404, not a refusal
