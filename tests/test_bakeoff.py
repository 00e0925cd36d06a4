"""The bake-off machinery (helpers.bakeoff.harness) on deterministic fake strategies: aggregation, the result cache and its
invalidation, RUN_ALL, skipped cells, verdict rules and bad input."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from helpers import registry
from helpers.bakeoff import harness as bakeoff
from helpers.bakeoff.harness import BakeOff, Claim, Outcome, ResultCache, SkipCell, Task


def fake_rows(correct, *, fmt=None, hall=None, tokens=(100, 10), latency=None):
    """Rows as a strategy returns them, from lists of per-example values."""
    n = len(correct)
    fmt = fmt or [True] * n
    hall = hall or [None] * n
    latency = latency or [0.5] * n
    return [{"id": f"x{i}", "correct": float(c), "format_ok": f, "hallucinated": h, "input_tokens": tokens[0],
             "output_tokens": tokens[1], "latency_s": s, "cost_usd": 0.0}
            for i, (c, f, h, s) in enumerate(zip(correct, fmt, hall, latency))]


class Counter:
    """A fake strategy that remembers how often it ran."""

    def __init__(self, outcome):
        self.outcome, self.calls = outcome, 0

    def __call__(self, examples):
        self.calls += 1
        return self.outcome(examples) if callable(self.outcome) else self.outcome


EXAMPLES = [{"id": f"x{i}", "text": f"example {i}"} for i in range(4)]


@pytest.fixture()
def cache(tmp_path):
    return ResultCache(tmp_path / "results")


def test_aggregation_of_one_cell(cache):
    bake = BakeOff(cache=cache)
    bake.add_task(Task("qa", EXAMPLES, hallucination_name="answered the unanswerable"))
    rows = fake_rows([1, 0, 1, 1], fmt=[True, False, True, True], hall=[None, True, False, None],
                     latency=[0.1, 0.2, 0.3, 10.0])
    bake.add("qa", "prompt", "prompt", Counter(Outcome(rows=rows, answered_by="fake")))
    bake.run(log=lambda _: None)
    row = bake.table().iloc[0]
    assert row["quality"] == pytest.approx(0.75)
    assert row["format_valid"] == pytest.approx(0.75)
    assert row["hallucination"] == pytest.approx(0.5)  # None rows do not count
    assert row["latency_p50_s"] == pytest.approx(0.25)  # the median, untouched by the 10 s outlier
    claude, gpt = registry.default_model("anthropic"), registry.default_model("openai")
    assert row[f"$/1k {claude}"] == pytest.approx(1000 * registry.cost_usd(claude, 100, 10))
    assert row[f"$/1k {gpt}"] == pytest.approx(1000 * registry.cost_usd(gpt, 100, 10))
    assert row["$/1k paid"] == 0.0 and row["setup_s"] == 0.0 and row["answered_by"] == "fake"


def test_custom_quality_and_tuned_prices_and_setup(cache):
    bake = BakeOff(cache=cache)
    bake.add_task(Task("t", EXAMPLES, quality_name="share of x0", quality=lambda r: (r["id"] == "x0").mean()))
    setup = {"seconds": 3600.0, "trained_tokens": 2_000_000}
    bake.add("t", "lora", "finetune", Counter(Outcome(rows=fake_rows([0, 0, 0, 0]), setup=setup, tuned=True)))
    bake.run(log=lambda _: None)
    row = bake.table().iloc[0]
    assert row["quality"] == pytest.approx(0.25)
    gpt = registry.models()[registry.default_fine_tuning_base("openai", on=registry.as_of())]
    assert math.isnan(row[f"$/1k {registry.default_model('openai')}"])  # the chat default is not what was tuned
    assert row[f"$/1k {gpt.id} (tuned)"] == pytest.approx(
        (100 * gpt.finetuned_input_usd_per_mtok + 10 * gpt.finetuned_output_usd_per_mtok) / 1000)
    assert math.isnan(row[f"$/1k {registry.default_model('anthropic')}"])  # no fine-tuning API to price
    assert row["setup_api_usd"] == pytest.approx(2.0 * gpt.training_usd_per_mtok)
    cheapest = min(r["usd_per_hour"] for r in registry.gpu_hour_prices())
    assert row["setup_gpu_usd_max"] == pytest.approx(cheapest)  # one hour of the cheapest GPU


def test_cache_hit_settings_change_examples_change_and_run_all(cache):
    strategy = Counter(lambda ex: Outcome(rows=fake_rows([1] * len(ex))))

    def run(examples=EXAMPLES, settings=None, run_all=False):
        bake = BakeOff(cache=cache, run_all=run_all)
        bake.add_task(Task("qa", examples))
        bake.add("qa", "s", "prompt", strategy, settings=settings or {"lr": 1})
        return bake.run(log=lambda _: None)[("qa", "s")]

    assert not run().cached and strategy.calls == 1
    again = run()
    assert again.cached and strategy.calls == 1 and again.rows["correct"].tolist() == [1.0] * 4
    assert not run(settings={"lr": 2}).cached and strategy.calls == 2  # settings are part of the key
    assert not run(examples=EXAMPLES[:3]).cached and strategy.calls == 3  # so is the data
    assert not run(run_all=True).cached and strategy.calls == 4  # RUN_ALL recomputes ...
    assert run().cached and strategy.calls == 4  # ... and overwrites the cached record


def test_backend_is_part_of_the_key(cache):
    strategy = Counter(Outcome(rows=fake_rows([1, 1, 1, 1])))
    for backend, expected_calls in (("local:a", 1), ("local:a", 1), ("anthropic", 2)):
        bake = BakeOff(cache=cache, backend=backend)
        bake.add_task(Task("qa", EXAMPLES))
        bake.add("qa", "s", "prompt", strategy)
        bake.run(log=lambda _: None)
        assert strategy.calls == expected_calls


def test_damaged_cache_record_is_recomputed(cache):
    strategy = Counter(Outcome(rows=fake_rows([1, 1, 1, 1])))
    bake = BakeOff(cache=cache)
    bake.add_task(Task("qa", EXAMPLES))
    bake.add("qa", "s", "prompt", strategy)
    bake.run(log=lambda _: None)
    [path] = list(cache.root.glob("*.json"))
    path.write_text("{not json", encoding="utf-8")
    assert not bake.run(log=lambda _: None)[("qa", "s")].cached and strategy.calls == 2
    assert json.loads(path.read_text(encoding="utf-8"))["strategy"] == "s"


def test_skipped_cell_says_why_and_is_not_cached(cache):
    def needs_key(examples):
        raise SkipCell("no OPENAI_API_KEY found")

    messages = []
    bake = BakeOff(cache=cache)
    bake.add_task(Task("qa", EXAMPLES))
    bake.add("qa", "api", "finetune", needs_key)
    cell = bake.run(log=messages.append)[("qa", "api")]
    assert cell.status == "skipped" and "OPENAI_API_KEY" in cell.reason
    assert any("skipped" in m and "OPENAI_API_KEY" in m for m in messages)  # printed, never silent
    assert list(cache.root.glob("*.json")) == []
    row = bake.table().iloc[0]
    assert row["status"] == "skipped" and "OPENAI_API_KEY" in row["note"]


def test_bad_input_is_refused(cache):
    bake = BakeOff(cache=cache)
    bake.add_task(Task("qa", EXAMPLES))
    with pytest.raises(ValueError, match="twice"):
        bake.add_task(Task("qa", EXAMPLES))
    with pytest.raises(ValueError, match="unknown task"):
        bake.add("nope", "s", "prompt", lambda ex: None)
    with pytest.raises(ValueError, match="family"):
        bake.add("qa", "s", "magic", lambda ex: None)
    bake.add("qa", "short", "prompt", lambda ex: Outcome(rows=fake_rows([1])))
    with pytest.raises(ValueError, match="1 rows for 4 examples"):
        bake.run(log=lambda _: None)
    bad = BakeOff(cache=cache)
    bad.add_task(Task("qa", EXAMPLES))
    bad.add("qa", "no-latency", "prompt",
            lambda ex: Outcome(rows=[{k: v for k, v in r.items() if k != "latency_s"} for r in fake_rows([1] * 4)]))
    with pytest.raises(ValueError, match="latency_s"):
        bad.run(log=lambda _: None)


def test_noise_and_compare():
    assert bakeoff.noise(0.0, 0.0, 10) == pytest.approx(0.1)  # never below one example
    assert bakeoff.noise(0.5, 0.5, 100) == pytest.approx(1.96 * math.sqrt(0.5 / 100))
    assert bakeoff.compare(0.9, 0.1, 20) == "higher"
    assert bakeoff.compare(0.1, 0.9, 20) == "lower"
    assert bakeoff.compare(0.55, 0.5, 20) == "tie"
    assert bakeoff.compare(0.2, 0.1, 10) == "tie"  # one example out of ten on a noisy estimate
    assert bakeoff.compare(float("nan"), 0.1, 10) == "missing"


def table_of(cells):
    return pd.DataFrame([{"task": t, "strategy": s, "family": f, "status": "ok", "n": n, "quality": q,
                          "format_valid": fv} for t, s, f, n, q, fv in cells])


def test_verdicts_held_not_held_inconclusive_and_not_measured():
    table = table_of([("qa", "prompt-only", "prompt", 40, 0.10, 0.9), ("qa", "RAG", "rag", 40, 0.60, 0.9),
                      ("qa", "LoRA", "finetune", 40, 0.12, 0.5), ("qa", "LoRA + RAG", "hybrid", 40, 0.55, 0.8)])
    claims = [Claim("RAG for knowledge", "qa", "RAG", "prompt-only"),
              Claim("fine-tuning for knowledge is a mistake", "qa", "RAG", "LoRA"),
              Claim("fine-tuning beats prompting on format", "qa", "LoRA", "prompt-only", metric="format_valid"),
              Claim("combine", "qa", "LoRA + RAG", "best:prompt,rag,finetune"),
              Claim("combine, no worse", "qa", "LoRA + RAG", "best:prompt,rag,finetune", held_if="not lower"),
              Claim("API fine-tune", "qa", "API fine-tune", "prompt-only")]
    out = bakeoff.verdicts(claims, table).set_index("claim")["verdict"]
    assert out["RAG for knowledge"] == "held"
    assert out["fine-tuning for knowledge is a mistake"] == "held"
    assert out["fine-tuning beats prompting on format"] == "not held"
    assert out["combine"] == "inconclusive"  # 0.55 vs the best single, RAG's 0.60, on 40 questions
    assert out["combine, no worse"] == "held (within noise)"  # a tie is only weak support
    assert out["API fine-tune"] == "not measured"
    evidence = bakeoff.verdicts(claims[:1], table)["evidence"].iloc[0]
    assert "RAG 0.600" in evidence and "prompt-only 0.100" in evidence and "n=40" in evidence


def test_best_of_families_ignores_skipped_cells():
    table = table_of([("t", "zero-shot", "prompt", 30, 0.2, 1.0), ("t", "few-shot", "prompt", 30, 0.7, 1.0),
                      ("t", "LoRA", "finetune", 30, 0.3, 1.0)])
    table.loc[len(table)] = {"task": "t", "strategy": "API", "family": "finetune", "status": "skipped"}
    verdict = bakeoff.judge(Claim("prompts first", "t", "best:prompt", "best:finetune", held_if="not lower"), table)
    assert verdict["verdict"] == "held" and "few-shot 0.700" in verdict["evidence"]
    lower = bakeoff.judge(Claim("prompts first", "t", "best:finetune", "best:prompt", held_if="not lower"), table)
    assert lower["verdict"] == "not held"


def test_rates_over_some_examples_use_their_own_count():
    table = table_of([("qa", "prompt-only", "prompt", 40, 0.1, 1.0), ("qa", "RAG", "rag", 40, 0.5, 1.0)])
    table["hallucination"] = [1.0, 0.5]
    table["n_hallucination"] = [4, 4]  # only the 4 unanswerable questions count
    verdict = bakeoff.judge(Claim("RAG cuts hallucination", "qa", "prompt-only", "RAG", metric="hallucination"),
                            table)
    assert verdict["verdict"] == "inconclusive" and "n=4" in verdict["evidence"]  # with n=40 it would be "held"
    table["n_hallucination"] = [40, 40]
    assert bakeoff.judge(Claim("x", "qa", "prompt-only", "RAG", metric="hallucination"), table)["verdict"] == "held"


def test_cell_metrics_count_the_examples_a_rate_covers(cache):
    bake = BakeOff(cache=cache)
    bake.add_task(Task("qa", EXAMPLES))
    bake.add("qa", "s", "prompt", lambda ex: Outcome(rows=fake_rows([1, 1, 0, 0], hall=[None, None, True, None])))
    bake.run(log=lambda _: None)
    row = bake.table().iloc[0]
    assert row["n"] == 4 and row["n_hallucination"] == 1 and row["hallucination"] == 1.0


def test_exercise_checkers_accept_right_and_refuse_wrong_answers():
    from helpers.bakeoff import exercises as ex

    def right_break_even(setup, before, after):
        saving = (before - after) / 1000
        return math.inf if saving <= 0 else setup / saving

    assert ex.verify("10.break_even", right_break_even)[0]
    assert not ex.verify("10.break_even", lambda s, b, a: s / ((b - a) / 1000 or 1e-9))[0]  # no inf case
    assert not ex.verify("10.break_even", None)[0] and not ex.verify("10.break_even", 42)[0]
    from helpers import stats

    assert ex.verify("10.mcnemar", lambda a, b: stats.paired_binary(a, b).p_value)[0]
    assert not ex.verify("10.mcnemar", lambda a, b: 0.05)[0]  # a constant is not a test


def test_cached_step_is_computed_once_per_settings(cache):
    calls = []

    def compute():
        calls.append(1)
        return {"choice": "hybrid", "seconds": 1.5}

    assert bakeoff.cached("choice", {"q": [1, 2]}, compute, cache=cache) == ({"choice": "hybrid", "seconds": 1.5},
                                                                            False)
    assert bakeoff.cached("choice", {"q": [1, 2]}, compute, cache=cache)[1] is True and len(calls) == 1
    assert bakeoff.cached("choice", {"q": [1, 3]}, compute, cache=cache)[1] is False and len(calls) == 2
    assert bakeoff.cached("choice", {"q": [1, 2]}, compute, cache=cache, run_all=True)[1] is False
    assert len(calls) == 3


def _bake_with(cache, correct_a, correct_b, *, quality=None):
    examples = [{"id": f"x{i}", "text": f"example {i}"} for i in range(len(correct_a))]
    bake = BakeOff(cache=cache)
    bake.add_task(Task("t", examples, quality=quality))
    bake.add("t", "A", "finetune", Counter(Outcome(rows=fake_rows(correct_a))))
    bake.add("t", "B", "prompt", Counter(Outcome(rows=fake_rows(correct_b))))
    bake.run(log=lambda _: None)
    return bake


def test_verdicts_are_paired_mcnemar_on_the_same_examples(cache):
    # 30 examples: A right on 25, B right on 10, B never right where A is wrong: 15 discordant pairs, all for A
    a, b = [1] * 25 + [0] * 5, [1] * 10 + [0] * 20
    table = _bake_with(cache, a, b).verdicts([Claim("A beats B", "t", "A", "B")])
    row = table.iloc[0]
    assert row["verdict"] == "held" and row["low"] > 0 and "McNemar exact" in row["evidence"]
    assert row["p"] == pytest.approx(2 * 0.5 ** 15)


def test_paired_verdicts_are_inconclusive_when_disagreements_cancel(cache, tmp_path):
    # same accuracies as an unpaired rule would call a win (0.6 vs 0.4 on 20), but 6 vs 2 discordant pairs
    a = [1] * 8 + [1] * 4 + [0] * 2 + [0] * 6
    b = [1] * 8 + [0] * 4 + [1] * 2 + [0] * 6
    verdict = _bake_with(cache, a, b).verdicts([Claim("A beats B", "t", "A", "B")]).iloc[0]
    assert verdict["verdict"] == "inconclusive" and verdict["low"] <= 0 <= verdict["high"]


def test_set_scores_use_the_paired_bootstrap(cache):
    quality = lambda rows: float(rows["correct"].mean()) ** 2  # noqa: E731  (any set-level score)
    bake = _bake_with(cache, [1] * 40, [0] * 40, quality=quality)
    row = bake.verdicts([Claim("A beats B", "t", "A", "B")]).iloc[0]
    assert row["verdict"] == "held" and "paired bootstrap" in row["evidence"]
def test_a_verdict_across_base_models_says_so(tmp_path):
    bake = BakeOff(cache=ResultCache(tmp_path / "results"))
    bake.add_task(Task("t", [{"id": i} for i in range(10)]))

    def cell(answered_by, right):
        return lambda examples: Outcome([{"id": e["id"], "correct": float(e["id"] < right), "format_ok": True,
                                          "input_tokens": 5, "output_tokens": 2, "latency_s": 0.1}
                                         for e in examples], answered_by=answered_by)

    bake.add("t", "prompt", "prompt", cell("qwen2.5-7b-instruct", 3))
    bake.add("t", "prompt [claude-haiku-5-5]", "prompt", cell("claude-haiku-5-5", 9))
    bake.add("t", "LoRA", "finetune", cell("qwen2.5-7b-instruct+lora:tickets-1a2b", 6))
    bake.run(log=lambda message: None)
    table = bake.table()
    assert list(table["base_model"]) == ["qwen2.5-7b-instruct", "claude-haiku-5-5", "qwen2.5-7b-instruct"]
    same = bake.verdicts([Claim("c", "t", "prompt", "LoRA", held_if="not lower")]).iloc[0]
    assert "different base models" not in same["verdict"] + same["evidence"]
    mixed = bake.verdicts([Claim("c", "t", "best:prompt", "LoRA", held_if="not lower")]).iloc[0]
    assert mixed["verdict"].endswith("(different base models: claude-haiku-5-5 vs qwen2.5-7b-instruct)")
    assert "different base models" in mixed["evidence"]


def test_a_share_claim_tests_a_against_that_share_of_b(cache, tmp_path):
    # A right on 19 of 20, B on all 20: A is below B but above 90% of B (0.95 vs 0.90): held only as a share claim
    a, b = [1] * 19 + [0], [1] * 20
    beats = Claim("A beats B", "t", "A", "B")
    reaches = Claim("A reaches 90% of B", "t", "A", "B", share=0.9)
    table = _bake_with(cache, a, b).verdicts([beats, reaches])
    assert table.iloc[0]["verdict"] == "inconclusive"
    row = table.iloc[1]
    assert row["diff"] == pytest.approx(0.95 - 0.9) and "90% of B" in row["evidence"]
    # 80% of B is not 90% of it: a share claim that misses its bar by a lot does not hold
    low = _bake_with(ResultCache(tmp_path / "other"), [1] * 10 + [0] * 10, b).verdicts([reaches]).iloc[0]
    assert low["verdict"] == "not held" and low["high"] < 0


def test_sizes_to_decide_names_a_size_for_each_inconclusive_claim(cache, tmp_path):
    # 6 vs 2 discordant on 20: inconclusive, with a gap McNemar can size; a share claim sizes from its interval
    a = [1] * 8 + [1] * 4 + [0] * 2 + [0] * 6
    b = [1] * 8 + [0] * 4 + [1] * 2 + [0] * 6
    bake = _bake_with(cache, a, b)
    table = bake.verdicts([Claim("A beats B", "t", "A", "B"), Claim("A reaches 90% of B", "t", "A", "B", share=0.9)])
    lines = bakeoff.sizes_to_decide(table)
    assert len(lines) == (table["verdict"] == "inconclusive").sum() >= 1
    assert "test examples would decide (this run: 20)" in lines[0]
    assert bakeoff.sizes_to_decide(table.iloc[0:0]) == []


def test_sizes_to_decide_when_every_disagreement_goes_one_way(tmp_path):
    a, b = [1] * 4 + [0] * 16, [0] * 20  # 4/0 discordant on 20: p = 0.125, inconclusive
    table = _bake_with(ResultCache(tmp_path / "r"), a, b).verdicts([Claim("A beats B", "t", "A", "B")])
    [line] = bakeoff.sizes_to_decide(table)
    assert "all 4 disagreements favour one side (4/0)" in line and "about 30 test examples" in line
