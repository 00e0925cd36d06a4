"""Auto-checked exercises of notebook 09 (the decision framework and the cost calculator).

Importing this module registers the "09.*" checkers with helpers.checking; ``check`` is re-exported so the notebook
needs one import: ``from helpers.decision.exercises import check``.
"""

from __future__ import annotations

from collections.abc import Mapping

from helpers.checking import check, exercise, verify
from helpers.decision.costs import Workload, crossovers, estimate, registry_prices
from helpers.decision.framework import load_framework, walk

__all__ = ["check", "verify"]


@exercise("09.refund_bot")
def _refund_bot(answer) -> tuple[bool, str]:
    """answer = the dict of answers that walks the course framework for the refund-bot scenario."""
    if not isinstance(answer, Mapping):
        return False, "answer with a dict {question id: answer key}, as in CASES above."
    fw = load_framework()
    try:
        result = walk(fw, answer)
    except KeyError as exc:
        return False, f"{exc.args[0]} Hint: follow the questions from 'problem'; each answer names the next one."
    first = result.steps[0][1].key
    if first != "knowledge":
        return False, ("Hint: the tone and format are fine; what is wrong is a fact that changed last week. "
                       "Which kind of problem is that?")
    if result.recommendation.id != "rag":
        return False, (f"your answers reach {result.recommendation.title!r}. Hint: 400 articles do not fit in a "
                       "prompt, and refund rules live in documents, not in live records.")
    return True, f"{result.recommendation.title}: {result.recommendation.summary}"


@exercise("09.fewest_confidently_wrong")
def _fewest_confidently_wrong(answer) -> tuple[bool, str]:
    try:
        name, table = answer
        column = table["confidently wrong"].astype(float)
    except (TypeError, ValueError, KeyError):
        return False, "answer with a pair: (the row name, the support-chatbot table itself)."
    best = column[column == column.min()].index
    if name in best:
        return True, f"{name}: {column[name]:.0%} of answers confidently wrong."
    return False, "Hint: table['confidently wrong'].idxmin() names the row with the smallest share."


EXERCISE_WORKLOAD = Workload(monthly_queries=20_000, instruction_tokens=2_500, tuned_instruction_tokens=150,
                             input_tokens=300, output_tokens=250, training_examples=2_000, tokens_per_example=900,
                             epochs=3, retrains_per_month=0.25, months=12)


@exercise("09.crossover")
def _crossover(answer) -> tuple[bool, str]:
    """answer = the monthly volume above which the API fine-tune is cheaper than prompt-only (EXERCISE_WORKLOAD)."""
    prices = registry_prices()
    table = crossovers(EXERCISE_WORKLOAD, prices, ("prompt", "api_finetune"))
    if table.empty:
        return False, "with today's registry prices these lines do not cross: any answer is moot (tell the course)."
    expected = float(table["monthly queries"].iloc[0])
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False, "answer with a number of queries per month."
    if abs(value - expected) <= 0.01 * expected:
        return True, f"{expected:,.0f} queries per month; above it the fine-tune's lower per-query price pays back " \
                     "its training."
    p, f = estimate("prompt", EXERCISE_WORKLOAD, prices), estimate("api_finetune", EXERCISE_WORKLOAD, prices)
    return False, (f"Hint: over {EXERCISE_WORKLOAD.months} months, prompt costs months x v x {p.per_query_usd:.6f}; "
                   f"the fine-tune {f.setup_usd:.2f} + months x (v x {f.per_query_usd:.6f} + {f.monthly_fixed_usd:.2f})."
                   " Set them equal and solve for v.")
