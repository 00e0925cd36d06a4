"""Which PyTorch `make lab` / `make test` install, and the pip command that installs it.

    python tools/torch_install.py            # install (or keep) torch in the running interpreter's environment
    python tools/torch_install.py --dry-run  # print the decision and the command only

The rules, first match wins:
1. TORCH_SPEC is set (`make lab TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cu126"`): install
   exactly that (split like a shell line).
2. torch is installed and satisfies the course's floor (pyproject.toml): keep it (Colab's, conda's, your own build).
3. No working `nvidia-smi`, and pip's find-links (PIP_FIND_LINKS or a pip.conf) hold a CPU wheel of torch for this
   Python that satisfies the floor (this project's machines keep one on local disk): `torch==<that version>`, which
   pip takes from the disk.
4. A working `nvidia-smi`: PyPI's default build (`torch>=floor`), which on Linux is the CUDA build.
5. Otherwise on Linux: the CPU build from PyTorch's CPU index, not PyPI's CUDA build and its several GB of nvidia
   wheels. On macOS and Windows PyPI's torch is already the CPU build.
"""

from __future__ import annotations

import argparse
import configparser
import importlib.metadata
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.version import InvalidVersion, Version
except ImportError:  # a fresh venv, before the course's requirements: pip's own copy of the same library
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PIP_CONFIG_FILES = (Path("/etc/pip.conf"), Path("/etc/xdg/pip/pip.conf"),
                    Path.home() / ".config" / "pip" / "pip.conf", Path.home() / ".pip" / "pip.conf")


@dataclass(frozen=True)
class Machine:
    """What the decision looks at; gathered by :func:`inspect_machine`, built by hand in the tests."""
    floor: str                           # the torch requirement from pyproject.toml, e.g. "torch>=2.11"
    installed: str | None = None         # torch's installed version, None when absent
    gpu: bool = False                    # `nvidia-smi -L` lists a GPU
    system: str = "Linux"                # platform.system()
    local_cpu_wheels: tuple[str, ...] = field(default_factory=tuple)  # versions of CPU torch wheels in find-links
    override: str = ""                   # TORCH_SPEC


@dataclass(frozen=True)
class Plan:
    reason: str
    pip_args: tuple[str, ...] = ()       # after `python -m pip install`; empty: install nothing

    def command(self, python: str = sys.executable) -> list[str]:
        return [python, "-m", "pip", "install", *self.pip_args] if self.pip_args else []


def decide(m: Machine) -> Plan:
    """The install plan for one machine (the rules in the module docstring)."""
    floor = Requirement(m.floor)
    if m.override.strip():
        return Plan(f"TORCH_SPEC given: {m.override.strip()}", tuple(shlex.split(m.override)))
    if m.installed and floor.specifier.contains(m.installed, prereleases=True):
        return Plan(f"torch {m.installed} is installed and satisfies {floor}: kept")
    why = f"torch {m.installed} is older than {floor}" if m.installed else "torch is not installed"
    local = sorted((v for v in m.local_cpu_wheels if floor.specifier.contains(v, prereleases=True)), key=Version)
    if local and not m.gpu:
        public = Version(local[-1]).public
        return Plan(f"{why}; pip's find-links hold the CPU build {local[-1]}: torch=={public} from local disk",
                    (f"torch=={public}",))
    if m.gpu:
        return Plan(f"{why}; nvidia-smi sees a GPU: PyPI's CUDA build", (str(floor),))
    if m.system == "Linux":
        return Plan(f"{why}; no GPU: the CPU build from PyTorch's CPU index", (str(floor), "--index-url", CPU_INDEX))
    return Plan(f"{why}; {m.system}: PyPI's torch is the CPU build there", (str(floor),))


# --- gathering the facts --------------------------------------------------------------------------------------
def torch_floor(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The torch line of pyproject.toml's dependencies, e.g. "torch>=2.11"."""
    for line in tomllib.loads(pyproject.read_text())["project"]["dependencies"]:
        if Requirement(line).name == "torch":
            return line
    raise SystemExit(f"{pyproject} declares no torch requirement")


def installed_torch() -> str | None:
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return None


def has_gpu() -> bool:
    """`nvidia-smi -L` exists, exits 0 and lists at least one GPU."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return False
    try:
        done = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "GPU" in done.stdout


def find_links(environ: dict | None = None, config_files: tuple[Path, ...] = PIP_CONFIG_FILES) -> list[Path]:
    """Local folders pip searches for wheels: PIP_FIND_LINKS and `find-links` in the pip config files."""
    environ = os.environ if environ is None else environ
    values = [environ.get("PIP_FIND_LINKS", "")]
    extra_config = environ.get("PIP_CONFIG_FILE")
    for path in (*config_files, *([Path(extra_config)] if extra_config else [])):
        parser = configparser.ConfigParser()
        try:
            parser.read(path)
        except (configparser.Error, OSError):
            continue
        for section in ("global", "install"):
            values.append(parser.get(section, "find-links", fallback=""))
    folders = []
    for value in values:
        for item in value.split():
            item = item.removeprefix("file://")
            if item and "://" not in item and Path(item).is_dir() and Path(item) not in folders:
                folders.append(Path(item))
    return folders


def local_cpu_wheels(folders: list[Path], python_tag: str | None = None) -> tuple[str, ...]:
    """Versions of CPU torch wheels (`torch-2.13.0+cpu-cp311-...whl`) for this Python in those folders."""
    tag = python_tag or f"cp{sys.version_info.major}{sys.version_info.minor}"
    versions = []
    for folder in folders:
        for wheel in folder.glob("torch-*.whl"):
            match = re.match(r"torch-([^-]+)-(cp\d+)-", wheel.name)
            if not match or match.group(2) != tag or "+cpu" not in match.group(1):
                continue
            try:
                versions.append(str(Version(match.group(1))))
            except InvalidVersion:
                continue
    return tuple(sorted(set(versions), key=Version))


def inspect_machine() -> Machine:
    return Machine(floor=torch_floor(), installed=installed_torch(), gpu=has_gpu(), system=platform.system(),
                   local_cpu_wheels=local_cpu_wheels(find_links()), override=os.environ.get("TORCH_SPEC", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the decision and the command, install nothing")
    args = parser.parse_args(argv)
    plan = decide(inspect_machine())
    command = plan.command()
    print(f"torch: {plan.reason}")
    if command:
        print("torch: " + shlex.join(command), flush=True)
    if args.dry_run or not command:
        return 0
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main())
