"""Every benchmark in sequence, each in its own process (so one's memory and threads never touch the next):
generation speed, the optional llama.cpp engine beside it (when llama-cpp-python is installed), retrieval (index builds,
latency, Qdrant vs numpy), LoRA training throughput on this machine, setup cost (the cached load only, unless
--with-install), notebook run times (quick profile).

Run: python -m bench.run_all [--with-install] [--full-notebooks]     (`make bench` runs this)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.common import RESULTS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--with-install", action="store_true", help="also time a fresh `make setup` (minutes)")
    parser.add_argument("--full-notebooks", action="store_true", help="also run the notebooks' full profile")
    args = parser.parse_args()

    steps = [
        ("generation", ["bench.bench_generation"]),
        ("gguf engine", ["bench.bench_gguf_engine"]),
        ("retrieval", ["bench.bench_retrieval"]),
        ("gates", ["bench.bench_gates"]),
        ("lora", ["bench.bench_lora"]),
        ("setup", ["bench.bench_setup"] + ([] if args.with_install else ["--skip-install"])),
        ("notebooks", ["bench.bench_notebooks"] + (["--full"] if args.full_notebooks else [])),
    ]
    root = Path(__file__).resolve().parent.parent
    started = time.time()
    outcome = []
    for name, argv in steps:
        print(f"\n===== {name}: python -m {' '.join(argv)}", flush=True)
        begin = time.perf_counter()
        rc = subprocess.run([sys.executable, "-m", *argv], cwd=root).returncode
        outcome.append((name, rc, time.perf_counter() - begin))
    print("\n===== summary")
    for name, rc, seconds in outcome:
        print(f"  {name:<11} {'ok' if rc == 0 else f'FAILED (exit {rc})':<16} {seconds:7.1f} s")
    written = sorted(p for p in RESULTS.glob("*.json") if p.stat().st_mtime >= started - 1)
    print(f"results written to {RESULTS}:")
    for path in written:
        print(f"  {path.relative_to(root)}")
    print("method and the latest recorded figures: BENCHMARKS.md")
    return 0 if all(rc == 0 for _, rc, _ in outcome) else 1


if __name__ == "__main__":
    sys.exit(main())
