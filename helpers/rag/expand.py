"""Query expansion: an LLM rewrites the question into search queries (multi-query) or a hypothetical answer (HyDE).

Taught in notebooks/04_advanced_rag.ipynb, which measures whether it helps; with the 135M offline model it can make
retrieval worse, and the notebook shows that. Generations go through ``helpers.prompting.evaluation.run_prompts``, so they are
cached per (prompt, model): ``prepare(questions)`` writes them all in one batch, and the time each one took is kept
and reported as part of the pipeline's latency.
"""

from __future__ import annotations

import re

from helpers.prompting.patterns import Parsed, Prompt

MULTI_QUERY_SYSTEM = ("You rewrite a customer's question into short search queries for a product help centre. "
                      "Write {n} different queries, one per line, no numbering, no other text.")
HYDE_SYSTEM = ("Write the passage from a product help centre that answers the question. Two or three factual "
               "sentences, no preamble.")


def _lines(text: str) -> Parsed:
    rows = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip().strip('"') for line in text.splitlines()]
    rows = [r for r in rows if len(r) > 3]
    return Parsed(value=rows, ok=bool(rows), error=None if rows else "no query lines")


class _LLMExpander:
    name = "expander"
    system = ""
    max_tokens = 80

    def __init__(self, *, provider: str | None = None, model: str | None = None):
        self.provider, self.model = provider, model
        self._answers: dict[str, tuple[list[str], float]] = {}

    def prompt(self, question: str) -> Prompt:
        return Prompt(system=self.system, messages=[{"role": "user", "content": question}], parser=_lines,
                      max_tokens=self.max_tokens)

    def _parse(self, question: str, text: str) -> list[str]:
        raise NotImplementedError

    def prepare(self, questions: list[str], progress: bool = False) -> None:
        """Generate (or read from the cache) the expansions of many questions in one batch."""
        from helpers.prompting.evaluation import run_prompts

        todo = [q for q in dict.fromkeys(questions) if q not in self._answers]
        if not todo:
            return
        records = run_prompts([self.prompt(q) for q in todo], provider=self.provider, model=self.model,
                              progress=progress)
        for question, record in zip(todo, records):
            self._answers[question] = (self._parse(question, record["text"]), float(record["latency_s"]))

    def variants(self, question: str) -> list[str]:
        self.prepare([question])
        return self._answers[question][0]

    def seconds(self, question: str) -> float:
        """Generation time recorded for this question (the local model's share of its batch; API round trip)."""
        self.prepare([question])
        return self._answers[question][1]


class MultiQueryExpander(_LLMExpander):
    """``n`` LLM-written rephrasings, searched alongside the original question and fused by RRF."""

    def __init__(self, n: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.system = MULTI_QUERY_SYSTEM.format(n=n)
        self.name = f"multi-query x{n}"

    def _parse(self, question: str, text: str) -> list[str]:
        parsed = _lines(text)
        seen = {question.strip().lower()}
        out = []
        for line in parsed.value or []:
            if line.lower() not in seen:
                seen.add(line.lower())
                out.append(line[:300])
        return out[: self.n]


class HyDEExpander(_LLMExpander):
    """Hypothetical document embeddings: the LLM writes an answer passage, which is searched like a query."""

    name = "HyDE"
    system = HYDE_SYSTEM
    max_tokens = 90

    def _parse(self, question: str, text: str) -> list[str]:
        text = " ".join(text.split())
        return [text[:1200]] if len(text) > 10 else []
