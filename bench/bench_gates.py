"""Near-duplicate gate benchmark: ``validate_jsonl(path, Gates(near_duplicate_similarity=0.9))`` on varied chat
lines, 2,000 to 16,000 of them, with the MinHash index (helpers.finetune.data.similar_pairs) beside the exact
prefix-filtering check it replaced (exact_similar_pairs, run only up to --exact-up-to lines: it is quadratic on
this text, 195 s at 16,000 lines when it was the gate).

The lines are random sentences over a 2,000-word made-up vocabulary (seeded): every character 5-gram is common, the
case where prefix filtering stops helping. ``planted`` lines near the end are one-word edits of earlier lines, so
each run also checks that the index finds exactly those.

Run: python -m bench.bench_gates [--sizes 2000 4000 8000 16000] [--exact-up-to 4000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from bench.common import save, table


def varied_file(path: Path, lines: int, *, planted: int = 20, seed: int = 0) -> Path:
    """Write ``lines`` varied user/assistant examples; line ``lines - i`` is a one-word edit of line ``1 + 37 * i``
    for i < ``planted`` (about 97% similar: a near-duplicate at 0.9)."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
             for _ in range(2000)]
    rows = [[" ".join(rng.choice(vocab) for _ in range(25)), " ".join(rng.choice(vocab) for _ in range(30))]
            for _ in range(lines)]
    for i in range(planted):
        user, answer = rows[37 * i]
        words = answer.split()
        words[3] += "s"
        rows[lines - 1 - i] = [user, " ".join(words)]
    with path.open("w", encoding="utf-8") as handle:
        for user, answer in rows:
            handle.write(json.dumps({"messages": [{"role": "user", "content": user},
                                                  {"role": "assistant", "content": answer}]}) + "\n")
    return path


def seconds(func) -> tuple[object, str]:
    """(what ``func`` returned, "wall (cpu)" seconds): the CPU time shows the cost on a busy machine too."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = func()
    return value, f"{time.perf_counter() - wall:.2f} ({time.process_time() - cpu:.2f})"


def measure(lines: int, exact: bool, folder: Path, threshold: float = 0.9) -> dict:
    """One size: seconds for the whole validation with the index, for the index's pair search alone, and for the
    exact pair search when asked (and whether both found the same pairs)."""
    from helpers.finetune import data as fd

    path = varied_file(folder / f"varied-{lines}.jsonl", lines)
    report, validate_s = seconds(lambda: fd.validate_jsonl(path, fd.Gates(near_duplicate_similarity=threshold)))
    texts = {n: fd._dialogue_text(obj) for n, obj in report.examples.items()}
    indexed, index_s = seconds(lambda: fd.similar_pairs(texts, threshold))
    row = {"lines": lines, "validate_s": validate_s, "index_pairs_s": index_s, "pairs_found": len(indexed),
           "exact_pairs_s": "", "same_answer": ""}
    if exact:
        reference, row["exact_pairs_s"] = seconds(lambda: fd.exact_similar_pairs(texts, threshold))
        row["same_answer"] = indexed == reference
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 8000, 16000])
    parser.add_argument("--exact-up-to", type=int, default=4000, help="run the exact check up to this many lines")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for lines in args.sizes:
            rows.append(measure(lines, lines <= args.exact_up_to, Path(tmp)))
            print(table(rows[-1:]), flush=True)
    print("\nnear-duplicate gate at 0.9 on varied lines (validate_s: the whole validate_jsonl with the index)")
    print(table(rows))
    from helpers.finetune import data as fd

    bands, rows_per_band = fd.lsh_bands(0.9)
    print(f"index: one-permutation MinHash, {fd.MINHASH_BINS} bins, {bands} bands x {rows_per_band} rows "
          "(seconds: wall clock, and this process's CPU time in brackets)")
    save("gates", {"rows": rows, "bins": fd.MINHASH_BINS, "bands": bands,
                   "rows_per_band": rows_per_band, "when": time.strftime("%Y-%m-%d %H:%M:%S")})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
