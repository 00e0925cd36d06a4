"""Fine-tuned contestants of the bake-off: LoRA adapters trained on the local model (cached on disk, so a re-run
loads them), answers from an adapter-merged engine, and the real OpenAI fine-tuning job flow when a key exists.

Taught in notebooks/10_bakeoff.ipynb (LoRA itself: notebooks 07 and 08; the job flow: notebook 07).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helpers import env, registry
from helpers.files import read_json, write_json_atomic, write_text_atomic
from helpers.finetune.lora import train as lora_train
from helpers.bakeoff.harness import SkipCell, fingerprint
from helpers.prompting.patterns import Prompt


@dataclass(frozen=True)
class Recipe:
    """How one adapter is trained: passes over the examples, batch size, learning rate and the adapter's shape."""

    epochs: int = 1
    batch_size: int = 4
    lr: float = 2e-3
    seed: int = 0
    lora: lora_train.LoraSettings = field(default_factory=lambda: lora_train.LoraSettings(top_layers=4,
                                                                                          max_seq_len=256))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["lora"]["target_modules"] = list(out["lora"]["target_modules"])
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
    return env.cache_dir() / "bakeoff" / "adapters"


def train_adapter(name: str, examples: list[dict], recipe: Recipe, *, run_all: bool = False,
                  root: Path | None = None, log: Callable[[str], None] = print) -> Adapter:
    """Train a LoRA adapter on chat ``examples`` with ``recipe``, or load the one trained before on the same
    examples, recipe and base model (``run_all=True`` trains again). The training seconds, tokens and losses are
    saved with it, so a loaded adapter still reports its real setup cost."""
    import torch

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
    config = lora_train.TrainConfig(lora=recipe.lora, epochs=recipe.epochs, batch_size=recipe.batch_size, lr=recipe.lr,
                                    seed=recipe.seed, mixed_precision=mixed)
    result = lora_train.train(model, engine.tokenizer, examples, config, device=engine.device.type, progress=False)
    seconds = time.perf_counter() - start
    folder.parent.mkdir(parents=True, exist_ok=True)
    lora_train.save_adapter(result.model, folder)
    meta = {"name": name, "seconds": seconds, "trained_tokens": result.tokens_seen, "steps": len(result.steps),
            "examples": len(examples), "skipped_too_long": result.skipped_too_long, "recipe": recipe.as_dict(),
            "losses": [round(s.train_loss, 4) for s in result.steps], "base": engine.model_id,
            "device": str(engine.device), "when": time.strftime("%Y-%m-%d %H:%M")}
    write_json_atomic(meta_path, meta)  # written last: it marks the adapter complete
    log(f"trained {name}: {len(result.steps)} steps on {len(examples)} examples in {seconds:.1f} s "
        f"(loss {meta['losses'][0]:.2f} -> {meta['losses'][-1]:.2f})")
    return Adapter(folder, meta, loaded_from_cache=False)


_ENGINES: dict[str, object] = {}


def tuned_engine(adapter: Adapter):
    """The local model with ``adapter`` merged in, as a generation engine (kept in memory for the session)."""
    from helpers.local_model import LocalEngine, get_engine

    key = str(adapter.folder)
    if key not in _ENGINES:
        base = get_engine()
        if base.device.type == "cuda":  # one merged copy at a time on a GPU: each is a whole model (15 GB for a 7B)
            forget_tuned_engines()
        with base.lock:
            weights = copy.deepcopy(base.model)
        merged = lora_train.load_merged(weights, adapter.folder)
        _ENGINES[key] = LocalEngine(merged, base.tokenizer, model_id=f"{base.model_id}+lora:{adapter.folder.name}",
                                    display_name=f"{base.display_name} + LoRA {adapter.meta['name']}",
                                    context_window=base.context_window)
    return _ENGINES[key]


def forget_tuned_engines() -> None:
    """Drop the adapter-merged engines kept for the session (and, on a GPU, the memory they held)."""
    import gc

    import torch

    _ENGINES.clear()
    gc.collect()
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


# --- a real API fine-tune -------------------------------------------------------------------------------------------
def api_finetune_available() -> str | None:
    """None when a real OpenAI fine-tuning job can run, else the reason it cannot (printed by the notebook)."""
    if env.backend_setting() == "local":
        return "COURSE_BACKEND=local: the offline run does not call the OpenAI fine-tuning API"
    if not env.keys_present()["openai"]:
        return ("no OPENAI_API_KEY found (environment, .env, Colab secrets): an API fine-tune needs one. "
                "Notebook 07 runs the same job flow offline")
    return None


def run_api_finetune(client, base_model: str, train_lines: list[dict], *, hyperparameters: dict, suffix: str,
                     workdir: Path, confirm: bool, poll_s: float = 30.0, timeout_s: float = 3 * 3600,
                     sleep: Callable[[float], None] = time.sleep) -> dict:
    """Upload ``train_lines`` ({"messages": ...}) with the real SDK, start a supervised job on ``base_model``, poll
    it to the end and return {"model", "seconds", "trained_tokens", "api_training_usd", "job_id"}. Shows the cost
    estimate first and raises :class:`SkipCell` unless ``confirm`` (money is spent only on purpose)."""
    from helpers.finetune import data as fd
    from helpers.budget import BUDGET

    counter = fd.local_token_counter()
    estimate = fd.estimate_cost([counter(line) for line in train_lines], base_model,
                                n_epochs=hyperparameters.get("n_epochs", "auto"))
    print("estimated training cost:", estimate)
    if not confirm:
        raise SkipCell(f"an OpenAI fine-tune of {base_model} would cost about ${estimate.usd:.2f}: set "
                       "CONFIRM_PAID_TRAINING = True and run the bake-off cell again")
    BUDGET.check(base_model, estimate.usd)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"train-{fingerprint(train_lines)}.jsonl"
    write_text_atomic(path, "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in train_lines))
    start = time.perf_counter()
    with open(path, "rb") as handle:
        uploaded = client.files.create(file=handle, purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model=base_model, training_file=uploaded.id, suffix=suffix,
                                         method={"type": "supervised",
                                                 "supervised": {"hyperparameters": hyperparameters}})
    while job.status not in ("succeeded", "failed", "cancelled"):
        if time.perf_counter() - start > timeout_s:
            raise TimeoutError(f"fine-tuning job {job.id} still {job.status} after {timeout_s:.0f} s; it keeps running "
                               "on OpenAI's side: retrieve it later with client.fine_tuning.jobs.retrieve")
        sleep(poll_s)
        job = client.fine_tuning.jobs.retrieve(job.id)
    if job.status != "succeeded":
        message = getattr(job.error, "message", None) if job.error else None
        raise RuntimeError(f"fine-tuning job {job.id} {job.status}: {message or 'no error message'}")
    trained = int(job.trained_tokens or 0)
    price = registry.get(base_model).training_usd_per_mtok or 0.0
    return {"model": job.fine_tuned_model, "job_id": job.id, "seconds": time.perf_counter() - start,
            "trained_tokens": trained, "api_training_usd": trained * price / 1e6}
