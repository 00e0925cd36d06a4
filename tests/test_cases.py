"""helpers.decision.cases: the help centre before and after an update (case 1 of notebook 09) and support replies
scored on knowledge and style (case 3)."""

import pandas as pd
import pytest

from helpers import datasets, rag
from helpers.decision import cases
from helpers.prompting import limits
from helpers.rag.answer import NOT_IN_DOCS
from helpers.rag.corpus import Document


@pytest.fixture(scope="module")
def kb():
    return rag.load_corpus(datasets.DATA / "kb")


@pytest.fixture(scope="module")
def questions(kb):
    return {q["id"]: q for q in rag.load_qa(datasets.DATA / "kb_eval.jsonl", kb, quiet=True).questions}


@pytest.fixture(scope="module")
def update(kb):
    return cases.help_centre_update(kb, "3.9")


def test_version_key_orders_releases_numerically():
    assert cases.version_key("4.10") > cases.version_key("4.9") > cases.version_key("4.2.1") > cases.version_key("4.2")
    with pytest.raises(ValueError):
        cases.version_key("latest")


def test_an_archived_page_reads_as_it_did_while_current(kb):
    page = next(d for d in kb if d.id == "how-csv-upload-3-8")
    old = cases.as_it_read(page)
    assert "Archived page" in page.text and "Archived page" not in old.text
    assert "archived" not in old.title.lower() and "50 MB" in old.text


def test_the_update_at_3_9(kb, update):
    archived = {d.id: d.metadata["superseded_by"] for d in kb if d.metadata.get("superseded_by")}
    assert set(update.rewritten) == set(archived.values())
    assert {"rel-4-3", "rel-4-4", "inc-2026-11-12-stale-entitlements"} <= update.new
    assert not {"rel-3-8", "rel-3-9", "pol-refunds"} & update.new
    before = [d.id for d in update.before]
    assert len(before) == len(set(before))
    assert not set(update.rewritten) & set(before) and not update.new & set(before)
    assert set(archived) <= set(before)  # each rewritten page stands in its earlier version
    status = update.page_status(kb)
    assert status["pol-plans-pricing"] == "rewritten" and status["rel-4-3"] == "new" and status["pol-refunds"] == "unchanged"
    assert not set(archived) & set(status)


def test_a_later_release_has_fewer_new_pages(kb, update):
    assert cases.help_centre_update(kb, "4.3").new < update.new


def test_a_successor_outside_the_corpus_is_an_error():
    orphan = Document("a-1", "A (archived, 1.0)", "> **Archived page.** old\n\nbody", {"superseded_by": "a"})
    with pytest.raises(ValueError, match="not in the corpus"):
        cases.help_centre_update([orphan], "1.0")


def test_questions_fall_into_three_groups(update, questions):
    assert update.group(questions["qa-057"]) == cases.CHANGED      # how-csv-upload was rewritten
    assert update.group(questions["qa-003"]) == cases.UNCHANGED    # pol-refunds
    assert update.group({"question": "?", "gold_doc_ids": []}) == cases.UNANSWERABLE


def test_closest_line_and_window():
    text = "# Limits\n\nMaximum file size: 50 MB per file.\nThe file must have a header row.\nUTF-8 only."
    assert cases.closest_line(text, "Maximum file size: 200 MB per file") == "Maximum file size: 50 MB per file."
    words = " ".join(f"w{i}" for i in range(100))
    around = cases.window(words, "w50 w51", 10).split()
    assert len(around) == 10 and "w50" in around and "w51" in around
    assert cases.window(words, "absent", 5) == "w0 w1 w2 w3 w4"
    assert cases.window(words, "w98 w99", 6).split()[-1] == "w99"
    with pytest.raises(ValueError):
        cases.closest_line("\n\n", "x")


def test_training_data_is_the_help_centre_before_the_update(update, questions):
    test = [questions[i] for i in ("qa-057", "qa-003", "qb-002")]  # rewritten page, unchanged page, new pages only
    train = [questions[i] for i in ("qa-051", "qa-027", "qb-041")]  # changed, unchanged, unanswerable
    examples = cases.before_update_examples(update, test, train, passage_words=60)
    answers = [e["messages"][2]["content"] for e in examples]
    users = [e["messages"][1]["content"] for e in examples]
    assert any("50 MB" in a for a in answers) and not any("200 MB" in a for a in answers)  # the old CSV limit
    assert any(questions["qa-003"]["reference_facts"][0].lower() in a.lower() for a in answers)
    assert not any(q["question"] in users for q in test)             # held-out questions never in training
    assert questions["qa-051"]["question"] not in users               # its answer changed: left out
    assert questions["qa-027"]["question"] in users and questions["qb-041"]["question"] in users
    assert answers[users.index(questions["qb-041"]["question"])] == NOT_IN_DOCS
    assert all(e["messages"][0]["content"] == cases.CLOSED_BOOK for e in examples)
    assert len(examples) == 2 + 2  # qb-002's pages were all written after 3.9


def test_outcomes_and_their_shares(update, questions):
    qs = [questions["qa-057"], questions["qb-041"], questions["qa-003"]]
    records = [{"text": "You can upload files up to 200 MB [how-csv-upload].", "input_tokens": 10, "output_tokens": 5},
               {"text": "Call +1 555 0100.", "input_tokens": 20, "output_tokens": 5},
               {"text": "not in the docs", "input_tokens": 30, "output_tokens": 5}]
    rows = pd.DataFrame(cases.answer_rows(qs, records, update))
    assert list(rows["outcome"]) == ["correct", "confidently wrong", "says not in the docs"]
    shares = cases.outcome_shares(rows)
    assert sum(shares[o] for o in cases.OUTCOMES) == pytest.approx(1.0) and shares["input tokens"] == 20
    table = cases.outcomes_by_group({"a": rows, "b": rows})
    assert set(table.index.get_level_values("group")) == set(cases.GROUPS)
    assert (table[list(cases.OUTCOMES)].sum(axis=1) == 1).all() and (table["questions"] == 1).all()
    fig = cases.outcome_chart({"a": rows})
    assert {t.name for t in fig.data} == set(cases.OUTCOMES)  # one trace per outcome and panel


def test_replies_are_scored_on_both_halves(questions):
    messages = cases.customer_messages([questions["qa-057"], questions["qa-003"]], ["Maria"])
    assert [m["customer_name"] for m in messages] == ["Maria", "Maria"]
    with pytest.raises(ValueError):
        cases.customer_messages([questions["qa-057"]], [])
    on_brand = ("Hi Maria,\n\nYou can upload a CSV file of up to 200 MB. It's checked as soon as you drop it in, "
                "and you'll see any problem rows listed in the upload dialog. Split bigger files into parts.\n\n"
                "— The Pulseboard team")
    assert limits.tone_score(on_brand, "Maria") == 1.0
    records = [{"text": on_brand, "input_tokens": 100, "output_tokens": 50},
               {"text": "We apologize for any inconvenience.", "input_tokens": 300, "output_tokens": 10}]
    rows = pd.DataFrame(cases.reply_rows(messages, records))
    assert list(rows["correct"]) == [True, False] and rows["tone"].iloc[0] == 1.0 and rows["tone"].iloc[1] < 0.5
    summary = cases.both_halves(rows)
    assert summary["correct and all rules"] == 0.5 and summary["input tokens"] == 200
    fig = cases.halves_chart(pd.DataFrame({"x": summary, "y": summary}).T)
    assert list(fig.data[0].text) == ["x", "y"]


def test_reply_prompts_put_role_guide_and_sources_in_order(kb, questions):
    messages = cases.customer_messages([questions["qa-057"]], ["Tom"])
    pipeline_hits = [[]]
    turn = lambda m: {"role": "user", "content": f"Customer: {m['customer_name']}\nMessage: {m['message']}"}
    plain = cases.reply_prompts(messages, turn, "ROLE", max_tokens=50)[0]
    assert plain.system == "ROLE" and plain.messages[0]["content"].startswith("Customer: Tom")
    system = cases.reply_system("ROLE", sources="[how-csv-upload] CSV\n200 MB", guide="GUIDE")
    assert system.index("ROLE") < system.index("GUIDE") < system.index("[how-csv-upload]")
    sourced = cases.reply_prompts(messages, turn, "ROLE", max_tokens=50, hits=pipeline_hits, guide="GUIDE")[0]
    assert sourced.system.startswith("ROLE\n\nGUIDE") and sourced.max_tokens == 50


def test_verdict_sentence():
    table = pd.DataFrame([{"strategy": "RAG", "metric": "correct", "difference": 0.25,
                           "beats the baseline?": "held"}]).set_index("strategy")  # as stats.comparison_table
    assert cases.verdict_sentence(table) == "RAG, correct: +0.25 (held)"
