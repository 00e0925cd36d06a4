"""The one atomic writer of the course: every cache (evaluation results, bake-off cells, fine-tuning jobs and adapters,
LoRA checkpoints, the converted model, embeddings, the support database, benchmark results) writes through it.

A file or folder is built under a temporary name beside its destination and renamed into place, so a reader (or a
run interrupted half-way) sees the old version or the new one, never half of one; a failure removes the temporary
copy and leaves the old version untouched. Atomic, not durable: nothing is fsync'ed, a power cut may lose the
newest write (a cache recomputes it). Also a tolerant JSON reader for those caches.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _sibling(path: Path, tag: str) -> Path:
    """A hidden name beside ``path``, unique per process and thread (two writers never share a temporary)."""
    return path.with_name(f".{path.name}.{tag}-{os.getpid()}-{threading.get_ident()}")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """``with atomic_path(dest) as tmp: library.save(tmp)``: a temporary file name beside ``dest`` for code that
    writes by name (torch, numpy, sqlite, safetensors); renamed onto ``dest`` when the block succeeds, removed
    when it fails. The parent folder is created."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(path, "tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(data)
    return Path(path)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, value, *, indent: int | None = None, default=None) -> Path:
    """Write ``value`` as JSON to ``path`` atomically; an unserialisable value raises before anything is written."""
    return write_text_atomic(path, json.dumps(value, indent=indent, default=default))


@contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """``with atomic_folder(dest) as tmp: ...write files into tmp...``: the folder is built under a temporary name
    beside ``dest`` and renamed into place when the block succeeds. An existing ``dest`` is moved aside first and
    deleted only once the new folder is in place (if that rename fails, it is put back), so a reader sees the old
    folder or the new one, never a mix. A failing block removes the temporary folder and leaves ``dest`` as it
    was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(path, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)  # debris of a killed process that had this pid and thread id
    tmp.mkdir()
    try:
        yield tmp
        _swap_in(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap_in(tmp: Path, path: Path) -> None:
    """Rename the folder ``tmp`` to ``path``, replacing whatever is there."""
    if not path.exists() and not path.is_symlink():
        os.replace(tmp, path)
        return
    old = _sibling(path, "old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(path, old)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.replace(old, path)  # put the old version back
        raise
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old)
    else:
        old.unlink()


def read_json(path: Path):
    """The JSON value in ``path``, or None when the file is missing or damaged (the caller recomputes it)."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        return None


def fingerprint(obj) -> str:
    """A short, stable hash of any JSON-able object (examples, settings): changes when the content changes. The key
    of the course's cached adapters and bake-off results."""
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
