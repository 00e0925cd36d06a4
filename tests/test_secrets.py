"""The secret lookup order of COURSE_DESIGN.md: environment, .env, Colab secrets, then (asked for) a prompt."""

import sys
import types

import pytest

from helpers import env


def test_environment_wins(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    monkeypatch.setattr(env, "_dotenv_values", lambda: {"ANTHROPIC_API_KEY": "from-dotenv"})
    assert env.get_secret("ANTHROPIC_API_KEY") == "from-env"


def test_dotenv_file_is_read_without_exporting(monkeypatch, tmp_path):
    monkeypatch.undo()  # use the real .env reader
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (tmp_path / ".env").write_text("OPENAI_API_KEY=from-dotenv-file\n")
    monkeypatch.chdir(tmp_path)
    assert env.get_secret("OPENAI_API_KEY") == "from-dotenv-file"
    import os

    assert "OPENAI_API_KEY" not in os.environ


def _fake_colab(monkeypatch, get):
    colab = types.ModuleType("google.colab")
    colab.userdata = types.SimpleNamespace(get=get)
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)


def test_colab_secret_after_env_and_dotenv(monkeypatch):
    _fake_colab(monkeypatch, lambda name: "from-colab" if name == "ANTHROPIC_API_KEY" else None)
    assert env.in_colab()
    assert env.get_secret("ANTHROPIC_API_KEY") == "from-colab"


def test_colab_secret_errors_mean_no_key(monkeypatch, capsys):
    class SecretNotFoundError(Exception):
        pass

    def refuse(name):
        raise SecretNotFoundError(name)

    _fake_colab(monkeypatch, refuse)
    assert env.get_secret("ANTHROPIC_API_KEY") is None
    assert "SecretNotFoundError" in capsys.readouterr().err


def test_no_prompt_unless_asked(monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getpass", lambda prompt: pytest.fail("prompted without ask=True"))
    assert env.get_secret("ANTHROPIC_API_KEY") is None
    assert env.get_secret("ANTHROPIC_API_KEY", ask=True) is None  # not an interactive kernel: still no prompt


def test_keys_present_reports_booleans_only(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    present = env.keys_present()
    assert present == {"anthropic": False, "openai": True}
    assert "sk-test" not in repr(present)
