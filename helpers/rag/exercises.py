"""Auto-checked exercises of notebooks 03, 04, 06 and 06b. Importing this module registers them; ``check`` is
re-exported so a notebook needs one import: ``from helpers.rag.exercises import check``."""

from __future__ import annotations

import re

from helpers import datasets
from helpers.checking import check, exercise, verify
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


# --- notebook 06: evaluating RAG --------------------------------------------------------------------------------
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


# --- notebook 06b: when RAG is not the answer -------------------------------------------------------------------
CHANGE_KINDS = ("added", "changed", "removed")


def _reference_changes(before, after) -> dict[str, set[str]]:
    """What IncrementalIndex.sync re-embeds and drops (``freshness.changed_ids`` of the documents' hashes)."""
    from helpers.rag.freshness import changed_ids, document_hash

    found = changed_ids({d.id: document_hash(d) for d in before}, {d.id: document_hash(d) for d in after})
    return {kind: set(ids) for kind, ids in found.items()}


def change_cases(before: list, after: list) -> list[tuple[str, list, list, str]]:
    """(case, before, after, hint): the learner's two versions, then three the checker makes from ``before``."""
    from dataclasses import replace

    first, second = before[0], before[1]
    meta_only = [replace(first, metadata={**first.metadata, "product_version": "9.9"})] + before[1:]
    title_only = before[:1] + [replace(second, title=second.title + " (revised)")] + before[2:]
    return [("section 2's edits", before, after, "compare ids first: an id only after is added, only before removed"),
            ("only the metadata of one document changed", before, meta_only,
             "the fingerprint must cover the metadata too (product_version, updated ...)"),
            ("only the title of one document changed", before, title_only, "the fingerprint must cover the title too"),
            ("the same documents in another order", before, list(reversed(before)),
             "key the fingerprints by document id, not by position in the list")]


@exercise("06b.changed_documents")
def _changed_documents(answer) -> tuple[bool, str]:
    """answer = (changed_documents function, the documents before section 2's edits, the documents after them)."""
    try:
        func, before, after = answer
        before, after = list(before), list(after)
        results = []
        for case, old, new, hint in change_cases(before, after):
            got = func(old, new)
            results.append((case, hint, {k: {str(i) for i in got[k]} for k in CHANGE_KINDS},
                            _reference_changes(old, new)))
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        return False, (f"pass (changed_documents, list(kb_v1), list(kb_v2)) and return a dict with keys {CHANGE_KINDS}, "
                       f"each a collection of ids; it failed with {type(exc).__name__}: {exc}")
    for case, hint, got, want in results:
        if got != want:
            wrong = {k: {"missing": sorted(want[k] - got[k]), "extra": sorted(got[k] - want[k])}
                     for k in CHANGE_KINDS if got[k] != want[k]}
            return False, f"{case}: {wrong}. Hint: {hint}."
    edits = results[0][3]
    return True, (f"section 2's edits: {len(edits['added'])} added, {len(edits['changed'])} changed, "
                  f"{len(edits['removed'])} removed; metadata, title and order cases right too.")
