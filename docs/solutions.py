"""Worked solutions to the course's self-checking exercises, for facilitators (docs/facilitator.md quotes them).

Each function returns what a learner would pass to ``check(name, answer)`` for the exercises that need no notebook
state; tests/test_facilitator_solutions.py runs every one through the real checker, so these stay right when
prices or data change. Exercises that grade a table the notebook computed are solved in the guide in words.
Run ``python docs/solutions.py`` to print each verdict.
"""

from __future__ import annotations

import json
import math
import re


# --- 00 start here ------------------------------------------------------------------------------------------------
def cost_of_10k_calls() -> float:
    from helpers import registry

    model = registry.get(registry.default_model("anthropic"))
    one_call = (500 * model.input_usd_per_mtok + 200 * model.output_usd_per_mtok) / 1_000_000
    return 10_000 * one_call


def cheapest_long_context() -> str:
    from helpers import registry

    candidates = [m for m in registry.models().values()
                  if m.provider in ("anthropic", "openai") and m.context_window >= 400_000]
    return min(candidates, key=lambda m: m.input_usd_per_mtok + m.output_usd_per_mtok).id


def stop_sequence():
    from helpers import llm

    return llm.complete("Count from 1 to 10, separated by commas. Answer with the numbers only.",
                        stop=["4"], max_tokens=40)


# --- 01 prompt patterns -------------------------------------------------------------------------------------------
def macro_f1() -> float:
    """By hand: per-label F1, then the plain mean over the five labels (OTHER is never predicted: F1 0)."""
    gold = ["BILLING", "TECHNICAL", "TECHNICAL", "ACCOUNT", "OTHER", "FEATURE_REQUEST"]
    pred = ["BILLING", "TECHNICAL", "BILLING", "ACCOUNT", "ACCOUNT", "FEATURE_REQUEST"]
    labels = ["BILLING", "TECHNICAL", "ACCOUNT", "FEATURE_REQUEST", "OTHER"]
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, pred))
        fp = sum(p == label and g != label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def format_validity_prompt():
    """Solved examples as earlier turns (one per label), then the category line prefilled: the model only has to
    continue the pattern. (A 135M model given only instructions copies placeholders such as "<LABEL>".)"""
    from helpers import datasets
    from helpers.prompting.patterns import Prompt, parse_category_line

    system = "Classify each support ticket into one of: " + ", ".join(datasets.TICKET_LABELS) + "."
    train = datasets.tickets("train")
    shots = []
    for label in datasets.TICKET_LABELS:
        example = next(t for t in train if t["label"] == label)
        shots += [{"role": "user", "content": example["text"]},
                  {"role": "assistant", "content": f"Category: {label}"}]

    def my_prompt(ticket: dict) -> Prompt:
        return Prompt(system=system, messages=shots + [{"role": "user", "content": ticket["text"]},
                                                       {"role": "assistant", "content": "Category:"}],
                      parser=parse_category_line, max_tokens=8)

    return my_prompt


# --- 02 when prompting falls short --------------------------------------------------------------------------------
_LABELS = ("BILLING", "TECHNICAL", "ACCOUNT", "FEATURE_REQUEST", "OTHER")


def label_parser():
    """JSON first (fences and all), then a "Category:" line, then the whole output as a bare label; None otherwise."""

    def normal(value) -> str | None:
        label = re.sub(r"[\s-]+", "_", str(value).strip().strip("*.").strip()).upper()
        return label if label in _LABELS else None

    def my_parser(text: str) -> str | None:
        if not isinstance(text, str) or not text.strip():
            return None
        if "{" in text:
            try:
                obj = json.loads(text[text.index("{"): text.rindex("}") + 1])
            except ValueError:
                return None
            return normal(obj.get("category", obj.get("label", ""))) if isinstance(obj, dict) else None
        line = re.search(r"category\**\s*:\**\s*(.+)", text, re.IGNORECASE)
        if line:
            return normal(line.group(1))
        return normal(text)

    return my_parser


def ghost_seat_answer() -> str:
    return ("A ghost seat is a seat held by a deactivated user. It still counts towards billing until an Admin "
            "removes that user from the workspace.")


def on_brand_reply() -> str:
    return ("Hi Lukas,\n"
            "You're right: invoice INV-2026-004817 went through twice for March. "
            "We've refunded the second charge today. "
            "You'll see it on your card within 5 business days. "
            "If it isn't there by then, reply to this email and your case goes straight to me.\n"
            "— The Pulseboard team")


def cached_monthly_cost() -> float:
    from helpers import registry

    model = registry.get(registry.default_model("anthropic"))
    return model.cached_cost(3000, 50, 5, write=True) + 99_999 * model.cached_cost(3000, 50, 5, write=False)


# --- 03 naive RAG -------------------------------------------------------------------------------------------------
def mrr_and_ndcg() -> tuple[float, float]:
    """By hand: the first gold document is at rank 3; the two gold documents sit at ranks 3 and 5."""
    from helpers.rag.exercises import EX_GOLD, EX_RANKING

    ranks = [EX_RANKING.index(doc) + 1 for doc in EX_GOLD if doc in EX_RANKING]
    mrr = 1 / min(ranks)
    dcg = sum(1 / math.log2(rank + 1) for rank in ranks)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, len(EX_GOLD) + 1))
    return mrr, dcg / ideal


# --- 05 agentic RAG -----------------------------------------------------------------------------------------------
def safe_member_count():
    def count_members(conn, customer_id):
        return conn.execute("SELECT COUNT(*) FROM members WHERE customer_id = ?", (customer_id,)).fetchone()[0]

    return count_members


# --- 06 evaluating RAG ----------------------------------------------------------------------------------------------
def numbers_grounded():
    """A deterministic groundedness check for numbers: every number in the answer must appear in the context as a
    whole number (3,790 == 3790; 4.2 does not match inside 4.2.1). Returns (function, corpus) as the checker wants."""
    from helpers import rag

    number = re.compile(r"\d+(?:[.,]\d+)*")

    def numbers(text: str) -> set[str]:
        return {n.replace(",", "") for n in number.findall(text)}

    def my_numbers_grounded(answer: str, context: str) -> bool:
        return numbers(answer) <= numbers(context)

    from helpers.env import REPO_ROOT

    return my_numbers_grounded, rag.load_corpus(REPO_ROOT / "data" / "kb")


# --- 06b when RAG is not the answer ---------------------------------------------------------------------------------
def changed_documents():
    """Which documents an incremental re-index must embed again: fingerprint each document (title, text, metadata)
    by id, then compare ids and fingerprints. Returns (function, documents before, documents after) as the checker
    wants; "after" drops one page, edits one and adds one, like section 2's edits."""
    import dataclasses
    import hashlib

    from helpers import rag
    from helpers.env import REPO_ROOT

    def fingerprint(doc) -> str:
        blob = json.dumps([doc.title, doc.text, doc.metadata], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def my_changed_documents(before, after):
        old = {d.id: fingerprint(d) for d in before}
        new = {d.id: fingerprint(d) for d in after}
        return {"added": new.keys() - old.keys(), "removed": old.keys() - new.keys(),
                "changed": {i for i in old.keys() & new.keys() if old[i] != new[i]}}

    before = list(rag.load_corpus(REPO_ROOT / "data" / "kb", quiet=True))
    edited = dataclasses.replace(before[2], text=before[2].text.replace("14 days", "28 days") + "\nUpdated.")
    added = dataclasses.replace(before[3], id="how-python-sdk", title="The official Python SDK")
    return my_changed_documents, before, before[1:2] + [edited] + before[3:] + [added]


# --- 07 fine-tuning data --------------------------------------------------------------------------------------------
def format_check():
    """The nine structural rules of exercise 07.format_check, written out for one JSONL line."""

    def my_check_line(line: str) -> list[str]:
        try:
            obj = json.loads(line)
        except ValueError:
            return ["not_json"]
        if not isinstance(obj, dict):
            return ["not_dict"]
        messages = obj.get("messages")
        if not isinstance(messages, list) or not messages:
            return ["missing_messages"]
        problems = set()
        roles = []
        for message in messages:
            if not isinstance(message, dict) or "role" not in message:
                problems.add("missing_role")
                continue
            role = message["role"]
            roles.append(role)
            if role not in ("system", "user", "assistant"):
                problems.add("unknown_role")
            if "content" not in message or message["content"] is None:
                problems.add("missing_content")
            elif role == "assistant" and isinstance(message["content"], str) and not message["content"].strip():
                problems.add("empty_assistant")
            if "weight" in message and (type(message["weight"]) is not int or message["weight"] not in (0, 1)):
                problems.add("bad_weight")
        if "assistant" not in roles:
            problems.add("no_assistant")
        return sorted(problems)

    return my_check_line


def training_cost() -> float:
    from helpers.finetune import data as fd
    from helpers import registry

    model = min((m for m in registry.models().values() if m.training_usd_per_mtok is not None),
                key=lambda m: m.training_usd_per_mtok)
    epochs = fd.auto_epochs(500)
    return 500 * 400 * epochs * model.training_usd_per_mtok / 1_000_000


# --- 08 LoRA -------------------------------------------------------------------------------------------------------
def lora_count_qwen() -> int:
    """r x (d_in + d_out) per adapted projection, times the blocks. Qwen2.5-1.5B: hidden 1536, 12 query heads and 2
    KV heads of 128, 28 blocks; q_proj 1536 -> 1536, v_proj 1536 -> 256."""
    from helpers.finetune.lora import shapes

    shape = shapes.get_shape("Qwen2.5-1.5B")
    head_dim = shape.head_dim or shape.hidden_size // shape.num_attention_heads
    q = 16 * (shape.hidden_size + shape.num_attention_heads * head_dim)
    v = 16 * (shape.hidden_size + shape.num_key_value_heads * head_dim)
    return shape.num_hidden_layers * (q + v)


def biggest_on_t4() -> str:
    """Largest model first; the first whose fp16 LoRA (r=16, batch 4 x 512, gradient checkpointing) fits a T4."""
    from helpers.finetune.lora import memory, shapes

    budget_gib = memory.gpu_types()["T4 16GB"]
    for shape in sorted(shapes.load_shapes().values(), key=lambda s: s.total_params(), reverse=True):
        need = memory.estimate_training_memory(shape, method="lora", dtype="float16", r=16, batch_size=4,
                                               seq_len=512, gradient_checkpointing=True)
        if need.total_gib <= budget_gib:
            return shape.name
    raise ValueError("no stored model fits a T4 with these settings")


def adapter_megabytes() -> float:
    from helpers.finetune.lora import shapes

    return shapes.lora_params(shapes.get_shape("Llama-3.1-8B"), 64, shapes.ALL_SEVEN) * 2 / 1e6


# --- 09 decision framework ----------------------------------------------------------------------------------------
def refund_bot() -> dict:
    """A changed fact is a knowledge problem; 400 articles do not fit a prompt; refund rules live in documents."""
    return {"problem": "knowledge", "knowledge_size": "large_or_changing", "knowledge_live": "no"}


def crossover() -> float:
    """Two straight lines in the monthly volume v over the workload's months; solve prompt = fine-tune for v."""
    from helpers.decision import costs

    from helpers.decision.exercises import EXERCISE_WORKLOAD

    prices, workload = costs.registry_prices(), EXERCISE_WORKLOAD
    p, f = costs.estimate("prompt", workload, prices), costs.estimate("api_finetune", workload, prices)
    months = workload.months
    # months*v*p_q + months*p_fixed + p_setup = f_setup + months*(v*f_q + f_fixed)
    return ((f.setup_usd - p.setup_usd + months * (f.monthly_fixed_usd - p.monthly_fixed_usd))
            / (months * (p.per_query_usd - f.per_query_usd)))


# --- 10 bake-off ------------------------------------------------------------------------------------------------------
def break_even():
    def my_break_even(setup_usd: float, per_1k_before: float, per_1k_after: float) -> float:
        saving = (per_1k_before - per_1k_after) / 1000
        if setup_usd == 0:
            return 0.0
        return math.inf if saving <= 0 else setup_usd / saving

    return my_break_even


def mcnemar():
    from scipy.stats import binomtest

    def my_mcnemar(a, b):
        a_only = sum(x == 1 and y == 0 for x, y in zip(a, b))
        b_only = sum(x == 0 and y == 1 for x, y in zip(a, b))
        return binomtest(a_only, a_only + b_only, 0.5).pvalue if a_only + b_only else 1.0

    return my_mcnemar


# exercise name -> the function above that answers it (the answer is what the notebook's check() is given)
SOLUTIONS = {
    "00.cost_of_10k_calls": cost_of_10k_calls,
    "00.cheapest_long_context": cheapest_long_context,
    "00.stop_sequence": stop_sequence,
    "01.macro_f1": macro_f1,
    "01.format_validity": format_validity_prompt,
    "02.label_parser": label_parser,
    "02.ghost_seat_answer": ghost_seat_answer,
    "02.on_brand_reply": on_brand_reply,
    "02.cached_monthly_cost": cached_monthly_cost,
    "03.mrr_and_ndcg": mrr_and_ndcg,
    "05.safe_member_count": safe_member_count,
    "06.numbers_grounded": numbers_grounded,
    "06b.changed_documents": changed_documents,
    "07.format_check": format_check,
    "07.training_cost": training_cost,
    "08.lora_count_qwen": lora_count_qwen,
    "08.biggest_on_t4": biggest_on_t4,
    "08.adapter_megabytes": adapter_megabytes,
    "09.refund_bot": refund_bot,
    "09.crossover": crossover,
    "10.break_even": break_even,
    "10.mcnemar": mcnemar,
}


def register_all_exercises() -> None:
    """Importing these modules registers their checkers with helpers.checking."""
    import helpers.agents.exercises  # noqa: F401
    import helpers.bakeoff.exercises  # noqa: F401
    import helpers.decision.exercises  # noqa: F401
    import helpers.finetune.exercises  # noqa: F401
    import helpers.prompting.exercises  # noqa: F401
    import helpers.rag.exercises  # noqa: F401


if __name__ == "__main__":
    from helpers.checking import verify

    register_all_exercises()
    for name, solve in SOLUTIONS.items():
        ok, message = verify(name, solve())
        print(f"[{'correct' if ok else 'WRONG'}] {name}: {message}")
