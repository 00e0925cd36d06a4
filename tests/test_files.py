"""helpers.files, the one atomic writer: a write that fails half-way leaves the old file or folder intact and no
temporary debris; a successful one replaces it whole."""

import json
import os
import threading

import pytest

from helpers import files


def siblings(folder):
    return sorted(p.name for p in folder.iterdir())


def test_writers_replace_the_file_whole(tmp_path):
    path = tmp_path / "deep" / "cache.json"  # the parent folder is created
    files.write_json_atomic(path, {"a": 1})
    assert files.read_json(path) == {"a": 1}
    files.write_text_atomic(path, "é\n")
    assert path.read_bytes() == "é\n".encode()
    assert files.write_bytes_atomic(path, b"\x00\x01") == path and path.read_bytes() == b"\x00\x01"
    files.write_json_atomic(path, {"b": [1.5]}, indent=1)
    assert json.loads(path.read_text()) == {"b": [1.5]} and "\n" in path.read_text()
    assert siblings(path.parent) == ["cache.json"]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "cache.json"
    files.write_json_atomic(path, {"old": True})

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        files.write_bytes_atomic(path, b'{"new": true}')
    assert files.read_json(path) == {"old": True} and siblings(tmp_path) == ["cache.json"]


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.bin"
    files.write_bytes_atomic(path, b"old weights")
    with pytest.raises(RuntimeError, match="interrupted"):
        with files.atomic_path(path) as tmp:
            tmp.write_bytes(b"half of the new")
            raise RuntimeError("interrupted")
    assert path.read_bytes() == b"old weights" and siblings(tmp_path) == ["model.bin"]
    with pytest.raises(TypeError):  # not JSON: nothing is written at all
        files.write_json_atomic(path, {"x": object()})
    assert path.read_bytes() == b"old weights" and siblings(tmp_path) == ["model.bin"]


def test_atomic_folder_builds_then_replaces_an_existing_folder(tmp_path):
    dest = tmp_path / "adapter"
    with files.atomic_folder(dest) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".adapter.") and not dest.exists()
        (tmp / "weights").write_text("v1")
    assert siblings(dest) == ["weights"] and (dest / "weights").read_text() == "v1"
    with files.atomic_folder(dest) as tmp:
        (tmp / "config").write_text("v2")
        assert (dest / "weights").read_text() == "v1"  # readers still see the old folder while the new one is built
    assert siblings(dest) == ["config"]  # replaced whole, no mix of old and new
    assert siblings(tmp_path) == ["adapter"]


def test_a_failure_mid_folder_leaves_the_old_folder_and_no_debris(tmp_path):
    dest = tmp_path / "index"
    with files.atomic_folder(dest) as tmp:
        (tmp / "vectors").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with files.atomic_folder(dest) as tmp:
            (tmp / "vectors").write_text("half")
            raise KeyboardInterrupt
    assert (dest / "vectors").read_text() == "old" and siblings(tmp_path) == ["index"]


def test_a_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    dest = tmp_path / "index"
    with files.atomic_folder(dest) as tmp:
        (tmp / "vectors").write_text("old")
    real = os.replace

    def fail_on_the_new_folder(src, dst):
        if str(src).endswith(f"-{os.getpid()}-{threading.get_ident()}") and ".tmp-" in str(src):
            raise OSError("rename refused")
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", fail_on_the_new_folder)
    with pytest.raises(OSError, match="rename refused"):
        with files.atomic_folder(dest) as tmp:
            (tmp / "vectors").write_text("new")
    assert (dest / "vectors").read_text() == "old" and siblings(tmp_path) == ["index"]


def test_read_json_tolerates_missing_and_damaged_files(tmp_path):
    assert files.read_json(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text("{half")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe")
    assert files.read_json(tmp_path / "bad.json") is None and files.read_json(tmp_path / "binary.json") is None
