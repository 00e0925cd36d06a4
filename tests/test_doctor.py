from helpers import doctor


def test_doctor_passes_here_and_never_prints_keys(monkeypatch, capsys):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-very-secret-value")
    assert doctor.main() == 0
    out = capsys.readouterr().out
    assert "[OK]   offline model" in out and "[OK]   embedding model" in out
    assert "ANTHROPIC_API_KEY" in out and "found (value not shown)" in out
    assert "sk-ant-very-secret-value" not in out


def test_doctor_fails_on_a_missing_package(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "REQUIRED_PACKAGES", doctor.REQUIRED_PACKAGES + [("no-such-course-pkg", "1.0", "x")])
    assert doctor.main() == 1
    out = capsys.readouterr().out
    assert "[FAIL] no-such-course-pkg" in out and "Required checks failed" in out


def test_doctor_fails_on_a_bad_setting(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    assert doctor.main() == 1
    assert "full, quick" in capsys.readouterr().out


def test_version_comparison():
    assert doctor._version_tuple("2.13.0+cpu") >= doctor._version_tuple("2.4")
    assert doctor._version_tuple("0.9.1") < doctor._version_tuple("0.10")
