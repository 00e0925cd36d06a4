"""The course's two fine-tuning tasks as chat examples, a noisy export for the "filter ruthlessly" experiment, and
the scores that compare a base model with a tuned one.

- Ticket triage: a support ticket in, ``{"category": "BILLING"}`` out (data/tickets).
- Order extraction: a free-text order in, the order as JSON out (data/orders, schema in data/orders/schema.json).

Taught in notebooks/07_finetuning_data_and_api.ipynb.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from functools import lru_cache

from helpers import datasets

TICKET_SYSTEM = ('Classify the Pulseboard support ticket. Reply with JSON only: {"category": "<label>"} where label '
                 "is one of BILLING, TECHNICAL, ACCOUNT, FEATURE_REQUEST, OTHER.")
ORDER_SYSTEM = ("Extract the Pulseboard Store order as JSON only, with the keys customer_name, company, items (sku, "
                "name, quantity, color, size, unit), delivery (address, city, country), requested_date and notes. "
                "Use null for anything the message does not say.")
ORDER_FIELDS = ("customer_name", "company", "items", "delivery.address", "delivery.city", "delivery.country",
                "requested_date", "notes set")


def compact(obj) -> str:
    """JSON without spaces: the same object in about 18% fewer tokens (every training token costs time and money)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def ticket_example(ticket: dict) -> dict:
    """A chat example: the ticket as the user message, its label as a JSON answer."""
    return {"messages": [{"role": "system", "content": TICKET_SYSTEM},
                         {"role": "user", "content": ticket["text"]},
                         {"role": "assistant", "content": compact({"category": ticket["label"]})}]}


def order_example(order: dict) -> dict:
    """A chat example: the order text as the user message, its gold JSON as the answer."""
    return {"messages": [{"role": "system", "content": ORDER_SYSTEM},
                         {"role": "user", "content": order["text"]},
                         {"role": "assistant", "content": compact(order["gold"])}]}


def orders(split: str = "train") -> list[dict]:
    """Pulseboard Store orders: id, text, gold (the extraction target), tags."""
    if split not in datasets.SPLITS:
        raise ValueError(f"split must be one of {', '.join(datasets.SPLITS)}, not {split!r}")
    return datasets.read_jsonl(datasets.DATA / "orders" / f"{split}.jsonl")


def task_examples(n_tickets: int | None, n_orders: int | None, *, split: str = "train", seed: int = 0) -> list[dict]:
    """Chat examples of both tasks from one split (tickets stratified by label), shuffled together. Each example
    keeps its source under ``"_source"`` (task, id, gold) for scoring; :func:`for_file` strips it."""
    rows = [dict(ticket_example(t), _source={"task": "ticket", "id": t["id"], "gold": t["label"]})
            for t in datasets.sample(datasets.tickets(split), n_tickets, seed=seed, stratify="label")]
    rows += [dict(order_example(o), _source={"task": "order", "id": o["id"], "gold": o["gold"]})
             for o in datasets.sample(orders(split), n_orders, seed=seed)]
    random.Random(seed).shuffle(rows)
    return rows


def for_file(example: dict) -> dict:
    """The example as a fine-tuning file line: only ``messages``."""
    return {"messages": example["messages"]}


# --- a noisy export -------------------------------------------------------------------------------------------
HEDGED_TICKET = ("I'm not sure, probably {label} but it could be something else, hard to say.",
                 "I think maybe it's {label}? I guess.", "Probably {label}.")
HEDGED_ORDER = ("I think maybe they want {quantity} of something, but I'm not sure about the rest.",
                "Probably an order for {quantity} items, hard to say from this message.")


def _answer_noise(example: dict, kind: str, rng: random.Random) -> dict:
    """A copy of ``example`` whose answer is replaced: hedged, a bare word, or empty."""
    source = example["_source"]
    noisy = json.loads(json.dumps(for_file(example)))
    answer = noisy["messages"][-1]
    if kind == "hedging":
        if source["task"] == "ticket":
            answer["content"] = rng.choice(HEDGED_TICKET).format(label=source["gold"].lower())
        else:
            answer["content"] = rng.choice(HEDGED_ORDER).format(quantity=source["gold"]["items"][0]["quantity"])
    elif kind == "short_answer":
        answer["content"] = (source["gold"].lower() if source["task"] == "ticket"
                             else f"{source['gold']['items'][0]['quantity']} items")
    elif kind == "empty_assistant":
        answer["content"] = ""
    return noisy


def make_noisy(clean: list[dict], extra: list[dict], *, leaked: list[dict] = (), seed: int = 0) -> list[str]:
    """A raw export as teams really get one: the ``clean`` examples, plus every example of ``extra`` damaged in one
    of the ways the validator catches (hedged answers, one-word answers, empty answers, the legacy prompt/completion
    format, a wrong role, a line cut off) and the ``leaked`` examples (test examples that slipped into training), in a
    shuffled order; then exact and near duplicates of a few clean lines, re-sent at the end."""
    rng = random.Random(seed)
    kinds = ["hedging", "hedging", "short_answer", "short_answer", "empty_assistant", "prompt_completion",
             "unknown_role", "not_json"]
    lines = [json.dumps(for_file(e), ensure_ascii=False) for e in clean]
    for i, example in enumerate(extra):
        kind = kinds[i % len(kinds)]
        if kind in ("hedging", "short_answer", "empty_assistant"):
            lines.append(json.dumps(_answer_noise(example, kind, rng), ensure_ascii=False))
        elif kind == "prompt_completion":
            messages = example["messages"]
            lines.append(json.dumps({"prompt": messages[1]["content"], "completion": messages[2]["content"]},
                                    ensure_ascii=False))
        elif kind == "unknown_role":
            noisy = for_file(example)
            noisy = {"messages": noisy["messages"][:-1] + [dict(noisy["messages"][-1], role="bot")]}
            lines.append(json.dumps(noisy, ensure_ascii=False))
        else:
            text = json.dumps(for_file(example), ensure_ascii=False)
            lines.append(text[:len(text) // 2])
    lines += [json.dumps(for_file(e), ensure_ascii=False) for e in leaked]
    rng.shuffle(lines)
    for example in rng.sample(clean, max(1, len(clean) // 20)):  # re-sent later: appended at the end
        lines.append(json.dumps(for_file(example), ensure_ascii=False))  # exact duplicate
        near = json.loads(json.dumps(for_file(example)))
        near["messages"][1]["content"] = near["messages"][1]["content"].upper()
        lines.append(json.dumps(near, ensure_ascii=False))  # the same message, shouted
    return lines


# --- scoring --------------------------------------------------------------------------------------------------
def parse_json_answer(text: str) -> tuple[dict | None, str | None]:
    """(the JSON object in an answer, None) or (None, why not). Accepts a ```json fence; never raises."""
    body = (text or "").strip()
    if body.startswith("```"):
        body = body.strip("`")
        body = body[4:] if body.lower().startswith("json") else body
    if not body:
        return None, "empty answer"
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        return None, f"not JSON ({str(exc)[:60]})"
    if not isinstance(value, dict):
        return None, f"JSON {type(value).__name__}, not an object"
    return value, None


def score_ticket(answer: str, gold_label: str) -> dict:
    """JSON validity and correctness of one ticket answer."""
    value, error = parse_json_answer(answer)
    predicted = value.get("category") if value else None
    predicted = predicted.upper() if isinstance(predicted, str) else None
    return {"json_valid": value is not None, "predicted": predicted, "correct": predicted == gold_label,
            "error": error}


@lru_cache(maxsize=1)
def _order_validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads((datasets.DATA / "orders" / "schema.json").read_text(encoding="utf-8")))


def _item_key(item) -> tuple:
    if not isinstance(item, dict):
        return ("not an object",)
    name = None if item.get("sku") else str(item.get("name", "")).lower()
    return (item.get("sku"), name, item.get("quantity"), item.get("color"), item.get("size"), item.get("unit"))


def order_fields(order: dict) -> dict:
    """The scored fields of an order: strings and dates exactly, items as a multiset of lines (order-free),
    notes only as set or not (free text: data/orders/README.md)."""
    delivery = order.get("delivery") if isinstance(order.get("delivery"), dict) else {}
    items = order.get("items") if isinstance(order.get("items"), list) else []
    return {"customer_name": order.get("customer_name"), "company": order.get("company"),
            "items": Counter(_item_key(i) for i in items), "delivery.address": delivery.get("address"),
            "delivery.city": delivery.get("city"), "delivery.country": delivery.get("country"),
            "requested_date": order.get("requested_date"), "notes set": order.get("notes") is not None}


def score_order(answer: str, gold: dict) -> dict:
    """JSON validity, schema validity and field-by-field correctness of one extraction answer."""
    value, error = parse_json_answer(answer)
    row = {"json_valid": value is not None, "schema_valid": value is not None and _order_validator().is_valid(value),
           "error": error}
    wanted = order_fields(gold)
    got = order_fields(value) if value is not None else None
    for name in ORDER_FIELDS:
        row[name] = got is not None and got[name] == wanted[name]
    row["all_fields"] = all(row[name] for name in ORDER_FIELDS)
    return row
