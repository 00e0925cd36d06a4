"""Command line: ``python -m helpers.finetune.lora {plan,params,train} ...`` (notebooks/08_lora_finetuning.ipynb, section 13).

The ``train`` command runs unchanged on one CPU, one GPU, or many processes:

    python -m helpers.finetune.lora train --steps 30
    accelerate launch --cpu --num_processes 2 -m helpers.finetune.lora train --steps 4        # 2 CPU processes (gloo)
    accelerate launch --multi_gpu --num_processes 4 -m helpers.finetune.lora train --batch-size 32   # 4 GPUs (NCCL)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path


def _plan(args) -> int:
    from helpers.finetune.lora import hardware, memory

    plan = hardware.choose_plan(model=args.model)
    print(hardware.gpu_check())
    print(json.dumps(asdict(plan), indent=1))
    estimate = hardware.memory_estimate(plan, r=args.r)
    print("estimated training memory (GiB):", {k: round(v, 2) for k, v in estimate.as_dict().items()})
    print(json.dumps(memory.fits_table(estimate), indent=1))
    return 0


def _params(args) -> int:
    from helpers.finetune.lora import shapes

    table = shapes.lora_table(ranks=tuple(args.ranks))
    if args.model:
        table = table[table["model"] == args.model]
    print(table.to_string(index=False, formatters={"params": "{:,}".format, "lora params": "{:,}".format,
                                                   "% of model": "{:.3f}".format}))
    return 0


def _train(args) -> int:
    import torch

    from helpers import env
    from helpers.finetune import tasks
    from helpers.finetune.lora import hardware
    from helpers.finetune.lora.train import LoraSettings, TrainConfig, train

    plan = hardware.choose_plan(model=args.model)
    if args.max_seq_len:
        plan = replace(plan, max_seq_len=args.max_seq_len)
    model, tokenizer = hardware.load_for_training(plan)
    examples = tasks.task_examples(args.tickets, args.orders, seed=args.seed)
    top = args.top_layers if args.top_layers >= 0 else plan.top_layers
    config = TrainConfig(method=args.method, lora=LoraSettings(r=args.r, alpha=2 * args.r, top_layers=top or None,
                                                               max_seq_len=plan.max_seq_len),
                         max_steps=args.steps, epochs=args.epochs, batch_size=args.batch_size or plan.batch_size,
                         lr=args.lr, seed=args.seed, cache_prefix=plan.cache_prefix and bool(top),
                         checkpoint_every=args.checkpoint_every, mixed_precision=plan.mixed_precision)
    run_dir = Path(args.run_dir) if args.run_dir else env.cache_dir() / "lora_runs" / f"cli-{config.key()}"
    result = train(model, tokenizer, examples, config, run_dir=run_dir, resume=not args.restart,
                   progress=not args.quiet)
    digest = hashlib.sha256()
    for name, p in sorted((n, p) for n, p in result.model.named_parameters() if p.requires_grad):
        digest.update(name.encode() + p.detach().float().cpu().numpy().tobytes())
    from accelerate import PartialState

    state = PartialState()
    summary = {"rank": state.process_index, "world_size": result.world_size, "steps": len(result.steps),
               "first_loss": result.steps[0].train_loss if result.steps else None,
               "last_loss": result.steps[-1].train_loss if result.steps else None,
               "tokens_seen": result.tokens_seen, "tokens_per_s": result.tokens_per_s,
               "peak_memory_gib": result.peak_memory_gib, "trainable_sha256": digest.hexdigest(),
               "run_dir": str(run_dir), "backend": str(state.backend), "torch_threads": torch.get_num_threads()}
    if args.report_dir:
        Path(args.report_dir).mkdir(parents=True, exist_ok=True)
        (Path(args.report_dir) / f"rank{state.process_index}.json").write_text(json.dumps(summary, indent=1))
    if state.is_main_process:
        print(json.dumps(summary, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.finetune.lora", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="the model, precision and memory estimate this machine gets")
    p.add_argument("--model", default=None, help="a Hub id (default: chosen from the hardware)")
    p.add_argument("--r", type=int, default=16)
    p = sub.add_parser("params", help="LoRA parameter counts for the stored model configs")
    p.add_argument("--model", default=None, help="e.g. Llama-3.1-8B (default: all)")
    p.add_argument("--ranks", type=int, nargs="+", default=[8, 16, 64])
    p = sub.add_parser("train", help="fine-tune on tickets and orders (runs under accelerate launch)")
    p.add_argument("--model", default=None, help="a Hub id (default: chosen from the hardware)")
    p.add_argument("--method", choices=("lora", "full"), default="lora")
    p.add_argument("--tickets", type=int, default=48)
    p.add_argument("--orders", type=int, default=8)
    p.add_argument("--steps", type=int, default=None, help="stop after this many steps (default: all epochs)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=None, help="examples per step across all processes")
    p.add_argument("--r", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--top-layers", type=int, default=-1, help="adapt only the last N blocks (0: all; "
                   "default: the plan's)")
    p.add_argument("--max-seq-len", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint-every", type=int, default=10)
    p.add_argument("--run-dir", default=None, help="checkpoints and the adapter (default: in the course cache)")
    p.add_argument("--restart", action="store_true", help="ignore a checkpoint in run-dir and start over")
    p.add_argument("--report-dir", default=None, help="write rank<N>.json summaries here (tests)")
    p.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        return {"plan": _plan, "params": _params, "train": _train}[args.command](args)
    except (ValueError, KeyError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
