"""Fidelity of the offline server's rules (issue 19): each rule of the requested model id (data/models.yaml) answered
with the status, error type, code and message the real API sends (sources in helpers/local_api.py), through the real
SDK clients offline; thinking of the models that think by default, counted against the output limit; lifecycle by
date. Requests the rules refuse never reach the model, so most of these tests cost no generation."""

from __future__ import annotations

import datetime as dt
import json

import anthropic
import openai
import pytest

from helpers import llm, local_api, registry

USER = [{"role": "user", "content": "Name three colours."}]
TOOLS = [{"name": "lookup_customer", "description": "Look up a customer record by id.",
          "input_schema": {"type": "object", "properties": {"customer_id": {"type": "integer"}},
                           "required": ["customer_id"]}}]
OPENAI_TOOLS = [{"type": "function", "function": {"name": "lookup_customer", "description": "Look up a customer.",
                                                  "parameters": TOOLS[0]["input_schema"]}}]


@pytest.fixture(autouse=True)
def registry_day(monkeypatch):
    """Lifecycle rules as of the registry's own date, so these tests do not change meaning as ids retire."""
    monkeypatch.setattr(local_api, "today", registry.as_of)


@pytest.fixture(scope="module")
def claude():
    return llm.anthropic_client(local=True)


@pytest.fixture(scope="module")
def gpt():
    return llm.openai_client(local=True)


def claude_error(claude, error=anthropic.BadRequestError, **change) -> str:
    """The error message of a Messages request that must fail with ``error`` (checking the body's shape)."""
    request = {"model": "claude-haiku-5-5", "max_tokens": 16, "messages": USER, **change}
    with pytest.raises(error) as raised:
        claude.messages.create(**request)
    body = raised.value.body
    assert body["type"] == "error" and body["request_id"].startswith("req_")
    assert body["error"]["type"] == {400: "invalid_request_error", 404: "not_found_error"}[raised.value.status_code]
    return body["error"]["message"]


def gpt_error(gpt, error=openai.BadRequestError, **change) -> openai.APIStatusError:
    request = {"model": "gpt-6-luna", "max_completion_tokens": 16, "messages": USER, **change}
    with pytest.raises(error) as raised:
        gpt.chat.completions.create(**request)
    assert raised.value.type == "invalid_request_error"
    return raised.value


# --- (1) ids served only by their own provider's client, and only until their shutdown --------------------------
def test_an_openai_id_through_the_anthropic_client_is_not_found(claude):
    assert claude_error(claude, anthropic.NotFoundError, model="gpt-4.1-mini") == "model: gpt-4.1-mini"


def test_an_anthropic_id_through_the_openai_client_is_not_found(gpt):
    err = gpt_error(gpt, openai.NotFoundError, model="claude-haiku-5-5")
    assert err.code == "model_not_found" and err.param is None
    assert err.body["message"] == "The model `claude-haiku-5-5` does not exist or you do not have access to it."


def test_retired_ids_are_not_found(claude, gpt):
    assert claude_error(claude, anthropic.NotFoundError, model="claude-sonnet-4-5") == "model: claude-sonnet-4-5"
    assert claude_error(claude, anthropic.NotFoundError,
                        model="claude-sonnet-4-5-20250929") == "model: claude-sonnet-4-5-20250929"
    assert gpt_error(gpt, openai.NotFoundError, model="gpt-4.1-nano").code == "model_not_found"


def test_an_id_retires_on_its_shutdown_day(gpt, monkeypatch, engine):
    request = {"model": "gpt-4.1-mini", "max_completion_tokens": 2, "messages": USER}
    monkeypatch.setattr(local_api, "today", lambda: dt.date(2027, 1, 13))
    assert gpt.chat.completions.create(**request).choices  # the last day it answers
    assert "gpt-4.1-mini" in [m.id for m in gpt.models.list()]
    monkeypatch.setattr(local_api, "today", lambda: dt.date(2027, 1, 14))  # shutdown_on: the first day it fails
    with pytest.raises(openai.NotFoundError):
        gpt.chat.completions.create(**request)
    assert "gpt-4.1-mini" not in [m.id for m in gpt.models.list()]


def test_an_unknown_snapshot_is_not_found(claude):
    claude_error(claude, anthropic.NotFoundError, model="claude-haiku-4-5-20990101")


# --- (1) what each model refuses -------------------------------------------------------------------------------
def test_prefill_is_refused_where_the_model_has_none(claude, engine):
    prefilled = USER + [{"role": "assistant", "content": "Red,"}]
    assert claude_error(claude, messages=prefilled) == ("This model does not support assistant message prefill. "
                                                        "The conversation must end with a user message.")
    reply = claude.messages.create(model="claude-haiku-4-5", max_tokens=3, messages=prefilled)  # prefill: supported
    assert reply.content[0].type == "text"


@pytest.mark.parametrize("sampling", [{"temperature": 0.0}, {"temperature": 0.7}, {"top_p": 0.9}, {"top_k": 5}])
def test_sampling_parameters_are_refused_where_only_defaults_are_taken(claude, sampling):
    name = next(iter(sampling))
    assert claude_error(claude, extra_body=sampling) == f"`{name}` is deprecated for this model."


def test_the_default_temperature_is_accepted_and_some_models_refuse_two_sampling_settings(claude, engine):
    assert claude.messages.create(model="claude-haiku-5-5", max_tokens=2, messages=USER,
                                  extra_body={"temperature": 1.0}, thinking={"type": "disabled"}).content
    message = claude_error(claude, model="claude-haiku-4-5", extra_body={"temperature": 0.5, "top_p": 0.9})
    assert message == "`temperature` and `top_p` cannot both be specified for this model. Please use only one."


@pytest.mark.parametrize("model,sampling,code", [
    ("gpt-6-luna", {"temperature": 0}, "unsupported_value"), ("gpt-6-luna", {"top_p": 0.5}, "unsupported_parameter")])
def test_openai_reasoning_models_take_no_sampling_parameters(gpt, model, sampling, code):
    err = gpt_error(gpt, model=model, **sampling)
    assert err.code == code and err.param == next(iter(sampling))


def test_manual_thinking_is_refused_by_adaptive_models(claude):
    message = claude_error(claude, max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024})
    assert message == ('"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
                       '"output_config.effort" to control thinking behavior.')


@pytest.mark.parametrize("model,thinking,fragment", [
    ("claude-haiku-4-5", {"type": "adaptive"}, '"thinking.type.adaptive" is not supported'),
    ("claude-opus-5-5", {"type": "disabled"}, '"thinking.type.disabled" is not supported'),
    ("claude-haiku-4-5", {"type": "enabled", "budget_tokens": 512}, "greater than or equal to 1024"),
    ("claude-haiku-4-5", {"type": "enabled", "budget_tokens": 4096}, "`max_tokens` must be greater than"),
    ("claude-haiku-5-5", {"type": "adaptive", "display": "full"}, "display: Input should be"),
])
def test_thinking_settings_each_model_refuses(claude, model, thinking, fragment):
    assert fragment in claude_error(claude, model=model, max_tokens=2048, thinking=thinking)


def test_thinking_cannot_be_asked_for_with_a_forced_tool(claude):
    message = claude_error(claude, tools=TOOLS, tool_choice={"type": "any"}, thinking={"type": "adaptive"})
    assert message == "Thinking may not be enabled when tool_choice forces tool use."


def test_forced_tool_use_is_refused_where_the_model_has_none(claude):
    message = claude_error(claude, model="claude-sonnet-5-5", tools=TOOLS, tool_choice={"type": "any"})
    assert message == 'tool_choice: type "tool" and "any" are not supported for this model.'


def test_max_tokens_is_refused_by_openai_reasoning_models(gpt):
    err = gpt_error(gpt, max_completion_tokens=None, max_tokens=16)
    assert (err.code, err.param) == ("unsupported_parameter", "max_tokens")
    assert err.body["message"] == ("Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                           "'max_completion_tokens' instead.")


def test_function_tools_need_reasoning_effort_none_or_the_responses_api(gpt, engine):
    err = gpt_error(gpt, tools=OPENAI_TOOLS)
    assert err.param == "reasoning_effort" and err.code is None
    assert err.body["message"] == ("Function tools with reasoning_effort are not supported for gpt-6-luna in "
                           "/v1/chat/completions. To use function tools, use /v1/responses or set reasoning_effort "
                           "to 'none'.")
    answer = gpt.chat.completions.create(model="gpt-6-luna", max_completion_tokens=80, messages=USER,
                                         tools=OPENAI_TOOLS, tool_choice="required", reasoning_effort="none")
    assert answer.choices[0].finish_reason == "tool_calls"
    assert "/v1/responses" in gpt_error(gpt, model="gpt-6.1-terra", tools=OPENAI_TOOLS, reasoning_effort="none").body["message"]


@pytest.mark.parametrize("model,effort,code", [
    ("gpt-4.1-mini", "low", "unsupported_parameter"), ("gpt-5-mini", "none", "invalid_value"),
    ("gpt-6-luna", "turbo", "invalid_value")])
def test_reasoning_effort_is_checked_per_model(gpt, model, effort, code):
    assert gpt_error(gpt, model=model, reasoning_effort=effort).code == code


def test_an_empty_user_message_is_refused(claude):
    expected = "messages.0: all messages must have non-empty content except for the optional final assistant message"
    assert claude_error(claude, messages=[{"role": "user", "content": ""}]) == expected
    assert claude_error(claude, messages=[{"role": "user", "content": [{"type": "text", "text": ""}]}]) == (
        "messages: text content blocks must be non-empty")


@pytest.mark.parametrize("body", [
    {"messages": "hello"}, {"messages": ["hello"]}, {"messages": [{"role": "robot", "content": "hi"}]},
    {"messages": [{"role": "user", "content": 42}]}, {"messages": [{"role": "user"}]},
    {"messages": [{"role": "user", "content": [{"type": "text", "text": 7}]}]},
    {"messages": [{"role": "user", "content": [{"type": "banana"}]}]},
    {"max_tokens": -3}, {"max_tokens": 0}, {"max_tokens": "10"}, {"max_tokens": True}, {"max_tokens": 2.5},
    {"temperature": "hot"}, {"top_k": -1}, {"stop_sequences": "STOP"}, {"stop_sequences": [1]},
    {"system": 5}, {"system": [{"type": "text", "text": ""}]}, {"metadata": "x"}, {"thinking": "on"},
    {"thinking": {"type": "sometimes"}}, {"output_config": "fast"}, {"output_config": {"effort": "extreme"}},
    {"tools": {"name": "t"}}, {"tool_choice": "auto", "tools": TOOLS}, {"stream": "yes"}, {"model": 7},
])
def test_malformed_messages_requests_are_400s(claude, body):
    claude_error(claude, **{"extra_body": body})


@pytest.mark.parametrize("body", [
    {"messages": "hello"}, {"messages": ["hello"]}, {"messages": [{"role": "robot", "content": "hi"}]},
    {"messages": [{"role": "user", "content": 42}]}, {"messages": [{"role": "user"}]},
    {"messages": [{"role": "assistant", "content": "x", "tool_calls": "call"}, {"role": "user", "content": "y"}]},
    {"max_completion_tokens": -1}, {"max_completion_tokens": "16"}, {"n": 0}, {"seed": "lucky"},
    {"stop": 4}, {"stop": ["a", "b", "c", "d", "e"]}, {"stream_options": 1}, {"response_format": "json"},
    {"tools": {"type": "function"}}, {"tool_choice": 3, "tools": OPENAI_TOOLS}, {"reasoning_effort": 2},
    {"metadata": []}, {"frequency_penalty": "x"}, {"stream": "yes"},
])
def test_malformed_chat_completions_requests_are_400s(gpt, body):
    err = gpt_error(gpt, extra_body=body)
    assert err.status_code == 400


# --- (2) thinking of the models that think by default -------------------------------------------------------------
def test_adaptive_thinking_counts_against_max_tokens(claude, engine):
    off = claude.messages.create(model="claude-haiku-5-5", max_tokens=16, messages=USER,
                                 thinking={"type": "disabled"})
    on = claude.messages.create(model="claude-haiku-5-5", max_tokens=16, messages=USER)
    assert [b.type for b in off.content] == ["text"] and off.usage.output_tokens_details.thinking_tokens == 0
    assert [b.type for b in on.content] == ["thinking", "text"]
    thinking = on.usage.output_tokens_details.thinking_tokens
    assert thinking >= 1 and on.content[0].thinking == ""  # display: omitted (Haiku 5.5's default)
    # the same greedy answer, with what the thinking left of max_tokens
    assert on.usage.output_tokens == min(16, thinking + off.usage.output_tokens)
    assert off.content[0].text.startswith(on.content[1].text)


def test_a_tiny_max_tokens_can_end_before_any_text(claude, engine):
    reply = claude.messages.create(model="claude-haiku-5-5", max_tokens=2, messages=USER)
    assert reply.stop_reason == "max_tokens" and [b.type for b in reply.content] == ["thinking"]
    assert reply.usage.output_tokens == reply.usage.output_tokens_details.thinking_tokens == 2


def test_summarized_thinking_shows_the_text_and_effort_sets_its_length(claude, engine):
    low = claude.messages.create(model="claude-haiku-5-5", max_tokens=40, messages=USER, output_config={
        "effort": "low"}, thinking={"type": "adaptive", "display": "summarized"})
    high = claude.messages.create(model="claude-haiku-5-5", max_tokens=40, messages=USER, output_config={
        "effort": "high"}, thinking={"type": "adaptive", "display": "summarized"})
    assert low.content[0].type == "thinking" and low.content[0].thinking and low.content[0].signature
    assert low.usage.output_tokens_details.thinking_tokens <= local_api.THINKING_TOKENS["low"]
    assert low.usage.output_tokens_details.thinking_tokens <= high.usage.output_tokens_details.thinking_tokens
    assert high.content[0].signature == local_api.thinking_signature(high.content[0].thinking)


def test_openai_reasoning_counts_against_max_completion_tokens(gpt, engine):
    cut = gpt.chat.completions.create(model="gpt-6-luna", max_completion_tokens=2, messages=USER)
    assert cut.choices[0].finish_reason == "length" and cut.choices[0].message.content == ""
    assert cut.usage.completion_tokens == cut.usage.completion_tokens_details.reasoning_tokens == 2


def test_thinking_blocks_passed_back_are_accepted(claude, engine):
    first = claude.messages.create(model="claude-haiku-5-5", max_tokens=8, messages=USER)
    again = claude.messages.create(model="claude-haiku-5-5", max_tokens=4, thinking={"type": "disabled"},
                                   messages=USER + [{"role": "assistant", "content": first.content},
                                                    {"role": "user", "content": "And one more?"}])
    assert again.content[0].type == "text"
    message = claude_error(claude, messages=USER + [
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "x"}]}, {"role": "user", "content": "?"}])
    assert "signature" in message


# --- (4) the models endpoints ---------------------------------------------------------------------------------------
def test_anthropic_models_list_honours_limit_cursors_and_lifecycle(claude):
    everything = [m.id for m in claude.models.list(limit=1000)]
    assert "claude-sonnet-4-5" not in everything and "gpt-4.1-mini" not in everything  # retired; another provider's
    first = claude.models.list(limit=2)
    assert [m.id for m in first.data] == everything[:2] and first.has_more and first.last_id == everything[1]
    after = claude.models.list(limit=2, after_id=first.last_id)
    assert [m.id for m in after.data] == everything[2:4]
    before = claude.models.list(limit=1, before_id=everything[2])
    assert [m.id for m in before.data] == [everything[1]]
    retired = claude.models.list(lifecycle=["retired"])
    assert [m.id for m in retired.data] == ["claude-sonnet-4-5"]
    info = claude.models.retrieve("claude-sonnet-4-5")
    assert info.lifecycle == "retired" and info.retires_at == dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
    assert claude.models.retrieve("claude-haiku-5-5").lifecycle == "active"
    with pytest.raises(anthropic.NotFoundError):
        claude.models.retrieve("gpt-4.1-mini")
    with pytest.raises(anthropic.BadRequestError):
        claude.models.list(limit=0)


def test_openai_models_carry_their_shutdown_date(gpt):
    listed = {m.id: m for m in gpt.models.list()}
    assert listed["gpt-5-mini"].shutdown_date == "2026-12-11" and "gpt-4.1-nano" not in listed
    assert gpt.models.retrieve("gpt-4o-mini").shutdown_date == "2027-01-14"
    with pytest.raises(openai.NotFoundError) as raised:
        gpt.models.retrieve("gpt-4.1-nano")
    assert raised.value.code == "model_not_found"


def test_the_server_never_answers_with_a_broken_connection(claude, gpt):
    """A request shape nothing above anticipated still gets an HTTP answer (never APIConnectionError)."""
    for client, create in ((claude, claude.messages.create), (gpt, gpt.chat.completions.create)):
        for extra in ({"messages": [{"role": "user", "content": [None]}]}, {"messages": [[]]}):
            with pytest.raises(anthropic.APIStatusError if client is claude else openai.APIStatusError) as raised:
                create(model="claude-haiku-5-5" if client is claude else "gpt-4.1-mini", max_tokens=4,
                       messages=USER, extra_body=extra)
            assert raised.value.status_code == 400, json.dumps(raised.value.body)
