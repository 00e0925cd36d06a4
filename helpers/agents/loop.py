"""A bounded tool-using agent loop on the real SDKs: Anthropic tool use and OpenAI function calling.

Written out step by step in notebooks/05_agentic_rag.ipynb; this is the same loop as a function, with a trace. It
always ends: at a plain answer, after ``max_steps`` model calls, or when ``timeout_s`` has passed. A tool that fails,
an unknown tool, or arguments that are not JSON become a tool result the model can read, never an exception.
Offline, the course's local provider serves the same wire formats (see helpers/local_tools.py).
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from helpers import llm, registry
from helpers.prompting.evaluation import local_model_id, lookup_result, store_result

DEFAULT_SYSTEM = ("You are Halcyon Labs' support assistant for Pulseboard. Use the tools to look up facts before "
                  "answering; never invent account details. Answer in two to four sentences and name the source "
                  "(document id, incident id or customer record).")
MAX_RESULT_CHARS = 4000
MAX_TOOL_CALLS_PER_STEP = 16  # tool calls run from one model reply; the rest are answered with an error result


@dataclass
class Step:
    """One event of a run: a tool call with its result, or the final answer."""

    kind: str                 # "tool", "skipped" (calls over MAX_TOOL_CALLS_PER_STEP, not run) or "answer"
    name: str = ""
    arguments: dict = field(default_factory=dict)
    content: str = ""
    seconds: float = 0.0


@dataclass
class AgentRun:
    question: str
    provider: str
    model: str
    steps: list[Step] = field(default_factory=list)
    answer: str = ""
    stopped: str = ""         # "answer", "max_steps" or "timeout"
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    answered_by: str = ""
    replayed: bool = False    # True when read from the offline cache (its seconds are those of the recorded run)

    @property
    def tool_calls(self) -> list[str]:
        return [s.name for s in self.steps if s.kind == "tool"]

    def trace(self, width: int = 160) -> str:
        """The run as a readable list: each tool call with its arguments and the start of its result."""
        lines = [f"Q: {self.question}"]
        for n, step in enumerate(self.steps, start=1):
            if step.kind == "tool":
                args = json.dumps(step.arguments, ensure_ascii=False)
                result = " ".join(step.content.split())
                lines.append(f"{n}. call {step.name}({args})  [{step.seconds:.1f} s]")
                lines.append(f"   -> {result[:width]}{'...' if len(result) > width else ''}")
            elif step.kind == "skipped":
                lines.append(f"{n}. skipped: {step.content}")
            else:
                lines.append(f"{n}. answer [{step.seconds:.1f} s]: {step.content}")
        lines.append(f"stopped: {self.stopped}; {self.model_calls} model calls, {self.input_tokens} tokens in, "
                     f"{self.output_tokens} out, ${self.cost_usd:.4f}, {self.seconds:.1f} s; answered by "
                     f"{self.answered_by or self.model}")
        if self.replayed:
            lines.append("(replayed from the offline cache: same question, settings and tool results; "
                         "run_agent(..., cache=False) runs it again)")
        return "\n".join(lines)


def openai_tools(anthropic_tools: list[dict]) -> list[dict]:
    """The same tool definitions in OpenAI's function-calling format."""
    return [{"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                              "parameters": t["input_schema"]}} for t in anthropic_tools]


def _execute(execute: Callable[[str, dict], str], names: set[str], name: str, arguments) -> str:
    if name not in names:
        return json.dumps({"error": f"unknown tool {name!r}; available: {sorted(names)}"})
    if not isinstance(arguments, dict):
        return json.dumps({"error": "arguments must be a JSON object"})
    try:
        result = execute(name, arguments)
    except Exception as exc:  # a tool failure is information for the model, not the end of the run
        result = json.dumps({"error": f"{type(exc).__name__}: {exc}"})
    result = result if isinstance(result, str) else json.dumps(result, default=str)
    return result[:MAX_RESULT_CHARS]


def _execute_until(deadline: float, execute, names: set[str], name: str, arguments) -> tuple[str, bool]:
    """(result, timed out): the tool runs in a worker thread and the loop stops waiting at ``deadline``. A Python
    thread cannot be killed, so a timed-out tool finishes in the background (a daemon thread: it never holds the
    kernel open) and its result is dropped."""
    box: list[str] = []
    worker = threading.Thread(target=lambda: box.append(_execute(execute, names, name, arguments)), daemon=True,
                              name=f"agent-tool-{name}")
    worker.start()
    worker.join(max(0.0, deadline - time.perf_counter()))
    if box:
        return box[0], False
    return json.dumps({"error": f"{name} timed out: the run's timeout_s was reached before it returned"}), True


def _skipped(name: str) -> str:
    return json.dumps({"error": f"{name} not run: at most {MAX_TOOL_CALLS_PER_STEP} tool calls are run per reply; "
                                "ask again for the ones you still need"})


def check_bounds(max_steps, timeout_s) -> None:
    """ValueError unless ``max_steps`` is an integer >= 1 and ``timeout_s`` a finite number of seconds > 0."""
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be an integer of at least 1 (model calls per run), not {max_steps!r}")
    if (isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not math.isfinite(timeout_s)
            or timeout_s <= 0):
        raise ValueError(f"timeout_s must be a finite number of seconds above 0, such as 180, not {timeout_s!r}")


def run_agent(question: str, *, tools: list[dict], execute: Callable[[str, dict], str], provider: str | None = None,
              model: str | None = None, system: str = DEFAULT_SYSTEM, max_steps: int = 6, timeout_s: float = 180.0,
              max_tokens: int = 300, cache: bool = True) -> AgentRun:
    """Answer ``question`` with the tools (Anthropic format: name, description, input_schema; converted for
    OpenAI). ``execute(name, arguments)`` runs one tool and returns a string.

    Offline (the local model, greedy decoding) a finished run is cached: a later call with the same question,
    settings and model replays it once every recorded tool call, run again now, returns the same result (then the
    model would have read the same inputs and written the same replies). Otherwise the agent runs live. With an API
    key every run is live. ``cache=False`` always runs live.

    Bounds: ``max_steps`` model calls (an integer >= 1) and ``timeout_s`` seconds (finite, > 0; checked before
    each model call, and enforced during each tool call: a tool still running at the deadline is abandoned and the
    run stops with ``stopped == "timeout"``); at most ``MAX_TOOL_CALLS_PER_STEP`` tool calls run per model reply,
    the others get an error result."""
    check_bounds(max_steps, timeout_s)
    provider = provider or llm.active_provider()
    model = model or registry.default_model(provider)
    names = {t["name"] for t in tools}
    local = llm.uses_local(provider)
    key = {"question": question, "tools": tools, "system": system, "max_steps": max_steps, "max_tokens": max_tokens,
           "provider": provider, "model": model, "backend": local_model_id()} if cache and local else None
    if key is not None:
        recorded = _replay(key, execute, names)
        if recorded is not None:
            return recorded
    run = AgentRun(question=question, provider=provider, model=model)
    start = time.perf_counter()
    loop = _anthropic_loop if provider in ("anthropic", "local") else _openai_loop
    loop(run, tools, execute, names, system, max_steps, start + timeout_s, max_tokens, local)
    run.seconds = time.perf_counter() - start
    run.cost_usd = 0.0 if local else registry.cost_usd(model, run.input_tokens, run.output_tokens)
    if key is not None and run.stopped != "timeout":  # a timeout depends on the machine's speed, not the inputs
        store_result("agent-runs", key, asdict(run))
    return run


def _replay(key: dict, execute: Callable[[str, dict], str], names: set[str]) -> AgentRun | None:
    """The cached run for ``key`` if each of its tool calls, run again now, gives the recorded result; else None."""
    found, stored = lookup_result("agent-runs", key)
    if not found:
        return None
    try:
        run = AgentRun(**{k: v for k, v in stored.items() if k != "steps"}, steps=[Step(**s) for s in stored["steps"]])
    except (AttributeError, KeyError, TypeError):  # written by another version of AgentRun: run live instead
        return None
    for step in run.steps:
        if step.kind == "tool" and _execute(execute, names, step.name, step.arguments) != step.content:
            return None  # the data behind a tool changed: the model would read something new
    run.replayed = True
    return run


def _anthropic_loop(run, tools, execute, names, system, max_steps, deadline, max_tokens, local):
    client = llm.anthropic_client(local=local)
    messages: list = [{"role": "user", "content": run.question}]
    for _ in range(max_steps):
        if time.perf_counter() > deadline:
            run.stopped = "timeout"
            return
        began = time.perf_counter()
        response = client.messages.create(model=run.model, max_tokens=max_tokens, system=system, tools=tools,
                                          messages=messages)
        run.model_calls += 1
        run.input_tokens += response.usage.input_tokens
        run.output_tokens += response.usage.output_tokens
        run.answered_by = response.model
        calls = [b for b in response.content if b.type == "tool_use"]
        text = "".join(b.text for b in response.content if b.type == "text").strip()
        if response.stop_reason != "tool_use" or not calls:
            run.answer, run.stopped = text, "answer"
            run.steps.append(Step("answer", content=text, seconds=time.perf_counter() - began))
            return
        messages.append({"role": "assistant", "content": response.content})
        results = []
        for call in calls[:MAX_TOOL_CALLS_PER_STEP]:
            tool_began = time.perf_counter()
            output, timed_out = _execute_until(deadline, execute, names, call.name, call.input)
            arguments = call.input if isinstance(call.input, dict) else {}
            run.steps.append(Step("tool", call.name, dict(arguments), output, time.perf_counter() - tool_began))
            if timed_out:
                run.stopped = "timeout"
                return
            results.append({"type": "tool_result", "tool_use_id": call.id, "content": output})
        results += [{"type": "tool_result", "tool_use_id": call.id, "content": _skipped(call.name), "is_error": True}
                    for call in calls[MAX_TOOL_CALLS_PER_STEP:]]
        _note_skipped(run, calls[MAX_TOOL_CALLS_PER_STEP:], lambda call: call.name)
        messages.append({"role": "user", "content": results})
    run.stopped = "max_steps"


def _tool_settings(model: str) -> dict:
    """Chat Completions settings a model needs to take function tools: some reasoning models accept tools only
    with ``reasoning_effort="none"`` (the registry's ``tool_use: reasoning_none_only``; a 400 otherwise)."""
    try:
        caps = registry.capabilities(model)
    except registry.UnknownModelError:
        return {}
    return {"reasoning_effort": "none"} if caps.tool_use == "reasoning_none_only" else {}


def _openai_loop(run, tools, execute, names, system, max_steps, deadline, max_tokens, local):
    client = llm.openai_client(local=local)
    messages: list = [{"role": "system", "content": system}, {"role": "user", "content": run.question}]
    functions = openai_tools(tools)
    for _ in range(max_steps):
        if time.perf_counter() > deadline:
            run.stopped = "timeout"
            return
        began = time.perf_counter()
        response = client.chat.completions.create(model=run.model, max_completion_tokens=max_tokens,
                                                  messages=messages, tools=functions, **_tool_settings(run.model))
        run.model_calls += 1
        run.input_tokens += response.usage.prompt_tokens
        run.output_tokens += response.usage.completion_tokens
        run.answered_by = response.model
        message = response.choices[0].message
        calls = message.tool_calls or []
        if not calls:
            run.answer, run.stopped = (message.content or "").strip(), "answer"
            run.steps.append(Step("answer", content=run.answer, seconds=time.perf_counter() - began))
            return
        messages.append({"role": "assistant", "content": message.content,
                         "tool_calls": [{"id": c.id, "type": "function",
                                         "function": {"name": c.function.name, "arguments": c.function.arguments}}
                                        for c in calls]})
        for call in calls[:MAX_TOOL_CALLS_PER_STEP]:
            tool_began = time.perf_counter()
            timed_out = False
            try:
                arguments = json.loads(call.function.arguments or "{}")
            except (ValueError, RecursionError) as exc:
                arguments, output = {}, json.dumps({"error": f"arguments are not valid JSON: {str(exc)[:200]}"})
            else:
                output, timed_out = _execute_until(deadline, execute, names, call.function.name, arguments)
            run.steps.append(Step("tool", call.function.name, arguments if isinstance(arguments, dict) else {},
                                  output, time.perf_counter() - tool_began))
            if timed_out:
                run.stopped = "timeout"
                return
            messages.append({"role": "tool", "tool_call_id": call.id, "content": output})
        messages += [{"role": "tool", "tool_call_id": call.id, "content": _skipped(call.function.name)}
                     for call in calls[MAX_TOOL_CALLS_PER_STEP:]]
        _note_skipped(run, calls[MAX_TOOL_CALLS_PER_STEP:], lambda call: call.function.name)
    run.stopped = "max_steps"


def _note_skipped(run: AgentRun, calls: list, name_of) -> None:
    """One trace step for the calls of a reply that were over the per-reply cap (not run)."""
    if calls:
        names = ", ".join(sorted({str(name_of(call)) for call in calls}))[:200]
        run.steps.append(Step("skipped", content=f"{len(calls)} more tool call(s) in one reply ({names}) over the cap "
                                                 f"of {MAX_TOOL_CALLS_PER_STEP}; each got an error result"))


def score_run(run: AgentRun, task: dict) -> dict:
    """The yardstick for one task: did the agent call the expected tools (first one right, all of them), are the
    expected facts in its answer, and what did it cost."""
    from helpers.rag.answer import normalise

    expected = list(task.get("expected_tools", []))
    called = run.tool_calls
    answer = normalise(run.answer)
    facts = task.get("expected_facts", [])
    found = [f for f in facts if normalise(f) in answer]
    return {"id": task.get("id"), "category": task.get("category"), "provider": run.provider, "model": run.model,
            "answered_by": run.answered_by, "expected_tools": expected, "called": called,
            "first_tool_right": (called[:1] == expected[:1]) if expected else not called,
            "all_tools_called": set(expected) <= set(called) and (bool(called) or not expected),
            "facts_found": len(found), "facts": len(facts),
            # a task without facts to find ("not in the docs", "no tool needed") succeeds by its tool choice
            "success": run.stopped == "answer" and (len(found) == len(facts) if facts else
                                                    (called[:1] == expected[:1] and set(expected) <= set(called))),
            "stopped": run.stopped, "model_calls": run.model_calls, "input_tokens": run.input_tokens,
            "output_tokens": run.output_tokens, "cost_usd": run.cost_usd, "seconds": run.seconds,
            "answer": run.answer}


def evaluate_tasks(tasks: list[dict], *, tools: list[dict], execute: Callable[[str, dict], str],
                   provider: str | None = None, model: str | None = None, progress: bool = False,
                   **run_kwargs) -> "pd.DataFrame":
    """Run every task through :func:`run_agent` and score it; one row per task (see :func:`score_run`)."""
    import pandas as pd
    from tqdm.auto import tqdm

    rows = []
    for task in tqdm(tasks, disable=not progress, desc=f"agent ({provider or llm.active_provider()})"):
        run = run_agent(task["question"], tools=tools, execute=execute, provider=provider, model=model, **run_kwargs)
        rows.append(score_run(run, task))
    return pd.DataFrame(rows)


FIXED_PIPELINE_SYSTEM = ("You are Halcyon Labs' support assistant for Pulseboard. Answer from the help-centre sources "
                         "given with the question; if they do not hold the answer, say so. Answer in two to four "
                         "sentences and name the source document id.")


def run_fixed_pipeline(question: str, *, execute: Callable[[str, dict], str], provider: str | None = None,
                       model: str | None = None, k: int = 3, max_tokens: int = 300,
                       system: str = FIXED_PIPELINE_SYSTEM) -> AgentRun:
    """Notebook 05's baseline for the agent: a fixed RAG pipeline on the same question. It always searches the
    knowledge base once with the question itself (through the same ``execute``), then makes one model call that
    answers from those results. It chooses no tool, so it cannot look up a customer or an incident; it costs one
    model call. Returned as an :class:`AgentRun`, so :func:`score_run` scores it exactly like the agent."""
    provider = provider or llm.active_provider()
    model = model or registry.default_model(provider)
    run = AgentRun(question=question, provider=provider, model=model)
    start = time.perf_counter()
    arguments = {"query": question, "k": k}
    result = execute("search_knowledge_base", arguments)
    run.steps.append(Step(kind="tool", name="search_knowledge_base", arguments=arguments, content=result,
                          seconds=time.perf_counter() - start))
    reply = llm.complete(f"Help-centre sources:\n{result}\n\nQuestion: {question}", system=system,
                         provider=provider, model=model, max_tokens=max_tokens)
    run.steps.append(Step(kind="answer", content=reply.text))
    run.answer, run.stopped, run.model_calls = reply.text, "answer", 1
    run.input_tokens, run.output_tokens, run.cost_usd = reply.input_tokens, reply.output_tokens, reply.cost_usd
    run.answered_by, run.seconds = reply.model_answered, time.perf_counter() - start
    return run


def evaluate_fixed_pipeline(tasks: list[dict], *, execute: Callable[[str, dict], str], provider: str | None = None,
                            model: str | None = None, progress: bool = False, **run_kwargs) -> "pd.DataFrame":
    """:func:`run_fixed_pipeline` on every task, scored by :func:`score_run` (the agent's yardstick)."""
    import pandas as pd
    from tqdm.auto import tqdm

    rows = [score_run(run_fixed_pipeline(task["question"], execute=execute, provider=provider, model=model,
                                         **run_kwargs), task)
            for task in tqdm(tasks, disable=not progress, desc="fixed pipeline")]
    return pd.DataFrame(rows)

