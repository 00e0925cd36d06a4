"""Shared benchmark plumbing: repeated timing with median and spread, machine facts, JSON results."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from helpers.files import write_json_atomic

RESULTS = Path(__file__).resolve().parent / "results"


def timed(func: Callable[[], object], repeats: int = 5, warmup: int = 1) -> dict:
    """Run ``func`` ``warmup`` times untimed, then ``repeats`` times; median, min, max seconds."""
    for _ in range(warmup):
        func()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return {"median_s": statistics.median(runs), "min_s": min(runs), "max_s": max(runs), "runs": len(runs)}


def machine() -> dict:
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "cpu": platform.processor() or
            platform.machine(), "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "when": time.strftime("%Y-%m-%d %H:%M:%S")}


def save(name: str, payload: dict) -> Path:
    """Write ``payload`` to bench/results/<name>.json atomically (helpers.files)."""
    return write_json_atomic(RESULTS / f"{name}.json", payload, indent=2)


def table(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)"
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(str(r.get(k, ""))) for r in rows)) for k in keys}
    lines = ["  ".join(k.ljust(widths[k]) for k in keys), "  ".join("-" * widths[k] for k in keys)]
    lines += ["  ".join(str(r.get(k, "")).ljust(widths[k]) for k in keys) for r in rows]
    return "\n".join(lines)
