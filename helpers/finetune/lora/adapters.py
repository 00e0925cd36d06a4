"""Named LoRA adapters on the local model: trained once per examples, recipe and base model and cached on disk (a
re-run loads them, with the training cost measured when they were trained), and answered with by an adapter-merged
engine. The training loop is ``train`` (notebook 08).

Used by notebooks 08 (brand voice), 09 (the case studies' fine-tuning arms) and 10 (the bake-off's contestants).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helpers import env
from helpers.files import atomic_folder, fingerprint, read_json, write_json_atomic
from helpers.finetune.lora import train as lora_train
from helpers.prompting.patterns import Prompt


@dataclass(frozen=True)
class Recipe:
    """How one adapter is trained: passes over the examples, batch size, learning rate and the adapter's shape.
    ``method="full"`` trains every weight of the adapter's ``lora.top_layers`` blocks instead (notebook 08, section
    8: the baseline LoRA is measured against); the result is saved and answered with the same way."""

    epochs: int = 1
    batch_size: int = 4
    lr: float = 2e-3
    seed: int = 0
    lora: lora_train.LoraSettings = field(default_factory=lambda: lora_train.LoraSettings(top_layers=4,
                                                                                          max_seq_len=256))
    method: str = "lora"

    def __post_init__(self):
        if self.method not in lora_train.METHODS:
            raise ValueError(f"method must be one of {', '.join(lora_train.METHODS)}, not {self.method!r}")

    def as_dict(self) -> dict:
        out = asdict(self)
        out["lora"]["target_modules"] = list(out["lora"]["target_modules"])
        if out["method"] == "lora":  # a LoRA recipe keeps the identity (and cached adapters) it had before methods
            del out["method"]
        return out


@dataclass
class Adapter:
    """A trained adapter on disk and what training it cost (measured when it was trained)."""

    folder: Path
    meta: dict
    loaded_from_cache: bool

    @property
    def setup(self) -> dict:
        return {"seconds": self.meta["seconds"], "trained_tokens": self.meta["trained_tokens"],
                "steps": self.meta["steps"], "examples": self.meta["examples"],
                "skipped_too_long": self.meta["skipped_too_long"]}


def adapters_root() -> Path:
    """Where trained adapters are kept: <course cache>/adapters, one folder per name and training identity."""
    return env.cache_dir() / "adapters"


def train_adapter(name: str, examples: list[dict], recipe: Recipe, *, run_all: bool = False,
                  root: Path | None = None, log: Callable[[str], None] = print) -> Adapter:
    """Train a LoRA adapter (or, with ``recipe.method == "full"``, full fine-tuning's trained blocks) on chat
    ``examples`` with ``recipe``, or load the one trained before on the same examples, recipe and base model
    (``run_all=True`` trains again). The training seconds, tokens and losses are saved with it, so a loaded adapter
    still reports its real setup cost."""
    import torch
    from safetensors.torch import save_file

    from helpers.local_model import get_engine

    if not examples:
        raise ValueError(f"{name}: no training examples")
    engine = get_engine()
    dtype, mixed = lora_train.training_precision(engine.model)  # CPU: float32, "no"; GPU: its 16-bit dtype
    identity = {"name": name, "examples": [e["messages"] for e in examples], "recipe": recipe.as_dict(),
                "base": engine.model_id}
    if mixed != "no":  # a GPU run (the CPU's keys stay as they were, so its cached adapters still load)
        identity["mixed_precision"] = mixed
    key = fingerprint(identity)
    folder = (root or adapters_root()) / f"{name}-{key}"
    meta_path = folder / "bakeoff-meta.json"
    cached = None if run_all else read_json(meta_path)  # a damaged record trains again
    if isinstance(cached, dict):
        return Adapter(folder, cached, loaded_from_cache=True)
    with engine.lock:  # a copy of the weights, never the serving model itself
        model = copy.deepcopy(engine.model)
    model = model.to(getattr(torch, dtype))
    start = time.perf_counter()
    config = lora_train.TrainConfig(method=recipe.method, lora=recipe.lora, epochs=recipe.epochs,
                                    batch_size=recipe.batch_size, lr=recipe.lr, seed=recipe.seed, mixed_precision=mixed)
    result = lora_train.train(model, engine.tokenizer, examples, config, device=engine.device.type, progress=False)
    seconds = time.perf_counter() - start
    folder.parent.mkdir(parents=True, exist_ok=True)
    if recipe.method == "lora":
        lora_train.save_adapter(result.model, folder)
    else:  # the trained blocks only: the rest of the model is the base's
        with atomic_folder(folder) as tmp:
            save_file(lora_train.trainable_state(result.model), str(tmp / lora_train.BLOCKS))
    meta = {"name": name, "seconds": seconds, "trained_tokens": result.tokens_seen, "steps": len(result.steps),
            "trainable_params": result.trainable_params, "method": recipe.method,
            "examples": len(examples), "skipped_too_long": result.skipped_too_long, "recipe": recipe.as_dict(),
            "losses": [round(s.train_loss, 4) for s in result.steps], "base": engine.model_id,
            "device": str(engine.device), "when": time.strftime("%Y-%m-%d %H:%M")}
    write_json_atomic(meta_path, meta)  # written last: it marks the adapter complete
    log(f"trained {name}: {len(result.steps)} steps on {len(examples)} examples in {seconds:.1f} s "
        f"(loss {meta['losses'][0]:.2f} -> {meta['losses'][-1]:.2f})")
    return Adapter(folder, meta, loaded_from_cache=False)


_ENGINES: dict[str, object] = {}


def _with_trained_weights(weights, adapter: Adapter):
    """``weights`` (a fresh copy of the base model) with ``adapter`` in it: a LoRA merged, or full fine-tuning's
    trained blocks copied over the base's."""
    import torch
    from safetensors.torch import load_file

    if adapter.meta.get("method", "lora") == "lora":
        return lora_train.load_merged(weights, adapter.folder)
    named = dict(weights.named_parameters())
    with torch.no_grad():
        for name, tensor in load_file(str(adapter.folder / lora_train.BLOCKS)).items():
            named[name].copy_(tensor.to(named[name].dtype))
    return weights.eval()


def tuned_engine(adapter: Adapter):
    """The local model with ``adapter`` merged in, as a generation engine (kept in memory for the session)."""
    from helpers.local_model import LocalEngine, get_engine

    key = f"{adapter.folder}@{adapter.meta.get('when')}"  # retrained in this session (run_all): merged afresh
    if key not in _ENGINES:
        base = get_engine()
        if base.device.type == "cuda":  # one merged copy at a time on a GPU: each is a whole model (15 GB for a 7B)
            forget_tuned_engines()
        with base.lock:
            weights = copy.deepcopy(base.model)
        merged = _with_trained_weights(weights, adapter)
        _ENGINES[key] = LocalEngine(merged, base.tokenizer, model_id=f"{base.model_id}+lora:{adapter.folder.name}",
                                    display_name=f"{base.display_name} + LoRA {adapter.meta['name']}",
                                    context_window=base.context_window)
    return _ENGINES[key]


def forget_tuned_engines() -> None:
    """Drop the adapter-merged engines kept for the session (and, on a GPU, the memory they held)."""
    import torch

    from helpers.local_model import trim_heap

    _ENGINES.clear()
    trim_heap()  # gc, then the freed weights back to the operating system
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def engine_answers(engine, prompts: list[Prompt], *, batch_size: int = 16) -> list[dict]:
    """Greedy answers of a local engine to ``Prompt`` objects, with the fields helpers.prompting.evaluation.run_prompts
    returns (text, tokens, latency as the share of its batch's time, cost 0)."""
    by_shape: dict[tuple, list[int]] = {}
    for i, p in enumerate(prompts):
        by_shape.setdefault((p.max_tokens, tuple(p.stop)), []).append(i)
    records: list[dict | None] = [None] * len(prompts)
    for (max_tokens, stop), members in by_shape.items():
        encoded = []
        for i in members:
            chat = ([{"role": "system", "content": prompts[i].system}] if prompts[i].system else [])
            chat += prompts[i].messages
            encoded.append(engine.encode_chat(chat, continue_final=chat[-1]["role"] == "assistant"))
        results = engine.generate_batch(encoded, max_new_tokens=max_tokens, stop=list(stop) or None,
                                        batch_size=batch_size)
        for i, r in zip(members, results):
            records[i] = {"text": r.text, "input_tokens": r.input_tokens, "output_tokens": r.output_tokens,
                          "latency_s": r.seconds, "cost_usd": 0.0, "stop_reason": r.stop_reason,
                          "model_answered": engine.model_id}
    return records  # type: ignore[return-value]


def cached_answers(adapter: Adapter | None, prompts: list[Prompt], *, batch_size: int = 16) -> list[dict]:
    """:func:`engine_answers` of the local model (``adapter=None``) or of ``adapter`` merged into it, stored in the
    course cache (``<cache>/evaluations/engine-answers``) under the model, the adapter as trained, the prompts and the
    batch size: a warm re-run of notebooks 08 and 09 reads its replies instead of generating them again (greedy
    answers do not change). A cached record keeps the latency measured when it was generated."""
    from helpers.local_model import get_engine
    from helpers.prompting.evaluation import cached_json

    base = get_engine()
    key = {"model": base.model_id, "device": base.device.type, "batch_size": batch_size,
           "adapter": None if adapter is None else f"{adapter.folder.name}@{adapter.meta.get('when')}",
           "prompts": fingerprint([(p.system, p.messages, p.max_tokens, list(p.stop)) for p in prompts])}
    records, _ = cached_json("engine-answers", key, lambda: engine_answers(
        base if adapter is None else tuned_engine(adapter), prompts, batch_size=batch_size))
    return records
