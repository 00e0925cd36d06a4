"""Tool-call plumbing of the offline API: tool specs in both wire formats, choices, parsing the model's JSON."""

from __future__ import annotations

import pytest

from helpers.local_tools import (Tool, ToolChoice, ToolFormatError, call_text, forced_call, parse_call,
                                 parse_tool_choice, parse_tools, prefill_for, system_text)

SCHEMA = {"type": "object", "properties": {"customer_id": {"type": "integer"}}, "required": ["customer_id"]}
ANTHROPIC = [{"name": "lookup_customer", "description": "Find a customer", "input_schema": SCHEMA},
             {"name": "search_knowledge_base", "description": "Search docs",
              "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
OPENAI = [{"type": "function", "function": {"name": t["name"], "description": t["description"],
                                             "parameters": t["input_schema"]}} for t in ANTHROPIC]


def test_both_wire_formats_parse_to_the_same_tools():
    assert parse_tools(ANTHROPIC, "anthropic") == parse_tools(OPENAI, "openai")
    text = system_text(parse_tools(ANTHROPIC, "anthropic"))
    assert "lookup_customer(customer_id: integer)" in text and "query: string (optional)" in text


@pytest.mark.parametrize("flavour, tools, message", [
    ("anthropic", {"name": "x"}, "valid list"),
    ("anthropic", [{"name": "x"}], "input_schema"),
    ("anthropic", [{"input_schema": {}}], "name"),
    ("openai", [{"type": "retrieval"}], "function"),
    ("anthropic", ANTHROPIC + ANTHROPIC[:1], "unique"),
])
def test_malformed_tools_are_rejected(flavour, tools, message):
    with pytest.raises(ToolFormatError, match=message):
        parse_tools(tools, flavour)


def test_tool_choices():
    tools = parse_tools(ANTHROPIC, "anthropic")
    assert parse_tool_choice(None, "anthropic", tools) == ToolChoice("auto")
    assert parse_tool_choice({"type": "any"}, "anthropic", tools) == ToolChoice("any")
    assert parse_tool_choice("required", "openai", tools) == ToolChoice("any")
    assert parse_tool_choice({"type": "function", "function": {"name": "lookup_customer"}}, "openai", tools) == \
        ToolChoice("tool", "lookup_customer")
    with pytest.raises(ToolFormatError):
        parse_tool_choice({"type": "tool", "name": "nope"}, "anthropic", tools)
    with pytest.raises(ToolFormatError):
        parse_tool_choice("sometimes", "openai", tools)


def test_parse_call_accepts_the_model_json_and_ignores_prose():
    tools = parse_tools(ANTHROPIC, "anthropic")
    assert parse_call('Sure! {"tool": "lookup_customer", "arguments": {"customer_id": 12345}} done', tools) == \
        ("lookup_customer", {"customer_id": 12345})
    assert parse_call('{"name": "search_knowledge_base", "input": {"query": "sso"}}', tools) == \
        ("search_knowledge_base", {"query": "sso"})
    assert parse_call('{"tool": "lookup_customer", "arguments": "{\\"customer_id\\": 1}"}', tools) == \
        ("lookup_customer", {"customer_id": 1})
    for text in ["The customer is on the Team plan.", '{"tool": "delete_everything", "arguments": {}}',
                 '{"tool": "lookup_customer", "arguments": [1]}', '{"tool": "lookup_customer", "arguments": {', ""]:
        assert parse_call(text, tools) is None
    assert parse_call(call_text("lookup_customer", {"customer_id": 7}), tools) == ("lookup_customer", {"customer_id": 7})


def test_forced_calls_always_return_a_tool():
    tools = parse_tools(ANTHROPIC, "anthropic")
    named = ToolChoice("tool", "lookup_customer")
    assert forced_call(prefill_for(named) + '"customer_id": 12345', tools, named) == ("lookup_customer", {"customer_id": 12345})
    assert forced_call(prefill_for(named) + "garbage ]]", tools, named) == ("lookup_customer", {})
    anyone = ToolChoice("any")
    assert forced_call(prefill_for(anyone) + 'search_knowledge_base", "arguments": {"query": "sso"}}', tools, anyone) == \
        ("search_knowledge_base", {"query": "sso"})
    assert forced_call(prefill_for(anyone) + 'lookup_custmer", "arguments": [', tools, anyone) == ("lookup_customer", {})
    assert prefill_for(ToolChoice("auto")) == "" and isinstance(Tool("a", "", {}), Tool)
