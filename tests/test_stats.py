"""helpers.stats: paired tests and the one verdict rule (values checked by hand or against scipy directly)."""

import math

import pytest
from scipy import stats as scipy_stats

from helpers import stats


def test_mcnemar_counts_only_discordant_pairs():
    # 20 examples: both right on 10, A-only right on 8, B-only right on 1, both wrong on 1
    a = [1] * 10 + [1] * 8 + [0] * 1 + [0]
    b = [1] * 10 + [0] * 8 + [1] * 1 + [0]
    c = stats.paired_binary(a, b)
    assert c.discordant == (8, 1)
    assert c.p_value == pytest.approx(scipy_stats.binomtest(8, 9, 0.5).pvalue)
    assert c.p_value == pytest.approx(2 * (1 + 9) / 2 ** 9)  # exact two-sided: 2 * P(X <= 1), X ~ Bin(9, 1/2)
    assert c.a == pytest.approx(0.9) and c.b == pytest.approx(0.55)
    assert c.low <= c.diff <= c.high


def test_identical_answers_are_a_tie_with_p_one():
    c = stats.paired_binary([1, 0, 1, 1], [1, 0, 1, 1])
    assert (c.p_value, c.low, c.high, c.direction()) == (1.0, 0.0, 0.0, "tie")
    assert stats.verdict(c) == "inconclusive"
    assert stats.verdict(c, "not lower") == "held (within noise)"


def test_a_large_consistent_win_holds_and_a_loss_does_not():
    a, b = [1] * 60 + [0] * 40, [0] * 60 + [0] * 40
    assert stats.verdict(stats.paired_binary(a, b)) == "held"
    assert stats.verdict(stats.paired_binary(b, a)) == "not held"


def test_small_samples_are_inconclusive_even_with_a_big_gap():
    # 3 of 4 vs 1 of 4: a 50-point gap on 4 examples cannot decide
    assert stats.verdict(stats.paired_binary([1, 1, 1, 0], [1, 0, 0, 0])) == "inconclusive"


def test_paired_bootstrap_with_a_set_score_like_macro_f1():
    def share_of_a(rows):  # any set-level score
        return sum(r == "A" for r in rows) / len(rows)

    a_rows, b_rows = ["A"] * 30 + ["B"] * 10, ["B"] * 40
    c = stats.paired_bootstrap(a_rows, b_rows, share_of_a)
    assert c.a == pytest.approx(0.75) and c.b == 0.0
    assert c.low > 0 and stats.verdict(c) == "held" and c.p_value < 0.01


def test_bootstrap_is_reproducible_and_seeded():
    a, b = [0.2, 0.9, 0.4, 0.7, 0.5], [0.1, 0.8, 0.6, 0.3, 0.5]
    assert stats.paired_bootstrap(a, b) == stats.paired_bootstrap(a, b)
    assert stats.paired_bootstrap(a, b, seed=1) != stats.paired_bootstrap(a, b, seed=2)


@pytest.mark.parametrize("a, b, message", [([1, 0], [1], "same length"), ([], [], "no examples"),
                                           ([1, float("nan")], [1, 1], "NaN"), ([2, 0], [1, 0], "0/1")])
def test_bad_input_says_what_to_do(a, b, message):
    with pytest.raises(ValueError, match=message):
        stats.paired_binary(a, b)


def test_mcnemar_sample_size_matches_connor_by_hand():
    # effect 0.10 with 20% discordant pairs, alpha 0.05, power 0.8
    z_a, z_b = 1.959963984540054, 0.8416212335729143
    expected = math.ceil((z_a * math.sqrt(0.2) + z_b * math.sqrt(0.2 - 0.01)) ** 2 / 0.01)
    assert stats.mcnemar_sample_size(0.10, 0.20) == expected == 155
    with pytest.raises(ValueError, match="discordant_share"):
        stats.mcnemar_sample_size(0.3, 0.2)


def test_verdict_refuses_an_unknown_rule():
    with pytest.raises(ValueError, match="held_if"):
        stats.verdict(stats.paired_binary([1], [0]), "lower")


def test_interval_sample_size_scales_with_the_square_of_the_relative_width():
    c = stats.Comparison(a=0.6, b=0.5, low=-0.096, high=0.296, p_value=0.3, n=50, test="paired bootstrap")
    se = 0.392 / (2 * 1.959963984540054)
    assert stats.interval_sample_size(c) == math.ceil(50 * ((1.959963984540054 + 0.8416212335729143) * se / 0.1) ** 2)
    assert stats.interval_sample_size(stats.Comparison(0.5, 0.5, 0, 0, 1.0, 10, "x")) is None


def test_comparison_table_tests_every_strategy_against_the_baseline_on_the_same_examples():
    baseline = [1, 0] * 20                       # 50%
    better = [1] * 36 + [0] * 4                  # 90%, all 16 of the baseline's misses fixed, 2 of its hits lost
    tied = list(baseline)
    table = stats.comparison_table({"zero-shot": baseline, "few-shot": better, "copy": tied}, "zero-shot",
                                   metric="accuracy")
    assert list(table.index) == ["few-shot", "copy"]
    row = table.loc["few-shot"]
    assert row["score"] == 0.9 and row["baseline score"] == 0.5 and row["test"] == "McNemar exact"
    assert row["beats the baseline?"] == "held" and row["n to decide"] == "decided"
    assert table.loc["copy", "beats the baseline?"] == "inconclusive" and table.loc["copy", "n to decide"] == "no gap"


def test_comparison_table_names_the_size_an_undecided_gap_would_need():
    baseline = [1, 0, 1, 0, 1, 0, 1, 0]
    slightly = [1, 1, 1, 0, 1, 0, 1, 0]          # one more right: far too few examples to decide
    row = stats.comparison_table({"a": baseline, "b": slightly}, "a", metric="accuracy").loc["b"]
    assert row["beats the baseline?"] == "inconclusive" and row["baseline"] == "a"
    assert not isinstance(row["n to decide"], str) and int(row["n to decide"]) > 8


def test_comparison_table_bootstraps_set_scores_and_refuses_a_missing_baseline():
    rows = {"base": [(0, 1)] * 10 + [(1, 1)] * 10, "tuned": [(1, 1)] * 18 + [(0, 1)] * 2}
    share_right = lambda rs: sum(p == g for p, g in rs) / len(rs)  # noqa: E731
    row = stats.comparison_table(rows, "base", metric="share", score=share_right).loc["tuned"]
    assert row["test"] == "paired bootstrap" and row["beats the baseline?"] == "held"
    fractions = stats.comparison_table({"base": [0.5] * 12, "tuned": [0.75] * 12}, "base", metric="fields")
    assert fractions.loc["tuned", "test"] == "paired bootstrap" and fractions.loc["tuned", "difference"] == 0.25
    with pytest.raises(ValueError, match="baseline"):
        stats.comparison_table(rows, "zero-shot", metric="share", score=share_right)


def test_one_discordant_pair_decides_nothing():
    # the bootstrap interval of a single example collapses to a point; McNemar's p (1.0) says what it is worth
    c = stats.paired_binary([1], [0])
    assert c.p_value == 1.0 and stats.verdict(c) == "inconclusive"


def test_size_plan_says_whether_the_run_can_decide_and_what_would():
    needed = stats.mcnemar_sample_size(0.10, 0.20)
    small = stats.size_plan(40, effect=0.10, discordant_share=0.20, unit="tickets", constant="N_TEST", profile="full")
    assert f"takes {needed} tickets" in small and "too small to decide" in small and f"N_TEST = {needed}." in small
    assert "10-point" in small and "20% of tickets" in small
    big = stats.size_plan(needed, effect=0.10, discordant_share=0.20, unit="tickets", constant="N_TEST", profile="full")
    assert "this run has them" in big and "too small" not in big
    with pytest.raises(ValueError):
        stats.size_plan(10, effect=0.3, discordant_share=0.2, unit="x", constant="N", profile="quick")


def test_share_of_b_compares_a_with_a_fraction_of_b():
    a, b = [1] * 18 + [0] * 2, [1] * 20
    plain = stats.paired_bootstrap(a, b)
    share = stats.paired_bootstrap(a, b, share_of_b=0.8)
    assert plain.diff == pytest.approx(-0.1) and share.diff == pytest.approx(0.9 - 0.8)
    assert share.b == pytest.approx(0.8) and "80% of B" in share.test
    with pytest.raises(ValueError, match="share of B"):
        stats.paired_bootstrap(a, b, share_of_b=1.5)


def test_one_sided_disagreements_need_six_to_decide():
    assert stats.one_sided_discordant_needed() == 6
    assert stats.paired_binary([1] * 6 + [0] * 14, [0] * 20).p_value < 0.05
    assert stats.paired_binary([1] * 5 + [0] * 15, [0] * 20).p_value >= 0.05
