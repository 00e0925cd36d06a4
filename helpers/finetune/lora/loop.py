"""LoRA fine-tuning of a small causal LM on chat examples, on CPU or GPU, with a plain torch loop.

The loss is computed on the answers only (completion-only training): the system and user tokens are masked (label
-100), so the model learns to *answer*, not to repeat prompts. Assistant messages with ``"weight": 0`` are masked too,
as in OpenAI's format. Used by the offline fine-tuning jobs (helpers.finetune.jobs, notebook 07); notebook 08 teaches
LoRA itself and extends this module.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

IGNORE = -100  # the label of a token the loss skips


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


@dataclass
class TrainResult:
    model: object  # the PeftModel
    steps: list[StepReport] = field(default_factory=list)
    tokens_seen: int = 0
    skipped_too_long: int = 0
    stopped: bool = False


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


def _batches(encoded: list[tuple[list[int], list[int]]], batch_size: int, pad_id: int, device,
             rng: random.Random | None) -> Iterator[tuple]:
    import torch

    order = list(range(len(encoded)))
    if rng is not None:
        rng.shuffle(order)
    for first in range(0, len(order), batch_size):
        chunk = [encoded[i] for i in order[first:first + batch_size]]
        width = max(len(ids) for ids, _ in chunk)
        ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        labels = torch.full((len(chunk), width), IGNORE, dtype=torch.long)
        for row, (x, y) in enumerate(chunk):  # right padding
            ids[row, :len(x)], mask[row, :len(x)], labels[row, :len(y)] = (torch.tensor(x), 1, torch.tensor(y))
        yield ids.to(device), mask.to(device), labels.to(device)


def answer_loss(peft_model, ids, mask, labels):
    """(mean cross-entropy over the answer tokens, their count, how many the model predicted right). Only the
    answer positions go through the output layer (49,152 words wide for SmolLM2): the prompt needs no logits.
    ``peft_model`` may also be a plain causal LM (full fine-tuning)."""
    causal_lm = peft_model.get_base_model() if hasattr(peft_model, "get_base_model") else peft_model
    hidden = causal_lm.model(input_ids=ids, attention_mask=mask).last_hidden_state
    return loss_on_answers(causal_lm.lm_head, hidden, labels)


def loss_on_answers(lm_head, hidden, labels):
    """The loss of :func:`answer_loss` from the last hidden states: logits only where the next token is an
    answer token (also used by helpers.finetune.lora.train, notebook 08)."""
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


def evaluate_loss(peft_model, encoded, *, batch_size: int = 8, pad_id: int = 0) -> tuple[float, float]:
    """(answer loss, answer token accuracy) on held-out examples, without training."""
    import torch

    total_loss = total_tokens = total_right = 0
    was_training = peft_model.training
    peft_model.eval()
    with torch.no_grad():
        for ids, mask, labels in _batches(encoded, batch_size, pad_id, peft_model.device, None):
            loss, n, right = answer_loss(peft_model, ids, mask, labels)
            total_loss += float(loss) * n
            total_tokens += n
            total_right += right
    peft_model.train(was_training)
    return (total_loss / total_tokens, total_right / total_tokens) if total_tokens else (float("nan"), float("nan"))


def lr_schedule(optimizer, total_steps: int):
    """A short linear warm-up (10% of the steps, at most 10), then a linear decay to 10% of the peak rate."""
    import torch

    warmup = max(1, min(10, total_steps // 10))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: (s + 1) / warmup if s < warmup else
                                             max(0.1, 1 - (s - warmup) / max(1, total_steps - warmup)))


def train_lora(model, tokenizer, examples: list[dict], *, epochs: int = 1, batch_size: int = 4, lr: float = 2e-4,
               settings: LoraSettings = LoraSettings(), seed: int = 0, valid_examples: list[dict] | None = None,
               eval_every: int | None = None, on_step: Callable[[StepReport], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Train LoRA adapters on chat ``examples`` ({"messages": [...]}) for ``epochs`` passes. AdamW on the adapter
    weights only, a short warm-up then a linear decay. ``on_step`` gets a :class:`StepReport` after every step;
    ``should_stop`` is polled between steps (cancel). Examples longer than ``settings.max_seq_len`` are skipped."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    encoded, skipped = [], 0
    for example in examples:
        ids, labels = encode_example(tokenizer, example["messages"])
        if len(ids) > settings.max_seq_len:
            skipped += 1
            continue
        encoded.append((ids, labels))
    if not encoded:
        raise ValueError(f"no example fits in {settings.max_seq_len} tokens: nothing to train on")
    valid = []
    for example in valid_examples or []:
        ids, labels = encode_example(tokenizer, example["messages"])
        if len(ids) <= settings.max_seq_len:
            valid.append((ids, labels))
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    peft_model = add_lora(model, settings)
    peft_model.train()
    params = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(encoded) / batch_size)
    total = steps_per_epoch * epochs
    schedule = lr_schedule(optimizer, total)
    result = TrainResult(model=peft_model, skipped_too_long=skipped)
    step = 0
    for epoch in range(1, epochs + 1):
        for ids, mask, labels in _batches(encoded, batch_size, pad_id, peft_model.device, rng):
            if should_stop is not None and should_stop():
                result.stopped = True
                return result
            start = time.perf_counter()
            loss, n, right = answer_loss(peft_model, ids, mask, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            report = StepReport(step=step, total_steps=total, epoch=epoch, train_loss=float(loss.detach()),
                                train_mean_token_accuracy=right / n if n else 0.0, tokens=int(mask.sum()),
                                seconds=time.perf_counter() - start)
            if valid and eval_every and (step % eval_every == 0 or step == total):
                report.valid_loss, report.valid_mean_token_accuracy = evaluate_loss(
                    peft_model, valid, pad_id=pad_id)
            result.tokens_seen += report.tokens
            result.steps.append(report)
            if on_step is not None:
                on_step(report)
    peft_model.eval()
    return result


def save_adapter(peft_model, folder: str | Path) -> Path:
    """Save the adapter weights (a few MB) into ``folder`` atomically: written to a temporary folder, then
    renamed, so an interrupted save never leaves a half-written adapter."""
    folder = Path(folder)
    tmp = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        peft_model.save_pretrained(tmp)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load_merged(base_model, folder: str | Path):
    """The base model with the adapter in ``folder`` merged into its weights: a plain model, as fast as the base.
    ``base_model`` is modified; pass a fresh copy."""
    from peft import PeftModel

    with _quiet_peft():
        return PeftModel.from_pretrained(base_model, str(folder)).merge_and_unload().eval()
