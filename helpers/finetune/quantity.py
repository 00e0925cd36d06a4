"""How much data? The data-quantity curve of notebook 07 (section 9): ticket quality at several training-set sizes,
for clean lines and for noisy ones (what the API accepts from a raw export), each size one fine-tuning job through
the real openai SDK (offline: a LoRA job on the local model).

The files are nested: a smaller file is a prefix of the larger one, so going up a size only adds lines. Everything
else stays fixed (base, hyperparameters, seed). Epochs are fixed too, so a bigger file also trains more optimiser
steps: that is what "more data" means in practice, and it is part of what the curve measures.

Taught in notebooks/07_finetuning_data_and_api.ipynb.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from helpers import stats as course_stats
from helpers.finetune import data as fd
from helpers.finetune import tasks

METRICS = {"ticket accuracy": "correct", "ticket JSON valid": "json_valid"}  # curve metric -> per-ticket column
TICKET_MAX_TOKENS = 16  # {"category":"FEATURE_REQUEST"} is 10 tokens: enough for every label, and cheap
MIN_EXAMPLES = 10  # the fine-tuning API refuses a training file with fewer examples (offline too)


def curve_sizes(smaller: Iterable[int], largest: int | Iterable[int]) -> list[int]:
    """The sizes of one curve, ascending and unique: the ``smaller`` sizes that lie below every largest size, then the
    ``largest`` size(s) (a file's full length; for noisy lines, section 8's equal-size sample and the whole pool)."""
    tops = [largest] if isinstance(largest, int) else list(largest)
    if not tops or any(type(n) is not int or n < 1 for n in tops):
        raise ValueError(f"the largest size(s) must be positive integers, not {largest!r}")
    small = list(smaller)
    if any(type(n) is not int or n < MIN_EXAMPLES for n in [*small, *tops]):
        raise ValueError(f"sizes are numbers of training lines, at least {MIN_EXAMPLES} each (the API refuses a "
                         f"smaller file), not {small + tops!r}")
    return sorted({n for n in small if n < min(tops)} | set(tops))


def with_rest(first: Sequence[str], pool: Sequence[str]) -> list[str]:
    """``first``, then the lines of ``pool`` that ``first`` does not already use, in the pool's order. Lines count as a
    multiset (an export holds exact duplicates): a line that ``first`` holds twice uses two of the pool's copies. So
    every prefix of the result up to ``len(first)`` is a prefix of ``first``, and the whole is the whole pool."""
    left = Counter(pool)
    missing = Counter(first) - left
    if missing:
        raise ValueError(f"{sum(missing.values())} line(s) of the first file are not in the pool (e.g. "
                         f"{next(iter(missing))[:80]!r}): the first file must be drawn from the pool")
    left.subtract(Counter(first))
    rest = []
    for line in pool:
        if left[line] > 0:
            rest.append(line)
            left[line] -= 1
    return list(first) + rest


def prefixes(lines: Sequence[str], sizes: Iterable[int]) -> dict[int, list[str]]:
    """The first ``n`` lines for each size ``n``: nested subsets, each a prefix of the next."""
    out = {}
    for n in sizes:
        if type(n) is not int or not 1 <= n <= len(lines):
            raise ValueError(f"size {n!r} is not a number of lines between 1 and {len(lines)} (the file's length)")
        out[n] = list(lines[:n])
    return out


def write_prefixes(lines: Sequence[str], sizes: Iterable[int], folder: str | Path, stem: str) -> dict[int, Path]:
    """Each prefix of :func:`prefixes` written as ``<folder>/<stem>.<n>.jsonl`` (replaced if it exists)."""
    return {n: fd.write_jsonl(Path(folder) / f"{stem}.{n}.jsonl", rows, overwrite=True)
            for n, rows in prefixes(lines, sizes).items()}


def training_steps(n_examples: int, batch_size: int, n_epochs: int) -> int:
    """Optimiser steps of a job: batches per epoch (the last partial batch kept) times epochs, as the offline
    trainer plans them (helpers.finetune.lora.train.batch_plan)."""
    if n_examples < 0 or batch_size < 1 or n_epochs < 1:
        raise ValueError("need n_examples >= 0, batch_size >= 1 and n_epochs >= 1")
    return math.ceil(n_examples / batch_size) * n_epochs


def start_job(client, path: str | Path, *, model: str, suffix: str, hyperparameters: dict, seed: int = 7):
    """Upload one training file and create its job (``files.create`` then ``fine_tuning.jobs.create``)."""
    with open(path, "rb") as handle:
        training_file = client.files.create(file=handle, purpose="fine-tune")
    return client.fine_tuning.jobs.create(
        model=model, training_file=training_file.id, suffix=suffix, seed=seed,
        method={"type": "supervised", "supervised": {"hyperparameters": hyperparameters}})


def wait_for(client, job_ids: Iterable[str], *, every: float = 1.0, progress: bool = True) -> dict[str, object]:
    """Poll ``retrieve`` until every job has ended (one progress bar over the jobs); raise if one did not succeed.
    Offline, the jobs train one after another; on OpenAI they run side by side."""
    from tqdm.auto import tqdm

    pending, done = list(job_ids), {}
    with tqdm(total=len(pending), desc="fine-tuning jobs", unit="job", disable=not progress) as bar:
        while pending:
            for job_id in list(pending):
                job = client.fine_tuning.jobs.retrieve(job_id)
                if job.status in ("succeeded", "failed", "cancelled"):
                    if job.status != "succeeded":
                        reason = (getattr(job.error, "message", None) or job.status).rstrip(".")
                        raise RuntimeError(f"fine-tuning job {job_id} ended {job.status}: {reason}. Its events: "
                                           f"client.fine_tuning.jobs.list_events({job_id!r})")
                    done[job_id] = job
                    pending.remove(job_id)
                    bar.update(1)
            if pending:
                time.sleep(every)
    return done


def ticket_scores(model: str, tickets: Sequence[dict], *, max_tokens: int = TICKET_MAX_TOKENS):
    """Per-ticket scores of one model (one row per ticket, in order): ``correct`` and ``json_valid`` as 0/1. Greedy
    answers through :func:`helpers.finetune.jobs.answer_chats` (offline: cached by the weights that answered)."""
    import pandas as pd

    from helpers.finetune.jobs import answer_chats

    answers = answer_chats(model, [t["messages"][:-1] for t in tickets], max_tokens=max_tokens, progress=False)
    rows = [tasks.score_ticket(a["text"], t["_source"]["gold"]) for a, t in zip(answers, tickets)]
    return pd.DataFrame({"correct": [int(r["correct"]) for r in rows],
                         "json_valid": [int(r["json_valid"]) for r in rows],
                         "answer": [a["text"] for a in answers]})


def label(kind: str, n: int) -> str:
    """A curve point's name in tables: "clean x 24", "noisy x 95"; size 0 is the base model."""
    return "base (no training)" if n == 0 else f"{kind} x {n}"


def curve_table(scores: Mapping[tuple[str, int], object], *, batch_size: int, n_epochs: int,
                problems: Mapping[tuple[str, int], int] | None = None, metrics: Mapping[str, str] = METRICS):
    """One row per (lines, size, metric): the score with its 95% Wilson interval, the number of test tickets, the
    training steps the size cost and (when given) how many of its lines have a quality problem. ``scores`` maps
    ("clean" or "noisy", size) to the per-ticket rows of :func:`ticket_scores` (size 0: the base model)."""
    import pandas as pd

    rows = []
    for (kind, n), table in sorted(scores.items(), key=lambda item: (item[0][0], item[0][1])):
        for metric, column in metrics.items():
            values = [int(v) for v in table[column]]
            low, high = course_stats.wilson_interval(sum(values), len(values))
            score = sum(values) / len(values)
            known = (problems or {}).get((kind, n), 0 if kind == "clean" or n == 0 else None)
            rows.append({"lines": kind, "examples": n, "steps": training_steps(n, batch_size, n_epochs) if n else 0,
                         "lines with problems": known,
                         "metric": metric, "score": score, "low": low, "high": high,
                         "minus": score - low, "plus": high - score, "tickets": len(values)})
    return pd.DataFrame(rows)


def curve_summary(table):
    """The curve as one row per point (lines, examples): steps, lines with problems, and each metric as
    "score [low, high]" (its 95% interval)."""
    shown = table.assign(value=[f"{r.score:.2f} [{r.low:.2f}, {r.high:.2f}]" for r in table.itertuples()])
    keys = ["lines", "examples", "steps", "lines with problems"]
    wide = shown.pivot(index=["lines", "examples"], columns="metric", values="value")
    facts = table.drop_duplicates(["lines", "examples"]).set_index(["lines", "examples"])[keys[2:]]
    return facts.join(wide).rename_axis(columns=None)


def curve_figure(table, *, title: str):
    """Quality against training-set size: one line per kind of lines, one panel per metric, 95% intervals as error
    bars. The two lines are nudged apart sideways so that their bars do not hide each other (hover for the size)."""
    import plotly.express as px

    nudge = 0.01 * max(1, int(table["examples"].max()))
    shown = table.assign(position=table["examples"] + table["lines"].map({"clean": -nudge}).fillna(nudge))
    fig = px.line(shown, x="position", y="score", color="lines", facet_col="metric", markers=True,
                  error_y="plus", error_y_minus="minus", range_y=[0, 1.05], title=title,
                  hover_data={"position": False, "examples": True, "steps": True, "lines with problems": True,
                              "tickets": True})
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    fig.update_xaxes(title="training lines (0: the base model)")
    fig.update_layout(height=420, yaxis_tickformat=".0%", yaxis_title="score on the test tickets")
    return fig


def claim_pairs(sizes: Mapping[str, Sequence[int]]) -> list[tuple[tuple[str, int], tuple[str, int]]]:
    """The comparisons the curve decides, as (A, B) for "A beats B": the largest and the smallest clean file each
    against the largest noisy one (the seed's "fewer clean examples beat more noisy ones"), then the largest clean
    file against the smallest (does more clean data help at all?). A pair of a point with itself, or a repeat, is
    left out."""
    big_clean, small_clean = ("clean", max(sizes["clean"])), ("clean", min(sizes["clean"]))
    big_noisy = ("noisy", max(sizes["noisy"]))
    pairs = []
    for pair in ((big_clean, big_noisy), (small_clean, big_noisy), (big_clean, small_clean)):
        if pair[0] != pair[1] and pair not in pairs:
            pairs.append(pair)
    return pairs


def claim_table(scores: Mapping[tuple[str, int], object], pairs: Iterable[tuple[tuple[str, int], tuple[str, int]]],
                metrics: Mapping[str, str] = METRICS):
    """Paired verdicts (:func:`helpers.stats.comparison_table`) for "A beats B" on the same test tickets, for each
    pair (A, B) of curve points and each metric; one row each, indexed by (strategy, baseline, metric)."""
    import pandas as pd

    tables = []
    for a, b in pairs:
        for metric, column in metrics.items():
            per_ticket = {label(*a): list(scores[a][column]), label(*b): list(scores[b][column])}
            tables.append(course_stats.comparison_table(per_ticket, label(*b), metric=metric))
    if not tables:
        raise ValueError("no pairs to compare: give at least one (A, B) pair of curve points")
    return pd.concat(tables).reset_index().set_index(["strategy", "baseline", "metric"])


def claim_sentences(claims) -> list[str]:
    """One sentence per row of :func:`claim_table`, rendered from its numbers and verdict (never typed by hand)."""
    out = []
    for (strategy, baseline, metric), row in claims.iterrows():
        verdict = row["beats the baseline?"]
        reading = {"held": "the claim held", "not held": f"the claim did not hold: {strategy} did worse",
                   "inconclusive": "inconclusive: this test set cannot tell them apart"}.get(verdict, verdict)
        extra = "" if verdict != "inconclusive" else f" (a decisive run would need about {row['n to decide']} tickets)"
        if row["n to decide"] == "no gap":
            extra = " (no gap at all)"
        out.append(f"{strategy} beats {baseline} on {metric}? {row['score']:.2f} vs {row['baseline score']:.2f}, "
                   f"difference {row['difference']:+.2f} {row['95% interval']} over {row['n']} tickets: "
                   f"{reading}{extra}.")
    return out
