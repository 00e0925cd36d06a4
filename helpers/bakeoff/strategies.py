"""The bake-off's cells, built from the course's parts: prompts answered through helpers.llm (notebooks 01-04), or the
answers of the local model with a trained adapter merged in (notebooks 07-08), scored into one row per example.

Taught in notebooks/10_bakeoff.ipynb (section 0 says what a strategy is; each task's cell shows which prompts and
which scorer it uses). A scorer takes ``(examples, prompts, records, retrieval_s)`` and returns the rows; the ones
below wrap the task scorers of helpers.bakeoff.tasks.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from helpers import env, llm, registry
from helpers.bakeoff import lora as bl
from helpers.bakeoff import tasks as bt
from helpers.bakeoff.harness import Outcome, SkipCell
from helpers.finetune.jobs import answer_chats
from helpers.finetune.lora.adapters import Adapter, cached_answers
from helpers.prompting import evaluation
from helpers.prompting.patterns import Prompt

Scorer = Callable[[list[dict], list[Prompt], list[dict], "list[float] | None"], list[dict]]
PromptMaker = Callable[[list[dict]], "list[Prompt] | tuple[list[Prompt], list[float]]"]


def _prompts_and_seconds(made) -> tuple[list[Prompt], list[float] | None]:
    """A prompt maker returns the prompts, or (prompts, retrieval seconds per example) when it retrieves first."""
    if isinstance(made, tuple):
        prompts, seconds = made
        return list(prompts), list(seconds)
    return list(made), None


def prompted(make_prompts: PromptMaker, score: Scorer, *, provider: str, model: str, run_all: bool = False,
             setup: dict | None = None) -> Callable[[list[dict]], Outcome]:
    """A cell answered by ``provider``/``model`` through helpers.prompting.evaluation.run_prompts (each answer cached
    per prompt unless ``run_all``); ``setup`` is its one-off cost (an index build, an example index)."""
    def run(examples: list[dict]) -> Outcome:
        prompts, seconds = _prompts_and_seconds(make_prompts(examples))
        records = evaluation.run_prompts(prompts, provider=provider, model=model, cache=not run_all, progress=False)
        return Outcome(score(examples, prompts, records, seconds), setup=dict(setup or {}),
                       answered_by=records[0]["model_answered"])
    return run


def tuned(train: Callable[[], Adapter], make_prompts: PromptMaker, score: Scorer, *,
          extra_setup_s: float = 0.0) -> Callable[[list[dict]], Outcome]:
    """A cell answered by the local model with the adapter ``train()`` returns (trained once, then loaded from the
    cache) merged in. Its setup is the adapter's measured training cost, plus ``extra_setup_s`` (a RAG index).
    Answers are greedy and cached by adapter as trained and prompts (``adapters.cached_answers``), so cells on the
    same adapter and prompts (LoRA, and LoRA + a repair) generate once, and a retrained adapter answers afresh."""
    def run(examples: list[dict]) -> Outcome:
        adapter = train()
        prompts, seconds = _prompts_and_seconds(make_prompts(examples))
        records = cached_answers(adapter, prompts)
        setup = dict(adapter.setup, seconds=adapter.setup["seconds"] + extra_setup_s)
        return Outcome(score(examples, prompts, records, seconds), setup=setup,
                       answered_by=records[0]["model_answered"], tuned=True)
    return run


def api_finetuned(base: str, train_lines: list[dict], make_prompts: PromptMaker, score: Scorer, *, confirm: bool,
                  suffix: str, epochs: int = 3) -> Callable[[list[dict]], Outcome]:
    """A cell answered by an OpenAI model fine-tuned on ``train_lines`` through the real job flow
    (helpers.bakeoff.lora.run_api_finetune: the cost estimate first, money only with ``confirm``). Skipped, with the
    reason, when no key is set, the backend is local, or OpenAI takes no new jobs on ``base``."""
    def run(examples: list[dict]) -> Outcome:
        reason = bl.api_finetune_available()
        if reason is None and not registry.fine_tunable(base):
            reason = (f"OpenAI takes no new fine-tuning jobs on {base} since {registry.fine_tuning_ends(base)}; "
                      "open-model LoRA (the LoRA row) is the durable path")
        if reason:
            raise SkipCell(reason)
        job = bl.run_api_finetune(llm.openai_client(), base, train_lines, hyperparameters={"n_epochs": epochs},
                                  suffix=suffix, workdir=env.cache_dir() / "bakeoff" / "api", confirm=confirm)
        prompts, seconds = _prompts_and_seconds(make_prompts(examples))
        chats = [[{"role": "system", "content": p.system}, *p.messages] for p in prompts]
        answers = answer_chats(job["model"], chats, max_tokens=max(p.max_tokens for p in prompts), progress=False)
        records = [dict(a, latency_s=a["seconds"],
                        cost_usd=registry.cost_usd(job["model"], a["input_tokens"], a["output_tokens"]))
                   for a in answers]
        return Outcome(score(examples, prompts, records, seconds), setup=job, answered_by=job["model"], tuned=True)
    return run


def with_repair(records: list[dict], repair: Callable[[str], tuple[str, list[str]]]) -> tuple[list[dict], list]:
    """``records`` with each answer passed through ``repair`` (the repair's time added to its latency), and what
    each repair changed."""
    repaired, changes = [], []
    for record in records:
        start = time.perf_counter()
        text, what = repair(record["text"])
        repaired.append(dict(record, text=text, latency_s=record["latency_s"] + time.perf_counter() - start))
        changes.append(what)
    return repaired, changes


# --- the task scorers, in the shape above ------------------------------------------------------------------------------
def kb_scorer(max_tokens: int) -> Scorer:
    """Knowledge QA rows (helpers.bakeoff.tasks.kb_rows): facts found, refusals, hallucinated answers."""
    return lambda questions, prompts, records, seconds: bt.kb_rows(questions, records, max_tokens=max_tokens,
                                                                   retrieval_s=seconds)


def ticket_scorer(questions: list[dict], prompts: list[Prompt], records: list[dict],
                  seconds: list[float] | None) -> list[dict]:
    """Ticket rows for prompt strategies: each prompt's own parser decides the label (helpers.bakeoff.tasks)."""
    return bt.ticket_rows(questions, prompts, records)


def tuned_ticket_scorer(tickets: list[dict], prompts: list[Prompt], records: list[dict],
                        seconds: list[float] | None) -> list[dict]:
    """Ticket rows for tuned models, which answer ``{"category": ...}`` (notebook 07's format)."""
    return bt.tuned_ticket_rows(tickets, records)


def order_scorer(orders: list[dict], prompts: list[Prompt], records: list[dict],
                 seconds: list[float] | None) -> list[dict]:
    """Order rows: field accuracy, schema validity, invented fields (helpers.bakeoff.tasks.order_rows)."""
    return bt.order_rows(orders, records)
