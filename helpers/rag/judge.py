"""An LLM judge for RAG answers: a fixed rubric, JSON output parsed and validated against a schema, and verdicts
that never crash a loop (an unreadable reply is a failed verdict, counted as such).

Taught in notebooks/06_evaluating_rag.ipynb (the parser is written out there first). Agreement with hand labels
lives in :mod:`helpers.rag.agreement`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import jsonschema
import pandas as pd

from helpers.prompting.patterns import Parsed, Prompt

SCORES = ("relevance", "groundedness", "context_utilization")
PASS_MARK = 4  # a score of 4 or 5 counts as "yes" when a verdict is compared with a yes/no hand label

JUDGE_SYSTEM = """You grade one answer written by a retrieval-augmented support assistant.
You get the QUESTION, the SOURCES the assistant was given, and its ANSWER. Score three things, each an integer 1-5:
- relevance: 5 = the answer addresses the question directly; 3 = partly; 1 = it does not answer the question.
  Saying "not in the docs" is relevant (5) only when the sources really do not answer the question.
- groundedness: 5 = every claim in the answer is stated in the sources; 3 = one minor detail is not in the sources;
  1 = a key claim (a number, a version, a feature, a step) is missing from the sources or contradicts them.
  An answer that only says "not in the docs" makes no claim: 5.
- context_utilization: 5 = the answer uses every source fact the question needs; 3 = some of them; 1 = none.
Reply with one JSON object and nothing else:
{"relevance": 1-5, "groundedness": 1-5, "context_utilization": 1-5, "reason": "one sentence",
 "unsupported_claims": ["..."]}"""
JSON_PREFILL = '{"relevance":'  # a prefilled reply starts here (no trailing space: the Anthropic API refuses one)
JSON_END = "}"  # with the prefill, generation stops at the object's end (the verdict has no nested objects)

VERDICT_SCHEMA = {
    "type": "object",
    "required": [*SCORES, "reason"],
    "properties": {
        **{name: {"type": "integer", "minimum": 1, "maximum": 5} for name in SCORES},
        "unsupported_claims": {"type": "array", "items": {"type": "string"}},
        "reason": {"type": "string"},
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(VERDICT_SCHEMA)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.I)


@dataclass
class Verdict:
    """One judge reply: ``ok`` only when it is a JSON object that satisfies :data:`VERDICT_SCHEMA`."""

    ok: bool
    scores: dict = field(default_factory=dict)
    claims: list = field(default_factory=list)
    reason: str = ""
    error: str = ""

    def passes(self, name: str) -> bool | None:
        """Score ``name`` at or above :data:`PASS_MARK`; None when the verdict failed."""
        return self.scores[name] >= PASS_MARK if self.ok else None


def first_json_object(text: str) -> str | None:
    """The first balanced ``{...}`` in ``text`` (code fences and chatter around it ignored), or None."""
    text = _FENCE.sub("", (text or "").strip())
    start = text.find("{")
    while start != -1:
        depth, in_string, escaped = 0, False, False
        for i in range(start, len(text)):
            ch = text[i]
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
                continue
            if ch == '"':
                in_string = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return text[start:i + 1]
        start = text.find("{", start + 1)
    return None


def parse_verdict(text: str) -> Verdict:
    """Read a judge reply. Never raises: no JSON, broken JSON or a schema violation gives ``ok=False`` and says
    why in ``error``."""
    blob = first_json_object(text)
    if blob is None:
        return Verdict(ok=False, error="no JSON object in the reply")
    try:
        data = json.loads(blob)
    except json.JSONDecodeError as exc:
        return Verdict(ok=False, error=f"not valid JSON ({exc.msg} at char {exc.pos})")
    problems = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.path))
    if problems:
        where = "/".join(str(p) for p in problems[0].path) or "(top level)"
        return Verdict(ok=False, error=f"schema: {where}: {problems[0].message}")
    return Verdict(ok=True, scores={name: data[name] for name in SCORES}, claims=data.get("unsupported_claims", []),
                   reason=data["reason"])


def judge_prompt(question: str, context: str, answer: str, *, max_tokens: int = 160, prefill: bool = False) -> Prompt:
    """The judge's request: the rubric as the system prompt, question, sources and answer as the user turn. With
    ``prefill`` the reply is started with :data:`JSON_PREFILL` (an assistant turn the model continues; the Anthropic
    API and the offline model support it, OpenAI's chat API does not) and stops at :data:`JSON_END`."""
    user = f"QUESTION:\n{question}\n\nSOURCES:\n{context}\n\nANSWER:\n{answer}"
    messages = [{"role": "user", "content": user}]
    if prefill:
        messages.append({"role": "assistant", "content": JSON_PREFILL})
    return Prompt(system=JUDGE_SYSTEM, messages=messages, max_tokens=max_tokens, parser=_as_parsed,
                  stop=[JSON_END] if prefill else [])


def _as_parsed(text: str) -> Parsed:
    verdict = parse_verdict(text)
    return Parsed(value=verdict, ok=verdict.ok, error=verdict.error or None)


def judge_answers(items: list[dict], *, provider: str | None = None, model: str | None = None,
                  max_tokens: int = 160, prefill: bool = False, progress: bool = False) -> pd.DataFrame:
    """Judge each item (``id``, ``question``, ``context``, ``answer``) through helpers.llm, cached per prompt and
    model. One row per item: the three scores (None when the verdict failed), ``judge_ok``, ``judge_error``, the
    raw reply, tokens, latency and dollars."""
    from helpers.prompting.evaluation import run_prompts

    for number, item in enumerate(items):
        missing = [k for k in ("question", "context", "answer") if not isinstance(item.get(k), str)]
        if missing:
            raise ValueError(f"judge item {number} ({item.get('id', 'no id')}) lacks text for {missing}; each item "
                             "needs 'question', 'context' and 'answer' strings.")
    prompts = [judge_prompt(i["question"], i["context"], i["answer"], max_tokens=max_tokens, prefill=prefill)
               for i in items]
    records = run_prompts(prompts, provider=provider, model=model, progress=progress)
    rows = []
    for item, prompt, record in zip(items, prompts, records):
        # the reply as the model wrote it: prefill + continuation + the stop sequence the API strips
        raw = prompt.prefill + record["text"] + (JSON_END if record.get("stop_reason") == "stop_sequence" else "")
        verdict = parse_verdict(raw)
        rows.append({"id": item.get("id"), **{name: verdict.scores.get(name) for name in SCORES},
                     "judge_ok": verdict.ok, "judge_error": verdict.error, "unsupported_claims": verdict.claims,
                     "judge_raw": raw, "judge_model": record["model_answered"],
                     "judge_input_tokens": record["input_tokens"], "judge_output_tokens": record["output_tokens"],
                     "judge_s": record["latency_s"], "judge_usd": record["cost_usd"]})
    return pd.DataFrame(rows)
