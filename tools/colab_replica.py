"""The Colab-replica check: Colab's published package set in a Python 3.13 venv, the setup cell run there as Colab
runs it, then notebooks 00, 03 and 08 in the quick profile, offline. It reports what the setup cell changed.

    python tools/colab_replica.py                   # build/colab-replica/: venv, clone, caches, report.json
    python tools/colab_replica.py --python /path/to/python3.13 --notebooks 00

How close to Colab it is, and where it is not (each listed in the report):
- The versions are Colab's own (../shared/colab/pip-freeze.gpu.txt, googlecolab/backend-info) for every package of
  the course's dependency graph and of the notebook kernel (ipykernel, IPython, ipywidgets, jupyter_client), each
  with its own dependencies at Colab's versions. The rest of Colab's 700 packages (TensorFlow, JAX, RAPIDS, ...)
  is skipped: pip decides what to install from the requested packages' graph only, so they cannot change what the
  setup cell does. Packages Colab installs from a URL (not on PyPI) are skipped with that reason.
- torch: Colab's `+cu128` build becomes PyPI's build of the same version. PyPI has no CPU-only build for Linux
  x86_64 and PyTorch's own index is out of reach here; PyPI's build runs on the CPU when no GPU is present.
- The kernel is Colab's ipykernel and IPython from that list, started with a stand-in `google.colab` module imported
  at start-up (as Colab does), so `%pip` in the setup cell runs pip in the replica exactly as the cell asks.
- The course is cloned fresh (from a snapshot of this working tree), the cache is empty, no API key is set.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.notebook_client import SlicedPollNotebookClient, offline_environment  # noqa: E402
from tools import deps  # noqa: E402
from tools.lowest_versions import uv_executable  # noqa: E402

FREEZE = ROOT.parent / "shared" / "colab" / "pip-freeze.gpu.txt"
WORK = ROOT / "build" / "colab-replica"
NOTEBOOKS = ("00", "03", "08")
KERNEL_STACK = ("pip", "packaging", "ipykernel", "ipython", "ipywidgets", "jupyter-client", "widgetsnbextension",
                "jupyterlab-widgets", "traitlets", "tornado", "pyzmq")
PROTECTED = ("torch", "transformers", "peft", "accelerate")  # the setup cell must never move these on Colab
KERNEL_NAME = "colab-replica"
# Colab's CUDA 12.8 runtime wheels: PyPI's torch build brings its own CUDA libraries, so these are not pinned.
CUDA_STACK = re.compile(r"^(nvidia-.*|cuda-.*|triton)$")
COLAB_STUB = '''"""Stand-in for Colab's google.colab package (tools/colab_replica.py): importable, as on Colab, and its
userdata behaves as on a Colab session with no secrets."""
'''
USERDATA_STUB = '''class SecretNotFoundError(Exception):
    """Raised by Colab when the notebook asks for a secret that does not exist."""


def get(name):
    raise SecretNotFoundError(name)
'''


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- Colab's list -------------------------------------------------------------------------------------------------
def parse_freeze(text: str) -> dict[str, dict]:
    """{canonical name: {"name", "version", "line", "skip"}} from a `pip freeze`; ``skip`` says why a line cannot be
    installed from PyPI as written (a URL or git install), None otherwise."""
    packages = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if " @ " in line:
            name, url = (part.strip() for part in line.split(" @ ", 1))
            if url.startswith("git+"):
                where = "a git repository"
            elif url.startswith("file:"):
                where = "a file inside Colab's image"
            else:
                where = url.split("/")[2] if "://" in url else url
            packages[canonical(name)] = {"name": name, "version": None, "line": line,
                                         "skip": f"not on PyPI: Colab installs it from {where}"}
            continue
        name, _, version = line.partition("==")
        packages[canonical(name)] = {"name": name, "version": version, "line": line, "skip": None}
    return packages


def pypi_version(version: str) -> str:
    """Colab's torch family carries a CUDA local label (2.11.0+cu128): PyPI has the same version without it."""
    return version.split("+", 1)[0]


def plan_replica(colab: dict[str, dict], graph: set[str]) -> dict:
    """What to install: Colab's version of every package of ``graph`` (course graph and kernel stack) that Colab has;
    the constraints (all of Colab's PyPI-installable pins); what is skipped and why; what is replaced."""
    install, constraints, skipped, replaced = [], [], {}, {}
    for key, pkg in sorted(colab.items()):
        if pkg["skip"]:
            skipped[pkg["name"]] = pkg["skip"]
            continue
        version = pkg["version"]
        if CUDA_STACK.match(key):
            replaced[pkg["name"]] = f"{version}: not pinned, PyPI's torch build brings its own CUDA libraries"
            continue
        if "+" in version:
            replaced[pkg["name"]] = f"{version} -> {pypi_version(version)} (PyPI's build; it runs on the CPU)"
            version = pypi_version(version)
        constraints.append(f"{pkg['name']}=={version}")
        if key in graph:
            install.append(f"{pkg['name']}=={version}")
        else:
            skipped[pkg["name"]] = "outside the course's dependency graph and the kernel's: cannot change pip's choices"
    return {"install": install, "constraints": constraints, "skipped": skipped, "replaced": replaced}


def course_graph() -> set[str]:
    """Canonical names of the course's runtime dependency closure (as installed here) plus the kernel stack."""
    names = set(deps.closure(extras=()))
    names |= {canonical(r.name) for r in deps.declared(extras=())}
    return names | {canonical(n) for n in KERNEL_STACK}


def changes(before: dict[str, str], after: dict[str, str]) -> dict[str, dict]:
    """What the setup cell did: {"added": {name: version}, "changed": {name: [old, new]}, "removed": {...}}."""
    return {"added": {n: after[n] for n in sorted(after.keys() - before.keys())},
            "changed": {n: [before[n], after[n]] for n in sorted(before.keys() & after.keys()) if before[n] != after[n]},
            "removed": {n: before[n] for n in sorted(before.keys() - after.keys())}}


# --- building it --------------------------------------------------------------------------------------------------
def find_python313(explicit: str | None = None) -> str:
    candidates = [explicit, os.environ.get("COLAB_PYTHON"), shutil.which("python3.13")]
    candidates += sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.13*/bin/python"))
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
                                 capture_output=True, text=True, timeout=60).stdout.strip()
        except OSError:
            continue
        if out == "True":
            return candidate
    raise SystemExit("No Python 3.13 found (Colab runs 3.13): install one (pyenv install 3.13, or your OS's "
                     "python3.13 package) or pass --python / set COLAB_PYTHON.")


def run(cmd: list[str], log: Path, **kwargs) -> float:
    """Run ``cmd``, appending its output to ``log``; raise with the log's tail when it fails. Returns seconds."""
    start = time.perf_counter()
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n")
        out.flush()
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(map(str, cmd))}\n" + log.read_text()[-4000:])
    return time.perf_counter() - start


def installed_versions(python: Path) -> dict[str, str]:
    script = ("import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version "
              "for d in m.distributions() if d.metadata['Name']}))")
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout
    return {canonical(name): version for name, version in json.loads(out).items()}


def snapshot_course(dest: Path) -> None:
    """A git repository holding this working tree as git would commit it: the setup cell clones it."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git = ["git", "-C", str(dest), "-c", "user.name=replica", "-c", "user.email=replica@localhost"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "snapshot"], check=True)


def write_kernel(work: Path, python: Path) -> dict[str, str]:
    """The kernelspec and start-up files; returns the environment the tool process needs to find them."""
    stub = work / "colab_stub" / "google" / "colab"
    stub.mkdir(parents=True, exist_ok=True)
    (stub / "__init__.py").write_text(COLAB_STUB)
    (stub / "userdata.py").write_text(USERDATA_STUB)
    startup = work / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-google-colab.py").write_text("import google.colab  # Colab's kernel imports it at start-up\n")
    spec = work / "jupyter" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab replica (Python 3.13)", "language": "python",
        "env": {"PYTHONPATH": str(work / "colab_stub"), "IPYTHONDIR": str(work / "ipython")},
    }, indent=1))
    return {"JUPYTER_PATH": str(work / "jupyter")}


def execute(nb, cwd: Path, timeout: int) -> tuple[float, str | None]:
    """Run a notebook in the replica kernel; (seconds, None) or (seconds, the error)."""
    client = SlicedPollNotebookClient(nb, timeout=timeout, kernel_name=KERNEL_NAME,
                                      resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    try:
        client.execute()
    except Exception as exc:  # nbclient's CellExecutionError, DeadKernelError, CellTimeoutError: reported, not raised
        return time.perf_counter() - start, f"{type(exc).__name__}: {str(exc)[-3000:]}"
    return time.perf_counter() - start, None


def cell_output_text(nb) -> str:
    return "\n".join(out.get("text", "") if isinstance(out.get("text", ""), str) else ""
                     for cell in nb.cells for out in cell.get("outputs", []))


def build_and_run(python313: str, freeze: Path, work: Path, notebooks: tuple[str, ...], timeout: int) -> dict:
    import nbformat

    started = time.perf_counter()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    log = work / "build.log"
    report: dict = {"python": python313, "freeze": str(freeze), "work": str(work)}

    # 1. the venv with Colab's versions
    colab = parse_freeze(freeze.read_text())
    plan = plan_replica(colab, course_graph())
    (work / "colab-constraints.txt").write_text("\n".join(plan["constraints"]) + "\n")
    venv_python = work / "venv" / "bin" / "python"
    seconds = run([python313, "-m", "venv", str(work / "venv")], log)
    # uv builds the replica (several times faster than pip on 2 cores); the setup cell then runs Colab's pip in it
    seconds += run([uv_executable(), "pip", "install", "--python", str(venv_python), "--only-binary", ":all:",
                    "-c", str(work / "colab-constraints.txt"), *plan["install"]], log)
    report.update(replica_install_s=round(seconds, 1), installed_from_colab=len(plan["install"]),
                  skipped=plan["skipped"], replaced=plan["replaced"])
    before = installed_versions(venv_python)
    mismatched = {n: [colab[n]["version"], v] for n, v in before.items() if n in colab and colab[n]["version"]
                  and not CUDA_STACK.match(n) and pypi_version(colab[n]["version"]) != v}
    report["not_colab_versions_before_cell"] = mismatched

    # 2. the setup cell, in Colab's kernel, cloning a snapshot of this working tree
    remote = work / "remote"
    snapshot_course(remote)
    os.environ.update(write_kernel(work, venv_python))
    offline_environment("quick")
    os.environ.update({"COURSE_REPO_URL": remote.as_uri(), "COURSE_COLAB_ROOT": str(work / "content"),
                       "COURSE_CACHE_DIR": str(work / "cache")})
    cell_source = (ROOT / "tools" / "setup_cell.py").read_text()
    setup_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell_source)])
    cell_s, error = execute(setup_nb, work, timeout)
    after = installed_versions(venv_python)
    report["setup_cell"] = {"seconds": round(cell_s, 1), "error": error, "output": cell_output_text(setup_nb)[-3000:],
                            **changes(before, after)}
    report["protected_changed"] = {n: report["setup_cell"]["changed"][n] for n in PROTECTED
                                   if n in report["setup_cell"]["changed"]}
    check = subprocess.run([str(venv_python), "-m", "pip", "check"], capture_output=True, text=True)
    report["pip_check"] = check.stdout.strip().splitlines()

    # 3. the notebooks, from the clone, each starting with its own setup cell (a no-op the second time)
    clone_notebooks = work / "content" / "course" / "notebooks"
    report["notebooks"] = {}
    for prefix in notebooks if error is None else ():
        path = next(clone_notebooks.glob(f"{prefix}_*.ipynb"))
        nb = nbformat.read(path, as_version=4)
        seconds, nb_error = execute(nb, path.parent, timeout)
        report["notebooks"][path.name] = {"seconds": round(seconds, 1), "error": nb_error}
    report["total_s"] = round(time.perf_counter() - started, 1)
    report["ok"] = (error is None and not report["protected_changed"]
                    and len(report["notebooks"]) == len(notebooks)
                    and all(r["error"] is None for r in report["notebooks"].values()))
    (work / "report.json").write_text(json.dumps(report, indent=1))
    return report


def summary(report: dict) -> str:
    cell = report["setup_cell"]
    lines = [f"Colab replica: {'OK' if report['ok'] else 'FAILED'} in {report['total_s'] / 60:.1f} min "
             f"(venv {report['replica_install_s']:.0f} s, {report['installed_from_colab']} packages at Colab's "
             f"versions, {len(report['skipped'])} of Colab's skipped, replaced: {report['replaced']})",
             f"setup cell: {cell['seconds']:.0f} s" + (f", ERROR {cell['error'][:500]}" if cell["error"] else "")]
    lines += [f"  added   {n}=={v}" for n, v in cell["added"].items()]
    lines += [f"  changed {n}: {old} -> {new}" for n, (old, new) in cell["changed"].items()]
    lines += [f"  removed {n}=={v}" for n, v in cell["removed"].items()]
    lines += [f"  PROTECTED PACKAGE CHANGED: {n} {v}" for n, v in report["protected_changed"].items()]
    lines += [f"pip check: {line}" for line in report["pip_check"]]
    for name, result in report["notebooks"].items():
        lines.append(f"{name}: {result['seconds']:.0f} s" + (f", ERROR {result['error'][:1500]}" if result["error"] else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="a Python 3.13 (default: COLAB_PYTHON, python3.13 on PATH, or pyenv's)")
    parser.add_argument("--freeze", type=Path, default=FREEZE)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--notebooks", nargs="*", default=list(NOTEBOOKS))
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per cell")
    args = parser.parse_args(argv)
    report = build_and_run(find_python313(args.python), args.freeze, args.work, tuple(args.notebooks), args.timeout)
    print(summary(report))
    print(f"report: {args.work / 'report.json'}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
