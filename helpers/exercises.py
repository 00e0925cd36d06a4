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
