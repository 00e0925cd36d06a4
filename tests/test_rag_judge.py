"""The LLM judge's contract (parse, validate, never crash), agreement statistics, the no-model judges, long-context
prompts and costs, and per-query RAG metrics (notebook 06)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from helpers import datasets, registry
from helpers.rag import agreement, judge, longcontext, load_corpus, ragmetrics

GOOD = {"relevance": 5, "groundedness": 2, "context_utilization": 3, "reason": "21 days is not in the sources."}


@pytest.fixture(scope="module")
def kb():
    return load_corpus("data/kb", quiet=True)


@pytest.fixture(scope="module")
def labels():
    return datasets.read_jsonl(datasets.DATA / "judge_labels.jsonl")


# --- parsing and validating verdicts ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    json.dumps(GOOD),
    "Here is my evaluation:\n```json\n" + json.dumps(GOOD) + "\n```",
    "Sure. " + json.dumps(GOOD) + " Hope this helps!",
    json.dumps({**GOOD, "reason": "a } brace and a \" quote inside"}),
])
def test_valid_verdicts_parse(text):
    verdict = judge.parse_verdict(text)
    assert verdict.ok, verdict.error
    assert verdict.scores == {"relevance": 5, "groundedness": 2, "context_utilization": 3}
    assert verdict.passes("relevance") is True and verdict.passes("groundedness") is False


@pytest.mark.parametrize("text, error", [
    ("The answer is correct and grounded.", "no JSON object"),
    ("", "no JSON object"),
    ('{"relevance": 5, "groundedness": 4,', "no JSON object"),
    ("{'relevance': 5}", "not valid JSON"),
    (json.dumps({**GOOD, "groundedness": 7}), "schema: groundedness: 7 is greater than the maximum of 5"),
    (json.dumps({**GOOD, "relevance": "high"}), "schema: relevance: 'high' is not of type 'integer'"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "context_utilization"}), "'context_utilization' is a required"),
    (json.dumps({**GOOD, "relevance": 4.5}), "is not of type 'integer'"),
    ('{"relevance": 4} then ' + json.dumps(GOOD), "'groundedness' is a required property"),
    ("[1, 2, 3]", "no JSON object"),
])
def test_invalid_verdicts_fail_with_a_reason_and_never_raise(text, error):
    verdict = judge.parse_verdict(text)
    assert not verdict.ok
    assert error in verdict.error
    assert verdict.passes("groundedness") is None


def test_prefill_prompt_ends_with_an_assistant_turn_without_trailing_space():
    prompt = judge.judge_prompt("q?", "[a] A\ntext", "an answer", prefill=True)
    assert prompt.messages[-1] == {"role": "assistant", "content": judge.JSON_PREFILL}
    assert prompt.stop == [judge.JSON_END] and judge.judge_prompt("q?", "c", "a").stop == []
    assert not judge.JSON_PREFILL.endswith((" ", "\n"))
    assert judge.judge_prompt("q?", "c", "a").messages[-1]["role"] == "user"
    parsed = prompt.parser(judge.JSON_PREFILL + ' 4, "groundedness": 5, "context_utilization": 4, "reason": "x"}')
    assert parsed.ok and parsed.value.scores["relevance"] == 4


def test_judge_answers_counts_bad_replies_as_failures(monkeypatch):
    import helpers.prompting.evaluation

    replies = [(json.dumps(GOOD), "end_turn"), ("I think it is fine.", "max_tokens"),
               (' 4, "groundedness": 5, "context_utilization": 5, "reason": "x"', "stop_sequence")]
    seen = []

    def fake_run_prompts(prompts, **kwargs):
        seen.extend(prompts)
        return [{"text": r, "stop_reason": why, "model_answered": "m", "input_tokens": 10, "output_tokens": 5,
                 "latency_s": 0.1, "cost_usd": 0.0} for r, why in replies]

    monkeypatch.setattr(helpers.prompting.evaluation, "run_prompts", fake_run_prompts)
    items = [{"id": i, "question": "q", "context": "c", "answer": "a"} for i in range(3)]
    table = judge.judge_answers(items, prefill=True)
    # a model that restarts the object after the prefill still yields its (balanced) object; the third reply
    # completes the prefilled '{"relevance":' and stopped at the "}" the API strips
    assert table["judge_ok"].tolist() == [True, False, True]
    assert table.loc[2, "judge_raw"].endswith('"x"}') and table.loc[2, "relevance"] == 4
    assert pd.isna(table.loc[1, "groundedness"]) and "no JSON" in table.loc[1, "judge_error"]
    assert table.loc[2, "judge_raw"].startswith(judge.JSON_PREFILL)
    assert all(p.prefill == judge.JSON_PREFILL for p in seen)


def test_judge_answers_rejects_items_without_text():
    with pytest.raises(ValueError, match=r"judge item 0 \(x\) lacks text for \['context'\]"):
        judge.judge_answers([{"id": "x", "question": "q", "answer": "a"}])


def test_local_judge_returns_a_row_whatever_the_model_says():
    item = {"id": "t", "question": "How long is the refund window?", "context": "[pol-refunds] Refunds\n"
            "Monthly charges are refunded within 14 days.", "answer": "Within 14 days [pol-refunds]."}
    table = judge.judge_answers([item], provider="local", max_tokens=24, prefill=True)
    row = table.iloc[0]
    assert row["judge_model"] and row["judge_input_tokens"] > 100 and row["judge_output_tokens"] > 0
    assert row["judge_ok"] == judge.parse_verdict(row["judge_raw"]).ok
    assert row["judge_ok"] or row["judge_error"]


# --- agreement -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gold, predicted", [
    ([True, True, False, False, True], [True, False, False, True, True]),
    ([True] * 6 + [False] * 4, [True] * 8 + [False] * 2),
    ([1, 2, 3, 1, 2, 3], [1, 2, 3, 3, 2, 1]),
])
def test_kappa_matches_sklearn(gold, predicted):
    assert agreement.cohen_kappa(gold, predicted) == pytest.approx(cohen_kappa_score(gold, predicted))


def test_kappa_edge_cases():
    gold = [True, True, False, True]
    assert agreement.cohen_kappa(gold, gold) == pytest.approx(1.0)
    assert agreement.cohen_kappa(gold, [True] * 4) == pytest.approx(0.0)
    assert agreement.cohen_kappa(gold, [None] * 4) == pytest.approx(0.0)  # failed verdicts never agree
    assert agreement.cohen_kappa(gold, [not g for g in gold]) < 0
    with pytest.raises(ValueError, match="equally long"):
        agreement.cohen_kappa([True], [True, False])


def test_yes_no_thresholds_and_failed_verdicts():
    verdicts = pd.DataFrame({"id": [1, 2, 3], "judge_ok": [True, True, False], "relevance": [4, 3, None],
                             "groundedness": [5, 1, None]})
    out = agreement.yes_no(verdicts)
    assert out["grounded"].tolist() == [True, False, None]
    assert out["relevant"].tolist() == [True, False, None]


def _labels():
    rows = []
    for i, (kind, grounded) in enumerate([("correct", True), ("correct", True), ("hallucination", False),
                                          ("hallucination", False), ("partial", True)]):
        rows.append({"id": f"l{i}", "kind": kind, "grounded": grounded, "relevant": True})
    return rows


def test_agreement_counts_catches_false_alarms_and_failures():
    judged = pd.DataFrame({"id": [f"l{i}" for i in range(5)], "judge_ok": [True, True, True, False, True],
                           "grounded": [True, False, False, None, True], "relevant": [True, True, True, None, True]})
    result = agreement.agreement(_labels(), judged, judge="j")
    assert result["valid_json"] == pytest.approx(0.8)
    assert result["grounded_agreement"] == pytest.approx(3 / 5)
    assert result["caught"] == pytest.approx(0.5)          # l2 caught, l3 failed (not a catch)
    assert result["false_alarms"] == pytest.approx(1 / 3)  # l1
    assert result["relevant_agreement"] == pytest.approx(4 / 5)
    gold = [True, True, False, False, True]
    assert result["grounded_kappa"] == pytest.approx(agreement.cohen_kappa(gold, [True, False, False, None, True]))


def test_agreement_needs_every_verdict_and_skips_criteria_without_opinion():
    judged = pd.DataFrame({"id": ["l0"], "judge_ok": [True], "grounded": [True], "relevant": [None]})
    with pytest.raises(ValueError, match="no verdict for"):
        agreement.agreement(_labels(), judged, judge="j")
    overlap = agreement.overlap_judge([{"id": f"l{i}", "answer": "a", "context": "a"} for i in range(5)])
    result = agreement.agreement(_labels(), overlap, judge="overlap")
    assert math.isnan(result["relevant_kappa"]) and not math.isnan(result["grounded_kappa"])


def test_unsupported_numbers_and_words():
    context = "Refunds within **14 days**. Annual seats cost 3,790 dollars. Fixed in release 4.2.1 for everyone."
    assert agreement.unsupported("Within 14 days [pol-refunds].", context)["numbers"] == []
    assert agreement.unsupported("It costs 3790 dollars.", context)["numbers"] == []
    assert agreement.unsupported("Within 21 days.", context)["numbers"] == ["21"]
    assert agreement.unsupported("Fixed in release 4.2.", context)["numbers"] == ["4.2"]
    found = agreement.unsupported("Kiosk mode shows refunds.", context)
    assert "kiosk" in found["missing_words"] and found["word_support"] < 1


def test_overlap_judge_rules():
    context = "Monthly charges are refunded within 14 days of the charge date by the workspace owner."
    items = [{"id": 1, "answer": "Refunded within 14 days of the charge date [pol-refunds].", "context": context},
             {"id": 2, "answer": "Refunded within 21 days of the charge date.", "context": context},
             {"id": 3, "answer": "Pulseboard offers native mobile applications with offline dashboards.",
              "context": context},
             {"id": 4, "answer": "The documents do not say which scope this endpoint needs.", "context": context}]
    assert agreement.overlap_judge(items)["grounded"].tolist() == [True, False, False, True]


def test_label_items_use_only_context_documents(kb, labels):
    items = agreement.label_items(labels[:6], kb, max_words=200)
    for label, item in zip(labels[:6], items):
        cited = {part.split("\n", 1)[0].split("]")[0][1:] for part in item["context"].split("\n\n")}
        assert cited and cited <= set(label["context_doc_ids"])
        assert item["answer"] == label["answer"]
    bad = [dict(labels[0], context_doc_ids=["no-such-doc"])]
    with pytest.raises(ValueError, match="no-such-doc"):
        agreement.label_items(bad, kb)


def test_numbers_exercise_checker(kb):
    from helpers.rag.exercises import verify

    assert verify("06.numbers_grounded", (lambda a, c: not agreement.unsupported(a, c)["numbers"], kb))[0]
    assert not verify("06.numbers_grounded", (lambda a, c: True, kb))[0]
    assert not verify("06.numbers_grounded", (lambda a, c: False, kb))[0]
    assert not verify("06.numbers_grounded", None)[0]


# --- long context ----------------------------------------------------------------------------------------------

def _words(text):
    return len(text.split())


def test_stuffed_prompt_keeps_gold_and_budget(kb):
    q = {"id": "q", "question": "How long is the refund window?", "gold_doc_ids": ["pol-refunds", "faq-billing-plans"]}
    prompt, ids = longcontext.stuffed_prompt(q, kb, _words, budget_tokens=3000, seed=1)
    assert {"pol-refunds", "faq-billing-plans"} <= set(ids)
    assert sum(_words(kb[d].text) + 12 for d in ids) <= 3000
    content = prompt.messages[0]["content"]
    assert all(f"[{d}]" in content for d in ids) and kb["pol-refunds"].text.split()[-1] in content
    every, all_ids = longcontext.stuffed_prompt(q, kb, _words, budget_tokens=None)
    assert sorted(all_ids) == sorted(kb.ids)
    with pytest.raises(ValueError, match="raise budget_tokens"):
        longcontext.stuffed_prompt(q, kb, _words, budget_tokens=50)


def test_corpus_cost_table_uses_registry_prices_and_windows():
    table = longcontext.corpus_cost_table(70_000, 900, output_tokens=120)
    local = registry.default_model("local")
    assert not table.loc[local, "corpus_fits"]
    model = registry.default_model("anthropic")
    info = registry.get(model)
    assert table.loc[model, "corpus_fits"] == (70_120 <= info.context_window)
    assert table.loc[model, "$ per question, stuffed"] == pytest.approx(info.cost(70_000, 120))
    assert table.loc[model, "$ per question, RAG"] == pytest.approx(info.cost(900, 120))
    assert table.loc[model, "stuffed / RAG"] > 1


# --- per-query metrics -----------------------------------------------------------------------------------------

def _answers():
    return pd.DataFrame([
        {"id": "a", "type": "paraphrase", "question": "q1", "gold": ["d1"], "retrieved": ["d1", "d2"], "answer": "x",
         "correct": True, "cites_gold": True, "says_not_in_docs": False, "retrieval_s": 0.01, "generation_s": 1.0,
         "input_tokens": 800, "output_tokens": 40, "cost_usd": 0.0, "model_answered": "smollm2-135m-instruct"},
        {"id": "b", "type": "unanswerable", "question": "q2", "gold": [], "retrieved": ["d3"],
         "answer": "not in the docs",
         "correct": True, "cites_gold": False, "says_not_in_docs": True, "retrieval_s": 0.03, "generation_s": 3.0,
         "input_tokens": 600, "output_tokens": 10, "cost_usd": 0.0, "model_answered": "smollm2-135m-instruct"}])


def test_from_answers_and_summary():
    table = ragmetrics.from_answers(_answers(), pipeline="p")
    assert table.loc[0, "retrieval_ms"] == pytest.approx(10) and table.loc[1, "generation_ms"] == pytest.approx(3000)
    assert table["answerable"].tolist() == [True, False]
    table["judge_ok"] = [True, False]
    table["relevance"], table["groundedness"], table["context_utilization"] = [4, None], [5, None], [3, None]
    summary = ragmetrics.summarise(table, price_model=registry.default_model("openai")).loc["p"]
    assert summary["judge_valid"] == 0.5 and summary["groundedness"] == 5
    assert summary["refuses_unanswerable"] == 1.0 and summary["cites_gold"] == 1.0
    assert summary["$ per 1,000"] == pytest.approx(1000 * registry.cost_usd(registry.default_model("openai"), 700, 25))
