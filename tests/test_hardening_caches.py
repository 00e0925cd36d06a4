"""Issue 25, caches: a damaged entry is a miss that is recomputed (evaluation answers and results, the converted
model's course-meta.json), a damaged offline fine-tuning store is an API error the SDK raises as its own class, and
two processes adding to the embedding cache at once lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import openai
import pytest

from helpers import llm, local_model
from helpers.prompting import evaluation
from helpers.prompting.patterns import Parsed, Prompt

REPO = Path(__file__).resolve().parent.parent
DEEP = b"[" * 100_000 + b"]" * 100_000  # valid JSON, nested far past the parser's recursion limit
DAMAGED = {
    "invalid utf-8": b"\xff\xfe{\"text\": \"ok\"}",
    "a JSON list": b"[1, 2, 3]",
    "a JSON string": b"\"an answer\"",
    "deep nesting": DEEP,
    "an empty object": b"{}",
    "a wrong field type": json.dumps({"text": 5, "input_tokens": 1, "output_tokens": 1, "latency_s": 0.1,
                                      "cost_usd": 0.0, "model_answered": "m"}).encode(),
    "not JSON": b"{\"text\": ",
}


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def answers(monkeypatch):
    """helpers.llm.batch_complete replaced by a recorder that answers "positive" (the cache is what is tested)."""
    asked = []

    def fake(prompts, **kwargs):
        asked.extend(prompts)
        return [llm.Completion(text="positive", provider="local", model_requested="m", model_answered="m",
                               input_tokens=3, output_tokens=1, latency_s=0.01, cost_usd=0.0, stop_reason="end_turn",
                               local=True) for _ in prompts]

    monkeypatch.setattr(evaluation.llm, "batch_complete", fake)
    return asked


def _prompt(example):
    return Prompt(system=None, messages=[{"role": "user", "content": f"Sentiment of: {example['text']}"}],
                  parser=lambda text: Parsed(value=text.strip(), ok=True), max_tokens=4)


EXAMPLES = [{"id": i, "text": f"review {i}", "label": "positive"} for i in range(3)]


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_damaged_answer_entry_is_recomputed(cache, answers, damage):
    first = evaluation.evaluate(_prompt, EXAMPLES, name="t", provider="local", progress=False)
    assert len(answers) == 3 and first.summary["accuracy"] == 1.0
    entries = sorted((cache / "evaluations").glob("*/*.json"))
    assert len(entries) == 3
    entries[0].write_bytes(DAMAGED[damage])
    second = evaluation.evaluate(_prompt, EXAMPLES, name="t", provider="local", progress=False)
    assert len(answers) == 4  # only the damaged entry was asked again
    assert second.summary["accuracy"] == 1.0 and sorted(second.results["cached"]) == [False, True, True]
    assert evaluation._load_cached(entries[0].stem) is not None  # and stored again, whole


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_damaged_result_entry_is_a_miss(cache, damage):
    calls = []
    value, cached = evaluation.cached_json("ns", {"k": 1}, lambda: calls.append(1) or {"score": 0.5})
    assert (value, cached) == ({"score": 0.5}, False)
    (entry,) = (cache / "evaluations" / "ns").glob("*/*.json")
    entry.write_bytes(DAMAGED[damage])
    assert evaluation.lookup_result("ns", {"k": 1}) == (False, None)
    assert evaluation.cached_json("ns", {"k": 1}, lambda: calls.append(1) or {"score": 0.5}) == ({"score": 0.5}, False)
    assert len(calls) == 2 and evaluation.lookup_result("ns", {"k": 1}) == (True, {"score": 0.5})


def test_deeply_nested_value_inside_a_result_is_a_miss(cache):
    evaluation.store_result("ns", "key", [1])
    (entry,) = (cache / "evaluations" / "ns").glob("*/*.json")
    entry.write_bytes(b'{"value": ' + DEEP + b"}")
    assert evaluation.lookup_result("ns", "key") == (False, None)


# --- the converted model's course-meta.json --------------------------------------------------------------------------
GOOD_META = {"conversion_version": local_model.CONVERSION_VERSION,
             "cpu_dtype": {"single": "float32", "batch": "float32"}}
DAMAGED_META = {
    **{name: raw for name, raw in DAMAGED.items() if name != "a wrong field type"},
    "an old conversion": json.dumps(dict(GOOD_META, conversion_version=-1)).encode(),
    "no cpu dtype": json.dumps({"conversion_version": local_model.CONVERSION_VERSION}).encode(),
    "an unknown dtype": json.dumps(dict(GOOD_META, cpu_dtype={"single": "int3", "batch": "float32"})).encode(),
    "a dtype list": json.dumps(dict(GOOD_META, cpu_dtype=["float32"])).encode(),
}


@pytest.mark.parametrize("damage", DAMAGED_META)
def test_a_damaged_conversion_meta_means_convert_again(cache, monkeypatch, damage):
    meta = local_model.converted_dir() / local_model.CONVERTED_META
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps(GOOD_META), encoding="utf-8")
    assert local_model.is_converted()
    meta.write_bytes(DAMAGED_META[damage])
    assert local_model.is_converted() is False

    class Converting(Exception):
        pass

    def start_converting():
        raise Converting

    monkeypatch.setattr(local_model, "gguf_path", start_converting)  # the first step of a conversion
    with pytest.raises(Converting):
        local_model.ensure_converted(verbose=False)


# --- the offline fine-tuning store -----------------------------------------------------------------------------------
@pytest.fixture
def store(cache):
    from helpers.finetune import jobs

    return jobs.store()


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_damaged_file_record_is_an_api_error(store, damage):
    client = llm.openai_client(local=True)
    uploaded = client.files.create(file=("train.jsonl", b'{"messages": []}\n'), purpose="fine-tune")
    assert [f.id for f in client.files.list()] == [uploaded.id]
    record = store.files_dir / f"{uploaded.id}.json"
    record.write_bytes(DAMAGED[damage])
    for call in (lambda: client.files.list(), lambda: client.files.retrieve(uploaded.id)):
        with pytest.raises(openai.InternalServerError) as err:
            call()
        assert str(record) in str(err.value) and "Delete that file" in str(err.value)
    record.unlink()  # the advice works
    assert list(client.files.list()) == []


@pytest.mark.parametrize("damage", [*DAMAGED, "a job without a status"])
def test_a_damaged_job_record_is_an_api_error(store, damage):
    client = llm.openai_client(local=True)
    job_id = "ftjob-0123456789abcdef"
    record = store.jobs_dir / f"{job_id}.json"
    record.write_bytes(DAMAGED.get(damage) or json.dumps({"job": {"id": job_id}, "events": [], "pid": 1}).encode())
    for call in (lambda: client.fine_tuning.jobs.retrieve(job_id), lambda: client.fine_tuning.jobs.list(),
                 lambda: client.models.list()):
        with pytest.raises(openai.InternalServerError, match="damaged job record"):
            call()
    record.unlink()
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve(job_id)


# --- the embedding cache, shared by two processes ----------------------------------------------------------------
WRITER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from helpers import embeddings
    from helpers.rag import index

    def fake_embed(texts, batch_size=64):  # cheap and deterministic: the cache is what is tested
        return np.array([[float(len(t)), float(sum(map(ord, t)) % 997), 1.0] for t in texts], dtype=np.float32)

    embeddings.embed = fake_embed
    name, start = sys.argv[1], float(sys.argv[2])
    while time.time() < start:  # both writers begin together
        time.sleep(0.005)
    for round in range(50):
        index.embed_texts([f"{name} text {round} {i}" for i in range(4)])
""")


def test_two_processes_adding_to_the_embedding_cache_lose_nothing(cache, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    environment = dict(os.environ, COURSE_CACHE_DIR=str(cache), PYTHONPATH=str(REPO))
    start = time.time() + 8  # time for both interpreters to import numpy and the helpers
    writers = [subprocess.Popen([sys.executable, str(script), name, repr(start)], env=environment, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for name in ("first", "second")]
    outputs = [w.communicate(timeout=300)[0].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs
    with np.load(cache / "rag" / "embeddings-all-MiniLM-L6-v2.npz", allow_pickle=False) as data:
        keys, vectors = data["keys"], data["vectors"]
    assert len(set(keys.tolist())) == len(keys) == 400 and vectors.shape == (400, 3)
