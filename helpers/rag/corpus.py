"""Load a folder of Markdown/text documents and a question set, reporting bad input instead of crashing.

Taught in notebooks/03_naive_rag.ipynb ("bring your own documents"). Every problem names the file and the line;
valid documents and questions still load.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
ID_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class CorpusError(ValueError):
    """Nothing usable was found: the message says what to point the loader at instead."""


@dataclass
class Problem:
    """One bad input: which file, which line (1-based, 0 when the whole file), and what to do."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Document:
    """One document: a stable id, a title, the body text (front matter removed) and its metadata."""

    id: str
    title: str
    text: str
    metadata: dict = field(default_factory=dict)
    path: str = ""


@dataclass
class Corpus:
    """The documents that loaded, in file-name order, and the problems met on the way."""

    folder: str
    documents: list[Document]
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self):
        return iter(self.documents)

    def __getitem__(self, doc_id: str) -> Document:
        return self.by_id[doc_id]

    @property
    def by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.documents]

    def fingerprint(self) -> str:
        """Changes whenever any document's id, title, text or metadata changes (used to key caches)."""
        digest = hashlib.sha256()
        for doc in self.documents:
            digest.update(json.dumps([doc.id, doc.title, doc.text, doc.metadata], sort_keys=True,
                                     default=str).encode())
        return digest.hexdigest()[:16]


def _title_from(body: str, fallback: str) -> str:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def _read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(shown, 0, f"cannot be read ({exc.strerror or exc}); check its permissions. Skipped."))
        return None
    if b"\x00" in raw[:8192]:
        problems.append(Problem(shown, 0, "looks like a binary file (it contains NUL bytes); only Markdown or plain "
                                          "text is indexed. Skipped: convert it to .md or .txt first."))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(shown, line, f"is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}). "
                                             "Skipped: re-save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)."))
        return None


def _parse_document(text: str, path: Path, shown: str, problems: list[Problem]) -> Document | None:
    meta: dict = {}
    body = text
    match = FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line + 2) if mark is not None else 1  # +1 for the opening '---', +1 for 1-based
            problems.append(Problem(shown, line, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)}); "
                                                 "the document is loaded without it, id from the file name."))
            loaded = {}
        if loaded is not None and not isinstance(loaded, dict):
            problems.append(Problem(shown, 2, "front matter is not a 'key: value' mapping; ignored."))
            loaded = {}
        meta = dict(loaded or {})
        body = text[match.end():]
    elif text.startswith("---"):
        problems.append(Problem(shown, 1, "starts with '---' but the front matter is never closed by a second '---' "
                                          "line; the whole file is treated as the body."))
    if not body.strip():
        problems.append(Problem(shown, 0, "has no text after the front matter. Skipped."))
        return None
    raw_id = meta.pop("id", None)
    doc_id = str(raw_id).strip() if raw_id not in (None, "") else ID_SAFE.sub("-", path.stem).strip("-")
    title = str(meta.pop("title", "") or _title_from(body, path.stem))
    meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
    return Document(id=doc_id, title=title, text=body.strip(), metadata=meta, path=str(path))


def _id_line(text: str) -> int:
    for number, line in enumerate(text.splitlines()[:60], start=1):
        if line.startswith("id:"):
            return number
    return 0


def load_corpus(folder: str | Path, *, suffixes: tuple[str, ...] = TEXT_SUFFIXES, recursive: bool = True,
                quiet: bool = False) -> Corpus:
    """Read every Markdown/text file under ``folder`` into :class:`Document` objects.

    Front matter (YAML between ``---`` lines) is optional: ``id`` defaults to the file name, ``title`` to the first
    ``# heading``; other keys become metadata. Binary, unreadable, non-UTF-8 and empty files are skipped, and a
    second file with an id already taken is skipped; each is reported in ``corpus.problems`` (and printed as a
    warning unless ``quiet``). Raises :class:`CorpusError` when the folder is missing or yields no document.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise CorpusError(f"{root} is not a folder. Point load_corpus at a folder of .md or .txt files, "
                          f"e.g. load_corpus('data/kb').")
    pattern = "**/*" if recursive else "*"
    paths = sorted(p for p in root.glob(pattern) if p.is_file() and p.suffix.lower() in suffixes
                   and p.name.lower() != "readme.md")
    problems: list[Problem] = []
    documents: list[Document] = []
    first_seen: dict[str, str] = {}
    for path in paths:
        shown = str(path.relative_to(root.parent)) if root.parent != path else str(path)
        text = _read_text(path, shown, problems)
        if text is None:
            continue
        doc = _parse_document(text, path, shown, problems)
        if doc is None:
            continue
        if doc.id in first_seen:
            problems.append(Problem(shown, _id_line(text), f"id {doc.id!r} is already used by {first_seen[doc.id]}. "
                                                           "Skipped: give one of them another id."))
            continue
        first_seen[doc.id] = shown
        documents.append(doc)
    if not documents:
        found = f"{len(paths)} candidate files, none usable" if paths else f"no {'/'.join(suffixes)} files"
        details = "".join(f"\n  - {p}" for p in problems[:10])
        raise CorpusError(f"{root}: {found}. Add Markdown or UTF-8 text files (README.md is ignored).{details}")
    if problems and not quiet:
        warnings.warn(f"{len(problems)} problem(s) while loading {root} ({len(documents)} documents loaded):"
                      + "".join(f"\n  - {p}" for p in problems), stacklevel=2)
    return Corpus(folder=str(root), documents=documents, problems=problems)


@dataclass
class QuestionSet:
    """Questions with their gold documents; problems name the file and line."""

    path: str
    questions: list[dict]
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self):
        return iter(self.questions)


def load_qa(path: str | Path, corpus: Corpus | None = None, *, quiet: bool = False) -> QuestionSet:
    """Read a JSONL question file: one object per line with at least ``question`` and ``gold_doc_ids`` (a list;
    empty means "not in the docs"). Optional: ``id``, ``type``, ``reference_answer``, ``reference_facts``.

    A line that is not JSON, lacks those fields, or (when ``corpus`` is given) names a document the corpus does not
    have is reported with its line number and left out; the other questions load.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise CorpusError(f"{path} does not exist. A question file is JSONL: one "
                          '{"question": ..., "gold_doc_ids": [...]} object per line.')
    known = set(corpus.ids) if corpus is not None else None
    problems: list[Problem] = []
    questions: list[dict] = []
    raw = path.read_bytes()
    for number, line_bytes in enumerate(raw.splitlines(), start=1):
        if not line_bytes.strip():
            continue
        try:
            row = json.loads(line_bytes.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(str(path), number, f"is not a JSON object ({exc}); left out."))
            continue
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            problems.append(Problem(str(path), number, "needs a non-empty \"question\" string; left out."))
            continue
        gold = row.get("gold_doc_ids", [])
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            problems.append(Problem(str(path), number, "\"gold_doc_ids\" must be a list of document ids; left out."))
            continue
        if known is not None:
            unknown = [g for g in gold if g not in known]
            if unknown:
                problems.append(Problem(str(path), number, f"gold_doc_ids {unknown} are not in the corpus "
                                                           f"({corpus.folder}); left out. Check the ids or the folder."))
                continue
        row.setdefault("id", f"line-{number}")
        row.setdefault("type", "unanswerable" if not gold else "untyped")
        row.setdefault("reference_facts", [])
        row["gold_doc_ids"] = gold
        questions.append(row)
    if problems and not quiet:
        warnings.warn(f"{len(problems)} problem(s) in {path} ({len(questions)} questions loaded):"
                      + "".join(f"\n  - {p}" for p in problems), stacklevel=2)
    return QuestionSet(path=str(path), questions=questions, problems=problems)
