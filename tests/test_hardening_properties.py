"""Issue 25, property-based: any JSON value in any field of a fine-tuning line or a question line is either accepted
or reported as a problem on that line; the validators never raise, and what they accept the next step can use."""

from __future__ import annotations

import json
from types import SimpleNamespace

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers.finetune import data as fd
from helpers.rag import evaluate_retrieval, load_corpus, load_qa

YAML_PIECES = list("ab1 :-[]{},!*&#'\"\n\t?|>@%") + ["!!int ", "!!timestamp ", "2025-13-45", "&a ", "*a", "id: ",
                                                       "updated: ", "\n  - "]
YAMLISH = st.lists(st.sampled_from(YAML_PIECES), max_size=40).map("".join)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def either(plausible):
    """A plausible value for a field most of the time, any JSON value the rest."""
    return plausible | json_values


# ------------------------------------------------------------------------------------------------ fine-tuning lines
tool_call = st.fixed_dictionaries({}, optional={
    "id": either(st.just("call_1")), "type": either(st.just("function")),
    "function": either(st.fixed_dictionaries({}, optional={"name": either(st.just("lookup")),
                                                           "arguments": either(st.just("{}"))}))})
message = st.fixed_dictionaries({}, optional={
    "role": either(st.sampled_from(["system", "user", "assistant", "tool"])),
    "content": either(st.sampled_from(["Where is my refund?", "Refunds arrive within five business days.", ""])),
    "name": json_values, "weight": either(st.sampled_from([0, 1])),
    "tool_calls": either(st.lists(tool_call, max_size=2)), "tool_call_id": either(st.just("call_1")),
    "function_call": either(st.fixed_dictionaries({"name": st.just("lookup"), "arguments": st.just("{}")})),
    "unknown": json_values})
chat_line = st.fixed_dictionaries({}, optional={
    "messages": either(st.lists(either(message), max_size=4)),
    "tools": either(st.lists(st.fixed_dictionaries({"type": either(st.just("function")),
                                                    "function": either(st.fixed_dictionaries(
                                                        {"name": either(st.just("lookup"))}))}), max_size=2)),
    "parallel_tool_calls": json_values, "extra": json_values})


@SETTINGS
@given(lines=st.lists(either(chat_line), min_size=1, max_size=6))
def test_any_fine_tuning_line_gets_a_verdict(tmp_path, lines):
    path = tmp_path / "random.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    report = fd.validate_jsonl(path, fd.Gates(near_duplicate_similarity=0.8, required_roles=("user",)))
    assert report.lines == len(lines)
    assert all(p.rule in fd.RULES and p.message and 1 <= p.line <= len(lines) for p in report.problems)
    errors = report.lines_with(severity="error")
    for number, line in enumerate(lines, start=1):
        assert (number in errors) or isinstance(line, dict)  # only objects can pass
        if number not in errors:  # what passes is usable by the next steps
            assert fd.trained_answers(line["messages"]) and fd.conversation_key(line["messages"])
    fd.clean(path, overwrite=True)


@SETTINGS
@given(line=either(chat_line))
@example(line={"messages": [{"role": ["user"], "content": "hi"}, {"role": "assistant", "content": "a b c d"}]})
@example(line={"messages": [{"role": "assistant", "tool_calls": "x"}], "tools": {"a": 1}})
def test_check_example_never_raises(line):
    found = fd.check_example(line, fd.Gates(answer_json=True, required_roles=("system",)))
    assert all(rule in fd.RULES and isinstance(text, str) for rule, text in found)


# ------------------------------------------------------------------------------------------------ question lines
question = st.fixed_dictionaries({}, optional={
    "id": either(st.sampled_from(["q1", "q2"])), "question": either(st.just("How long do refunds take?")),
    "gold_doc_ids": either(st.lists(st.sampled_from(["refunds", "sso", "ghost"]), max_size=2)),
    "type": either(st.sampled_from(["paraphrase", "unanswerable"])),
    "reference_answer": either(st.just("Fourteen days.")), "reference_facts": either(st.lists(st.just("14"))),
    "gold_passage": either(st.just("within 14 days")), "extra": json_values})


class _Pipeline:
    """The smallest retrieval pipeline evaluate_retrieval accepts: always the refunds page."""

    name = "stub"

    def retrieve(self, query, k):
        chunk = SimpleNamespace(text="Refunds are made within 14 days.")
        return [SimpleNamespace(doc_id="refunds", score=1.0, chunks=[chunk])][:k]

    def extra_seconds(self, query):
        return 0.0


@SETTINGS
@given(rows=st.lists(either(question), min_size=1, max_size=6), bom=st.booleans())
def test_any_question_line_gets_a_verdict(tmp_path, rows, bom):
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for name in ("refunds", "sso"):
        (docs / f"{name}.md").write_text(f"About {name}.", encoding="utf-8")
    corpus = load_corpus(docs, quiet=True)
    path = tmp_path / "qa.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\n".join(json.dumps(r) for r in rows).encode() + b"\n")
    questions = load_qa(path, corpus, quiet=True)
    problem_lines = [p.line for p in questions.problems]
    assert len(problem_lines) == len(set(problem_lines))  # one verdict per line
    assert len(questions) + len(problem_lines) == len(rows)
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert isinstance(q["question"], str) and isinstance(q["type"], str)
        assert isinstance(q["gold_doc_ids"], list) and set(q["gold_doc_ids"]) <= {"refunds", "sso"}
    if len(questions):
        report = evaluate_retrieval(_Pipeline(), questions, k=3)  # what loads, the metrics can score
        assert len(report.rows) == len(questions)


# ------------------------------------------------------------------------------------------------ front matter
@SETTINGS
@given(block=YAMLISH | json_values.map(json.dumps))
@example(block="updated: 2025-13-45")
@example(block="x: !!int abc")
@example(block="x: !!timestamp garbage")
@example(block="a: &a [1, 2]\nb: [*a, *a]")
def test_any_front_matter_leaves_the_document_loadable(tmp_path, block):
    (tmp_path / "page.md").write_text(f"---\n{block}\n---\nThe body survives any front matter.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path, quiet=True)
    (doc,) = corpus.documents
    assert doc.text == "The body survives any front matter." and isinstance(doc.metadata, dict)
    assert len(corpus.fingerprint()) == 16
    assert all(p.path.endswith("page.md") and p.message for p in corpus.problems)
