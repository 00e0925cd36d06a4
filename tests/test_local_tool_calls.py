"""Tool use through the real SDKs against the offline provider, and the bounded agent loop (helpers.agents.loop)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import anthropic
import openai
import pytest

from helpers import llm, local_api, registry
from helpers.agents import loop as agent

SCHEMA = {"type": "object", "properties": {"customer_id": {"type": "integer"}}, "required": ["customer_id"]}
TOOLS = [{"name": "lookup_customer", "description": "Look up a customer record by id.", "input_schema": SCHEMA},
         {"name": "search_knowledge_base", "description": "Search the help centre.",
          "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}]
QUESTION = [{"role": "user", "content": "Customer 12345 cannot open the dashboard. What plan are they on?"}]


@pytest.fixture(autouse=True)
def registry_day(monkeypatch):
    """Lifecycle rules as of the registry's own date, so these tests do not change meaning as ids retire."""
    monkeypatch.setattr(local_api, "today", registry.as_of)


@pytest.fixture(scope="module")
def claude():
    return llm.anthropic_client()


@pytest.fixture(scope="module")
def gpt():
    return llm.openai_client()


def test_anthropic_forced_tool_returns_a_tool_use_block(claude, engine):
    response = claude.messages.create(model="claude-haiku-5-5", max_tokens=40, messages=QUESTION, tools=TOOLS,
                                      tool_choice={"type": "tool", "name": "lookup_customer"})
    assert response.stop_reason == "tool_use"
    block = response.content[0]
    assert block.type == "tool_use" and block.name == "lookup_customer" and isinstance(block.input, dict)
    assert block.id.startswith("toolu_")


def test_anthropic_round_trip_with_a_tool_result(claude, engine):
    first = claude.messages.create(model="claude-haiku-5-5", max_tokens=40, messages=QUESTION, tools=TOOLS,
                                   tool_choice={"type": "any"})
    call = first.content[0]
    assert call.name in {"lookup_customer", "search_knowledge_base"}
    follow_up = QUESTION + [{"role": "assistant", "content": first.content},
                            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id,
                                                          "content": '{"plan": "Team", "status": "active"}'}]}]
    second = claude.messages.create(model="claude-haiku-5-5", max_tokens=30, messages=follow_up, tools=TOOLS,
                                    tool_choice={"type": "none"})
    assert [b.type for b in second.content] == ["thinking", "text"]  # Haiku 5.5 thinks unless told not to
    assert second.stop_reason in ("end_turn", "max_tokens")
    thinking_back = follow_up + [{"role": "assistant", "content": second.content},
                                 {"role": "user", "content": "Thanks. Anything else?"}]
    third = claude.messages.create(model="claude-haiku-5-5", max_tokens=12, messages=thinking_back, tools=TOOLS,
                                   tool_choice={"type": "none"}, thinking={"type": "disabled"})
    assert [b.type for b in third.content] == ["text"]  # thinking blocks passed back are accepted


def test_anthropic_tool_errors(claude, engine):
    with pytest.raises(anthropic.BadRequestError, match="tool_use_id"):
        claude.messages.create(model="claude-haiku-5-5", max_tokens=10, tools=TOOLS, messages=[
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_nope", "content": "x"}]}])
    with pytest.raises(anthropic.BadRequestError, match="needs `tools`"):
        claude.messages.create(model="claude-haiku-5-5", max_tokens=10, messages=[
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_nope", "content": "x"}]}])
    with pytest.raises(anthropic.BadRequestError, match='type "tool" and "any" are not supported'):
        claude.messages.create(model="claude-sonnet-5-5", max_tokens=10, messages=QUESTION, tools=TOOLS,
                               tool_choice={"type": "any"})  # forced tool use is refused by Sonnet 5.5


def test_anthropic_streaming_with_a_forced_tool(claude, engine):
    plain = claude.messages.create(model="claude-haiku-5-5", max_tokens=40, messages=QUESTION, tools=TOOLS,
                                   tool_choice={"type": "tool", "name": "lookup_customer"})
    with claude.messages.stream(model="claude-haiku-5-5", max_tokens=40, messages=QUESTION, tools=TOOLS,
                                tool_choice={"type": "tool", "name": "lookup_customer"}) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use" and final.content[0].type == "tool_use"
    assert final.content[0].name == "lookup_customer" and final.content[0].input == plain.content[0].input
    assert "input_json" in kinds and kinds[-1] == "message_stop"


def test_openai_streaming_with_a_required_tool(gpt, engine):
    tools = agent.openai_tools(TOOLS)
    plain = gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=40, messages=QUESTION,
                                        tools=tools, tool_choice="required")
    chunks = list(gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=40, messages=QUESTION,
                                              tools=tools, tool_choice="required", stream=True))
    calls = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert calls[0].id.startswith("call_") and calls[0].function.name == plain.choices[0].message.tool_calls[0].function.name
    arguments = "".join(call.function.arguments or "" for call in calls)
    assert json.loads(arguments) == json.loads(plain.choices[0].message.tool_calls[0].function.arguments)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_openai_required_tool_returns_tool_calls(gpt, engine):
    response = gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=40, messages=QUESTION,
                                           tools=agent.openai_tools(TOOLS), tool_choice="required")
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.function.name in {"lookup_customer", "search_knowledge_base"}
    assert isinstance(json.loads(call.function.arguments), dict)
    follow_up = QUESTION + [
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump(exclude_none=True)]},
        {"role": "tool", "tool_call_id": call.id, "content": '{"plan": "Team"}'}]
    second = gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=20, messages=follow_up,
                                         tools=agent.openai_tools(TOOLS), tool_choice="none")
    assert second.choices[0].message.tool_calls is None and second.choices[0].finish_reason in ("stop", "length")


def test_openai_tool_errors(gpt, engine):
    with pytest.raises(openai.BadRequestError, match="tool_calls"):
        gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=5, tools=agent.openai_tools(TOOLS),
                                    messages=QUESTION + [{"role": "tool", "tool_call_id": "call_x", "content": "1"}])
    with pytest.raises(openai.BadRequestError, match="no tool named"):
        gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=5, messages=QUESTION,
                                    tools=agent.openai_tools(TOOLS),
                                    tool_choice={"type": "function", "function": {"name": "drop_tables"}})


@pytest.mark.parametrize("provider,model", [("anthropic", None), ("openai", "gpt-4.1-mini")])
def test_agent_runs_offline_and_ends(provider, model, engine):
    calls = []

    def execute(name, arguments):
        calls.append(name)
        return json.dumps({"plan": "Team", "status": "active", "tool": name})

    run = agent.run_agent("Customer 12345 cannot open the dashboard after upgrading. Why?", tools=TOOLS,
                          execute=execute, provider=provider, model=model, max_steps=3, max_tokens=60)
    assert run.stopped in ("answer", "max_steps") and 1 <= run.model_calls <= 3
    assert run.tool_calls == calls and run.answered_by == engine.model_id and run.cost_usd == 0.0
    assert run.trace().startswith("Q: Customer 12345")


class _AlwaysCallsTools:
    """A stand-in Anthropic client whose model asks for a tool every time: the loop must still stop."""

    def __init__(self):
        self.messages = SimpleNamespace(create=self.create)
        self.calls = 0

    def create(self, **request):
        self.calls += 1
        assert request["tools"] == TOOLS
        block = SimpleNamespace(type="tool_use", id=f"toolu_{self.calls}", name="search_knowledge_base",
                                input={"query": "again"})
        return SimpleNamespace(content=[block], stop_reason="tool_use", model="stub",
                               usage=SimpleNamespace(input_tokens=10, output_tokens=5))


def test_agent_loop_is_bounded_by_max_steps(monkeypatch):
    stub = _AlwaysCallsTools()
    monkeypatch.setattr(llm, "anthropic_client", lambda **kwargs: stub)
    run = agent.run_agent("loop forever?", tools=TOOLS, execute=lambda n, a: "[]", provider="local", max_steps=4,
                          cache=False)
    assert run.stopped == "max_steps" and stub.calls == 4 and len(run.tool_calls) == 4


def test_agent_loop_is_bounded_by_time(monkeypatch):
    stub = _AlwaysCallsTools()
    monkeypatch.setattr(llm, "anthropic_client", lambda **kwargs: stub)
    run = agent.run_agent("slow tools", tools=TOOLS, provider="local", max_steps=50, timeout_s=0.05,
                          execute=lambda n, a: __import__("time").sleep(0.03) or "[]", cache=False)
    assert run.stopped == "timeout" and stub.calls < 50


class _LooksUpThenAnswers(_AlwaysCallsTools):
    """A stand-in model that calls one tool, then answers with what the tool returned."""

    def create(self, **request):
        self.calls += 1
        last = request["messages"][-1]["content"]
        if isinstance(last, list):  # the tool results came back: answer with them
            return SimpleNamespace(content=[SimpleNamespace(type="text", text=f"The record says {last[0]['content']}")],
                                   stop_reason="end_turn", model="stub",
                                   usage=SimpleNamespace(input_tokens=20, output_tokens=8))
        block = SimpleNamespace(type="tool_use", id=f"toolu_{self.calls}", name="lookup_customer",
                                input={"customer_id": 12345})
        return SimpleNamespace(content=[block], stop_reason="tool_use", model="stub",
                               usage=SimpleNamespace(input_tokens=10, output_tokens=5))


def test_offline_runs_are_replayed_only_while_the_tools_say_the_same(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    stub = _LooksUpThenAnswers()
    monkeypatch.setattr(llm, "anthropic_client", lambda **kwargs: stub)
    record = {"plan": "Team"}
    executed = []

    def lookup(name, arguments):
        executed.append(name)
        return json.dumps(record)

    first = agent.run_agent("What plan?", tools=TOOLS, execute=lookup, provider="local", max_steps=3)
    assert not first.replayed and stub.calls == 2 and "Team" in first.answer
    again = agent.run_agent("What plan?", tools=TOOLS, execute=lookup, provider="local", max_steps=3)
    assert again.replayed and stub.calls == 2 and executed == ["lookup_customer"] * 2  # the tool ran again to check
    assert (again.answer, again.tool_calls, again.seconds) == (first.answer, first.tool_calls, first.seconds)
    assert "replayed from the offline cache" in again.trace()
    assert not agent.run_agent("What plan?", tools=TOOLS, execute=lookup, provider="local", max_steps=2).replayed
    record["plan"] = "Business"  # the data behind the tool changed: the model must read it
    changed = agent.run_agent("What plan?", tools=TOOLS, execute=lookup, provider="local", max_steps=3)
    assert not changed.replayed and "Business" in changed.answer
    live = agent.run_agent("What plan?", tools=TOOLS, execute=lookup, provider="local", max_steps=3, cache=False)
    assert not live.replayed and stub.calls == 8


def test_agent_turns_tool_failures_into_results(monkeypatch):
    stub = _AlwaysCallsTools()
    monkeypatch.setattr(llm, "anthropic_client", lambda **kwargs: stub)

    def broken(name, arguments):
        raise RuntimeError("database is locked")

    run = agent.run_agent("q", tools=TOOLS, execute=broken, provider="local", max_steps=2, cache=False)
    assert "database is locked" in run.steps[0].content and run.stopped == "max_steps"
