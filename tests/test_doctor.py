import importlib.metadata
import json
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from helpers import doctor, local_model

ROOT = Path(__file__).resolve().parent.parent


def test_doctor_passes_here_and_never_prints_keys(monkeypatch, capsys):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-very-secret-value")
    assert doctor.main() == 0
    out = capsys.readouterr().out
    assert "[OK]   offline model" in out and "[OK]   embedding model" in out
    assert "ANTHROPIC_API_KEY" in out and "found (value not shown)" in out
    assert "sk-ant-very-secret-value" not in out


def test_floors_come_from_the_package_metadata_not_a_copy():
    """Every runtime requirement of pyproject.toml gets a row, and the rows follow the installed metadata."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {c.name for c in doctor.check_packages()}
    assert {Requirement(r).name for r in declared} <= names
    assert {"peft", "llama-index-core", "qdrant-client", "jsonschema", "PyStemmer"} <= names
    assert "pytest" not in names, "the dev extra (test tools) is not the learner's business"
    assert not hasattr(doctor, "REQUIRED_PACKAGES")


def test_doctor_fails_on_a_missing_or_old_package(monkeypatch, capsys):
    real = importlib.metadata.requires
    monkeypatch.setattr(importlib.metadata, "requires", lambda dist: real(dist) + [
        "no-such-course-pkg>=1.0", "numpy>=999", 'jupyterlab-not-here>=1; extra == "lab"'])
    monkeypatch.setattr(doctor, "check_metadata_current", lambda declared: None)
    assert doctor.main() == 1
    out = capsys.readouterr().out
    assert "[FAIL] no-such-course-pkg" in out and "not installed" in out and "Required checks failed" in out
    assert "does not satisfy numpy>=999" in out
    assert "[--]   jupyterlab-not-here" in out, "a missing lab extra is optional (Colab has its own front end)"


def test_a_wrong_lab_extra_version_fails(monkeypatch):
    """ipykernel 7 hangs notebooks: an installed lab package outside its range is a [FAIL], not a [--]."""
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "7.0.1")
    check = doctor.check_requirement(Requirement('ipykernel>=6.17.1,<7; extra == "lab"'), "lab")
    assert not check.ok and check.required and "does not satisfy" in check.detail


def test_without_the_installed_package_the_checkout_pyproject_is_read(monkeypatch):
    """Colab's clone is not pip-installed: the floors then come from the clone's pyproject.toml."""
    def not_installed(dist):
        raise importlib.metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(importlib.metadata, "requires", not_installed)
    declared, source = doctor.course_requirements()
    assert source.endswith("pyproject.toml")
    assert any(r.startswith("torch>=") for r in declared)
    assert any(r.startswith("jupyterlab") and 'extra == "lab"' in r for r in declared)


def test_stale_metadata_in_a_checkout_is_reported(monkeypatch):
    declared = doctor._pyproject_requirements(ROOT / "pyproject.toml")
    assert doctor.check_metadata_current(declared).ok
    stale = [r for r in declared if not r.startswith("peft")] + ["peft>=0.13"]
    check = doctor.check_metadata_current(stale)
    assert not check.ok and "make setup" in check.detail and "peft" in check.detail


def test_damaged_converted_model_record_is_a_fail_row(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    folder = local_model.converted_dir()
    folder.mkdir(parents=True)
    meta = folder / local_model.CONVERTED_META
    for damage in (b"{not json", b"\xff\xfe\x00binary", b"[1, 2]", json.dumps({"conversion_version": -1}).encode()):
        meta.write_bytes(damage)
        check = doctor.check_converted_model()
        assert not check.ok and check.required and "python -m helpers.prepare" in check.detail, damage
    assert doctor.main() == 1
    assert "[FAIL] converted model" in capsys.readouterr().out


def test_converted_model_missing_is_fine(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    check = doctor.check_converted_model()
    assert check.ok and "not converted yet" in check.detail


def test_doctor_fails_on_a_bad_setting(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    assert doctor.main() == 1
    assert "full, quick" in capsys.readouterr().out


def test_model_lifecycle_rows(monkeypatch):
    from helpers import registry

    monkeypatch.setattr(registry, "shutdown_warnings", lambda ids, *a, **k: ["gpt-x shuts down on 2026-12-20"])
    rows = doctor.check_model_lifecycle()
    assert [(r.mark, r.detail) for r in rows] == [("[--]", "gpt-x shuts down on 2026-12-20")]

    def broken(*a, **k):
        raise ValueError("data/models.yaml: line 3: bad date")

    monkeypatch.setattr(registry, "course_model_ids", broken)
    [row] = doctor.check_model_lifecycle()
    assert row.mark == "[FAIL]" and "bad date" in row.detail
