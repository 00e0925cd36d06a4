"""The money guard, on wire-format responses of the real APIs."""

import anthropic
import httpx2
import openai
import pytest

from helpers import budget, registry

MESSAGE = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
           "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
           "usage": {"input_tokens": 1000, "output_tokens": 500}}
CHAT = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4.1-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 2000, "completion_tokens": 100, "total_tokens": 2100}}


def _client(kind, payload, calls):
    def answer(request):
        calls.append(request)
        return httpx2.Response(200, json=payload)

    transport = budget.GuardedTransport(httpx2.MockTransport(answer), kind, local=False)
    if kind == "anthropic":
        return anthropic.Anthropic(api_key="k", http_client=httpx2.Client(transport=transport), max_retries=0)
    return openai.OpenAI(api_key="k", http_client=httpx2.Client(transport=transport), max_retries=0)


def test_spend_is_recorded_from_real_usage():
    calls = []
    _client("anthropic", MESSAGE, calls).messages.create(model="claude-sonnet-5-5", max_tokens=600,
                                                          messages=[{"role": "user", "content": "hi"}])
    _client("openai", CHAT, calls).chat.completions.create(model="gpt-4.1-mini",
                                                            messages=[{"role": "user", "content": "hi"}])
    expected = registry.cost_usd("claude-sonnet-5-5", 1000, 500) + registry.cost_usd("gpt-4.1-mini", 2000, 100)
    assert budget.BUDGET.spent_usd == pytest.approx(expected)
    assert budget.BUDGET.calls == 2 and len(calls) == 2


def test_call_past_the_cap_is_refused_before_sending(monkeypatch):
    monkeypatch.setenv("COURSE_MAX_USD", "0.001")
    budget.BUDGET.record(0.0009)
    calls = []
    client = _client("anthropic", MESSAGE, calls)
    with pytest.raises(budget.BudgetExceededError, match="COURSE_MAX_USD"):
        client.messages.create(model="claude-opus-5-5", max_tokens=4000, messages=[{"role": "user", "content": "hi"}])
    assert calls == []  # nothing was sent, and the SDK did not retry or wrap the error
    with pytest.raises(budget.BudgetExceededError):
        _client("openai", CHAT, calls).chat.completions.create(model="gpt-4.1-mini", max_tokens=5000,
                                                               messages=[{"role": "user", "content": "hi"}])
    assert calls == []


def test_unpriced_model_is_refused_only_under_a_cap(monkeypatch):
    calls = []
    client = _client("openai", CHAT, calls)
    client.chat.completions.create(model="ft:davinci-002:acme::abc", messages=[{"role": "user", "content": "hi"}])
    assert len(calls) == 1
    monkeypatch.setenv("COURSE_MAX_USD", "5")
    with pytest.raises(budget.BudgetExceededError, match="no price"):
        client.chat.completions.create(model="ft:davinci-002:acme::abc", messages=[{"role": "user", "content": "hi"}])
    # a model fine-tuned from a registry model is priced at its base's fine-tuned prices, so the cap can guard it
    client.chat.completions.create(model="ft:gpt-4.1-mini-2025-04-14:acme::abc",
                                   messages=[{"role": "user", "content": "hi"}])
    assert len(calls) == 2


def test_budget_check_arithmetic(monkeypatch):
    guard = budget.Budget()
    guard.check("any", 10**6)  # no cap: everything passes
    monkeypatch.setenv("COURSE_MAX_USD", "1")
    guard.record(0.6)
    guard.check("any", 0.4)
    with pytest.raises(budget.BudgetExceededError):
        guard.check("any", 0.41)


def test_estimate_request_counts_system_messages_and_max_tokens():
    short = budget.estimate_request({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 10})
    long = budget.estimate_request({"system": "x" * 4000, "messages": [{"role": "user", "content": "hi"}],
                                    "max_tokens": 10})
    assert short[1] == long[1] == 10 and long[0] - short[0] >= 1000


def test_local_calls_cost_nothing(engine):
    from helpers import llm

    llm.anthropic_client().messages.create(model="claude-opus-5-5", max_tokens=3,
                                           messages=[{"role": "user", "content": "hi"}])
    assert budget.BUDGET.spent_usd == 0.0 and budget.BUDGET.calls == 1
