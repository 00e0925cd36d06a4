"""The offline fine-tuning API (files + fine_tuning.jobs) through the real openai SDK: upload, create, retrieve, list
events, checkpoints, cancel, a bad file, request errors, files.delete, the fine-tuning window of each base, and chat
with the ft: model the job trained (helpers.finetune.jobs)."""

import datetime as dt

import json
import subprocess
import sys
import time

import anthropic
import openai
import pytest

from helpers import datasets, llm, local_api, registry
from helpers.finetune import jobs as finetune_jobs
from helpers.finetune import tasks as finetune_tasks
from helpers.finetune.lora import train as lora_train

TERMINAL = ("succeeded", "failed", "cancelled")


@pytest.fixture(autouse=True)
def registry_day(monkeypatch):
    """Lifecycle rules as of the registry's own date (gpt-4.1-mini can still be fine-tuned then)."""
    monkeypatch.setattr(local_api, "today", registry.as_of)


@pytest.fixture
def store(tmp_path, monkeypatch, engine):
    """A job store and a course cache (cached answers) in a temporary folder, once the engine is loaded from the
    real cache, and a small adapter (2 top layers, rank 4) so jobs train in seconds."""
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(finetune_jobs.REUSE_VARIABLE, raising=False)
    monkeypatch.setattr(finetune_jobs, "store_root", lambda: tmp_path / "finetune")
    monkeypatch.setattr(finetune_jobs, "LORA_SETTINGS", lora_train.LoraSettings(r=4, alpha=8, top_layers=2,
                                                                                 target_modules=("q_proj", "v_proj")))
    return finetune_jobs.store()


@pytest.fixture
def client(store):
    return llm.openai_client()


def training_file(tmp_path, n=12, name="tickets.jsonl", lines=None):
    tickets = datasets.tickets("train")[:n]
    rows = lines if lines is not None else [json.dumps(finetune_tasks.ticket_example(t)) for t in tickets]
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def upload(client, path):
    with open(path, "rb") as handle:
        return client.files.create(file=handle, purpose="fine-tune")


def wait(client, job_id, until=TERMINAL, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status in until:
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still {job.status} after {timeout} s")


def test_files_upload_retrieve_list_and_content(client, tmp_path):
    path = training_file(tmp_path)
    uploaded = upload(client, path)
    assert isinstance(uploaded, openai.types.FileObject)
    assert uploaded.id.startswith("file-") and uploaded.bytes == path.stat().st_size
    assert uploaded.filename == "tickets.jsonl" and uploaded.purpose == "fine-tune" and uploaded.status == "processed"
    assert client.files.retrieve(uploaded.id) == uploaded
    assert client.files.content(uploaded.id).content == path.read_bytes()  # byte-exact through multipart
    assert uploaded.id in [f.id for f in client.files.list()]
    with pytest.raises(openai.BadRequestError, match="Must be .jsonl"):
        client.files.create(file=("notes.txt", b"hello"), purpose="fine-tune")
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve("file-0123456789abcdef")


def test_a_job_trains_a_real_adapter_and_its_model_answers(client, store, tmp_path, engine):
    train = upload(client, training_file(tmp_path))
    valid = upload(client, training_file(tmp_path, n=4, name="valid.jsonl"))
    job = client.fine_tuning.jobs.create(
        model="gpt-4.1-mini", training_file=train.id, validation_file=valid.id, suffix="tickets", seed=7,
        method={"type": "supervised", "supervised": {"hyperparameters": {
            "n_epochs": 1, "batch_size": 4, "learning_rate_multiplier": 2.0}}})
    assert isinstance(job, openai.types.fine_tuning.FineTuningJob)
    assert job.status in ("validating_files", "queued", "running") and job.fine_tuned_model is None
    assert job.model == "gpt-4.1-mini-2025-04-14"  # the API resolves the alias to the snapshot it tunes
    done = wait(client, job.id)
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model.startswith("ft:gpt-4.1-mini-2025-04-14:course:tickets:")
    assert done.error is not None and done.error.model_dump(exclude_unset=True) == {}  # "error": {} as the API sends
    priced = registry.get(done.fine_tuned_model)  # the requested base names the model, so it is priced
    assert (priced.input_usd_per_mtok, priced.output_usd_per_mtok) == (0.80, 3.20)
    assert done.hyperparameters.n_epochs == 1 and done.hyperparameters.batch_size == 4
    assert done.trained_tokens > 0 and done.finished_at >= done.created_at and done.seed == 7

    events = list(client.fine_tuning.jobs.list_events(done.id, limit=100))
    metrics = [e for e in events if e.type == "metrics"]
    assert [e.data["step"] for e in metrics] == [3, 2, 1]  # newest first, 12 examples / batch 4
    assert all(e.data["train_loss"] > 0 and e.data["total_steps"] == 3 for e in metrics)
    assert any("valid_loss" in e.data for e in metrics)
    assert events[0].message == "The job has successfully completed"
    page = client.fine_tuning.jobs.list_events(done.id, limit=2)
    assert len(page.data) == 2 and page.has_more
    older = client.fine_tuning.jobs.list_events(done.id, limit=2, after=page.data[-1].id)
    assert older.data[0].id == events[2].id

    csv = client.files.content(done.result_files[0]).text.splitlines()
    assert csv[0] == "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy" and len(csv) == 4
    assert done.id in [j.id for j in client.fine_tuning.jobs.list()]
    listed = {m.id: m for m in client.models.list()}
    assert listed[done.fine_tuned_model].shutdown_date == "2027-01-14"  # a tuned model shuts down with its base
    checkpoints = list(client.fine_tuning.jobs.checkpoints.list(done.id))
    assert len(checkpoints) == 1 and checkpoints[0].step_number == 3 and checkpoints[0].metrics.train_loss > 0
    assert checkpoints[0].fine_tuned_model_checkpoint == f"{done.fine_tuned_model}:ckpt-step-3"

    tuned = store.engine_for(done.fine_tuned_model)
    changed = [name for (name, a), (_, b) in zip(tuned.model.named_parameters(), engine.model.named_parameters())
               if not a.detach().float().allclose(b.detach().float())]
    assert changed and all("layers.28" in n or "layers.29" in n for n in changed)  # the adapter was trained

    messages = [{"role": "system", "content": finetune_tasks.TICKET_SYSTEM},
                {"role": "user", "content": "I was charged twice for one invoice, please refund one."}]
    answer = client.chat.completions.create(model=done.fine_tuned_model, messages=messages, max_tokens=12)
    assert answer.model == done.fine_tuned_model and answer.usage.completion_tokens >= 1
    at_checkpoint = client.chat.completions.create(model=checkpoints[0].fine_tuned_model_checkpoint,
                                                   messages=messages, max_tokens=12)
    assert at_checkpoint.choices[0].message.content == answer.choices[0].message.content  # the same weights
    with pytest.raises(anthropic.NotFoundError):  # the tuned model is an OpenAI model: not through the Anthropic SDK
        llm.anthropic_client().messages.create(model=done.fine_tuned_model, max_tokens=4, messages=messages[1:])
    batched = finetune_jobs.answer_chats(done.fine_tuned_model, [messages], max_tokens=12, progress=False)
    assert batched[0]["text"] == answer.choices[0].message.content


def test_a_bad_file_fails_the_job_cleanly(client, tmp_path):
    rows = [json.dumps(finetune_tasks.ticket_example(t)) for t in datasets.tickets("train")[:12]]
    rows[1] = rows[1][:40]  # a line cut off
    bad = upload(client, training_file(tmp_path, lines=rows, name="bad.jsonl"))
    job = client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=bad.id)
    failed = wait(client, job.id)
    assert failed.status == "failed" and failed.fine_tuned_model is None
    assert failed.error.code == "invalid_training_file" and failed.error.param == "training_file"
    assert "line 2" in failed.error.message and "clean(" in failed.error.message
    assert any(e.level == "error" for e in client.fine_tuning.jobs.list_events(job.id))

    few = upload(client, training_file(tmp_path, n=3, name="few.jsonl"))
    failed = wait(client, client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=few.id).id)
    assert failed.status == "failed" and "at least 10 examples" in failed.error.message


def test_cancel_stops_training(client, store, tmp_path):
    path = training_file(tmp_path, n=60)
    job = client.fine_tuning.jobs.create(model="smollm2-135m-instruct", training_file=upload(client, path).id,
                                         hyperparameters={"n_epochs": 2, "batch_size": 1})
    wait(client, job.id, until=("running",) + TERMINAL)
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    deadline = time.time() + 60
    while job.id in store._cancel and time.time() < deadline:  # the trainer thread notices and stops
        time.sleep(0.2)
    assert job.id not in store._cancel
    final = client.fine_tuning.jobs.retrieve(job.id)
    assert final.status == "cancelled" and final.fine_tuned_model is None and not final.result_files
    steps = [e.data["step"] for e in client.fine_tuning.jobs.list_events(job.id, limit=100) if e.type == "metrics"]
    assert len(steps) < 120
    assert not (store.adapters_dir / job.id).exists()
    with pytest.raises(openai.BadRequestError, match="cannot be cancelled"):
        client.fine_tuning.jobs.cancel(job.id)


@pytest.mark.parametrize("change,error,fragment", [
    ({"model": "gpt-5-mini"}, openai.BadRequestError, "not available for fine-tuning"),
    ({"model": "gpt-4.1-nano"}, openai.BadRequestError, "stopped on 2026-10-23"),  # shut down
    ({"model": "gpt-4.1-mini-2099-01-01"}, openai.BadRequestError, "not available for fine-tuning"),
    ({"method": "supervised"}, openai.BadRequestError, "Invalid type for 'method'"),
    ({"training_file": "file-000000000000"}, openai.NotFoundError, "Upload it first"),
    ({"hyperparameters": {"n_epochs": 0}}, openai.BadRequestError, "n_epochs"),
    ({"hyperparameters": {"learning_rate_multiplier": -1}}, openai.BadRequestError, "learning_rate_multiplier"),
    ({"method": {"type": "dpo"}}, openai.BadRequestError, "supervised only"),
    ({"suffix": "a:b"}, openai.BadRequestError, "suffix"),
    ({"extra_body": {"banana": 1}}, openai.BadRequestError, "Unrecognized request argument"),
])
def test_job_request_errors(client, tmp_path, change, error, fragment):
    file_id = upload(client, training_file(tmp_path)).id
    with pytest.raises(error, match=fragment):
        client.fine_tuning.jobs.create(**{"model": "gpt-4.1-mini", "training_file": file_id, **change})


def test_new_jobs_are_refused_from_the_base_end_date(client, tmp_path, monkeypatch):
    """OpenAI closes self-serve fine-tuning of gpt-4.1-mini to new jobs on 2027-01-06 (data/models.yaml); the job
    API answers what it answers for any base it does not tune: 400 model_not_available."""
    file_id = upload(client, training_file(tmp_path)).id
    monkeypatch.setattr(local_api, "today", lambda: dt.date(2027, 1, 6))
    with pytest.raises(openai.BadRequestError) as raised:
        client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=file_id)
    assert raised.value.code == "model_not_available" and raised.value.param == "model"
    assert "stopped on 2027-01-06" in raised.value.message and "notebook 08" in raised.value.message
    broken = upload(client, training_file(tmp_path, lines=["{"] * 12, name="broken.jsonl")).id  # fails untrained
    job = client.fine_tuning.jobs.create(model="smollm2-135m-instruct", training_file=broken)  # no end date
    assert wait(client, job.id).error.code == "invalid_training_file"


def test_files_delete(client, tmp_path):
    uploaded = upload(client, training_file(tmp_path))
    deleted = client.files.delete(uploaded.id)
    assert isinstance(deleted, openai.types.FileDeleted) and deleted.deleted and deleted.id == uploaded.id
    assert uploaded.id not in [f.id for f in client.files.list()]
    with pytest.raises(openai.NotFoundError):
        client.files.delete(uploaded.id)


def test_unknown_jobs_and_models(client):
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve("ftjob-0000000000")
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(model="ft:smollm2-135m-instruct:course-local::deadbeef", max_tokens=4,
                                       messages=[{"role": "user", "content": "hi"}])
    assert raised.value.code == "model_not_found"


def test_a_job_whose_kernel_died_is_reported_failed(client, store, tmp_path):
    job = client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=upload(
        client, training_file(tmp_path, lines=["{"] * 12, name="broken.jsonl")).id)
    wait(client, job.id)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = store.jobs_dir / f"{job.id}.json"
    record = json.loads(path.read_text())
    record["job"].update(status="running", error=None)
    record["pid"] = int(dead.stdout)
    path.write_text(json.dumps(record))
    job = client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "failed" and job.error.code == "interrupted" and "Create the job again" in job.error.message


def job_for(client, path, seed, suffix="reuse"):
    """A finished job on the file at ``path`` (uploaded anew: a new file id, the same bytes), 2 steps of 5."""
    job = client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=upload(client, path).id, seed=seed,
                                         suffix=suffix, hyperparameters={"n_epochs": 1, "batch_size": 5})
    done = wait(client, job.id)
    assert done.status == "succeeded", done.error
    return done


def test_an_identical_job_reuses_the_adapter_and_a_changed_one_trains(client, store, tmp_path, monkeypatch):
    trained, real_train = [], lora_train.train

    def counting(model, tokenizer, examples, config, **kwargs):
        trained.append(config.seed)
        return real_train(model, tokenizer, examples, config, **kwargs)

    monkeypatch.setattr(lora_train, "train", counting)
    path = training_file(tmp_path, n=10)
    first = job_for(client, path, seed=3)
    again = job_for(client, path, seed=3)
    assert trained == [3]  # the second job did not train
    assert again.fine_tuned_model != first.fine_tuned_model and again.trained_tokens == first.trained_tokens
    assert again.hyperparameters == first.hyperparameters and again.result_files != first.result_files

    def events(job):
        return list(reversed(list(client.fine_tuning.jobs.list_events(job.id, limit=100))))  # oldest first

    messages = [e.message for e in events(again)]
    reused = [m for m in messages if m.startswith(f"Reused the adapter of job {first.id}")]
    assert reused and "would train and bill this job again" in reused[0] and "COURSE_FINETUNE_REUSE=0" in reused[0]
    assert messages[-1] == "The job has successfully completed"
    replayed = [e.data for e in events(again) if e.type == "metrics"]
    assert replayed == [e.data for e in events(first) if e.type == "metrics"] and len(replayed) == 2
    content = [client.files.content(j.result_files[0]).text for j in (first, again)]
    assert content[0] == content[1] and len(content[0].splitlines()) == 3

    folders = [store.adapter_for(j.fine_tuned_model) for j in (first, again)]
    assert folders == [store.adapters_dir / first.id, store.adapters_dir / again.id]
    metas = [json.loads((f / finetune_jobs.JOB_META).read_text()) for f in folders]
    assert metas[1]["job_id"] == again.id and metas[1]["model_id"] == again.fine_tuned_model
    assert metas[1]["fingerprint"] == metas[0]["fingerprint"] and metas[1]["trained_by"] == first.id
    assert metas[1]["metrics"] == replayed
    chat = [{"role": "system", "content": finetune_tasks.TICKET_SYSTEM},
            {"role": "user", "content": "My invoice shows the wrong company name."}]
    answers = [client.chat.completions.create(model=j.fine_tuned_model, messages=chat, max_tokens=12)
               for j in (first, again)]
    assert answers[1].model == again.fine_tuned_model
    assert answers[1].choices[0].message.content == answers[0].choices[0].message.content
    tuned = finetune_jobs.answer_chats(first.fine_tuned_model, [chat], max_tokens=12, progress=False)
    copy = finetune_jobs.answer_chats(again.fine_tuned_model, [chat], max_tokens=12, progress=False)
    assert not tuned[0]["cached"] and copy[0]["cached"] and copy[0]["text"] == tuned[0]["text"]
    assert copy[0]["model_answered"] == again.fine_tuned_model  # same weights, its own name

    job_for(client, path, seed=4)  # another seed
    job_for(client, training_file(tmp_path, n=11, name="more.jsonl"), seed=3)  # other bytes
    monkeypatch.setenv(finetune_jobs.REUSE_VARIABLE, "0")
    forced = job_for(client, path, seed=3)
    assert trained == [3, 4, 3, 3]
    assert not any("Reused" in m for m in (e.message for e in events(forced)))
    monkeypatch.setenv(finetune_jobs.REUSE_VARIABLE, "maybe")
    with pytest.raises(finetune_jobs.env.CourseConfigError, match="COURSE_FINETUNE_REUSE"):
        finetune_jobs.reuse_enabled()


def test_offline_answers_are_cached_and_a_damaged_entry_is_recomputed(store, engine, monkeypatch):
    chats = [[{"role": "user", "content": f"Name a colour that starts with {letter}."}] for letter in "BGR"]
    first = finetune_jobs.answer_chats(engine.model_id, chats, max_tokens=6, progress=False)
    assert [a["cached"] for a in first] == [False] * 3 and all(a["text"] for a in first)
    calls = []
    real_generate = engine.generate_batch

    def counting(prompts, **kwargs):
        calls.append(len(prompts))
        return real_generate(prompts, **kwargs)

    monkeypatch.setattr(engine, "generate_batch", counting)
    again = finetune_jobs.answer_chats(engine.model_id, chats, max_tokens=6, progress=False)
    assert calls == [] and [a["cached"] for a in again] == [True] * 3
    assert [(a["text"], a["seconds"], a["output_tokens"]) for a in again] == \
        [(a["text"], a["seconds"], a["output_tokens"]) for a in first]
    assert all(a["model_answered"] == engine.model_id for a in again)

    entries = sorted((finetune_jobs.env.cache_dir() / "evaluations" / finetune_jobs.ANSWER_CACHE).rglob("*.json"))
    assert len(entries) == 3
    entries[0].write_text("{\"text\": ")  # cut off
    mended = finetune_jobs.answer_chats(engine.model_id, chats, max_tokens=6, progress=False)
    assert calls == [1] and sum(not a["cached"] for a in mended) == 1
    assert [a["text"] for a in mended] == [a["text"] for a in first]
    assert json.loads(entries[0].read_text())["value"]["text"] in [a["text"] for a in first]
    longer = finetune_jobs.answer_chats(engine.model_id, chats[:1], max_tokens=7, progress=False)
    assert calls == [1, 1] and not longer[0]["cached"]  # max_tokens is part of the key
