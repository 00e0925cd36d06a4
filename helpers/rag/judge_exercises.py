"""Auto-checked exercise of notebooks/06_evaluating_rag.ipynb. Importing this module registers it; ``check`` is
re-exported so the notebook needs one import: ``from helpers.rag.judge_exercises import check``."""

from __future__ import annotations

import re

from helpers import datasets
from helpers.exercises import check, exercise, verify

__all__ = ["check", "verify"]

MIN_CAUGHT = 0.8        # of the planted hallucinations that contain a digit
MAX_FALSE_ALARMS = 0.25  # of the answers labelled grounded


def numeric_cases(corpus) -> list[tuple[dict, str]]:
    """(label, its context documents' full text) for every hand label (data/judge_labels.jsonl)."""
    labels = datasets.read_jsonl(datasets.DATA / "judge_labels.jsonl")
    return [(l, "\n\n".join(corpus[d].text for d in l["context_doc_ids"])) for l in labels]


@exercise("06.numbers_grounded")
def _numbers_grounded(answer) -> tuple[bool, str]:
    """answer = (numbers_grounded function, the corpus)."""
    try:
        func, corpus = answer
        cases = numeric_cases(corpus)
        verdicts = [bool(func(label["answer"], context)) for label, context in cases]
    except (TypeError, ValueError, KeyError) as exc:
        return False, f"pass (numbers_grounded, kb); calling it failed with {type(exc).__name__}: {exc}"
    planted = [v for (l, _), v in zip(cases, verdicts)
               if l["kind"] == "hallucination" and re.search(r"\d", l["planted"])]
    grounded = [v for (l, _), v in zip(cases, verdicts) if l["grounded"]]
    caught = sum(not v for v in planted) / len(planted)
    alarms = sum(not v for v in grounded) / len(grounded)
    summary = (f"caught {sum(not v for v in planted)}/{len(planted)} planted hallucinations with a digit, false alarms "
               f"on {sum(not v for v in grounded)}/{len(grounded)} grounded answers")
    if caught >= MIN_CAUGHT and alarms <= MAX_FALSE_ALARMS:
        return True, summary + "."
    if caught < MIN_CAUGHT:
        return False, (summary + f". Catch at least {MIN_CAUGHT:.0%}. Hint: find numbers with "
                       r"re.findall(r'\d+(?:[.,]\d+)*', text) and look for each one in the context.")
    return False, (summary + f". Keep false alarms at or under {MAX_FALSE_ALARMS:.0%}. Hint: '3,790' and '3790' are "
                   "the same number, and a number inside a longer one ('4.2' in '4.2.1') is not a match.")
