"""Model lifecycle as a learner meets it (issue 19): ``python -m helpers.doctor`` warns about a model a notebook uses
that shuts down within 30 days, with a key the default is checked against the provider's live model list once per
kernel (through ``helpers.llm.default_model``, as the notebooks ask), and README and notebook 00 explain the lifecycle
in three sentences. The registry-side checks (no default or notebook model past its ``shutdown_on``) are in
tests/test_model_lifecycle.py."""

from __future__ import annotations

import datetime as dt
import functools
import re
import types

import anthropic
import pytest

from helpers import doctor, live_models, llm, paths, registry

AS_OF = registry.as_of()


@pytest.fixture(autouse=True)
def fresh_live_cache():
    live_models.forget()
    yield
    live_models.forget()


def test_doctor_warns_when_a_model_a_notebook_uses_shuts_down_within_30_days(monkeypatch):
    """gpt-5-mini shuts down on 2026-12-11: six days after the registry's as_of. A notebook naming it makes the doctor
    print a [--] row saying when and what replaces it; the course's own models as they are print one [OK] row."""
    monkeypatch.setattr(registry, "shutdown_warnings",
                        functools.partial(registry.shutdown_warnings, today=AS_OF))
    [row] = doctor.check_model_lifecycle()
    assert row.mark == "[OK]" and "30 days" in row.detail
    monkeypatch.setattr(registry, "notebook_model_ids", lambda *a, **k: {"gpt-5-mini"})
    rows = doctor.check_model_lifecycle()
    assert [(r.mark, r.detail) for r in rows] == [
        ("[--]", "gpt-5-mini shuts down on 2026-12-11 (6 days from 2026-12-05); use gpt-6.1-terra instead.")]


def test_the_doctor_counts_the_notebooks_models():
    assert registry.notebook_model_ids() <= registry.course_model_ids()
    assert {registry.default_model(p) for p in ("anthropic", "openai", "local")} <= registry.course_model_ids()


class FakeAnthropic:
    """Stands in for ``anthropic.Anthropic`` in helpers.live_models: records each listing, serves ``SERVED``."""

    listings: list[str] = []
    SERVED = ("claude-haiku-5-5", "claude-sonnet-5-5")

    def __init__(self, api_key: str, **options):
        self.models = types.SimpleNamespace(list=self._list)
        self.api_key = api_key

    def _list(self):
        FakeAnthropic.listings.append(self.api_key)
        return [types.SimpleNamespace(id=i) for i in self.SERVED]


@pytest.fixture
def keyed(monkeypatch):
    FakeAnthropic.listings = []
    monkeypatch.setattr(anthropic, "Anthropic", FakeAnthropic)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-real")
    return FakeAnthropic


def test_with_a_key_the_default_is_checked_once_per_kernel(keyed):
    assert not llm.uses_local("anthropic")
    for _ in range(3):
        assert llm.default_model("anthropic") == registry.default_model("anthropic")
    assert keyed.listings == ["sk-ant-test-not-real"]


def test_with_a_key_a_default_the_provider_no_longer_serves_is_replaced(keyed, monkeypatch):
    monkeypatch.setattr(registry, "default_model", lambda provider, path=registry.REGISTRY_PATH: "claude-sonnet-4-5")
    with pytest.warns(live_models.ModelNotServedWarning, match="claude-sonnet-4-5.*claude-sonnet-5-5"):
        assert llm.default_model("anthropic") == "claude-sonnet-5-5"
    assert llm.default_model("anthropic") == "claude-sonnet-5-5" and len(keyed.listings) == 1


def test_without_a_key_nothing_is_listed(keyed, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert llm.default_model("anthropic") == registry.default_model("anthropic") and keyed.listings == []


# --- README and notebook 00: the lifecycle in three sentences ---------------------------------------------------
def sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph: split after '.', '!' or '?' followed by a space and a capital or a backtick."""
    text = re.sub(r"\s+", " ", paragraph).strip()
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`])", text) if s]


def lifecycle_paragraph(text: str, opening: str) -> str:
    start = text.index(opening)
    end = text.find("\n\n", start)
    return text[start:end if end != -1 else None]


def notebook_00_paragraph() -> str:
    source = next(paths.NOTEBOOKS_DIR.glob("00_*.py")).read_text(encoding="utf-8")
    lines = [line[2:] if line.startswith("# ") else "" if line == "#" else line for line in source.splitlines()]
    return lifecycle_paragraph("\n".join(lines), "Model ids have a lifecycle")


@pytest.mark.parametrize("where", ["README.md", "notebook 00"])
def test_model_lifecycle_is_explained_in_three_sentences(where):
    if where == "README.md":
        readme = (paths.REPO_ROOT / "README.md").read_text(encoding="utf-8")
        paragraph = lifecycle_paragraph(readme, "**Model lifecycle.**").removeprefix("**Model lifecycle.**")
    else:
        paragraph = notebook_00_paragraph()
    said, paragraph = sentences(paragraph), re.sub(r"\s+", " ", paragraph)
    assert len(said) == 3, said
    for must in ("shutdown", "replacement", "data/models.yaml", "helpers.doctor", "30 days", "live model list"):
        assert must in paragraph, f"{where}: the lifecycle paragraph does not mention {must!r}"


def test_sentence_splitter():
    assert len(sentences("One (e.g. two). Two: `x` three. `Three` ends.")) == 3
    assert dt.date(2026, 11, 30) < AS_OF  # the paragraphs' example (claude-sonnet-4-5) is history on as_of
