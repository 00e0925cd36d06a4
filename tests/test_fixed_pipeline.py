"""Notebook 05's baseline for the agent: a fixed RAG pipeline, run and scored on the agent's yardstick."""

from helpers import llm
from helpers.agents import loop


def fake_complete(calls):
    def complete(prompt, *, system=None, provider=None, model=None, max_tokens=256, **kwargs):
        calls.append({"prompt": prompt, "system": system, "max_tokens": max_tokens})
        return llm.Completion(text="Refunds within 14 days (pol-refunds).", provider=provider, model_requested=model,
                              model_answered="answerer", input_tokens=120, output_tokens=9, latency_s=0.1,
                              cost_usd=0.0, stop_reason="end_turn", local=True)
    return complete


def test_the_fixed_pipeline_searches_once_with_the_question_then_answers_from_the_results(monkeypatch):
    calls, executed = [], []
    monkeypatch.setattr(llm, "complete", fake_complete(calls))

    def execute(name, arguments):
        executed.append((name, arguments))
        return '{"results": [{"doc_id": "pol-refunds", "passage": "Refunds within 14 days."}]}'

    run = loop.run_fixed_pipeline("How long do refunds take?", execute=execute, provider="local", model="m",
                                  max_tokens=50)
    assert executed == [("search_knowledge_base", {"query": "How long do refunds take?", "k": 3})]
    assert "pol-refunds" in calls[0]["prompt"] and calls[0]["max_tokens"] == 50
    assert run.tool_calls == ["search_knowledge_base"] and run.model_calls == 1 and run.stopped == "answer"
    assert (run.input_tokens, run.output_tokens, run.answered_by) == (120, 9, "answerer")


def test_it_is_scored_like_the_agent_and_fails_tasks_that_need_another_tool(monkeypatch):
    monkeypatch.setattr(llm, "complete", fake_complete([]))
    tasks = [{"id": "t1", "category": "kb", "question": "Refunds?", "expected_tools": ["search_knowledge_base"],
              "expected_facts": ["14 days"]},
             {"id": "t2", "category": "customer", "question": "Plan of C-1?", "expected_tools": ["lookup_customer"],
              "expected_facts": ["Growth"]}]
    table = loop.evaluate_fixed_pipeline(tasks, execute=lambda name, args: "{}", provider="local", model="m")
    assert list(table["success"]) == [True, False]
    assert list(table["first_tool_right"]) == [True, False] and list(table["model_calls"]) == [1, 1]
