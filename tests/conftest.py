"""Shared test setup: every test runs offline (no keys, local backend) unless it sets otherwise."""

from __future__ import annotations

import pytest

from helpers import budget, env


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch, tmp_path):
    """No API keys from the environment, a .env or Colab; a fresh money guard for each test."""
    for name in list(env.KEY_NAMES.values()) + ["COURSE_BACKEND", "COURSE_MAX_USD", "COURSE_LOCAL_MODEL"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(env, "_dotenv_values", lambda: {})
    budget.BUDGET.reset()
    yield
    budget.BUDGET.reset()


@pytest.fixture(scope="session")
def engine():
    """The real local engine (SmolLM2-135M-Instruct from the packaged GGUF, cached)."""
    from helpers.local_model import get_engine

    return get_engine()
