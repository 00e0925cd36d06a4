"""helpers.llm: provider choice, the banner, complete / batch_complete, clients wired for a real key."""

import anthropic
import httpx2
import openai
import pytest

from helpers import budget, env, llm
from helpers.local_api import LocalModelTransport


def test_active_provider_order(monkeypatch):
    assert llm.active_provider() == "local"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert llm.active_provider() == "openai"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert llm.active_provider() == "anthropic"
    monkeypatch.setenv("COURSE_BACKEND", "local")
    assert llm.active_provider() == "local"


def test_forced_backend_without_key_says_what_to_do(monkeypatch):
    monkeypatch.setenv("COURSE_BACKEND", "openai")
    with pytest.raises(env.CourseConfigError, match="OPENAI_API_KEY"):
        llm.active_provider()


def _transport(client):
    return client._client._transport


def test_clients_use_the_real_service_when_a_key_is_found(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    for client in (llm.anthropic_client(), llm.openai_client()):
        guard = _transport(client)
        assert isinstance(guard, budget.GuardedTransport) and not guard.local
        assert isinstance(guard.inner, httpx2.HTTPTransport)
    assert str(llm.anthropic_client().base_url).startswith("https://api.anthropic.com")
    monkeypatch.setenv("COURSE_BACKEND", "local")
    assert isinstance(_transport(llm.anthropic_client()).inner, LocalModelTransport)


def test_local_provider_stays_local_when_keys_are_set(monkeypatch, engine):
    """provider="local" must never reach a paid API, even with both keys present (the clients default to the key)."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert isinstance(_transport(llm.anthropic_client(local=True)).inner, LocalModelTransport)
    assert isinstance(_transport(llm.openai_client(local=True)).inner, LocalModelTransport)
    result = llm.complete("Name one colour.", provider="local", max_tokens=4)
    assert result.local and result.model_answered == engine.model_id and result.cost_usd == 0.0


def test_banner_never_hides_the_local_model(monkeypatch):
    text = llm.banner()
    assert "NOT Claude" in text and "SmolLM2-135M" in text
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-value")
    text = llm.banner()
    assert "real anthropic API" in text and "sk-ant-secret-value" not in text


def test_complete_through_both_sdks(engine):
    for provider in ("anthropic", "openai", "local"):
        result = llm.complete("Name one colour.", provider=provider, max_tokens=8)
        assert result.text and result.local and result.cost_usd == 0.0
        assert result.model_answered == engine.model_id
        assert result.input_tokens > 0 and 0 < result.output_tokens <= 8 and result.latency_s > 0
    priced = llm.complete("Name one colour.", provider="anthropic", max_tokens=8)
    assert priced.list_price_usd > 0  # what the same tokens cost on the requested Claude model


def test_batch_complete_matches_single_greedy_calls(engine):
    prompts = ["What is 2 + 2?", "Name a fruit.", "Say hello in French, and explain briefly why."]
    batch = llm.batch_complete(prompts, provider="anthropic", max_tokens=12, progress=False, batch_size=2)
    singles = [llm.complete(p, provider="anthropic", max_tokens=12) for p in prompts]
    assert [b.input_tokens for b in batch] == [s.input_tokens for s in singles]
    agree = sum(b.text == s.text for b, s in zip(batch, singles))
    assert agree >= 2, [(b.text, s.text) for b, s in zip(batch, singles)]  # padding may flip a near-tie in bf16
    assert all(b.output_tokens <= 12 and b.latency_s > 0 for b in batch)


def test_batch_complete_stop_and_openai_vocabulary(engine):
    [result] = llm.batch_complete(["Count from 1 to 10, separated by commas."], provider="openai", max_tokens=40,
                                  stop=["4"], progress=False)
    assert "4" not in result.text and result.stop_reason == "stop"


def test_batch_complete_refuses_unknown_models(engine):
    with pytest.raises(Exception, match="not in the course registry"):
        llm.batch_complete(["hi"], model="imaginary-model", progress=False)


class _FakeApi:
    """A stand-in for the real service's HTTP layer (wire-format test: it returns the API's documented shapes)."""

    def __init__(self, status: int, payload: dict):
        self.status, self.payload, self.requests = status, payload, []

    def __call__(self, request):
        self.requests.append(request)
        return httpx2.Response(self.status, json=self.payload)


def _real_client(kind, fake, key="sk-test-abcdef123456"):
    transport = budget.GuardedTransport(httpx2.MockTransport(fake), kind, local=False)
    if kind == "anthropic":
        return anthropic.Anthropic(api_key=key, http_client=httpx2.Client(transport=transport), max_retries=0)
    return openai.OpenAI(api_key=key, http_client=httpx2.Client(transport=transport), max_retries=0)


def test_wrong_key_raises_authentication_error_with_a_hint(capsys):
    fake = _FakeApi(401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})
    client = _real_client("anthropic", fake)
    with pytest.raises(anthropic.AuthenticationError):
        client.messages.create(model="claude-haiku-5-5", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    err = capsys.readouterr().err
    assert "ANTHROPIC_API_KEY" in err and "COURSE_BACKEND=local" in err and "sk-test-abcdef123456" not in err
    fake = _FakeApi(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                    "param": None, "code": "invalid_api_key"}})
    with pytest.raises(openai.AuthenticationError):
        _real_client("openai", fake).chat.completions.create(model="gpt-4.1-mini",
                                                             messages=[{"role": "user", "content": "hi"}])
    assert "OPENAI_API_KEY" in capsys.readouterr().err
