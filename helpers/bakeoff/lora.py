"""Fine-tuned contestants of the bake-off: the named LoRA adapters of helpers.finetune.lora.adapters (re-exported
here: trained once, cached, answered with by an adapter-merged engine) and the real OpenAI fine-tuning job flow when a
key exists.

Taught in notebooks/10_bakeoff.ipynb (LoRA itself: notebooks 07 and 08; the job flow: notebook 07).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from helpers import env, registry
from helpers.bakeoff.harness import SkipCell
from helpers.files import fingerprint, write_text_atomic
from helpers.finetune.lora import train as lora_train
from helpers.finetune.lora.adapters import (Adapter, Recipe, adapters_root, engine_answers, forget_tuned_engines,
                                            train_adapter, tuned_engine)

__all__ = ["Adapter", "Recipe", "adapters_root", "api_finetune_available", "engine_answers", "forget_tuned_engines",
           "lora_train", "run_api_finetune", "train_adapter", "tuned_engine"]


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
