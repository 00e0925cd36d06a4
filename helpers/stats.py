"""Paired statistics for every verdict the course prints (written out in notebook 10, used by 01-10).

Two strategies scored on the *same* examples are compared example by example, not as two independent proportions:
an example both get right (or both wrong) says nothing about which is better; only the examples where they disagree
do. So:

- per-example correctness (right/wrong): McNemar's exact test, i.e. a two-sided binomial test on the discordant
  pairs (``scipy.stats.binomtest``), with a paired-bootstrap 95% interval for the difference in accuracy;
- any other score computed over a set of examples (macro-F1, field accuracy, MRR, hit@k, nDCG): a paired bootstrap
  (resample the examples, score both strategies on the same resample), which gives the interval and a two-sided p.
- one strategy's share alone (a point of notebook 07's data-quantity curve): the Wilson score interval.

The verdict rule, stated once and used everywhere (:func:`verdict`): a claim "A beats B" **held** when the 95%
interval of A - B lies above zero, **did not hold** when it lies below zero, and is **inconclusive** when the
interval contains zero or the test's p is 0.05 or more (the sample cannot tell). A "no worse" claim reads "held (within noise)" when the interval
contains zero: that is not counted as reproduced.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _scipy_stats

CONFIDENCE = 0.95
BOOTSTRAP_SAMPLES = 2000


@dataclass(frozen=True)
class Comparison:
    """A (score) and B (score) on the same ``n`` examples: the difference A - B with its 95% interval and p."""

    a: float
    b: float
    low: float
    high: float
    p_value: float
    n: int
    test: str
    discordant: tuple[int, int] | None = None  # (A right & B wrong, A wrong & B right), for right/wrong scores

    @property
    def diff(self) -> float:
        return self.a - self.b

    def direction(self) -> str:
        """"higher" (interval above 0), "lower" (below 0) or "tie" (contains 0). A test that cannot reject "no
        difference" (p >= 0.05) is a tie too: on a handful of examples the bootstrap interval can collapse to a
        point (one discordant pair: every resample differs by the same amount) while McNemar's p is 1."""
        if self.p_value >= 1 - CONFIDENCE:
            return "tie"
        if self.low > 0:
            return "higher"
        if self.high < 0:
            return "lower"
        return "tie"

    def text(self) -> str:
        """One line for a table or a verdict's evidence."""
        extra = f", discordant {self.discordant[0]}/{self.discordant[1]}" if self.discordant else ""
        return (f"{self.a:.3f} vs {self.b:.3f}: {self.diff:+.3f} [{self.low:+.3f}, {self.high:+.3f}], "
                f"p={self.p_value:.3g} ({self.test}, n={self.n}{extra})")


def _as_pairs(a: Sequence, b: Sequence) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"paired scores need two 1-D sequences of the same length (got {x.shape} and {y.shape}): "
                         "score both strategies on the same examples, in the same order")
    if len(x) == 0:
        raise ValueError("no examples to compare: run both strategies on at least one example")
    if np.isnan(x).any() or np.isnan(y).any():
        raise ValueError("a score is NaN: drop the examples a strategy did not answer from both sides first")
    return x, y


def _bootstrap_diffs(n: int, score_diff: Callable[[np.ndarray], float], samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([score_diff(rng.integers(0, n, n)) for _ in range(samples)])


def _interval(diffs: np.ndarray) -> tuple[float, float]:
    tail = (1 - CONFIDENCE) / 2
    return float(np.quantile(diffs, tail)), float(np.quantile(diffs, 1 - tail))


def paired_binary(a: Sequence, b: Sequence, *, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> Comparison:
    """Right/wrong (1/0) per example for A and B on the same examples: McNemar's exact p and a bootstrap interval
    for the difference in accuracy."""
    x, y = _as_pairs(a, b)
    if not np.isin(x, (0, 1)).all() or not np.isin(y, (0, 1)).all():
        raise ValueError("paired_binary takes 0/1 (wrong/right) per example; use paired_bootstrap for other scores")
    a_only, b_only = int(((x == 1) & (y == 0)).sum()), int(((x == 0) & (y == 1)).sum())
    p = 1.0 if a_only + b_only == 0 else float(_scipy_stats.binomtest(a_only, a_only + b_only, 0.5).pvalue)
    d = x - y
    diffs = _bootstrap_diffs(len(d), lambda idx: float(d[idx].mean()), samples, seed)
    low, high = _interval(diffs)
    if a_only + b_only == 0:
        low = high = 0.0
    return Comparison(float(x.mean()), float(y.mean()), low, high, p, len(x), "McNemar exact", (a_only, b_only))


def paired_bootstrap(a_rows: Sequence, b_rows: Sequence, score: Callable[[list], float] | None = None, *,
                     samples: int = BOOTSTRAP_SAMPLES, seed: int = 0, share_of_b: float = 1.0) -> Comparison:
    """Any score of a set of examples (``score(rows) -> float``; default: the mean of numeric rows) for A and B on
    the same examples, row i of A and row i of B being the same example. The interval is the percentile interval of
    the resampled differences; p is twice the share of resampled differences on the far side of zero.
    ``share_of_b`` < 1 tests "A reaches that share of B" (e.g. 0.9: LoRA reaches 90% of full fine-tuning): the
    difference is A - share x B on every resample, and ``b`` reports share x B."""
    if not 0 < share_of_b <= 1:
        raise ValueError(f"share_of_b is a share of B's score, above 0 and at most 1 (got {share_of_b})")
    if len(a_rows) != len(b_rows):
        raise ValueError(f"paired scores need the same examples on both sides ({len(a_rows)} vs {len(b_rows)})")
    if not len(a_rows):
        raise ValueError("no examples to compare: run both strategies on at least one example")
    if score is None:
        x, y = _as_pairs(a_rows, b_rows)
        d = x - share_of_b * y
        diff_of = lambda idx: float(d[idx].mean())  # noqa: E731
        a_value, b_value = float(x.mean()), share_of_b * float(y.mean())
    else:
        a_list, b_list = list(a_rows), list(b_rows)
        diff_of = lambda idx: (score([a_list[i] for i in idx])  # noqa: E731
                               - share_of_b * score([b_list[i] for i in idx]))
        a_value, b_value = float(score(a_list)), share_of_b * float(score(b_list))
    diffs = _bootstrap_diffs(len(a_rows), diff_of, samples, seed)
    low, high = _interval(diffs)
    if np.all(diffs == 0):
        p = 1.0
    else:
        p = float(min(1.0, 2 * min((diffs <= 0).mean(), (diffs >= 0).mean())))
    test = "paired bootstrap" if share_of_b == 1 else f"paired bootstrap, A vs {share_of_b:.0%} of B"
    return Comparison(a_value, b_value, low, high, p, len(a_rows), test)


def verdict(comparison: Comparison, held_if: str = "higher") -> str:
    """The course's rule (module docstring): "held", "not held", "inconclusive"; for ``held_if="not lower"``,
    "held", "held (within noise)" or "not held"."""
    direction = comparison.direction()
    if held_if == "higher":
        return {"higher": "held", "lower": "not held", "tie": "inconclusive"}[direction]
    if held_if == "not lower":
        return {"higher": "held", "lower": "not held", "tie": "held (within noise)"}[direction]
    raise ValueError(f"held_if must be 'higher' or 'not lower', not {held_if!r}")


def mcnemar_sample_size(effect: float, discordant_share: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Examples needed for McNemar's test to detect a difference in accuracy of ``effect`` (e.g. 0.10) when a share
    ``discordant_share`` of examples get different answers from the two strategies (Connor, 1987). Used to choose
    the full profile's sizes, and to say how many examples a verdict would need when a run is too small."""
    if not 0 < effect < 1 or not 0 < discordant_share <= 1 or effect >= discordant_share:
        raise ValueError("need 0 < effect < discordant_share <= 1 (the accuracy gap cannot exceed the share of "
                         f"examples on which the strategies disagree); got effect={effect}, "
                         f"discordant_share={discordant_share}")
    z_a, z_b = _scipy_stats.norm.ppf(1 - alpha / 2), _scipy_stats.norm.ppf(power)
    n = (z_a * math.sqrt(discordant_share) + z_b * math.sqrt(discordant_share - effect ** 2)) ** 2 / effect ** 2
    return math.ceil(n)


def one_sided_discordant_needed(*, alpha: float = 1 - CONFIDENCE) -> int:
    """The fewest discordant pairs, all favouring one side, for which McNemar's exact test rejects "no difference"
    (6 at the 5% level: 2 x 0.5**6 = 0.031). When every disagreement of a run went one way, the run needs that many."""
    k = 1
    while _scipy_stats.binomtest(k, k, 0.5).pvalue >= alpha:
        k += 1
    return k


def size_plan(n: int, *, effect: float, discordant_share: float, unit: str, constant: str, profile: str,
              alpha: float = 0.05, power: float = 0.8) -> str:
    """The sentence a notebook prints under its sample sizes (notebooks 06-10): how many ``unit`` a paired right/wrong
    comparison needs to detect an accuracy gap of ``effect`` (the smallest gap worth acting on, which the notebook
    states) when a share ``discordant_share`` of examples get different answers from the two strategies, and
    whether ``constant`` (``n`` in this ``profile``) has them; if not, the run is too small to decide that gap and
    the sentence gives the size that would (with a key, or on a GPU)."""
    needed = mcnemar_sample_size(effect, discordant_share, alpha=alpha, power=power)
    why = (f"detecting a {effect * 100:.0f}-point accuracy gap with {power:.0%} power (McNemar, alpha {alpha}) when "
           f"about {discordant_share:.0%} of {unit} get different answers from the two strategies takes {needed} {unit}")
    if n >= needed:
        return f"{constant} = {n} ({profile} profile): {why}, and this run has them."
    return (f"{constant} = {n} ({profile} profile): {why}. This run is too small to decide a gap that size; where "
            f"the time is there (a key, a GPU), set {constant} = {needed}.")


def interval_sample_size(comparison: Comparison, *, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """Examples a set score (macro-F1, field accuracy) would need for its observed difference to be detected, from
    the width of this run's interval: the standard error shrinks as 1/sqrt(n). None when the difference is zero."""
    gap = abs(comparison.diff)
    if gap == 0 or comparison.high <= comparison.low:
        return None
    z_a, z_b = _scipy_stats.norm.ppf(1 - alpha / 2), _scipy_stats.norm.ppf(power)
    standard_error = (comparison.high - comparison.low) / (2 * _scipy_stats.norm.ppf(1 - (1 - CONFIDENCE) / 2))
    return math.ceil(comparison.n * ((z_a + z_b) * standard_error / gap) ** 2)


def decisive_size(comparison: Comparison) -> int | None:
    """Examples this comparison would need to decide (the observed gap detected with 80% power): McNemar's size for
    right/wrong scores, the interval-width size for set scores. None when the gap is zero (no size decides it)."""
    gap = abs(comparison.diff)
    if comparison.discordant is not None:
        share = sum(comparison.discordant) / comparison.n
        if gap == 0 or share == 0:
            return None
        # every disagreement going one way makes the gap equal the discordant share, the formula's edge: nudge it
        return mcnemar_sample_size(gap, max(share, gap + 1e-9)) if gap < 1 else comparison.n
    return interval_sample_size(comparison)


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of a proportion (``successes`` of ``n``): unlike the normal approximation it stays
    inside [0, 1] and is not a point at 0 or n successes, which small test sets hit often (notebook 07's data-quantity
    curve)."""
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 1 (got {successes} of {n})")
    ci = _scipy_stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def comparison_table(scores: dict[str, Sequence], baseline: str, *, metric: str,
                     score: Callable[[list], float] | None = None, held_if: str = "higher"):
    """Every strategy against ``baseline`` on the same examples (notebooks 01-09): one row each with both scores,
    the difference and its 95% interval, p, the verdict of :func:`verdict` for "beats the baseline", and the
    examples a decisive run would need. ``scores[name]``: that strategy's per-example values in the same order:
    0/1 (McNemar), other numbers (paired bootstrap of the mean), or rows scored as a set by ``score`` (paired
    bootstrap). Tables for several metrics or baselines share their columns, so ``pd.concat`` stacks them."""
    import pandas as pd

    if baseline not in scores:
        raise ValueError(f"no scores for the baseline {baseline!r}; strategies: {', '.join(scores)}")
    rows = []
    for name, values in scores.items():
        if name == baseline:
            continue
        if score is not None:
            c = paired_bootstrap(list(values), list(scores[baseline]), score)
        elif all(float(v) in (0.0, 1.0) for v in [*values, *scores[baseline]]):
            c = paired_binary([int(v) for v in values], [int(v) for v in scores[baseline]])
        else:
            c = paired_bootstrap([float(v) for v in values], [float(v) for v in scores[baseline]])
        needed = decisive_size(c)
        rows.append({"strategy": name, "metric": metric, "baseline": baseline, "score": round(c.a, 3),
                     "baseline score": round(c.b, 3), "difference": round(c.diff, 3),
                     "95% interval": f"[{c.low:+.3f}, {c.high:+.3f}]", "p": round(c.p_value, 3), "test": c.test,
                     "n": c.n, "beats the baseline?": verdict(c, held_if),
                     "n to decide": "decided" if c.direction() != "tie" else (needed or "no gap")})
    return pd.DataFrame(rows).set_index("strategy")
