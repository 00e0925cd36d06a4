"""Sensitive data in RAG (notebooks/06b_when_rag_is_not_the_answer.ipynb, section 4): find the personal data a pipeline
would send to a provider, and redact it before indexing so that it never leaves.

Detection runs offline, from this module alone: patterns for e-mail addresses, international phone numbers, payment
card numbers (kept only when the Luhn checksum holds) and IBANs (kept only when the mod-97 check holds), plus a
directory of the people the company knows (its customers' members, ``data/support_db/members.csv``). A name that no
directory lists passes through: production systems add a named-entity model (Microsoft Presidio, spaCy) on top, which
needs a model download this course cannot assume.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from helpers import paths

KINDS = ("email", "phone", "card", "iban", "person")
# the company's own published addresses (privacy@, billing@ ...) are not anyone's personal data
OWN_DOMAINS = ("pulseboard.example",)
PLACEHOLDER = {kind: f"[{kind.upper()}]" for kind in KINDS}
# "maria@empresa.com", and the truncated "Marcus.Lindqvist@..." a customer types when hiding the domain
EMAIL = re.compile(r"[\w.%+-]+@(?:(?:[\w-]+\.)+[A-Za-z]{2,}|\.\.\.)")
# international numbers only ("+49 30 1234 5678", "+1 (415) 555-0100"): dates and invoice numbers have no "+"
PHONE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?(?:\(\d{1,5}\)|\d{1,5})){2,5}(?!\w)")
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind, where it is in the text and the text itself."""

    kind: str
    start: int
    end: int
    text: str


def luhn_ok(digits: str) -> bool:
    """The checksum every payment card number carries (ISO/IEC 7812)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _is_card_number(digits: str) -> bool:
    """A run of digits that passes the Luhn check and is not one digit repeated (0000..., 1111...)."""
    return len(set(digits)) > 1 and luhn_ok(digits)


def iban_ok(iban: str) -> bool:
    """ISO 13616's check: move the first four characters to the end, letters to numbers, the result mod 97 is 1."""
    text = iban.replace(" ", "")
    rearranged = text[4:] + text[:4]
    return 15 <= len(text) <= 34 and int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


@lru_cache(maxsize=4)
def directory(path: str | Path | None = None) -> tuple[str, ...]:
    """The full names of the customers' members (the people a support team knows by name), longest first."""
    path = Path(path) if path else paths.DATA_DIR / "support_db" / "members.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        names = {row["full_name"].strip() for row in csv.DictReader(handle) if row.get("full_name", "").strip()}
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


@lru_cache(maxsize=4)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    if not names:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")


def find(text: str, names: tuple[str, ...] = (), own_domains: tuple[str, ...] = OWN_DOMAINS) -> list[Finding]:
    """Every piece of personal data in ``text``, in order; overlaps keep the earlier, longer match. Addresses at
    ``own_domains`` (the company's own) are left alone."""
    found = [Finding("email", m.start(), m.end(), m.group(0)) for m in EMAIL.finditer(text)
             if m.group(0).rpartition("@")[2].lower() not in own_domains]
    found += [Finding("phone", m.start(), m.end(), m.group(0)) for m in PHONE.finditer(text)
              if 8 <= sum(c.isdigit() for c in m.group(0)) <= 15]
    found += [Finding("card", m.start(), m.end(), m.group(0)) for m in CARD.finditer(text)
              if _is_card_number(re.sub(r"\D", "", m.group(0)))]
    found += [Finding("iban", m.start(), m.end(), m.group(0)) for m in IBAN.finditer(text) if iban_ok(m.group(0))]
    pattern = _names_pattern(tuple(names))
    if pattern:
        found += [Finding("person", m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]
    kept, end = [], -1
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if item.start >= end:
            kept.append(item)
            end = item.end
    return kept


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """``text`` with every finding replaced by its kind's placeholder ("[EMAIL]", "[PERSON]", ...)."""
    pieces, last = [], 0
    for item in find(text, names):
        pieces += [text[last:item.start], PLACEHOLDER[item.kind]]
        last = item.end
    return "".join(pieces) + text[last:]


def redacted_corpus(corpus, names: tuple[str, ...] = ()):
    """A copy of a ``helpers.rag`` corpus whose documents (titles and bodies) are redacted: what to index instead."""
    from dataclasses import replace

    return replace(corpus, documents=[replace(d, title=redact(d.title, names), text=redact(d.text, names))
                                      for d in corpus.documents])


def exposure(pipeline, questions, names: tuple[str, ...] = (), *, k: int = 3):
    """Per question, the personal data in the sources a RAG prompt would carry to the provider
    (``helpers.rag.answer.context_block`` of the top ``k`` documents): one row with a count per kind, the found
    texts, and hit@``k`` for questions with gold documents (so that redaction's cost can be paired)."""
    import pandas as pd

    from helpers.rag.answer import context_block
    from helpers.rag.metrics import hit_at_k

    rows = []
    for q in questions:
        hits = pipeline.retrieve(q["question"], k)
        found = find(context_block(hits), names)
        gold = list(q.get("gold_doc_ids", []))
        row = {"id": q.get("id"), "question": q["question"], **{kind: 0 for kind in KINDS},
               "found": sorted({f.text for f in found}),
               f"hit@{k}": hit_at_k([h.doc_id for h in hits], gold, k) if gold else float("nan")}
        for item in found:
            row[item.kind] += 1
        row["any"] = int(bool(found))
        rows.append(row)
    return pd.DataFrame(rows)
