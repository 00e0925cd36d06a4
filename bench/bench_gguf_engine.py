"""An optional faster engine, measured beside transformers: llama.cpp (llama-cpp-python) on the course's own packaged
GGUF, batch-1 decode tokens/s and time to first token, against transformers float32 on the same prompt tokens and
the memory-bandwidth ceiling, all in the same run. Decides whether the course should offer it (BENCHMARKS.md).

llama-cpp-python has no binary wheel on PyPI for Linux x86_64: `pip install llama-cpp-python` compiles llama.cpp
(needs cmake and a C++ compiler, minutes). Without it this benchmark says so and measures nothing.

Run: python -m bench.bench_gguf_engine [--new-tokens 32] [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time

INSTALL_HINT = ("llama-cpp-python is not installed, so the GGUF engine was not measured. It has no binary wheel on "
                "PyPI for this platform; `pip install llama-cpp-python` compiles llama.cpp from source (needs cmake "
                "and a C++ compiler; several minutes on 2 cores). Install it in the course venv, then rerun.")


def llama_cpp_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def decode_rate_from_times(first_token_s: float, last_token_s: float, new_tokens: int) -> float:
    """Decode tokens/s from the arrival times of the first and the last of ``new_tokens`` generated tokens
    (the first token's time is prefill, so it is left out)."""
    if new_tokens < 2:
        raise ValueError("need at least 2 new tokens to measure decoding")
    return (new_tokens - 1) / max(1e-9, last_token_s - first_token_s)


def common_prefix(a: list[int], b: list[int]) -> int:
    """How many leading tokens two generations share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def llama_cpp_run(llm, prompt: list[int], new_tokens: int) -> dict:
    """One greedy generation of exactly ``new_tokens`` tokens from a fresh KV cache; arrival times per token."""
    llm.reset()  # no prefix reuse from the previous run: every run pays its prefill
    start = time.perf_counter()
    times, tokens = [], []
    for token in llm.generate(prompt, temp=0.0, top_k=1, top_p=1.0, repeat_penalty=1.0, reset=True):
        times.append(time.perf_counter() - start)
        tokens.append(int(token))
        if len(tokens) == new_tokens:
            break
    return {"ttft_s": times[0], "tokens_per_s": decode_rate_from_times(times[0], times[-1], new_tokens),
            "tokens": tokens}


def engine_row(engine: str, weight_bytes: int, rate: dict, bandwidth_gbs: float, baseline_tok_s: float) -> dict:
    """One table row: decode speed and time to first token, against the ceiling of reading ``weight_bytes`` once
    per token at the measured bandwidth, and as a multiple of the baseline engine's decode speed."""
    ceiling = bandwidth_gbs * 1e9 / weight_bytes
    return {"engine": engine, "weights_mb": round(weight_bytes / 2**20), "decode_tok_s": round(rate["tokens_per_s"], 1),
            "ttft_ms": round(rate["ttft_s"] * 1000), "ceiling_tok_s": round(ceiling, 1),
            "pct_of_ceiling": round(100 * rate["tokens_per_s"] / ceiling, 1),
            "x_baseline": round(rate["tokens_per_s"] / baseline_tok_s, 2)}


def kb_context(words: int) -> str:
    """The first ``words`` words of the course KB (data/kb, sorted by file name), as a context block; '' for 0."""
    if words <= 0:
        return ""
    from helpers import datasets

    text = " ".join(path.read_text(encoding="utf-8") for path in sorted((datasets.DATA / "kb").glob("*.md")))
    return "Context:\n" + " ".join(text.split()[:words]) + "\n\n"


def transformers_tokens(model, prompt: list[int], new_tokens: int) -> list[int]:
    import torch

    with torch.inference_mode():
        out = model.generate(input_ids=torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                             max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, pad_token_id=0)
    return out[0, len(prompt):].tolist()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: torch's thread count)")
    parser.add_argument("--context-words", type=int, default=0,
                        help="put this many words of the course KB before the question (a RAG-sized prompt)")
    args = parser.parse_args()
    if not llama_cpp_available():
        print(INSTALL_HINT)
        return 0

    import llama_cpp
    import torch

    from bench.bench_generation import copy_bandwidth_gbs, decode_rate
    from bench.common import machine, save, table
    from helpers import local_model

    threads = args.threads or torch.get_num_threads()
    engine = local_model.get_engine()
    model = engine.model.to(torch.float32)
    prompt = engine.encode_chat([{"role": "user", "content": kb_context(args.context_words) +
                                  "Write a short paragraph about dashboards."}])
    gguf = local_model.gguf_path()
    n_ctx = max(512, len(prompt) + args.new_tokens + 16)
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=n_ctx, n_batch=512, n_threads=threads, verbose=False)
    bandwidth = copy_bandwidth_gbs()

    runs = [llama_cpp_run(llm, prompt, args.new_tokens) for _ in range(args.repeats + 1)][1:]  # first: warm-up
    cpp = {"ttft_s": statistics.median(r["ttft_s"] for r in runs),
           "tokens_per_s": statistics.median(r["tokens_per_s"] for r in runs),
           "spread_tok_s": [min(r["tokens_per_s"] for r in runs), max(r["tokens_per_s"] for r in runs)]}
    hf = decode_rate(model, torch.tensor([prompt]), 1, args.new_tokens, args.repeats)

    gbps = bandwidth["gb_per_s"]
    fp32_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    rows = [engine_row("transformers float32 (baseline)", fp32_bytes, hf, gbps, hf["tokens_per_s"]),
            engine_row(f"llama.cpp {llama_cpp.__version__} on the Q4_1 GGUF, {threads} threads", gguf.stat().st_size,
                       cpp, gbps, hf["tokens_per_s"])]
    same = common_prefix(runs[0]["tokens"], transformers_tokens(model, prompt, args.new_tokens))
    print(f"copy bandwidth: {bandwidth['gb_per_s']:.1f} GB/s; prompt {len(prompt)} tokens, {args.new_tokens} new "
          f"tokens, batch 1, median of {args.repeats}")
    print(table(rows))
    print(f"greedy tokens identical for the first {same} of {args.new_tokens} (Q4_1 arithmetic vs dequantized float32)")
    name = "gguf-engine" if not args.context_words else f"gguf-engine-context{args.context_words}"
    path = save(name, {"machine": machine(), "bandwidth": bandwidth, "prompt_tokens": len(prompt),
                       "new_tokens": args.new_tokens, "threads": threads, "rows": rows,
                       "llama_cpp_spread_tok_s": cpp["spread_tok_s"], "identical_greedy_prefix": same})
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
