"""What structured outputs cost offline: decode tokens/s of the local model with and without a JSON-schema grammar
(helpers/structured.py, llguidance), same prompts, same max_tokens, greedy, interleaved in the same run so machine
load hits both alike; plus the grammar's own cost per step (mask + advance, replayed on the constrained outputs) and
per schema (compile cold, cached).

Run: python -m bench.bench_structured   (writes bench/results/structured.json; BENCHMARKS.md, "Structured outputs")
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from bench.common import machine, save, table
from helpers import local_model, structured

SCHEMA = {"type": "object", "properties": {
    "customer": {"type": "string"},
    "plan": {"enum": ["free", "pro", "enterprise"]},
    "seats": {"type": "integer"},
    "issues": {"type": "array", "items": {"type": "string"}},
    "urgent": {"type": "boolean"}},
    "required": ["customer", "plan", "seats", "issues", "urgent"], "additionalProperties": False}
PROMPTS = [
    "Jane Doe (enterprise plan, 12 seats) says exports fail and the dashboard is slow. Summarise the ticket as JSON.",
    "Omar on the free plan, 1 seat, cannot reset his password. Summarise the ticket as JSON.",
    "Acme's pro plan with 40 seats: invoices are wrong and SSO breaks on Mondays. Summarise the ticket as JSON.",
    "Li Wei, pro plan, 3 seats, wants to cancel because search misses documents. Summarise the ticket as JSON.",
]


def decode_rate(results: list) -> float:
    """Tokens/s after the first token (prefill excluded): the cost a grammar adds is per decoded token."""
    tokens = sum(r.output_tokens - 1 for r in results)
    seconds = sum(r.seconds - (r.first_token_s or 0.0) for r in results)
    return tokens / seconds if seconds > 0 else float("nan")


def single_stream(engine, prompts, constraint, max_tokens: int) -> dict:
    results = [engine.generate(p, max_new_tokens=max_tokens, constraint=constraint) for p in prompts]
    return {"results": results, "tok_s": decode_rate(results),
            "end_to_end_tok_s": sum(r.output_tokens for r in results) / sum(r.seconds for r in results)}


def batched(engine, prompts, constraint, max_tokens: int) -> dict:
    """Aggregate tokens/s of one batch, and wall time per batch step (rows that end early leave the batch stepping
    for the others, so tokens/s alone favours replies that all run to max_tokens)."""
    start = time.perf_counter()
    results = engine.generate_batch(prompts, max_new_tokens=max_tokens, constraint=constraint)
    wall = time.perf_counter() - start
    steps = max(r.output_tokens for r in results)  # the batch steps until its longest row ends
    return {"results": results, "tok_s": sum(r.output_tokens for r in results) / wall, "step_ms": 1000 * wall / steps}


def grammar_step_cost(engine, constraint, outputs: list[str]) -> dict:
    """Milliseconds per step of the grammar alone (mask computation and application, then advance), replayed on
    the token ids of the constrained outputs, with a random logits vector of the model's vocabulary size."""
    import torch

    logits = torch.randn(engine.model.config.vocab_size)
    mask_s, advance_s, steps = 0.0, 0.0, 0
    for text in outputs:
        state = constraint.start()
        for token in engine.tokenizer(text, add_special_tokens=False).input_ids:
            t0 = time.perf_counter()
            state.mask(logits)
            t1 = time.perf_counter()
            state.advance(token)
            mask_s += t1 - t0
            advance_s += time.perf_counter() - t1
            steps += 1
    return {"steps": steps, "mask_ms": 1000 * mask_s / steps, "advance_ms": 1000 * advance_s / steps}


def compile_cost(engine, repeats: int) -> dict:
    """Compiling a new schema (cold: a schema not seen before) against fetching it from the cache (warm)."""
    cold, warm = [], []
    for i in range(repeats):
        schema = dict(SCHEMA, title=f"bench-{os.getpid()}-{time.time_ns()}-{i}")  # a new hash each time
        t0 = time.perf_counter()
        structured.compile_json_schema(engine.tokenizer, schema, eos_ids=engine.eos_ids)
        t1 = time.perf_counter()
        structured.compile_json_schema(engine.tokenizer, schema, eos_ids=engine.eos_ids)
        cold.append(t1 - t0)
        warm.append(time.perf_counter() - t1)
    return {"cold_ms": 1000 * statistics.median(cold), "cached_ms": 1000 * statistics.median(warm)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--prompts", type=int, default=len(PROMPTS), help="how many of the four prompts to use")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    load_before = os.getloadavg()
    engine = local_model.get_engine()
    t0 = time.perf_counter()
    grammar = structured.compile_json_schema(engine.tokenizer, SCHEMA, eos_ids=engine.eos_ids)
    first_compile_s = time.perf_counter() - t0  # includes wrapping the tokenizer for llguidance (once per process)
    prompts = [engine.encode_chat([{"role": "system", "content": "Reply with only a JSON object that matches this "
                                    f"JSON schema:\n{json.dumps(SCHEMA)}"}, {"role": "user", "content": p}])
               for p in PROMPTS[:args.prompts]]
    engine.generate(prompts[0], max_new_tokens=4)  # warm-up
    runs = {(mode, kind): [] for mode in ("single", "batch") for kind in ("free", "grammar")}
    for repeat in range(args.repeats):  # interleaved: free, grammar, free, grammar ...
        for kind, constraint in (("free", None), ("grammar", grammar)):
            runs[("single", kind)].append(single_stream(engine, prompts, constraint, args.max_tokens))
            runs[("batch", kind)].append(batched(engine, prompts, constraint, args.max_tokens))
            print(f"repeat {repeat + 1}/{args.repeats} {kind}: single {runs[('single', kind)][-1]['tok_s']:.1f} "
                  f"tok/s, batch {runs[('batch', kind)][-1]['tok_s']:.1f} tok/s", flush=True)

    constrained = [r.text for r in runs[("single", "grammar")][0]["results"]]
    valid = sum(_satisfies(text) for text in constrained)
    rows, summary = [], {}
    for mode in ("single", "batch"):
        rates = {kind: statistics.median(run["tok_s"] for run in runs[(mode, kind)]) for kind in ("free", "grammar")}
        tokens = {kind: sum(r.output_tokens for r in runs[(mode, kind)][0]["results"]) for kind in ("free", "grammar")}
        steps = {kind: statistics.median(run["step_ms"] for run in runs[(mode, kind)]) if mode == "batch" else None
                 for kind in ("free", "grammar")}
        summary[mode] = {"free_tok_s": rates["free"], "grammar_tok_s": rates["grammar"],
                         "free_step_ms": steps["free"], "grammar_step_ms": steps["grammar"],
                         "ratio": rates["grammar"] / rates["free"], "free_tokens": tokens["free"],
                         "grammar_tokens": tokens["grammar"],
                         "spread_tok_s": {k: [min(r["tok_s"] for r in runs[(mode, k)]),
                                              max(r["tok_s"] for r in runs[(mode, k)])] for k in ("free", "grammar")}}
        label = "1 request at a time (stream loop, decode only)" if mode == "single" else f"batch of {len(prompts)}"
        rows.append({"workload": label, "free tok/s": round(rates["free"], 1),
                     "grammar tok/s": round(rates["grammar"], 1), "grammar / free": round(rates["grammar"] /
                                                                                       rates["free"], 3),
                     "tokens free / grammar": f"{tokens['free']} / {tokens['grammar']}",
                     "ms per batch step free / grammar": (f"{steps['free']:.1f} / {steps['grammar']:.1f}"
                                                          if mode == "batch" else "")})
    step = grammar_step_cost(engine, grammar, constrained)
    compiled = compile_cost(engine, args.repeats)
    print(table(rows))
    print(f"grammar alone per step: mask {step['mask_ms']:.3f} ms, advance {step['advance_ms']:.3f} ms "
          f"({step['steps']} steps); schema compile {compiled['cold_ms']:.2f} ms cold, "
          f"{compiled['cached_ms']:.3f} ms cached; first compile in the process {first_compile_s * 1000:.0f} ms")
    print(f"constrained replies that parse and satisfy the schema: {valid}/{len(constrained)}; "
          f"load average before/after: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f}")
    path = save("structured", {
        "machine": machine(), "library": f"llguidance {_version()}", "model": engine.display_name,
        "dtype": engine.dtype_name, "max_tokens": args.max_tokens, "repeats": args.repeats,
        "prompts": PROMPTS[:args.prompts],
        "schema": SCHEMA, "summary": summary, "grammar_step": step, "compile": compiled,
        "first_compile_s": first_compile_s, "valid_constrained_replies": [valid, len(constrained)],
        "constrained_examples": constrained[:2],
        "load_average": {"before": load_before, "after": os.getloadavg()}})
    print(f"wrote {path}")


def _satisfies(text: str) -> bool:
    import jsonschema

    try:
        jsonschema.validate(json.loads(text), SCHEMA)
    except (ValueError, jsonschema.ValidationError):
        return False
    return True


def _version() -> str:
    from importlib.metadata import version

    return version("llguidance")


if __name__ == "__main__":
    main()
