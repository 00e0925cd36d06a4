"""The fine-tuning data validator, cleaner, token statistics and cost estimate (helpers.finetune.data)."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.finetune import data as fd
from helpers import registry

ROOT = Path(__file__).resolve().parent.parent
MESSY = ROOT / "data" / "finetune" / "messy_chat_examples.jsonl"

SYSTEM = {"role": "system", "content": "Classify the ticket."}
USER = {"role": "user", "content": "We were charged twice this month, please refund one charge."}
ANSWER = {"role": "assistant", "content": '{"category": "BILLING", "priority": "high"}'}
GOOD = {"messages": [SYSTEM, USER, ANSWER]}


def write(tmp_path, lines, name="train.jsonl", *, ending="\n") -> Path:
    path = tmp_path / name
    text = ending.join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + ending, encoding="utf-8")
    return path


def rules_on(report, line):
    return {p.rule for p in report.problems if p.line == line}


def with_answer(content, **extra):
    return {"messages": [dict(SYSTEM), dict(USER), {"role": "assistant", "content": content, **extra}]}


# Every rule: a line that breaks it, and a close variant that does not.
CASES = [
    ("not_json", '{"messages": [{"role": "user", "content": "hi"}', GOOD),
    ("not_json", "{'messages': []}", GOOD),
    ("not_json", '{"messages": [1,]}', GOOD),
    ("not_json", '{"messages": NaN}', GOOD),
    ("not_dict", [USER, ANSWER], GOOD),
    ("not_dict", '"just a string"', GOOD),
    ("missing_messages", {"conversation": [USER, ANSWER]}, GOOD),
    ("missing_messages", {"messages": "hello"}, GOOD),
    ("unrecognised_keys", {"prompt": "Ticket: refund", "completion": "billing"}, GOOD),
    ("unrecognised_keys", {"messages": [SYSTEM, USER, ANSWER], "label": "BILLING"},
     {"messages": [SYSTEM, USER, ANSWER], "parallel_tool_calls": False}),
    ("unrecognised_keys", {"messages": [SYSTEM, dict(USER, text="x"), ANSWER]},
     {"messages": [SYSTEM, dict(USER, name="ana"), ANSWER]}),
    ("missing_role", {"messages": [SYSTEM, {"content": USER["content"]}, ANSWER]}, GOOD),
    ("unknown_role", {"messages": [SYSTEM, USER, dict(ANSWER, role="bot")]}, GOOD),
    ("unknown_role", {"messages": [SYSTEM, USER, {"role": "agent", "content": "escalating"}, ANSWER]},
     {"messages": [SYSTEM, USER, {"role": "tool", "content": "lookup: ok", "tool_call_id": "c1"}, ANSWER]}),
    ("missing_content", {"messages": [SYSTEM, {"role": "user"}, ANSWER]}, GOOD),
    ("bad_content", {"messages": [SYSTEM, dict(USER, content=42), ANSWER]},
     {"messages": [SYSTEM, dict(USER, content=[{"type": "text", "text": USER["content"]}]), ANSWER]}),
    ("empty_content", {"messages": [dict(SYSTEM, content="  "), USER, ANSWER]}, GOOD),
    ("empty_assistant", with_answer(""), GOOD),
    ("empty_assistant", with_answer(" \n "), GOOD),
    ("no_assistant", {"messages": [SYSTEM, USER]}, GOOD),
    ("no_assistant", {"messages": [SYSTEM, USER, dict(ANSWER, weight=0)]},
     {"messages": [SYSTEM, USER, dict(ANSWER, weight=0), USER, dict(ANSWER, weight=1)]}),
    ("bad_weight", with_answer(ANSWER["content"], weight=2), with_answer(ANSWER["content"], weight=1)),
    ("bad_weight", with_answer(ANSWER["content"], weight=0.5), with_answer(ANSWER["content"], weight=0)),
    ("bad_weight", with_answer(ANSWER["content"], weight="1"), GOOD),
    ("bad_weight", with_answer(ANSWER["content"], weight=True), GOOD),
    ("hedging", with_answer("I'm not sure, probably billing or maybe an account issue."), GOOD),
    ("hedging", with_answer("I guess it is a billing question about the charge."),
     with_answer("It is a billing question about the double charge.")),
    ("short_answer", with_answer("billing"), with_answer("This is about billing.")),
    ("short_answer", with_answer("Done."), GOOD),
    ("too_long", with_answer("word " * 5001), with_answer("word " * 4000)),
]


@pytest.mark.parametrize("rule,bad,good", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_every_rule_flags_the_bad_line_only(tmp_path, rule, bad, good):
    path = write(tmp_path, [GOOD, bad, good])
    report = fd.validate_jsonl(path)
    assert rule in rules_on(report, 2), report.table()
    assert rule not in rules_on(report, 1) | rules_on(report, 3)
    problem = next(p for p in report.problems if p.line == 2 and p.rule == rule)
    assert problem.message and problem.severity == ("error" if rule in fd.FORMAT_RULES else "warning")
    assert report.ok == (not report.lines_with(severity="error"))


def test_blank_line_and_empty_file(tmp_path):
    report = fd.validate_jsonl(write(tmp_path, [GOOD, "", GOOD]))
    assert rules_on(report, 2) == {"blank_line"} and report.lines == 3
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    report = fd.validate_jsonl(empty)
    assert [p.rule for p in report.problems] == ["blank_line"] and "empty" in report.problems[0].message


def test_duplicates_keep_the_first_and_point_at_it(tmp_path):
    shouted = json.loads(json.dumps(GOOD))
    shouted["messages"][1]["content"] = "  " + USER["content"].upper()
    other = with_answer("It is a billing question about the double charge.")
    report = fd.validate_jsonl(write(tmp_path, [GOOD, other, GOOD, shouted]))
    assert rules_on(report, 1) == set() and rules_on(report, 2) == set()
    assert rules_on(report, 3) == {"duplicate"} and rules_on(report, 4) == {"near_duplicate"}
    assert {p.line: p.other_line for p in report.problems} == {3: 1, 4: 1}


def test_near_duplicates_by_similarity_are_opt_in(tmp_path):
    close = json.loads(json.dumps(GOOD))
    close["messages"][1]["content"] = USER["content"].replace("this month", "this month!!")
    path = write(tmp_path, [GOOD, close])
    assert fd.validate_jsonl(path).problems == []
    report = fd.validate_jsonl(path, fd.Gates(near_duplicate_similarity=0.85))
    assert [(p.line, p.rule, p.other_line) for p in report.problems] == [(2, "near_duplicate", 1)]


def test_configurable_gates(tmp_path):
    no_system = {"messages": [USER, with_answer("billing")["messages"][-1]]}
    path = write(tmp_path, [no_system, with_answer("Definitely billing, without a doubt.")])
    default = fd.validate_jsonl(path)
    assert rules_on(default, 1) == {"short_answer"} and rules_on(default, 2) == set()
    gates = fd.Gates(required_roles=("system",), min_answer_words=1, hedging_phrases=("without a doubt",),
                     max_words=12)
    custom = fd.validate_jsonl(path, gates)
    assert rules_on(custom, 1) == {"missing_required_role"}
    assert rules_on(custom, 2) == {"hedging", "too_long"}


def test_over_context_needs_a_counter_and_a_limit(tmp_path):
    path = write(tmp_path, [GOOD, with_answer("a longer answer " * 30)])
    words = lambda example: sum(len(str(m.get("content", "")).split()) for m in example["messages"])  # noqa: E731
    assert not fd.validate_jsonl(path, count_tokens=words).lines_with({"over_context"})
    report = fd.validate_jsonl(path, fd.Gates(max_tokens=40), count_tokens=words)
    assert report.lines_with({"over_context"}) == {2}


def test_leakage_between_train_and_test(tmp_path):
    leaked = json.loads(json.dumps(GOOD))
    near = with_answer(ANSWER["content"])
    near["messages"][1]["content"] = "My SSO login through Okta fails with a certificate error since this morning!"
    fresh = with_answer(ANSWER["content"])
    fresh["messages"][1]["content"] = "How do I export a board to PDF with the tile titles?"
    test_near = json.loads(json.dumps(near))
    test_near["messages"][1]["content"] = "my SSO login through Okta fails with a certificate error since this morning"
    train = write(tmp_path, [leaked, near, fresh], "train.jsonl")
    test = write(tmp_path, [{"messages": [SYSTEM, dict(USER, content=USER["content"].upper()), ANSWER]}, test_near],
                 "test.jsonl")
    report = fd.validate_jsonl(train, test_path=test)
    assert report.lines_with({"leakage"}) == {1, 2}
    assert {p.line: p.other_line for p in report.problems if p.rule == "leakage"} == {1: 1, 2: 2}
    assert not fd.validate_jsonl(train).lines_with({"leakage"})


# --- files that are not JSONL at all -------------------------------------------------------------------------
def test_binary_file(tmp_path):
    png = tmp_path / "examples.jsonl"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    report = fd.validate_jsonl(png)
    assert [(p.line, p.rule) for p in report.problems] == [(1, "binary_file")] and "PNG" in report.problems[0].message
    blob = tmp_path / "blob.jsonl"
    blob.write_bytes(b'{"messages": []}\n\x00\x01\x02\xff\xfe' * 100)
    assert [p.rule for p in fd.validate_jsonl(blob).problems] == ["binary_file"]


def test_nul_bytes_late_in_a_text_file(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes((json.dumps(GOOD) + "\n").encode() * 400 + b"ab\x00cd\n")
    report = fd.validate_jsonl(path)
    assert rules_on(report, 401) == {"encoding"} and "NUL" in report.problems[-1].message


def test_wrong_encodings(tmp_path):
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes((json.dumps(GOOD) + "\n").encode() + json.dumps(
        with_answer("Die Rechnung ist doppelt, bitte erstatten."), ensure_ascii=False).replace(
        "erstatten", "zurückerstatten").encode("latin-1") + b"\n")
    report = fd.validate_jsonl(latin)
    assert rules_on(report, 2) == {"encoding"} and "Latin-1" in report.problems[0].message
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_bytes(json.dumps(GOOD).encode("utf-16"))
    assert [p.rule for p in fd.validate_jsonl(utf16).problems] == ["encoding"]
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + (json.dumps(GOOD) + "\n").encode())
    assert fd.validate_jsonl(bom).problems == []


def test_truncated_last_line(tmp_path):
    text = json.dumps(GOOD) + "\n" + json.dumps(GOOD)[:-25]
    path = tmp_path / "cut.jsonl"
    path.write_text(text, encoding="utf-8")
    report = fd.validate_jsonl(path)
    assert rules_on(report, 2) == {"not_json"} and "cut off" in report.problems[0].message
    whole = tmp_path / "whole.jsonl"
    whole.write_text(json.dumps(GOOD), encoding="utf-8")  # no final newline, but complete: fine
    assert fd.validate_jsonl(whole).problems == []


def test_a_100_mb_line_is_reported_not_read(tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.write((json.dumps(GOOD) + "\n").encode())
        handle.write(b'{"messages": [{"role": "user", "content": "')
        chunk = b"x" * (1 << 20)
        for _ in range(100):
            handle.write(chunk)
        handle.write(b'"}]}\n')
        handle.write((json.dumps(GOOD) + "\n").encode())
    report = fd.validate_jsonl(path)
    assert report.lines == 3
    assert [(p.line, p.rule) for p in report.problems] == [(2, "line_too_long"), (3, "duplicate")]
    assert "104.9 MB" in report.problems[0].message


def test_absurd_nesting_and_numbers_do_not_crash(tmp_path):
    path = write(tmp_path, ["[" * 100_000 + "]" * 100_000, '{"messages": ' + "9" * 5000 + "}", GOOD])
    report = fd.validate_jsonl(path)
    assert rules_on(report, 1) == {"not_json"} and rules_on(report, 2) == {"not_json"}


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fd.validate_jsonl(tmp_path / "nope.jsonl")


# --- the course's messy file ---------------------------------------------------------------------------------
def test_messy_file_matches_its_answer_key():
    report = fd.validate_jsonl(MESSY)
    expected = json.loads((MESSY.parent / "messy_chat_examples.expected.json").read_text())
    assert report.lines == 120
    found = {}
    for p in report.problems:
        found.setdefault(p.line, set()).add(p.rule)
    assert found == {e["line"]: set(e["problems"]) for e in expected}
    dups = {p.line: p.other_line for p in report.problems if p.rule in ("duplicate", "near_duplicate")}
    assert dups == {e["line"]: e["duplicate_of"] for e in expected if "duplicate_of" in e}
    summary = report.summary()
    assert set(summary["rule"]) == {p.rule for p in report.problems}
    assert int(summary.set_index("rule").loc["hedging", "lines"]) == 5


def test_similarity_finds_the_two_pasted_logs():
    report = fd.validate_jsonl(MESSY, fd.Gates(near_duplicate_similarity=0.9))
    extra = [p for p in report.problems if p.rule == "near_duplicate" and "similar" in p.message]
    assert [(p.line, p.other_line) for p in extra] == [(27, 5)]


# --- cleaning ------------------------------------------------------------------------------------------------
def test_clean_writes_beside_the_original_and_loses_nothing(tmp_path):
    raw = tmp_path / "messy.jsonl"
    raw.write_bytes(MESSY.read_bytes())
    before = raw.read_bytes()
    result = fd.clean(raw)
    assert raw.read_bytes() == before
    assert result.out == tmp_path / "messy.clean.jsonl" and result.rejected == tmp_path / "messy.rejected.jsonl"
    assert (result.kept, result.dropped) == (72, 48)
    assert fd.validate_jsonl(result.out).problems == []
    rejected = [json.loads(line) for line in result.rejected.read_text().splitlines()]
    assert [r["line"] for r in rejected] == sorted(fd.validate_jsonl(raw).lines_with())
    assert all(r["problems"] and r["messages"] for r in rejected)
    assert result.by_rule["hedging"] == 5
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fd.clean(raw)
    assert fd.clean(raw, overwrite=True).kept == 72
    with pytest.raises(ValueError, match="never overwrites"):
        fd.clean(raw, out=raw)


def test_clean_errors_only_keeps_what_the_api_accepts(tmp_path):
    raw = tmp_path / "messy.jsonl"
    raw.write_bytes(MESSY.read_bytes())
    result = fd.clean(raw, drop="errors", out=tmp_path / "accepted.jsonl")
    report = fd.validate_jsonl(result.out)
    assert report.ok and report.lines_with(severity="warning")
    assert result.kept == 120 - len(fd.validate_jsonl(raw).lines_with(severity="error"))
    with pytest.raises(ValueError, match="unknown rule"):
        fd.clean(raw, drop={"typo_rule"}, out=tmp_path / "x.jsonl")


def test_write_jsonl_is_atomic_and_careful(tmp_path):
    path = fd.write_jsonl(tmp_path / "a.jsonl", [GOOD, json.dumps(GOOD)])
    assert fd.read_examples(path) == [GOOD, GOOD]
    with pytest.raises(FileExistsError):
        fd.write_jsonl(path, [GOOD])
    fd.write_jsonl(path, [GOOD], overwrite=True)
    assert len(path.read_text().splitlines()) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(ValueError, match="clean"):
        fd.read_examples(write(tmp_path, [GOOD, "{"], "bad.jsonl"))


# --- tokens and cost -----------------------------------------------------------------------------------------
def words(example):
    return sum(len((m.get("content") or "").split()) for m in example["messages"])


def test_token_stats_percentiles_and_limit(tmp_path):
    examples = [with_answer(" ".join(["w"] * n)) for n in range(1, 101)]
    stats = fd.token_stats(examples, count_tokens=words)
    base = words({"messages": [SYSTEM, USER]})
    assert stats.percentiles()["p50"] == pytest.approx(base + 50.5)
    assert stats.percentiles()["max"] == base + 100 and stats.total == sum(base + n for n in range(1, 101))
    assert stats.over(base + 95) == [96, 97, 98, 99, 100]
    assert list(stats.per_example["answer_tokens"][:3]) == [1, 2, 3]
    from_file = fd.token_stats(write(tmp_path, [GOOD, "{", GOOD]), count_tokens=words)
    assert list(from_file.per_example["line"]) == [1, 3]


def test_local_token_counter_uses_the_chat_template():
    count = fd.local_token_counter()
    ids = count.tokenizer.apply_chat_template(GOOD["messages"], tokenize=True, return_dict=False)
    assert count(GOOD) == len(ids) > words(GOOD)


@pytest.mark.parametrize("n,epochs", [(1, 25), (3, 25), (10, 10), (20, 5), (34, 3), (50, 3), (8000, 3),
                                      (10_000, 2), (30_000, 1)])
def test_auto_epochs_heuristic(n, epochs):
    assert fd.auto_epochs(n) == epochs


def test_estimate_cost_uses_the_registry_training_price():
    model = next(m for m in registry.models().values() if m.training_usd_per_mtok)
    estimate = fd.estimate_cost([1000] * 50, model.id)
    assert estimate.n_epochs == 3 and estimate.tokens_per_epoch == 50_000
    assert estimate.usd == pytest.approx(150_000 * model.training_usd_per_mtok / 1e6)
    capped = fd.estimate_cost([100_000, 10], model.id, n_epochs=2)
    assert capped.billed_tokens == 2 * (fd.TRAINING_TOKENS_PER_EXAMPLE + 10) and capped.epochs_rule == "chosen"
    assert model.id in str(estimate) and "$" in str(estimate)
    untrainable = next(m for m in registry.models().values() if m.training_usd_per_mtok is None)
    with pytest.raises(ValueError, match="no training price"):
        fd.estimate_cost([10], untrainable.id)
    with pytest.raises(ValueError, match="n_epochs"):
        fd.estimate_cost([10], model.id, n_epochs=0)


# --- property-based: whatever the file holds, the validator reports instead of crashing -----------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)
messages = st.lists(st.fixed_dictionaries(
    {}, optional={"role": st.sampled_from(["system", "user", "assistant", "tool", "bot", ""]) | st.integers(),
                  "content": st.text(max_size=40) | st.none() | st.integers(),
                  "weight": st.sampled_from([0, 1, 2, 0.5, "1", True])}), max_size=5)
examples = st.fixed_dictionaries({"messages": messages}, optional={"extra": json_values}) | json_values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(examples.map(json.dumps) | st.text(max_size=30).filter(
    lambda t: not set(t) & {"\n", "\r", "\x00"}), min_size=1, max_size=12))
def test_random_json_never_crashes_the_validator(tmp_path, lines):
    path = tmp_path / "random.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = fd.validate_jsonl(path, fd.Gates(near_duplicate_similarity=0.8))
    assert report.lines == len(lines)
    assert all(1 <= p.line <= len(lines) and p.rule in fd.RULES and p.message for p in report.problems)
    for number, line in enumerate(lines, start=1):
        value, error = fd.parse_line(line)
        if error is not None or not line.strip():
            assert rules_on(report, number) & {"not_json", "blank_line"}
        elif not isinstance(value, dict):
            assert "not_dict" in rules_on(report, number)
        elif not report.lines_with(severity="error") & {number}:
            assert fd.trained_answers(value["messages"])  # accepted lines always have an answer to learn


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=400))
def test_random_bytes_never_crash_the_validator(tmp_path, blob):
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(blob)
    report = fd.validate_jsonl(path)
    assert report.lines >= 1 and all(p.rule in fd.RULES for p in report.problems)


@settings(max_examples=80, deadline=None)
@given(content=st.lists(st.text(st.characters(categories=["L", "N", "P"]), min_size=1, max_size=10), min_size=4,
                        max_size=12).map(" ".join).filter(lambda t: not any(h in t.lower() for h in fd.HEDGING_PHRASES)))
def test_any_well_formed_example_passes(content):
    assert fd.check_example(with_answer(content)) == []


# --- the notebook's exercises ----------------------------------------------------------------------------------
def notebook_check_line(line):
    """check_line as notebook 07 writes it, plus the two rules exercise 1 asks for (a model solution)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return [("not_json", exc.msg)]
    if not isinstance(obj, dict):
        return [("not_dict", type(obj).__name__)]
    messages = obj.get("messages")
    if not isinstance(messages, list):
        return [("missing_messages", "")]
    problems = []
    for i, message in enumerate(messages):
        if "role" not in message:
            problems.append(("missing_role", i))
        elif message["role"] not in {"system", "user", "assistant", "tool"}:
            problems.append(("unknown_role", message["role"]))
        if "content" not in message:
            problems.append(("missing_content", i))
        elif message.get("role") == "assistant" and not str(message["content"]).strip():
            problems.append(("empty_assistant", i))
        if "weight" in message and not (type(message["weight"]) is int and message["weight"] in (0, 1)):
            problems.append(("bad_weight", message["weight"]))
    if not any(m.get("role") == "assistant" for m in messages):
        problems.append(("no_assistant", ""))
    return problems


def test_exercise_07_format_check_is_achievable():
    from helpers.finetune import exercises

    ok, message = exercises.verify("07.format_check", notebook_check_line)
    assert ok, message

    def without_weights(line):
        return [p for p in notebook_check_line(line) if p[0] != "bad_weight"]

    ok, message = exercises.verify("07.format_check", without_weights)
    assert not ok and "line 6" in message
    assert not exercises.verify("07.format_check", "not a function")[0]


def test_exercise_07_cost_and_best_model():
    import pandas as pd

    from helpers.finetune import exercises

    model = min((m for m in registry.models().values() if m.training_usd_per_mtok), key=lambda m: m.training_usd_per_mtok)
    right = 500 * 400 * fd.auto_epochs(500) * model.training_usd_per_mtok / 1e6
    assert exercises.verify("07.training_cost", right)[0]
    ok, message = exercises.verify("07.training_cost", right / fd.auto_epochs(500))
    assert not ok and "one epoch" in message
    table = pd.DataFrame({"order fields": [0.0, 0.14, 0.17]}, index=["base", "clean", "raw"])
    assert exercises.verify("07.best_field_accuracy", ("raw", table))[0]
    assert not exercises.verify("07.best_field_accuracy", ("clean", table))[0]
