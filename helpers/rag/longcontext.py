"""When RAG is not the answer: put the documents themselves in the prompt ("long-context stuffing") and compare
with retrieval on accuracy, tokens, dollars and latency.

Taught in notebooks/06b_when_rag_is_not_the_answer.ipynb (section 1). Stuffed prompts use the same system prompt and
source format as the RAG prompt of notebook 03 (:func:`helpers.rag.answer.rag_prompt`); only the sources differ.
"""

from __future__ import annotations

import random

import pandas as pd

from helpers import registry
from helpers.prompting.patterns import Prompt
from helpers.rag.answer import rag_prompt
from helpers.rag.chunking import Chunk
from helpers.rag.corpus import Corpus
from helpers.rag.retrieval import Hit


def local_token_counter():
    """Token counts with the offline model's tokenizer (SmolLM2). Claude's and OpenAI's tokenizers differ, so for
    them this is an estimate; their API responses report the exact count (``usage``)."""
    from helpers.local_model import get_engine

    tokenizer = get_engine().tokenizer
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def whole_document_hits(corpus: Corpus, doc_ids) -> list[Hit]:
    """Documents as "retrieved" hits carrying their whole text, so :func:`rag_prompt` formats them."""
    return [Hit(d, 1.0, [Chunk(id=f"{d}#all", doc_id=d, text=corpus[d].text, title=corpus[d].title)])
            for d in doc_ids]


def stuffed_prompt(question: dict, corpus: Corpus, count_tokens, *, budget_tokens: int | None,
                   max_tokens: int = 120, seed: int = 0) -> tuple[Prompt, list[str]]:
    """The RAG prompt with whole documents as sources: every document when ``budget_tokens`` is None, else as many
    as fit in ``budget_tokens`` (counted per document), always including the question's gold documents, in a
    seeded random order. Returns the prompt and the document ids it carries."""
    gold = [d for d in question.get("gold_doc_ids", []) if d in corpus.by_id]
    others = [d for d in corpus.ids if d not in gold]
    random.Random(seed).shuffle(others)
    chosen, used = [], 0
    for doc_id in gold + others:
        tokens = count_tokens(corpus[doc_id].text) + 12  # + the "[id] title" line
        if budget_tokens is not None and used + tokens > budget_tokens:
            if doc_id in gold:
                raise ValueError(f"{question.get('id')}: its gold documents alone need more than {budget_tokens} "
                                 "tokens; raise budget_tokens.")
            continue
        chosen.append(doc_id)
        used += tokens
    random.Random(seed + 1).shuffle(chosen)  # gold documents at random positions, not always first
    words = sum(len(corpus[d].text.split()) for d in chosen) + 50 * len(chosen)
    prompt = rag_prompt(question["question"], whole_document_hits(corpus, chosen), max_words=words,
                        max_tokens=max_tokens)
    return prompt, chosen


def corpus_cost_table(corpus_tokens: int, rag_tokens: float, *, output_tokens: float,
                      providers=("anthropic", "openai", "local")) -> pd.DataFrame:
    """Per registry model: does the whole corpus fit its context window, and what one question costs with the
    corpus stuffed in (``corpus_tokens`` + ``output_tokens``), the same with the corpus read from the provider's
    prompt cache (every question after the first; notebook 02), and with a RAG prompt of ``rag_tokens``."""
    rows = []
    for m in registry.models().values():
        if m.provider not in providers:
            continue
        stuffed = m.cost(corpus_tokens, output_tokens)
        cached = m.cached_cost(corpus_tokens, 60, output_tokens, write=False)  # ~60 tokens: the question
        rag = m.cost(rag_tokens, output_tokens)
        rows.append({"model": m.id, "provider": m.provider, "context_window": m.context_window,
                     "corpus_fits": corpus_tokens + output_tokens <= m.context_window,
                     "corpus_share_of_window": corpus_tokens / m.context_window,
                     "$ per question, stuffed": stuffed, "$ per question, stuffed + cache read": cached,
                     "$ per question, RAG": rag,
                     "$ per 1,000 questions, stuffed": 1000 * stuffed, "$ per 1,000 questions, RAG": 1000 * rag,
                     "stuffed / RAG": stuffed / rag if rag else float("nan"), "price as_of": m.as_of})
    return pd.DataFrame(rows).set_index("model")
