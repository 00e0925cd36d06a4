"""The course's one training loop: LoRA or full fine-tuning of a causal LM on chat examples with the answer-only loss,
under accelerate (one CPU, one GPU, or many processes with ``accelerate launch``), with checkpoints and resume.

Every trainer of the course runs it: notebook 08 (``train``), the offline fine-tuning jobs behind
``client.fine_tuning.jobs`` (helpers.finetune.jobs, notebook 07) and the bake-off's adapters (helpers.bakeoff.lora,
notebook 10). The same batching for all: each epoch shuffles every example with one ``random.Random(seed)`` and cuts
the order into batches of ``batch_size``, the last partial batch kept.

The loss is computed on the answers only (completion-only training): system and user tokens are masked (label -100),
so the model learns to *answer*, not to repeat prompts; assistant messages with ``"weight": 0`` are masked too, as in
OpenAI's format. Why a plain loop and not ``transformers.Trainer``: the loop is sixty lines a learner can read; it
computes logits only at answer positions (on a CPU the 49k-word output layer is the most expensive part of a short
answer); it can skip the frozen lower blocks after one pass (``cache_prefix``); and the same lines run unchanged on
many GPUs because accelerate does the data-parallel plumbing. Checkpoints are safetensors plus JSON: resuming loads
weights and numbers, never a pickle, so a checkpoint file cannot run code. Taught in
notebooks/08_lora_finetuning.ipynb (section 3).
"""

from __future__ import annotations

import hashlib
import json
import random
import resource
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helpers.files import atomic_folder, atomic_path, read_json, write_json_atomic
from helpers.local_model import pad_id_of

IGNORE = -100  # the label of a token the loss skips
METHODS = ("lora", "full")
CHECKPOINT = "checkpoint"  # the folder in a run folder holding an unfinished run's state
BLOCKS = "trained_blocks.safetensors"  # a finished full fine-tune's trained weights
CHECKPOINT_FORMAT = 1
# Part of every run's fingerprint: bump it when the loop changes what the same inputs train, so a finished run from an
# older loop is trained again instead of reused. 2: one batching for every trainer (the last partial batch kept, one
# random.Random(seed) shuffling every epoch), where notebook 08's runs used to drop the partial batch.
LOOP_VERSION = 2


@dataclass(frozen=True)
class LoraSettings:
    """The adapter's shape. ``top_layers``: only the last N transformer blocks get adapters, so the backward pass
    stops there (on a CPU, the cheapest way to train: the frozen lower layers run forward only)."""

    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    top_layers: int | None = None
    max_seq_len: int = 1024


@dataclass
class StepReport:
    """What one optimisation step measured (the numbers a fine-tuning job reports as metrics)."""

    step: int
    total_steps: int
    epoch: int
    train_loss: float
    train_mean_token_accuracy: float
    tokens: int
    seconds: float
    valid_loss: float | None = None
    valid_mean_token_accuracy: float | None = None


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


# --- examples and the answer-only loss (notebook 07 shows the masking, notebook 08 the loss) ----------------------
def _template(tokenizer, messages: list[dict], *, generation_prompt: bool) -> list[int]:
    ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False,
                                        add_generation_prompt=generation_prompt)
    if isinstance(ids, dict) or hasattr(ids, "input_ids"):
        ids = ids["input_ids"]
    return list(ids)


def encode_example(tokenizer, messages: list[dict]) -> tuple[list[int], list[int]]:
    """Token ids of a chat example and its labels: the tokens of every trained assistant answer (with the
    end-of-turn token that teaches the model to stop), -100 everywhere else."""
    chat = [{"role": m["role"], "content": m.get("content") or ""} for m in messages]
    ids = _template(tokenizer, chat, generation_prompt=False)
    labels = [IGNORE] * len(ids)
    for i, message in enumerate(messages):
        if message["role"] != "assistant" or message.get("weight", 1) == 0:
            continue
        start = len(_template(tokenizer, chat[:i], generation_prompt=True)) if i else 0
        through = _template(tokenizer, chat[:i + 1], generation_prompt=False)
        if ids[:len(through)] != through or start > len(through):
            raise ValueError("the tokenizer's chat template is not prefix-stable, so answers cannot be located; "
                             "use a model whose template renders each message independently")
        labels[start:len(through)] = ids[start:len(through)]
    return ids, labels


def encode_all(tokenizer, examples: list[dict], max_seq_len: int) -> tuple[list[tuple[list[int], list[int]]], int]:
    """(token ids and answer-only labels of every example that fits, how many did not fit). An example is a chat
    ({"messages": [...]}) or already tokenized ({"input_ids": [...], "labels": [...]}, e.g. bench.gpu_check's
    synthetic rows, which need no tokenizer)."""
    encoded, skipped = [], 0
    for example in examples:
        if "input_ids" in example:
            ids, labels = list(example["input_ids"]), list(example["labels"])
            if len(ids) != len(labels):
                raise ValueError("a tokenized example needs as many labels as input_ids")
        else:
            ids, labels = encode_example(tokenizer, example["messages"])
        if len(ids) > max_seq_len:
            skipped += 1
        else:
            encoded.append((ids, labels))
    return encoded, skipped


def _answer_count(labels: list[int]) -> int:
    """How many tokens of an example the loss scores (each label predicts the token after its position)."""
    return sum(1 for t in labels[1:] if t != IGNORE)


def loss_on_answers(lm_head, hidden, labels):
    """(mean cross-entropy over the answer tokens, their count, how many the model predicted right) from the last
    hidden states: logits only where the next token is an answer token (the output layer is 49,152 words wide for
    SmolLM2; the prompt needs no logits)."""
    import torch
    import torch.nn.functional as F

    target = labels[:, 1:]
    keep = target != IGNORE
    logits = lm_head(hidden[:, :-1][keep]).float()
    wanted = target[keep]
    loss = F.cross_entropy(logits, wanted) if wanted.numel() else hidden.sum() * 0.0
    with torch.no_grad():
        right = int((logits.argmax(-1) == wanted).sum())
    return loss, int(wanted.numel()), right


def answer_loss(model, ids, mask, labels):
    """:func:`loss_on_answers` of ``model`` (a PeftModel or a plain causal LM) on a padded batch."""
    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = causal_lm.model(input_ids=ids, attention_mask=mask).last_hidden_state
    return loss_on_answers(causal_lm.lm_head, hidden, labels)


# --- adapters --------------------------------------------------------------------------------------------------
@contextmanager
def _quiet_peft():
    """peft asks transformers a deprecated question (is_gradient_checkpointing); nothing for a learner to do."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield


def add_lora(model, settings: LoraSettings = LoraSettings()):
    """Wrap ``model`` with fresh LoRA adapters (peft); only the adapters are trainable."""
    from peft import LoraConfig, get_peft_model

    layers = None
    if settings.top_layers:
        n = model.config.num_hidden_layers
        layers = list(range(max(0, n - settings.top_layers), n))
    config = LoraConfig(r=settings.r, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                        target_modules=list(settings.target_modules), layers_to_transform=layers,
                        task_type="CAUSAL_LM")
    with _quiet_peft():
        return get_peft_model(model, config)


def save_adapter(peft_model, folder: str | Path) -> Path:
    """Save the adapter weights (a few MB) into ``folder`` atomically (helpers.files.atomic_folder): an interrupted
    save never leaves a half-written adapter, and an adapter already there is replaced whole."""
    folder = Path(folder)
    with atomic_folder(folder) as tmp:
        peft_model.save_pretrained(tmp)
    return folder


def load_merged(base_model, folder: str | Path):
    """The base model with the adapter in ``folder`` merged into its weights: a plain model, as fast as the base.
    ``base_model`` is modified; pass a fresh copy."""
    from peft import PeftModel

    with _quiet_peft():
        return PeftModel.from_pretrained(base_model, str(folder)).merge_and_unload().eval()


# --- the model being trained ---------------------------------------------------------------------------------------
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
            if hidden is None:
                loss, n, right = answer_loss(self.lm, ids, mask, labels)
            else:
                inner = self.lm.model
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
    """(model to return, causal LM inside it, index of the first trained block). Under mixed precision every
    trainable weight is kept in float32 (the master copy autocast reads in 16-bit): a float16 weight would get
    float16 gradients, which the fp16 loss scaler refuses to unscale ("Attempting to unscale FP16 gradients")."""
    n_layers = model.config.num_hidden_layers
    top = config.lora.top_layers
    split = max(0, n_layers - top) if top else 0
    if config.method == "lora":
        peft_model = add_lora(model, config.lora)
        trained, causal_lm = peft_model, peft_model.get_base_model()
    else:
        for name, param in model.named_parameters():
            param.requires_grad = ".layers." in name and int(name.split(".layers.")[1].split(".")[0]) >= split
            if name.startswith("model.norm") and split == 0:
                param.requires_grad = True
        trained, causal_lm = model, model
    if config.mixed_precision != "no":
        master_weights_fp32(trained)
    return trained, causal_lm, split


def master_weights_fp32(model) -> int:
    """Cast every trainable 16-bit weight of ``model`` to float32 in place (frozen weights stay as loaded); returns
    how many tensors changed. Mixed-precision training's rule: weights, gradients and AdamW in float32, the matmuls
    in 16-bit under autocast (notebook 08, section 4: why full fine-tuning costs 16 bytes per parameter)."""
    import torch

    changed = 0
    for param in model.parameters():
        if param.requires_grad and param.dtype in (torch.float16, torch.bfloat16):
            param.data = param.data.float()
            changed += 1
    return changed


def training_precision(model) -> tuple[str, str]:
    """(dtype, mixed precision) to train a copy of an already loaded model in (the serving engine's, for notebooks 07
    and 10's adapters). On the CPU: float32 and "no", as the course always trained there. On a GPU: the weights' own
    16-bit dtype under autocast ("fp16" or "bf16"; adapters and AdamW in float32, :func:`master_weights_fp32`): a
    float32 copy of a 7B serving model would need 28 GB beside the 15 GB the serving model itself holds."""
    dtype = str(next(model.parameters()).dtype).removeprefix("torch.")
    mixed = {"float16": "fp16", "bfloat16": "bf16"}.get(dtype)
    if model.device.type != "cuda" or mixed is None:
        return "float32", "no"
    return dtype, mixed


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
    """What a finished run's result depends on: the configuration, the encoded examples, the base weights and the
    loop's version (LOOP_VERSION)."""
    blob = json.dumps({"config": asdict(config), "examples": encoded, "base": base, "loop": LOOP_VERSION},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def trainable_state(model) -> dict:
    """The trainable tensors by name (the LoRA matrices, or the fine-tuned blocks)."""
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


# --- batching ------------------------------------------------------------------------------------------------------
def batch_plan(n_examples: int, batch_size: int, epochs: int, seed: int) -> list[tuple[int, list[int]]]:
    """(epoch, example indices) of every optimiser step: each epoch a fresh shuffle of all examples drawn from one
    ``random.Random(seed)``, cut into batches of ``batch_size``, the last partial batch kept. The same for every
    trainer of the course, and the same after a resume (the plan is recomputed, not stored)."""
    rng = random.Random(seed)
    steps = []
    for epoch in range(1, epochs + 1):
        order = list(range(n_examples))
        rng.shuffle(order)
        steps += [(epoch, order[first:first + batch_size]) for first in range(0, n_examples, batch_size)]
    return steps


def collate(rows, pad_id: int, device, hidden=None):
    """Right-padded (ids, mask, labels[, hidden]) tensors for a list of (ids, labels) rows."""
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


def _share(batch: list[int], encoded: list, rank: int, world: int) -> tuple[list[int], list]:
    """(indices, rows) this process trains on: every ``world``-th example of the batch. A process left without one
    (a last partial batch smaller than the number of processes) gets a copy of the batch's first example with no
    answer labels: it joins the gradient exchange and contributes nothing."""
    mine = batch[rank::world]
    if mine:
        return mine, [encoded[i] for i in mine]
    ids, labels = encoded[batch[0]]
    return [batch[0]], [(ids, [IGNORE] * len(labels))]


def answer_metrics(model, encoded: list, *, pad_id: int, batch_size: int = 8) -> tuple[float, float]:
    """(mean answer-token loss, answer-token accuracy) of ``model`` on encoded examples, without training."""
    import torch

    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    module = _answer_loss_module(causal_lm, 0)
    device = next(model.parameters()).device
    total = count = right_all = 0.0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for first in range(0, len(encoded), batch_size):
            loss, n, right = module(*collate(encoded[first:first + batch_size], pad_id, device))
            total += float(loss) * int(n)
            count += int(n)
            right_all += int(right)
    model.train(was_training)
    return (total / count, right_all / count) if count else (float("nan"), float("nan"))


# --- checkpoints: safetensors for tensors, JSON for everything else --------------------------------------------------
def _to_json(value, name: str, tensors: dict):
    """``value`` (nested dicts, lists, tuples, numbers, tensors) as JSON; each tensor moved into ``tensors``."""
    import torch

    if isinstance(value, torch.Tensor):
        tensors[name] = value.detach().cpu().contiguous()
        return {"__tensor__": name}
    if isinstance(value, dict):
        return {str(k): _to_json(v, f"{name}.{k}", tensors) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v, f"{name}.{i}", tensors) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_to_json(v, f"{name}.{i}", tensors) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} at {name} in a checkpoint")


def _from_json(value, tensors: dict):
    if isinstance(value, dict):
        if set(value) == {"__tensor__"}:
            return tensors[value["__tensor__"]]
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v, tensors) for v in value["__tuple__"])
        return {k: _from_json(v, tensors) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v, tensors) for v in value]
    return value


def _config_json(config: TrainConfig) -> dict:
    return json.loads(json.dumps(asdict(config)))


def _save_checkpoint(folder: Path, model, optimizer, schedule, scaler, step: int, history: list,
                     config: TrainConfig) -> None:
    """An unfinished run's state in ``folder``, replaced whole (helpers.files.atomic_folder): the trainable weights
    and AdamW's moments as safetensors, the step, schedule, loss scale, history and configuration as JSON."""
    from safetensors.torch import save_file

    tensors: dict = {}
    state = {"format": CHECKPOINT_FORMAT, "step": step, "config": _config_json(config),
             "history": [asdict(r) for r in history], "schedule": _to_json(schedule.state_dict(), "schedule", tensors),
             "scaler": scaler.state_dict() if scaler is not None else None,
             "optimizer": _to_json(optimizer.state_dict(), "optimizer", tensors)}
    with atomic_folder(folder) as tmp:
        save_file(trainable_state(model), str(tmp / "trainable.safetensors"))
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        write_json_atomic(tmp / "state.json", state)


def _load_checkpoint(folder: Path) -> dict:
    """The state :func:`_save_checkpoint` wrote: {"step", "config", "history", "schedule", "scaler", "optimizer",
    "trainable"}. Reads safetensors and JSON only (never a pickle). A damaged folder raises ValueError."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        if state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"format {state.get('format')!r}, expected {CHECKPOINT_FORMAT}")
        tensors = load_file(str(folder / "optimizer.safetensors"))
        state["trainable"] = load_file(str(folder / "trainable.safetensors"))
        state["schedule"] = _from_json(state["schedule"], tensors)
        optimizer = _from_json(state["optimizer"], tensors)
        optimizer["state"] = {int(k): v for k, v in optimizer["state"].items()}
        state["optimizer"] = optimizer
        state["history"] = [StepReport(**r) for r in state["history"]]
        if not isinstance(state["step"], int) or not isinstance(state["config"], dict):
            raise ValueError("no step number or configuration")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, SafetensorError) as exc:
        raise ValueError(f"the checkpoint in {folder} cannot be read ({type(exc).__name__}: {exc}); delete that "
                         "folder or pass resume=False to start over") from exc
    return state


def _restore(saved: dict, trained, optimizer, schedule, scaler) -> None:
    import torch

    named = dict(trained.named_parameters())
    with torch.no_grad():
        for name, tensor in saved["trainable"].items():
            named[name].copy_(tensor)
    optimizer.load_state_dict(saved["optimizer"])
    schedule.load_state_dict(saved["schedule"])
    if scaler is not None and saved["scaler"]:
        scaler.load_state_dict(saved["scaler"])


# --- the loop ------------------------------------------------------------------------------------------------------
def lr_schedule(optimizer, total_steps: int):
    """A short linear warm-up (10% of the steps, at most 10), then a linear decay to 10% of the peak rate."""
    import torch

    warmup = max(1, min(10, total_steps // 10))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: (s + 1) / warmup if s < warmup else
                                             max(0.1, 1 - (s - warmup) / max(1, total_steps - warmup)))


def _peak_memory(device) -> tuple[float, str]:
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30, "CUDA max allocated"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, "process peak RSS"


def new_accelerator(mixed_precision: str = "no", device: str | None = None):
    """accelerate's Accelerator for ``mixed_precision`` ("no", "fp16", "bf16") on ``device`` ("cpu", "cuda" or None:
    the GPU when there is one). ``cpu=True`` whenever there is no GPU: under a multi-process launcher (torchrun,
    ``accelerate launch --multi_gpu``) that makes it join the processes with gloo instead of NCCL.

    accelerate keeps one setting per process (mixed precision, CPU or GPU) and refuses another; a single process may
    switch (a kernel that trains the fp16 plan then a float32 job, bench.gpu_check trying every plan), so its
    state is reset first. Under a multi-process launch the launcher's setting stands."""
    import torch
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    cpu = device == "cpu" or (device is None and not torch.cuda.is_available())
    if AcceleratorState._shared_state:
        state = AcceleratorState()
        other_device = cpu != (state.device.type == "cpu")
        if state.num_processes == 1 and (other_device or state.mixed_precision != mixed_precision):
            AcceleratorState._reset_state(reset_partial_state=other_device)
    return Accelerator(mixed_precision=mixed_precision, cpu=cpu)


def _validate(accelerator, trained, valid: list, pad_id: int) -> tuple[float, float]:
    with accelerator.autocast():
        return answer_metrics(trained, valid, pad_id=pad_id)


def train(model, tokenizer, examples: list[dict], config: TrainConfig = TrainConfig(), *,
          run_dir: str | Path | None = None, resume: bool = True, device: str | None = None,
          on_step: Callable[[StepReport], None] | None = None, should_stop: Callable[[], bool] | None = None,
          progress: bool = True, prefix_cache: dict | None = None, valid_examples: list[dict] | None = None,
          eval_every: int | None = None, accelerator=None) -> RunResult:
    """Fine-tune ``model`` on chat ``examples`` ({"messages": [...]}) with the answer-only loss. Examples longer than
    ``config.lora.max_seq_len`` tokens are skipped (counted in ``skipped_too_long``).

    ``run_dir``: where checkpoints, the adapter and metrics go; with ``resume=True`` a run interrupted there (Kernel
    > Interrupt, a crash, a closed laptop) continues from its last checkpoint instead of starting again, and a run
    that finished there with the same configuration, examples and base weights is loaded (``reused=True``, its
    steps replayed to ``on_step``) instead of trained again; ``resume=False`` trains from scratch. Under
    ``accelerate launch --num_processes N`` each process trains on its share of every batch and gradients are
    averaged, weighted by answer tokens (the step equals one process's); the code is the same. ``on_step`` gets a
    StepReport per step (main process only); ``should_stop`` is polled before each step (a job's cancel button).
    ``valid_examples`` with ``eval_every``: the held-out answer loss and accuracy every N steps and at the last.
    ``prefix_cache``: a dict kept by the caller to share the frozen blocks' outputs between runs that start from
    the same base weights (the comparisons of notebook 08); never share it across different base models.
    ``accelerator``: an ``accelerate.Accelerator`` to use instead of the default one (its mixed precision must be
    ``config.mixed_precision``)."""
    import torch
    from tqdm.auto import tqdm

    if accelerator is None:
        accelerator = new_accelerator(config.mixed_precision, device)
    elif accelerator.mixed_precision != config.mixed_precision:
        raise ValueError(f"the accelerator uses mixed_precision={accelerator.mixed_precision!r} but the "
                         f"configuration asks for {config.mixed_precision!r}")
    rank, world = accelerator.process_index, accelerator.num_processes
    if config.batch_size % world:
        raise ValueError(f"batch_size {config.batch_size} must be a multiple of the {world} processes")
    torch.manual_seed(config.seed)
    encoded, skipped = encode_all(tokenizer, examples, config.lora.max_seq_len)
    if not encoded:
        raise ValueError(f"no example fits in {config.lora.max_seq_len} tokens: raise max_seq_len or shorten them")
    valid = encode_all(tokenizer, valid_examples or [], config.lora.max_seq_len)[0]
    pad_id = pad_id_of(tokenizer)
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
    plan = batch_plan(len(encoded), config.batch_size, config.epochs, config.seed)
    total = min(len(plan), config.max_steps or len(plan))
    schedule = lr_schedule(optimizer, total)
    module, optimizer = accelerator.prepare(_answer_loss_module(causal_lm, split), optimizer)

    result = RunResult(model=trained, skipped_too_long=skipped, world_size=world,
                       trainable_params=sum(p.numel() for p in params), fingerprint=fingerprint)
    checkpoint = Path(run_dir) / CHECKPOINT if run_dir is not None else None
    start_step = 0
    if checkpoint is not None and resume and (checkpoint / "state.json").is_file():
        saved = _load_checkpoint(checkpoint)
        if saved["config"] != _config_json(config):
            raise ValueError(f"{checkpoint} belongs to a different configuration; use another run_dir or "
                             "resume=False to start over")
        _restore(saved, trained, optimizer, schedule, accelerator.scaler)
        start_step = result.resumed_from_step = saved["step"]
        result.steps = saved["history"]
        result.tokens_seen = sum(r.tokens for r in result.steps)

    bar = tqdm(total=total, initial=start_step, desc=f"{config.method} r={config.lora.r}", unit="step",
               disable=not progress or not main)
    step, began = 0, time.perf_counter()
    try:
        for epoch, batch in plan[:total]:
            step += 1
            if step <= start_step:
                continue  # done before the interruption
            if should_stop is not None and should_stop():
                result.stopped = True
                raise KeyboardInterrupt
            mine, rows = _share(batch, encoded, rank, world)
            tensors = collate(rows, pad_id, accelerator.device,
                               [prefix[i] for i in mine] if prefix is not None else None)
            answers = sum(_answer_count(encoded[i][1]) for i in batch)  # the whole batch's, known to every process
            t0 = time.perf_counter()
            loss, n, right = module(*tensors)
            # each process's mean is weighted by its share of the answer tokens, so DDP's average of the gradients
            # is the gradient of the whole batch's mean (exactly the single-process step)
            scaled = loss * (float(n) * world / answers) if world > 1 and answers else loss
            accelerator.backward(scaled)
            accelerator.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            sums = accelerator.reduce(torch.tensor([float(right), float(loss.detach()) * float(n)],
                                                   dtype=torch.float64, device=accelerator.device), "sum")
            right_all, loss_sum = sums.tolist()
            report = StepReport(step=step, total_steps=total, epoch=epoch,
                                tokens=sum(len(encoded[i][0]) for i in batch),
                                train_loss=loss_sum / answers if answers else 0.0,
                                train_mean_token_accuracy=right_all / answers if answers else 0.0,
                                seconds=time.perf_counter() - t0)
            if valid and eval_every and (step % eval_every == 0 or step == total):
                report.valid_loss, report.valid_mean_token_accuracy = _validate(accelerator, trained, valid, pad_id)
            result.steps.append(report)
            result.tokens_seen += report.tokens
            bar.update(1)
            bar.set_postfix(loss=f"{report.train_loss:.3f}")
            if main and on_step is not None:
                on_step(report)
            if checkpoint is not None and config.checkpoint_every and step % config.checkpoint_every == 0:
                if main:
                    _save_checkpoint(checkpoint, trained, optimizer, schedule, accelerator.scaler, step, result.steps,
                                     config)
                accelerator.wait_for_everyone()
    except KeyboardInterrupt:
        result.stopped = True
        if checkpoint is not None and main and step > start_step:
            done = result.steps[-1].step if result.steps else start_step
            _save_checkpoint(checkpoint, trained, optimizer, schedule, accelerator.scaler, done, result.steps, config)
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
    import shutil

    from safetensors.torch import save_file

    run_dir.mkdir(parents=True, exist_ok=True)
    if config.method == "lora":
        save_adapter(trained, run_dir / "adapter")
    else:
        with atomic_path(run_dir / BLOCKS) as tmp:
            save_file(trainable_state(trained), str(tmp))
    log = {"config": asdict(config), "fingerprint": result.fingerprint, "resumed_from_step": result.resumed_from_step,
           "train_seconds": result.train_seconds, "tokens_seen": result.tokens_seen,
           "trainable_params": result.trainable_params, "skipped_too_long": result.skipped_too_long,
           "peak_memory_gib": result.peak_memory_gib, "memory_kind": result.memory_kind,
           "steps": [asdict(s) for s in result.steps]}
    write_json_atomic(run_dir / "steps.json", log, indent=1)  # written last: it marks the run finished
    shutil.rmtree(run_dir / CHECKPOINT, ignore_errors=True)


def _load_finished(run_dir: Path, trained, config: TrainConfig, fingerprint: str) -> RunResult | None:
    """The finished run in ``run_dir`` loaded into ``trained`` when its fingerprint matches (same configuration,
    examples and base weights), else None. A run interrupted after this point (no steps.json) trains again.
    Weights are read from safetensors only."""
    import torch
    from safetensors.torch import load_file

    log = read_json(run_dir / "steps.json")
    if not isinstance(log, dict) or log.get("fingerprint") != fingerprint:
        return None  # never finished here, another configuration or data, or written before fingerprints
    if config.method == "lora":
        from peft import set_peft_model_state_dict

        weights = run_dir / "adapter" / "adapter_model.safetensors"
        if not weights.is_file():
            return None
        set_peft_model_state_dict(trained, load_file(str(weights)))
    else:
        blocks = run_dir / BLOCKS
        if not blocks.is_file():
            return None
        named = dict(trained.named_parameters())
        with torch.no_grad():
            for name, tensor in load_file(str(blocks)).items():
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
    if cache_key is not None:
        from helpers.prompting.evaluation import cached_json

        key = {"weights": cache_key, "examples": [e["messages"] for e in examples], "max_seq_len": max_seq_len,
               "batch_size": batch_size}
        return cached_json("lora-loss", key, lambda: evaluate_loss(model, tokenizer, examples, max_seq_len=max_seq_len,
                                                                   batch_size=batch_size))[0]
    encoded, _ = encode_all(tokenizer, examples, max_seq_len)
    pad_id = pad_id_of(tokenizer)
    return answer_metrics(model, encoded, pad_id=pad_id, batch_size=batch_size)[0]
