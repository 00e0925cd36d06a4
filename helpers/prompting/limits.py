"""Measuring where prompting stops being enough: format drift, unknown jargon, brand tone, and the cost of long
prompts at volume (with and without prompt caching).

Taught in notebooks/02_when_prompting_falls_short.ipynb (each idea is written out there first). Every scorer here
is deterministic and never raises on a malformed output: garbage in, a counted failure out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.datasets import DATA, TICKET_LABELS, read_jsonl
from helpers.prompting.patterns import Parsed, extract_json_object

PROMPTING = DATA / "prompting"

# --- the data of notebook 02 (data/prompting/, described in its README.md) ----------------------------------


def caller_prompts() -> list[dict]:
    """The 20 differently worded caller prompts for one task: id, asks_for (json, category_line, bare_label or
    unspecified) and template (with ``{ticket}`` and ``{labels}`` placeholders)."""
    return read_jsonl(PROMPTING / "caller_prompts.jsonl")


def fill(template: str, ticket: str, labels: Sequence[str] = TICKET_LABELS) -> str:
    """A caller template with the ticket and the label list filled in. Plain replacement, not ``str.format``:
    the JSON examples in the templates contain braces."""
    return template.replace("{labels}", ", ".join(labels)).replace("{ticket}", ticket)


def jargon_questions() -> list[dict]:
    """Questions that use Pulseboard's internal jargon: id, term, question, facts (see :func:`score_answer`),
    source (the knowledge-base file) and reference (the passage the facts come from)."""
    return read_jsonl(PROMPTING / "jargon_questions.jsonl")


def brand_guide(path: Path = PROMPTING / "brand_voice.md") -> str:
    """The brand-voice guide as pasted into a prompt: everything below the "## The guide" heading."""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^## The guide[ \t]*$", text, maxsplit=1, flags=re.MULTILINE)
    if len(parts) < 2:
        raise ValueError(f"{path} has no '## The guide' heading; the guide is the text below it.")
    return parts[1].strip()


def brand_examples() -> list[dict]:
    """A few on-brand replies: id, customer_name, message, reply (each passes every rule of the guide)."""
    return read_jsonl(PROMPTING / "brand_examples.jsonl")


def tone_inputs() -> list[dict]:
    """Customer messages to reply to in the tone experiment: id, customer_name, message."""
    return read_jsonl(PROMPTING / "tone_inputs.jsonl")


# --- 1. format drift ------------------------------------------------------------------------------------------
FORMATS = ("json", "json_invalid", "category_line", "bare_label", "prose", "empty")
_CATEGORY_LINE = re.compile(r"^[\s>*_#`-]*category[\s*_`]*[:=][\s*_`\"']*([A-Za-z][A-Za-z _-]*)", re.IGNORECASE | re.MULTILINE)


def _label_of(word: object, labels: Sequence[str] = TICKET_LABELS) -> str | None:
    """``word`` as one of ``labels`` ("feature request", "Feature-Request" -> FEATURE_REQUEST), else None."""
    if not isinstance(word, str):
        return None
    key = re.sub(r"[\s-]+", "_", word.strip().strip("\"'`*.!:;,()[]{}").strip()).upper()
    return key if key in labels else None


def _bare(text: str) -> str:
    """The output without code fences, quotes, bold marks and a trailing full stop."""
    text = re.sub(r"^```[a-zA-Z]*\s*|\s*```$", "", text.strip())
    return text.strip().strip("\"'`*").rstrip(".").strip()


def classify_format(text: object, labels: Sequence[str] = TICKET_LABELS) -> str:
    """The shape of one output, one of :data:`FORMATS`, checked in this order:
    empty (nothing but whitespace) -> json (contains a parseable JSON object) -> json_invalid (starts like JSON,
    ``{`` or a json code fence, but does not parse) -> category_line (a line "Category: X") -> bare_label (the whole
    output is one label) -> prose (anything else). The shape says nothing about whether the label is valid."""
    if not isinstance(text, str) or not text.strip():
        return "empty"
    if extract_json_object(text).ok:
        return "json"
    stripped = text.strip()
    if stripped.startswith("{") or stripped.lower().startswith("```json"):
        return "json_invalid"
    if _CATEGORY_LINE.search(text):
        return "category_line"
    if _label_of(_bare(text), labels):
        return "bare_label"
    return "prose"


def parse_label(text: object, labels: Sequence[str] = TICKET_LABELS) -> Parsed:
    """What a tolerant downstream parser gets from one output: a label from JSON (key "category" or "label"), from a
    "Category: X" line, or from a bare label. Prose, empty output, broken JSON and unknown labels are parse failures
    (``ok=False`` with the reason): a label merely mentioned in prose is ambiguous, so it is not accepted."""
    shape = classify_format(text, labels)
    if shape in ("empty", "json_invalid", "prose"):
        return Parsed(error={"empty": "empty output", "json_invalid": "JSON that does not parse",
                             "prose": "prose, no machine-readable label"}[shape])
    if shape == "json":
        value = extract_json_object(text).value
        raw = next((value[k] for k in ("category", "label", "Category", "Label") if k in value), None)
        label = _label_of(raw, labels)
        if label is None:
            return Parsed(error=f"JSON without a valid category: {json.dumps(value)[:60]}")
        return Parsed(value=label, ok=True)
    if shape == "category_line":
        raw = _CATEGORY_LINE.search(text).group(1)
        label = _label_of(raw, labels) or _label_of(raw.split()[0] if raw.split() else "", labels)
        if label is None:
            return Parsed(error=f"'Category:' line with an unknown label: {raw.strip()[:40]!r}")
        return Parsed(value=label, ok=True)
    return Parsed(value=_label_of(_bare(text), labels), ok=True)


def followed_request(shape: str, asks_for: str) -> bool | None:
    """Did the output come back in the format the caller asked for? None when the caller asked for no format."""
    if asks_for == "unspecified":
        return None
    return shape == asks_for


# --- 2. jargon: answers scored against reference facts -----------------------------------------------------
ABSTAIN = re.compile(r"\b(i (do not|don't|cannot|can't) (know|find|say|tell|answer)|not sure|no (information|idea)|"
                     r"(am|'m) not (aware|familiar)|unable to|don't have (any )?(information|access)|"
                     r"not (familiar|aware))\b", re.IGNORECASE)
VERDICTS = ("correct", "partial", "wrong", "abstained", "empty")


def normalize(text: object) -> str:
    """Lower case, every run of characters other than letters, digits, % and $ turned into one space."""
    if not isinstance(text, str):
        return ""
    return " ".join(re.sub(r"[^a-z0-9%$]+", " ", text.lower()).split())


def mentions(text: object, alternative: str) -> bool:
    """Whether normalized ``text`` contains ``alternative`` as whole words. A trailing ``*`` on the alternative
    matches any ending of its last word ("render*" matches render, rendering, renderer)."""
    norm = f" {normalize(text)} "
    prefix = alternative.strip().endswith("*")
    phrase = normalize(alternative.rstrip("*"))
    if not phrase:
        return False
    return f" {phrase}" in norm if prefix else f" {phrase} " in norm


@dataclass
class FactScore:
    """How one answer did against a question's reference facts."""

    matched: int
    total: int
    verdict: str
    missing: list

    @property
    def score(self) -> float:
        return self.matched / self.total if self.total else 0.0


def score_answer(answer: object, facts: Sequence[Sequence[str]]) -> FactScore:
    """Score an answer against reference facts. Each fact is a list of alternatives (any one counts). Verdict:
    correct (every fact), partial (some), abstained (none, and the answer says it does not know), wrong (none,
    said confidently: a hallucination), empty."""
    facts = [list(f) for f in (facts if isinstance(facts, (list, tuple)) else []) if isinstance(f, (list, tuple)) and f]
    if not isinstance(answer, str) or not answer.strip():
        return FactScore(0, len(facts), "empty", [f[0] for f in facts])
    hits = [any(mentions(answer, alt) for alt in fact if isinstance(alt, str)) for fact in facts]
    matched = sum(hits)
    missing = [fact[0] for fact, hit in zip(facts, hits) if not hit]
    if facts and matched == len(facts):
        verdict = "correct"
    elif matched:
        verdict = "partial"
    else:
        verdict = "abstained" if ABSTAIN.search(answer) else "wrong"
    return FactScore(matched, len(facts), verdict, missing)


# --- 3. tone: a deterministic rubric from the written brand-voice guide --------------------------------------
STOCK_PHRASES = ("we apologize for any inconvenience", "we apologise for any inconvenience",
                 "sorry for any inconvenience", "sorry for the inconvenience", "dear valued customer",
                 "please be advised", "kindly", "do not hesitate", "don't hesitate", "as per", "rest assured",
                 "unfortunately")
INTERNAL_JARGON = ("prism", "tidewater", "frosted", "ghost seat", "canary", "dunning", "entitlement", "sev 1",
                   "sev 2", "sev 3", "sev1", "sev2", "sev3")
ACRONYMS = {"SAML", "SCIM", "HMAC", "HTTP", "HTTPS", "JSON", "UTC", "CSV", "API", "SSO", "URL", "PNG", "PDF",
            "GDPR", "INV", "CEST", "EST", "CET", "AWS"}
_YOU = {"you", "your", "yours", "yourself", "you're", "you'll", "you've", "you'd"}
_WE = {"we", "us", "our", "ours", "we're", "we'll", "we've", "we'd", "i", "me", "my", "i'm", "i'll", "i've", "i'd"}
_CONTRACTION = re.compile(r"\b[a-z]+'(ll|re|s|ve|d|m|t)\b")
TONE_CRITERIA = ("greeting", "sign_off", "length", "short_sentences", "you_focus", "contraction",
                 "no_stock_phrases", "no_jargon", "calm", "specific")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'"))


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p for p in parts if _words(p)]


def score_tone(reply: object, customer_name: str | None = None) -> dict[str, bool]:
    """One boolean per rule of data/prompting/brand_voice.md (keys: :data:`TONE_CRITERIA`). The greeting and
    sign-off lines are left out of the sentence-length count. Never raises: a non-text reply fails everything."""
    if not isinstance(reply, str) or not reply.strip():
        return {name: False for name in TONE_CRITERIA}
    text = reply.replace("’", "'").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first, last = lines[0], lines[-1]
    name = (customer_name or "").strip()
    greeting = re.match(r"^hi\s+" + (re.escape(name) if name else r"\w[\w'-]*") + r"\b", first,
                        re.IGNORECASE) is not None
    sign_off = re.sub(r"^[\s—–-]+", "", last).rstrip(". ").lower() == "the pulseboard team"
    words = _words(text)
    body_lines = lines[1 if greeting else 0: len(lines) - 1 if sign_off else len(lines)]
    sentences = _sentences("\n".join(body_lines))
    mean_len = sum(len(_words(s)) for s in sentences) / len(sentences) if sentences else 0.0
    you = sum(w in _YOU for w in words)
    we = sum(w in _WE for w in words)
    norm = f" {normalize(text)} "
    lowered = " ".join(text.lower().split())
    shouting = [w for w in re.findall(r"\b[A-Z]{4,}\b", text) if w not in ACRONYMS]
    return {
        "greeting": greeting,
        "sign_off": sign_off,
        "length": 30 <= len(words) <= 120,
        "short_sentences": bool(sentences) and mean_len <= 20,
        "you_focus": you >= 1 and you >= we,
        "contraction": _CONTRACTION.search(text.lower()) is not None,
        "no_stock_phrases": not any(p in lowered for p in STOCK_PHRASES),
        "no_jargon": not any(f" {normalize(j)} " in norm or f" {normalize(j)}s " in norm for j in INTERNAL_JARGON),
        "calm": text.count("!") <= 1 and not shouting,
        "specific": re.search(r"\d", text) is not None,
    }


def tone_score(reply: object, customer_name: str | None = None) -> float:
    """The share of the guide's rules a reply follows (0.0 to 1.0)."""
    checks = score_tone(reply, customer_name)
    return sum(checks.values()) / len(checks)


# --- 4. cost of long prompts at volume, with and without prompt caching -------------------------------------
MINUTES_PER_DAY = 24 * 60


def cache_writes(calls: int, *, ttl_minutes: float = 5.0, days: float = 30.0) -> int:
    """How many calls must (re)write the cache when ``calls`` are spread evenly over ``days``: one write if the gap
    between calls is within the cache lifetime (each read refreshes it), else every call finds the cache expired."""
    calls = max(0, int(calls))
    if calls == 0:
        return 0
    gap_minutes = days * MINUTES_PER_DAY / calls
    return 1 if gap_minutes <= ttl_minutes else calls


def monthly_cost(model, calls: int, prefix_tokens: int, fresh_tokens: int, output_tokens: int, *,
                 caching: bool = False, ttl_minutes: float = 5.0, days: float = 30.0,
                 min_cacheable_tokens: int = 1024) -> float:
    """Dollars for ``calls`` calls whose prompts share a ``prefix_tokens`` prefix (instructions and few-shot
    examples) and add ``fresh_tokens`` of their own. With ``caching``, the prefix is billed at the cache-write price
    on :func:`cache_writes` calls and at the cache-read price on the rest (``ModelInfo.cached_cost``); a prefix
    shorter than ``min_cacheable_tokens`` is not cached at all, as the providers do."""
    calls = max(0, int(calls))
    if not caching or prefix_tokens < min_cacheable_tokens or model.cache_read_usd_per_mtok is None:
        return calls * model.cost(prefix_tokens + fresh_tokens, output_tokens)
    writes = cache_writes(calls, ttl_minutes=ttl_minutes, days=days)
    return (writes * model.cached_cost(prefix_tokens, fresh_tokens, output_tokens, write=True)
            + (calls - writes) * model.cached_cost(prefix_tokens, fresh_tokens, output_tokens, write=False))


def cost_table(models: Iterable, volumes: Sequence[int], prefix_tokens: int, fresh_tokens: int, output_tokens: int,
               **cache_options) -> pd.DataFrame:
    """One row per (model, monthly volume): dollars without caching, with caching, and the saving."""
    rows = []
    for model in models:
        for calls in volumes:
            plain = monthly_cost(model, calls, prefix_tokens, fresh_tokens, output_tokens, caching=False)
            cached = monthly_cost(model, calls, prefix_tokens, fresh_tokens, output_tokens, caching=True,
                                  **cache_options)
            rows.append({"model": model.id, "provider": model.provider, "calls per month": calls,
                         "$ no caching": plain, "$ with caching": cached,
                         "saving %": 100 * (plain - cached) / plain if plain else 0.0})
    return pd.DataFrame(rows)
