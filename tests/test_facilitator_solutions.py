"""docs/solutions.py (quoted by docs/facilitator.md) really solves the exercises: each answer passes the real checker,
and every exercise a notebook asks is either solved there or named in the guide as solved in words."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from helpers.checking import registered, verify

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("course_solutions", ROOT / "docs" / "solutions.py")
solutions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(solutions)
solutions.register_all_exercises()


@pytest.mark.parametrize("name", sorted(solutions.SOLUTIONS))
def test_solution_passes_its_checker(name):
    ok, message = verify(name, solutions.SOLUTIONS[name]())
    assert ok, f"{name}: {message}"


def test_every_notebook_exercise_has_a_solution_in_the_guide():
    asked = set()
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        asked |= set(re.findall(r'check\(\\?"(\d\d[a-z]?\.[a-z0-9_]+)\\?"', notebook.read_text(encoding="utf-8")))
    guide = (ROOT / "docs" / "facilitator.md").read_text(encoding="utf-8")
    unsolved = sorted(name for name in asked if name not in solutions.SOLUTIONS and f"`{name}`" not in guide)
    assert not unsolved, f"exercises with no solution in docs/solutions.py or docs/facilitator.md: {unsolved}"
    assert set(solutions.SOLUTIONS) <= set(registered()), "a solution names an exercise that no checker knows"
