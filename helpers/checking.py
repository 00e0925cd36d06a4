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


def registered() -> list[str]:
    """The names of every exercise registered so far (one per checker module imported)."""
    return sorted(_CHECKERS)


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
