"""Answer with retrieved context and citations, and check answers deterministically.

Taught in notebooks/03_naive_rag.ipynb. The check needs no judge model: the reference facts must appear in the
answer, a citation must point at a gold document, and a question the docs cannot answer must get "not in the docs".
(LLM-judged metrics come in notebooks/06_evaluating_rag.ipynb.)
"""

from __future__ import annotations

import re
import time

import pandas as pd

from helpers.prompting.patterns import Parsed, Prompt

NOT_IN_DOCS = "not in the docs"
RAG_SYSTEM = (
    "You answer questions about Pulseboard using only the sources given. Cite the source id in square brackets "
    "after each fact, for example [pol-refunds]. If the sources do not contain the answer, reply exactly: "
    f"{NOT_IN_DOCS}. Keep the answer to two or three sentences."
)
CITATION = re.compile(r"\[([A-Za-z0-9_.-]+)(?:#[A-Za-z0-9_.]+)?\]")


def normalise(text: str) -> str:
    """Lower case, no Markdown emphasis or code ticks, no thousands separators, single spaces."""
    text = re.sub(r"[*`_]", "", text.lower())
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return " ".join(text.split())


def context_block(hits, *, max_words: int = 450, max_chunks_per_doc: int = 1) -> str:
    """The sources as the model sees them: ``[doc-id] title`` then the chunk text, within a word budget."""
    parts, used = [], 0
    for hit in hits:
        for chunk in hit.chunks[:max_chunks_per_doc]:
            words = chunk.text.split()
            room = max_words - used
            if room <= 20:
                break
            text = " ".join(words[:room])
            used += min(len(words), room)
            parts.append(f"[{hit.doc_id}] {chunk.title}\n{text}")
    return "\n\n".join(parts)


def rag_prompt(question: str, hits, *, max_words: int = 450, max_tokens: int = 120) -> Prompt:
    """The prompt that stuffs the retrieved chunks ahead of the question."""
    context = context_block(hits, max_words=max_words)
    return Prompt(system=RAG_SYSTEM, max_tokens=max_tokens, parser=lambda t: Parsed(value=t, ok=True),
                  messages=[{"role": "user", "content": f"Sources:\n{context}\n\nQuestion: {question}"}])


def cited_ids(text: str) -> list[str]:
    return list(dict.fromkeys(CITATION.findall(text or "")))


def check_answer(text: str, question: dict) -> dict:
    """Deterministic checks of one answer against the question's reference facts and gold documents."""
    answer = normalise(text or "")
    gold = set(question.get("gold_doc_ids", []))
    facts = question.get("reference_facts", [])
    found = [f for f in facts if normalise(f) in answer]
    cited = cited_ids(text)
    says_not = NOT_IN_DOCS in answer
    if gold:
        correct = bool(facts) and len(found) == len(facts) and not says_not
    else:
        correct = says_not
    return {"facts_found": len(found), "facts": len(facts), "all_facts": bool(facts) and len(found) == len(facts),
            "cited": cited, "cites_gold": bool(gold & set(cited)), "says_not_in_docs": says_not, "correct": correct}


def answer_questions(pipeline, questions, *, k: int = 3, provider: str | None = None, model: str | None = None,
                     max_words: int = 450, max_tokens: int = 120, progress: bool = False) -> pd.DataFrame:
    """Retrieve ``k`` documents per question, answer from them (cached through helpers.prompting.evaluation.run_prompts),
    and check each answer. One row per question."""
    from helpers.prompting.evaluation import run_prompts

    questions = list(questions)
    prepared, retrieval_s = [], []
    for q in questions:
        start = time.perf_counter()
        hits = pipeline.retrieve(q["question"], k)
        retrieval_s.append(time.perf_counter() - start + pipeline.extra_seconds(q["question"]))
        prepared.append((hits, rag_prompt(q["question"], hits, max_words=max_words, max_tokens=max_tokens)))
    records = run_prompts([p for _, p in prepared], provider=provider, model=model, progress=progress)
    rows = []
    for q, (hits, _), record, seconds in zip(questions, prepared, records, retrieval_s):
        rows.append({"id": q.get("id"), "type": q.get("type"), "question": q["question"],
                     "gold": q.get("gold_doc_ids", []), "retrieved": [h.doc_id for h in hits],
                     "answer": record["text"], **check_answer(record["text"], q),
                     "retrieval_s": seconds, "generation_s": record["latency_s"],
                     "input_tokens": record["input_tokens"], "output_tokens": record["output_tokens"],
                     "cost_usd": record["cost_usd"], "model_answered": record["model_answered"]})
    return pd.DataFrame(rows)


def answer_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Answer quality by question type: share correct, share with all facts, share citing a gold document."""
    answerable = table[table["gold"].map(bool)]
    by_type = table.groupby("type").agg(n=("id", "size"), correct=("correct", "mean"))
    by_type["all_facts"] = answerable.groupby("type")["all_facts"].mean()
    by_type["cites_gold"] = answerable.groupby("type")["cites_gold"].mean()
    by_type["says_not_in_docs"] = table.groupby("type")["says_not_in_docs"].mean()
    total = pd.DataFrame([{"n": len(table), "correct": table["correct"].mean(),
                           "all_facts": answerable["all_facts"].mean() if len(answerable) else float("nan"),
                           "cites_gold": answerable["cites_gold"].mean() if len(answerable) else float("nan"),
                           "says_not_in_docs": table["says_not_in_docs"].mean()}], index=["all"])
    return pd.concat([by_type, total])
