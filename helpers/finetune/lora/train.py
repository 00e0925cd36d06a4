"""The training function of notebook 08: LoRA or full fine-tuning on chat examples with the answer-only loss,
under accelerate (one CPU, one GPU, or many processes with ``accelerate launch``), with checkpoints and resume.

Why a plain loop and not ``transformers.Trainer``: the loop is sixty lines a learner can read; it computes logits
only at answer positions (on a CPU the 49k-word output layer is the most expensive part of a short answer); it
can skip the frozen lower blocks after one pass (``cache_prefix``); and the same lines run unchanged on many GPUs
because accelerate does the data-parallel plumbing. Taught in notebooks/08_lora_finetuning.ipynb (section 3).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helpers.files import read_json, write_text_atomic
from helpers.finetune.lora.loop import (IGNORE, LoraSettings, StepReport, add_lora, encode_example, loss_on_answers,
                                lr_schedule, save_adapter)

METHODS = ("lora", "full")


@dataclass(frozen=True)
class TrainConfig:
    """One training run. ``method="full"`` trains every weight of the adapted blocks (``lora.top_layers`` of
    them, or all blocks); embeddings and the output layer stay frozen in both methods."""

    method: str = "lora"
    lora: LoraSettings = LoraSettings(r=8, alpha=16, top_layers=4, max_seq_len=256)
    epochs: int = 1
    max_steps: int | None = None  # stop after this many optimiser steps (None: all epochs)
    batch_size: int = 4  # examples per optimiser step, across all processes
    lr: float = 2e-4
    seed: int = 0
    cache_prefix: bool = False  # run the frozen lower blocks once per example, then train the top ones
    checkpoint_every: int = 0  # save a resumable checkpoint every N steps (0: only when interrupted and at the end)
    mixed_precision: str = "no"  # "no", "fp16" (T4) or "bf16" (capability >= 8): accelerate's autocast

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be 'lora' or 'full', not {self.method!r}")
        if self.batch_size < 1 or self.epochs < 1:
            raise ValueError("batch_size and epochs must be at least 1")

    def key(self) -> str:
        """A short hash naming this configuration's run folder."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


@dataclass
class RunResult:
    """What a run produced and measured."""

    model: object  # the PeftModel (lora) or the causal LM (full)
    steps: list[StepReport] = field(default_factory=list)
    tokens_seen: int = 0
    train_seconds: float = 0.0
    peak_memory_gib: float = 0.0
    memory_kind: str = ""
    trainable_params: int = 0
    skipped_too_long: int = 0
    resumed_from_step: int = 0
    stopped: bool = False
    run_dir: Path | None = None
    world_size: int = 1
    fingerprint: str = ""  # the configuration, the encoded examples and the base weights (names a finished run)
    reused: bool = False  # True when a finished run with the same fingerprint was loaded instead of trained

    @property
    def tokens_per_s(self) -> float:
        return self.tokens_seen / self.train_seconds if self.train_seconds else 0.0


@contextmanager
def _blocks(inner, start: int, stop: int | None, final_norm: bool):
    """Temporarily keep only blocks ``start:stop`` of a decoder (and drop its final norm if asked)."""
    import torch

    layers, norm = inner.layers, inner.norm
    inner.layers = torch.nn.ModuleList(list(layers)[start:stop])
    if not final_norm:
        inner.norm = torch.nn.Identity()
    try:
        yield
    finally:
        inner.layers, inner.norm = layers, norm


def _answer_loss_module(causal_lm, split: int):
    """An nn.Module whose forward returns the answer loss: what accelerate/DDP wraps, so gradients are averaged
    across processes. With ``hidden`` (the cached output of the frozen blocks below ``split``) only the blocks
    from ``split`` up run."""
    import torch

    class AnswerLoss(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lm = causal_lm

        def forward(self, ids, mask, labels, hidden=None):
            inner = self.lm.model
            if hidden is None:
                out = inner(input_ids=ids, attention_mask=mask).last_hidden_state
            else:
                with _blocks(inner, split, None, final_norm=True):
                    out = inner(inputs_embeds=hidden, attention_mask=mask).last_hidden_state
            loss, n, right = loss_on_answers(self.lm.lm_head, out, labels)
            return loss, torch.tensor(n), torch.tensor(right)

    return AnswerLoss()


def prefix_hidden(causal_lm, split: int, ids: list[int]):
    """The output of the frozen blocks below ``split`` for one example (no gradient): computed once, reused
    every epoch. Exact, because those blocks never change and have no dropout."""
    import torch

    inner = causal_lm.model
    device = next(causal_lm.parameters()).device
    with torch.no_grad(), _blocks(inner, 0, split, final_norm=False):
        return inner(input_ids=torch.tensor([ids], device=device)).last_hidden_state[0]


def _prepare_model(model, config: TrainConfig):
    """(model to return, causal LM inside it, index of the first trained block)."""
    n_layers = model.config.num_hidden_layers
    top = config.lora.top_layers
    split = max(0, n_layers - top) if top else 0
    if config.method == "lora":
        peft_model = add_lora(model, config.lora)
        return peft_model, peft_model.get_base_model(), split
    for name, param in model.named_parameters():
        param.requires_grad = ".layers." in name and int(name.split(".layers.")[1].split(".")[0]) >= split
        if name.startswith("model.norm") and split == 0:
            param.requires_grad = True
    return model, model, split


def base_fingerprint(model) -> str:
    """A short hash of a base model: its config, dtype, parameter count and a checksum of the first embedding rows
    (cheap, and different for different weights). The identity of the weights a run starts from."""
    import torch

    weights = model.get_input_embeddings().weight
    with torch.no_grad():
        checksum = float(weights[:64].double().sum())
    blob = json.dumps({"config": model.config.to_dict(), "dtype": str(weights.dtype), "checksum": round(checksum, 6),
                       "parameters": sum(p.numel() for p in model.parameters())}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def run_fingerprint(config: TrainConfig, encoded: list, base: str) -> str:
    """What a finished run's result depends on: the configuration, the encoded examples and the base weights."""
    blob = json.dumps({"config": asdict(config), "examples": encoded, "base": base}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def encode_all(tokenizer, examples: list[dict], max_seq_len: int) -> tuple[list[tuple[list[int], list[int]]], int]:
    """(token ids and answer-only labels of every example that fits, how many did not fit)."""
    encoded, skipped = [], 0
    for example in examples:
        ids, labels = encode_example(tokenizer, example["messages"])
        if len(ids) > max_seq_len:
            skipped += 1
        else:
            encoded.append((ids, labels))
    return encoded, skipped


def _collate(rows, pad_id: int, device, hidden=None):
    """Right-padded (ids, mask, labels[, hidden]) tensors for a list of example indices' data."""
    import torch

    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    for row, (x, y) in enumerate(rows):
        ids[row, :len(x)], mask[row, :len(x)], labels[row, :len(y)] = torch.tensor(x), 1, torch.tensor(y)
    out = [ids.to(device), mask.to(device), labels.to(device)]
    if hidden is not None:
        h = torch.zeros((len(rows), width, hidden[0].shape[-1]), dtype=hidden[0].dtype, device=device)
        for row, states in enumerate(hidden):
            h[row, :states.shape[0]] = states
        out.append(h)
    return out


def _peak_memory(device) -> tuple[float, str]:
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30, "CUDA max allocated"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, "process peak RSS"


def trainable_state(model) -> dict:
    """The trainable tensors by name (the LoRA matrices, or the fine-tuned blocks)."""
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


def _save_checkpoint(path: Path, model, optimizer, schedule, step: int, history: list, config: TrainConfig) -> None:
    import torch

    tmp = path.with_name(path.name + f".partial-{os.getpid()}")
    torch.save({"step": step, "trainable": trainable_state(model), "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(), "history": [asdict(r) for r in history],
                "config": json.loads(json.dumps(asdict(config)))}, tmp)
    os.replace(tmp, path)  # atomic: an interruption never leaves a half-written checkpoint


def _accelerator(config: TrainConfig, device: str | None):
    """accelerate's Accelerator. ``cpu=True`` whenever there is no GPU: under a multi-process launcher (torchrun,
    ``accelerate launch --multi_gpu``) that makes it join the processes with gloo instead of NCCL."""
    import torch
    from accelerate import Accelerator

    cpu = device == "cpu" or (device is None and not torch.cuda.is_available())
    return Accelerator(mixed_precision=config.mixed_precision, cpu=cpu)


def train(model, tokenizer, examples: list[dict], config: TrainConfig = TrainConfig(), *,
          run_dir: str | Path | None = None, resume: bool = True, device: str | None = None,
          on_step: Callable[[StepReport], None] | None = None, should_stop: Callable[[], bool] | None = None,
          progress: bool = True, prefix_cache: dict | None = None) -> RunResult:
    """Fine-tune ``model`` on chat ``examples`` ({"messages": [...]}) with the answer-only loss.

    ``run_dir``: where checkpoints, the adapter and metrics go; with ``resume=True`` a run interrupted there (Kernel
    > Interrupt, a crash, a closed laptop) continues from its last checkpoint instead of starting again, and a run
    that finished there with the same configuration, examples and base weights is loaded (``reused=True``, its
    steps replayed to ``on_step``) instead of trained again; ``resume=False`` trains from scratch. Under
    ``accelerate launch --num_processes N`` each process trains on its share of every batch and gradients are
    averaged; the code is the same. ``on_step`` gets a StepReport per step (main process only).
    ``prefix_cache``: a dict kept by the caller to share the frozen blocks' outputs between runs that start from
    the same base weights (the comparisons of notebook 08); never share it across different base models."""
    import torch
    from tqdm.auto import tqdm

    accelerator = _accelerator(config, device)
    rank, world = accelerator.process_index, accelerator.num_processes
    if config.batch_size % world:
        raise ValueError(f"batch_size {config.batch_size} must be a multiple of the {world} processes")
    torch.manual_seed(config.seed)
    encoded, skipped = encode_all(tokenizer, examples, config.lora.max_seq_len)
    if not encoded:
        raise ValueError(f"no example fits in {config.lora.max_seq_len} tokens: raise max_seq_len or shorten them")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    fingerprint = run_fingerprint(config, encoded, base_fingerprint(model))
    model = model.to(accelerator.device)
    trained, causal_lm, split = _prepare_model(model, config)
    main = accelerator.is_main_process
    if run_dir is not None and not resume and main:
        (Path(run_dir) / "steps.json").unlink(missing_ok=True)  # starting over: the folder's old run is gone
    if run_dir is not None and resume:
        finished = _load_finished(Path(run_dir), trained, config, fingerprint)
        if finished is not None:  # the same run finished before: load it instead of training again
            finished.model, finished.world_size = trained, world
            if main and on_step is not None:
                for report in finished.steps:  # the live curve shows the real curve of that run
                    on_step(report)
            trained.eval()
            return finished
    prefix = None
    if config.cache_prefix and split > 0:
        store = prefix_cache if prefix_cache is not None else {}
        todo = [ids for ids, _ in encoded if (split, tuple(ids)) not in store]
        for ids in tqdm(todo, desc="frozen blocks, once", disable=not progress or rank or not todo):
            store[(split, tuple(ids))] = prefix_hidden(causal_lm, split, ids)
        prefix = [store[(split, tuple(ids))] for ids, _ in encoded]
    trained.train()
    params = [p for p in trained.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    steps_per_epoch = len(encoded) // config.batch_size or 1
    total = min(steps_per_epoch * config.epochs, config.max_steps or 10**9)
    schedule = lr_schedule(optimizer, total)
    module, optimizer = accelerator.prepare(_answer_loss_module(causal_lm, split), optimizer)

    result = RunResult(model=trained, skipped_too_long=skipped, world_size=world,
                       trainable_params=sum(p.numel() for p in params), fingerprint=fingerprint)
    checkpoint = Path(run_dir) / "checkpoint.pt" if run_dir is not None else None
    start_step = 0
    if checkpoint is not None and resume and checkpoint.is_file():
        saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
        if saved["config"] != json.loads(json.dumps(asdict(config))):
            raise ValueError(f"{checkpoint} belongs to a different configuration; use another run_dir or "
                             "resume=False to start over")
        named = dict(trained.named_parameters())
        with torch.no_grad():
            for name, tensor in saved["trainable"].items():
                named[name].copy_(tensor)
        optimizer.load_state_dict(saved["optimizer"])
        schedule.load_state_dict(saved["schedule"])
        start_step = result.resumed_from_step = saved["step"]
        result.steps = [StepReport(**r) for r in saved["history"]]
        result.tokens_seen = sum(r.tokens for r in result.steps)

    bar = tqdm(total=total, initial=start_step, desc=f"{config.method} r={config.lora.r}", unit="step",
               disable=not progress or not main)
    step, began = 0, time.perf_counter()
    try:
        for epoch in range(1, config.epochs + 1):
            order = list(range(len(encoded)))
            random.Random(config.seed * 1000 + epoch).shuffle(order)  # the same order after a resume
            for first in range(0, steps_per_epoch * config.batch_size, config.batch_size):
                if step >= total:
                    break
                step += 1
                if step <= start_step:
                    continue  # done before the interruption
                if should_stop is not None and should_stop():
                    result.stopped = True
                    raise KeyboardInterrupt
                batch = order[first:first + config.batch_size][rank::world]  # this process's share
                tensors = _collate([encoded[i] for i in batch], pad_id, accelerator.device,
                                   [prefix[i] for i in batch] if prefix is not None else None)
                t0 = time.perf_counter()
                loss, n, right = module(*tensors)
                accelerator.backward(loss)
                accelerator.clip_grad_norm_(params, 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                counts = accelerator.reduce(torch.tensor([float(tensors[1].sum()), float(n), float(right),
                                                          float(loss.detach()) * float(n)],
                                                         device=accelerator.device), "sum")
                tokens, n_all, right_all, loss_sum = counts.tolist()
                report = StepReport(step=step, total_steps=total, epoch=epoch, tokens=int(tokens),
                                    train_loss=loss_sum / n_all if n_all else float("nan"),
                                    train_mean_token_accuracy=right_all / n_all if n_all else 0.0,
                                    seconds=time.perf_counter() - t0)
                result.steps.append(report)
                result.tokens_seen += report.tokens
                bar.update(1)
                bar.set_postfix(loss=f"{report.train_loss:.3f}")
                if main and on_step is not None:
                    on_step(report)
                if checkpoint is not None and config.checkpoint_every and step % config.checkpoint_every == 0:
                    if main:
                        checkpoint.parent.mkdir(parents=True, exist_ok=True)
                        _save_checkpoint(checkpoint, trained, optimizer, schedule, step, result.steps, config)
                    accelerator.wait_for_everyone()
    except KeyboardInterrupt:
        result.stopped = True
        if checkpoint is not None and main and step > start_step:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            done = result.steps[-1].step if result.steps else start_step
            _save_checkpoint(checkpoint, trained, optimizer, schedule, done, result.steps, config)
            print(f"Interrupted after step {done}/{total}; run the same cell again to resume from {checkpoint}")
    finally:
        bar.close()
    result.train_seconds = time.perf_counter() - began
    result.peak_memory_gib, result.memory_kind = _peak_memory(accelerator.device)
    trained.eval()
    if run_dir is not None and main and not result.stopped:
        result.run_dir = Path(run_dir)
        _finish(result.run_dir, trained, config, result)
    accelerator.wait_for_everyone()
    return result


def _finish(run_dir: Path, trained, config: TrainConfig, result: RunResult) -> None:
    """Save the adapter (LoRA) or the trained blocks (full), the step log, and drop the checkpoint."""
    import torch

    run_dir.mkdir(parents=True, exist_ok=True)
    if config.method == "lora":
        save_adapter(trained, run_dir / "adapter")
    else:
        torch.save(trainable_state(trained), run_dir / "trained_blocks.pt")
    log = {"config": asdict(config), "fingerprint": result.fingerprint, "resumed_from_step": result.resumed_from_step,
           "train_seconds": result.train_seconds, "tokens_seen": result.tokens_seen,
           "trainable_params": result.trainable_params, "skipped_too_long": result.skipped_too_long,
           "peak_memory_gib": result.peak_memory_gib, "memory_kind": result.memory_kind,
           "steps": [asdict(s) for s in result.steps]}
    write_text_atomic(run_dir / "steps.json", json.dumps(log, indent=1))  # written last: it marks the run finished
    (run_dir / "checkpoint.pt").unlink(missing_ok=True)


def _load_finished(run_dir: Path, trained, config: TrainConfig, fingerprint: str) -> RunResult | None:
    """The finished run in ``run_dir`` loaded into ``trained`` when its fingerprint matches (same configuration,
    examples and base weights), else None. A run interrupted after this point (no steps.json) trains again."""
    import torch

    log = read_json(run_dir / "steps.json")
    if not isinstance(log, dict) or log.get("fingerprint") != fingerprint:
        return None  # never finished here, another configuration or data, or written before fingerprints
    if config.method == "lora":
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        weights = run_dir / "adapter" / "adapter_model.safetensors"
        if not weights.is_file():
            return None
        set_peft_model_state_dict(trained, load_file(weights))
    else:
        blocks = run_dir / "trained_blocks.pt"
        if not blocks.is_file():
            return None
        named = dict(trained.named_parameters())
        with torch.no_grad():
            for name, tensor in torch.load(blocks, map_location="cpu").items():
                named[name].copy_(tensor)
    fields = ("train_seconds", "tokens_seen", "trainable_params", "skipped_too_long", "peak_memory_gib", "memory_kind")
    return RunResult(model=trained, steps=[StepReport(**r) for r in log["steps"]], run_dir=run_dir, reused=True,
                     fingerprint=fingerprint, resumed_from_step=log["resumed_from_step"],
                     **{k: log[k] for k in fields})


def evaluate_loss(model, tokenizer, examples: list[dict], *, max_seq_len: int = 1024, batch_size: int = 8,
                  cache_key: str | None = None) -> float:
    """Mean answer-token cross-entropy of ``model`` (base, PeftModel or fine-tuned) on chat ``examples``.
    ``cache_key`` names the weights (``RunResult.fingerprint``, ``base_fingerprint``): the loss is then stored in the
    course cache and read back for the same weights and examples."""
    import torch

    if cache_key is not None:
        from helpers.prompting.evaluation import cached_json

        key = {"weights": cache_key, "examples": [e["messages"] for e in examples], "max_seq_len": max_seq_len,
               "batch_size": batch_size}
        return cached_json("lora-loss", key, lambda: evaluate_loss(model, tokenizer, examples, max_seq_len=max_seq_len,
                                                                   batch_size=batch_size))[0]

    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    module = _answer_loss_module(causal_lm, 0)
    encoded, _ = encode_all(tokenizer, examples, max_seq_len)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    total = count = 0.0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for first in range(0, len(encoded), batch_size):
            tensors = _collate(encoded[first:first + batch_size], pad_id, next(model.parameters()).device)
            loss, n, _ = module(*tensors)
            total += float(loss) * int(n)
            count += int(n)
    model.train(was_training)
    return total / count if count else float("nan")
