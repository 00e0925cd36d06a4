"""Load a folder of Markdown/text documents and a question set, reporting bad input instead of crashing.

Taught in notebooks/03_naive_rag.ipynb ("bring your own documents"). Every problem names the file and the line;
valid documents and questions still load.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
ID_SAFE = re.compile(r"[^\w.-]+")  # letters and digits of any script stay: 文档.md -> 文档, документ.md -> документ
MAX_FRONT_MATTER_CHARS = 20_000  # real front matter is a few lines; more is a mistake (or an attack) and is not read
MAX_FRONT_MATTER_DEPTH = 20      # nesting levels of lists/mappings read in front matter


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


class _Refused(yaml.YAMLError):
    """Front matter that is valid YAML but is not read (an alias, nesting too deep); says why, and where."""

    def __init__(self, problem: str, mark) -> None:
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class FrontMatterLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` for untrusted front matter: no aliases (``*name``, how 335 bytes expand to gigabytes), at
    most ``MAX_FRONT_MATTER_DEPTH`` levels of nesting, an impossible date (``2025-13-45``) kept as text and noted
    in ``self.notes``, and any other value the constructors cannot build (``!!int abc``) a YAML error, never a
    ``ValueError`` that would stop the whole load."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.notes: list[tuple[int, str]] = []  # (0-based line in the front matter, what is wrong)
        self.depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(f"uses an alias (*{event.anchor}); aliases are not read in front matter, write the "
                           "value out instead", event.start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_FRONT_MATTER_DEPTH:
                raise _Refused(f"is nested more than {MAX_FRONT_MATTER_DEPTH} levels deep",
                               self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # a safe constructor failing on a tagged value (`!!int abc`, `!!bool maybe`)
            raise _Refused(f"has a value that cannot be read ({type(exc).__name__}: {exc})", node.start_mark) \
                from None

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, AttributeError) as exc:  # AttributeError: `!!timestamp` on text that is not a date
            why = f" ({exc})" if isinstance(exc, ValueError) else ""
            self.notes.append((node.start_mark.line, f"{node.value!r} is not a real date{why}; kept as text. "
                                                     "Write dates as YYYY-MM-DD."))
            return node.value


FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", FrontMatterLoader.construct_yaml_timestamp)


def _front_matter(block: str, shown: str, problems: list[Problem]) -> dict:
    """The front matter as a dict; anything unreadable becomes a problem line and an empty dict."""
    skipped = "the document is loaded without it, id from the file name."
    if len(block) > MAX_FRONT_MATTER_CHARS:
        problems.append(Problem(shown, 2, f"front matter is too large ({len(block):,} characters, at most "
                                          f"{MAX_FRONT_MATTER_CHARS:,} are read); {skipped}"))
        return {}
    loader = FrontMatterLoader(block)
    try:
        loaded = loader.get_single_data()
    except _Refused as exc:
        problems.append(Problem(shown, exc.problem_mark.line + 2, f"front matter {exc.problem}; {skipped}"))
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1  # +1 for the opening '---', +1 for 1-based
        problems.append(Problem(shown, line, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)}); "
                                             f"{skipped}"))
        return {}
    finally:
        loader.dispose()
    problems.extend(Problem(shown, line + 2, f"front matter: {note}") for line, note in loader.notes)
    if loaded is not None and not isinstance(loaded, dict):
        problems.append(Problem(shown, 2, "front matter is not a 'key: value' mapping; ignored."))
        return {}
    return dict(loaded or {})


def slug_id(stem: str) -> str:
    """A document id from a file name: letters and digits of any script kept, runs of anything else become '-';
    a name with neither gets ``doc-`` and a short hash, so two such files still get distinct ids."""
    stem = unicodedata.normalize("NFC", stem)
    slug = ID_SAFE.sub("-", stem).strip("-")
    return slug if slug.strip(".") else "doc-" + hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _parse_document(text: str, path: Path, shown: str, problems: list[Problem]) -> Document | None:
    meta: dict = {}
    body = text
    match = FRONT_MATTER.match(text)
    if match:
        meta = _front_matter(match.group(1), shown, problems)
        body = text[match.end():]
    elif text.startswith("---"):
        problems.append(Problem(shown, 1, "starts with '---' but the front matter is never closed by a second '---' "
                                          "line; the whole file is treated as the body."))
    if not body.strip():
        problems.append(Problem(shown, 0, "has no text after the front matter. Skipped."))
        return None
    raw_id = meta.pop("id", None)
    doc_id = str(raw_id).strip() if raw_id not in (None, "") else slug_id(path.stem)
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
    ``# heading``; other keys become metadata. Binary, unreadable, non-UTF-8 and empty files are skipped, so are
    links to files outside the folder, and a second file with an id already taken; front matter that cannot be
    read safely (invalid YAML, aliases, too large or deep) is left out. Each is reported in ``corpus.problems``
    (and printed as a warning unless ``quiet``). Raises :class:`CorpusError` when the folder is missing or yields
    no document.
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
    inside = root.resolve()
    for path in paths:
        shown = str(path.relative_to(root.parent)) if root.parent != path else str(path)
        target = path.resolve()
        if not target.is_relative_to(inside):
            problems.append(Problem(shown, 0, f"is a link to {target}, outside {root}. Skipped: only files inside "
                                              "the folder are indexed; copy the file in if you mean it."))
            continue
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


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_texts(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


QUESTION_FIELDS = {  # optional fields of a question line: (test, what the value must be)
    "type": (lambda v: isinstance(v, str) and bool(v.strip()), 'a non-empty string such as "paraphrase"'),
    "reference_answer": (_is_text, "a string"),
    "reference_facts": (_is_texts, "a list of strings"),
    "gold_passage": (_is_text, "a string"),
}


def _question_problem(row, number: int, corpus: Corpus | None, known: set[str], seen: dict[str, int]) -> str | None:
    """Why line ``number`` of a question file cannot be used (what to do about it), or None when it can."""
    if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
        return "needs a non-empty \"question\" string; left out."
    if "gold_doc_ids" not in row:
        return ("needs \"gold_doc_ids\": the list of documents that answer it ([] when the answer is not in the "
                "documents); left out.")
    gold = row["gold_doc_ids"]
    if not _is_texts(gold):
        return "\"gold_doc_ids\" must be a list of document ids; left out."
    qid = row.get("id", f"line-{number}")
    if isinstance(qid, bool) or not isinstance(qid, (str, int)) or not str(qid).strip():
        return f"\"id\" must be a string such as \"q-001\" (or a number), not {json.dumps(qid)[:40]}; left out."
    for name, (valid, kind) in QUESTION_FIELDS.items():
        if name in row and not valid(row[name]):
            return f"\"{name}\" must be {kind}, not {json.dumps(row[name])[:40]}; left out."
    if corpus is not None:
        unknown = [g for g in gold if g not in known]
        if unknown:
            return (f"gold_doc_ids {unknown} are not in the corpus ({corpus.folder}); left out. Check the ids or "
                    "the folder.")
    if str(qid) in seen:
        return f"id {str(qid)!r} is already used on line {seen[str(qid)]}; left out. Give each question its own id."
    return None


def load_qa(path: str | Path, corpus: Corpus | None = None, *, quiet: bool = False) -> QuestionSet:
    """Read a JSONL question file: one object per line with ``question`` and ``gold_doc_ids`` (a list; empty means
    "not in the docs"). Optional: ``id`` (unique), ``type``, ``reference_answer``, ``gold_passage`` (strings),
    ``reference_facts`` (a list of strings). A UTF-8 byte-order mark is accepted.

    A line that is not JSON, lacks those fields, has one of the wrong type, repeats an earlier id or (when
    ``corpus`` is given) names a document the corpus does not have is reported with its line number and left out
    (one problem per line); the other questions load.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise CorpusError(f"{path} does not exist. A question file is JSONL: one "
                          '{"question": ..., "gold_doc_ids": [...]} object per line.')
    known = set(corpus.ids) if corpus is not None else set()
    problems: list[Problem] = []
    questions: list[dict] = []
    seen: dict[str, int] = {}
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    for number, line_bytes in enumerate(raw.splitlines(), start=1):
        if not line_bytes.strip():
            continue
        try:
            row = json.loads(line_bytes.decode("utf-8"))
        except ValueError as exc:  # not UTF-8, not JSON, or a number too long to convert
            problems.append(Problem(str(path), number, f"is not a JSON object ({exc}); left out."))
            continue
        except RecursionError:
            problems.append(Problem(str(path), number, "is nested too deeply to read; left out."))
            continue
        why = _question_problem(row, number, corpus, known, seen)
        if why is not None:
            problems.append(Problem(str(path), number, why))
            continue
        row.setdefault("id", f"line-{number}")
        seen[str(row["id"])] = number
        row.setdefault("type", "unanswerable" if not row["gold_doc_ids"] else "untyped")
        row.setdefault("reference_facts", [])
        questions.append(row)
    if problems and not quiet:
        warnings.warn(f"{len(problems)} problem(s) in {path} ({len(questions)} questions loaded):"
                      + "".join(f"\n  - {p}" for p in problems), stacklevel=2)
    return QuestionSet(path=str(path), questions=questions, problems=problems)
