"""Issue 25, bad input answered with a clear problem: the corpus loader (symlinks, bad dates, non-ASCII file names,
YAML bombs), question files (missing gold ids, BOM, duplicate ids, bad types, --k), the fine-tuning validator (roles,
tool calls, duplicate keys) and the near-duplicate gate's index (same answers as the exact check, near linear)."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from helpers.finetune import data as fd
from helpers.rag import __main__ as rag_cli
from helpers.rag import load_corpus, load_qa

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

# 335 bytes of YAML that expand to 9**9 strings when serialised (the "billion laughs")
ALIAS_BOMB = ("---\n"
              'a: &a ["ha","ha","ha","ha","ha","ha","ha","ha","ha"]\n'
              "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
              "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
              "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
              "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
              "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
              "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
              "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
              "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
              "---\nBody of the bomb.\n")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(corpus, name: str) -> list[str]:
    return [p.message for p in corpus.problems if Path(p.path).name == name]


# ------------------------------------------------------------------------------------------------ the corpus loader
def test_a_symlinked_file_leading_outside_the_folder_is_skipped(tmp_path):
    docs, outside = tmp_path / "docs", tmp_path / "outside"
    write(docs, "good.md", "Refunds take 14 days.")
    secret = write(outside, ".env", "ANTHROPIC_API_KEY=sk-ant-secret\n")
    write(docs, "inside-target.md", "Kept through the link too.")
    (docs / "env.md").symlink_to(secret)
    (docs / "passwd.txt").symlink_to(write(outside, "passwd", "root:x:0:0:root:/root:/bin/bash\n"))
    (docs / "alias.md").symlink_to(docs / "inside-target.md")  # a link that stays inside is fine
    corpus = load_corpus(docs, quiet=True)
    assert sorted(corpus.ids) == ["alias", "good", "inside-target"]
    assert not any("sk-ant-secret" in d.text or "root:x" in d.text for d in corpus)
    for name in ("env.md", "passwd.txt"):
        (message,) = problems_of(corpus, name)
        assert "outside" in message and "Skipped" in message


def test_an_impossible_date_is_a_problem_not_a_crash(tmp_path):
    write(tmp_path, "good.md", "---\nid: good\nupdated: 2026-11-10\n---\nA good page.")
    write(tmp_path, "bad-date.md", "---\nid: bad-date\ntitle: Bad date\nupdated: 2025-13-45\n---\nStill useful text.")
    corpus = load_corpus(tmp_path, quiet=True)
    assert sorted(corpus.ids) == ["bad-date", "good"]
    assert corpus["good"].metadata["updated"] == "2026-11-10"
    (problem,) = [p for p in corpus.problems if p.path.endswith("bad-date.md")]
    assert problem.line == 4 and "2025-13-45" in problem.message and "date" in problem.message


def test_the_cli_prints_problems_instead_of_a_traceback(tmp_path, capsys):
    write(tmp_path, "bad-date.md", "---\nupdated: 2025-13-45\n---\nText.")
    assert rag_cli.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 documents loaded" in out and "problem:" in out and "2025-13-45" in out


def test_file_names_without_ascii_letters_get_distinct_ids(tmp_path):
    for name in ("文档.md", "документ.md", "café.md", "plain-name.md"):
        write(tmp_path, name, f"Body of {name}.")
    corpus = load_corpus(tmp_path, quiet=True)
    assert sorted(corpus.ids) == sorted(["文档", "документ", "café", "plain-name"])
    assert corpus.problems == []


def test_a_file_name_with_no_letters_at_all_still_gets_an_id(tmp_path):
    write(tmp_path, "!!!.md", "Punctuation only.")
    write(tmp_path, "???.md", "Another one.")
    corpus = load_corpus(tmp_path, quiet=True)
    assert len(corpus) == 2 and all(corpus.ids) and len(set(corpus.ids)) == 2


def test_a_yaml_alias_bomb_is_refused_cheaply(tmp_path):
    assert len(ALIAS_BOMB.split("---\n")[1].encode()) <= 335
    write(tmp_path, "bomb.md", ALIAS_BOMB)
    write(tmp_path, "ok.md", "A normal page.")
    tracemalloc.start()
    try:
        corpus = load_corpus(tmp_path, quiet=True)
        fingerprint = corpus.fingerprint()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(fingerprint) == 16 and peak < 20_000_000  # was 741 MB
    (message,) = problems_of(corpus, "bomb.md")
    assert "alias" in message
    assert corpus["bomb"].text == "Body of the bomb." and corpus["bomb"].metadata == {}


def test_huge_or_deeply_nested_front_matter_is_a_problem(tmp_path):
    write(tmp_path, "big.md", "---\n" + "".join(f"k{i}: {'v' * 50}\n" for i in range(3000)) + "---\nBody.")
    write(tmp_path, "deep.md", "---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.")
    corpus = load_corpus(tmp_path, quiet=True)
    assert sorted(corpus.ids) == ["big", "deep"]
    assert "too large" in problems_of(corpus, "big.md")[0]
    assert "nested" in problems_of(corpus, "deep.md")[0]


# ------------------------------------------------------------------------------------------------ question files
@pytest.fixture()
def corpus(tmp_path):
    write(tmp_path / "docs", "a.md", "About refunds.")
    write(tmp_path / "docs", "b.md", "About SSO.")
    return load_corpus(tmp_path / "docs", quiet=True)


def qa_file(tmp_path, rows, *, bom=False) -> Path:
    text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"
    path = tmp_path / "qa.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_a_question_without_gold_doc_ids_is_a_problem(tmp_path, corpus):
    path = qa_file(tmp_path, [{"question": "refunds?", "gold_doc_ids": ["a"]}, {"question": "forgot the ids?"},
                              {"question": "not in the docs?", "gold_doc_ids": []}])
    questions = load_qa(path, corpus, quiet=True)
    assert [q["question"] for q in questions] == ["refunds?", "not in the docs?"]
    assert questions.questions[1]["type"] == "unanswerable"
    (problem,) = questions.problems
    assert problem.line == 2 and "gold_doc_ids" in problem.message


def test_a_byte_order_mark_is_accepted(tmp_path, corpus):
    path = qa_file(tmp_path, [{"question": "refunds?", "gold_doc_ids": ["a"]},
                              {"question": "sso?", "gold_doc_ids": ["b"]}], bom=True)
    questions = load_qa(path, corpus, quiet=True)
    assert [q["question"] for q in questions] == ["refunds?", "sso?"] and questions.problems == []


def test_duplicate_ids_and_bad_field_types_are_problems(tmp_path, corpus):
    rows = [{"id": "q1", "question": "refunds?", "gold_doc_ids": ["a"]},
            {"id": "q1", "question": "refunds again?", "gold_doc_ids": ["a"]},
            {"id": "q3", "question": "typed?", "gold_doc_ids": ["a"], "type": 7},
            {"id": ["q4"], "question": "listed id?", "gold_doc_ids": ["a"]},
            {"id": "q5", "question": "facts?", "gold_doc_ids": ["a"], "reference_facts": "14 days"},
            {"id": "q6", "question": "passage?", "gold_doc_ids": ["a"], "gold_passage": 14},
            {"id": "q7", "question": "fine", "gold_doc_ids": ["b"], "type": "paraphrase"}]
    questions = load_qa(qa_file(tmp_path, rows), corpus, quiet=True)
    assert [q["id"] for q in questions] == ["q1", "q7"]
    by_line = {p.line: p.message for p in questions.problems}
    assert sorted(by_line) == [2, 3, 4, 5, 6]
    assert "already used" in by_line[2] and "line 1" in by_line[2]
    assert '"type"' in by_line[3] and '"id"' in by_line[4]
    assert '"reference_facts"' in by_line[5] and '"gold_passage"' in by_line[6]


def test_the_course_question_file_still_loads_cleanly():
    kb = load_corpus(DATA / "kb", quiet=True)
    questions = load_qa(DATA / "kb_eval.jsonl", kb, quiet=True)
    assert questions.problems == [] and len(questions) >= 100


@pytest.mark.parametrize("k", ["0", "-2", "three", "1.5"])
def test_the_cli_refuses_a_k_that_is_not_a_positive_integer(tmp_path, corpus, capsys, k):
    path = qa_file(tmp_path, [{"question": "refunds?", "gold_doc_ids": ["a"]}])
    with pytest.raises(SystemExit) as stop:
        rag_cli.main([corpus.folder, str(path), "--k", k])
    assert stop.value.code == 2 and "--k" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ the fine-tuning validator
USER = {"role": "user", "content": "Where is my refund for the double charge?"}
ANSWER = {"role": "assistant", "content": "Refunds arrive within five business days."}
CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{\"id\": \"C-1\"}"}}
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]


def rules(tmp_path, *lines) -> dict[int, set[str]]:
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = fd.validate_jsonl(path)
    found: dict[int, set[str]] = {}
    for p in report.problems:
        found.setdefault(p.line, set()).add(p.rule)
    return found


@pytest.mark.parametrize("role", [["user"], {"name": "user"}, 3, None])
def test_a_role_of_the_wrong_type_is_a_problem_on_its_line(tmp_path, role):
    bad = {"messages": [{"role": role, "content": "hi"}, {"role": "assistant", "content": "a b c d"}]}
    found = rules(tmp_path, {"messages": [USER, ANSWER]}, bad)
    assert found == {2: {"unknown_role"}}


def tool_example(assistant_extra: dict, tool_message: dict | None = None, user: dict = USER, **top) -> dict:
    call = {"role": "assistant", **assistant_extra}
    messages = [user, call]
    if tool_message is not None:
        messages.append(tool_message)
    return {"messages": messages + [ANSWER], **top}


GOOD_TOOL = tool_example({"tool_calls": [CALL]}, {"role": "tool", "tool_call_id": "call_1", "content": "{}"},
                         tools=TOOLS)


@pytest.mark.parametrize("bad, rule", [
    (tool_example({"tool_calls": "lookup(C-1)"}), "bad_tool_calls"),
    (tool_example({"tool_calls": [{"name": "lookup"}]}), "bad_tool_calls"),
    (tool_example({"tool_calls": [dict(CALL, function={"name": "lookup", "arguments": {"id": 1}})]}),
     "bad_tool_calls"),
    (tool_example({"tool_calls": [CALL]}, {"role": "tool", "content": "{}"}), "missing_tool_call_id"),
    (tool_example({"tool_calls": [CALL]}, {"role": "tool", "tool_call_id": 1, "content": "{}"}),
     "missing_tool_call_id"),
    (tool_example({"function_call": "lookup"}), "bad_tool_calls"),
    (tool_example({"function_call": {"name": "lookup"}}), "bad_tool_calls"),
    (dict(GOOD_TOOL, tools={"lookup": {}}), "bad_tools"),
    (dict(GOOD_TOOL, tools=[{"type": "function", "function": "lookup"}]), "bad_tools"),
    (dict(GOOD_TOOL, parallel_tool_calls="yes"), "bad_tools"),
])
def test_malformed_tool_calls_and_tools_are_problems(tmp_path, bad, rule):
    function_call = tool_example({"function_call": {"name": "lookup", "arguments": "{}"}},
                                 user={"role": "user", "content": "Which plan is customer C-1 on today?"})
    found = rules(tmp_path, GOOD_TOOL, bad, function_call)
    assert 1 not in found and 3 not in found, found
    assert rule in found[2] and fd.RULES[rule]


def test_duplicate_keys_are_a_warning_naming_the_message(tmp_path):
    line = ('{"messages": [{"role": "user", "content": "Refund please, I was charged twice.", '
            '"content": "Where is my refund?"}, {"role": "assistant", "content": "Within five business days."}]}')
    path = tmp_path / "dup.jsonl"
    path.write_text(json.dumps({"messages": [USER, ANSWER]}) + "\n" + line + "\n", encoding="utf-8")
    report = fd.validate_jsonl(path)
    (problem,) = report.problems
    assert (problem.line, problem.rule, problem.severity) == (2, "duplicate_keys", "warning")
    assert "messages[0]" in problem.message and "'content'" in problem.message
    assert report.ok and report.examples[2]["messages"][0]["content"] == "Where is my refund?"


# ------------------------------------------------------------------------------------------- the near-duplicate index
def dialogue_texts(path: Path) -> dict[int, str]:
    report = fd.validate_jsonl(path)
    return {n: fd._dialogue_text(obj) for n, obj in report.examples.items() if isinstance(obj.get("messages"), list)}


COURSE_FILES = [DATA / "finetune" / "messy_chat_examples.jsonl", DATA / "tickets" / "train.jsonl",
                DATA / "orders" / "train.jsonl"]


@pytest.mark.parametrize("path", COURSE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_the_index_agrees_with_the_exact_check_on_the_course_data(path, threshold):
    texts = dialogue_texts(path)
    assert fd.similar_pairs(texts, threshold) == fd.exact_similar_pairs(texts, threshold)


@pytest.mark.parametrize("name", ["tickets", "orders"])
@pytest.mark.parametrize("threshold", [0.6, 0.9])
def test_the_index_agrees_with_the_exact_check_on_leakage(name, threshold):
    train, test = dialogue_texts(DATA / name / "train.jsonl"), dialogue_texts(DATA / name / "test.jsonl")
    assert (fd.similar_pairs(train, threshold, others=test)
            == fd.exact_similar_pairs(train, threshold, others=test))


def test_the_index_finds_planted_near_duplicates_among_varied_lines():
    import random

    rng = random.Random(7)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(300)]
    texts = {n: " ".join(rng.choice(vocab) for _ in range(40)) for n in range(1, 1501)}
    for copy, original in [(1400, 3), (1450, 700), (1500, 1200)]:
        words = texts[original].split()
        words[5] = words[5] + "s"  # one small edit: still about 95% similar
        texts[copy] = " ".join(words)
    found = fd.similar_pairs(texts, 0.9)
    assert found == fd.exact_similar_pairs(texts, 0.9)
    assert [(a, b) for a, b, _ in found] == [(1400, 3), (1450, 700), (1500, 1200)]


def test_16k_varied_lines_run_near_linear(tmp_path):
    """The benchmark's case at full size; prints the time (bench/bench_gates.py prints the series)."""
    from bench.bench_gates import varied_file

    path = varied_file(tmp_path / "varied.jsonl", 16_000, planted=20)
    start = time.perf_counter()
    report = fd.validate_jsonl(path, fd.Gates(near_duplicate_similarity=0.9))
    print(f"\n16,000 varied lines with near_duplicate_similarity=0.9: {time.perf_counter() - start:.1f} s")
    flagged = sorted((p.line, p.other_line) for p in report.problems if p.rule == "near_duplicate")
    assert flagged == [(16_000 - i, 1 + 37 * i) for i in reversed(range(20))]
    assert os.path.getsize(path) > 3_000_000
