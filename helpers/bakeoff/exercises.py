"""Auto-checked exercises of notebooks/10_bakeoff.ipynb. Importing this module registers them; ``check`` is
re-exported."""

from __future__ import annotations

import math

from helpers import stats
from helpers.checking import check, exercise, verify

__all__ = ["check", "verify"]

BREAK_EVEN_CASES = [(10.0, 2.0, 1.0, 10_000.0), (0.5, 0.40, 0.15, 2_000.0), (3.0, 1.0, 1.0, math.inf),
                    (3.0, 1.0, 2.0, math.inf), (0.0, 1.0, 0.5, 0.0)]


@exercise("10.break_even")
def _break_even(answer) -> tuple[bool, str]:
    """answer = a function (setup_usd, per_1k_before, per_1k_after) -> queries until the setup is paid back."""
    if not callable(answer):
        return False, "pass your function itself: check('10.break_even', my_break_even)."
    for setup, before, after, expected in BREAK_EVEN_CASES:
        got = answer(setup, before, after)
        if got is None:
            return False, "your function returned None: return a number (math.inf when it never pays back)."
        if math.isinf(expected) != math.isinf(got) or (not math.isinf(expected) and
                                                         abs(got - expected) > 1e-6 * max(1.0, expected)):
            return False, (f"setup ${setup}, ${before} -> ${after} per 1,000 queries: expected {expected}, got {got}. "
                           "Hint: the saving per query is (before - after) / 1000; no saving means math.inf.")
    return True, "right on every case, including the ones that never pay back."


MCNEMAR_CASES = [([1, 1, 1, 0, 0], [0, 0, 0, 0, 1]), ([1] * 10, [1] * 10), ([1, 0] * 15, [0, 1] * 15),
                 ([1] * 25 + [0] * 5, [1] * 10 + [0] * 20), ([0, 0, 1], [1, 1, 0])]


@exercise("10.mcnemar")
def _mcnemar(answer) -> tuple[bool, str]:
    """answer = a function (a, b) -> McNemar's exact two-sided p-value for two 0/1 lists on the same examples."""
    if not callable(answer):
        return False, "pass your function itself: check('10.mcnemar', my_mcnemar)."
    for a, b in MCNEMAR_CASES:
        expected, got = stats.paired_binary(a, b).p_value, answer(a, b)
        if got is None or not math.isclose(float(got), expected, rel_tol=1e-6, abs_tol=1e-12):
            a_only = sum(x == 1 and y == 0 for x, y in zip(a, b))
            b_only = sum(x == 0 and y == 1 for x, y in zip(a, b))
            return False, (f"my_mcnemar({a}, {b}) should be {expected:.4g}, not {got!r}. Hint: {a_only} and {b_only} "
                           f"discordant pairs: binomtest({a_only}, {a_only + b_only}, 0.5).pvalue.")
    return True, "same p-values as helpers.stats.paired_binary on every case."
