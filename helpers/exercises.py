"""Auto-checked exercises: ``check("00.cost", answer)`` prints whether an answer is right, with a hint if not.

Checkers compute the expected value themselves (from the registry, the data, a real model call), so they stay
right when prices or data change. Used by the exercise cells of every notebook.
"""

from __future__ import annotations

from collections.abc import Callable

from helpers import registry

Checker = Callable[[object], tuple[bool, str]]
_CHECKERS: dict[str, Checker] = {}


def exercise(name: str) -> Callable[[Checker], Checker]:
    def register(func: Checker) -> Checker:
        _CHECKERS[name] = func
        return func

    return register


def verify(name: str, answer) -> tuple[bool, str]:
    """(is the answer right, message) for exercise ``name``; ``None`` means not answered yet."""
    if name not in _CHECKERS:
        raise KeyError(f"No exercise called {name!r}; known: {', '.join(sorted(_CHECKERS))}")
    if answer is None or answer is Ellipsis:
        return False, "replace the None above with your answer, then run this cell again."
    return _CHECKERS[name](answer)


def check(name: str, answer) -> None:
    """Print the verdict for exercise ``name``. An unanswered exercise only prints what to do, so the notebook
    keeps running."""
    ok, message = verify(name, answer)
    status = "todo" if answer is None or answer is Ellipsis else ("correct" if ok else "not yet")
    print(f"[{status}] {name}: {message}")


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
    from helpers.evaluation import macro_f1

    gold = ["BILLING", "TECHNICAL", "TECHNICAL", "ACCOUNT", "OTHER", "FEATURE_REQUEST"]
    pred = ["BILLING", "TECHNICAL", "BILLING", "ACCOUNT", "ACCOUNT", "FEATURE_REQUEST"]
    expected = macro_f1(gold, pred, TICKET_LABELS)
    if abs(float(answer) - expected) < 0.005:
        return True, f"macro-F1 = {expected:.3f}: OTHER was never predicted, so its F1 is 0 and pulls the mean down."
    return False, ("Hint: compute precision and recall per label (5 labels), F1 for each, then the plain mean. "
                   "A label with no true positive scores 0.")


@exercise("01.format_validity")
def _format_validity(answer) -> tuple[bool, str]:
    from helpers import datasets, evaluation
    from helpers.prompting import Prompt

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
    from helpers import prompt_limits

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
        return True, f"all {len(_PARSER_CASES)} outputs parsed like helpers.prompt_limits.parse_label."
    return False, (f"{len(wrong)} of {len(_PARSER_CASES)} wrong, e.g. {wrong[0]}. Hint: try json first (look for the "
                   "first '{'), then a 'Category:' line, then the whole output as a label; return None otherwise.")


@exercise("02.ghost_seat_answer")
def _ghost_seat_answer(answer) -> tuple[bool, str]:
    from helpers import prompt_limits

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
    from helpers import prompt_limits

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


# --- notebook 07: fine-tuning data and the API ------------------------------------------------------------------
EXERCISE_07_RULES = ("not_json", "not_dict", "missing_messages", "missing_role", "unknown_role", "missing_content",
                     "empty_assistant", "no_assistant", "bad_weight")


@exercise("07.format_check")
def _format_check(answer) -> tuple[bool, str]:
    from pathlib import Path

    from helpers import finetune_data as fd

    if not callable(answer):
        return False, "Hint: pass your function itself (answer_1 = my_check_line), not its result."
    path = Path(__file__).resolve().parent.parent / "data" / "finetune" / "messy_chat_examples.jsonl"
    report = fd.validate_jsonl(path)
    wrong = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        expected = {p.rule for p in report.problems if p.line == number and p.rule in EXERCISE_07_RULES}
        try:
            got = {r if isinstance(r, str) else r[0] for r in answer(line)} & set(EXERCISE_07_RULES)
        except Exception as exc:  # a learner's checker may raise anything; report it instead of crashing
            got = {f"raised {type(exc).__name__}"}
        if got != expected:
            wrong.append(f"line {number}: {sorted(got)} (expected {sorted(expected)})")
    if not wrong:
        return True, f"all {report.lines} lines agree with helpers.finetune_data on the {len(EXERCISE_07_RULES)} rules."
    return False, (f"{len(wrong)} line(s) disagree, e.g. {wrong[0]}. Hint: a weight must be the integer 0 or 1 "
                   "(type(w) is int: True is a bool), and an assistant answer of only spaces is empty.")


@exercise("07.training_cost")
def _training_cost(answer) -> tuple[bool, str]:
    from helpers import finetune_data as fd

    model = min((m for m in registry.models().values() if m.training_usd_per_mtok is not None),
                key=lambda m: m.training_usd_per_mtok)
    expected = fd.estimate_cost([400] * 500, model.id)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False, "Hint: answer with a number of dollars."
    if abs(value - expected.usd) <= max(1e-9, 0.005 * expected.usd):
        return True, str(expected)
    if abs(value - expected.usd / expected.n_epochs) <= 0.005 * expected.usd:
        return False, "That is one epoch. Hint: n_epochs='auto' trains 500 examples for fd.auto_epochs(500) epochs."
    return False, ("Hint: tokens per epoch (500 x 400) x epochs (fd.auto_epochs) x the training price per million "
                   f"tokens of {model.id} (registry.get(...).training_usd_per_mtok).")


@exercise("07.best_field_accuracy")
def _best_field_accuracy(answer) -> tuple[bool, str]:
    try:
        name, table = answer
        expected = table["order fields"].astype(float).idxmax()
    except (TypeError, ValueError, KeyError):
        return False, "Hint: answer with a pair: (the row name, the comparison table itself)."
    if name == expected:
        return True, f"{expected}: {table.loc[expected, 'order fields']:.0%} of order fields right."
    return False, "Hint: table['order fields'].idxmax() names the row with the highest field-level accuracy."
