"""The GPU check (issue 20): the course's GPU paths (training here, the serving engine in bench.gpu_serving) run for
real, in one script, in under 5 minutes on one GPU, without the Hub (random-weight models built from the stored
configs in data/model_configs; speed and memory do not depend on the weights' values).

    python -m bench.gpu_check                 # on a GPU: writes bench/results/gpu-check.json and prints a table
    python -m bench.gpu_check --dry-run       # anywhere: every plan built, a few steps each on the CPU, tiny config
    python -m bench.gpu_check --shape Llama-3.2-3B   # another stored config (default Qwen2.5-0.5B, the T4 default)

What each training check measures, through helpers.finetune.lora.train.train (the loop notebooks 07, 08 and 10 use):
- the T4 plan forced (float16 weights, fp16 autocast with loss scaling, never bf16) for LoRA, and for full
  fine-tuning (the path that raised "Attempting to unscale FP16 gradients" before trainable weights were kept in
  float32);
- the bf16 plan of this GPU (compute capability 8.0 or newer);
- 4-bit QLoRA when bitsandbytes imports (the random weights saved once to a temporary folder and loaded in 4-bit);
- plain transformers + peft on the same batches and plan (HF's own loss over every position), for tokens/s.
Every row: steps run, first and last loss, tokens/s over the steps after the warm-up, MFU (FLOPs of one step counted
by torch.utils.flop_counter, divided by the step time and by a dense matmul peak measured in the same run, in the
plan's dtype), peak memory (CUDA max allocated from before the model was built) against
helpers.finetune.lora.memory's estimate (the ratio leaves out the estimate's fixed 0.8 GiB of CUDA context, which
max allocated does not see).

``CHECKS`` is the list the script runs. Each check is a function ``(Context) -> list[dict]`` returning table rows
(``row(...)`` builds one); a check that raises becomes a "failed" row and the script exits 1. The serving engine's
checks (bench.gpu_serving: decode path, batched generation, tool-use parsing) are appended to ``CHECKS`` after the
training ones.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench import gpu_serving
from bench.common import machine, save, table

T4 = {"name": "Tesla T4 (forced plan)", "memory_gib": 14.7, "capability": (7, 5)}  # what torch reports for a T4
A100 = {"name": "A100 (dry-run stand-in)", "memory_gib": 39.4, "capability": (8, 0)}
LORA_R = 16
TIME_LIMIT_S = 300  # issue 20: the whole check in under 5 minutes on one GPU


@dataclass
class Context:
    """What every check needs: the device, the model shape, sizes, the matmul peaks and a scratch folder."""

    device: str  # "cuda" or "cpu"
    dry_run: bool
    shape: object  # helpers.finetune.lora.shapes.ModelShape
    gpu: object | None  # helpers.env.GpuInfo of this machine, None on a CPU
    warmup: int
    steps: int
    scratch: Path
    peaks: dict = field(default_factory=dict)  # dtype name -> measured dense matmul FLOP/s
    seq_len: int | None = None  # None: the plan's
    batch_size: int | None = None  # None: the plan's

    def sizes(self, plan) -> tuple[int, int]:
        """(batch size, sequence length) for ``plan`` (smaller in the dry-run)."""
        return self.batch_size or plan.batch_size, self.seq_len or plan.max_seq_len


def row(check: str, plan: str, status: str, **values) -> dict:
    """One table row: the check, the plan it ran, "ok" / "skipped" / "failed", then measured values and a note."""
    return {"check": check, "plan": plan, "status": status, **values}


# --- building blocks -------------------------------------------------------------------------------------------
def gpu_info(spec: dict):
    from helpers import env

    return env.GpuInfo(name=spec["name"], memory_gib=spec["memory_gib"], capability=spec["capability"])


def tiny_shape():
    """A SmolLM2-shaped config small enough for a CPU step in milliseconds (the dry-run)."""
    from helpers.finetune.lora import shapes

    return replace(shapes.get_shape("SmolLM2-135M"), name="tiny (SmolLM2-135M-shaped)", hidden_size=64,
                   intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                   head_dim=16, vocab_size=512)


def random_model(shape, dtype: str, device: str):
    """A causal LM of ``shape`` with random weights (seed 0), built directly on ``device`` in ``dtype``."""
    import torch
    from transformers import AutoModelForCausalLM

    config = shape.to_hf_config()
    config._attn_implementation = "sdpa"
    torch.manual_seed(0)
    with torch.device(device):
        return AutoModelForCausalLM.from_config(config, dtype=getattr(torch, dtype))


def synthetic_examples(n: int, seq_len: int, vocab: int, seed: int = 0) -> list[dict]:
    """Tokenized examples of exactly ``seq_len`` tokens, the last quarter labelled as the answer (the answer-only
    loss of the course), as helpers.finetune.lora.train accepts them without a tokenizer."""
    from helpers.finetune.lora.train import IGNORE

    rng = random.Random(seed)
    answer = max(2, seq_len // 4)
    rows = []
    for _ in range(n):
        ids = [rng.randrange(1, vocab) for _ in range(seq_len)]
        rows.append({"input_ids": ids, "labels": [IGNORE] * (seq_len - answer) + ids[-answer:]})
    return rows


def cpu_fp16_accelerator():
    """An accelerate Accelerator that does on the CPU what fp16 mixed precision does on a T4: autocast to float16
    and a loss scaler whose clip step unscales the gradients (accelerate enables both only on a GPU). The dry-run
    and tests/test_lora_mixed_precision.py use it to run the T4 plan's code path without a GPU."""
    import torch

    from helpers.finetune.lora import train as lt

    accelerator = lt.new_accelerator("fp16", "cpu")
    accelerator.native_amp = True
    accelerator.scaler = torch.amp.GradScaler("cpu")
    return accelerator


def matmul_peak(device: str, dtype: str, n: int, repeats: int = 5) -> float:
    """Best FLOP/s of an n x n matmul in ``dtype``: the ceiling MFU is measured against, in the same run."""
    import torch

    a = torch.randn(n, n, device=device, dtype=getattr(torch, dtype))
    b = torch.randn(n, n, device=device, dtype=getattr(torch, dtype))
    best = math.inf
    for i in range(repeats + 2):
        _sync(device)
        start = time.perf_counter()
        a @ b
        _sync(device)
        if i >= 2:
            best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def _sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def _free(device: str) -> None:
    """Release the previous check's tensors and restart the peak-memory counter."""
    import torch

    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def _peak_gib(device: str) -> float | None:
    import torch

    return torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None


def _autocast(device: str, mixed_precision: str):
    import contextlib

    import torch

    if mixed_precision == "no":
        return contextlib.nullcontext()
    return torch.autocast(device, dtype=torch.float16 if mixed_precision == "fp16" else torch.bfloat16)


def step_flops(model, batch: list, device: str, mixed_precision: str, loss: Callable) -> float:
    """FLOPs of one forward and backward pass of ``loss(model, ids, mask, labels)`` on ``batch``, counted."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        with _autocast(device, mixed_precision):
            value = loss(model, *batch)
        value.backward()
    model.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def _course_loss(model, ids, mask, labels):
    from helpers.finetune.lora.train import answer_loss

    return answer_loss(model, ids, mask, labels)[0]


def _plain_loss(model, ids, mask, labels):
    return model(input_ids=ids, attention_mask=mask, labels=labels).loss


def _estimate(ctx: Context, plan, method: str):
    from helpers.finetune.lora import memory, shapes

    batch, seq = ctx.sizes(plan)
    return memory.estimate_training_memory(ctx.shape, method=method, dtype=plan.dtype, r=LORA_R,
                                           targets=shapes.ALL_SEVEN, batch_size=batch, seq_len=seq,
                                           gradient_checkpointing=plan.gradient_checkpointing)


def _measures(ctx: Context, plan, method: str, losses: list[float], tokens: list[int], seconds: list[float],
              flops: float | None) -> dict:
    """The numbers of a row from per-step losses, tokens and seconds (the warm-up steps left out of the speed)."""
    timed_tokens, timed_seconds = sum(tokens[ctx.warmup:]), sum(seconds[ctx.warmup:])
    per_step = timed_seconds / max(1, len(seconds) - ctx.warmup)
    peak = _peak_gib(ctx.device)
    estimate = _estimate(ctx, plan, method)
    counted = estimate.total_gib - estimate.overhead_gib
    peak_flops = ctx.peaks.get(plan.dtype)
    mfu = 100 * flops / per_step / peak_flops if flops and peak_flops and per_step else None
    finite = all(math.isfinite(x) for x in losses)
    return {"steps": len(losses), "loss first->last": f"{losses[0]:.3f}->{losses[-1]:.3f}" if losses else "",
            "tokens/s": round(timed_tokens / timed_seconds) if timed_seconds else None,
            "MFU %": round(mfu, 1) if mfu is not None else None,
            "peak GiB": round(peak, 2) if peak is not None else None, "estimate GiB": round(estimate.total_gib, 2),
            "peak/estimate": round(peak / counted, 2) if peak is not None else None, "finite": finite}


def _forced_plan(ctx: Context, spec: dict):
    """The plan helpers.finetune.lora.hardware chooses for the GPU ``spec`` and this shape, on this device."""
    from helpers.finetune.lora import hardware

    plan = hardware.choose_plan(gpu_info(spec), model=ctx.shape.hub_id or ctx.shape.name)
    return replace(plan, device=ctx.device)


def _course_run(ctx: Context, plan, method: str, label: str, model=None) -> dict:
    """Train ``ctx.warmup + ctx.steps`` steps of ``method`` under ``plan`` with the course loop; one row."""
    from helpers.finetune.lora import train as lt

    batch, seq = ctx.sizes(plan)
    if model is None:
        _free(ctx.device)
        model = random_model(ctx.shape, plan.dtype, ctx.device)
        if plan.gradient_checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    config = lt.TrainConfig(method=method, lora=lt.LoraSettings(r=LORA_R, alpha=2 * LORA_R, top_layers=None,
                                                                max_seq_len=seq),
                            max_steps=ctx.warmup + ctx.steps, batch_size=batch, lr=1e-4,
                            mixed_precision=plan.mixed_precision)
    accelerator = None
    if ctx.device == "cpu" and plan.mixed_precision == "fp16":
        accelerator = cpu_fp16_accelerator()
    examples = synthetic_examples(batch * (ctx.warmup + ctx.steps), seq, ctx.shape.vocab_size)
    result = lt.train(model, None, examples, config, device=ctx.device, progress=False, accelerator=accelerator)
    trained = result.model
    dtypes = sorted({str(p.dtype).removeprefix("torch.") for p in trained.parameters() if p.requires_grad})
    flops = None
    if not plan.load_in_4bit:  # bitsandbytes' 4-bit matmuls are not counted by FlopCounterMode
        rows = [(e["input_ids"], e["labels"]) for e in examples[:batch]]
        flops = step_flops(trained, lt.collate(rows, 0, ctx.device), ctx.device, plan.mixed_precision, _course_loss)
    measures = _measures(ctx, plan, "qlora" if plan.load_in_4bit else method,
                         [s.train_loss for s in result.steps], [s.tokens for s in result.steps],
                         [s.seconds for s in result.steps], flops)
    ok = measures.pop("finite") and len(result.steps) == ctx.warmup + ctx.steps
    del model, trained, result
    _free(ctx.device)
    if not ok:
        raise RuntimeError(f"{label}: a loss was not finite or steps are missing")
    return row(label, _describe(plan, batch, seq), "ok", **measures, note=f"trainable weights in {', '.join(dtypes)}")


def _describe(plan, batch: int, seq: int) -> str:
    bits = "4-bit " if plan.load_in_4bit else ""
    return (f"{bits}{plan.dtype}, mixed {plan.mixed_precision}, batch {batch}x{seq}"
            + (", grad ckpt" if plan.gradient_checkpointing else ""))


def _bf16_spec(ctx: Context) -> dict | None:
    if ctx.dry_run:
        return A100
    if ctx.gpu is None or ctx.gpu.capability < (8, 0):
        return None
    return {"name": ctx.gpu.name, "memory_gib": ctx.gpu.memory_gib, "capability": ctx.gpu.capability}


# --- the checks ------------------------------------------------------------------------------------------------
def t4_lora(ctx: Context) -> list[dict]:
    """The T4 plan (float16 weights, fp16 autocast and loss scaling) training LoRA adapters."""
    return [_course_run(ctx, _forced_plan(ctx, T4), "lora", "T4 plan: LoRA")]


def t4_full(ctx: Context) -> list[dict]:
    """The T4 plan training every block (full fine-tuning): float32 master weights under fp16 autocast."""
    return [_course_run(ctx, _forced_plan(ctx, T4), "full", "T4 plan: full fine-tuning")]


def bf16_lora(ctx: Context) -> list[dict]:
    """This GPU's bf16 plan (compute capability 8.0+) training LoRA adapters."""
    spec = _bf16_spec(ctx)
    if spec is None:
        return [row("bf16 plan: LoRA", "bfloat16", "skipped", note=f"{ctx.gpu.name if ctx.gpu else 'this machine'} "
                    "has no bf16 (compute capability under 8.0)")]
    return [_course_run(ctx, _forced_plan(ctx, spec), "lora", "bf16 plan: LoRA")]


def qlora(ctx: Context) -> list[dict]:
    """4-bit QLoRA: the random weights saved once, loaded in NF4 by hardware.load_model, LoRA trained on top."""
    import importlib.util

    from helpers.finetune.lora import hardware

    spec = _bf16_spec(ctx) or T4
    plan = replace(_forced_plan(ctx, spec), load_in_4bit=True, gradient_checkpointing=True)
    estimate = _estimate(ctx, plan, "qlora").total_gib
    if ctx.device != "cuda" or importlib.util.find_spec("bitsandbytes") is None:
        why = "needs a CUDA GPU" if ctx.device != "cuda" else "bitsandbytes is not installed"
        return [row("QLoRA", _describe(plan, *ctx.sizes(plan)), "skipped", **{"estimate GiB": round(estimate, 2)},
                    note=f"plan built; {why}")]
    folder = ctx.scratch / "qlora-weights"
    if not folder.is_dir():
        random_model(ctx.shape, plan.dtype, "cpu").save_pretrained(folder)
    _free(ctx.device)
    model = hardware.load_model(plan, source=folder)
    return [_course_run(ctx, plan, "lora", "QLoRA", model=model)]


def plain_peft(ctx: Context) -> list[dict]:
    """Plain transformers + peft on the same plan, batches and LoRA shape (HF's loss over every position, its own
    autocast and scaler): the speed the course loop is compared with. Out of GPU memory is a finding, not a failure:
    HF's loss keeps float32 logits for every position, which the course's memory estimate does not plan for."""
    import torch

    plan = _forced_plan(ctx, _bf16_spec(ctx) or T4)
    try:
        return [_plain_run(ctx, plan)]
    except torch.OutOfMemoryError as exc:
        note = f"out of GPU memory ({str(exc).splitlines()[0][:120]})"
    _free(ctx.device)  # outside the except block, whose traceback still holds the tensors
    return [row("plain transformers+peft: LoRA", _describe(plan, *ctx.sizes(plan)), "skipped", note=note)]


def _plain_run(ctx: Context, plan) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model

    from helpers.finetune.lora import shapes
    from helpers.finetune.lora.train import collate

    batch, seq = ctx.sizes(plan)
    _free(ctx.device)
    model = random_model(ctx.shape, plan.dtype, ctx.device)
    model = get_peft_model(model, LoraConfig(r=LORA_R, lora_alpha=2 * LORA_R, target_modules=list(shapes.ALL_SEVEN),
                                             task_type="CAUSAL_LM"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    scaler = torch.amp.GradScaler(ctx.device, enabled=plan.mixed_precision == "fp16")
    examples = synthetic_examples(batch * (ctx.warmup + ctx.steps), seq, ctx.shape.vocab_size)
    losses, tokens, seconds = [], [], []
    for step in range(ctx.warmup + ctx.steps):
        rows = [(e["input_ids"], e["labels"]) for e in examples[step * batch:(step + 1) * batch]]
        ids, mask, labels = collate(rows, 0, ctx.device)
        _sync(ctx.device)
        start = time.perf_counter()
        with _autocast(ctx.device, plan.mixed_precision):
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        _sync(ctx.device)
        seconds.append(time.perf_counter() - start)
        tokens.append(int(mask.sum()))
    rows = [(e["input_ids"], e["labels"]) for e in examples[:batch]]
    flops = step_flops(model, collate(rows, 0, ctx.device), ctx.device, plan.mixed_precision, _plain_loss)
    measures = _measures(ctx, plan, "lora", losses, tokens, seconds, flops)
    finite = measures.pop("finite")
    del model, optimizer
    _free(ctx.device)
    if not finite:
        raise RuntimeError("plain transformers+peft: a loss was not finite")
    return row("plain transformers+peft: LoRA", _describe(plan, batch, seq), "ok", **measures,
               note="the baseline for the course loop's tokens/s on the same plan")


# The checks run in this order: training first, then the serving engine's.
CHECKS: list[Callable[[Context], list[dict]]] = [t4_lora, t4_full, bf16_lora, qlora, plain_peft]
CHECKS += gpu_serving.SERVING_CHECKS  # the serving engine: decode path, batched generation, tool-use parsing


# --- the script ------------------------------------------------------------------------------------------------
def make_context(*, dry_run: bool, shape_name: str, scratch: Path, steps: int | None = None) -> Context:
    """The context of a run: on a GPU the stored config ``shape_name`` and the plans' sizes; in the dry-run a tiny
    config, batch 2 of 32 tokens, on the CPU."""
    import torch

    from helpers import env
    from helpers.finetune.lora import shapes

    if dry_run:
        ctx = Context(device="cpu", dry_run=True, shape=tiny_shape(), gpu=None, warmup=1, steps=steps or 2,
                      scratch=scratch, seq_len=32, batch_size=2)
        ctx.peaks = {d: matmul_peak("cpu", d, 256) for d in ("float32", "float16", "bfloat16")}
        return ctx
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU is visible (torch.cuda.is_available() is False): run on a GPU machine, or "
                         "use --dry-run to check every plan on the CPU")
    ctx = Context(device="cuda", dry_run=False, shape=shapes.get_shape(shape_name), gpu=env.gpu_info(), warmup=2,
                  steps=steps or 8, scratch=scratch)
    ctx.peaks = {"float16": matmul_peak("cuda", "float16", 8192)}
    if ctx.gpu.capability >= (8, 0):
        ctx.peaks["bfloat16"] = matmul_peak("cuda", "bfloat16", 8192)
    return ctx


def run_checks(ctx: Context, checks=None) -> list[dict]:
    """Every check's rows; a check that raises becomes a "failed" row naming the error."""
    rows = []
    for check in checks or CHECKS:
        started = time.perf_counter()
        try:
            found = check(ctx)
        except Exception as exc:  # one broken path must not hide the others' results
            found = [row(check.__name__, "", "failed", note=f"{type(exc).__name__}: {str(exc)[:300]}")]
        _free(ctx.device)  # a failed check's tensors are released once its traceback is gone
        for r in found:
            r["seconds"] = round(time.perf_counter() - started, 1)
        rows += found
    return against_plain(rows)


PLAIN = "plain transformers+peft: LoRA"
COURSE_LORA = ("bf16 plan: LoRA", "T4 plan: LoRA")  # the course loop's rows plain_peft can share a plan with


def against_plain(rows: list[dict]) -> list[dict]:
    """Adds "course/plain" to the plain transformers+peft row: the course loop's LoRA tokens/s on the same plan
    (same model, batches, dtype; measured in this run) divided by plain's. BENCHMARKS.md's target: at least 1.5."""
    plain = next((r for r in rows if r["check"] == PLAIN and r["status"] == "ok" and r.get("tokens/s")), None)
    if plain is None:
        return rows
    course = next((r for r in rows if r["check"] in COURSE_LORA and r["status"] == "ok"
                   and r["plan"] == plain["plan"] and r.get("tokens/s")), None)
    if course is not None:
        plain["course/plain"] = round(course["tokens/s"] / plain["tokens/s"], 2)
        plain["note"] += f"; the course loop ({course['check']}) is {plain['course/plain']}x its tokens/s"
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="build every plan, a few CPU steps on a tiny config")
    parser.add_argument("--shape", default="Qwen2.5-0.5B", help="a stored config in data/model_configs")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per check (after the warm-up)")
    parser.add_argument("--out", default=None, help="the JSON file (default bench/results/gpu-check.json, or "
                                                    "gpu-check-dry-run.json with --dry-run)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)  # peft's
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch:
        ctx = make_context(dry_run=args.dry_run, shape_name=args.shape, scratch=Path(scratch), steps=args.steps)
        rows = run_checks(ctx)
    seconds = time.perf_counter() - began
    gpu = ctx.gpu.name if ctx.gpu else "none (CPU dry-run)"
    print(f"GPU: {gpu}; model: {ctx.shape.name}, random weights; {ctx.warmup} warm-up + {ctx.steps} timed steps per "
          f"check; matmul peaks (TFLOP/s): { {k: round(v / 1e12, 2) for k, v in ctx.peaks.items()} }; "
          f"{seconds:.0f} s in all" + ("" if ctx.dry_run else f" (target: under {TIME_LIMIT_S} s)"))
    print(table(rows))
    payload = {"machine": machine(), "gpu": gpu, "dry_run": ctx.dry_run, "shape": ctx.shape.name,
               "under_time_limit": seconds < TIME_LIMIT_S,
               "warmup_steps": ctx.warmup, "timed_steps": ctx.steps, "seconds": round(seconds, 1),
               "matmul_peak_flops": ctx.peaks, "rows": rows}
    if args.out:
        path = Path(args.out)
        from helpers.files import write_json_atomic

        write_json_atomic(path, payload, indent=2)
    else:
        path = save("gpu-check-dry-run" if ctx.dry_run else "gpu-check", payload)
    print("wrote", path)
    return 1 if any(r["status"] == "failed" for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
