"""Parsers never crash on garbage; they count it as a format failure."""

import pytest

from helpers.prompting import patterns as prompting

GARBAGE = [None, "", "   ", "\x00\x01", "{", "}{", '{"category": ', "Category:", "[[[", 42, ["BILLING"], "🙂" * 50]


@pytest.mark.parametrize("parser", [prompting.find_label, prompting.parse_category_line,
                                    prompting.parse_reasoning_then_category, prompting.parse_json_category,
                                    prompting.extract_json_object, prompting.parse_review])
@pytest.mark.parametrize("text", GARBAGE, ids=repr)
def test_parsers_never_raise_on_garbage(parser, text):
    result = parser(text)
    assert isinstance(result, prompting.Parsed)
    assert result.ok is False
    assert result.error


@pytest.mark.parametrize("text,value,ok", [
    ("Category: BILLING", "BILLING", True),
    ("category = feature request", "FEATURE_REQUEST", True),
    ("**Category:** technical\nbecause the export fails", "TECHNICAL", True),
    ("I think this is about BILLING", "BILLING", False),  # label present, but not in the asked format
    ("Category: SHIPPING", None, False),
    ("The customer mentions ACCOUNT and BILLING", "ACCOUNT", False),
])
def test_category_line(text, value, ok):
    result = prompting.parse_category_line(text)
    assert (result.value, result.ok) == (value, ok)


def test_find_label_rejects_several_labels_but_reports_the_first():
    result = prompting.find_label("Not BILLING, it is TECHNICAL")
    assert result.value == "BILLING" and not result.ok and "several labels" in result.error


def test_reasoning_label_is_read_after_the_closing_tag_only():
    text = "<reasoning>Could be BILLING, but the export fails.</reasoning>\nCategory: TECHNICAL"
    assert prompting.parse_reasoning_then_category(text).value == "TECHNICAL"
    assert prompting.parse_reasoning_then_category(text).ok
    unclosed = prompting.parse_reasoning_then_category("<reasoning>It is about money. Category: BILLING")
    assert not unclosed.ok and unclosed.error == "no </reasoning> tag"
    no_open = prompting.parse_reasoning_then_category("</reasoning>Category: OTHER")
    assert no_open.value == "OTHER" and not no_open.ok


@pytest.mark.parametrize("text,value,ok", [
    ('{"category": "ACCOUNT"}', "ACCOUNT", True),
    ('Sure! ```json\n{"category": "feature-request", "confidence": 0.9}\n```', "FEATURE_REQUEST", True),
    ('{"category": "ACCOUNT"', "ACCOUNT", False),  # truncated JSON: the label is read loosely, format fails
    ('{"label": "ACCOUNT"}', None, False),  # wrong key
    ('{"category": "REFUND"}', None, False),
    ('{"category": ["BILLING"]}', None, False),
    ('[{"category": "BILLING"}]', "BILLING", True),  # the first object inside a list still counts
])
def test_json_category(text, value, ok):
    result = prompting.parse_json_category(text)
    assert (result.value, result.ok) == (value, ok)


def test_review_parser():
    text = ("[CRITICAL] Line 12: SQL built with string formatting\nFix: use a parameter\n"
            "- [low] line 3: unused import\n")
    result = prompting.parse_review(text)
    assert result.ok
    assert result.value == [{"severity": "CRITICAL", "line": 12, "text": "SQL built with string formatting"},
                            {"severity": "LOW", "line": 3, "text": "unused import"}]
    stray = prompting.parse_review(text + "Overall this is great code!")
    assert not stray.ok and len(stray.value) == 2 and "1 lines outside" in stray.error


def test_match_planted_issues():
    planted = [{"line": 10, "keywords": ["injection"]}, {"line": 30, "keywords": ["float"]},
               {"line": 50, "keywords": ["timing"]}]
    findings = [{"severity": "HIGH", "line": 11, "text": "unsafe"},
                {"severity": "LOW", "line": 33, "text": "money held in a float"},
                {"severity": "LOW", "line": 70, "text": "timing attack"}]
    assert prompting.match_planted_issues(findings, planted) == [True, True, False]


def test_prompt_prefill():
    p = prompting.Prompt(system=None, messages=[{"role": "user", "content": "x"},
                                                {"role": "assistant", "content": "Category:"}])
    assert p.prefill == "Category:"
    assert prompting.Prompt(system=None, messages=[{"role": "user", "content": "x"}]).prefill == ""
