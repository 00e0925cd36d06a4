"""The three bake-off tasks as prompts, training data and scored rows: knowledge QA on the KB, ticket taxonomy and
order-to-JSON. Each ``*_rows`` function turns answers into the rows :mod:`helpers.bakeoff.harness` aggregates.

Taught in notebooks/10_bakeoff.ipynb; the prompt patterns come from notebook 01, the RAG prompt and answer checks
from notebook 03, the chat examples and scores from notebook 07.
"""

from __future__ import annotations

import json
import re
import zlib
from functools import lru_cache

import numpy as np

from helpers import datasets
from helpers.decision import cases
from helpers.prompting import patterns as prompting
from helpers.finetune import tasks as ft
from helpers.prompting.patterns import Parsed, Prompt
from helpers.rag.answer import NOT_IN_DOCS, check_answer, rag_prompt

# --- knowledge QA ---------------------------------------------------------------------------------------------------
KB_SYSTEM = ("You answer questions about Pulseboard, the dashboard product of Halcyon Labs. If you do not know the "
             f"answer, reply exactly: {NOT_IN_DOCS}. Answer in one or two sentences.")
PASSAGE_REQUEST = cases.PAGE_REQUEST  # "what does page X say?", the same request as notebook 09's case 1


def kb_split(questions: list[dict], n_test: int | None, seed: int = 10) -> tuple[list[dict], list[dict]]:
    """(train, test) questions: a test sample stratified by question type, the rest for training."""
    test = datasets.sample(questions, n_test, seed=seed, stratify="type")
    test_ids = {q["id"] for q in test}
    return [q for q in questions if q["id"] not in test_ids], test


def passage_window(text: str, passage: str, words: int) -> str:
    """About ``words`` words of ``text`` centred on ``passage``, which must occur in it (notebook 09's
    ``cases.window``, strict: a passage the document lacks is an error here, not its first words)."""
    if not passage or passage not in text:
        raise ValueError(f"passage not found in the document: {passage[:60]!r}")
    return cases.window(text, passage, words)


def knowledge_examples(corpus, train_questions: list[dict], passage_questions: list[dict], *,
                       passage_words: int = 120) -> list[dict]:
    """Training chats for "fine-tuning for knowledge": the KB passages that answer ``passage_questions`` (asked as
    "what does page X say?", answered with the passage) and the train questions with their reference answers
    ("not in the docs" for unanswerable ones). Held-out questions themselves never appear."""
    docs = {d.id: d for d in corpus}
    out, seen = [], set()
    for q in passage_questions:
        for doc_id in q.get("gold_doc_ids", []):
            doc = docs[doc_id]
            if q.get("gold_passage") and q["gold_passage"] in doc.text:
                window = passage_window(doc.text, q["gold_passage"], passage_words)
            else:
                window = " ".join(doc.text.split()[:passage_words])
            if window in seen:
                continue
            seen.add(window)
            out.append(cases.page_chat(doc.title, window, KB_SYSTEM))
    for q in train_questions:
        out.append({"messages": [{"role": "system", "content": KB_SYSTEM},
                                 {"role": "user", "content": q["question"]},
                                 {"role": "assistant", "content": q.get("reference_answer") or NOT_IN_DOCS}]})
    return out


def closed_book_prompts(questions: list[dict], max_tokens: int) -> list[Prompt]:
    """The question alone: what the model knows (or was trained on) is all it has (notebook 09's prompt-only row,
    under this task's system prompt)."""
    return cases.closed_book_prompts(questions, max_tokens, system=KB_SYSTEM)


def rag_prompts(pipeline, questions: list[dict], *, k: int, max_words: int, max_tokens: int
                ) -> tuple[list[Prompt], list[float], list[list[str]]]:
    """(RAG prompts, retrieval seconds, retrieved doc ids) per question: notebook 03's cited prompt over ``k``
    documents of ``pipeline``."""
    import time

    pipeline.prepare([q["question"] for q in questions])
    prompts, seconds, retrieved = [], [], []
    for q in questions:
        start = time.perf_counter()
        hits = pipeline.retrieve(q["question"], k)
        seconds.append(time.perf_counter() - start + pipeline.extra_seconds(q["question"]))
        retrieved.append([h.doc_id for h in hits])
        prompts.append(rag_prompt(q["question"], hits, max_words=max_words, max_tokens=max_tokens))
    return prompts, seconds, retrieved


def kb_rows(questions: list[dict], records: list[dict], *, max_tokens: int,
            retrieval_s: list[float] | None = None) -> list[dict]:
    """Scored rows: ``correct`` (all reference facts, no refusal; or "not in the docs" when unanswerable),
    ``format_ok`` (a non-empty answer that ended before the token limit), ``hallucinated`` (an unanswerable question
    answered anyway; None for answerable ones) and ``refused`` (said "not in the docs")."""
    rows = []
    for i, (q, r) in enumerate(zip(questions, records)):
        check = check_answer(r["text"], q)
        answerable = bool(q.get("gold_doc_ids"))
        extra = retrieval_s[i] if retrieval_s else 0.0
        rows.append({"id": q["id"], "type": q.get("type"), "correct": float(check["correct"]),
                     "format_ok": bool(r["text"].strip()) and r["output_tokens"] < max_tokens,
                     "hallucinated": None if answerable else not check["says_not_in_docs"],
                     "refused": check["says_not_in_docs"], "facts_found": check["facts_found"],
                     "input_tokens": r["input_tokens"], "output_tokens": r["output_tokens"],
                     "latency_s": r["latency_s"] + extra, "cost_usd": r.get("cost_usd", 0.0), "answer": r["text"]})
    return rows


# --- ticket taxonomy ------------------------------------------------------------------------------------------------
def ticket_system() -> str:
    """Notebook 01's zero-shot system prompt: the label definitions and a one-line answer format."""
    labels = ", ".join(datasets.TICKET_LABELS)
    return (f"You sort customer support tickets for Pulseboard, a dashboard product, into one category.\n"
            f"Categories:\n{datasets.label_definitions()}\nReply with exactly one line: Category: <one of {labels}>")


def zero_shot(ticket: dict) -> Prompt:
    return Prompt(system=ticket_system(), messages=[{"role": "user", "content": ticket["text"]}],
                  parser=prompting.parse_category_line, max_tokens=12)


def few_shot(ticket: dict, examples: list[dict]) -> Prompt:
    """Earlier user/assistant turns with solved tickets, then the ticket (notebook 01)."""
    turns = []
    for ex in examples:
        turns += [{"role": "user", "content": ex["text"]}, {"role": "assistant", "content": f"Category: {ex['label']}"}]
    return Prompt(system=ticket_system(), messages=turns + [{"role": "user", "content": ticket["text"]}],
                  parser=prompting.parse_category_line, max_tokens=12)


def random_examples(ticket: dict, pool: list[dict], k: int) -> list[dict]:
    """``k`` pool tickets drawn with a seed from the ticket's id (stable, so answers cache)."""
    rng = np.random.default_rng(zlib.crc32(ticket["id"].encode()))
    return [pool[j] for j in rng.choice(len(pool), size=k, replace=False)]


def similar_examples(tickets: list[dict], pool: list[dict], k: int) -> dict[str, list[dict]]:
    """The ``k`` nearest pool tickets of each ticket by MiniLM embedding (notebook 01)."""
    from helpers import embeddings

    index = embeddings.top_k_similar(embeddings.embed([t["text"] for t in tickets]),
                                     embeddings.embed([t["text"] for t in pool]), k)
    return {t["id"]: [pool[j] for j in row] for t, row in zip(tickets, index)}


def ticket_rows(tickets: list[dict], prompts: list[Prompt], records: list[dict]) -> list[dict]:
    """Rows for the prompt strategies: the prompt's own parser decides the label and the format validity."""
    rows = []
    for t, p, r in zip(tickets, prompts, records):
        parsed = p.parser(p.prefill + r["text"])
        predicted = parsed.value if parsed.ok else None
        rows.append({"id": t["id"], "gold": t["label"], "predicted": predicted,
                     "correct": float(predicted == t["label"]), "format_ok": parsed.ok, "hallucinated": None,
                     "input_tokens": r["input_tokens"], "output_tokens": r["output_tokens"],
                     "latency_s": r["latency_s"], "cost_usd": r.get("cost_usd", 0.0), "answer": r["text"]})
    return rows


def tuned_ticket_rows(tickets: list[dict], records: list[dict]) -> list[dict]:
    """Rows for tuned models, which answer ``{"category": ...}`` (notebook 07's format and score)."""
    rows = []
    for t, r in zip(tickets, records):
        score = ft.score_ticket(r["text"], t["label"])
        rows.append({"id": t["id"], "gold": t["label"], "predicted": score["predicted"],
                     "correct": float(score["correct"]), "format_ok": score["json_valid"], "hallucinated": None,
                     "input_tokens": r["input_tokens"], "output_tokens": r["output_tokens"],
                     "latency_s": r["latency_s"], "cost_usd": r.get("cost_usd", 0.0), "answer": r["text"]})
    return rows


def tuned_ticket_prompts(tickets: list[dict], max_tokens: int = 16) -> list[Prompt]:
    """The prompt a ticket adapter was trained with (its system prompt and the ticket), without the answer."""
    prompts = []
    for t in tickets:
        messages = ft.ticket_example(t)["messages"]
        prompts.append(Prompt(system=messages[0]["content"], messages=[messages[1]], max_tokens=max_tokens))
    return prompts


# --- order to JSON --------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def catalog() -> dict:
    return json.loads((datasets.DATA / "orders" / "catalog.json").read_text(encoding="utf-8"))


def order_schema_system() -> str:
    """Notebook 07's extraction instruction plus the JSON Schema and a one-line-per-product catalog."""
    schema = json.loads((datasets.DATA / "orders" / "schema.json").read_text(encoding="utf-8"))
    products = "\n".join(f"{p['sku']}: {p['name']}; colors {', '.join(p['colors']) or '-'}; "
                         f"sizes {', '.join(p.get('sizes') or []) or '-'}; units {', '.join(p['units'])}"
                         for p in catalog()["products"])
    return (f"{ft.ORDER_SYSTEM}\nThe JSON must follow this JSON Schema:\n{ft.compact(schema)}\n"
            f"Products (sku: name; colors; sizes; units):\n{products}\nReply with the JSON object only.")


def order_prompts(orders: list[dict], *, system: str, max_tokens: int) -> list[Prompt]:
    return [Prompt(system=system, messages=[{"role": "user", "content": o["text"]}], max_tokens=max_tokens,
                   parser=lambda t: Parsed(value=t, ok=True)) for o in orders]


SCALAR_FIELDS = ("customer_name", "company", "delivery.address", "delivery.city", "delivery.country",
                 "requested_date")


def _scalar(order: dict, name: str):
    if "." in name:
        outer, inner = name.split(".")
        return order.get(outer, {}).get(inner) if isinstance(order.get(outer), dict) else None
    return order.get(name)


def invented_fields(answer: dict, gold: dict) -> list[str]:
    """Fields the answer fills although the order does not say them (gold is null): invented values."""
    return [f for f in SCALAR_FIELDS if _scalar(gold, f) is None and _scalar(answer, f) not in (None, "")]


def order_rows(orders: list[dict], records: list[dict], *, repaired: list[list[str]] | None = None) -> list[dict]:
    """Rows: ``correct`` is the share of the order's fields extracted right (notebook 07's field list),
    ``format_ok`` the schema validity, ``hallucinated`` whether a parsed answer invented a field the text does not
    give (None when it did not parse)."""
    rows = []
    for i, (o, r) in enumerate(zip(orders, records)):
        score = ft.score_order(r["text"], o["gold"])
        value, _ = ft.parse_json_answer(r["text"])
        invented = invented_fields(value, o["gold"]) if value is not None else None
        rows.append({"id": o["id"], "correct": float(np.mean([score[f] for f in ft.ORDER_FIELDS])),
                     "all_fields": score["all_fields"], "json_valid": score["json_valid"],
                     "format_ok": score["schema_valid"], "hallucinated": None if invented is None else bool(invented),
                     "invented": invented or [], "repairs": (repaired[i] if repaired else []),
                     "input_tokens": r["input_tokens"], "output_tokens": r["output_tokens"],
                     "latency_s": r["latency_s"], "cost_usd": r.get("cost_usd", 0.0), "answer": r["text"]})
    return rows


def close_json(text: str) -> str:
    """Close what a truncated JSON answer left open (a string, then brackets), dropping a dangling key or comma."""
    stack, in_string, escape = [], False, False
    for ch in text:
        if in_string:
            escape = (ch == "\\") and not escape
            if ch == '"' and not escape:
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    out = text + ('"' if in_string else "")
    out = re.sub(r',\s*"[^"]*"\s*:?\s*"?$', "", out.rstrip()) if stack else out
    out = re.sub(r"[,:]\s*$", "", out.rstrip())
    return out + "".join(reversed(stack))


def repair_order(text: str) -> tuple[str, list[str]]:
    """Validation and repair by code: parse (closing a truncated answer if needed), keep only the schema's keys,
    fill missing ones with null, turn numeric strings into integers and take each item's name from the catalog by
    its sku. Returns (the repaired JSON, what was changed); an answer with no JSON object is returned unchanged."""
    changes = []
    value, _ = ft.parse_json_answer(text)
    if value is None:
        start = text.find("{")
        if start < 0:
            return text, ["no JSON object: left as is"]
        value, _ = ft.parse_json_answer(close_json(text[start:]))
        if value is None:
            return text, ["unparseable JSON: left as is"]
        changes.append("closed truncated JSON")
    names = {p["sku"]: p["name"] for p in catalog()["products"]}
    fixed = {}
    for key in ("customer_name", "company", "requested_date", "notes"):
        fixed[key] = value.get(key)
        if key not in value:
            changes.append(f"added missing {key}")
    delivery = value.get("delivery") if isinstance(value.get("delivery"), dict) else {}
    fixed["delivery"] = {k: delivery.get(k) for k in ("address", "city", "country")}
    items = []
    for item in value.get("items") if isinstance(value.get("items"), list) else []:
        if not isinstance(item, dict):
            changes.append("dropped a non-object item")
            continue
        line = {k: item.get(k) for k in ("sku", "name", "quantity", "color", "size", "unit")}
        if isinstance(line["quantity"], str) and line["quantity"].strip().isdigit():
            line["quantity"] = int(line["quantity"])
            changes.append("quantity to integer")
        if line["sku"] in names and line["name"] != names[line["sku"]]:
            line["name"] = names[line["sku"]]
            changes.append("item name from the catalog")
        items.append(line)
    fixed["items"] = items
    extra = set(value) - set(fixed)
    if extra:
        changes.append(f"dropped unknown keys {sorted(extra)}")
    return ft.compact(fixed), changes
