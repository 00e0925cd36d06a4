"""Keeping an index fresh: change documents in a working copy of a knowledge base, then re-index incrementally,
re-embedding only the documents whose content changed (new ones added, deleted ones dropped).

Taught in notebooks/06b_when_rag_is_not_the_answer.ipynb (section 2, "freshness"). The course's data/ folder is never
edited: changes go to a copy under ``$COURSE_CACHE_DIR``, and every file is written to a temporary name and renamed into
place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers.files import atomic_folder, write_text_atomic
from helpers.rag.chunking import Chunk, fixed_chunks
from helpers.rag.corpus import Corpus, Document
from helpers.rag.index import NumpyStore, embed_texts
from helpers.rag.retrieval import Retriever, ScoredChunk


def copy_corpus(source: str | Path, dest: str | Path) -> Path:
    """A fresh copy of the folder ``source`` at ``dest`` (an older copy there is replaced). The copy is made under a
    temporary name first, so an interrupted copy never looks complete."""
    source, dest = Path(source), Path(dest)
    if not source.is_dir():
        raise FileNotFoundError(f"{source} is not a folder of documents; pass the knowledge base folder (data/kb).")
    if dest.resolve() == source.resolve() or source.resolve() in dest.resolve().parents:
        raise ValueError(f"copy {source} somewhere outside itself (got {dest}).")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_folder(dest) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
    return dest


def update_folder(folder: str | Path, *, edit: dict | None = None, add: dict | None = None,
                  remove: list | None = None) -> list[str]:
    """Change documents in ``folder``: ``edit`` maps a file name to ``[(old, new), ...]`` text replacements (each
    ``old`` must occur exactly once), ``add`` maps a new file name to its text, ``remove`` lists file names.
    Everything is checked before anything is written; returns one line per change."""
    folder = Path(folder)
    edit, add, remove = edit or {}, add or {}, list(remove or [])
    problems, new_texts = [], {}
    for name, replacements in edit.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"edit: {path} does not exist")
            continue
        text = path.read_text(encoding="utf-8")
        for old, new in replacements:
            if text.count(old) != 1:
                problems.append(f"edit: {name} contains {old!r} {text.count(old)} times (it must be exactly once)")
            text = text.replace(old, new)
        new_texts[name] = text
    problems += [f"add: {folder / n} already exists" for n in add if (folder / n).exists()]
    problems += [f"remove: {folder / n} does not exist" for n in remove if not (folder / n).is_file()]
    if problems:
        raise ValueError("Nothing was changed:\n  - " + "\n  - ".join(problems))
    for name, text in {**new_texts, **add}.items():
        write_text_atomic(folder / name, text)
    for name in remove:
        (folder / name).unlink()
    return ([f"edited {n} ({len(r)} replacement(s))" for n, r in edit.items()] + [f"added {n}" for n in add]
            + [f"removed {n}" for n in remove])


def document_hash(doc: Document) -> str:
    """Changes whenever the document's title, text or metadata changes."""
    blob = json.dumps([doc.title, doc.text, doc.metadata], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def changed_ids(old: dict[str, str], new: dict[str, str]) -> dict[str, list[str]]:
    """Which document ids to embed again and which to drop, from two {id: :func:`document_hash`} maps: "added" and
    "changed" in ``new``'s order, "removed" in ``old``'s (notebook 06b, section 2, and its exercise)."""
    return {"added": [i for i in new if i not in old], "changed": [i for i in new if i in old and old[i] != new[i]],
            "removed": [i for i in old if i not in new]}


@dataclass
class SyncReport:
    """What one :meth:`IncrementalIndex.sync` did."""

    added: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    unchanged: int = 0
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0

    @property
    def documents_embedded(self) -> int:
        return len(self.added) + len(self.changed)


class IncrementalIndex(Retriever):
    """Dense retrieval over a changing corpus. :meth:`sync` compares each document's hash with the last sync and
    embeds only new and changed documents (no embedding cache: every embedded chunk is really computed, so the
    timing is honest); removed documents disappear from the index. Chunks as in notebook 03 (fixed word windows)."""

    def __init__(self, *, chunk_size: int = 200, overlap: int = 40, name: str = "incremental dense"):
        self.chunk_size, self.overlap, self.name = chunk_size, overlap, name
        self.hashes: dict[str, str] = {}
        self.doc_chunks: dict[str, list[Chunk]] = {}
        self.doc_vectors: dict[str, np.ndarray] = {}
        self.chunks: list[Chunk] = []
        self.store = NumpyStore(np.zeros((0, 1), dtype=np.float32))

    def sync(self, corpus: Corpus) -> SyncReport:
        """Bring the index up to date with ``corpus``; returns what was added, changed, removed and embedded."""
        start = time.perf_counter()
        report = SyncReport()
        current = {doc.id: doc for doc in corpus}
        digests = {doc_id: document_hash(doc) for doc_id, doc in current.items()}
        changes = changed_ids(self.hashes, digests)
        report.added, report.changed, report.removed = changes["added"], changes["changed"], changes["removed"]
        report.unchanged = len(current) - len(report.added) - len(report.changed)
        stale = set(report.added) | set(report.changed)
        todo = [doc for doc_id, doc in current.items() if doc_id in stale]  # in corpus order, as before
        for doc_id in report.added + report.changed:
            self.hashes[doc_id] = digests[doc_id]
        for doc_id in report.removed:
            for table in (self.hashes, self.doc_chunks, self.doc_vectors):
                table.pop(doc_id, None)
        new_chunks = fixed_chunks(todo, self.chunk_size, self.overlap)
        vectors = embed_texts([c.text for c in new_chunks], cache=False)
        for doc in todo:
            picked = [i for i, c in enumerate(new_chunks) if c.doc_id == doc.id]
            self.doc_chunks[doc.id] = [new_chunks[i] for i in picked]
            self.doc_vectors[doc.id] = vectors[picked]
        order = [d for d in current if d in self.doc_chunks]
        self.chunks = [c for d in order for c in self.doc_chunks[d]]
        self.store = NumpyStore(np.concatenate([self.doc_vectors[d] for d in order]) if order
                                else np.zeros((0, 1), np.float32))
        report.chunks_embedded, report.chunks_total = len(new_chunks), len(self.chunks)
        report.seconds = time.perf_counter() - start
        return report

    def search(self, query: str, n: int) -> list[ScoredChunk]:
        if not self.chunks:
            raise ValueError("the index is empty: call sync(corpus) first")
        vector = embed_texts([query], cache=False)[0]
        return [ScoredChunk(self.chunks[i], s) for i, s in self.store.search(vector, n)]
