"""Auto-checked exercises of notebooks/10_bakeoff.ipynb. Importing this module registers them; ``check`` is
re-exported."""

from __future__ import annotations

import math

from helpers.bakeoff import harness as bakeoff
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


COMPARE_CASES = [(0.9, 0.1, 20), (0.1, 0.9, 20), (0.55, 0.5, 20), (0.2, 0.1, 10), (0.0, 0.0, 10), (0.3, 0.0, 10),
                 (0.62, 0.5, 400), (0.5, 0.45, 400), (1.0, 0.0, 3)]


@exercise("10.compare")
def _compare(answer) -> tuple[bool, str]:
    """answer = a function (a, b, n) -> "higher", "lower" or "tie" with the notebook's noise rule."""
    if not callable(answer):
        return False, "pass your function itself: check('10.compare', my_compare)."
    for a, b, n in COMPARE_CASES:
        expected, got = bakeoff.compare(a, b, n), answer(a, b, n)
        if got != expected:
            return False, (f"my_compare({a}, {b}, {n}) should be {expected!r}, not {got!r}. Hint: the margin is "
                           f"max(1/n, 1.96*sqrt(2*p*(1-p)/n)) with p=(a+b)/2 = {bakeoff.noise(a, b, n):.3f} here.")
    return True, "same verdicts as helpers.bakeoff.harness.compare on every case."
