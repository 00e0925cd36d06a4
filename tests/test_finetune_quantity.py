"""helpers.finetune.quantity: the nested files, steps, intervals and tables of notebook 07's data-quantity curve
(no model: scores are made up, jobs are a fake client)."""

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers import stats as course_stats
from helpers.finetune import quantity


def lines(n, tag="l"):
    return [json.dumps({"messages": [{"role": "user", "content": f"{tag}{i}"}]}) for i in range(n)]


def test_curve_sizes_sorts_drops_sizes_at_or_above_the_largest_and_refuses_tiny_files():
    assert quantity.curve_sizes((32, 10, 16), 72) == [10, 16, 32, 72]
    assert quantity.curve_sizes((10, 16, 80), [72, 95]) == [10, 16, 72, 95]
    assert quantity.curve_sizes((10, 72), 72) == [10, 72]
    assert quantity.curve_sizes((), 12) == [12]
    with pytest.raises(ValueError, match="at least 10"):
        quantity.curve_sizes((8, 16), 72)  # the API refuses a file of fewer than ten examples
    with pytest.raises(ValueError):
        quantity.curve_sizes((10,), [])


def test_with_rest_puts_the_first_file_first_and_keeps_the_pool_as_a_multiset():
    pool = ["a", "b", "a", "c", "d", "b"]  # exports hold exact duplicates
    first = ["b", "a", "a"]
    whole = quantity.with_rest(first, pool)
    assert whole[:3] == first
    assert whole[3:] == ["b", "c", "d"]  # what is left, in the pool's order: one of the two "b" lines
    assert sorted(whole) == sorted(pool)
    with pytest.raises(ValueError, match="not in the pool"):
        quantity.with_rest(["a", "a", "a"], pool)


def test_prefixes_are_nested_and_written_one_file_per_size(tmp_path):
    rows = lines(20)
    subsets = quantity.prefixes(rows, [10, 15, 20])
    assert [len(s) for s in subsets.values()] == [10, 15, 20]
    assert subsets[15][:10] == subsets[10] and subsets[20] == rows
    with pytest.raises(ValueError, match="between 1 and 20"):
        quantity.prefixes(rows, [21])
    files = quantity.write_prefixes(rows, [10, 20], tmp_path, "curve_clean")
    assert files[10].name == "curve_clean.10.jsonl"
    assert files[10].read_text().splitlines() == rows[:10]
    assert quantity.write_prefixes(rows, [10], tmp_path, "curve_clean")[10].read_text().splitlines() == rows[:10]


def test_training_steps_keep_the_last_partial_batch_and_scale_with_epochs():
    assert quantity.training_steps(72, 8, 1) == 9
    assert quantity.training_steps(95, 8, 1) == 12
    assert quantity.training_steps(10, 4, 3) == 9
    with pytest.raises(ValueError):
        quantity.training_steps(10, 0, 1)


def test_wilson_interval_stays_in_the_unit_interval_and_is_not_a_point_at_the_edges():
    low, high = course_stats.wilson_interval(0, 10)
    assert low == pytest.approx(0, abs=1e-12) and 0.25 < high < 0.32
    low, high = course_stats.wilson_interval(10, 10)
    assert 0.68 < low < 0.75 and high == pytest.approx(1)
    low, high = course_stats.wilson_interval(12, 24)
    assert low < 0.5 < high and (0.5 - low) == pytest.approx(high - 0.5)
    with pytest.raises(ValueError):
        course_stats.wilson_interval(3, 2)


def scores(correct, valid):
    return pd.DataFrame({"correct": correct, "json_valid": valid, "answer": ["x"] * len(correct)})


CURVE = {("clean", 0): scores([0, 0, 0, 0], [0, 0, 0, 0]), ("noisy", 0): scores([0, 0, 0, 0], [0, 0, 0, 0]),
         ("clean", 10): scores([1, 0, 0, 0], [1, 1, 1, 0]), ("clean", 20): scores([1, 1, 0, 0], [1, 1, 1, 1]),
         ("noisy", 10): scores([0, 0, 0, 0], [1, 0, 0, 0]), ("noisy", 20): scores([1, 0, 0, 0], [1, 1, 0, 0]),
         ("noisy", 30): scores([1, 0, 1, 0], [1, 1, 1, 0])}


def test_curve_table_has_a_row_per_point_and_metric_with_steps_problems_and_intervals():
    table = quantity.curve_table(CURVE, batch_size=8, n_epochs=1, problems={("noisy", 10): 2, ("noisy", 20): 5})
    assert len(table) == len(CURVE) * len(quantity.METRICS)
    row = table[(table["lines"] == "clean") & (table["examples"] == 20) & (table["metric"] == "ticket accuracy")]
    row = row.iloc[0]
    assert row["score"] == 0.5 and row["steps"] == 3 and row["tickets"] == 4 and row["lines with problems"] == 0
    assert row["low"] < 0.5 < row["high"] and row["minus"] == pytest.approx(0.5 - row["low"])
    base = table[table["examples"] == 0]
    assert (base["steps"] == 0).all() and (base["lines with problems"] == 0).all()
    noisy = table[(table["lines"] == "noisy") & (table["metric"] == "ticket JSON valid")].set_index("examples")
    assert noisy.loc[20, "lines with problems"] == 5 and pd.isna(noisy.loc[30, "lines with problems"])
    assert noisy.loc[30, "steps"] == 4


def test_curve_summary_and_figure():
    table = quantity.curve_table(CURVE, batch_size=8, n_epochs=1)
    summary = quantity.curve_summary(table)
    assert summary.loc[("clean", 20), "ticket accuracy"].startswith("0.50 [")
    assert list(summary.columns[:2]) == ["steps", "lines with problems"]
    fig = quantity.curve_figure(table, title="t")
    assert len(fig.data) == 4  # clean and noisy, in each of the two metric panels
    assert all(trace.error_y.array is not None for trace in fig.data)
    clean = next(t for t in fig.data if t.name == "clean")
    assert max(clean.x) < 20  # nudged left of its size so the noisy bar beside it stays visible


def test_claim_table_gives_a_paired_verdict_per_pair_and_metric_and_sentences_render_them():
    claims = quantity.claim_table(CURVE, [(("clean", 20), ("noisy", 30)), (("clean", 10), ("noisy", 30))])
    assert len(claims) == 4
    row = claims.loc[("clean x 20", "noisy x 30", "ticket accuracy")]
    assert row["difference"] == 0 and row["beats the baseline?"] == "inconclusive"
    assert set(claims["beats the baseline?"]) <= {"held", "not held", "inconclusive"}
    sentences = quantity.claim_sentences(claims)
    assert len(sentences) == 4
    assert sentences[0].startswith("clean x 20 beats noisy x 30 on ticket accuracy? 0.50 vs 0.50")
    assert "no gap" in sentences[0]
    assert quantity.label("noisy", 0) == "base (no training)"
    with pytest.raises(ValueError):
        quantity.claim_table(CURVE, [])


def test_claim_pairs_put_the_seeds_comparisons_first_and_skip_a_point_against_itself():
    assert quantity.claim_pairs({"clean": [10, 16, 72], "noisy": [10, 72, 95]}) == [
        (("clean", 72), ("noisy", 95)), (("clean", 10), ("noisy", 95)), (("clean", 72), ("clean", 10))]
    assert quantity.claim_pairs({"clean": [16], "noisy": [16, 23]}) == [(("clean", 16), ("noisy", 23))]


class FakeJobs:
    def __init__(self, statuses):
        self.statuses = statuses
        self.created = []

    def create(self, **body):
        self.created.append(body)
        return SimpleNamespace(id=f"ftjob-{len(self.created)}", status="validating_files")

    def retrieve(self, job_id):
        status = self.statuses[job_id].pop(0) if len(self.statuses[job_id]) > 1 else self.statuses[job_id][0]
        error = SimpleNamespace(message="Training file has 8 example(s), but must have at least 10 examples.")
        return SimpleNamespace(id=job_id, status=status, fine_tuned_model=f"ft:{job_id}",
                               error=error if status == "failed" else SimpleNamespace())


def fake_client(statuses):
    uploads = []
    files = SimpleNamespace(create=lambda file, purpose: uploads.append((file.read(), purpose))
                            or SimpleNamespace(id=f"file-{len(uploads)}"))
    return SimpleNamespace(files=files, fine_tuning=SimpleNamespace(jobs=FakeJobs(statuses))), uploads


def test_start_job_uploads_and_creates_with_the_hyperparameters_and_wait_for_waits_for_every_job(tmp_path):
    client, uploads = fake_client({"ftjob-1": ["running", "succeeded"], "ftjob-2": ["queued", "running", "succeeded"]})
    path = quantity.write_prefixes(lines(12), [10], tmp_path, "c")[10]
    hyper = {"n_epochs": 1, "batch_size": 8, "learning_rate_multiplier": 2.0}
    jobs = [quantity.start_job(client, path, model="gpt-4.1-mini", suffix=f"curve-clean-{i}", hyperparameters=hyper)
            for i in (1, 2)]
    assert uploads[0] == (path.read_bytes(), "fine-tune")
    body = client.fine_tuning.jobs.created[0]
    assert body["training_file"] == "file-1" and body["seed"] == 7
    assert body["method"]["supervised"]["hyperparameters"] == hyper
    done = quantity.wait_for(client, [j.id for j in jobs], every=0, progress=False)
    assert {k: v.fine_tuned_model for k, v in done.items()} == {"ftjob-1": "ft:ftjob-1", "ftjob-2": "ft:ftjob-2"}


def test_wait_for_raises_with_the_jobs_own_reason():
    client, _ = fake_client({"ftjob-9": ["failed"]})
    with pytest.raises(RuntimeError, match="ended failed: Training file has 8 example"):
        quantity.wait_for(client, ["ftjob-9"], every=0, progress=False)
