"""Where the course runs: Colab or not, GPU facts, secrets, profile, cache dir, seeding.

Taught in notebooks/00_start_here.ipynb ("Your environment").
"""

from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers import paths

PROFILES = ("full", "quick")
BACKENDS = ("auto", "local", "anthropic", "openai")
KEY_NAMES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
REPO_ROOT = paths.REPO_ROOT


class CourseConfigError(ValueError):
    """A course setting (environment variable) has a value the course cannot use."""


def in_colab() -> bool:
    """True inside Google Colab (the `google.colab` module is importable)."""
    if "google.colab" in sys.modules:
        return True
    try:
        import importlib.util

        return importlib.util.find_spec("google.colab") is not None
    except (ImportError, ValueError):
        return False


def profile() -> str:
    """The run profile from ``COURSE_PROFILE``: "full" (default) or "quick" (tests, CI, workshops in a hurry)."""
    value = os.environ.get("COURSE_PROFILE", "full").strip().lower() or "full"
    if value not in PROFILES:
        raise CourseConfigError(
            f"COURSE_PROFILE={value!r} is not valid; use one of {', '.join(PROFILES)} "
            "(for example: export COURSE_PROFILE=quick)."
        )
    return value


def by_profile(full, quick):
    """Pick a size for the current profile: ``by_profile(full=400, quick=40)``. Both paths run the same code."""
    return quick if profile() == "quick" else full


def backend_setting() -> str:
    """``COURSE_BACKEND``: "auto" (default: a provider with a key, else local), "local", "anthropic" or "openai"."""
    value = os.environ.get("COURSE_BACKEND", "auto").strip().lower() or "auto"
    if value not in BACKENDS:
        raise CourseConfigError(
            f"COURSE_BACKEND={value!r} is not valid; use one of {', '.join(BACKENDS)} "
            "(\"local\" forces the offline model even when keys are set)."
        )
    return value


def max_usd() -> float | None:
    """``COURSE_MAX_USD``: the most this kernel may spend on paid APIs (None: no cap)."""
    raw = os.environ.get("COURSE_MAX_USD", "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0 or value != value:
        raise CourseConfigError(
            f"COURSE_MAX_USD={raw!r} is not valid; use a number of dollars >= 0, for example COURSE_MAX_USD=2.50, "
            "or leave it unset for no cap."
        )
    return value


def cache_dir() -> Path:
    """The course cache (converted model, indexes, adapters, results): ``COURSE_CACHE_DIR`` or ~/.cache/prompt-rag-tune."""
    raw = os.environ.get("COURSE_CACHE_DIR", "").strip()
    path = Path(raw).expanduser() if raw else Path.home() / ".cache" / "prompt-rag-tune"
    path.mkdir(parents=True, exist_ok=True)
    return path


def seed_everything(seed: int = 42) -> int:
    """Seed Python, NumPy and torch (when installed) so a notebook re-runs the same way."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass
    return seed


@dataclass(frozen=True)
class GpuInfo:
    """What the course needs to know about a CUDA GPU."""

    name: str
    memory_gib: float
    capability: tuple[int, int]

    @property
    def bf16(self) -> bool:
        """bf16 only from compute capability 8.0 (Ampere). A T4 (7.5) emulates it slowly, whatever
        ``torch.cuda.is_bf16_supported()`` says, so the course uses fp16 there."""
        return self.capability >= (8, 0)

    @property
    def dtype_name(self) -> str:
        return "bfloat16" if self.bf16 else "float16"


def gpu_info() -> GpuInfo | None:
    """The first CUDA GPU, or None (no torch, or no GPU)."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    props = torch.cuda.get_device_properties(0)
    return GpuInfo(
        name=props.name,
        memory_gib=round(props.total_memory / 2**30, 1),
        capability=(props.major, props.minor),
    )


COLAB_GPU_HINT = (
    "No GPU found. On Colab: Runtime > Change runtime type > Hardware accelerator: T4 GPU > Save, "
    "then run the notebook again from the top. Everything in the course also runs on the CPU, only slower."
)


def _dotenv_values() -> dict[str, str]:
    """Values from a .env file in the current directory or the repository root (never exported, never logged)."""
    from dotenv import dotenv_values

    for folder in (Path.cwd(), REPO_ROOT):
        candidate = folder / ".env"
        if candidate.is_file():
            return {k: v for k, v in dotenv_values(candidate).items() if v}
    return {}


def _colab_secret(name: str) -> str | None:
    """A Colab secret (the key icon in Colab's left bar). Guarded: ``userdata.get`` raises outside the Colab UI,
    and when the notebook has not been granted access to the secret."""
    if not in_colab():
        return None
    try:
        from google.colab import userdata  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        value = userdata.get(name)
    except Exception as exc:  # Colab raises SecretNotFoundError, NotebookAccessError, TimeoutException, ...
        print(f"Colab secret {name} not available ({type(exc).__name__}); continuing without it.", file=sys.stderr)
        return None
    return value or None


def _interactive_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def get_secret(name: str, *, ask: bool = False) -> str | None:
    """Find a secret: environment variable, then .env, then Colab secrets, then (only with ``ask=True`` in an
    interactive kernel) a hidden prompt. Returns None when nothing is found: the course then runs offline.
    The value is never printed, logged or cached."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    value = _dotenv_values().get(name, "").strip()
    if value:
        return value
    value = _colab_secret(name)
    if value:
        return value.strip()
    if ask and _interactive_kernel():
        import getpass

        value = getpass.getpass(f"{name} (leave empty to stay offline): ").strip()
        if value:
            os.environ[name] = value  # this kernel only; never written to disk
            return value
    return None


def key_for(provider: str) -> str | None:
    """The API key for "anthropic" or "openai", by the lookup order of :func:`get_secret`."""
    if provider not in KEY_NAMES:
        raise CourseConfigError(f"Unknown provider {provider!r}; use one of {', '.join(KEY_NAMES)}.")
    return get_secret(KEY_NAMES[provider])


def keys_present() -> dict[str, bool]:
    """Which providers have a key (booleans only: the keys themselves never leave :func:`get_secret`)."""
    return {provider: key_for(provider) is not None for provider in KEY_NAMES}
