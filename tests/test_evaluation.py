"""Metrics on hand-computed cases, the evaluation cache, and evaluate() end to end on the local model."""

import pytest

from helpers import datasets
from helpers.prompting import evaluation
from helpers.prompting import patterns as prompting
from helpers.prompting.patterns import Prompt

LABELS = ["A", "B", "C"]


def test_accuracy_and_macro_f1_hand_computed():
    gold = ["A", "A", "B", "C"]
    pred = ["A", "B", "B", None]
    assert evaluation.accuracy(gold, pred) == 0.5
    # A: tp1 fp0 fn1 -> 2/3 ; B: tp1 fp1 fn0 -> 2/3 ; C: tp0 -> 0  => mean 4/9
    assert evaluation.macro_f1(gold, pred, LABELS) == pytest.approx(4 / 9)
    assert evaluation.macro_f1(gold, gold, LABELS) == 1.0
    assert evaluation.accuracy([], []) == 0.0


def test_macro_f1_agrees_with_scikit_learn():
    from sklearn.metrics import f1_score

    gold = ["A", "B", "C", "A", "B", "C", "A"]
    pred = ["A", "C", "C", "B", "B", "A", "A"]
    assert evaluation.macro_f1(gold, pred, LABELS) == pytest.approx(
        f1_score(gold, pred, labels=LABELS, average="macro", zero_division=0))


def test_confusion_matrix_counts_unparsed():
    table = evaluation.confusion_matrix(["A", "A", "B"], ["A", None, "A"], LABELS)
    assert table.loc["A", "A"] == 1 and table.loc["A", "(none)"] == 1 and table.loc["B", "A"] == 1
    assert table.values.sum() == 3


def test_dollars_per_1000_uses_registry_prices():
    from helpers import registry

    series = evaluation.dollars_per_1000(1000, 10)
    haiku = registry.get("claude-haiku-5-5")
    assert series["claude-haiku-5-5"] == pytest.approx(1000 * haiku.cost(1000, 10))
    assert series["smollm2-135m-instruct"] == 0.0


def _prompt(ticket):
    return Prompt(system="Reply with: Category: <LABEL>", parser=prompting.parse_category_line, max_tokens=6,
                  messages=[{"role": "user", "content": ticket["text"]}, {"role": "assistant", "content": "Category:"}])


def test_evaluate_end_to_end_and_cache(engine, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    sample = datasets.tickets("test")[:3]
    first = evaluation.evaluate(_prompt, sample, name="t", labels=datasets.TICKET_LABELS, progress=False)
    assert len(first.results) == 3 and not first.results["cached"].any()
    assert set(first.summary) >= {"accuracy", "macro_f1", "format_valid", "input_tokens", "latency_p50_s"}
    assert first.results["input_tokens"].min() > 0
    again = evaluation.evaluate(_prompt, sample, name="t", labels=datasets.TICKET_LABELS, progress=False)
    assert again.results["cached"].all()
    assert list(again.results["output"]) == list(first.results["output"])
    # the prefill is part of what the parser sees
    assert all(o is not None for o in again.results["output"])


def test_sampled_runs_are_not_cached(engine, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    sample = datasets.tickets("test")[:2]
    evaluation.evaluate(_prompt, sample, name="t", labels=datasets.TICKET_LABELS, temperature=0.7,
                        provider="local", model="claude-haiku-4-5", progress=False)
    assert not (tmp_path / "evaluations").exists()


def test_damaged_cache_entry_is_recomputed(engine, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    sample = datasets.tickets("test")[:1]
    evaluation.evaluate(_prompt, sample, name="t", progress=False)
    [entry] = list((tmp_path / "evaluations").rglob("*.json"))
    entry.write_text("{not json")
    rerun = evaluation.evaluate(_prompt, sample, name="t", progress=False)
    assert not rerun.results["cached"].any()


def test_sample_is_stratified_and_reproducible():
    rows = [{"label": "A"}] * 80 + [{"label": "B"}] * 20
    picked = datasets.sample(rows, 10, seed=3, stratify="label")
    assert len(picked) == 10 and sum(r["label"] == "B" for r in picked) == 2
    assert datasets.sample(rows, 10, seed=3, stratify="label") == picked
    assert datasets.sample(rows, None) == rows


def test_label_definitions_cover_every_label():
    text = datasets.label_definitions()
    assert all(f"- {label}:" in text for label in datasets.TICKET_LABELS)


def test_cached_json_computes_once_per_key_and_recomputes_damaged_files(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"rows": [1, 2], "n": len(calls)}

    assert evaluation.cached_json("demo", {"weights": "a"}, compute) == ({"rows": [1, 2], "n": 1}, False)
    assert evaluation.cached_json("demo", {"weights": "a"}, compute) == ({"rows": [1, 2], "n": 1}, True)
    assert evaluation.cached_json("demo", {"weights": "b"}, compute)[1] is False and len(calls) == 2
    assert evaluation.lookup_result("other", {"weights": "a"}) == (False, None)  # namespaces are separate
    for path in (tmp_path / "evaluations" / "demo").rglob("*.json"):
        path.write_text("{half a fi")
    assert evaluation.cached_json("demo", {"weights": "a"}, compute) == ({"rows": [1, 2], "n": 3}, False)
    evaluation.store_result("demo", {"weights": "none"}, None)  # a stored None is a result, not a miss
    assert evaluation.lookup_result("demo", {"weights": "none"}) == (True, None)
