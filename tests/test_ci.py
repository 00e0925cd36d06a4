from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme
    script = (ROOT / ".ci" / "run").read_text()
    assert "make test" in script.split("\n", 2)[-1]


def test_makefile_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab:", "test:", "setup:", "bench:"):
        assert f"\n{target}" in makefile
