"""The in-process server against the real SDKs: plain calls, streaming, errors, the wire details. The per-model rules
and the strict wire-format checks are in tests/test_fidelity_*.py."""

import anthropic
import openai
import pytest

from helpers import llm, local_api, registry

USER = [{"role": "user", "content": "Count from 1 to 10, separated by commas."}]


@pytest.fixture(autouse=True)
def registry_day(monkeypatch):
    """Lifecycle rules as of the registry's own date, so these tests do not change meaning as ids retire."""
    monkeypatch.setattr(local_api, "today", registry.as_of)


@pytest.fixture
def claude(engine):
    return llm.anthropic_client()


@pytest.fixture
def gpt(engine):
    return llm.openai_client()


def text_of(message) -> str:
    """The text blocks of a Messages reply (a reply may start with a thinking block: read blocks by type)."""
    return "".join(block.text for block in message.content if block.type == "text")


def test_clients_are_the_real_sdk_classes(claude, gpt):
    assert type(claude) is anthropic.Anthropic
    assert type(gpt) is openai.OpenAI


def test_anthropic_plain_call_has_real_usage(claude, engine):
    response = claude.messages.create(model="claude-haiku-5-5", max_tokens=24, system="Be brief.", messages=USER)
    assert isinstance(response, anthropic.types.Message)
    assert response.model == engine.model_id  # says who really answered
    assert [b.type for b in response.content] == ["thinking", "text"]  # Haiku 5.5 thinks by default
    assert text_of(response).strip()
    expected_prompt = engine.encode_chat([{"role": "system", "content": "Be brief."}] + USER)
    assert response.usage.input_tokens == len(expected_prompt)
    thinking = response.usage.output_tokens_details.thinking_tokens
    assert 1 <= thinking < response.usage.output_tokens <= 24
    assert response.stop_reason in ("end_turn", "max_tokens")


def test_greedy_decoding_is_deterministic(claude):
    first = text_of(claude.messages.create(model="claude-haiku-5-5", max_tokens=20, messages=USER))
    again = text_of(claude.messages.create(model="claude-haiku-5-5", max_tokens=20, messages=USER))
    assert first == again


def test_max_tokens_is_respected(claude):
    response = claude.messages.create(model="claude-haiku-4-5", max_tokens=3, messages=USER)
    assert response.stop_reason == "max_tokens" and response.usage.output_tokens == 3


def test_stop_sequence(claude):
    response = claude.messages.create(model="claude-haiku-5-5", max_tokens=40, stop_sequences=["4"], messages=USER)
    assert response.stop_reason == "stop_sequence" and response.stop_sequence == "4"
    assert "4" not in text_of(response) and "3" in text_of(response)


def test_anthropic_streaming_events_match_the_plain_answer(claude):
    plain = claude.messages.create(model="claude-haiku-5-5", max_tokens=20, messages=USER)
    with claude.messages.stream(model="claude-haiku-5-5", max_tokens=20, messages=USER) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(pieces) > 3
    assert "".join(pieces) == text_of(plain) == text_of(final)
    assert final.usage.output_tokens == plain.usage.output_tokens
    assert final.usage.input_tokens == plain.usage.input_tokens
    raw = list(claude.messages.create(model="claude-haiku-5-5", max_tokens=8, messages=USER, stream=True))
    kinds = [event.type for event in raw]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert "content_block_delta" in kinds and "message_delta" in kinds


def test_prefill_continues_the_assistant_turn(claude):
    response = claude.messages.create(model="claude-haiku-4-5", max_tokens=12, messages=USER + [
        {"role": "assistant", "content": "1, 2, 3,"}])
    assert not text_of(response).startswith("1, 2, 3")  # only the continuation comes back
    assert "4" in text_of(response)


def test_count_tokens_and_models_list(claude, engine):
    counted = claude.messages.count_tokens(model="claude-haiku-5-5", messages=USER)
    assert counted.input_tokens == len(engine.encode_chat(USER))
    ids = [m.id for m in claude.models.list()]
    assert "claude-haiku-5-5" in ids and "gpt-4.1-mini" not in ids


@pytest.mark.parametrize("change,error,fragment", [
    ({"messages": []}, anthropic.BadRequestError, "at least one message"),
    ({"max_tokens": -1}, anthropic.BadRequestError, "max_tokens"),
    ({"model": "claude-imaginary-9"}, anthropic.NotFoundError, "claude-imaginary-9"),
    ({"messages": [{"role": "system", "content": "x"}]}, anthropic.BadRequestError, "top-level `system`"),
    ({"extra_body": {"temperature": 0.5}}, anthropic.BadRequestError, "deprecated for this model"),
    ({"extra_body": {"banana": 1}}, anthropic.BadRequestError, "Extra inputs are not permitted"),
    ({"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
     anthropic.BadRequestError, '"thinking.type.enabled" is not supported for this model'),
    ({"tool_choice": {"type": "any"}}, anthropic.BadRequestError, "only allowed when tools are specified"),
    ({"tools": [{"name": "t", "description": "d"}]}, anthropic.BadRequestError, "input_schema"),
])
def test_anthropic_errors_are_the_real_exception_classes(claude, change, error, fragment):
    request = {"model": "claude-haiku-5-5", "max_tokens": 10, "messages": USER, **change}
    with pytest.raises(error) as raised:
        claude.messages.create(**request)
    assert fragment in raised.value.body["error"]["message"]
    assert raised.value.body["type"] == "error"


def test_temperature_is_accepted_where_the_model_takes_it(claude):
    response = claude.messages.create(model="claude-haiku-4-5", max_tokens=8, messages=USER,
                                      extra_body={"temperature": 0.7, "top_k": 20})
    assert text_of(response)


def test_openai_plain_call(gpt, engine):
    response = gpt.chat.completions.create(model="gpt-4.1-mini", max_tokens=24, temperature=0,
                                           messages=[{"role": "system", "content": "Be brief."}] + USER)
    assert isinstance(response, openai.types.chat.ChatCompletion)
    assert response.model == engine.model_id
    assert response.choices[0].message.role == "assistant" and response.choices[0].message.content
    usage = response.usage
    assert usage.prompt_tokens == len(engine.encode_chat([{"role": "system", "content": "Be brief."}] + USER))
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details.cached_tokens == 0 and usage.completion_tokens_details.reasoning_tokens == 0
    assert response.choices[0].finish_reason in ("stop", "length")


def test_openai_reasoning_model_counts_reasoning_tokens(gpt):
    response = gpt.chat.completions.create(model="gpt-6-luna", max_completion_tokens=20, messages=USER)
    details = response.usage.completion_tokens_details
    assert details.reasoning_tokens >= 1 and response.usage.completion_tokens <= 20
    assert response.choices[0].message.content  # the answer, without the hidden reasoning
    plain = gpt.chat.completions.create(model="gpt-6-luna", max_completion_tokens=20, messages=USER,
                                        reasoning_effort="none")
    assert plain.usage.completion_tokens_details.reasoning_tokens == 0


def test_openai_streaming_with_usage(gpt):
    plain = gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=20, messages=USER)
    chunks = list(gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=20, messages=USER,
                                              stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == plain.usage.completion_tokens
    assert any(c.choices and c.choices[0].finish_reason for c in chunks)


def test_openai_stop_and_length(gpt):
    stopped = gpt.chat.completions.create(model="gpt-4.1-mini", max_tokens=40, stop="4", messages=USER)
    assert "4" not in stopped.choices[0].message.content and stopped.choices[0].finish_reason == "stop"
    cut = gpt.chat.completions.create(model="gpt-4.1-mini", max_tokens=2, messages=USER)
    assert cut.choices[0].finish_reason == "length" and cut.usage.completion_tokens == 2


@pytest.mark.parametrize("change,error,code", [
    ({"messages": []}, openai.BadRequestError, "empty_array"),
    ({"max_tokens": -5}, openai.BadRequestError, "integer_below_min_value"),
    ({"model": "gpt-imaginary"}, openai.NotFoundError, "model_not_found"),
    ({"n": 2}, openai.BadRequestError, None),
    ({"temperature": 3}, openai.BadRequestError, "decimal_above_max_value"),
    ({"model": "gpt-5-mini", "max_tokens": None, "max_completion_tokens": 10, "temperature": 0},
     openai.BadRequestError, "unsupported_value"),
    ({"model": "gpt-5-mini"}, openai.BadRequestError, "unsupported_parameter"),
])
def test_openai_errors_are_the_real_exception_classes(gpt, change, error, code):
    request = {"model": "gpt-4.1-mini", "max_tokens": 10, "messages": USER, **change}
    with pytest.raises(error) as raised:
        gpt.chat.completions.create(**{k: v for k, v in request.items() if v is not None})
    assert raised.value.code == code
    assert raised.value.body["message"]


def test_abandoned_stream_releases_the_model(claude):
    with claude.messages.stream(model="claude-haiku-5-5", max_tokens=50, messages=USER) as stream:
        next(iter(stream.text_stream))
    # the engine lock was released when the stream closed: a new call must not block
    assert claude.messages.create(model="claude-haiku-5-5", max_tokens=2, messages=USER).content
