"""Auto-checked exercises of notebooks 03 and 04. Importing this module registers them; ``check`` is re-exported so a
notebook needs one import: ``from helpers.rag.exercises import check``."""

from __future__ import annotations

from helpers.exercises import check, exercise, verify
from helpers.rag.metrics import ndcg_at_k, reciprocal_rank

__all__ = ["check", "verify"]

EX_RANKING = ["how-sso-saml", "faq-security-privacy", "trb-sso-login-failures", "glo-glossary", "how-scim-provisioning"]
EX_GOLD = ["trb-sso-login-failures", "how-scim-provisioning"]


@exercise("03.mrr_and_ndcg")
def _mrr_and_ndcg(answer) -> tuple[bool, str]:
    try:
        mrr, ndcg = (float(x) for x in answer)
    except (TypeError, ValueError):
        return False, "answer with a pair of numbers: (mrr, ndcg_at_10)."
    want_mrr, want_ndcg = reciprocal_rank(EX_RANKING, EX_GOLD), ndcg_at_k(EX_RANKING, EX_GOLD, 10)
    if abs(mrr - want_mrr) > 1e-3:
        return False, "Hint: MRR uses only the first gold document's rank: 1 / rank, ranks counted from 1."
    if abs(ndcg - want_ndcg) > 1e-3:
        return False, ("Hint: DCG adds 1/log2(rank + 1) for every gold document in the list; divide by the DCG of "
                       "the ideal list, which puts both gold documents at ranks 1 and 2.")
    return True, f"MRR {want_mrr:.3f}, nDCG@10 {want_ndcg:.3f}."


@exercise("03.better_chunking")
def _better_chunking(answer) -> tuple[bool, str]:
    """answer = (pipeline report of the learner's settings, report of the naive baseline)."""
    try:
        mine, base = answer
        gain = mine.summary["hit@3"] - base.summary["hit@3"]
    except (TypeError, ValueError, AttributeError, KeyError):
        return False, "pass (your_report, naive_report), two results of rag.evaluate_retrieval."
    if mine.summary["questions"] != base.summary["questions"]:
        return False, "evaluate both pipelines on the same questions."
    if gain > 0:
        return True, f"hit@3 {base.summary['hit@3']:.2f} -> {mine.summary['hit@3']:.2f} ({mine.name})."
    return False, (f"hit@3 {mine.summary['hit@3']:.2f} is not above the baseline's {base.summary['hit@3']:.2f}. "
                   "Hint: try smaller chunks with some overlap, or more overlap.")


@exercise("04.best_for_identifiers")
def _best_for_identifiers(answer) -> tuple[bool, str]:
    """answer = (pipeline name chosen, the ablation reports)."""
    try:
        name, reports = answer
        scores = {r.name: r.by_type.loc["exact_identifier", "mrr"] for r in reports
                  if "exact_identifier" in r.by_type.index}
    except (TypeError, ValueError, AttributeError, KeyError):
        return False, "pass (pipeline_name, reports) where reports is the list behind the ablation table."
    if not scores:
        return False, "none of the reports has exact_identifier questions."
    best = max(scores.values())
    if name in scores and scores[name] >= best - 1e-9:
        return True, f"{name}: MRR {scores[name]:.3f} on exact identifiers."
    return False, "Hint: look at report.by_type.loc['exact_identifier', 'mrr'] for each report, not the overall MRR."
