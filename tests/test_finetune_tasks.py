"""helpers.finetune.tasks: the two chat tasks, the noisy export and the scores of notebook 07."""

import json

import pytest

from helpers import datasets
from helpers.finetune import data as fd
from helpers.finetune import tasks

TASK_GATES = fd.Gates(min_answer_words=1, answer_json=True)


def test_examples_of_both_tasks_pass_the_validator(tmp_path):
    examples = tasks.task_examples(20, 10, seed=3)
    assert [e["_source"]["task"] for e in examples].count("order") == 10
    path = fd.write_jsonl(tmp_path / "train.jsonl", map(tasks.for_file, examples))
    assert fd.validate_jsonl(path, TASK_GATES).problems == []
    order = next(e for e in examples if e["_source"]["task"] == "order")
    assert json.loads(order["messages"][-1]["content"]) == order["_source"]["gold"]
    assert order["messages"][-1]["content"] == json.dumps(order["_source"]["gold"], ensure_ascii=False,
                                                          separators=(",", ":"))  # compact: fewer tokens
    assert set(tasks.for_file(order)) == {"messages"}


def test_train_and_test_examples_do_not_leak(tmp_path):
    train = fd.write_jsonl(tmp_path / "train.jsonl", map(tasks.for_file, tasks.task_examples(60, 30)))
    test = fd.write_jsonl(tmp_path / "test.jsonl",
                          map(tasks.for_file, tasks.task_examples(30, 15, split="test", seed=1)))
    assert not fd.validate_jsonl(train, TASK_GATES, test_path=test).lines_with({"leakage"})


def test_the_noisy_export_plants_what_the_validator_finds(tmp_path):
    pool = tasks.task_examples(30, 10, seed=0)
    clean, extra = pool[:24], pool[24:]
    leaked = tasks.task_examples(2, 0, split="test", seed=5)[:1]
    test = fd.write_jsonl(tmp_path / "test.jsonl", map(tasks.for_file, leaked))
    raw = fd.write_jsonl(tmp_path / "raw.jsonl", tasks.make_noisy(clean, extra, leaked=leaked, seed=0))
    report = fd.validate_jsonl(raw, TASK_GATES, test_path=test)
    assert report.lines == len(clean) + len(extra) + 1 + 2 * 1
    found = {p.rule for p in report.problems}
    assert {"hedging", "answer_not_json", "empty_assistant", "unrecognised_keys", "missing_messages", "unknown_role",
            "no_assistant", "not_json", "duplicate", "near_duplicate", "leakage"} <= found
    cleaned = fd.clean(raw, report=report)
    assert sorted(map(json.dumps, fd.read_examples(cleaned.out))) == sorted(json.dumps(tasks.for_file(e))
                                                                             for e in clean)
    accepted = fd.clean(raw, report=report, drop="errors", out=tmp_path / "accepted.jsonl")
    assert accepted.kept == report.lines - len(report.lines_with(severity="error")) > cleaned.kept


@pytest.mark.parametrize("answer,ok,error", [
    ('{"category":"BILLING"}', True, None),
    ('```json\n{"category": "billing"}\n```', True, None),
    ("", False, "empty answer"),
    ("BILLING", False, "not JSON"),
    ('["BILLING"]', False, "JSON list"),
    ('{"category": "BILL', False, "not JSON"),
])
def test_parse_json_answer(answer, ok, error):
    value, why = tasks.parse_json_answer(answer)
    assert (value is not None) == ok
    assert (why or "").startswith(error or "")


def test_score_ticket():
    assert tasks.score_ticket('{"category":"billing"}', "BILLING") == {
        "json_valid": True, "predicted": "BILLING", "correct": True, "error": None}
    wrong = tasks.score_ticket('{"category":"OTHER"}', "BILLING")
    assert wrong["json_valid"] and not wrong["correct"]
    prose = tasks.score_ticket("Probably billing.", "BILLING")
    assert not prose["json_valid"] and prose["predicted"] is None and not prose["correct"]


def test_score_order_field_by_field():
    order = next(o for o in tasks.orders("test")
                 if len(o["gold"]["items"]) >= 2 and o["gold"]["company"] and o["gold"]["customer_name"])
    gold = order["gold"]
    perfect = tasks.score_order(tasks.compact(gold), gold)
    assert perfect["json_valid"] and perfect["schema_valid"] and perfect["all_fields"]
    shuffled = dict(gold, items=list(reversed(gold["items"])), notes=None if gold["notes"] else "a note")
    shuffled["company"] = gold["company"] + " Ltd"
    score = tasks.score_order(json.dumps(shuffled), gold)
    assert score["items"] and not score["company"] and not score["notes set"] and not score["all_fields"]
    assert score["customer_name"] and score["delivery.city"]
    partial = tasks.score_order('{"customer_name": "%s"}' % gold["customer_name"], gold)
    assert partial["json_valid"] and not partial["schema_valid"] and partial["customer_name"]
    broken = tasks.score_order('{"customer_name":', gold)
    assert not broken["json_valid"] and not any(broken[f] for f in tasks.ORDER_FIELDS)


def test_orders_loader_checks_the_split():
    assert len(tasks.orders("train")) == 302 and len(tasks.orders("test")) == 113
    with pytest.raises(ValueError, match="split"):
        tasks.orders("dev")
    assert datasets.SPLITS == ("train", "test")
