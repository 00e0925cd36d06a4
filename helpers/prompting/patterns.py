"""Prompt patterns and output parsers for the ticket classifier and the code reviewer.

Taught in notebooks/01_prompt_patterns.ipynb (each pattern is written out there first). Parsers never raise on
garbage: they return a :class:`Parsed` with ``ok=False`` and the reason, so failures are counted, not crashed on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from helpers.datasets import TICKET_LABELS

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO")


@dataclass
class Parsed:
    """The result of parsing one model output."""

    value: object = None
    ok: bool = False
    error: str | None = None


@dataclass
class Prompt:
    """One request: system prompt, messages (may end with an assistant prefill) and the parser for the answer."""

    system: str | None
    messages: list[dict]
    parser: object = None  # Callable[[str], Parsed]; the text passed in includes the prefill, if any
    max_tokens: int = 16
    stop: list[str] = field(default_factory=list)

    @property
    def prefill(self) -> str:
        last = self.messages[-1]
        return last["content"] if last["role"] == "assistant" else ""


_LABEL_WORDS = {label: re.compile(r"\b" + label.replace("_", r"[\s_-]?") + r"\b", re.IGNORECASE)
                for label in TICKET_LABELS}


def find_label(text: str, labels=TICKET_LABELS) -> Parsed:
    """The first label mentioned in ``text`` (FEATURE_REQUEST also as "feature request"). Format-valid only if
    exactly one distinct label appears."""
    if not isinstance(text, str) or not text.strip():
        return Parsed(error="empty output")
    hits = []
    for label in labels:
        match = _LABEL_WORDS[label].search(text)
        if match:
            hits.append((match.start(), label))
    if not hits:
        return Parsed(error="no label found")
    hits.sort()
    if len({label for _, label in hits}) > 1:
        return Parsed(value=hits[0][1], ok=False, error=f"several labels: {', '.join(l for _, l in hits)}")
    return Parsed(value=hits[0][1], ok=True)


def parse_category_line(text: str) -> Parsed:
    """A label after "Category:" (the answer format of the zero- and few-shot prompts); falls back to
    :func:`find_label` on the whole text, which is then counted as a format failure."""
    if not isinstance(text, str):
        return Parsed(error="not text")
    match = re.search(r"category\s*[:=]\s*\**\s*([A-Za-z_ -]+)", text, re.IGNORECASE)
    if match:
        found = find_label(match.group(1))
        if found.value:
            return Parsed(value=found.value, ok=True)
    loose = find_label(text)
    return Parsed(value=loose.value, ok=False, error="no 'Category: LABEL' line" + (
        f" (found {loose.value} elsewhere)" if loose.value else ""))


def parse_reasoning_then_category(text: str) -> Parsed:
    """Chain-of-thought format: ``<reasoning>...</reasoning>`` then ``Category: LABEL``. The label is read only
    after the closing tag, so a label mentioned while reasoning does not count."""
    if not isinstance(text, str):
        return Parsed(error="not text")
    close = text.find("</reasoning>")
    if close < 0:
        loose = parse_category_line(text)
        return Parsed(value=loose.value, ok=False, error="no </reasoning> tag")
    after = parse_category_line(text[close + len("</reasoning>"):])
    if after.ok and "<reasoning>" in text[:close]:
        return after
    return Parsed(value=after.value, ok=False, error=after.error or "no opening <reasoning> tag")


def extract_json_object(text: str) -> Parsed:
    """The first complete JSON object in ``text`` (code fences and chatter around it are ignored)."""
    if not isinstance(text, str):
        return Parsed(error="not text")
    decoder = json.JSONDecoder()
    for start in [m.start() for m in re.finditer(r"\{", text)]:
        try:
            value, _ = decoder.raw_decode(text[start:])
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return Parsed(value=value, ok=True)
    return Parsed(error="no JSON object")


def parse_json_category(text: str, key: str = "category") -> Parsed:
    """``{"category": "LABEL", ...}``: valid when the JSON parses and the key holds one of the labels."""
    found = extract_json_object(text)
    if not found.ok:
        loose = find_label(text or "")
        return Parsed(value=loose.value, ok=False, error=found.error)
    raw = found.value.get(key)
    if not isinstance(raw, str):
        return Parsed(error=f"JSON has no string {key!r}")
    label = raw.strip().upper().replace(" ", "_").replace("-", "_")
    if label not in TICKET_LABELS:
        return Parsed(value=find_label(raw).value, ok=False, error=f"{raw!r} is not a label")
    return Parsed(value=label, ok=True)


# --- the code reviewer --------------------------------------------------------------------------------------
REVIEW_LINE = re.compile(r"^\s*[-*]?\s*\[(CRITICAL|HIGH|MEDIUM|LOW|INFO)\]\s*Line\s+(\d+)\s*:\s*(.+)$", re.IGNORECASE)


def parse_review(text: str) -> Parsed:
    """Findings in the ``[SEVERITY] Line N: problem`` format: value is a list of dicts (severity, line, text).
    Format-valid when there is at least one finding and every non-empty line is a finding or its ``Fix:``."""
    if not isinstance(text, str) or not text.strip():
        return Parsed(value=[], error="empty output")
    findings, stray = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        match = REVIEW_LINE.match(line)
        if match:
            findings.append({"severity": match.group(1).upper(), "line": int(match.group(2)),
                             "text": match.group(3).strip()})
        elif not re.match(r"^\s*(fix|fixed|corrected)\b", line, re.IGNORECASE) and not line.strip().startswith("```"):
            stray += 1
    if not findings:
        return Parsed(value=[], error="no [SEVERITY] Line N: findings")
    return Parsed(value=findings, ok=stray == 0, error=None if stray == 0 else f"{stray} lines outside the format")


def match_planted_issues(findings: list[dict], planted: list[dict], line_slack: int = 1) -> list[bool]:
    """For each planted issue, whether some finding points at its line (within ``line_slack``), or names one of
    its keywords within five lines of it."""
    found = []
    for issue in planted:
        hit = False
        for f in findings:
            distance = abs(f["line"] - issue["line"])
            named = any(k.lower() in f["text"].lower() for k in issue.get("keywords", []))
            hit = hit or distance <= line_slack or (named and distance <= 5)
        found.append(hit)
    return found
