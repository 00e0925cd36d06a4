"""Where the course runs: Colab or not, GPU facts, settings and secrets, profile, cache dir, seeding.

Every setting (``COURSE_*``, ``QDRANT_*``, the API keys) is read by :func:`setting`, in one order: the environment,
then a ``.env`` file, then (for the keys and the settings that decide where requests go and what they may cost)
Colab's secrets. Taught in notebooks/00_start_here.ipynb ("Your environment").
"""

from __future__ import annotations

import math
import os
import random
import re
import stat
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from helpers import paths

PROFILES = ("full", "quick")
BACKENDS = ("auto", "local", "anthropic", "openai")
KEY_NAMES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
SECRET_NAMES = (*KEY_NAMES.values(), "QDRANT_API_KEY")  # never printed, logged or written anywhere
# Also looked up in Colab's secrets panel: the secrets, and the settings that decide where requests go and what they
# may cost (a cap typed into that panel must hold like one in .env). The others are set in a cell (os.environ).
COLAB_SETTINGS = (*SECRET_NAMES, "COURSE_MAX_USD", "COURSE_BACKEND", "QDRANT_URL")
MAX_USD_EXAMPLE = "COURSE_MAX_USD=2.50"
_DOLLARS = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")  # 2, 2.50, .5, 1e-6: no sign, currency or comma
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
    value = setting("COURSE_PROFILE", "full").lower()
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
    value = setting("COURSE_BACKEND", "auto").lower()
    if value not in BACKENDS:
        raise CourseConfigError(
            f"COURSE_BACKEND={value!r} is not valid; use one of {', '.join(BACKENDS)} "
            "(\"local\" forces the offline model even when keys are set)."
        )
    return value


def max_usd() -> float | None:
    """``COURSE_MAX_USD``: the most this kernel may spend on paid APIs (None: no cap). A value that is not a plain
    number of dollars >= 0 raises :class:`CourseConfigError` at once, naming where it was found."""
    raw, source = setting_with_source("COURSE_MAX_USD")
    if not raw:
        return None
    value = float(raw) if _DOLLARS.fullmatch(raw) else math.nan
    if not math.isfinite(value):
        raise CourseConfigError(
            f"COURSE_MAX_USD={raw!r} (from {source}) is not valid: use a plain number of US dollars >= 0, digits "
            f"and a decimal point only (no $, no comma, no sign), for example {MAX_USD_EXAMPLE}; or remove it for "
            "no cap."
        )
    return value


def cache_dir() -> Path:
    """The course cache (converted model, indexes, adapters, results): ``COURSE_CACHE_DIR`` or ~/.cache/prompt-rag-tune."""
    raw = setting("COURSE_CACHE_DIR")
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


_DOTENV_READ: dict[str, tuple[tuple[int, int], dict[str, str]]] = {}  # path -> ((mtime, size), values)
_DOTENV_LOCK = threading.Lock()


def _dotenv_values() -> dict[str, str]:
    """Values from a .env file in the current directory or the repository root (never exported, never logged).
    Parsed again only when the file changes (settings are read on every cache path and request); what was parsed
    stays in this kernel's memory, like the environment, and is never written anywhere."""
    from dotenv import dotenv_values

    for folder in (Path.cwd(), REPO_ROOT):
        candidate = folder / ".env"
        try:
            info = candidate.stat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        stamp = (info.st_mtime_ns, info.st_size)
        with _DOTENV_LOCK:
            known = _DOTENV_READ.get(str(candidate))
            if known is None or known[0] != stamp:
                known = stamp, {k: v for k, v in dotenv_values(candidate).items() if v}
                _DOTENV_READ[str(candidate)] = known
        return dict(known[1])
    return {}


def _colab_secret(name: str, *, quiet: bool = False) -> str | None:
    """A Colab secret (the key icon in Colab's left bar). Guarded: ``userdata.get`` raises outside the Colab UI,
    and when the notebook has not been granted access to the secret. ``quiet``: say nothing when the secret simply
    does not exist (the usual case for an optional setting)."""
    if not in_colab():
        return None
    try:
        from google.colab import userdata  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        value = userdata.get(name)
    except Exception as exc:  # Colab raises SecretNotFoundError, NotebookAccessError, TimeoutException, ...
        if not (quiet and type(exc).__name__ == "SecretNotFoundError"):
            print(f"Colab secret {name} not available ({type(exc).__name__}); continuing without it.",
                  file=sys.stderr)
        return None
    return value or None


def _interactive_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def setting_with_source(name: str) -> tuple[str, str]:
    """(value, where it was found) of one course setting, by the order of :func:`setting`; ("", "nowhere") when
    unset. An empty value counts as unset."""
    value = os.environ.get(name, "").strip()
    if value:
        return value, "the environment"
    value = (_dotenv_values().get(name) or "").strip()
    if value:
        return value, ".env"
    if name in COLAB_SETTINGS:
        value = (_colab_secret(name, quiet=name not in SECRET_NAMES) or "").strip()
        if value:
            return value, "Colab secrets"
    return "", "nowhere"


def setting(name: str, default: str = "") -> str:
    """One course setting (stripped): the environment variable, then ``.env`` (current folder, else the repository
    root), then Colab's secrets for the names in ``COLAB_SETTINGS``, else ``default``. The single reader of
    settings: every module asks here, so a value in ``.env`` counts as much as an exported one."""
    return setting_with_source(name)[0] or default


def get_secret(name: str, *, ask: bool = False) -> str | None:
    """Find a secret: environment variable, then .env, then Colab secrets, then (only with ``ask=True`` in an
    interactive kernel) a hidden prompt. Returns None when nothing is found: the course then runs offline.
    The value is never printed, logged or cached."""
    value = setting(name)
    if value:
        return value
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
