"""Offline fine-tuning jobs: what the local OpenAI provider (helpers.local_api) serves behind ``files.create`` and
``fine_tuning.jobs.*``.

Uploaded files are stored in the course cache. A job validates its file the way the API does (a line the API would
refuse fails the job with a clear error), then trains a real LoRA adapter on the local model in a background thread,
writing events and metrics the openai SDK reads (``jobs.list_events``) and a results CSV (``files.content``). The
adapter is saved in the cache under an ``ft:`` model id that ``chat.completions.create`` answers with. Jobs can be
cancelled. Taught in notebooks/07_finetuning_data_and_api.ipynb.

Re-runs are fast offline. A job whose training inputs (base model, the bytes of its training and validation files,
resolved hyperparameters, seed, LoRA settings) are identical to those of an earlier succeeded job whose adapter is
still in the cache reuses that adapter instead of training again: it still goes through every status, says so in an
event, replays the earlier job's metrics, and gets its own ``ft:`` id, results file and adapter folder (a copy).
The real API would train and bill such a job again. ``COURSE_FINETUNE_REUSE=0`` makes every job train.
:func:`answer_chats` caches offline answers under <course cache>/evaluations/finetune_answers (keyed by the engine's
weights: the base model, or a tuned model's training fingerprint and adapter bytes); answers through the API are
never cached.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from helpers import env, registry
from helpers.finetune.lora import train as lora_train
from helpers.files import atomic_folder, read_json, write_bytes_atomic, write_json_atomic
from helpers.finetune.data import Gates, auto_epochs, validate_jsonl
from helpers import local_api
from helpers.local_api import ApiError
from helpers.local_model import trim_heap

ORGANIZATION = "course-local"  # the job's organization_id and the tuned models' owner
ORG_SLUG = "course"  # the organization part of a tuned model's id (ft:<base snapshot>:<org>:<suffix>:<id>)
FILE_PURPOSES = ("fine-tune", "fine-tune-results", "assistants", "batch", "user_data", "vision")
ACTIVE = ("validating_files", "queued", "running")
MIN_EXAMPLES = 10  # the API refuses a training file with fewer examples
LOCAL_BASE_LR = 2e-3  # learning rate at learning_rate_multiplier=1 (LoRA on a 135M model; OpenAI's base is secret)
AUTO_BATCH_SIZE = 4  # batch_size="auto" offline: small batches make more steps from few CPU-minutes
AUTO_LR_MULTIPLIER = 1.0
LIMITS = {"n_epochs": (1, 50), "batch_size": (1, 256)}
JOB_FIELDS = {"model", "training_file", "validation_file", "hyperparameters", "method", "suffix", "seed",
              "integrations", "metadata"}
TRAINING_LOCK = threading.Lock()  # one job trains at a time; the others wait in "queued"
# Rank-8 adapters on the top 12 of the 30 layers: the backward pass stops at layer 18, which roughly halved the CPU
# time per step against adapters on every layer in our measurement (8 steps of 8 examples), for about the same loss
# at the end (0.64 vs 0.61). Tests shrink it further.
LORA_SETTINGS = lora_train.LoraSettings(top_layers=12)
REUSE_VARIABLE = "COURSE_FINETUNE_REUSE"
FINGERPRINT_VERSION = 1  # bump when the trainer changes what identical inputs produce
JOB_META = "course-job.json"  # in each adapter folder: job id, model id, training fingerprint, metrics rows
REUSED_KEYS = ("fingerprint", "trained_by", "metrics", "trained_tokens", "skipped_too_long")  # what a copy inherits
ANSWER_CACHE = "finetune_answers"  # under <course cache>/evaluations, beside helpers.prompting.evaluation's cache


def reuse_enabled() -> bool:
    """``COURSE_FINETUNE_REUSE``: "1" (default) lets a job reuse the adapter of an identical earlier job offline;
    "0" makes every job train."""
    value = env.setting(REUSE_VARIABLE, "1")
    if value not in ("0", "1"):
        raise env.CourseConfigError(f"{REUSE_VARIABLE}={value!r} is not valid; use 1 (reuse the adapter of an "
                                    "identical earlier job, the default) or 0 (always train).")
    return value == "1"


def training_fingerprint(*, model: str, engine, training: bytes, validation: bytes | None, hyperparameters: dict,
                         seed: int) -> str:
    """sha256 of everything an offline job's adapter depends on: the requested and the local base model (and the
    dtype and device of its weights), the training and validation file bytes, the resolved hyperparameters, the
    seed, the LoRA settings and the base learning rate."""
    payload = {"version": FINGERPRINT_VERSION, "model": model, "base_model": engine.model_id,
               "weights": f"{engine.dtype_name}/{engine.device.type}", "training_file": _sha256(training),
               "validation_file": None if validation is None else _sha256(validation),
               "hyperparameters": hyperparameters, "seed": seed,
               "lora": dataclasses.asdict(LORA_SETTINGS), "base_lr": LOCAL_BASE_LR}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def store_root() -> Path:
    """Where uploaded files, jobs and adapters live: <course cache>/finetune."""
    return env.cache_dir() / "finetune"


def _write_json(path: Path, payload: dict) -> None:
    write_json_atomic(path, payload)  # a reader never sees half a job


def _is_file_meta(value) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("id"), str) and isinstance(value.get("purpose"), str)
            and isinstance(value.get("created_at"), int))


def _is_job_record(value) -> bool:
    job = value.get("job") if isinstance(value, dict) else None
    return (isinstance(job, dict) and isinstance(job.get("id"), str) and isinstance(job.get("status"), str)
            and isinstance(job.get("created_at"), int) and isinstance(value.get("events"), list)
            and isinstance(value.get("pid"), int))


def _read_record(path: Path, what: str, valid) -> dict:
    """A JSON record of the offline store. A damaged one (not UTF-8, not JSON, or not the shape this module writes)
    becomes a 500 that the openai SDK raises as ``InternalServerError``, naming the file and how to clear it."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        value = None
    if not valid(value):
        raise ApiError(500, f"The offline fine-tuning store has a damaged {what} record: {path}. Delete that file "
                            f"to forget the {what} (or delete the folder {path.parent.parent} to clear every file and "
                            "job of the offline store), then run the cell again.")
    return value


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _short_id(prefix: str, n: int = 24) -> str:
    return f"{prefix}{uuid.uuid4().hex[:n]}"


def fine_tunable(model: str) -> bool:
    """A model id a new job may name today (``local_api.today()``): the local model (no end date offline), or a
    registry base whose ``fine_tuning`` window is open: listed by id or snapshot, not past ``new_jobs_until`` and not
    shut down (helpers.registry; OpenAI closes self-serve fine-tuning to new jobs on a date per base)."""
    from helpers.local_model import get_engine

    if model in (registry.default_model("local"), get_engine().model_id):
        return True
    info = local_api.registry_entry(model)
    if info is None or info.fine_tuning is None:
        return False
    listed = model == info.id or model in info.snapshots + info.fine_tuning.snapshots
    return listed and info.fine_tunable(local_api.today())


def job_base(model: str) -> str:
    """The base a job reports as its ``model``: the dated snapshot the API resolves an alias to
    (``gpt-4.1-mini`` -> ``gpt-4.1-mini-2025-04-14``, the first of the registry's ``fine_tuning.snapshots``); a
    snapshot or the local model as given."""
    info = local_api.registry_entry(model)
    if info is not None and model == info.id and info.fine_tuning is not None and info.fine_tuning.snapshots:
        return info.fine_tuning.snapshots[0]
    return model


def _not_tunable(model: str) -> ApiError:
    """The 400 for a base that cannot be fine-tuned (real text: openai/openai-cookbook#657; code model_not_available),
    with the registry's reason."""
    info = local_api.registry_entry(model)
    reason = ""
    if info is not None and info.fine_tuning is not None:
        end = registry.fine_tuning_ends(info.id)
        if end is not None and local_api.today() >= end:
            reason = (f" (new fine-tuning jobs on {info.id} stopped on {end}; open-model LoRA, notebook 08, has no "
                      "end date)")
    elif info is not None:
        reason = f" ({info.id} cannot be fine-tuned through the API; open-model LoRA, notebook 08, can tune a model)"
    return ApiError(400, f"Model {model} is not available for fine-tuning or does not exist.{reason}", param="model",
                    code="model_not_available")


class JobStore:
    """Files and fine-tuning jobs on disk under ``root``, with the trainer threads of this process."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.files_dir, self.jobs_dir, self.adapters_dir = (self.root / n for n in ("files", "jobs", "adapters"))
        for folder in (self.files_dir, self.jobs_dir, self.adapters_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._cancel: dict[str, threading.Event] = {}  # jobs whose trainer thread lives in this process
        self._engines: OrderedDict[str, object] = OrderedDict()

    # --- files ----------------------------------------------------------------------------------------------
    def create_file(self, filename: str, data: bytes, purpose: str) -> dict:
        if purpose not in FILE_PURPOSES:
            raise ApiError(400, f"Invalid value for 'purpose': {purpose!r}. Supported: {', '.join(FILE_PURPOSES)}.",
                           param="purpose", code="invalid_value")
        if purpose == "fine-tune" and not filename.lower().endswith(".jsonl"):
            raise ApiError(400, f"Invalid file format for Fine-Tuning API. Must be .jsonl (got {filename!r}).",
                           param="file", code="invalid_file_format")
        file_id = _short_id("file-", 22)
        meta = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": os.path.basename(filename) or "upload.jsonl", "purpose": purpose, "status": "processed",
                "expires_at": None, "status_details": None}
        write_bytes_atomic(self.files_dir / f"{file_id}.bin", data)
        _write_json(self.files_dir / f"{file_id}.json", meta)
        return meta

    def get_file(self, file_id: str, param: str = "file_id") -> dict:
        path = self.files_dir / f"{file_id}.json"
        if not re.fullmatch(r"file-[0-9a-f]+", file_id or "") or not path.is_file():
            raise ApiError(404, f"No such File object: {file_id}. Upload it first with "
                                "client.files.create(file=open(path, 'rb'), purpose='fine-tune').", param=param)
        return _read_record(path, "file", _is_file_meta)

    def file_path(self, file_id: str) -> Path:
        self.get_file(file_id)
        return self.files_dir / f"{file_id}.bin"

    def list_files(self, purpose: str | None = None) -> list[dict]:
        files = [_read_record(p, "file", _is_file_meta) for p in self.files_dir.glob("file-*.json")]
        return sorted((f for f in files if purpose in (None, f["purpose"])), key=lambda f: f["created_at"],
                      reverse=True)

    # --- jobs -----------------------------------------------------------------------------------------------
    def _job_path(self, job_id: str) -> Path:
        if not re.fullmatch(r"ftjob-[0-9a-f]+", job_id or ""):
            raise ApiError(404, f"Could not find fine-tune: {job_id}", param="fine_tuning_job_id")
        return self.jobs_dir / f"{job_id}.json"

    def _load(self, job_id: str) -> dict:
        path = self._job_path(job_id)
        if not path.is_file():
            raise ApiError(404, f"Could not find fine-tune: {job_id}", param="fine_tuning_job_id")
        record = _read_record(path, "job", _is_job_record)
        job = record["job"]
        orphan = job["status"] in ACTIVE and job_id not in self._cancel and (
            record["pid"] == os.getpid() or not _pid_alive(record["pid"]))
        if orphan:  # the kernel that trained it stopped: say so instead of showing "running" forever
            job.update(status="failed", finished_at=int(time.time()), estimated_finish=None, error={
                "code": "interrupted", "param": None,
                "message": "The process that ran this job stopped before it finished (the offline trainer runs "
                           "inside the notebook's kernel). Create the job again."})
            self._event(record, "error", "The job stopped because its kernel ended.")
            _write_json(path, record)
        return record

    def _save(self, record: dict) -> None:
        _write_json(self._job_path(record["job"]["id"]), record)

    @staticmethod
    def _event(record: dict, level: str, message: str, data: dict | None = None) -> None:
        record["events"].append({"object": "fine_tuning.job.event", "id": _short_id("ftevent-"),
                                 "created_at": int(time.time()), "level": level, "message": message,
                                 "data": data or {}, "type": "metrics" if data else "message"})

    def create_job(self, body: dict) -> dict:
        """Check the request as the API does, record the job and start its trainer thread."""
        for key in body:
            if key not in JOB_FIELDS:
                raise ApiError(400, f"Unrecognized request argument supplied: {key}", param=key)
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise ApiError(400, "Missing required parameter: 'model'.", param="model", code="missing_required_parameter")
        if not fine_tunable(model):
            raise _not_tunable(model)
        if not isinstance(body.get("training_file"), str):
            raise ApiError(400, "Missing required parameter: 'training_file'.", param="training_file",
                           code="missing_required_parameter")
        for name in ("training_file", "validation_file"):
            if body.get(name) is not None:
                meta = self.get_file(body[name], param=name)
                if meta["purpose"] != "fine-tune":
                    raise ApiError(400, f"{body[name]} was uploaded with purpose {meta['purpose']!r}; upload it with "
                                        "purpose='fine-tune'.", param=name, code="invalid_file_purpose")
        suffix = body.get("suffix")
        if suffix is not None and (not isinstance(suffix, str) or len(suffix) > 64 or ":" in suffix):
            raise ApiError(400, "suffix must be a string of at most 64 characters without ':'.", param="suffix")
        for name in ("method", "hyperparameters", "metadata"):
            if body.get(name) is not None and not isinstance(body[name], dict):
                raise ApiError(400, f"Invalid type for '{name}': expected an object, but got "
                                    f"{type(body[name]).__name__} instead.", param=name, code="invalid_type")
        method = body.get("method") or {"type": "supervised"}
        if not isinstance(method.get("supervised") or {}, dict) or not isinstance(
                (method.get("supervised") or {}).get("hyperparameters") or {}, dict):
            raise ApiError(400, "Invalid type for 'method.supervised': expected an object with a 'hyperparameters' "
                                "object.", param="method.supervised", code="invalid_type")
        if method.get("type") != "supervised":
            raise ApiError(400, f"method {method.get('type')!r} is not supported by the course's offline trainer "
                                "(supervised only). Run this cell with OPENAI_API_KEY for dpo or reinforcement.",
                           param="method.type")
        hyper = dict(body.get("hyperparameters") or {})
        hyper.update((method.get("supervised") or {}).get("hyperparameters") or {})
        for name in hyper:
            if name not in ("n_epochs", "batch_size", "learning_rate_multiplier"):
                raise ApiError(400, f"Unrecognized hyperparameter: {name}", param=f"hyperparameters.{name}")
        for name, (low, high) in LIMITS.items():
            value = hyper.get(name, "auto")
            if value != "auto" and not (type(value) is int and low <= value <= high):
                raise ApiError(400, f"Invalid {name}: {value!r}. Use 'auto' or an integer from {low} to {high}.",
                               param=f"hyperparameters.{name}")
        multiplier = hyper.get("learning_rate_multiplier", "auto")
        if multiplier != "auto" and not (isinstance(multiplier, (int, float)) and not isinstance(multiplier, bool)
                                         and 0 < multiplier <= 10):
            raise ApiError(400, f"Invalid learning_rate_multiplier: {multiplier!r}. Use 'auto' or a number in (0, 10].",
                           param="hyperparameters.learning_rate_multiplier")
        seed = body.get("seed")
        if seed is not None and type(seed) is not int:
            raise ApiError(400, "seed must be an integer.", param="seed")
        job_id = _short_id("ftjob-")
        hyperparameters = {k: hyper.get(k, "auto") for k in ("n_epochs", "batch_size", "learning_rate_multiplier")}
        job = {"object": "fine_tuning.job", "id": job_id, "model": job_base(model), "created_at": int(time.time()),
               "finished_at": None, "fine_tuned_model": None, "organization_id": ORGANIZATION, "result_files": [],
               "status": "validating_files", "validation_file": body.get("validation_file"),
               "training_file": body["training_file"], "hyperparameters": hyperparameters,
               "trained_tokens": None, "error": {}, "user_provided_suffix": suffix,
               "seed": seed if seed is not None else int.from_bytes(os.urandom(3), "big"),
               "estimated_finish": None, "integrations": [], "metadata": body.get("metadata"),
               "method": {"type": "supervised", "supervised": {"hyperparameters": dict(hyperparameters)}}}
        record = {"job": job, "events": [], "pid": os.getpid()}
        self._event(record, "info", f"Validating training file: {job['training_file']}"
                    + (f" and validation file: {job['validation_file']}" if job["validation_file"] else ""))
        with self.lock:
            self._cancel[job_id] = threading.Event()
            self._save(record)
        threading.Thread(target=self._run, args=(job_id,), name=f"finetune-{job_id}", daemon=True).start()
        return job

    def get_job(self, job_id: str) -> dict:
        with self.lock:
            return _public(self._load(job_id)["job"])

    def list_jobs(self, after: str | None = None, limit: int = 20) -> tuple[list[dict], bool]:
        with self.lock:
            ids = [p.stem for p in self.jobs_dir.glob("ftjob-*.json")]
            jobs = sorted((_public(self._load(i)["job"]) for i in ids), key=lambda j: (j["created_at"], j["id"]),
                          reverse=True)
        return _page(jobs, after, limit)

    def list_events(self, job_id: str, after: str | None = None, limit: int = 20) -> tuple[list[dict], bool]:
        with self.lock:
            events = list(reversed(self._load(job_id)["events"]))  # newest first, as the API lists them
        return _page(events, after, limit)

    def cancel(self, job_id: str) -> dict:
        with self.lock:
            record = self._load(job_id)
            job = record["job"]
            if job["status"] not in ACTIVE:
                raise ApiError(400, f"Job {job_id} has already {job['status']} and cannot be cancelled.",
                               param="fine_tuning_job_id")
            job.update(status="cancelled", finished_at=int(time.time()), estimated_finish=None)
            self._event(record, "info", "Fine-tuning job cancelled.")
            self._save(record)
            if job_id in self._cancel:
                self._cancel[job_id].set()
            return _public(job)

    def list_checkpoints(self, job_id: str, after: str | None = None, limit: int = 10) -> tuple[list[dict], bool]:
        """The job's checkpoints, newest first (``fine_tuning.jobs.checkpoints.list``). Offline a job keeps one, at
        its last step, servable under its ``fine_tuned_model_checkpoint`` id (the API keeps the last three epochs')."""
        with self.lock:
            rows = list(reversed(self._load(job_id).get("checkpoints", [])))
        return _page(rows, after, limit)

    def delete_file(self, file_id: str) -> dict:
        """``files.delete``: forget an uploaded file (the jobs that used it keep their results)."""
        with self.lock:
            self.get_file(file_id)
            for suffix in (".bin", ".json"):
                (self.files_dir / f"{file_id}{suffix}").unlink(missing_ok=True)
        return {"id": file_id, "object": "file", "deleted": True}

    # --- the trainer thread ---------------------------------------------------------------------------------
    def _update(self, job_id: str, *, event: tuple | None = None, **fields) -> bool:
        """Apply fields (and an event) unless the job was cancelled meanwhile; False when it was."""
        with self.lock:
            record = self._load(job_id)
            if record["job"]["status"] == "cancelled":
                return False
            record["job"].update(fields)
            if event:
                self._event(record, *event)
            self._save(record)
            return True

    def _fail(self, job_id: str, code: str, message: str, param: str | None = None) -> None:
        self._update(job_id, status="failed", finished_at=int(time.time()), estimated_finish=None,
                     error={"code": code, "message": message, "param": param}, event=("error", message))

    def _check_file(self, job_id: str, file_id: str, param: str) -> list[dict] | None:
        path = self.file_path(file_id)
        report = validate_jsonl(path, Gates())
        errors = [p for p in report.problems if p.severity == "error"]
        if errors:
            lines = sorted({p.line for p in errors})
            shown = "; ".join(f"line {p.line}: {p.message}" for p in errors[:3])
            self._fail(job_id, f"invalid_{param}", f"The job failed due to an invalid {param.replace('_', ' ')}. "
                       f"{len(lines)} line(s) break the chat format ({shown}{' ...' if len(errors) > 3 else ''}). "
                       "Find them all with helpers.finetune.data.validate_jsonl(path), fix or drop them "
                       "(clean(path, drop='errors')) and upload the file again.", param)
            return None
        examples = [report.examples[n] for n in sorted(report.examples)]
        if param == "training_file" and len(examples) < MIN_EXAMPLES:
            self._fail(job_id, "invalid_training_file", f"Training file has {len(examples)} example(s), but must have "
                       f"at least {MIN_EXAMPLES} examples.", param)
            return None
        return examples  # like the API, quality is the uploader's business: hedges and duplicates are trained on

    def _run(self, job_id: str) -> None:
        try:
            self._train(job_id)
        except Exception as exc:  # a failed job must say why instead of dying silently in its thread
            self._fail(job_id, "server_error", f"Training failed: {type(exc).__name__}: {exc}")
        finally:
            with self.lock:
                self._cancel.pop(job_id, None)
            trim_heap()  # the job's model copy, gradients and optimiser state are garbage now: return them

    def _train(self, job_id: str) -> None:
        import torch

        from helpers.local_model import get_engine

        job = self.get_job(job_id)
        cancel = self._cancel[job_id]
        train = self._check_file(job_id, job["training_file"], "training_file")
        valid = self._check_file(job_id, job["validation_file"], "validation_file") if job["validation_file"] else []
        if train is None or valid is None:
            return
        if not self._update(job_id, status="queued", event=("info", "Files validated, moving job to queued state")):
            return
        with TRAINING_LOCK:  # also serialises reuse: an identical job queued behind this one finds its adapter
            if cancel.is_set():
                return
            engine = get_engine()
            hyper = job["hyperparameters"]
            epochs = auto_epochs(len(train)) if hyper["n_epochs"] == "auto" else hyper["n_epochs"]
            batch = AUTO_BATCH_SIZE if hyper["batch_size"] == "auto" else hyper["batch_size"]
            multiplier = (AUTO_LR_MULTIPLIER if hyper["learning_rate_multiplier"] == "auto"
                          else hyper["learning_rate_multiplier"])
            resolved = {"n_epochs": epochs, "batch_size": batch, "learning_rate_multiplier": multiplier}
            fingerprint = training_fingerprint(
                model=job["model"], engine=engine, training=self.file_path(job["training_file"]).read_bytes(),
                validation=self.file_path(job["validation_file"]).read_bytes() if job["validation_file"] else None,
                hyperparameters=resolved, seed=job["seed"])
            running = {"status": "running", "hyperparameters": resolved,
                       "method": {"type": "supervised", "supervised": {"hyperparameters": resolved}}}
            source = self._reusable(fingerprint) if reuse_enabled() else None
            if source is not None:
                self._reuse(job_id, source, running, cancel)
                return
            started = time.time()
            base = f"{engine.model_id}" + ("" if job["model"] == engine.model_id else
                                           f" (the offline stand-in for {job['model']}, which is not contacted)")
            if not self._update(job_id, **running, event=(
                    "info", f"Fine-tuning job started: LoRA on {base}, on "
                            f"{'GPU' if engine.device.type == 'cuda' else 'CPU'} in this kernel")):
                return
            with engine.lock:  # a consistent copy of the weights, never the serving model itself
                model = copy.deepcopy(engine.model)
                tokenizer = copy.deepcopy(engine.tokenizer)
            # CPU: float32, as always. GPU: the serving weights' own 16-bit dtype under autocast, adapters and AdamW
            # in float32 (a float32 copy of a 7B serving model would need 28 GB beside the serving model itself)
            dtype, mixed = lora_train.training_precision(engine.model)
            model = model.to(getattr(torch, dtype))
            rows, seen = [], {"tokens": 0}

            def on_step(step) -> None:
                metrics = {"step": step.step, "train_loss": round(step.train_loss, 4),
                           "train_mean_token_accuracy": round(step.train_mean_token_accuracy, 4),
                           "total_steps": step.total_steps}
                if step.valid_loss is not None:
                    metrics.update(valid_loss=round(step.valid_loss, 4),
                                   valid_mean_token_accuracy=round(step.valid_mean_token_accuracy, 4))
                rows.append(metrics)
                seen["tokens"] += step.tokens
                per_step = (time.time() - started) / step.step
                self._update(job_id, estimated_finish=int(time.time() + per_step * (step.total_steps - step.step)),
                             trained_tokens=seen["tokens"], event=("info", _step_message(metrics), metrics))

            config = lora_train.TrainConfig(lora=LORA_SETTINGS, epochs=epochs, batch_size=batch,
                                            lr=LOCAL_BASE_LR * multiplier, seed=job["seed"], mixed_precision=mixed)
            result = lora_train.train(
                model, tokenizer, train, config, device=engine.device.type, valid_examples=valid[:8],
                eval_every=max(1, len(train) // batch // 4),
                on_step=on_step, should_stop=cancel.is_set, progress=False)
            if result.stopped or cancel.is_set():
                return
            folder = lora_train.save_adapter(result.model, self.adapters_dir / job_id)
            self._finish(job_id, folder, {"fingerprint": fingerprint, "trained_by": job_id, "metrics": rows,
                                          "trained_tokens": result.tokens_seen,
                                          "skipped_too_long": result.skipped_too_long})

    def _reusable(self, fingerprint: str) -> dict | None:
        """The metadata of an adapter folder made by a succeeded job with this training fingerprint (the one that
        trained it first, else a copy of it), or None."""
        found = []
        for path in self.adapters_dir.glob(f"ftjob-*/{JOB_META}"):
            meta = read_json(path)  # a damaged or pre-fingerprint folder never matches
            if not (isinstance(meta, dict) and meta.get("fingerprint") == fingerprint and "job_id" in meta
                    and all(k in meta for k in REUSED_KEYS) and (path.parent / "adapter_config.json").is_file()):
                continue
            record = read_json(self.jobs_dir / f"{meta['job_id']}.json")
            if isinstance(record, dict) and (record.get("job") or {}).get("status") == "succeeded":
                found.append(dict(meta, folder=str(path.parent)))
        found.sort(key=lambda m: m["job_id"] != m["trained_by"])
        return found[0] if found else None

    def _reuse(self, job_id: str, source: dict, running: dict, cancel: threading.Event) -> None:
        """Finish a job with a copy of the adapter of an identical earlier job, replaying its metrics events."""
        message = (f"Reused the adapter of job {source['trained_by']} from the offline cache (identical files, "
                   "hyperparameters and seed) instead of training again. The real API would train and bill this job "
                   f"again. Set {REUSE_VARIABLE}=0 to train anyway.")
        if not self._update(job_id, **running, event=("info", message)):
            return
        for metrics in source["metrics"]:
            if not self._update(job_id, event=("info", _step_message(metrics), metrics)):
                return
        if cancel.is_set():
            return
        folder = self.adapters_dir / job_id
        # without course-job.json (written last, by _finish) a folder is no adapter: an interrupted copy is ignored
        with atomic_folder(folder) as tmp:
            shutil.copytree(source["folder"], tmp, ignore=shutil.ignore_patterns(JOB_META), dirs_exist_ok=True)
        self._finish(job_id, folder, {k: source[k] for k in REUSED_KEYS})

    def _finish(self, job_id: str, folder: Path, meta: dict) -> None:
        """Name the adapter in ``folder`` after the job (``ft:`` + the base the job names, so the registry prices it
        from that base), write its results file and checkpoint, and mark the job succeeded."""
        job = self.get_job(job_id)
        results_file = self.create_file(f"step_metrics_{job_id}.csv", _metrics_csv(meta["metrics"]).encode(),
                                        "fine-tune-results")
        model_id = f"ft:{job['model']}:{ORG_SLUG}:{job['user_provided_suffix'] or ''}:{job_id[-8:]}"
        last = (meta["metrics"] or [{}])[-1]
        checkpoint = {"object": "fine_tuning.job.checkpoint", "id": _short_id("ftckpt_"),
                      "created_at": int(time.time()), "fine_tuning_job_id": job_id,
                      "fine_tuned_model_checkpoint": f"{model_id}:ckpt-step-{last.get('step', 0)}",
                      "step_number": last.get("step", 0),
                      "metrics": {k: last[k] for k in ("step", "train_loss", "train_mean_token_accuracy",
                                                       "valid_loss", "valid_mean_token_accuracy") if k in last}}
        _write_json(folder / JOB_META, dict(meta, job_id=job_id, model_id=model_id,
                                            checkpoint_id=checkpoint["fine_tuned_model_checkpoint"]))
        self._add_checkpoint(job_id, checkpoint)
        skipped = meta["skipped_too_long"]
        note = f" ({skipped} example(s) longer than the context were skipped)" if skipped else ""
        self._update(job_id, fine_tuned_model=model_id, result_files=[results_file["id"]],
                     event=("info", f"New fine-tuned model created: {model_id}{note}"))
        self._update(job_id, status="succeeded", finished_at=int(time.time()), estimated_finish=None,
                     trained_tokens=meta["trained_tokens"], event=("info", "The job has successfully completed"))

    # --- the tuned models -----------------------------------------------------------------------------------
    def adapter_for(self, model_id: str) -> Path:
        """The adapter folder of a fine-tuned model id (404 when no succeeded job made it)."""
        return self.adapter_meta(model_id)[0]

    def _add_checkpoint(self, job_id: str, checkpoint: dict) -> None:
        with self.lock:
            record = self._load(job_id)
            record.setdefault("checkpoints", []).append(checkpoint)
            self._save(record)

    def adapter_meta(self, model_id: str) -> tuple[Path, dict]:
        """(adapter folder, its course-job.json) of a fine-tuned model id or of its checkpoint's id (404 when no
        succeeded job made it)."""
        for path in self.adapters_dir.glob(f"ftjob-*/{JOB_META}"):
            meta = read_json(path)
            if isinstance(meta, dict) and model_id in (meta.get("model_id"), meta.get("checkpoint_id")):
                return path.parent, meta
        raise ApiError(404, f"The model `{model_id}` does not exist or you do not have access to it. Fine-tuned "
                            "models exist once their job has succeeded (client.fine_tuning.jobs.retrieve(job_id)).",
                       param="model", code="model_not_found")

    def engine_for(self, model_id: str):
        """A generation engine for a fine-tuned model: the local model with the job's adapter merged in (the two
        most recently used are kept in memory)."""
        from helpers.local_model import LocalEngine, get_engine

        with self.lock:
            if model_id in self._engines:
                self._engines.move_to_end(model_id)
                return self._engines[model_id]
            folder = self.adapter_for(model_id)
            base = get_engine()
            with base.lock:
                weights = copy.deepcopy(base.model)
            merged = lora_train.load_merged(weights, folder)
            engine = LocalEngine(merged, base.tokenizer, model_id=model_id, display_name=f"{model_id} (LoRA adapter "
                                 f"on {base.display_name})", context_window=base.context_window)
            self._engines[model_id] = engine
            while len(self._engines) > 2:
                self._engines.popitem(last=False)
                trim_heap()
            return engine

    def fine_tuned_models(self) -> list[dict]:
        """The ``ft:`` models of the succeeded jobs, as model-list entries."""
        out = []
        for path in self.jobs_dir.glob("ftjob-*.json"):
            job = _read_record(path, "job", _is_job_record)["job"]
            base = local_api.registry_entry(job["fine_tuned_model"] or "")
            if base is not None and base.is_retired(local_api.today()):
                continue  # a tuned model shuts down with its base
            if job["status"] == "succeeded" and job["fine_tuned_model"]:
                shutdown = base.lifecycle.shutdown_on if base is not None else None
                out.append({"id": job["fine_tuned_model"], "object": "model", "created": job["finished_at"],
                            "owned_by": ORGANIZATION, "shutdown_date": shutdown.isoformat() if shutdown else None})
        return out


def _public(job: dict) -> dict:
    """A job as the API returns it: ``error`` is an empty object until the job fails (as the real API sends it:
    cequence-io/openai-scala-client#80, openai-php/client#499), so ``if job.error:`` is true for every job, failed
    or not, online and offline alike; read ``job.status`` or ``job.error.code`` instead."""
    return dict(job, error=job.get("error") or {})


def _page(rows: list[dict], after: str | None, limit) -> tuple[list[dict], bool]:
    """A cursor page: the rows after the one with id ``after``, at most ``limit`` (1-100)."""
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid 'limit': {limit!r}; expected an integer from 1 to 100.", param="limit") from None
    if not 1 <= limit <= 100:
        raise ApiError(400, f"Invalid 'limit': {limit}; expected an integer from 1 to 100.", param="limit")
    if after:
        ids = [r["id"] for r in rows]
        if after not in ids:
            raise ApiError(400, f"Invalid 'after': {after} is not in this list.", param="after")
        rows = rows[ids.index(after) + 1:]
    return rows[:limit], len(rows) > limit


def _step_message(metrics: dict) -> str:
    """The text of a metrics event."""
    text = f"Step {metrics['step']}/{metrics['total_steps']}: training loss={metrics['train_loss']:.4f}"
    if "valid_loss" in metrics:
        text += f", validation loss={metrics['valid_loss']:.4f}"
    return text


def _metrics_csv(rows: list[dict]) -> str:
    """The results file: one row per step, the columns of the API's step_metrics.csv."""
    out = io.StringIO()
    columns = ["step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy"]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({"step": r["step"], "train_loss": r["train_loss"],
                         "train_accuracy": r["train_mean_token_accuracy"], "valid_loss": r.get("valid_loss", ""),
                         "valid_mean_token_accuracy": r.get("valid_mean_token_accuracy", "")})
    return out.getvalue()


_STORES: dict[Path, JobStore] = {}
_STORES_LOCK = threading.Lock()


def store() -> JobStore:
    """The job store of this process for the current cache folder."""
    root = store_root()
    with _STORES_LOCK:
        if root not in _STORES:
            _STORES[root] = JobStore(root)
        return _STORES[root]


def _answers_identity(model: str) -> dict | None:
    """What an offline answer of ``model`` depends on besides the prompt: the base model, or a tuned model's
    training fingerprint and adapter bytes, and the dtype and device of the weights that generate. None when a
    tuned model has no fingerprint (an adapter from before fingerprints): its answers are not cached."""
    from helpers.local_model import get_engine

    base = get_engine()
    if not model.startswith("ft:"):
        return {"model": base.model_id, "weights": f"{str(base.batch_model.dtype)}/{base.device.type}"}
    folder, meta = store().adapter_meta(model)
    if not meta.get("fingerprint"):
        return None
    adapter = hashlib.sha256()
    for path in sorted(folder.glob("adapter_*")):  # adapter_config.json, adapter_model.safetensors
        adapter.update(path.name.encode() + b"\0" + path.read_bytes())
    return {"fingerprint": meta["fingerprint"], "adapter": adapter.hexdigest(),
            "weights": f"{base.dtype_name}/{base.device.type}"}  # tuned engines merge into the base's weights


def _answer_key(identity: dict, chat: list[dict], max_tokens: int, batch_size: int) -> dict:
    # batch_size is part of the key: batched greedy decoding pads prompts to a common length, and padding can
    # change float sums, so an answer is what this engine gave in a batch of that size
    return {"engine": identity, "messages": chat, "max_tokens": max_tokens, "batch_size": batch_size}


def _cached_answer(key: dict) -> dict | None:
    from helpers.prompting.evaluation import lookup_result  # not at import time: helpers.prompting.evaluation imports the SDK layer

    found, stored = lookup_result(ANSWER_CACHE, key)  # missing or damaged: generated again
    fields = {"text": str, "input_tokens": int, "output_tokens": int, "seconds": float}
    if found and isinstance(stored, dict) and all(isinstance(stored.get(k), t) for k, t in fields.items()):
        return {k: stored[k] for k in fields}
    return None


def answer_chats(model: str, chats: list[list[dict]], *, max_tokens: int, provider: str = "openai",
                 batch_size: int = 8, progress: bool = True) -> list[dict]:
    """Greedy answers of ``model`` (a base id or an ``ft:`` id) to many chats, in order: text, tokens, seconds.
    Offline, batched on the local engine that serves the SDK (the same weights ``chat.completions`` uses), and
    cached: a chat answered before by the same weights is read back (``cached`` True, ``seconds`` from the run that
    generated it); only the others are generated. With a key, one ``chat.completions.create`` per chat through the
    real SDK, four at a time, never cached."""
    from concurrent.futures import ThreadPoolExecutor

    from tqdm.auto import tqdm

    from helpers import llm
    from helpers.prompting.evaluation import store_result
    from helpers.local_model import get_engine

    if llm.uses_local(provider):
        if not model.startswith("ft:") and model != get_engine().model_id and model not in registry.models():
            raise registry.UnknownModelError(f"Model {model!r} is not in the course registry (data/models.yaml).")
        answered = model if model.startswith("ft:") else get_engine().model_id  # who answers, cached or not
        identity = _answers_identity(model)
        keys = [None if identity is None else _answer_key(identity, chat, max_tokens, batch_size) for chat in chats]
        out = [None if key is None else _cached_answer(key) for key in keys]
        for answer in out:
            if answer is not None:
                answer.update(model_answered=answered, cached=True)
        todo = [i for i, answer in enumerate(out) if answer is None]
        if todo:
            engine = store().engine_for(model) if model.startswith("ft:") else get_engine()
            prompts = [engine.encode_chat(chats[i]) for i in todo]
            with tqdm(total=len(todo), disable=not progress, desc=model[:40]) as bar:
                for first in range(0, len(todo), batch_size):
                    results = engine.generate_batch(prompts[first:first + batch_size], max_new_tokens=max_tokens,
                                                    batch_size=batch_size)
                    for i, r in zip(todo[first:first + batch_size], results):
                        out[i] = {"text": r.text, "input_tokens": r.input_tokens, "output_tokens": r.output_tokens,
                                  "seconds": r.seconds}
                        if keys[i] is not None:
                            store_result(ANSWER_CACHE, keys[i], out[i])
                        out[i].update(model_answered=answered, cached=False)
                    bar.update(len(results))
        return out
    client = llm.openai_client()

    def one(chat: list[dict]) -> dict:
        start = time.perf_counter()
        response = client.chat.completions.create(model=model, messages=chat, max_completion_tokens=max_tokens,
                                                  **llm.sampling_params(model, 0.0))
        return {"text": response.choices[0].message.content or "", "input_tokens": response.usage.prompt_tokens,
                "output_tokens": response.usage.completion_tokens, "seconds": time.perf_counter() - start,
                "model_answered": response.model, "cached": False}

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(tqdm(pool.map(one, chats), total=len(chats), disable=not progress, desc=model[:40]))


class OfflineFineTuning:
    """The OpenAI files and fine-tuning jobs endpoints, served offline by the in-process server
    (helpers.local_api) from this module's job store; registered when this module is imported (notebook 07)."""

    flavour = "openai"
    path_pattern = re.compile(r"/(files|fine_tuning/jobs)(/|$)")
    ROUTE = re.compile(r"/(files|fine_tuning/jobs)(?:/([^/]+))?(?:/([^/]+))?$")

    def engine_for(self, model: str):
        return store().engine_for(model) if model.startswith("ft:") else None

    def models(self) -> list[dict]:
        return store().fine_tuned_models()

    def handle(self, request, path: str) -> dict | bytes:
        jobs = store()
        query = request.url.params
        route = self.ROUTE.search(path)
        kind, item, action = route.groups() if route else (None, None, None)
        method = request.method
        if kind == "files" and method == "POST" and item is None:
            fields, files = local_api.multipart_body(request)
            if "file" not in files:
                raise ApiError(400, "Missing required parameter: 'file'.", param="file",
                               code="missing_required_parameter")
            filename, data = files["file"]
            return jobs.create_file(filename, data, fields.get("purpose", ""))
        if kind == "files" and method == "GET" and item is None:
            rows = jobs.list_files(query.get("purpose"))
            return {"object": "list", "data": rows, "has_more": False,
                    "first_id": rows[0]["id"] if rows else None, "last_id": rows[-1]["id"] if rows else None}
        if kind == "files" and method == "GET" and action is None:
            return jobs.get_file(item)
        if kind == "files" and method == "GET" and action == "content":
            return jobs.file_path(item).read_bytes()
        if kind == "files" and method == "DELETE" and item is not None and action is None:
            return jobs.delete_file(item)
        if kind == "fine_tuning/jobs" and method == "POST" and item is None:
            return jobs.create_job(local_api.json_body(request))
        if kind == "fine_tuning/jobs" and method == "GET" and item is None:
            rows, more = jobs.list_jobs(query.get("after"), query.get("limit", 20))
            return {"object": "list", "data": rows, "has_more": more}
        if kind == "fine_tuning/jobs" and method == "GET" and action is None:
            return jobs.get_job(item)
        if kind == "fine_tuning/jobs" and method == "GET" and action == "events":
            rows, more = jobs.list_events(item, query.get("after"), query.get("limit", 20))
            return {"object": "list", "data": rows, "has_more": more}
        if kind == "fine_tuning/jobs" and method == "GET" and action == "checkpoints":
            rows, more = jobs.list_checkpoints(item, query.get("after"), query.get("limit", 10))
            return {"object": "list", "data": rows, "has_more": more,
                    "first_id": rows[0]["id"] if rows else None, "last_id": rows[-1]["id"] if rows else None}
        if kind == "fine_tuning/jobs" and method == "POST" and action == "cancel":
            return jobs.cancel(item)
        raise ApiError(404, f"{method} {path} is not served by the course's local model (offline, the fine-tuning "
                            "API has files.create/retrieve/list/content/delete and fine_tuning.jobs.create/retrieve/"
                            "list/list_events/cancel/checkpoints.list).")


local_api.register_service("fine_tuning", OfflineFineTuning())
