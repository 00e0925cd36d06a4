"""Auto-checked exercises of notebooks 00-02 (the course's layers, prompt patterns, where prompting falls short).

Importing this module registers the "00.*", "01.*" and "02.*" checkers with helpers.checking; ``check`` is re-exported
so a notebook needs one import: ``from helpers.prompting.exercises import check``. Checkers compute the expected value
themselves (from the registry, the data, a real model call).
"""

from __future__ import annotations

from helpers import datasets, registry
from helpers.checking import check, exercise, verify

__all__ = ["check", "verify"]


@exercise("00.cost_of_10k_calls")
def _cost_of_10k_calls(answer) -> tuple[bool, str]:
    expected = 10_000 * registry.cost_usd(registry.default_model("anthropic"), 500, 200)
    if abs(float(answer) - expected) <= max(1e-9, 0.005 * expected):
        return True, f"${expected:.2f} for 10,000 calls."
    return False, ("Hint: registry.get(model).cost(input_tokens, output_tokens) prices one call; prices are per "
                   "million tokens, so check that you did not multiply by a million twice.")


@exercise("00.cheapest_long_context")
def _cheapest_long_context(answer) -> tuple[bool, str]:
    candidates = [m for m in registry.models().values()
                  if m.provider in ("anthropic", "openai") and m.context_window >= 400_000]
    best = min(candidates, key=lambda m: m.input_usd_per_mtok + m.output_usd_per_mtok)
    if answer == best.id:
        return True, f"{best.id}: ${best.input_usd_per_mtok} in / ${best.output_usd_per_mtok} out per million tokens."
    return False, ("Hint: filter registry.models().values() by provider and context_window, then take min() by "
                   "input plus output price. Answer with the model id (a string).")


@exercise("00.stop_sequence")
def _stop_sequence(answer) -> tuple[bool, str]:
    text = getattr(answer, "text", None)
    if text is None:
        return False, "Hint: pass the Completion returned by complete(...), not its text."
    if answer.stop_reason in ("stop_sequence", "stop") and "4" not in text:
        return True, f"the answer stopped before '4': {text!r}"
    return False, ("Hint: complete(prompt, stop=[...]) ends the answer where a stop sequence first appears; the "
                   f"answer was {text!r} with stop_reason={answer.stop_reason!r}.")


# --- notebook 01 ----------------------------------------------------------------------------------------------
@exercise("01.macro_f1")
def _macro_f1(answer) -> tuple[bool, str]:
    from helpers.datasets import TICKET_LABELS
    from helpers.prompting.evaluation import macro_f1

    gold = ["BILLING", "TECHNICAL", "TECHNICAL", "ACCOUNT", "OTHER", "FEATURE_REQUEST"]
    pred = ["BILLING", "TECHNICAL", "BILLING", "ACCOUNT", "ACCOUNT", "FEATURE_REQUEST"]
    expected = macro_f1(gold, pred, TICKET_LABELS)
    if abs(float(answer) - expected) < 0.005:
        return True, f"macro-F1 = {expected:.3f}: OTHER was never predicted, so its F1 is 0 and pulls the mean down."
    return False, ("Hint: compute precision and recall per label (5 labels), F1 for each, then the plain mean. "
                   "A label with no true positive scores 0.")


@exercise("01.format_validity")
def _format_validity(answer) -> tuple[bool, str]:
    from helpers import datasets
    from helpers.prompting import evaluation
    from helpers.prompting.patterns import Prompt

    if not callable(answer):
        return False, "Hint: pass your prompt function itself (my_prompt), not its result."
    sample = datasets.tickets("test")[:8]
    probe = answer(sample[0])
    if not isinstance(probe, Prompt) or probe.parser is None:
        return False, "Hint: the function must return a Prompt(...) with a parser, e.g. prompting.parse_category_line."
    run = evaluation.evaluate(answer, sample, name="exercise", labels=datasets.TICKET_LABELS, progress=False)
    valid = run.summary["format_valid"]
    if valid >= 0.75:
        return True, f"format-valid on {valid:.0%} of the 8 tickets (accuracy {run.summary['accuracy']:.0%})."
    errors = run.results["parse_error"].dropna().value_counts().head(2).to_dict()
    return False, (f"format-valid on {valid:.0%} only; commonest parse errors: {errors}. Hint: prefill the answer's "
                   "first words, or show two or three solved examples as earlier turns.")


@exercise("01.cheapest_good_pattern")
def _cheapest_good_pattern(answer) -> tuple[bool, str]:
    name, table = answer
    good = table[table["macro_f1"] >= table["macro_f1"].max() - 0.05]
    expected = good["$ per 1,000 at list price"].idxmin()
    if name == expected:
        return True, f"{expected}: ${good.loc[expected, '$ per 1,000 at list price']:.4f} per 1,000 tickets."
    return False, ("Hint: keep the rows of `table` whose macro_f1 is at least the best minus 0.05, then take the "
                   "index of the smallest '$ per 1,000 at list price'.")


# --- notebook 02: when prompting falls short -----------------------------------------------------------------
_PARSER_CASES = ('Category: BILLING', '{"category": "ACCOUNT"}', 'TECHNICAL', 'other.', '**Category:** Feature request',
                 '```json\n{"category": "FEATURE_REQUEST"}\n```', 'The ticket is about billing, I think.', '',
                 '{"category": "BILL', 'Category: Payments', '{"category": "refunds"}', 'I would say TECHNICAL or ACCOUNT.')


@exercise("02.label_parser")
def _label_parser(answer) -> tuple[bool, str]:
    from helpers.prompting import limits as prompt_limits

    if not callable(answer):
        return False, "Hint: pass the function itself (answer_1 = my_parser), not the result of calling it."
    wrong = []
    for text in _PARSER_CASES:
        expected = prompt_limits.parse_label(text).value
        try:
            got = answer(text)
        except Exception as exc:  # a learner's parser may raise anything; report it instead of crashing
            got = f"raised {type(exc).__name__}"
        if got != expected:
            wrong.append(f"{text!r} -> {got!r} (expected {expected!r})")
    if not wrong:
        return True, f"all {len(_PARSER_CASES)} outputs parsed like helpers.prompting.limits.parse_label."
    return False, (f"{len(wrong)} of {len(_PARSER_CASES)} wrong, e.g. {wrong[0]}. Hint: try json first (look for the "
                   "first '{'), then a 'Category:' line, then the whole output as a label; return None otherwise.")


@exercise("02.ghost_seat_answer")
def _ghost_seat_answer(answer) -> tuple[bool, str]:
    from helpers.prompting import limits as prompt_limits

    if not isinstance(answer, str):
        return False, "Hint: answer with a string."
    question = next(q for q in prompt_limits.jargon_questions() if q["id"] == "j11")
    words = len(answer.split())
    score = prompt_limits.score_answer(answer, question["facts"])
    if score.verdict == "correct" and words <= 40:
        return True, f"all {score.total} facts stated in {words} words."
    if words > 40:
        return False, f"{words} words: make it 40 or fewer."
    return False, (f"verdict {score.verdict!r}; missing facts like {', '.join(score.missing)}. Hint: what kind of "
                   "user holds a ghost seat, and what does the seat still do?")


@exercise("02.on_brand_reply")
def _on_brand_reply(answer) -> tuple[bool, str]:
    from helpers.prompting import limits as prompt_limits

    if not isinstance(answer, str):
        return False, "Hint: answer with a string (the whole reply, greeting to sign-off)."
    customer = prompt_limits.tone_inputs()[0]
    checks = prompt_limits.score_tone(answer, customer["customer_name"])
    failed = [name for name, ok in checks.items() if not ok]
    if not failed:
        return True, "all ten rules of the brand guide followed."
    return False, (f"{len(checks) - len(failed)} of {len(checks)} rules followed; failing: {', '.join(failed)}. "
                   "Hint: pl.score_tone(answer_3, name) shows every rule; the guide is pl.brand_guide().")


@exercise("02.cached_monthly_cost")
def _cached_monthly_cost(answer) -> tuple[bool, str]:
    model = registry.get(registry.default_model("anthropic"))
    expected = (model.cached_cost(3000, 50, 5, write=True)
                + 99_999 * model.cached_cost(3000, 50, 5, write=False))
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False, "Hint: answer with a number of dollars."
    if abs(value - expected) <= max(1e-9, 0.005 * expected):
        return True, f"${expected:,.2f} per month on {model.id} (without caching: " \
                     f"${100_000 * model.cost(3050, 5):,.2f})."
    return False, ("Hint: one call at cached_cost(3000, 50, 5, write=True), 99,999 calls at write=False; prices "
                   "are per million tokens.")
