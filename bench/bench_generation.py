"""Local generation speed: decode tokens/s at several batch sizes in fp32 and bf16, time to first token, and the
memory-bandwidth ceiling measured in the same run (a large array copy); then the prefix cache's effect on prefill
(cold against warm) on the course's own few-shot and RAG prompts.

At batch 1, decoding reads every weight once per token, so tokens/s cannot exceed
bandwidth / weight bytes: the ratio printed as "% of ceiling". Run: python -m bench.bench_generation
(``--prefix-only`` runs the prefix-cache rows alone.)
"""

from __future__ import annotations

import argparse
import statistics
import zlib

import numpy as np
import torch

from bench.common import machine, save, table, timed
from helpers import datasets, local_model, paths, rag


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
    cache, engine.prefix_cache = engine.prefix_cache, None  # every run prefills its prompt, as the earlier runs did
    try:
        stats = timed(lambda: engine.generate(prompt, max_new_tokens=new_tokens, stop=["\x00never"]),
                      repeats=repeats)
    finally:
        engine.prefix_cache = cache
    return new_tokens / stats["median_s"]


# --- the prefix cache on the course's prompts ----------------------------------------------------------------------
def course_prompts(engine) -> dict[str, list[list[int]]]:
    """Token ids of the course's real prompts, several of each kind, in the order a notebook sends them:
    notebook 01's few-shot prompt (definitions in the system prompt, 5 example tickets as chat turns, then the ticket),
    notebook 02's long few-shot system prompt (40 examples, its quick profile's largest), and notebook 03's RAG prompt
    (3 sources of 450 words at most from the knowledge base, here each question's gold documents, then the question),
    also with the same sources and a follow-up question."""
    labels = datasets.TICKET_LABELS
    train, test = datasets.tickets("train"), datasets.tickets("test")
    system_01 = (f"You sort customer support tickets for Pulseboard, a dashboard product, into one category.\n"
                 f"Categories:\n{datasets.label_definitions()}\n"
                 f"Reply with exactly one line: Category: <one of {', '.join(labels)}>")  # notebook 01, section 3

    def few_shot_01(ticket):  # notebook 01's few_shot_random, K=5
        rng = np.random.default_rng(zlib.crc32(ticket["id"].encode()))
        turns = []
        for ex in (train[j] for j in rng.choice(len(train), size=5, replace=False)):
            turns += [{"role": "user", "content": ex["text"]},
                      {"role": "assistant", "content": f"Category: {ex['label']}"}]
        return [{"role": "system", "content": system_01}] + turns + [{"role": "user", "content": ticket["text"]}]

    shots = datasets.sample(train, 40, seed=1, stratify="label")  # notebook 02, section 4
    system_02 = ("Classify the support ticket into one of: " + ", ".join(labels) + ".\nAnswer with one line: "
                 "Category: <LABEL>\n\nExamples:\n\n" + "\n\n".join(f"Ticket: {t['text']}\nCategory: {t['label']}"
                                                                 for t in shots))
    kb = rag.load_corpus(paths.DATA_DIR / "kb")
    questions = [q for q in rag.load_qa(paths.DATA_DIR / "kb_eval.jsonl", kb).questions if q["gold_doc_ids"]]
    first_chunk = {}
    for chunk in rag.fixed_chunks(kb, 200, 40):
        first_chunk.setdefault(chunk.doc_id, chunk)
    others = list(first_chunk)

    def rag_chat(question, sources_of=None):
        gold = list((sources_of or question)["gold_doc_ids"])
        docs = (gold + [d for d in others if d not in gold])[:3]
        hits = [rag.Hit(d, 1.0, [first_chunk[d]]) for d in docs]
        prompt = rag.rag_prompt(question["question"], hits)
        return [{"role": "system", "content": prompt.system}] + prompt.messages

    chats = {
        "01 few-shot (5 examples as turns)": [few_shot_01(t) for t in test[:16]],
        "02 few-shot (40 examples in the system prompt)": [
            [{"role": "system", "content": system_02}, {"role": "user", "content": t["text"]}] for t in test[:16]],
        "03 RAG (3 sources, next question)": [rag_chat(q) for q in questions[:16]],
        "03 RAG (same sources, follow-up question)": [rag_chat(q, questions[0]) for q in questions[:16]],
    }
    return {name: [engine.encode_chat(c) for c in group] for name, group in chats.items()}


def first_token_s(engine, prompt: list[int]) -> tuple[float, int]:
    """(seconds to the first token, prompt tokens taken from the prefix cache) of one request through the engine."""
    result = engine.generate(prompt, max_new_tokens=1)
    return result.first_token_s, result.cached_tokens


def prefix_rows(engine, repeats: int, batch: int = 8) -> list[dict]:
    """Per workload: one request's prefill cold (empty prefix cache) and warm (right after the notebook's previous
    request), then a batch of ``batch`` prompts through generate_batch without the cache, cold and warm. Medians."""
    cache = engine.prefix_cache or local_model.PREFIX_CACHE
    engine.prefix_cache = cache
    rows = []
    for name, prompts in course_prompts(engine).items():
        first_token_s(engine, prompts[1])  # warm-up
        cold, warm, reused = [], [], 0
        for _ in range(repeats):
            cache.clear()
            cold.append(first_token_s(engine, prompts[1])[0])
            cache.clear()
            first_token_s(engine, prompts[0])  # the request before it
            seconds, reused = first_token_s(engine, prompts[1])
            warm.append(seconds)
        c, w = statistics.median(cold), statistics.median(warm)
        rows.append({"workload": name, "requests": 1, "prompt_tokens": len(prompts[1]), "reused_tokens": reused,
                     "no_cache_s": "", "cold_s": round(c, 3), "warm_s": round(w, 3),
                     "cold_prefill_tok_s": round(len(prompts[1]) / c), "warm_prefill_tok_s": round(len(prompts[1]) / w),
                     "warm_speedup": round(c / w, 1)})
        print(rows[-1], flush=True)  # a long run shows its progress
        group = prompts[:batch]

        def run():
            return engine.generate_batch(group, max_new_tokens=1, batch_size=len(group))

        engine.prefix_cache = None
        plain = timed(run, repeats=repeats, warmup=0)["median_s"]
        engine.prefix_cache = cache
        cold_runs = []
        for _ in range(repeats):
            cache.clear()
            cold_runs.append(timed(run, repeats=1, warmup=0)["median_s"])
        warm_run = timed(run, repeats=repeats, warmup=0)["median_s"]
        tokens = sum(len(p) for p in group)
        cb = statistics.median(cold_runs)
        rows.append({"workload": f"{name}, batch of {len(group)}", "requests": len(group), "prompt_tokens": tokens,
                     "reused_tokens": run()[0].cached_tokens, "no_cache_s": round(plain, 3), "cold_s": round(cb, 3),
                     "warm_s": round(warm_run, 3), "cold_prefill_tok_s": round(tokens / cb),
                     "warm_prefill_tok_s": round(tokens / warm_run), "warm_speedup": round(plain / warm_run, 1)})
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", default="1,8,16,32")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--prefix-only", action="store_true", help="only the prefix-cache rows")
    parser.add_argument("--prefix-batch", type=int, default=8, help="prompts per batch in the prefix-cache rows")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: GPU mode's serving engine on a random-weight model (bench.gpu_serving)")
    parser.add_argument("--shape", default="Qwen2.5-1.5B", help="--device cuda: a stored config (data/model_configs)")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    if args.device == "cuda":
        cuda_main(args, batches)
        return

    engine = local_model.get_engine()
    if args.prefix_only:
        print_prefix(prefix_rows(engine, args.repeats, args.prefix_batch), engine)
        return
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
    prefix = prefix_rows(engine, args.repeats, args.prefix_batch)
    print_prefix(prefix, engine, save_json=False)
    path = save("generation", {"machine": machine(), "bandwidth": bandwidth, "new_tokens": args.new_tokens,
                               "prompt_tokens": len(prompt), "rows": rows, "prefix_cache": prefix})
    print("wrote", path)


def print_prefix(rows: list[dict], engine, save_json: bool = True) -> None:
    print(f"\nprefix cache, {engine.dtype_name}: prefill cold (empty cache) and warm (after the previous request); "
          "batches through generate_batch without the cache (no_cache_s), cold and warm. warm_speedup: warm against "
          "cold for one request, against no cache for a batch")
    print(table(rows))
    if save_json:
        print("wrote", save("generation-prefix-cache", {"machine": machine(), "dtype": engine.dtype_name,
                                                         "rows": rows}))


# --- GPU mode (issue 20): python -m bench.bench_generation --device cuda ---------------------------------------------
def cuda_main(args, batches: list[int]) -> None:
    """The serving engine on this GPU: a random-weight model of ``--shape`` (no Hub), tokens/s of each decode path
    and their share of the memory bandwidth measured in the same run (bench.gpu_serving)."""
    from bench import gpu_serving

    report = gpu_serving.cuda_report(args.shape, new_tokens=args.new_tokens, repeats=args.repeats, batches=batches)
    print(f"{report['gpu']} ({report['gpu_memory_gib']} GiB); {report['model']}: {report['weight_gb']} GB of "
          f"weights; copy bandwidth {report['copy_bandwidth_gb_s']} GB/s; prompt {report['prompt_tokens']} tokens, "
          f"{report['new_tokens']} new tokens, median of {report['repeats']}. pct_of_bandwidth: decode steps/s x "
          "weight bytes / copy bandwidth")
    print(table(report["rows"]))
    print("wrote", save("generation-cuda", {"machine": machine(), **report}))


if __name__ == "__main__":
    main()
