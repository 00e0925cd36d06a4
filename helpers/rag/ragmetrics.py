"""End-to-end RAG metrics per query, the seed article's ``RAGMetrics`` made complete: retrieved documents,
retrieval and generation latency, tokens and dollars, the deterministic answer checks of notebook 03, and the LLM
judge's relevance, groundedness and context utilization.

Taught in notebooks/06_evaluating_rag.ipynb; rows go to :class:`helpers.rag.tracker.MetricsTracker` unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from helpers import registry
from helpers.rag.answer import answer_questions, context_block
from helpers.rag.judge import SCORES, judge_answers


@dataclass
class RAGMetrics:
    """One answered query, measured."""

    query_id: str
    question: str
    pipeline: str
    model: str
    retrieved: list = field(default_factory=list)
    retrieval_ms: float = 0.0
    generation_ms: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    correct: bool = False              # deterministic: reference facts / "not in the docs"
    cites_gold: bool = False           # deterministic: a citation names a gold document
    relevance: int | None = None       # judge, 1-5 (None: the verdict was not valid JSON)
    groundedness: int | None = None
    context_utilization: int | None = None
    judge_ok: bool = False


def from_answers(answers: pd.DataFrame, *, pipeline: str) -> pd.DataFrame:
    """:class:`RAGMetrics` rows (judge fields empty) from a :func:`helpers.rag.answer_questions` table, plus the
    question type, the answer and whether the question is answerable."""
    rows = []
    for row in answers.itertuples():
        metrics = RAGMetrics(query_id=row.id, question=row.question, pipeline=pipeline, model=row.model_answered,
                             retrieved=list(row.retrieved), retrieval_ms=1000 * row.retrieval_s,
                             generation_ms=1000 * row.generation_s, input_tokens=int(row.input_tokens),
                             output_tokens=int(row.output_tokens), cost_usd=float(row.cost_usd),
                             correct=bool(row.correct), cites_gold=bool(row.cites_gold))
        rows.append({**asdict(metrics), "type": row.type, "answerable": bool(row.gold), "answer": row.answer,
                     "says_not_in_docs": bool(row.says_not_in_docs)})
    return pd.DataFrame(rows)


def evaluate_rag(pipeline, questions, *, k: int = 3, provider: str | None = None, model: str | None = None,
                 judge_provider: str | None = None, judge_model: str | None = None, judge_max_tokens: int = 160,
                 judge_prefill: bool = False, name: str | None = None) -> pd.DataFrame:
    """Answer every question with ``pipeline`` (helpers.rag.answer_questions, cached), then judge each answer
    against the exact sources its prompt carried. One row per question: the :class:`RAGMetrics` fields plus the
    answer, the question type and the judge's raw reply."""
    questions = list(questions)
    name = name or getattr(pipeline, "name", "pipeline")
    answers = answer_questions(pipeline, questions, k=k, provider=provider, model=model)
    items = []
    for q, row in zip(questions, answers.itertuples()):
        hits = pipeline.retrieve(q["question"], k)  # deterministic: the same sources the answerer was shown
        if [h.doc_id for h in hits] != list(row.retrieved):
            raise RuntimeError(f"{name} retrieved different documents for {q.get('id')} on a second call; "
                               "evaluate_rag needs a deterministic pipeline (no sampled query rewrites).")
        items.append({"id": row.id, "question": q["question"], "answer": row.answer, "context": context_block(hits)})
    verdicts = judge_answers(items, provider=judge_provider, model=judge_model, max_tokens=judge_max_tokens,
                             prefill=judge_prefill)
    table = from_answers(answers, pipeline=name)
    for column in (*SCORES, "judge_ok", "judge_raw"):
        table[column] = verdicts[column].to_numpy()
    table["context"] = [item["context"] for item in items]
    return table


def summarise(table: pd.DataFrame, *, price_model: str | None = None) -> pd.DataFrame:
    """One row per pipeline: deterministic checks, judge scores (over valid verdicts), valid-verdict rate, latency
    p50, tokens, and dollars per 1,000 queries at ``price_model``'s list price (default: the model that answered,
    which is $0 offline)."""
    def one(part: pd.DataFrame) -> pd.Series:
        answerable, unanswerable = part[part["answerable"]], part[~part["answerable"]]
        tokens_in, tokens_out = part["input_tokens"].mean(), part["output_tokens"].mean()
        model = price_model or part["model"].iloc[0]
        price = 1000 * registry.cost_usd(model, tokens_in, tokens_out) if model in registry.models() else float("nan")
        valid = part[part["judge_ok"]]
        return pd.Series({
            "n": len(part), "correct": part["correct"].mean(),
            "cites_gold": answerable["cites_gold"].mean() if len(answerable) else float("nan"),
            "refuses_unanswerable": unanswerable["says_not_in_docs"].mean() if len(unanswerable) else float("nan"),
            "judge_valid": part["judge_ok"].mean(),
            **{s: valid[s].astype(float).mean() if len(valid) else float("nan") for s in SCORES},
            "retrieval_ms_p50": part["retrieval_ms"].median(), "generation_ms_p50": part["generation_ms"].median(),
            "input_tokens": tokens_in, "output_tokens": tokens_out, "$ per 1,000": price, "priced_at": model})

    return pd.DataFrame({name: one(part) for name, part in table.groupby("pipeline", sort=False)}).T.infer_objects()
