from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ci_steps() -> list[str]:
    script = (ROOT / ".ci" / "run").read_text()
    return [line.split("step ", 1)[1].strip() for line in script.splitlines() if line.startswith("step ")]


def test_ci_runs_the_readme_test_command_first():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme
    assert _ci_steps()[0] == "make test"


def test_ci_runs_the_browser_test_then_the_two_install_checks():
    assert _ci_steps() == ["make test", "make test-browser", "make lowest", "make colab-replica"]
    makefile = (ROOT / "Makefile").read_text()
    assert "tools/lowest_versions.py" in makefile and "-m colab_replica" in makefile


def test_makefile_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab:", "test:", "setup:", "bench:", "lowest:", "colab-replica:", "constraints:", "torch-plan:"):
        assert f"\n{target}" in makefile


def test_make_test_is_setup_then_pytest():
    makefile = (ROOT / "Makefile").read_text()
    assert "\ntest: setup $(DEV_STAMP)\n\t$(BIN)/python -m pytest\n" in makefile
    lab_install = makefile.split("$(STAMP): ", 1)[1].split("\n\n", 1)[0]
    assert '-e ".[lab]"' in lab_install and "dev" not in lab_install, "make lab installs no test tools"
    assert "-c constraints.txt" in makefile and "tools/torch_install.py" in makefile
