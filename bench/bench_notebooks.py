"""Notebook run times: every notebooks/*.ipynb executed headless (nbclient, kernel python3) offline, the way a
student without a key runs it: wall time and peak memory per notebook, totals, and the course's targets.

Targets: quick profile under 15 minutes in all; full profile under 45 minutes in all and no notebook over 8 minutes.

Run: python -m bench.bench_notebooks            (quick profile)
     python -m bench.bench_notebooks --full     (quick, then full)
     python -m bench.bench_notebooks --cold     (delete $COURSE_CACHE_DIR/evaluations first; never the model)
     python -m bench.bench_notebooks --cold-all (delete every cache but the converted model: what CI starts from)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from bench.common import machine, save, table
from bench.notebook_client import client_for, offline_environment

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TARGETS = {  # profile: (total seconds, per-notebook seconds or None)
    "quick": (15 * 60, None),
    "full": (45 * 60, 8 * 60),
}

try:
    import psutil
except ImportError:  # the fallback is coarser: see peak_rss_method
    psutil = None


class TreeRssSampler:
    """Peak summed RSS of this process's descendants (the kernel and whatever it starts), sampled in a thread."""

    def __init__(self, interval_s: float = 0.2):
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process(os.getpid())
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval_s)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def cache_dir() -> Path:
    from helpers import env

    return env.cache_dir()


def evaluation_files() -> int:
    folder = cache_dir() / "evaluations"
    return sum(1 for _ in folder.rglob("*.json")) if folder.is_dir() else 0


def matching_notebooks(patterns: list[str]) -> list[Path]:
    """The notebooks whose names match any of the globs, in course order."""
    return sorted({path for pattern in patterns for path in NOTEBOOKS.glob(pattern) if path.suffix == ".ipynb"})


def run_notebook(path: Path, cell_timeout: int, publish_to: Path | None = None, facts: dict | None = None,
                 caches: str = "cold") -> dict:
    """Execute one notebook headless; ``caches`` ("cold" or "warm": how the run started) goes into its row and
    into the published copy's header, with the load average the run started under."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = client_for(nb, path, cell_timeout)
    status, error = "ok", None
    load_before = round(os.getloadavg()[0], 2)
    start = time.perf_counter()
    sampler = TreeRssSampler() if psutil else None
    try:
        if sampler:
            with sampler:
                client.execute()
        else:
            client.execute()
    except CellExecutionError as exc:
        status, error = "error", str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else type(exc).__name__
    except Exception as exc:  # a timeout or a dead kernel: record it and go on with the next notebook
        status, error = "error", f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - start
    cells = cell_seconds(nb)
    if sampler:
        peak_mb = sampler.peak / 2**20
    else:  # kilobytes on Linux; the largest child waited for so far in this process, not just this notebook
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    row = {"notebook": path.name, "profile": os.environ.get("COURSE_PROFILE", "quick"), "seconds": round(seconds, 1),
           "peak_rss_mb": round(peak_mb), "status": status, "error": error,
           "code_cells": sum(1 for c in nb.cells if c.cell_type == "code"),
           "cells_s": round(sum(c["seconds"] for c in cells), 1),
           "slowest_cells": sorted(cells, key=lambda c: -c["seconds"])[:5], "cells": cells, "caches": caches,
           "load_average_1min_before": load_before}
    if publish_to is not None and status == "ok":
        from bench.reference import publish

        row["published"] = str(publish(nb, path, row, facts or machine(), publish_to).relative_to(ROOT))
    return row


def cell_seconds(nb) -> list[dict]:
    """Per code cell: seconds from the kernel starting it to its reply (nbclient's timing metadata), with the
    cell's index and first line, so that a slow notebook says which cell to trim."""
    from datetime import datetime

    out = []
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        started, ended = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if cell.cell_type != "code" or not (started and ended):
            continue
        seconds = (datetime.fromisoformat(ended.replace("Z", "+00:00"))
                   - datetime.fromisoformat(started.replace("Z", "+00:00"))).total_seconds()
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        out.append({"cell": index, "seconds": round(seconds, 1), "source": first[:70]})
    return out


def verdicts(profile: str, rows: list[dict]) -> list[dict]:
    total_limit, each_limit = TARGETS[profile]
    total = sum(r["seconds"] for r in rows)
    errors = [r["notebook"] for r in rows if r["status"] != "ok"]
    out = [{"target": f"{profile}: all notebooks < {total_limit // 60} min", "figure": f"{total / 60:.1f} min",
            "verdict": "met" if total < total_limit and not errors else "not met"}]
    if each_limit:
        worst = max(rows, key=lambda r: r["seconds"])
        out.append({"target": f"{profile}: no notebook > {each_limit // 60} min",
                    "figure": f"{worst['seconds'] / 60:.1f} min ({worst['notebook']})",
                    "verdict": "met" if worst["seconds"] <= each_limit and not errors else "not met"})
    if errors:
        for item in out:
            item["figure"] += f"; errors in {', '.join(errors)}"
    return out


def calibration() -> dict:
    """The machine's speed right now, to read the notebook times against: memory copy bandwidth (the local
    model's decode is bandwidth-bound, bench.bench_generation) and the 1-minute load average (other work on the
    2 cores). Taken before and after each profile, so a slow run can be told from a slow machine."""
    from bench.bench_generation import copy_bandwidth_gbs

    bandwidth = copy_bandwidth_gbs()
    return {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "copy_gb_per_s": round(bandwidth["gb_per_s"], 1),
            "load_average_1min": round(os.getloadavg()[0], 2)}


def run_profile(profile: str, notebooks: list[Path], cell_timeout: int, publish_to: Path | None = None) -> dict:
    offline_environment(profile)
    before_run = calibration()
    print(f"calibration before: {before_run}", flush=True)
    before = evaluation_files()
    print(f"\nprofile {profile}: {len(notebooks)} notebooks; evaluation cache "
          f"{'warm' if before else 'cold'} ({before} cached results in {cache_dir() / 'evaluations'})", flush=True)
    rows = []
    for path in notebooks:
        print(f"  running {path.name} ...", flush=True)
        rows.append(run_notebook(path, cell_timeout, publish_to, machine(), caches="warm" if before else "cold"))
        rows[-1]["load_average_1min_after"] = round(os.getloadavg()[0], 2)
        print(f"    {rows[-1]['seconds']} s, peak {rows[-1]['peak_rss_mb']} MB, {rows[-1]['status']}"
              + (f": {rows[-1]['error']}" if rows[-1]["error"] else ""), flush=True)
        for cell in rows[-1]["slowest_cells"][:3]:
            print(f"      cell {cell['cell']}: {cell['seconds']} s  {cell['source']}", flush=True)
    total = round(sum(r["seconds"] for r in rows), 1)
    peak = max((r["peak_rss_mb"] for r in rows), default=0)
    after_run = calibration()
    print(f"calibration after: {after_run}", flush=True)
    return {"profile": profile, "calibration": {"before": before_run, "after": after_run}, "evaluation_cache": "warm" if before else "cold",
            "evaluation_files_before": before, "evaluation_files_after": evaluation_files(), "rows": rows,
            "total_s": total, "max_peak_rss_mb": peak, "targets": verdicts(profile, rows) if rows else []}


def clear_caches_but_model() -> None:
    """Everything a notebook builds (indexes, adapters, results, databases) goes; the converted model stays."""
    folder = cache_dir()
    print(f"--cold-all: clearing {folder} except models/")
    for entry in folder.iterdir() if folder.is_dir() else []:
        if entry.name == "models":
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def stop_with_kernels(signum, frame) -> None:
    """SIGTERM / SIGHUP: kill the kernel this run started, then exit. Without this a killed benchmark leaves its
    kernel computing in the background and every later timing on the machine is wrong."""
    try:
        for child in psutil.Process().children(recursive=True) if psutil else []:
            try:
                child.kill()
            except psutil.NoSuchProcess:  # ended on its own between the listing and the kill
                continue
        print(f"\nstopped by signal {signum}; kernels killed", file=sys.stderr, flush=True)
    finally:  # whatever happened above, never return into the notebook loop (it would start the next notebook)
        os._exit(128 + signum)


def main() -> int:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop_with_kernels)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="also run the full profile (after the quick one)")
    parser.add_argument("--only-full", action="store_true", help="run only the full profile")
    parser.add_argument("--cold", action="store_true",
                        help="delete $COURSE_CACHE_DIR/evaluations first (cached results; never the converted model)")
    parser.add_argument("--cold-all", action="store_true",
                        help="delete every cache in $COURSE_CACHE_DIR except the converted model (what CI starts from)")
    parser.add_argument("--cell-timeout", type=int, default=1200, help="seconds per cell before it counts as failed")
    parser.add_argument("--publish", action="store_true",
                        help="write each notebook that runs cleanly, with its outputs, to docs/reference/ (bench.reference;"
                             " with --only-full this is `make reference`)")
    parser.add_argument("--pattern", nargs="+", default=["*.ipynb"],
                        help="which notebooks (globs in notebooks/, e.g. --pattern '0[0689]_*' '10_*')")
    args = parser.parse_args()

    if args.publish:  # before an hour of notebooks, not after: the chart images need a plotly kaleido can draw
        import plotly

        from bench.reference import check_plotly_for_images

        check_plotly_for_images(plotly.__version__)
    notebooks = matching_notebooks(args.pattern)
    if not notebooks:
        print(f"no notebooks match notebooks/{' or '.join(args.pattern)}")
        return 1
    if args.cold:
        folder = cache_dir() / "evaluations"
        print(f"--cold: deleting {folder}")
        shutil.rmtree(folder, ignore_errors=True)
    if args.cold_all:
        clear_caches_but_model()
    profiles = ["full"] if args.only_full else ["quick"] + (["full"] if args.full else [])
    facts = machine()
    method = ("psutil: summed RSS of the kernel process tree, sampled every 0.2 s" if psutil else
              "resource.getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest single child so far (psutil not installed)")
    failed = False
    for profile in profiles:
        publish_to = None
        if args.publish and profile == "full":
            from bench.reference import REFERENCE_DIR

            publish_to = REFERENCE_DIR
        result = run_profile(profile, notebooks, args.cell_timeout, publish_to)
        result.update({"machine": facts, "peak_rss_method": method, "notebooks": [p.name for p in notebooks],
                       "cold_requested": "all but the model" if args.cold_all else args.cold})
        print(f"\nprofile {profile}: evaluation cache {result['evaluation_cache']} "
              f"({result['evaluation_files_before']} -> {result['evaluation_files_after']} cached results); "
              f"peak memory: {method}")
        print(table([{k: r[k] for k in ("notebook", "seconds", "peak_rss_mb", "status")} for r in result["rows"]]
                    + [{"notebook": "TOTAL", "seconds": result["total_s"], "peak_rss_mb": result["max_peak_rss_mb"],
                        "status": ""}]))
        print()
        print(table(result["targets"]))
        failed |= any(r["status"] != "ok" for r in result["rows"])
        print("wrote", save(f"notebooks-{profile}", result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
