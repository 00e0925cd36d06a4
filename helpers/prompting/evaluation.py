"""The course yardstick: run a prompt function over a labelled dataset and measure quality, format validity,
tokens, latency and dollars. Results are cached per (prompt, model, example), so a re-run is instant.

Taught in notebooks/01_prompt_patterns.ipynb (accuracy and macro-F1 are written out there first).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import env, llm, registry, serving
from helpers.files import read_json, write_text_atomic
from helpers.prompting.patterns import Prompt


def accuracy(gold: Sequence, predicted: Sequence) -> float:
    """Share of exact matches (an unparsed prediction, None, counts as wrong)."""
    return float(np.mean([g == p for g, p in zip(gold, predicted)])) if len(gold) else 0.0


def macro_f1(gold: Sequence, predicted: Sequence, labels: Sequence) -> float:
    """The unweighted mean over labels of F1 = 2PR/(P+R); a label never predicted nor present scores 0."""
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def confusion_matrix(gold: Sequence, predicted: Sequence, labels: Sequence) -> pd.DataFrame:
    """Counts with gold labels as rows and predictions as columns; unparsed predictions in "(none)"."""
    columns = list(labels) + ["(none)"]
    table = pd.DataFrame(0, index=list(labels), columns=columns)
    for g, p in zip(gold, predicted):
        table.loc[g, p if p in labels else "(none)"] += 1
    return table


def dollars_per_1000(input_tokens: float, output_tokens: float, providers=("anthropic", "openai", "local")) -> pd.Series:
    """What 1,000 calls with these mean token counts cost on every registry model of ``providers``."""
    return pd.Series({m.id: 1000 * m.cost(input_tokens, output_tokens)
                      for m in registry.models().values() if m.provider in providers}, name="$ per 1,000")


def _cache_key(prompt: Prompt, provider: str, model: str, temperature: float) -> str:
    backend = "local:" + local_model_id() if llm.uses_local(provider) else provider
    blob = json.dumps({"system": prompt.system, "messages": prompt.messages, "model": model, "backend": backend,
                       "max_tokens": prompt.max_tokens, "stop": prompt.stop, "temperature": temperature},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def local_model_id() -> str:
    """The offline model that answers for a provider without a key: the serving choice (COURSE_LOCAL_MODEL, the
    model chosen for the GPU, or the packaged model), never downloading anything to find out."""
    return serving.current_choice().model_id


def _cache_path(key: str):
    return env.cache_dir() / "evaluations" / key[:2] / f"{key}.json"


# The fields of a cached answer that evaluate() reads, with their JSON types: an entry missing one is recomputed.
RECORD_FIELDS = {"text": str, "input_tokens": int, "output_tokens": int, "latency_s": (int, float),
                 "cost_usd": (int, float), "model_answered": str}


def _read_entry(path):
    """The JSON value of a cache file; None when it is missing or damaged (not UTF-8, not JSON, nested too deeply
    to parse): the caller recomputes it."""
    try:
        return read_json(path)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None


def _load_cached(key: str) -> dict | None:
    """A cached answer, or None (a miss) unless the entry is an object with every field of RECORD_FIELDS."""
    record = _read_entry(_cache_path(key))
    if not isinstance(record, dict):
        return None
    for name, kind in RECORD_FIELDS.items():
        if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
            return None
    return {name: value for name, value in record.items() if name != "cached"}


def _store(key: str, record: dict) -> None:
    path = _cache_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(record))


def _result_path(namespace: str, key):
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return env.cache_dir() / "evaluations" / namespace / digest[:2] / f"{digest}.json"


def lookup_result(namespace: str, key) -> tuple[bool, object]:
    """(found, value) of the result stored by :func:`store_result` for ``key``; a damaged file counts as missing."""
    stored = _read_entry(_result_path(namespace, key))
    return (True, stored["value"]) if isinstance(stored, dict) and "value" in stored else (False, None)


def store_result(namespace: str, key, value) -> None:
    """Store a JSON-able result under <cache>/evaluations/<namespace>/, named by a hash of ``key`` (any JSON-able
    object naming everything the value depends on). ``bench_notebooks --cold`` deletes these with the rest."""
    path = _result_path(namespace, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"value": value}))


def cached_json(namespace: str, key, compute: Callable[[], object]) -> tuple[object, bool]:
    """(value, came from the cache): ``compute()``'s JSON-able value, computed once per ``key``."""
    found, value = lookup_result(namespace, key)
    if found:
        return value, True
    value = compute()
    store_result(namespace, key, value)
    return value, False


def run_prompts(prompts: list[Prompt], *, provider: str | None = None, model: str | None = None,
                temperature: float = 0.0, cache: bool = True, progress: bool = True) -> list[dict]:
    """Answer every prompt (through helpers.llm, cached), returning dicts with text, tokens, latency, cost.
    Sampled answers (temperature > 0) are never cached: a re-run should draw again."""
    provider = provider or llm.active_provider()
    model = model or registry.default_model(provider)
    cache = cache and not temperature
    keys = [_cache_key(p, provider, model, temperature) for p in prompts]
    records: list[dict | None] = [(_load_cached(k) if cache else None) for k in keys]
    todo = [i for i, r in enumerate(records) if r is None]
    groups: dict[tuple, list[int]] = {}
    for i in todo:
        p = prompts[i]
        groups.setdefault((p.system, p.max_tokens, tuple(p.stop)), []).append(i)
    for (system, max_tokens, stop), members in groups.items():
        answers = llm.batch_complete([prompts[i].messages for i in members], system=system, provider=provider,
                                     model=model, max_tokens=max_tokens, stop=list(stop) or None,
                                     temperature=temperature, progress=progress)
        for i, answer in zip(members, answers):
            record = {"text": answer.text, "input_tokens": answer.input_tokens, "output_tokens": answer.output_tokens,
                      "latency_s": answer.latency_s, "cost_usd": answer.cost_usd, "model_answered":
                      answer.model_answered, "local": answer.local, "stop_reason": answer.stop_reason}
            if cache:
                _store(keys[i], record)
            records[i] = dict(record, cached=False)
    for i, record in enumerate(records):
        record.setdefault("cached", True)
    return records  # type: ignore[return-value]


@dataclass
class EvalRun:
    """Per-example results and the summary metrics of one (prompt pattern, model) on one dataset."""

    name: str
    results: pd.DataFrame
    summary: dict


def evaluate(prompt_fn: Callable[[dict], Prompt], examples: list[dict], *, name: str, label_key: str = "label",
             labels: Sequence | None = None, provider: str | None = None, model: str | None = None,
             temperature: float = 0.0, cache: bool = True, progress: bool = True) -> EvalRun:
    """Run ``prompt_fn`` on every example, parse each answer with the prompt's parser, and score it against
    ``example[label_key]``. An answer the parser cannot read counts as wrong (``predicted`` is None; the
    parser's best guess is kept in ``loose_guess``). Returns per-example rows and the summary (accuracy, macro-F1, format-valid rate,
    tokens, latency p50/p95, dollars paid)."""
    provider = provider or llm.active_provider()
    model = model or registry.default_model(provider)
    prompts = [prompt_fn(example) for example in examples]
    records = run_prompts(prompts, provider=provider, model=model, temperature=temperature, cache=cache,
                          progress=progress)
    rows = []
    for example, prompt, record in zip(examples, prompts, records):
        parsed = prompt.parser(prompt.prefill + record["text"])
        predicted = parsed.value if parsed.ok else None  # what production code could use: unparsed is wrong
        rows.append({"id": example.get("id"), "gold": example[label_key], "predicted": predicted,
                     "loose_guess": parsed.value, "correct": predicted == example[label_key], "format_ok": parsed.ok,
                     "parse_error": parsed.error, "output": record["text"], **{k: record[k] for k in (
                         "input_tokens", "output_tokens", "latency_s", "cost_usd", "cached", "model_answered")}})
    results = pd.DataFrame(rows)
    labels = list(labels) if labels is not None else sorted({e[label_key] for e in examples})
    summary = {
        "pattern": name, "model": model, "answered_by": results["model_answered"].iloc[0] if rows else None,
        "n": len(rows), "accuracy": accuracy(results["gold"], results["predicted"]),
        "macro_f1": macro_f1(list(results["gold"]), list(results["predicted"]), labels),
        "format_valid": float(results["format_ok"].mean()) if rows else 0.0,
        "input_tokens": float(results["input_tokens"].mean()) if rows else 0.0,
        "output_tokens": float(results["output_tokens"].mean()) if rows else 0.0,
        "latency_p50_s": float(results["latency_s"].quantile(0.5)) if rows else 0.0,
        "latency_p95_s": float(results["latency_s"].quantile(0.95)) if rows else 0.0,
        "paid_usd": float(results["cost_usd"].sum()) if rows else 0.0,
    }
    return EvalRun(name=name, results=results, summary=summary)


def summary_table(runs: Sequence[EvalRun]) -> pd.DataFrame:
    """One row per run, with the dollars per 1,000 examples on the run's own model."""
    table = pd.DataFrame([run.summary for run in runs])
    table["$ per 1,000 at list price"] = [
        1000 * registry.cost_usd(r.summary["model"], r.summary["input_tokens"], r.summary["output_tokens"])
        for r in runs]
    return table
