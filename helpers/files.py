"""Small file helpers shared by the caches (evaluation results, bake-off cells, fine-tuning jobs, the KB copy of
notebook 06): atomic text writes and tolerant JSON reads."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place: a reader (or an interrupted
    run) never sees half a file. The temporary name is unique per process and thread."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path):
    """The JSON value in ``path``, or None when the file is missing or damaged (the caller recomputes it)."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
