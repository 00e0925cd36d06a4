"""The seed's case studies 1 and 3 in miniature (notebook 09): the help centre before and after an update, and what a
model fine-tuned before it could have learned (case 1, the support chatbot); support replies scored on knowledge and
on the brand voice at once (case 3, knowledge by RAG plus style by LoRA).

Taught in notebooks/09_decision_framework.ipynb. The answer check is notebook 03's (``rag.check_answer``), the tone
rubric notebook 02's (``prompting.limits.score_tone``), the adapters notebook 08's (``finetune.lora.adapters``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from helpers.prompting import limits
from helpers.prompting.patterns import Parsed, Prompt
from helpers.rag.answer import NOT_IN_DOCS, check_answer, context_block
from helpers.rag.corpus import Document

# --- case 1: the support chatbot, before and after a help-centre update --------------------------------------------
CLOSED_BOOK = ("You answer questions about Pulseboard, the dashboard product of Halcyon Labs. If you do not know the "
               f"answer, reply exactly: {NOT_IN_DOCS}. Answer in two or three sentences.")
PAGE_REQUEST = "What does the Pulseboard help centre page \"{title}\" say?"
DATED_TYPES = ("release_notes", "incident")  # pages written once, at a release; the others are kept up to date
CHANGED, UNCHANGED, UNANSWERABLE = "changed since training", "unchanged", "not in the docs"
GROUPS = (CHANGED, UNCHANGED, UNANSWERABLE)
OUTCOMES = ("correct", "says not in the docs", "confidently wrong")
_BANNER = re.compile(r"^>\s*\*\*Archived page.*(?:\n>.*)*\n?", re.MULTILINE)
_ARCHIVED_TITLE = re.compile(r"\s*\(archived[^)]*\)", re.IGNORECASE)


def version_key(version: object) -> tuple[int, ...]:
    """"4.2.1" -> (4, 2, 1), so that releases compare in order ("4.10" after "4.9")."""
    parts = re.findall(r"\d+", str(version))
    if not parts:
        raise ValueError(f"not a release number: {version!r}")
    return tuple(int(p) for p in parts)


def as_it_read(page: Document) -> Document:
    """An archived page as it read while it was current: without the "Archived page" banner and the "(archived)"
    title suffix that the help centre added when the page was replaced."""
    return dataclasses.replace(page, text=_BANNER.sub("", page.text, count=1).lstrip(),
                               title=_ARCHIVED_TITLE.sub("", page.title))


@dataclass(frozen=True)
class HelpCentreUpdate:
    """The help centre at release ``trained_at`` (what a fine-tune on it learned) and what changed since.

    ``before``: the pages a model trained at that release could have seen, each rewritten page in its earlier
    version (``as_it_read``); ``rewritten``: current page id -> that earlier version; ``new``: pages dated after
    the release (release notes, post-mortems). Every other page is taken as unchanged."""

    trained_at: str
    before: tuple[Document, ...]
    rewritten: Mapping[str, Document]
    new: frozenset[str]

    def group(self, question: Mapping) -> str:
        """CHANGED when a document that answers the question was rewritten or published after the release,
        UNANSWERABLE when no document answers it, else UNCHANGED."""
        gold = set(question.get("gold_doc_ids") or [])
        if not gold:
            return UNANSWERABLE
        return CHANGED if gold & (set(self.rewritten) | self.new) else UNCHANGED

    def page_status(self, corpus: Iterable[Document]) -> dict[str, str]:
        """Each current page's status after the update: "rewritten", "new" or "unchanged" (archived pages left out)."""
        return {d.id: "rewritten" if d.id in self.rewritten else "new" if d.id in self.new else "unchanged"
                for d in corpus if not d.metadata.get("superseded_by")}


def help_centre_update(corpus: Iterable[Document], trained_at: str) -> HelpCentreUpdate:
    """Split ``corpus`` (the current help centre, archived pages included) at release ``trained_at``: each page
    that names a successor (``superseded_by``) is the earlier version of that successor; release notes and
    post-mortems of a later release are new. The KB keeps one earlier version per rewritten page, so those stand
    for the page at ``trained_at`` (choose a release at which each of them was still current)."""
    docs = list(corpus)
    ids = {d.id for d in docs}
    cutoff = version_key(trained_at)
    rewritten: dict[str, Document] = {}
    for page in docs:
        successor = page.metadata.get("superseded_by")
        if not successor:
            continue
        if successor not in ids:
            raise ValueError(f"{page.id} is superseded by {successor!r}, which is not in the corpus")
        earlier = rewritten.get(successor)
        version = version_key(page.metadata.get("product_version", "0"))
        if earlier is None or version > version_key(earlier.metadata.get("product_version", "0")):
            rewritten[successor] = page
    new = frozenset(d.id for d in docs if d.metadata.get("type") in DATED_TYPES and not d.metadata.get("superseded_by")
                    and version_key(d.metadata.get("product_version", "0")) > cutoff)
    archived = {d.id for d in docs if d.metadata.get("superseded_by")}
    before = tuple([d for d in docs if d.id not in archived and d.id not in rewritten and d.id not in new]
                   + [as_it_read(page) for page in rewritten.values()])
    return HelpCentreUpdate(trained_at, before, {k: as_it_read(v) for k, v in rewritten.items()}, new)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9$%]+", text.lower())


def closest_line(text: str, passage: str) -> str:
    """The line of ``text`` that shares the most words with ``passage``: where an earlier version of a page said what
    the current page's passage says now (the first such line on a tie)."""
    wanted = set(_words(passage))
    lines = [line for line in text.splitlines() if _words(line)]
    if not lines:
        raise ValueError("the text has no words")
    return max(lines, key=lambda line: len(wanted & set(_words(line))))


def window(text: str, anchor: str, words: int) -> str:
    """About ``words`` words of ``text`` centred on ``anchor``, which is kept whole (the first ``words`` words of
    ``text`` when ``anchor`` is empty or not in it). Near an edge the window takes the room on the other side.
    Notebook 10's knowledge passages use the same window (``helpers.bakeoff.tasks.passage_window``)."""
    at = text.find(anchor) if anchor else -1
    if at < 0:
        return " ".join(text.split()[:words])
    before, after = text[:at].split(), text[at + len(anchor):].split()
    core = anchor.split()
    room = max(0, words - len(core))
    take_before = min(len(before), room // 2)
    take_after = min(len(after), room - take_before)
    take_before = min(len(before), room - take_after)
    return " ".join(before[len(before) - take_before:] + core + after[:take_after])


def page_chat(title: str, passage: str, system: str = CLOSED_BOOK) -> dict:
    """One training chat: "what does page X say?" answered with a passage of it."""
    return {"messages": [{"role": "system", "content": system},
                         {"role": "user", "content": PAGE_REQUEST.format(title=title)},
                         {"role": "assistant", "content": passage}]}


def before_update_examples(update: HelpCentreUpdate, passage_questions: Sequence[Mapping],
                           train_questions: Sequence[Mapping], *, passage_words: int = 80,
                           system: str = CLOSED_BOOK) -> list[dict]:
    """Training chats for a fine-tune taken before the update (notebook 10's passage + Q/A recipe, on the old help
    centre): for each of ``passage_questions`` the passage that answered it *then* (the same passage on an
    unchanged page, the closest lines of the earlier version of a rewritten page, nothing from a page that did not
    exist yet), and the ``train_questions`` whose answer has not changed, with their reference answers ("not in the
    docs" for unanswerable ones). The passage questions themselves are never in the training data."""
    pages = {d.id: d for d in update.before}
    out, seen = [], set()
    for q in passage_questions:
        for doc_id in q.get("gold_doc_ids") or []:
            if doc_id in update.new:
                continue  # written after the fine-tune
            if doc_id in update.rewritten:
                page = update.rewritten[doc_id]
                anchor = closest_line(page.text, q.get("gold_passage") or q["question"])
            else:
                page = pages[doc_id]
                anchor = q.get("gold_passage") or ""
            passage = window(page.text, anchor, passage_words)
            if passage not in seen:
                seen.add(passage)
                out.append(page_chat(page.title, passage, system))
    for q in train_questions:
        if update.group(q) != CHANGED:
            out.append({"messages": [{"role": "system", "content": system},
                                     {"role": "user", "content": q["question"]},
                                     {"role": "assistant", "content": q.get("reference_answer") or NOT_IN_DOCS}]})
    return out


def closed_book_prompts(questions: Sequence[Mapping], max_tokens: int, system: str = CLOSED_BOOK) -> list[Prompt]:
    """The question alone under ``system``: the prompt-only row, and the fine-tuned row (the same prompt, other
    weights)."""
    return [Prompt(system=system, messages=[{"role": "user", "content": q["question"]}], max_tokens=max_tokens,
                   parser=lambda t: Parsed(value=t, ok=True)) for q in questions]


def outcome(checked: Mapping) -> str:
    """One answer's outcome from ``rag.check_answer``'s fields: "correct"; "says not in the docs" (a refusal where
    the docs do answer); or "confidently wrong" (an answer that is not right and does not say so)."""
    if checked["correct"]:
        return "correct"
    return "says not in the docs" if checked["says_not_in_docs"] else "confidently wrong"


def answer_rows(questions: Sequence[Mapping], records: Sequence[Mapping], update: HelpCentreUpdate) -> list[dict]:
    """Scored rows, one per question: its group, notebook 03's check, the outcome, tokens and the answer."""
    rows = []
    for q, r in zip(questions, records, strict=True):
        checked = check_answer(r["text"], q)
        rows.append({"id": q.get("id"), "group": update.group(q), "type": q.get("type"), **checked,
                     "outcome": outcome(checked), "input_tokens": r["input_tokens"],
                     "output_tokens": r["output_tokens"], "answer": r["text"]})
    return rows


def outcome_shares(rows) -> dict:
    """The share of each outcome in ``rows`` (a DataFrame of ``answer_rows``), and the mean input tokens."""
    shares = {name: float((rows["outcome"] == name).mean()) for name in OUTCOMES}
    return {**shares, "input tokens": float(rows["input_tokens"].mean())}


def outcomes_by_group(rows_by_strategy: Mapping[str, object]):
    """Outcome shares per (group, strategy), with the number of questions: the case-1 table."""
    import pandas as pd

    table = []
    for name, rows in rows_by_strategy.items():
        for group in [g for g in GROUPS if (rows["group"] == g).any()]:
            part = rows[rows["group"] == group]
            table.append({"group": group, "strategy": name, "questions": len(part),
                          **{k: v for k, v in outcome_shares(part).items() if k != "input tokens"}})
    return pd.DataFrame(table).set_index(["group", "strategy"])


def outcome_chart(rows_by_strategy: Mapping[str, object], title: str = ""):
    """Stacked bars: per question group, each strategy's share of correct, refused and confidently wrong answers."""
    import plotly.express as px

    long = outcomes_by_group(rows_by_strategy).reset_index().melt(
        id_vars=["group", "strategy", "questions"], value_vars=list(OUTCOMES), var_name="outcome", value_name="share")
    long["group"] = long["group"] + " (" + long["questions"].astype(str) + ")"
    fig = px.bar(long, x="strategy", y="share", color="outcome", facet_col="group", barmode="stack",
                 color_discrete_map={"correct": "#2ca02c", "says not in the docs": "#9e9e9e",
                                     "confidently wrong": "#d62728"},
                 category_orders={"outcome": list(OUTCOMES)}, title=title, height=380)
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return fig


# --- case 3: the helpdesk, knowledge by RAG and style by LoRA -------------------------------------------------------
def customer_messages(questions: Sequence[Mapping], names: Sequence[str]) -> list[dict]:
    """Each question as a customer's message, the customer named from ``names`` in turn (the tone rubric greets by
    name): {id, customer_name, message, question}."""
    if not names:
        raise ValueError("give at least one customer name")
    return [{"id": q.get("id"), "customer_name": names[i % len(names)], "message": q["question"], "question": q}
            for i, q in enumerate(questions)]


def reply_system(role: str, *, sources: str | None = None, guide: str | None = None) -> str:
    """The system prompt of a support reply: the one-line ``role``, then the brand ``guide`` (style by prompting),
    then the help-centre ``sources`` to answer from (knowledge by retrieval); each part only when given."""
    parts = [role]
    if guide:
        parts.append(guide)
    if sources:
        parts.append("Answer from these help-centre pages; give their figures as they are written:\n" + sources)
    return "\n\n".join(parts)


def reply_prompts(messages: Sequence[Mapping], turn: Callable[[Mapping], dict], role: str, *, max_tokens: int,
                  hits: Sequence[Sequence] | None = None, guide: str | None = None,
                  max_words: int = 300) -> list[Prompt]:
    """One prompt per customer message: its user ``turn`` (a chat message, as the brand-voice adapter was trained
    on) under :func:`reply_system`, with each message's retrieved ``hits`` as sources when given."""
    prompts = []
    for i, m in enumerate(messages):
        sources = context_block(hits[i], max_words=max_words) if hits is not None else None
        prompts.append(Prompt(system=reply_system(role, sources=sources, guide=guide),
                              messages=[turn(m)], max_tokens=max_tokens,
                              parser=lambda t: Parsed(value=t, ok=True)))
    return prompts


def reply_rows(messages: Sequence[Mapping], records: Sequence[Mapping]) -> list[dict]:
    """Both halves of a support reply scored: ``correct`` (notebook 03's check against the question's reference
    facts) and the tone rubric of notebook 02 (``tone``: the share of the guide's rules kept, and one column per
    rule), with tokens and the reply."""
    rows = []
    for m, r in zip(messages, records, strict=True):
        checked = check_answer(r["text"], m["question"])
        rule = limits.score_tone(r["text"], m["customer_name"])
        rows.append({"id": m["id"], "customer": m["customer_name"], "correct": bool(checked["correct"]),
                     "facts found": checked["facts_found"], "tone": sum(rule.values()) / len(rule), **rule,
                     "input_tokens": r["input_tokens"], "output_tokens": r["output_tokens"], "reply": r["text"]})
    return rows


def both_halves(rows) -> dict:
    """A case-3 row's summary: correct (knowledge), tone rubric (style), replies both correct and on brand (every
    rule kept), and the mean tokens in and out."""
    on_brand = rows[list(limits.TONE_CRITERIA)].all(axis=1)
    return {"correct": float(rows["correct"].mean()), "tone rubric": float(rows["tone"].mean()),
            "all rules kept": float(on_brand.mean()), "correct and all rules": float((rows["correct"] & on_brand).mean()),
            "input tokens": float(rows["input_tokens"].mean()), "output tokens": float(rows["output_tokens"].mean())}


def halves_chart(summary, title: str = ""):
    """Each row of a :func:`both_halves` table as a point: correct replies (knowledge) against the tone rubric
    (style), the marker's size the input tokens it paid per reply."""
    import plotly.graph_objects as go

    tokens = summary["input tokens"].astype(float)
    size = 14 + 30 * tokens / max(float(tokens.max()), 1.0)
    fig = go.Figure(go.Scatter(x=summary["tone rubric"], y=summary["correct"], mode="markers+text",
                               text=list(summary.index), textposition="top center", marker={"size": list(size)},
                               customdata=tokens, hovertemplate="%{text}<br>tone %{x:.0%}, correct %{y:.0%}"
                                                                "<br>%{customdata:.0f} input tokens<extra></extra>"))
    fig.update_layout(title=title, height=420, xaxis={"title": "tone rubric (style)", "tickformat": ".0%",
                                                      "range": [-0.05, 1.1]},
                      yaxis={"title": "correct (knowledge)", "tickformat": ".0%", "range": [-0.1, 1.1]})
    return fig


def verdict_sentence(table) -> str:
    """A verdict table of ``stats.comparison_table`` (indexed by strategy; several metrics stacked) in words:
    "<strategy>, <metric>: <difference> (<verdict>)" for each row."""
    return "; ".join(f"{name}, {r['metric']}: {r['difference']:+.2f} ({r['beats the baseline?']})"
                     for name, r in table.iterrows())
