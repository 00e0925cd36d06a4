"""The bake-off's task pieces (helpers.bakeoff.tasks) and fine-tuned contestants (helpers.bakeoff.lora): data
splits, knowledge training data, scored rows, JSON repair, the API job flow on a fake client, and one tiny real
LoRA run with its adapter cache."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

from helpers import datasets, env, rag
from helpers.bakeoff import lora as bakeoff_lora
from helpers.bakeoff import tasks as bt
from helpers.finetune import tasks as ft
from helpers.bakeoff.harness import SkipCell


@pytest.fixture(scope="module")
def kb():
    return rag.load_corpus(datasets.DATA / "kb", quiet=True)


@pytest.fixture(scope="module")
def questions(kb):
    return rag.load_qa(datasets.DATA / "kb_eval.jsonl", kb, quiet=True).questions


def test_kb_split_is_stratified_and_disjoint(questions):
    train, test = bt.kb_split(questions, 10, seed=3)
    assert len(test) == 10 and len(train) == len(questions) - 10
    assert not {q["id"] for q in train} & {q["id"] for q in test}
    assert {q["type"] for q in test} == {q["type"] for q in questions}  # every type, recency and unanswerable too


def test_passage_window_keeps_the_passage():
    text = " ".join(f"w{i}" for i in range(100))
    window = bt.passage_window(text, "w50 w51", 10)
    assert "w50 w51" in window and len(window.split()) == 10
    assert bt.passage_window(text, "w0", 5).split() == ["w0", "w1", "w2", "w3", "w4"]  # at the edge: all after
    with pytest.raises(ValueError, match="not found"):
        bt.passage_window(text, "absent", 10)


def test_knowledge_examples_hold_passages_but_never_held_out_questions(kb, questions):
    train, test = bt.kb_split(questions, 12, seed=3)
    examples = bt.knowledge_examples(kb, train[:5], test, passage_words=80)
    users = [e["messages"][1]["content"] for e in examples]
    answers = " ".join(e["messages"][2]["content"] for e in examples)
    assert not {q["question"] for q in test} & set(users)
    for q in test:
        if q.get("gold_passage"):
            assert q["gold_passage"].split()[0] in answers
    assert sum(u.startswith("What does the Pulseboard help centre page") for u in users) >= 1
    assert [e["messages"][2]["content"] for e in examples[-5:]] == [q["reference_answer"] for q in train[:5]]


def test_kb_rows_score_answers_refusals_and_hallucinations(questions):
    answerable = next(q for q in questions if q["gold_doc_ids"] and q["reference_facts"])
    unanswerable = next(q for q in questions if not q["gold_doc_ids"])
    right = " and ".join(answerable["reference_facts"])
    records = [{"text": right, "input_tokens": 50, "output_tokens": 20, "latency_s": 1.0},
               {"text": "It is Jane Doe.", "input_tokens": 50, "output_tokens": 60, "latency_s": 1.0},
               {"text": "not in the docs", "input_tokens": 50, "output_tokens": 5, "latency_s": 1.0}]
    rows = bt.kb_rows([answerable, unanswerable, unanswerable], records, max_tokens=60, retrieval_s=[0.5, 0, 0])
    assert [r["correct"] for r in rows] == [1.0, 0.0, 1.0]
    assert [r["hallucinated"] for r in rows] == [None, True, False]
    assert [r["format_ok"] for r in rows] == [True, False, True]  # the second hit the token limit
    assert rows[0]["latency_s"] == pytest.approx(1.5)  # retrieval time counts


def test_ticket_rows_use_the_prompts_parser():
    tickets = [{"id": "t1", "text": "refund please", "label": "BILLING"},
               {"id": "t2", "text": "it crashes", "label": "TECHNICAL"}]
    prompts = [bt.zero_shot(t) for t in tickets]
    records = [{"text": "Category: BILLING", "input_tokens": 9, "output_tokens": 3, "latency_s": 0.1},
               {"text": "maybe technical?", "input_tokens": 9, "output_tokens": 3, "latency_s": 0.1}]
    rows = bt.ticket_rows(tickets, prompts, records)
    assert [r["correct"] for r in rows] == [1.0, 0.0] and [r["format_ok"] for r in rows] == [True, False]
    tuned = bt.tuned_ticket_rows(tickets, [dict(records[0], text='{"category":"BILLING"}'),
                                           dict(records[1], text="TECHNICAL")])
    assert [r["correct"] for r in tuned] == [1.0, 0.0] and [r["format_ok"] for r in tuned] == [True, False]
    assert bt.tuned_ticket_prompts(tickets)[0].messages == [{"role": "user", "content": "refund please"}]


def test_few_shot_example_choice_is_stable():
    pool = [{"id": f"p{i}", "text": f"pool {i}", "label": "OTHER"} for i in range(20)]
    ticket = {"id": "t1", "text": "x"}
    assert bt.random_examples(ticket, pool, 3) == bt.random_examples(ticket, pool, 3)
    prompt = bt.few_shot(ticket, pool[:2])
    assert [m["role"] for m in prompt.messages] == ["user", "assistant", "user", "assistant", "user"]


def test_order_rows_fields_schema_and_invented_values():
    order = ft.orders("test")[0]
    gold = order["gold"]
    perfect = {"text": ft.compact(gold), "input_tokens": 10, "output_tokens": 10, "latency_s": 1.0}
    invented = dict(gold, requested_date="2031-01-01") if gold["requested_date"] is None else dict(gold)
    if gold["delivery"]["country"] is None:
        invented = dict(invented, delivery=dict(gold["delivery"], country="Atlantis"))
    made_up = dict(perfect, text=ft.compact(invented))
    broken = dict(perfect, text="sorry, no JSON")
    rows = bt.order_rows([order] * 3, [perfect, made_up, broken])
    assert rows[0]["correct"] == 1.0 and rows[0]["format_ok"] and rows[0]["hallucinated"] is False
    assert rows[1]["hallucinated"] is True and rows[1]["correct"] < 1.0 and rows[1]["invented"]
    assert rows[2]["correct"] == 0.0 and not rows[2]["format_ok"] and rows[2]["hallucinated"] is None


def test_close_json_and_repair_order():
    gold = ft.orders("test")[0]["gold"]
    full = ft.compact(gold)
    cut = full[: len(full) - 25]
    assert json.loads(bt.close_json('{"a": [1, 2')) == {"a": [1, 2]}
    assert json.loads(bt.close_json('{"a": "unfinished')) == {"a": "unfinished"}
    assert json.loads(bt.close_json('{"a": 1, "b"')) == {"a": 1}
    repaired, changes = bt.repair_order(cut)
    assert "closed truncated JSON" in changes and json.loads(repaired)["customer_name"] == gold["customer_name"]
    assert ft.score_order(repaired, gold)["schema_valid"] or json.loads(repaired)["items"] == []
    wrong = dict(gold, extra="x", items=[dict(gold["items"][0], name="Mug?", quantity=str(gold["items"][0]["quantity"]))])
    del wrong["notes"]
    repaired, changes = bt.repair_order(json.dumps(wrong))
    value = json.loads(repaired)
    assert value["items"][0]["name"] == gold["items"][0]["name"] and value["items"][0]["quantity"] == gold["items"][0]["quantity"]
    assert "extra" not in value and value["notes"] is None
    assert {"item name from the catalog", "quantity to integer", "added missing notes"} <= set(changes)
    assert ft.score_order(repaired, gold)["schema_valid"]
    assert bt.repair_order("no json here") == ("no json here", ["no JSON object: left as is"])


def test_order_schema_prompt_names_every_product():
    system = bt.order_schema_system()
    assert '"additionalProperties":false' in system
    assert all(p["sku"] in system for p in bt.catalog()["products"])


# --- the API fine-tune flow ---------------------------------------------------------------------------------------
class FakeJobs:
    def __init__(self, statuses, error=None):
        self.statuses, self.error, self.created = list(statuses), error, None

    def _job(self, status):
        return SimpleNamespace(id="ftjob-1", status=status, fine_tuned_model="ft:gpt-4.1-mini:org:bake:1"
                               if status == "succeeded" else None, trained_tokens=20_000, error=self.error)

    def create(self, **kwargs):
        self.created = kwargs
        return self._job(self.statuses.pop(0))

    def retrieve(self, job_id):
        return self._job(self.statuses.pop(0))


def fake_client(statuses, error=None):
    uploads = []

    def create_file(file, purpose):
        uploads.append((file.read(), purpose))
        return SimpleNamespace(id="file-1")

    client = SimpleNamespace(files=SimpleNamespace(create=create_file),
                             fine_tuning=SimpleNamespace(jobs=FakeJobs(statuses, error)))
    return client, uploads


LINES = [ft.ticket_example(t) for t in datasets.tickets("train")[:10]]


def test_api_finetune_needs_confirmation(tmp_path):
    client, uploads = fake_client(["validating_files"])
    with pytest.raises(SkipCell, match="CONFIRM_PAID_TRAINING"):
        bakeoff_lora.run_api_finetune(client, "gpt-4.1-mini", LINES, hyperparameters={"n_epochs": 1}, suffix="b",
                                      workdir=tmp_path, confirm=False)
    assert uploads == []  # nothing sent, nothing spent


def test_api_finetune_polls_to_success_and_prices_trained_tokens(tmp_path):
    client, uploads = fake_client(["validating_files", "running", "succeeded"])
    out = bakeoff_lora.run_api_finetune(client, "gpt-4.1-mini", LINES, hyperparameters={"n_epochs": 1},
                                        suffix="bake", workdir=tmp_path, confirm=True, sleep=lambda s: None)
    assert out["model"].startswith("ft:gpt-4.1-mini") and out["trained_tokens"] == 20_000
    assert out["api_training_usd"] == pytest.approx(20_000 * 5.00 / 1e6)
    assert uploads[0][1] == "fine-tune" and len(uploads[0][0].decode().splitlines()) == len(LINES)
    assert client.fine_tuning.jobs.created["method"]["supervised"]["hyperparameters"] == {"n_epochs": 1}


def test_api_finetune_failure_and_timeout_raise(tmp_path):
    client, _ = fake_client(["running", "failed"], error=SimpleNamespace(message="invalid_training_file"))
    with pytest.raises(RuntimeError, match="invalid_training_file"):
        bakeoff_lora.run_api_finetune(client, "gpt-4.1-mini", LINES, hyperparameters={}, suffix="b",
                                      workdir=tmp_path, confirm=True, sleep=lambda s: None)
    client, _ = fake_client(["running"] * 5)
    with pytest.raises(TimeoutError, match="still running"):
        bakeoff_lora.run_api_finetune(client, "gpt-4.1-mini", LINES, hyperparameters={}, suffix="b",
                                      workdir=tmp_path, confirm=True, sleep=lambda s: None, timeout_s=0)


def test_api_finetune_available_says_why_not(monkeypatch):
    assert "OPENAI_API_KEY" in bakeoff_lora.api_finetune_available()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    assert bakeoff_lora.api_finetune_available() is None
    monkeypatch.setenv("COURSE_BACKEND", "local")
    assert "COURSE_BACKEND=local" in bakeoff_lora.api_finetune_available()


# --- one tiny real LoRA run ---------------------------------------------------------------------------------------
def test_tiny_real_lora_run_is_cached_and_answers(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    examples = [ft.ticket_example(t) for t in datasets.tickets("train")[:4]]
    recipe = bakeoff_lora.Recipe(epochs=1, batch_size=4, lr=1e-3,
                                 lora=bakeoff_lora.lora_train.LoraSettings(r=2, top_layers=1, max_seq_len=256))
    first = bakeoff_lora.train_adapter("tiny", examples, recipe, log=lambda _: None)
    assert not first.loaded_from_cache and first.meta["steps"] == 1 and first.meta["trained_tokens"] > 0
    assert first.folder.parent == env.cache_dir() / "adapters"
    again = bakeoff_lora.train_adapter("tiny", examples, recipe, log=lambda _: None)
    assert again.loaded_from_cache and again.setup == first.setup  # the real cost travels with the adapter
    other = bakeoff_lora.train_adapter("tiny", examples[:3], recipe, log=lambda _: None)
    assert not other.loaded_from_cache and other.folder != first.folder  # new data, new adapter
    tuned = bakeoff_lora.tuned_engine(first)
    [record] = bakeoff_lora.engine_answers(tuned, bt.tuned_ticket_prompts(datasets.tickets("test")[:1], 4))
    assert record["output_tokens"] <= 4 and record["input_tokens"] > 20 and record["cost_usd"] == 0.0
    with pytest.raises(ValueError, match="no training examples"):
        bakeoff_lora.train_adapter("tiny", [], recipe)


def test_tiny_full_fine_tune_saves_its_blocks_and_answers(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    examples = [ft.ticket_example(t) for t in datasets.tickets("train")[:2]]
    settings = bakeoff_lora.lora_train.LoraSettings(r=2, top_layers=1, max_seq_len=256)
    full = bakeoff_lora.Recipe(epochs=1, batch_size=2, lr=1e-4, lora=settings, method="full")
    adapter = bakeoff_lora.train_adapter("tiny-full", examples, full, log=lambda _: None)
    assert adapter.meta["method"] == "full" and (adapter.folder / bakeoff_lora.lora_train.BLOCKS).is_file()
    lora = bakeoff_lora.train_adapter("tiny-lora", examples, bakeoff_lora.Recipe(lora=settings), log=lambda _: None)
    assert adapter.meta["trainable_params"] > 50 * lora.meta["trainable_params"]  # a whole block vs rank-2 factors
    tuned = bakeoff_lora.tuned_engine(adapter)
    changed = [n for n, p in tuned.model.named_parameters()
               if not torch.equal(p, dict(engine.model.named_parameters())[n])]
    assert changed and all(".layers." in n for n in changed)  # only the trained block differs from the base
    [record] = bakeoff_lora.engine_answers(tuned, bt.tuned_ticket_prompts(datasets.tickets("test")[:1], 4))
    assert record["output_tokens"] <= 4
    with pytest.raises(ValueError, match="method must be one of"):
        bakeoff_lora.Recipe(method="qlora")
