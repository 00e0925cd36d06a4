"""Structured outputs offline (helpers/structured.py): constrained decoding keeps every complete reply valid JSON that
satisfies its schema, through the engine (one stream, a batch) and through the real SDKs (OpenAI response_format and
chat.completions.parse, Anthropic output_config.format and messages.parse, strict and forced tool calls); requests the
real APIs refuse are refused with their 400s; and decoding without a constraint is exactly what it was."""

from __future__ import annotations

import dataclasses
import json
from typing import Literal

import anthropic
import jsonschema
import openai
import pytest
import torch
from pydantic import BaseModel

from helpers import llm, local_api, local_tools, registry, structured

OPENAI_MODEL = "gpt-4.1-mini"  # structured outputs and Chat Completions tools, no reasoning (data/models.yaml)
ANTHROPIC_MODEL = "claude-haiku-4-5"  # structured outputs, forced tool use, no thinking unless asked


@pytest.fixture(autouse=True)
def registry_day(monkeypatch):
    """Lifecycle rules as of the registry's own date, so these tests do not change meaning as ids retire."""
    monkeypatch.setattr(local_api, "today", registry.as_of)


@pytest.fixture
def gpt(engine):
    return llm.openai_client(local=True)


@pytest.fixture
def claude(engine):
    return llm.anthropic_client(local=True)


def chat_ids(engine, text: str) -> list[int]:
    return engine.encode_chat([{"role": "user", "content": text}])


# --- schemas of every shape the course uses, each with a prompt that gives the model something to fill in -------------
SCHEMAS = {
    "enum": ({"type": "object", "properties": {"sentiment": {"enum": ["positive", "negative", "neutral"]}},
              "required": ["sentiment"], "additionalProperties": False},
             "Review: 'The battery died after two days.' What is the sentiment? Answer in JSON."),
    "nested": ({"type": "object", "properties": {
                    "customer": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 24},
                                                                  "city": {"type": "string", "maxLength": 24}},
                                 "required": ["name", "city"], "additionalProperties": False}},
                "required": ["customer"], "additionalProperties": False},
               "Maria Lopez from Madrid wrote to us. Give her name and city as JSON."),
    "array": ({"type": "object", "properties": {"colors": {"type": "array", "maxItems": 3, "minItems": 1,
                                                           "items": {"type": "string", "maxLength": 12}}},
               "required": ["colors"], "additionalProperties": False},
              "Name the colors of the French flag, as JSON."),
    "numbers": ({"type": "object", "properties": {"quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                                                  "unit_price": {"type": "number", "minimum": 0, "maximum": 1000},
                                                  "paid": {"type": "boolean"}},
                 "required": ["quantity", "unit_price", "paid"], "additionalProperties": False},
                "Order: 3 mugs at 4.50 each, already paid. Give quantity, unit_price and paid as JSON."),
    "optional_and_null": ({"type": "object", "properties": {"order_id": {"type": "string", "pattern": "^A-[0-9]{4}$"},
                                                            "note": {"type": ["string", "null"], "maxLength": 20}},
                           "required": ["order_id"], "additionalProperties": False},
                          "My order A-1234 never arrived. Give the order id as JSON."),
}


def test_every_complete_reply_satisfies_its_schema_in_one_batch(engine):
    """One batch, a different grammar per row (and one free row): each constrained row is valid, the free row is the
    model's own unconstrained text."""
    names = list(SCHEMAS)
    constraints = [structured.compile_json_schema(engine.tokenizer, SCHEMAS[n][0], eos_ids=engine.eos_ids)
                   for n in names]
    prompts = [chat_ids(engine, SCHEMAS[n][1]) for n in names]
    free = chat_ids(engine, SCHEMAS["enum"][1])
    results = engine.generate_batch(prompts + [free], max_new_tokens=64, constraint=constraints + [None])
    for name, result in zip(names, results):
        assert result.stop_reason == "end_turn", (name, result.text)
        jsonschema.validate(json.loads(result.text), SCHEMAS[name][0])
    alone = engine.generate_batch(prompts + [free], max_new_tokens=64)
    assert results[-1].text == alone[-1].text  # the unconstrained row is untouched by its neighbours' grammars


@pytest.mark.parametrize("name", ["nested", "numbers"])
def test_streamed_reply_satisfies_its_schema(engine, name):
    schema, prompt = SCHEMAS[name]
    constraint = structured.compile_json_schema(engine.tokenizer, schema, eos_ids=engine.eos_ids)
    result = engine.generate(chat_ids(engine, prompt), max_new_tokens=64, constraint=constraint)
    assert result.stop_reason == "end_turn"
    jsonschema.validate(json.loads(result.text), schema)


def test_greedy_decoding_without_a_constraint_matches_transformers(engine):
    """The hook is inert when no constraint is given: the engine's greedy tokens are transformers' greedy tokens."""
    ids = chat_ids(engine, "Name three fruits.")
    result = engine.generate(ids, max_new_tokens=16)
    with torch.inference_mode():
        out = engine.model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                    max_new_tokens=16, do_sample=False, pad_token_id=engine.pad_id)
    new = out[0, len(ids):].tolist()
    new = new[:next((i for i, t in enumerate(new) if t in engine.eos_ids), len(new))]
    assert result.text == engine.tokenizer.decode(new, skip_special_tokens=True)


def test_a_reply_cut_by_max_tokens_says_so_and_is_a_prefix(engine):
    schema, prompt = SCHEMAS["nested"]
    constraint = structured.compile_json_schema(engine.tokenizer, schema, eos_ids=engine.eos_ids)
    result = engine.generate(chat_ids(engine, prompt), max_new_tokens=4, constraint=constraint)
    assert result.stop_reason == "max_tokens" and result.output_tokens == 4
    assert result.text.startswith('{"customer": ')  # the grammar's start, cut short: not parseable yet
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.text)


def test_grammars_are_compiled_once_per_schema(engine):
    schema = SCHEMAS["enum"][0]
    first = structured.compile_json_schema(engine.tokenizer, schema, eos_ids=engine.eos_ids)
    assert structured.compile_json_schema(engine.tokenizer, json.loads(json.dumps(schema)),
                                          eos_ids=engine.eos_ids) is first
    assert structured.compile_json_schema(engine.tokenizer, SCHEMAS["array"][0], eos_ids=engine.eos_ids) is not first


def test_a_schema_the_compiler_cannot_enforce_is_refused_in_strict_mode(engine):
    schema = {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"},
                                                        "uniqueItems": True}}}
    assert structured.unsupported_keywords(schema)
    with pytest.raises(structured.StructuredOutputError, match="cannot enforce"):
        structured.compile_json_schema(engine.tokenizer, schema, eos_ids=engine.eos_ids)
    assert structured.compile_json_schema(engine.tokenizer, schema, eos_ids=engine.eos_ids, strict=False)


def grammar_accepts(engine, constraint, text: str) -> bool:
    """True when ``text`` is a complete reply under ``constraint`` (every token allowed, the end reached)."""
    state = constraint.start()
    for token in engine.tokenizer(text, add_special_tokens=False).input_ids:
        try:
            state.advance(token)
        except structured.ConstraintError:
            return False
    return state.accepting


def test_tool_call_grammars_cover_the_choices(engine):
    tools = local_tools.parse_tools([{"name": "get_weather", "input_schema": WEATHER}], "anthropic")
    call, empty = '{"tool": "get_weather", "arguments": {"city": "Oslo", "unit": "celsius"}}', \
        '{"tool": "get_weather", "arguments": {}}'
    auto = structured.compile_tool_call(engine.tokenizer, tools, local_tools.ToolChoice("auto"),
                                        eos_ids=engine.eos_ids, strict_names=frozenset({"get_weather"}))
    assert grammar_accepts(engine, auto, call) and grammar_accepts(engine, auto, "It is sunny in Oslo.")
    assert not grammar_accepts(engine, auto, empty)  # required arguments: never {}
    answer = structured.OutputFormat("json_schema", SCHEMAS["enum"][0])
    with_format = structured.compile_tool_call(engine.tokenizer, tools, local_tools.ToolChoice("auto"),
                                               eos_ids=engine.eos_ids, answer=answer)
    assert grammar_accepts(engine, with_format, call)
    assert grammar_accepts(engine, with_format, '{"sentiment": "negative"}')
    assert not grammar_accepts(engine, with_format, "It is sunny.")
    forced = structured.compile_tool_call(engine.tokenizer, tools, local_tools.ToolChoice("any"),
                                          prefix=local_tools.prefill_for(local_tools.ToolChoice("any")),
                                          eos_ids=engine.eos_ids)
    assert grammar_accepts(engine, forced, call.removeprefix('{"tool": "'))
    assert not grammar_accepts(engine, forced, 'other", "arguments": {}}')


def test_the_tokenizer_transformers_5_15_writes_is_read_byte_level(engine):
    """transformers 5.15 (Colab) converts the GGUF tokenizer with the decoder Sequence[ByteFallback, Fuse,
    Replace("▁", " "), ByteLevel]; llguidance.hf.from_tokenizer then reads "Ġ" as two bytes instead of a space, and
    the forced-tool prefix '{"tool": "' was refused (reproduced with transformers 5.15.0, tokenizers 0.22.2,
    llguidance 1.9.1). The same decoder is set here on a copy of the engine's tokenizer."""
    import copy

    import llguidance.hf
    from tokenizers import decoders

    colab = copy.deepcopy(engine.tokenizer)
    colab.backend_tokenizer.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Fuse(),
                                                         decoders.Replace("▁", " "), decoders.ByteLevel()])
    assert colab.decode(colab("a b\nc").input_ids) == "a b\nc"  # the tokenizer itself still decodes right
    probe = colab(structured.PROBE_TEXT, add_special_tokens=False).input_ids
    as_llguidance_reads_it = llguidance.hf.from_tokenizer(colab, eos_token=list(engine.eos_ids))
    assert as_llguidance_reads_it.decode_bytes(probe) != structured.PROBE_TEXT.encode()  # the failure, reproduced
    view = structured.llguidance_tokenizer(colab, engine.eos_ids)
    assert view.decode_bytes(probe) == structured.PROBE_TEXT.encode()
    tools = local_tools.parse_tools([{"name": "get_weather", "input_schema": WEATHER}], "anthropic")
    for choice in (local_tools.ToolChoice("any"), local_tools.ToolChoice("tool", "get_weather")):
        prefix = local_tools.prefill_for(choice)
        forced = structured.compile_tool_call(colab, tools, choice, prefix=prefix, eos_ids=engine.eos_ids)
        call = '{"tool": "get_weather", "arguments": {"city": "Oslo", "unit": "celsius"}}'
        assert grammar_accepts(engine, forced, call.removeprefix(prefix))


def test_a_tokenizer_llguidance_cannot_read_is_refused_clearly(engine):
    import copy

    from tokenizers import decoders

    broken = copy.deepcopy(engine.tokenizer)
    broken.backend_tokenizer.decoder = decoders.Replace("Ġ", "_")  # no byte-level step to fall back on
    with pytest.raises(structured.StructuredOutputError, match="reads the local model's tokens as other bytes"):
        structured.llguidance_tokenizer(broken, engine.eos_ids)


# --- the providers' rules, as pure functions ---------------------------------------------------------------------
def openai_body(fmt: dict, text: str = "Reply in JSON.") -> dict:
    return {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": text}], "response_format": fmt}


def test_openai_strict_schemas_follow_the_real_rules():
    loose = {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}},
                                                    "required": ["b"]}},
             "required": ["a"], "additionalProperties": False}
    with pytest.raises(structured.StructuredOutputError) as err:
        structured.requested_output(openai_body({"type": "json_schema", "json_schema": {
            "name": "r", "strict": True, "schema": loose}}), "openai")
    assert err.value.message == ("Invalid schema for response_format 'r': In context=('properties', 'a'), "
                                 "'additionalProperties' is required to be supplied and to be false.")
    assert err.value.param == "response_format"
    partly_required = {"type": "object", "properties": {"x": {"type": "string"}, "y": {"type": "string"}},
                       "required": ["x"], "additionalProperties": False}
    with pytest.raises(structured.StructuredOutputError, match=r"Missing 'y'\."):
        structured.requested_output(openai_body({"type": "json_schema", "json_schema": {
            "name": "r", "strict": True, "schema": partly_required}}), "openai")
    # not strict: the same schema is accepted (and still constrained offline)
    assert structured.requested_output(openai_body({"type": "json_schema", "json_schema": {
        "name": "r", "schema": partly_required}}), "openai").strict is False
    with pytest.raises(structured.StructuredOutputError, match="""got 'type: "array"'"""):
        structured.requested_output(openai_body({"type": "json_schema", "json_schema": {
            "name": "r", "schema": {"type": "array"}}}), "openai")


def test_openai_json_mode_needs_the_word_json():
    with pytest.raises(structured.StructuredOutputError) as err:
        structured.requested_output(openai_body({"type": "json_object"}, "Reply briefly."), "openai")
    assert err.value.param == "messages" and "must contain the word 'json'" in err.value.message
    assert structured.requested_output(openai_body({"type": "json_object"}, "Answer in Json."), "openai").kind == \
        "json_object"


def test_anthropic_schemas_follow_the_claude_subset():
    def body(schema):
        return {"model": ANTHROPIC_MODEL, "output_config": {"format": {"type": "json_schema", "schema": schema}}}

    cases = [
        ({"type": "object", "properties": {"a": {"type": "string"}}},
         "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false"),
        ({"type": "object", "properties": {"n": {"type": "number", "minimum": 0, "maximum": 5}},
          "additionalProperties": False},
         "output_config.format.schema: For 'number' type, properties maximum, minimum are not supported"),
        ({"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}, "additionalProperties": False},
         "output_config.format.schema: For 'integer' type, property 'minimum' is not supported"),
        ({"type": "object", "properties": {"l": {"type": "array", "items": {"type": "string"}, "minItems": 2}},
          "additionalProperties": False},
         "output_config.format.schema: For 'array' type, 'minItems' values other than 0 or 1 are not supported"),
    ]
    for schema, message in cases:
        with pytest.raises(structured.StructuredOutputError) as err:
            structured.requested_output(body(schema), "anthropic")
        assert err.value.message == message
    with pytest.raises(structured.StructuredOutputError, match="Use 'output_config.format' instead"):
        structured.requested_output({"model": ANTHROPIC_MODEL, "output_format": {"type": "json_schema"}}, "anthropic")


def test_capability_comes_from_the_registry(monkeypatch):
    assert structured.structured_outputs_supported(OPENAI_MODEL)
    assert structured.structured_outputs_supported("not-a-registry-id")  # unknown: allowed (the server 404s it)
    without(monkeypatch, OPENAI_MODEL)
    assert not structured.structured_outputs_supported(OPENAI_MODEL)


def without(monkeypatch, model_id: str) -> None:
    """The registry, except that ``model_id`` lacks structured outputs."""
    real = registry.capabilities

    def capabilities(asked: str):
        caps = real(asked)
        return dataclasses.replace(caps, structured_outputs=False) if asked == model_id else caps

    monkeypatch.setattr(registry, "capabilities", capabilities)


# --- through the real SDKs --------------------------------------------------------------------------------------------
class Address(BaseModel):
    city: str
    country: str


class Contact(BaseModel):
    name: str
    plan: Literal["free", "pro", "enterprise"]
    seats: int
    address: Address


CONTACT_PROMPT = "Extract the contact: Jane Doe from Paris, France wants the enterprise plan for 12 seats."


def test_openai_parse_returns_the_pydantic_object(gpt):
    completion = gpt.chat.completions.parse(model=OPENAI_MODEL, max_tokens=80, response_format=Contact,
                                            messages=[{"role": "user", "content": CONTACT_PROMPT}])
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert isinstance(choice.message.parsed, Contact)
    assert choice.message.parsed.plan in ("free", "pro", "enterprise")
    assert Contact.model_validate_json(choice.message.content) == choice.message.parsed


def test_openai_parse_cut_by_max_tokens_raises_like_the_real_api(gpt):
    with pytest.raises(openai.LengthFinishReasonError):
        gpt.chat.completions.parse(model=OPENAI_MODEL, max_tokens=5, response_format=Contact,
                                   messages=[{"role": "user", "content": CONTACT_PROMPT}])


def test_openai_json_schema_streams_valid_json(gpt):
    schema = SCHEMAS["numbers"][0]
    stream = gpt.chat.completions.create(
        model=OPENAI_MODEL, max_tokens=64, stream=True, messages=[{"role": "user", "content": SCHEMAS["numbers"][1]}],
        response_format={"type": "json_schema", "json_schema": {"name": "order", "schema": schema}})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].choices[0].finish_reason == "stop"
    jsonschema.validate(json.loads(text), schema)


def test_openai_json_mode_returns_an_object(gpt):
    completion = gpt.chat.completions.create(model=OPENAI_MODEL, max_tokens=48, response_format={"type": "json_object"},
                                             messages=[{"role": "user", "content": "Paris: city and country as JSON."}])
    assert completion.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(completion.choices[0].message.content), dict)


def test_anthropic_parse_and_output_config(claude):
    message = claude.messages.parse(model=ANTHROPIC_MODEL, max_tokens=80, output_format=Contact,
                                    messages=[{"role": "user", "content": CONTACT_PROMPT}])
    assert message.stop_reason == "end_turn"
    assert isinstance(message.parsed_output, Contact)
    schema = {"type": "object", "properties": {"sentiment": {"enum": ["positive", "negative", "neutral"]}},
              "required": ["sentiment"], "additionalProperties": False}
    reply = claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=32, messages=[
        {"role": "user", "content": SCHEMAS["enum"][1]}], output_config={"format": {"type": "json_schema",
                                                                                      "schema": schema}})
    text = "".join(b.text for b in reply.content if b.type == "text")
    jsonschema.validate(json.loads(text), schema)
    cut = claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=3, messages=[{"role": "user", "content": "Hi"}],
                                 output_config={"format": {"type": "json_schema", "schema": schema}})
    assert cut.stop_reason == "max_tokens"


WEATHER = {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
           "required": ["city", "unit"], "additionalProperties": False}


class GetWeather(BaseModel):
    city: str
    unit: Literal["celsius", "fahrenheit"]


def test_openai_forced_and_strict_tool_calls_satisfy_the_schema(gpt):
    question = [{"role": "user", "content": "What's the weather in Oslo?"}]
    completion = gpt.chat.completions.parse(model=OPENAI_MODEL, max_tokens=48, messages=question,
                                            tools=[openai.pydantic_function_tool(GetWeather)], tool_choice="required")
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert isinstance(choice.message.tool_calls[0].function.parsed_arguments, GetWeather)
    # a named, non-strict tool whose schema has required fields: forced calls fill them in, never {}
    plain = {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}
    completion = gpt.chat.completions.create(model=OPENAI_MODEL, max_tokens=48, messages=question, tools=[plain],
                                             tool_choice={"type": "function", "function": {"name": "get_weather"}})
    arguments = json.loads(completion.choices[0].message.tool_calls[0].function.arguments)
    jsonschema.validate(arguments, WEATHER)


def test_anthropic_forced_and_strict_tool_calls_satisfy_the_schema(claude):
    tool = {"name": "get_weather", "description": "Current weather in a city", "input_schema": WEATHER}
    question = [{"role": "user", "content": "What's the weather in Oslo?"}]
    forced = claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=48, messages=question, tools=[tool],
                                    tool_choice={"type": "tool", "name": "get_weather"})
    assert forced.stop_reason == "tool_use"
    call = next(b for b in forced.content if b.type == "tool_use")
    jsonschema.validate(call.input, WEATHER)
    anyone = claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=48, messages=question,
                                    tools=[dict(tool, strict=True)], tool_choice={"type": "any"})
    jsonschema.validate(next(b for b in anyone.content if b.type == "tool_use").input, WEATHER)
    # strict with an automatic choice: a call, if the model makes one, satisfies the schema; text stays text
    auto = claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=48, messages=question,
                                  tools=[dict(tool, strict=True)])
    for block in auto.content:
        if block.type == "tool_use":
            jsonschema.validate(block.input, WEATHER)
        else:
            assert block.type == "text" and "{" not in block.text


def test_a_strict_tool_schema_is_checked_like_the_real_api(gpt):
    loose = {"type": "object", "properties": {"city": {"type": "string"}}}
    with pytest.raises(openai.BadRequestError) as err:
        gpt.chat.completions.create(model=OPENAI_MODEL, max_tokens=8, messages=[{"role": "user", "content": "Oslo?"}],
                                    tools=[{"type": "function", "function": {"name": "get_weather", "strict": True,
                                                                             "parameters": loose}}])
    assert err.value.body["param"] == "tools[0].function.parameters"
    assert err.value.body["code"] == "invalid_function_parameters"
    assert "In context=(), 'additionalProperties' is required" in err.value.body["message"]


def test_structured_outputs_are_refused_for_a_model_without_them(gpt, claude, monkeypatch):
    without(monkeypatch, OPENAI_MODEL)
    without(monkeypatch, ANTHROPIC_MODEL)
    with pytest.raises(openai.BadRequestError) as err:
        gpt.chat.completions.parse(model=OPENAI_MODEL, max_tokens=8, response_format=Contact,
                                   messages=[{"role": "user", "content": CONTACT_PROMPT}])
    assert err.value.body["message"] == ("Invalid parameter: 'response_format' of type 'json_schema' is not supported "
                                         "with this model.")
    assert err.value.body["param"] == "response_format"
    with pytest.raises(anthropic.BadRequestError) as err:
        claude.messages.parse(model=ANTHROPIC_MODEL, max_tokens=8, output_format=Contact,
                              messages=[{"role": "user", "content": CONTACT_PROMPT}])
    assert err.value.body["error"]["message"] == "output_config.format: Extra inputs are not permitted"
