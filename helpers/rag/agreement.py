"""How far to trust a judge: its agreement with hand labels (raw agreement and Cohen's kappa), its invalid-verdict
rate and its hallucination catch rate, beside two judges that need no model (always "yes", and a word-overlap
heuristic).

Taught in notebooks/06_evaluating_rag.ipynb (kappa is written out there first). The labels are
data/judge_labels.jsonl (see data/README.md).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.rag.answer import normalise
from helpers.rag.judge import PASS_MARK

CRITERIA = {"grounded": "groundedness", "relevant": "relevance"}  # hand label -> judge score
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)*")
WORD = re.compile(r"[a-z][a-z0-9-]{3,}")
REFUSAL = re.compile(r"not in the docs|(?:do|does|did) not (?:say|mention|state|give|describe)|could not find|"
                     r"cannot find|no information")
STOP = frozenset("""this that with from your have will when what which their there they them then than into also
only each more most some such just about after before over under been were does done make made must should would
could very same other these those where while because here like need needs used uses using within every answer
answers yes""".split())


def cohen_kappa(gold, predicted) -> float:
    """(p_o - p_e) / (1 - p_e): observed agreement corrected for the agreement two raters with these label
    frequencies would reach by chance. A prediction of None (a failed verdict) is a category of its own."""
    gold, predicted = list(gold), list(predicted)
    if len(gold) != len(predicted) or not gold:
        raise ValueError(f"need two equally long, non-empty label lists (got {len(gold)} and {len(predicted)})")
    observed = float(np.mean([g == p for g, p in zip(gold, predicted)]))
    categories = set(gold) | set(predicted)
    chance = sum((gold.count(c) / len(gold)) * (predicted.count(c) / len(predicted)) for c in categories)
    return 0.0 if chance == 1.0 else (observed - chance) / (1.0 - chance)


def yes_no(verdicts: pd.DataFrame) -> pd.DataFrame:
    """LLM-judge rows (scores 1-5) to yes/no per hand-label criterion: a score >= PASS_MARK is yes; a failed
    verdict is None."""
    out = pd.DataFrame({"id": verdicts["id"], "judge_ok": verdicts["judge_ok"]})
    for label, score in CRITERIA.items():
        out[label] = [None if not ok or pd.isna(s) else bool(s >= PASS_MARK)
                      for ok, s in zip(verdicts["judge_ok"], verdicts[score])]
    return out


def always_yes(items: list[dict]) -> pd.DataFrame:
    """The trivial judge: every answer is grounded and relevant. Its kappa is 0 by construction."""
    return pd.DataFrame([{"id": i["id"], "judge_ok": True, "grounded": True, "relevant": True} for i in items])


def unsupported(answer: str, context: str) -> dict:
    """What in ``answer`` the ``context`` does not contain: numbers (versions, amounts, days) and the share of
    content words (4+ letters, not stop words; matched on their first 5 letters). Citations are ignored."""
    answer = re.sub(r"\[[^\]]*\]", " ", normalise(answer))
    context = normalise(context)
    numbers = [n for n in dict.fromkeys(NUMBER.findall(answer))
               if not re.search(rf"(?<![\w.]){re.escape(n)}(?![\d]|\.\d)", context)]
    words = [w for w in WORD.findall(answer) if w not in STOP]
    stems = {w[:5] for w in WORD.findall(context)}
    missing = [w for w in words if w[:5] not in stems]
    return {"numbers": numbers, "missing_words": missing,
            "word_support": 1.0 - len(missing) / len(words) if words else 1.0}


def overlap_judge(items: list[dict], *, min_support: float = 0.7) -> pd.DataFrame:
    """A judge with no model: grounded when every number of the answer is in the sources and at least
    ``min_support`` of its content words are; a refusal ("not in the docs", "the documents do not say") claims
    nothing (grounded). It has no opinion on relevance (None)."""
    rows = []
    for item in items:
        if REFUSAL.search(normalise(item["answer"])):
            grounded = True
        else:
            found = unsupported(item["answer"], item["context"])
            grounded = not found["numbers"] and found["word_support"] >= min_support
        rows.append({"id": item["id"], "judge_ok": True, "grounded": grounded, "relevant": None})
    return pd.DataFrame(rows)


def agreement(labels: list[dict], judged: pd.DataFrame, *, judge: str) -> dict:
    """One judge against the hand labels: per criterion the raw agreement (a failed verdict counts as a
    disagreement) and Cohen's kappa; the valid-verdict rate; the share of planted hallucinations judged not grounded
    (catch rate) and of grounded answers judged not grounded (false alarms)."""
    by_id = judged.set_index("id")
    missing = [l["id"] for l in labels if l["id"] not in by_id.index]
    if missing:
        raise ValueError(f"the judge has no verdict for {missing[:5]}{'...' if len(missing) > 5 else ''}; judge "
                         "every labelled item, or pass only the labels you judged.")
    rows = by_id.loc[[l["id"] for l in labels]]
    out = {"judge": judge, "n": len(labels), "valid_json": float(rows["judge_ok"].mean())}
    for label in CRITERIA:
        predicted = [None if pd.isna(p) else bool(p) for p in rows[label]]
        if all(p is None for p in predicted) and rows["judge_ok"].all():
            out[f"{label}_agreement"] = out[f"{label}_kappa"] = float("nan")  # this judge has no opinion on it
            continue
        gold = [bool(l[label]) for l in labels]
        out[f"{label}_agreement"] = float(np.mean([g == p for g, p in zip(gold, predicted)]))
        out[f"{label}_kappa"] = cohen_kappa(gold, predicted)
    grounded = dict(zip(rows.index, rows["grounded"]))
    planted = [l["id"] for l in labels if l["kind"] == "hallucination"]
    clean = [l["id"] for l in labels if l["grounded"]]
    out["hallucinations"] = len(planted)
    out["caught"] = float(np.mean([_is_no(grounded[i]) for i in planted])) if planted else float("nan")
    out["false_alarms"] = float(np.mean([_is_no(grounded[i]) for i in clean])) if clean else float("nan")
    return out


def _is_no(value) -> bool:
    """True only for a real "no" (a failed verdict, None or NaN, is not a "no")."""
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and not bool(value)


def label_items(labels: list[dict], corpus, *, max_words: int = 300, chunk_words: int = 100) -> list[dict]:
    """Judge inputs for the hand-labelled answers: the sources are the passages of each label's context documents
    closest to its question and answer (MiniLM cosine, chunks of ``chunk_words``), best first, within
    ``max_words``, written like the answerer's prompt (``[doc-id] title`` then the text)."""
    from helpers.rag.chunking import fixed_chunks
    from helpers.rag.index import embed_texts

    unknown = sorted({d for l in labels for d in l["context_doc_ids"] if d not in corpus.by_id})
    if unknown:
        raise ValueError(f"context documents {unknown} are not in the corpus {corpus.folder}; load the knowledge "
                         "base the labels were written against (data/kb).")
    chunks = fixed_chunks(corpus, chunk_words, chunk_words // 5)
    vectors = dict(zip((c.id for c in chunks), embed_texts([c.text for c in chunks])))
    queries = embed_texts([f"{l['question']} {l['answer']}" for l in labels])
    items = []
    for label, query in zip(labels, queries):
        candidates = [c for c in chunks if c.doc_id in label["context_doc_ids"]]
        candidates.sort(key=lambda c: -float(vectors[c.id] @ query))
        parts, used = [], 0
        for chunk in candidates:
            words = len(chunk.text.split())
            if used and used + words > max_words:
                continue
            parts.append(f"[{chunk.doc_id}] {chunk.title}\n{chunk.text}")
            used += words
        items.append({"id": label["id"], "question": label["question"], "answer": label["answer"],
                      "context": "\n\n".join(parts)})
    return items
