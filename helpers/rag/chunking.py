"""Chunkers: fixed-size word windows, Markdown sections, and small chunks that point at their parent section.

Fixed-size chunks are taught in notebooks/03_naive_rag.ipynb; sections and small-to-big (parent-document) retrieval in
notebooks/04_advanced_rag.ipynb. Sizes are in words (whitespace-separated), which every learner can count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from helpers.rag.corpus import Document

HEADING = re.compile(r"^(#{1,3})\s+(.*\S)\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Chunk:
    """A piece of one document. ``parent_id`` names the section it came from (small-to-big), if any."""

    id: str
    doc_id: str
    text: str
    title: str = ""
    parent_id: str | None = None
    metadata: dict = field(default_factory=dict)


def _check_sizes(size: int, overlap: int) -> None:
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"chunk size must be a positive number of words, not {size!r}")
    if not isinstance(overlap, int) or not 0 <= overlap < size:
        raise ValueError(f"overlap must be between 0 and size-1 words (size={size}), not {overlap!r}")


def word_windows(text: str, size: int, overlap: int) -> list[str]:
    """Split ``text`` into windows of ``size`` words, each starting ``size - overlap`` words after the last."""
    _check_sizes(size, overlap)
    words = text.split()
    if not words:
        return []
    step = size - overlap
    starts = range(0, max(len(words) - overlap, 1), step)
    return [" ".join(words[s:s + size]) for s in starts]


def fixed_chunks(documents: Iterable[Document], size: int = 200, overlap: int = 40) -> list[Chunk]:
    """Naive chunking: every document cut into overlapping windows of ``size`` words, ignoring its structure."""
    chunks = []
    for doc in documents:
        for n, piece in enumerate(word_windows(doc.text, size, overlap)):
            chunks.append(Chunk(id=f"{doc.id}#c{n}", doc_id=doc.id, text=piece, title=doc.title,
                                metadata=dict(doc.metadata)))
    return chunks


def sections(documents: Iterable[Document], max_words: int | None = None) -> list[Chunk]:
    """One chunk per Markdown section (a ``#``, ``##`` or ``###`` heading and the text under it; headings inside code
    fences do not count). Text before the first heading is its own section. A section longer than ``max_words`` is
    split into word windows."""
    out = []
    for doc in documents:
        parts: list[tuple[str, list[str]]] = []
        heading, lines, in_fence = "", [], False
        for line in doc.text.splitlines():
            if FENCE.match(line):
                in_fence = not in_fence
            match = None if in_fence else HEADING.match(line)
            if match:
                if any(l.strip() for l in lines):
                    parts.append((heading, lines))
                heading, lines = match.group(2), [line]
            else:
                lines.append(line)
        if any(l.strip() for l in lines):
            parts.append((heading, lines))
        n = 0
        for heading, lines in parts:
            text = "\n".join(lines).strip()
            pieces = [text] if not max_words or len(text.split()) <= max_words else word_windows(text, max_words, 0)
            for piece in pieces:
                out.append(Chunk(id=f"{doc.id}#s{n}", doc_id=doc.id, text=piece, title=doc.title,
                                 metadata={**doc.metadata, "section": heading}))
                n += 1
    return out


def small_to_big(documents: Iterable[Document], small_size: int = 60, overlap: int = 10,
                 parent_max_words: int | None = 600) -> tuple[list[Chunk], dict[str, Chunk]]:
    """Parent-document chunking: sections are the parents; each is cut into small chunks that remember it.
    Returns (small chunks to index, parents by id)."""
    parents = sections(documents, max_words=parent_max_words)
    small = []
    for parent in parents:
        for n, piece in enumerate(word_windows(parent.text, small_size, overlap)):
            small.append(Chunk(id=f"{parent.id}.{n}", doc_id=parent.doc_id, text=piece, title=parent.title,
                               parent_id=parent.id, metadata=dict(parent.metadata)))
    return small, {p.id: p for p in parents}
