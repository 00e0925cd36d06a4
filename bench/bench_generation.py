"""Local generation speed: decode tokens/s at several batch sizes in fp32 and bf16, time to first token, and the
memory-bandwidth ceiling measured in the same run (a large array copy).

At batch 1, decoding reads every weight once per token, so tokens/s cannot exceed
bandwidth / weight bytes: the ratio printed as "% of ceiling". Run: python -m bench.bench_generation
"""

from __future__ import annotations

import argparse

import torch

from bench.common import machine, save, table, timed
from helpers import local_model


def copy_bandwidth_gbs(megabytes: int = 512) -> dict:
    """Memory bandwidth of a large tensor copy (read + write), GB/s: the decode ceiling's numerator."""
    src = torch.ones(megabytes * 2**20 // 4, dtype=torch.float32)
    dst = torch.empty_like(src)
    stats = timed(lambda: dst.copy_(src), repeats=7, warmup=2)
    moved = 2 * src.numel() * src.element_size()
    return {"gb_per_s": moved / stats["median_s"] / 1e9, "spread_gb_per_s": [moved / stats["max_s"] / 1e9,
                                                                               moved / stats["min_s"] / 1e9]}


def decode_rate(model, prompt_ids: torch.Tensor, batch: int, new_tokens: int, repeats: int) -> dict:
    ids = prompt_ids.repeat(batch, 1)
    mask = torch.ones_like(ids)

    def run(n):
        with torch.inference_mode():
            model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                           pad_token_id=0)

    first = timed(lambda: run(1), repeats=repeats)
    full = timed(lambda: run(new_tokens), repeats=repeats)
    decode_s = max(1e-9, full["median_s"] - first["median_s"])
    return {"ttft_s": first["median_s"], "tokens_per_s": batch * (new_tokens - 1) / decode_s,
            "total_s": full["median_s"], "spread_total_s": [full["min_s"], full["max_s"]]}


def engine_stream_rate(dtype: torch.dtype, prompt: list[int], new_tokens: int, repeats: int) -> float:
    """The course's own streaming loop (what the in-process API uses for one request), batch 1."""
    engine = local_model.get_engine()
    engine.model.to(dtype)
    stats = timed(lambda: engine.generate(prompt, max_new_tokens=new_tokens, stop=["\x00never"]), repeats=repeats)
    return new_tokens / stats["median_s"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", default="1,8,16,32")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]

    engine = local_model.get_engine()
    model = engine.model
    prompt = engine.encode_chat([{"role": "user", "content": "Write a short paragraph about dashboards."}])
    prompt_ids = torch.tensor([prompt])
    bandwidth = copy_bandwidth_gbs()
    rows = []
    for dtype in (torch.float32, torch.bfloat16):
        model.to(dtype)
        weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
        ceiling = bandwidth["gb_per_s"] * 1e9 / weight_bytes
        for batch in batches:
            rate = decode_rate(model, prompt_ids, batch, args.new_tokens, args.repeats)
            rows.append({"dtype": str(dtype).replace("torch.", ""), "batch": batch,
                         "decode_tok_s": round(rate["tokens_per_s"], 1), "ttft_ms": round(rate["ttft_s"] * 1000),
                         "ceiling_tok_s_b1": round(ceiling, 1),
                         "pct_of_ceiling": round(100 * rate["tokens_per_s"] / ceiling, 1) if batch == 1 else ""})
        stream = engine_stream_rate(dtype, prompt, args.new_tokens, args.repeats)
        rows.append({"dtype": str(dtype).replace("torch.", ""), "batch": "1 (course stream loop)",
                     "decode_tok_s": round(stream, 1), "ttft_ms": "", "ceiling_tok_s_b1": round(ceiling, 1),
                     "pct_of_ceiling": round(100 * stream / ceiling, 1)})
    model.to(getattr(torch, local_model.cpu_dtype()))
    print(f"copy bandwidth: {bandwidth['gb_per_s']:.1f} GB/s (spread {bandwidth['spread_gb_per_s'][0]:.1f}-"
          f"{bandwidth['spread_gb_per_s'][1]:.1f}); model {engine.display_name}; prompt {len(prompt)} tokens, "
          f"{args.new_tokens} new tokens, median of {args.repeats}")
    print(table(rows))
    path = save("generation", {"machine": machine(), "bandwidth": bandwidth, "new_tokens": args.new_tokens,
                               "prompt_tokens": len(prompt), "rows": rows})
    print("wrote", path)


if __name__ == "__main__":
    main()
