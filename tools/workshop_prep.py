"""Workshop mode: build every cache a room of laptops needs, then prove each notebook re-runs offline quickly.

`make workshop-prep` (or `python tools/workshop_prep.py [--profile quick|full]`) does, on each laptop or once on a
machine whose cache folder you then copy ($COURSE_CACHE_DIR, default ~/.cache/prompt-rag-tune):

1. converts the packaged offline model (helpers.prepare);
2. executes every notebook headless, offline, with the chosen profile. That fills every cache the notebooks use:
   evaluation results, RAG embeddings and the Qdrant collection, LLM rewrites, trained LoRA adapters, bake-off cells;
3. executes every notebook again, offline, and times it: this is what a learner waits for in the room. Each
   notebook's warm run is checked against the budget (default 60 s of waiting).

The report is printed and written to build/workshop-report.json (docs/facilitator.md quotes it). Exit status 1 when
a notebook fails; notebooks over the budget are listed (with the cells to skip or pre-run in docs/facilitator.md).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_notebooks import NOTEBOOKS, cache_dir, matching_notebooks, run_profile, stop_with_kernels  # noqa: E402
from bench.common import machine, table  # noqa: E402

REPORT = ROOT / "build" / "workshop-report.json"


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20 if folder.is_dir() else 0.0


def cache_summary() -> dict[str, float]:
    """Megabytes per top-level cache folder (models, evaluations, rag, adapters, ...)."""
    root = cache_dir()
    return {p.name: round(folder_mb(p), 1) for p in sorted(root.iterdir()) if p.is_dir()} if root.is_dir() else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=["quick", "full"], default="quick",
                        help="the profile the room will use (quick for laptops; full for a longer course)")
    parser.add_argument("--pattern", nargs="+", default=["*.ipynb"],
                        help="which notebooks (globs in notebooks/, e.g. --pattern '0[5-8]_*' '10_*')")
    parser.add_argument("--budget-s", type=float, default=60.0, help="seconds of waiting allowed per warm notebook")
    parser.add_argument("--cell-timeout", type=int, default=1200)
    args = parser.parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # a stopped prep must not leave a kernel computing
        signal.signal(sig, stop_with_kernels)

    from helpers import prepare

    if prepare.main() != 0:
        return 1
    notebooks = matching_notebooks(args.pattern)
    if not notebooks:
        print(f"no notebook matches {' or '.join(args.pattern)} in {NOTEBOOKS}", file=sys.stderr)
        return 1
    start = time.perf_counter()
    print(f"pass 1 of 2: filling the caches ({len(notebooks)} notebooks, profile {args.profile})", flush=True)
    fill = run_profile(args.profile, notebooks, args.cell_timeout)
    print("\npass 2 of 2: the warm, offline re-run a learner waits for", flush=True)
    warm = run_profile(args.profile, notebooks, args.cell_timeout)
    rows = []
    for first, second in zip(fill["rows"], warm["rows"]):
        ok = second["status"] == "ok"
        rows.append({"notebook": second["notebook"], "fill_s": first["seconds"], "warm_s": second["seconds"],
                     "peak_rss_mb": second["peak_rss_mb"], "status": second["status"],
                     "within_budget": ok and second["seconds"] <= args.budget_s, "error": second["error"]})
    report = {"profile": args.profile, "budget_s": args.budget_s, "machine": machine(), "rows": rows,
              "fill_total_s": fill["total_s"], "warm_total_s": warm["total_s"],
              "prep_minutes": round((time.perf_counter() - start) / 60, 1), "cache_mb": cache_summary(),
              "cache_dir": str(cache_dir())}
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2))
    print()
    print(table([{k: r[k] for k in ("notebook", "fill_s", "warm_s", "peak_rss_mb", "status", "within_budget")}
                 for r in rows]))
    print(f"\ncaches in {report['cache_dir']} (MB): {report['cache_mb']}")
    print(f"warm total {warm['total_s'] / 60:.1f} min; report in {REPORT.relative_to(ROOT)}")
    over = [r["notebook"] for r in rows if r["status"] == "ok" and not r["within_budget"]]
    if over:
        print(f"over the {args.budget_s:.0f} s budget when warm: {', '.join(over)} (see docs/facilitator.md)")
    failed = [r["notebook"] for r in rows if r["status"] != "ok"]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
