"""Base versus tuned with the course yardstick: greedy answers to held-out tickets and orders, then accuracy,
macro-F1, JSON validity, order field accuracy and latency. Taught in notebooks/08_lora_finetuning.ipynb (section 5).
"""

from __future__ import annotations

import statistics

from helpers import datasets
from helpers.finetune import tasks
from helpers.prompting.evaluation import accuracy, cached_json, macro_f1


def answer(model, tokenizer, chats: list[list[dict]], *, max_new_tokens: int, batch_size: int = 8) -> list:
    """Greedy answers (``GenerationResult``: text, tokens, seconds) of ``model`` to chat prompts, batched through
    the course's generation engine."""
    from helpers.local_model import LocalEngine

    engine = LocalEngine(model, tokenizer, model_id="lora-eval", display_name="model under evaluation",
                         context_window=getattr(model.config, "max_position_embeddings", 8192))
    prompts = [engine.encode_chat(chat) for chat in chats]
    return engine.generate_batch(prompts, max_new_tokens=max_new_tokens, batch_size=batch_size)


def evaluate_tasks(model, tokenizer, examples: list[dict], *, order_max_tokens: int = 200, batch_size: int = 8,
                   cache_key: str | None = None) -> tuple[dict, list[dict]]:
    """(summary, per-example rows) of ``model`` on test ``examples`` from ``finetune_tasks.task_examples``.
    ``cache_key`` names the weights (``RunResult.fingerprint`` of a run, ``train.base_fingerprint`` of a base
    model): the rows are then stored in the course cache and a re-run with the same weights and examples reads them
    (each row keeps the latency measured when it was generated)."""
    if cache_key is not None:
        key = {"weights": cache_key, "examples": [e["messages"] for e in examples],
               "order_max_tokens": order_max_tokens, "batch_size": batch_size}
        rows, _ = cached_json("lora-answers", key, lambda: evaluate_tasks(
            model, tokenizer, examples, order_max_tokens=order_max_tokens, batch_size=batch_size)[1])
        return summarize(rows), rows
    tickets = [e for e in examples if e["_source"]["task"] == "ticket"]
    orders = [e for e in examples if e["_source"]["task"] == "order"]
    rows = []
    for group, max_tokens in ((tickets, 16), (orders, order_max_tokens)):
        if not group:
            continue
        results = answer(model, tokenizer, [e["messages"][:-1] for e in group], max_new_tokens=max_tokens,
                         batch_size=batch_size)
        for example, result in zip(group, results):
            gold = example["_source"]["gold"]
            task = example["_source"]["task"]
            score = tasks.score_ticket(result.text, gold) if task == "ticket" else tasks.score_order(result.text, gold)
            rows.append({"task": task, "id": example["_source"]["id"], "answer": result.text,
                         "seconds": result.seconds, **score, **({"gold": gold} if task == "ticket" else {})})
    return summarize(rows), rows


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def summarize(rows: list[dict]) -> dict:
    """The yardstick's numbers from per-example rows (None where a task has no rows)."""
    t = [r for r in rows if r["task"] == "ticket"]
    o = [r for r in rows if r["task"] == "order"]
    gold, predicted = [r["gold"] for r in t], [r["predicted"] for r in t]
    return {
        "ticket accuracy": accuracy(gold, predicted) if t else None,
        "ticket macro-F1": macro_f1(gold, predicted, datasets.TICKET_LABELS) if t else None,
        "ticket JSON valid": _mean(r["json_valid"] for r in t) if t else None,
        "order JSON valid": _mean(r["json_valid"] for r in o) if o else None,
        "order field accuracy": _mean(_mean(r[f] for f in tasks.ORDER_FIELDS) for r in o) if o else None,
        "latency p50 s": statistics.median(r["seconds"] for r in rows) if rows else None,
    }
