"""Retrieval metrics on ranked document ids, and ``evaluate_retrieval`` for any pipeline on any question set.

Written out by hand in notebooks/03_naive_rag.ipynb, then used from here by 04-06 and 10. Relevance is binary: a
document is relevant when it is one of the question's ``gold_doc_ids``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

TYPE_ORDER = ["paraphrase", "exact_identifier", "multi_document", "version_recency", "unanswerable"]


def hit_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float:
    """1.0 when any gold document is among the first ``k`` results, else 0.0."""
    gold = set(gold)
    return float(any(doc in gold for doc in list(ranked)[:k]))


def reciprocal_rank(ranked: Sequence[str], gold: Sequence[str]) -> float:
    """1 / (rank of the first gold document), ranks from 1; 0.0 when none is retrieved."""
    gold = set(gold)
    for rank, doc in enumerate(ranked, start=1):
        if doc in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Sequence[str], k: int = 10) -> float:
    """Normalised discounted cumulative gain with binary gains: DCG = sum of 1/log2(rank+1) over gold documents in
    the top ``k``, divided by the DCG of a perfect ranking (all gold documents first)."""
    gold = set(gold)
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(list(ranked)[:k], start=1) if doc in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def recall_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float:
    """Share of the gold documents found in the first ``k`` results (matters for multi-document questions)."""
    gold = set(gold)
    return len(gold & set(list(ranked)[:k])) / len(gold) if gold else 0.0


@dataclass
class RetrievalReport:
    """Per-question rows and the metrics: overall, by question type, and latency percentiles."""

    name: str
    rows: pd.DataFrame
    summary: dict
    by_type: pd.DataFrame


def score_ranking(ranked: Sequence[str], gold: Sequence[str]) -> dict:
    return {"hit@1": hit_at_k(ranked, gold, 1), "hit@3": hit_at_k(ranked, gold, 3),
            "hit@5": hit_at_k(ranked, gold, 5), "mrr": reciprocal_rank(ranked, gold),
            "ndcg@10": ndcg_at_k(ranked, gold, 10), "recall@5": recall_at_k(ranked, gold, 5)}


METRICS = ["hit@1", "hit@3", "hit@5", "mrr", "ndcg@10", "recall@5", "passage@3"]


def passage_in_context(hits, passage: str, k: int = 3) -> float:
    """1.0 when the gold passage appears whole in the text a prompt would get: the best chunk of each of the first
    ``k`` documents (whitespace normalised). Chunk boundaries matter here, not only document ids."""
    wanted = " ".join(passage.split())
    return float(any(wanted in " ".join(h.chunks[0].text.split()) for h in hits[:k] if h.chunks))


def evaluate_retrieval(pipeline, questions, *, k: int = 10, name: str | None = None,
                       progress: bool = False) -> RetrievalReport:
    """Run ``pipeline.retrieve(question, k)`` on every question and score the ranked document ids.

    Questions without gold documents ("not in the docs") have no ranking to score: they are run (their latency and
    top score count) but left out of the ranking metrics. Latency is this process's wall time per query plus any
    model time the pipeline reports through ``extra_seconds`` (for example a cached LLM query rewrite)."""
    from tqdm.auto import tqdm

    questions = list(questions)
    prepare = getattr(pipeline, "prepare", None)
    if prepare:  # batch any LLM rewrites first (cached), at any depth; their recorded time is added back per query
        prepare([q["question"] for q in questions], progress=progress)
    rows = []
    for q in tqdm(questions, disable=not progress, desc=name or getattr(pipeline, "name", "retrieval")):
        start = time.perf_counter()
        hits = pipeline.retrieve(q["question"], k)
        seconds = time.perf_counter() - start + pipeline.extra_seconds(q["question"])
        ranked = [h.doc_id for h in hits]
        gold = list(q.get("gold_doc_ids", []))
        row = {"id": q.get("id"), "type": q.get("type", "untyped"), "question": q["question"], "gold": gold,
               "retrieved": ranked, "top_score": hits[0].score if hits else float("nan"), "latency_s": seconds,
               "answerable": bool(gold)}
        row.update(score_ranking(ranked, gold) if gold else {m: float("nan") for m in METRICS})
        if gold:
            row["passage@3"] = passage_in_context(hits, q["gold_passage"]) if q.get("gold_passage") else float("nan")
        row["context_words@3"] = sum(len(h.chunks[0].text.split()) for h in hits[:3] if h.chunks)
        rows.append(row)
    table = pd.DataFrame(rows)
    scored = table[table["answerable"]] if rows else table
    summary = {"pipeline": name or getattr(pipeline, "name", "pipeline"), "questions": len(table),
               "scored": len(scored)}
    summary.update({m: float(scored[m].mean()) if len(scored) else float("nan") for m in METRICS})
    summary["context_words@3"] = float(table["context_words@3"].mean()) if rows else float("nan")
    summary["latency_p50_ms"] = 1000 * float(table["latency_s"].quantile(0.5)) if rows else float("nan")
    summary["latency_p95_ms"] = 1000 * float(table["latency_s"].quantile(0.95)) if rows else float("nan")
    by_type = (scored.groupby("type")[METRICS].mean() if len(scored) else pd.DataFrame(columns=METRICS))
    order = [t for t in TYPE_ORDER if t in by_type.index] + [t for t in by_type.index if t not in TYPE_ORDER]
    by_type = by_type.reindex(order)
    by_type.insert(0, "n", scored.groupby("type").size().reindex(order) if len(scored) else [])
    return RetrievalReport(name=summary["pipeline"], rows=table, summary=summary, by_type=by_type)


def ablation_table(reports: Sequence[RetrievalReport]) -> pd.DataFrame:
    """One row per pipeline: the ranking metrics and latency percentiles, in the order given."""
    return pd.DataFrame([r.summary for r in reports]).set_index("pipeline")
