"""LoRA training speed: tokens/s, achieved FLOP/s and its share of a matmul peak measured in the same run (the CPU's
"MFU"), and peak memory; padded batches (the plain way) against padding-free packed rows.

FLOPs are counted, not estimated: torch.utils.flop_counter.FlopCounterMode records every matmul and attention
kernel of one training step (forward and backward). The peak is the best of large square float32 (CPU) or bf16
(GPU) matmuls timed in the same process, so both sides see the same machine and the same load.

    python -m bench.bench_lora                       # CPU: the packaged SmolLM2-135M (real weights)
    python -m bench.bench_lora --device cuda --shape Qwen2.5-0.5B   # GPU: random weights from a stored config

On a GPU the model is built from data/model_configs/<shape>.json with random weights (speed does not depend on the
values) and compared with plain transformers+peft defaults (float32 weights, padded batches, full-vocabulary loss)
in the same run. Results: bench/results/lora-<device>.json.
"""

from __future__ import annotations

import argparse
import os
import random
import time

import torch

from bench.common import machine, save, table


def matmul_peak(device: str, dtype: torch.dtype, sizes=(1024, 2048, 3072), repeats: int = 5) -> dict:
    """Best FLOP/s of square matmuls: the ceiling the training step is compared with."""
    best = {}
    for n in sizes:
        a = torch.randn(n, n, device=device, dtype=dtype)
        b = torch.randn(n, n, device=device, dtype=dtype)
        for _ in range(2):
            a @ b
        _sync(device)
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            _sync(device)
            runs.append(time.perf_counter() - start)
        best[n] = 2 * n**3 / min(runs)
    return {"flops_per_s": max(best.values()), "by_size": {str(k): v for k, v in best.items()}}


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def examples_tokens(tokenizer, n: int, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """Tokenized ticket and order chat examples with answer-only labels (the course's training data)."""
    from helpers.finetune import tasks
    from helpers.finetune.lora.train import encode_example

    rows = tasks.task_examples(int(n * 0.8), n - int(n * 0.8), seed=seed)
    return [encode_example(tokenizer, e["messages"]) for e in rows]


def padded_batch(encoded, batch: int, pad_id: int, device: str):
    """The plain way: ``batch`` examples right-padded to the longest."""
    from helpers.finetune.lora.train import collate

    rows = random.Random(0).sample(encoded, batch)
    ids, mask, labels = collate(rows, pad_id, device)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "real_tokens": int(mask.sum())}


def packed_batch(encoded, batch: int, seq_len: int, device: str):
    """Padding-free: examples concatenated into ``batch`` rows of exactly ``seq_len`` tokens, position ids restarting
    at each example, and a block-diagonal causal mask (4-D, boolean) so attention stays inside each example.
    Position ids alone do not isolate examples under SDPA in transformers 5.23 (checked: the second example's
    hidden states differed by ~20); with the 4-D mask they match the unpacked run to 2e-5."""
    from helpers.finetune.lora.train import IGNORE

    rows_ids, rows_pos, rows_lab = [], [], []
    pool = list(encoded)
    random.Random(0).shuffle(pool)
    for _ in range(batch):
        ids, pos, lab = [], [], []
        while len(ids) < seq_len:
            x, y = pool.pop() if pool else random.choice(encoded)
            room = seq_len - len(ids)
            x, y = x[:room], y[:room]
            ids += x
            pos += list(range(len(x)))
            lab += [IGNORE] + y[1:]  # never predict across the boundary between two examples
        rows_ids.append(ids)
        rows_pos.append(pos)
        rows_lab.append(lab)
    pos = torch.tensor(rows_pos, device=device)
    segment = torch.cumsum((pos == 0).long(), dim=1)  # which example each token belongs to
    causal = torch.tril(torch.ones(seq_len, seq_len, dtype=torch.bool, device=device))
    mask = (causal & (segment[:, :, None] == segment[:, None, :]))[:, None]
    return {"input_ids": torch.tensor(rows_ids, device=device), "position_ids": pos, "attention_mask": mask,
            "labels": torch.tensor(rows_lab, device=device), "real_tokens": batch * seq_len}


def course_step(model, batch: dict):
    """One forward+backward with the course's answer-only loss (logits only at answer positions)."""
    from helpers.finetune.lora.train import loss_on_answers

    causal_lm = model.get_base_model()
    kwargs = {k: batch[k] for k in ("input_ids", "attention_mask", "position_ids") if k in batch}
    hidden = causal_lm.model(**kwargs).last_hidden_state
    loss, _, _ = loss_on_answers(causal_lm.lm_head, hidden, batch["labels"])
    loss.backward()
    return loss


def plain_step(model, batch: dict):
    """One forward+backward the way the transformers docs show it: ``model(**batch, labels=...)``, which computes
    logits for every position over the whole vocabulary."""
    out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"])
    out.loss.backward()
    return out.loss


def measure(step, model, batch: dict, device: str, repeats: int) -> dict:
    """Median seconds per training step, FLOPs of one step (counted), tokens/s on real tokens."""
    from torch.utils.flop_counter import FlopCounterMode

    params = [p for p in model.parameters() if p.requires_grad]
    step(model, batch)  # warm-up
    for p in params:
        p.grad = None
    with FlopCounterMode(display=False) as counter:
        step(model, batch)
    flops = counter.get_total_flops()
    for p in params:
        p.grad = None
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        step(model, batch)
        _sync(device)
        times.append(time.perf_counter() - start)
        for p in params:
            p.grad = None
    seconds = sorted(times)[len(times) // 2]
    peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None
    return {"step_s": seconds, "step_s_spread": [min(times), max(times)], "flops_per_step": flops,
            "tokens_per_s": batch["real_tokens"] / seconds, "flops_per_s": flops / seconds, "peak_gib": peak}


def lora_model(base, r: int, top_layers: int | None = None):
    from helpers.finetune.lora.train import LoraSettings, add_lora

    return add_lora(base, LoraSettings(r=r, alpha=2 * r, top_layers=top_layers))


def course_plan_run(model, tokenizer, n: int) -> dict:
    """The notebook's CPU plan end to end (adapters in the last 4 blocks, frozen blocks run once per example)."""
    from helpers.finetune import tasks
    from helpers.finetune.lora import train as lt
    from helpers.finetune.lora.train import LoraSettings

    config = lt.TrainConfig(lora=LoraSettings(r=8, alpha=16, top_layers=4, max_seq_len=256), epochs=3, batch_size=4,
                            lr=1e-3, cache_prefix=True)
    start = time.perf_counter()
    run = lt.train(model, tokenizer, tasks.task_examples(int(n * 0.8), n - int(n * 0.8), seed=0), config,
                   progress=False)
    return {"tokens_per_s_training": run.tokens_per_s, "tokens_per_s_with_prefix_pass": run.tokens_seen /
            (time.perf_counter() - start), "steps": len(run.steps)}


def cpu_bench(args) -> dict:
    import copy

    from helpers.local_model import get_engine

    engine = get_engine()
    tokenizer = engine.tokenizer
    base = copy.deepcopy(engine.model).float()
    encoded = examples_tokens(tokenizer, 64)
    pad_id = tokenizer.pad_token_id
    peak = matmul_peak("cpu", torch.float32)
    rows = []
    model = lora_model(copy.deepcopy(base), args.r)
    model.train()
    for label, batch in (("padded, batch 4", padded_batch(encoded, 4, pad_id, "cpu")),
                         (f"packed {args.batch}x{args.seq_len}", packed_batch(encoded, args.batch, args.seq_len,
                                                                                 "cpu"))):
        m = measure(course_step, model, batch, "cpu", args.repeats)
        rows.append({"config": f"LoRA r={args.r}, all blocks, {label}", "tokens/s": round(m["tokens_per_s"]),
                     "GFLOP/step": round(m["flops_per_step"] / 1e9, 1),
                     "GFLOP/s": round(m["flops_per_s"] / 1e9, 1),
                     "% of matmul peak": round(100 * m["flops_per_s"] / peak["flops_per_s"], 1), **{"raw": m}})
    plan = course_plan_run(copy.deepcopy(base), tokenizer, 32)
    rows.append({"config": "course CPU plan (top 4 blocks + cached prefix), train()",
                 "tokens/s": round(plan["tokens_per_s_training"]), "GFLOP/step": "", "GFLOP/s": "",
                 "% of matmul peak": "", "raw": plan})
    return {"peak": peak, "rows": rows, "model": engine.display_name}


def gpu_bench(args) -> dict:
    from transformers import AutoModelForCausalLM

    from helpers.finetune.lora import shapes

    shape = shapes.get_shape(args.shape)
    config = shape.to_hf_config()
    config._attn_implementation = "sdpa"
    from helpers.local_model import ensure_converted
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(ensure_converted(verbose=False))  # token ids only; vocab clipped
    encoded = [([t % shape.vocab_size for t in x], [t if t < 0 else t % shape.vocab_size for t in y])
               for x, y in examples_tokens(tokenizer, 256)]
    peak = matmul_peak("cuda", torch.bfloat16, sizes=(4096, 8192))
    rows = []
    torch.manual_seed(0)
    plain = lora_model(AutoModelForCausalLM.from_config(config).to("cuda"), args.r)  # float32: from_config's default
    plain.train()
    batch = padded_batch(encoded, 4, 0, "cuda")
    m = measure(plain_step, plain, batch, "cuda", args.repeats)
    rows.append({"config": "plain: fp32 weights, padded batch 4, full-vocab loss", **_gpu_row(m, peak)})
    del plain
    torch.cuda.empty_cache()
    fast = lora_model(AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16).to("cuda"), args.r)
    fast.train()
    for micro in (args.batch, 2 * args.batch):
        batch = packed_batch(encoded, micro, args.seq_len, "cuda")
        m = measure(course_step, fast, batch, "cuda", args.repeats)
        rows.append({"config": f"bf16, SDPA, packed {micro}x{args.seq_len}, answer-only logits", **_gpu_row(m, peak)})
    return {"peak": peak, "rows": rows, "model": f"{shape.name}-shaped, random weights (config from "
                                                 f"data/model_configs)", "gpu": torch.cuda.get_device_name(0)}


def _gpu_row(m: dict, peak: dict) -> dict:
    return {"tokens/s": round(m["tokens_per_s"]), "GFLOP/step": round(m["flops_per_step"] / 1e9, 1),
            "TFLOP/s": round(m["flops_per_s"] / 1e12, 1), "% of matmul peak": round(100 * m["flops_per_s"] /
                                                                                    peak["flops_per_s"], 1),
            "peak GiB": round(m["peak_gib"], 2), "raw": m}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--shape", default="Qwen2.5-0.5B", help="GPU only: a stored config name")
    parser.add_argument("--r", type=int, default=8)
    parser.add_argument("--batch", type=int, default=4, help="packed rows per micro-batch")
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda needs a CUDA GPU; none is visible (torch.cuda.is_available() is False)")
    load_before = os.getloadavg()
    result = gpu_bench(args) if args.device == "cuda" else cpu_bench(args)
    load_after = os.getloadavg()
    peak = result["peak"]["flops_per_s"]
    print(f"{result['model']}; matmul peak in this run: {peak / 1e9:,.1f} GFLOP/s; load average before "
          f"{load_before[0]:.2f}, after {load_after[0]:.2f} (figures from a loaded machine are not valid)")
    print(table([{k: v for k, v in row.items() if k != "raw"} for row in result["rows"]]))
    path = save(f"lora-{args.device}", {"machine": machine(), "args": vars(args), "load_average_before": load_before,
                                        "load_average_after": load_after, **result})
    print("wrote", path)


if __name__ == "__main__":
    main()
