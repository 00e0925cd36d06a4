"""The bake-off machinery: every strategy on every task as one cached cell, one table with the course yardstick,
and the seed article's claims checked by rules over the numbers (never typed in).

Taught in notebooks/10_bakeoff.ipynb. The strategies themselves (prompts, RAG, LoRA, hybrids) are in
helpers.bakeoff.tasks; this module only runs, caches, measures and judges them, so it works on any callables.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers import env, registry, serving, stats
from helpers.files import fingerprint, read_json, write_text_atomic

CACHE_VERSION = 1  # bump when a stored record's shape changes: old records are then recomputed
FAMILIES = ("prompt", "rag", "finetune", "hybrid")
ROW_FIELDS = ("correct", "format_ok", "input_tokens", "output_tokens", "latency_s")


class SkipCell(Exception):
    """Raised by a strategy that cannot run here (say, no API key); the reason is printed and shown in the table."""


@dataclass
class Outcome:
    """What a strategy returns for one task: one row per example (``correct`` in [0, 1], ``format_ok``,
    ``hallucinated`` True/False/None when it does not apply, ``input_tokens``, ``output_tokens``, ``latency_s``,
    ``cost_usd`` actually paid, plus anything worth showing), and its one-off setup (``seconds``, ``trained_tokens``,
    ``api_training_usd`` when a real API job was paid)."""

    rows: list[dict]
    setup: dict = field(default_factory=dict)
    answered_by: str = ""
    tuned: bool = False  # priced as a fine-tuned model (an API fine-tune's inference prices)


@dataclass
class Task:
    """One task of the bake-off: its held-out examples and how its quality is summarised."""

    name: str
    examples: list[dict]
    quality_name: str = "accuracy"
    quality: Callable[[pd.DataFrame], float] | None = None  # default: the mean of ``correct``
    hallucination_name: str | None = None

    def score(self, rows: pd.DataFrame) -> float:
        if self.quality is not None:
            return float(self.quality(rows))
        return float(rows["correct"].mean()) if len(rows) else float("nan")


@dataclass
class Strategy:
    """One way of doing a task. ``settings`` must hold everything that changes its answers (hyperparameters,
    prompt version, training-data fingerprint): it is part of the cache key."""

    task: str
    name: str
    family: str
    run: Callable[[list[dict]], Outcome]
    settings: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, not {self.family!r}")


@dataclass
class CellResult:
    """One (task, strategy) cell: per-example rows, setup, and whether it came from the cache."""

    task: str
    strategy: str
    family: str
    status: str  # "ok" or "skipped"
    rows: pd.DataFrame
    setup: dict
    answered_by: str = ""
    tuned: bool = False
    cached: bool = False
    reason: str = ""
    seconds: float = 0.0  # wall time of this run (0 when loaded from the cache)


class ResultCache:
    """Cell results as JSON files under ``root`` (default: <course cache>/bakeoff/results), keyed by the task, the
    strategy's name and settings, the examples and the answering backend."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else env.cache_dir() / "bakeoff" / "results"
        self.root.mkdir(parents=True, exist_ok=True)

    def key(self, task: Task, strategy: Strategy, backend: str) -> str:
        return fingerprint({"v": CACHE_VERSION, "task": task.name, "strategy": strategy.name,
                            "family": strategy.family, "settings": strategy.settings, "backend": backend,
                            "examples": fingerprint(task.examples)})

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def load(self, key: str) -> dict | None:
        return read_json(self.path(key))  # a missing or damaged record is recomputed

    def store(self, key: str, record: dict) -> None:
        write_text_atomic(self.path(key), json.dumps(record, default=str))


def cached(name: str, settings: dict, compute: Callable[[], object], *, run_all: bool = False,
           cache: ResultCache | None = None) -> tuple[object, bool]:
    """(value, loaded from the cache) for any JSON-able step a notebook should not redo on every render (choosing
    a pipeline, indexing examples): computed once per ``settings``, recomputed with ``run_all``."""
    cache = cache or ResultCache()
    key = fingerprint({"v": CACHE_VERSION, "step": name, "settings": settings})
    record = None if run_all else cache.load(key)
    if record is not None:
        return record["value"], True
    value = compute()
    cache.store(key, {"value": value, "step": name, "when": time.strftime("%Y-%m-%d %H:%M")})
    return value, False


def _check_rows(rows: list[dict], strategy: Strategy, n: int) -> None:
    if len(rows) != n:
        raise ValueError(f"{strategy.task} / {strategy.name} returned {len(rows)} rows for {n} examples")
    for i, row in enumerate(rows):
        missing = [f for f in ROW_FIELDS if f not in row]
        if missing:
            raise ValueError(f"{strategy.task} / {strategy.name}: row {i} lacks {', '.join(missing)}")


def run_cell(task: Task, strategy: Strategy, cache: ResultCache, *, run_all: bool = False, backend: str = "",
             log: Callable[[str], None] = print) -> CellResult:
    """Run one strategy on one task, or load its result from ``cache`` (``run_all=True`` recomputes and overwrites).
    A strategy that raises :class:`SkipCell` is reported as skipped, with its reason printed, and never cached."""
    if strategy.task != task.name:
        raise ValueError(f"strategy {strategy.name!r} belongs to task {strategy.task!r}, not {task.name!r}")
    key = cache.key(task, strategy, backend)
    record = None if run_all else cache.load(key)
    if record is not None:
        return CellResult(task.name, strategy.name, strategy.family, "ok", pd.DataFrame(record["rows"]),
                          record["setup"], record["answered_by"], record["tuned"], cached=True)
    start = time.perf_counter()
    try:
        outcome = strategy.run(task.examples)
    except SkipCell as skip:
        log(f"[skipped] {task.name} / {strategy.name}: {skip}")
        return CellResult(task.name, strategy.name, strategy.family, "skipped", pd.DataFrame(), {}, reason=str(skip))
    seconds = time.perf_counter() - start
    _check_rows(outcome.rows, strategy, len(task.examples))
    cache.store(key, {"rows": outcome.rows, "setup": outcome.setup, "answered_by": outcome.answered_by,
                      "tuned": outcome.tuned, "task": task.name, "strategy": strategy.name,
                      "when": time.strftime("%Y-%m-%d %H:%M")})
    log(f"[ran] {task.name} / {strategy.name}: {len(outcome.rows)} examples in {seconds:.1f} s")
    return CellResult(task.name, strategy.name, strategy.family, "ok", pd.DataFrame(outcome.rows), outcome.setup,
                      outcome.answered_by, outcome.tuned, cached=False, seconds=seconds)


# --- the yardstick ------------------------------------------------------------------------------------------------
def reference_models() -> dict[str, str]:
    """The API models every cell is priced on: the registry's Anthropic and OpenAI defaults, and the base the
    course fine-tunes through OpenAI's API (the fine-tuning default, as of the registry's date: the default chat
    model may not be fine-tunable at all)."""
    return {"anthropic": registry.default_model("anthropic"), "openai": registry.default_model("openai"),
            "openai fine-tuning": registry.default_fine_tuning_base("openai", on=registry.as_of())}


def price_columns() -> list[str]:
    """The table's list-price columns, in reference_models() order (notebook 10, section 4)."""
    return [f"$/1k {model}" + (" (tuned)" if role == "openai fine-tuning" else "")
            for role, model in reference_models().items()]


def api_price_per_1000(input_tokens: float, output_tokens: float, *, tuned: bool) -> dict[str, float]:
    """Dollars per 1,000 queries with these mean token counts at list price, one column per reference model. A tuned
    cell is priced only in the fine-tuning base's column, at its fine-tuned inference price (the other columns are
    NaN: Anthropic offers no fine-tuning API, and the OpenAI default may not be fine-tunable); an untuned cell in
    the two default models' columns, and at the fine-tuning base's plain price."""
    out = {}
    for (role, model), column in zip(reference_models().items(), price_columns()):
        if role == "openai fine-tuning":
            info = registry.get(f"ft:{model}:bakeoff:price:0") if tuned else None
        else:
            info = None if tuned else registry.get(model)
        out[column] = float("nan") if info is None else 1000 * info.cost(input_tokens, output_tokens)
    return out


def setup_costs(setup: dict) -> dict[str, float]:
    """Setup cost in the units the table shows: seconds measured here, what the same training tokens would cost as
    an OpenAI fine-tuning job (registry training price; the real bill when an API job ran), and an upper bound for
    renting the cheapest registry GPU for as long as this machine trained (a GPU is faster, so it costs less)."""
    seconds = float(setup.get("seconds", 0.0))
    tokens = float(setup.get("trained_tokens", 0.0))
    openai = registry.get(reference_models()["openai fine-tuning"])
    api = setup.get("api_training_usd")
    if api is None:
        api = tokens * (openai.training_usd_per_mtok or 0.0) / 1e6
    gpu = min(registry.gpu_hour_prices(), key=lambda r: r["usd_per_hour"]) if registry.gpu_hour_prices() else None
    gpu_usd = seconds / 3600 * gpu["usd_per_hour"] if gpu and tokens else 0.0
    return {"setup_s": seconds, "trained_tokens": tokens, "setup_api_usd": float(api), "setup_gpu_usd_max": gpu_usd}


def cell_metrics(task: Task, cell: CellResult) -> dict:
    """The table row of one cell."""
    base = {"task": task.name, "strategy": cell.strategy, "family": cell.family, "status": cell.status,
            "base_model": serving.base_model(cell.answered_by or "")}
    if cell.status != "ok":
        return {**base, "note": cell.reason}
    rows = cell.rows
    hallucinated = rows["hallucinated"].dropna() if "hallucinated" in rows else pd.Series(dtype=float)
    tokens_in, tokens_out = float(rows["input_tokens"].mean()), float(rows["output_tokens"].mean())
    paid = float(rows["cost_usd"].mean()) if "cost_usd" in rows else 0.0
    return {**base, "n": len(rows), "n_hallucination": len(hallucinated), "quality": task.score(rows),
            "quality_metric": task.quality_name,
            "format_valid": float(rows["format_ok"].mean()),
            "hallucination": float(hallucinated.astype(float).mean()) if len(hallucinated) else float("nan"),
            "latency_p50_s": float(rows["latency_s"].median()), "input_tokens": tokens_in,
            "output_tokens": tokens_out, "$/1k paid": 1000 * paid,
            **api_price_per_1000(tokens_in, tokens_out, tuned=cell.tuned), **setup_costs(cell.setup),
            "answered_by": cell.answered_by, "cached": cell.cached, "note": cell.setup.get("note", "")}


# --- the verdicts -------------------------------------------------------------------------------------------------
def noise(a: float, b: float, n: int) -> float:
    """Unpaired approximation (notebook 10 contrasts it with the paired test of helpers.stats, which the verdicts
    use). The smallest difference between two scores on ``n`` examples that the verdicts count as real: about two
    standard errors of a difference of two proportions, and never less than one example (1/n)."""
    if n <= 0:
        return float("inf")
    p = min(max((a + b) / 2, 0.0), 1.0)
    return max(1.0 / n, 1.96 * math.sqrt(2 * p * (1 - p) / n))


def compare(a: float, b: float, n: int) -> str:
    """"higher", "lower" or "tie" (within :func:`noise`) for score ``a`` against score ``b``."""
    if any(isinstance(x, float) and math.isnan(x) for x in (a, b)):
        return "missing"
    gap = a - b
    if abs(gap) < noise(a, b, n) - 1e-12:
        return "tie"
    return "higher" if gap > 0 else "lower"


@dataclass(frozen=True)
class Claim:
    """A claim of the seed article, tested as "``subject`` beats ``against`` on ``metric``" for one task.
    ``subject`` and ``against`` are strategy names or "best:<family>[,<family>]" (the best cell of those
    families). ``held_if``: "higher" (the claim needs a real win) or "not lower" (a tie is enough). ``share`` < 1
    makes it "``subject`` reaches that share of ``against``" (0.9: LoRA reaches 90% of full fine-tuning's quality),
    tested on subject - share x against."""

    claim: str
    task: str
    subject: str
    against: str
    metric: str = "quality"
    held_if: str = "higher"
    share: float = 1.0


def _pick(table: pd.DataFrame, task: str, who: str) -> pd.Series | None:
    rows = table[(table["task"] == task) & (table["status"] == "ok")]
    if who.startswith("best:"):
        rows = rows[rows["family"].isin(who[5:].split(","))]
        return None if rows.empty else rows.loc[rows["quality"].idxmax()]
    rows = rows[rows["strategy"] == who]
    return None if rows.empty else rows.iloc[0]


def _metric_values(task: Task, cell: CellResult, metric: str) -> pd.DataFrame:
    """The per-example rows a claim's metric is computed from, keyed by example position."""
    rows = cell.rows.reset_index(drop=True)
    if metric == "hallucination":
        return rows[rows["hallucinated"].notna()] if "hallucinated" in rows else rows.iloc[0:0]
    return rows


def paired_comparison(task: Task, a: CellResult, b: CellResult, metric: str = "quality", *,
                      share: float = 1.0) -> stats.Comparison:
    """A vs B on the same examples with helpers.stats: McNemar for right/wrong scores (accuracy, format validity,
    hallucination), a paired bootstrap for set scores (macro-F1, field accuracy) and for "A reaches ``share`` of
    B" (A - share x B)."""
    rows_a, rows_b = _metric_values(task, a, metric), _metric_values(task, b, metric)
    shared = rows_a.index.intersection(rows_b.index)  # hallucination: the unanswerable questions both answered
    rows_a, rows_b = rows_a.loc[shared], rows_b.loc[shared]
    if "id" in rows_a and "id" in rows_b and list(rows_a["id"]) != list(rows_b["id"]):
        raise ValueError(f"{a.strategy!r} and {b.strategy!r} were not scored on the same examples in the same order")
    if metric == "format_valid":
        return stats.paired_binary(rows_a["format_ok"].astype(float), rows_b["format_ok"].astype(float))
    if metric == "hallucination":
        return stats.paired_binary(rows_a["hallucinated"].astype(float), rows_b["hallucinated"].astype(float))
    if share != 1:
        column = {"format_valid": "format_ok", "hallucination": "hallucinated"}.get(metric)
        if column is not None:
            return stats.paired_bootstrap(rows_a[column].astype(float), rows_b[column].astype(float),
                                          samples=1000, share_of_b=share)
    correct = pd.concat([rows_a["correct"], rows_b["correct"]]).astype(float)
    if share == 1 and task.quality is None and correct.isin((0.0, 1.0)).all():
        return stats.paired_binary(rows_a["correct"].astype(float), rows_b["correct"].astype(float))
    records_a, records_b = rows_a.to_dict("records"), rows_b.to_dict("records")
    return stats.paired_bootstrap(records_a, records_b, lambda rows: task.score(pd.DataFrame(rows)),
                                  samples=1000, share_of_b=share)


def across_bases(a: pd.Series, b: pd.Series) -> str:
    """What a verdict must say when its two rows stand on different base models (notebooks 07-10: a fine-tuned row
    against a prompt on another model measures the two models, not the training); "" when they share one, or when
    the table has no ``base_model`` column (one loaded from an older file)."""
    first, second = a.get("base_model", ""), b.get("base_model", "")
    if not first or not second or first == second:
        return ""
    return f" (different base models: {first} vs {second})"


def judge(claim: Claim, table: pd.DataFrame, cells: dict[tuple[str, str], CellResult] | None = None,
          tasks: dict[str, Task] | None = None) -> dict:
    """The verdict of one claim, from the paired comparison of the two cells on the same examples
    (helpers.stats.verdict: "held", "not held", "inconclusive"; for a "not lower" claim "held (within noise)"
    when the interval contains zero) or "not measured". Without ``cells`` (a table loaded from a file), the
    verdict uses the unpaired noise margin of :func:`compare` and says so."""
    a, b = _pick(table, claim.task, claim.subject), _pick(table, claim.task, claim.against)
    out = {"claim": claim.claim, "task": claim.task, "metric": claim.metric}
    if a is None or b is None:
        return {**out, "verdict": "not measured", "evidence": f"{claim.subject} or {claim.against} did not run"}
    if any(isinstance(x, float) and math.isnan(x) for x in (a[claim.metric], b[claim.metric])):
        return {**out, "verdict": "not measured", "evidence": f"{claim.metric} does not apply to these rows"}
    across = across_bases(a, b)  # "" when both rows stand on one base model
    if cells is not None and tasks is not None:
        cell_a, cell_b = cells[(claim.task, a["strategy"])], cells[(claim.task, b["strategy"])]
        comparison = paired_comparison(tasks[claim.task], cell_a, cell_b, claim.metric, share=claim.share)
        if comparison.n == 0:
            return {**out, "verdict": "not measured", "evidence": "no example was scored by both"}
        return {**out, "verdict": stats.verdict(comparison, claim.held_if) + across, "diff": comparison.diff,
                "low": comparison.low, "high": comparison.high, "p": comparison.p_value, "n": comparison.n,
                "cells": (a["strategy"], b["strategy"]), "discordant": comparison.discordant,
                "evidence": f"{a['strategy']} vs {b['strategy']}{across}: {comparison.text()}"}
    counted = f"n_{claim.metric}"  # a rate over some examples only (hallucination: the unanswerable ones)
    n = int(min(a.get(counted, a["n"]), b.get(counted, b["n"])))
    result = compare(float(a[claim.metric]), claim.share * float(b[claim.metric]), n)
    if claim.held_if == "not lower":
        verdict = {"higher": "held", "tie": "held (within noise)", "lower": "not held"}[result]
    else:
        verdict = {"higher": "held", "lower": "not held", "tie": "inconclusive"}[result]
    verdict += across
    against = f"{claim.share:.0%} of " if claim.share != 1 else ""
    evidence = (f"{a['strategy']} {a[claim.metric]:.3f} vs {against}{b['strategy']} {b[claim.metric]:.3f}{across} "
                f"(n={n}; unpaired: differences under {noise(float(a[claim.metric]), float(b[claim.metric]), n):.3f}"
                " count as noise)")
    return {**out, "verdict": verdict, "evidence": evidence}


def verdicts(claims: Sequence[Claim], table: pd.DataFrame, cells: dict[tuple[str, str], CellResult] | None = None,
             tasks: dict[str, Task] | None = None) -> pd.DataFrame:
    """One row per claim: the verdict, the 95% interval of the difference, p, and the numbers behind it."""
    return pd.DataFrame([judge(c, table, cells, tasks) for c in claims])


def sizes_to_decide(verdict_table: pd.DataFrame) -> list[str]:
    """One line per inconclusive claim: how many test examples would detect the gap this run observed (5% level,
    80% power): McNemar's size from the discordant share for right/wrong scores (helpers.stats.mcnemar_sample_size),
    the interval's width scaled for set scores (helpers.stats.interval_sample_size). Notebook 10, section 6."""
    lines = []
    for _, r in verdict_table[verdict_table["verdict"] == "inconclusive"].iterrows():
        gap, n = abs(r["diff"]), int(r["n"])
        if not isinstance(r["discordant"], tuple):  # a set score (macro-F1, field accuracy, a share): no pairs
            comparison = stats.Comparison(r["diff"], 0.0, r["low"], r["high"], r["p"], n, "bootstrap")
            needed = stats.interval_sample_size(comparison)
            lines.append(f"[{r['task']}] {r['claim']}: interval {r['low']:+.3f}..{r['high']:+.3f} on {n} examples -> "
                         + (f"about {needed} examples would detect a gap of {gap:.3f}." if needed
                            else "no gap to detect."))
            continue
        share = sum(r["discordant"]) / max(n, 1)
        if 0 < gap < share:
            lines.append(f"[{r['task']}] {r['claim']}: gap {gap:.3f} with {share:.0%} of examples disagreeing -> "
                         f"about {stats.mcnemar_sample_size(gap, share)} test examples would decide (this run: {n}).")
        elif share > 0:  # every disagreement went one way: McNemar needs enough of them to rule out coin flips
            needed = stats.one_sided_discordant_needed()
            lines.append(f"[{r['task']}] {r['claim']}: all {sum(r['discordant'])} disagreements favour one side "
                         f"({r['discordant'][0]}/{r['discordant'][1]}); {needed} such disagreements would decide, "
                         f"about {math.ceil(needed / share)} test examples at this run's rate of {share:.0%} "
                         f"(this run: {n}).")
        else:
            lines.append(f"[{r['task']}] {r['claim']}: the two cells never disagree here (gap {gap:.3f}): no test "
                         "size on this model would separate them.")
    return lines


# --- the whole bake-off ---------------------------------------------------------------------------------------------
class BakeOff:
    """Tasks, their strategies, and the cells run (or loaded from the cache) in the order they were added."""

    def __init__(self, *, cache: ResultCache | None = None, run_all: bool = False, backend: str = ""):
        self.cache = cache or ResultCache()
        self.run_all = run_all
        self.backend = backend  # who answers prompt strategies ("local:<model>", "anthropic", ...): part of the key
        self.tasks: dict[str, Task] = {}
        self.strategies: list[Strategy] = []
        self.cells: dict[tuple[str, str], CellResult] = {}

    def add_task(self, task: Task) -> Task:
        if task.name in self.tasks:
            raise ValueError(f"task {task.name!r} was added twice")
        self.tasks[task.name] = task
        return task

    def add(self, task: str, name: str, family: str, run: Callable[[list[dict]], Outcome],
            settings: dict | None = None) -> Strategy:
        if task not in self.tasks:
            raise ValueError(f"unknown task {task!r}; add it first (known: {', '.join(self.tasks) or 'none'})")
        if any(s.task == task and s.name == name for s in self.strategies):
            raise ValueError(f"strategy {name!r} was added twice to {task!r}")
        strategy = Strategy(task, name, family, run, dict(settings or {}))
        self.strategies.append(strategy)
        return strategy

    def run(self, task: str | None = None, log: Callable[[str], None] = print) -> dict[tuple[str, str], CellResult]:
        """Run (or load) every cell, or those of one task."""
        for strategy in self.strategies:
            if task is None or strategy.task == task:
                self.cells[(strategy.task, strategy.name)] = run_cell(
                    self.tasks[strategy.task], strategy, self.cache, run_all=self.run_all, backend=self.backend,
                    log=log)
        return {k: v for k, v in self.cells.items() if task is None or k[0] == task}

    def table(self) -> pd.DataFrame:
        """One row per cell run so far, in the order the strategies were added."""
        rows = [cell_metrics(self.tasks[s.task], self.cells[(s.task, s.name)])
                for s in self.strategies if (s.task, s.name) in self.cells]
        return pd.DataFrame(rows)

    def verdicts(self, claims: Sequence[Claim]) -> pd.DataFrame:
        """Every claim judged by the paired comparison of its two cells (helpers.stats)."""
        return verdicts(claims, self.table(), self.cells, self.tasks)


def quality_by(rows: pd.DataFrame, column: str) -> pd.Series:
    """Mean ``correct`` per value of ``column`` (e.g. the KB question type)."""
    return rows.groupby(column)["correct"].mean() if len(rows) else pd.Series(dtype=float)

