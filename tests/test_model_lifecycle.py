"""Model lifecycle: no default and no model a notebook's code names is past its shutdown day as of the registry's
``as_of``; the lifecycle queries answer by date; with a key, a default the provider no longer serves is replaced
(helpers.live_models)."""

import datetime as dt
import json
import warnings

import pytest

from helpers import live_models, paths, registry

AS_OF = registry.as_of()
NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")) + sorted(paths.NOTEBOOKS_DIR.glob("*.py"))


def past_shutdown(model_ids, on: dt.date) -> list[str]:
    return sorted(m for m in model_ids if registry.is_retired(m, on))


def defaults() -> dict[str, str]:
    return {p: registry.default_model(p) for p in ("anthropic", "openai", "local")}


# --- the course uses no dead model -------------------------------------------------------------------------------
def test_registry_as_of_is_a_checked_day():
    assert isinstance(AS_OF, dt.date) and AS_OF <= dt.date.today()


def test_the_check_catches_a_retired_model():
    assert past_shutdown(["claude-sonnet-4-5", "claude-haiku-5-5"], AS_OF) == ["claude-sonnet-4-5"]
    assert past_shutdown(["gpt-5-mini"], AS_OF) == [] and past_shutdown(["gpt-5-mini"], dt.date(2026, 12, 11))


def test_defaults_are_served_for_at_least_30_more_days():
    for provider, model_id in defaults().items():
        life = registry.lifecycle(model_id)
        assert life.status == "active", f"{provider} default {model_id} is {life.status}"
        assert not registry.is_retired(model_id, AS_OF + dt.timedelta(days=30)), f"{model_id} shuts down soon"
    assert registry.shutdown_warnings(defaults().values(), AS_OF) == []


def test_fine_tuning_default_still_accepts_jobs_and_says_until_when():
    base = registry.default_fine_tuning_base("openai", on=AS_OF)
    assert registry.fine_tunable(base, AS_OF) and not registry.is_retired(base, AS_OF)
    end = registry.fine_tuning_ends(base)
    assert end is not None and end > AS_OF
    with pytest.raises(registry.UnknownModelError, match="notebook 08"):
        registry.default_fine_tuning_base("openai", on=end)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_names_a_retired_model(path):
    """Notebooks (both sides of each jupytext pair): their code only."""
    named = registry.model_ids_in(registry.code_of_notebook(path))
    assert past_shutdown(named, AS_OF) == [], f"{path.name} calls a model past its shutdown_on: {named}"


def test_the_scanners_read_code_and_skip_prose(tmp_path):
    notebook = tmp_path / "99_demo.ipynb"
    notebook.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["The seed used `claude-sonnet-4-5`, retired since."]},
        {"cell_type": "code", "source": ["client.messages.create(model='gpt-4.1-nano-2025-04-14')\n"]},
    ]}))
    assert registry.model_ids_in(registry.code_of_notebook(notebook)) == {"gpt-4.1-nano"}
    percent = tmp_path / "99_demo.py"
    percent.write_text("# %% [markdown]\n# Once `gpt-5-mini`.\n\n# %%\nm = 'ft:gpt-4o-mini-2024-07-18:acme::x'\n")
    assert registry.model_ids_in(registry.code_of_notebook(percent)) == {"gpt-4o-mini"}
    # ids are matched whole: a longer id or a suffix is not the shorter model
    assert registry.model_ids_in("gpt-4.1-mini-fast claude-haiku-5-5-thinking xgpt-6-luna") == set()


# --- lifecycle queries -----------------------------------------------------------------------------------------------
def test_lifecycle_queries_answer_by_date():
    assert registry.lifecycle("gpt-4.1-mini").shutdown_on == dt.date(2027, 1, 14)
    assert not registry.is_retired("gpt-4.1-mini", dt.date(2027, 1, 13))
    assert registry.is_retired("gpt-4.1-mini", dt.date(2027, 1, 14))  # the shutdown day is the first dead day
    assert registry.replacement("gpt-4.1-mini") == "gpt-6-luna" and registry.replacement("gpt-6-luna") is None
    assert registry.current_model("claude-sonnet-4-5", AS_OF) == "claude-sonnet-5-5"
    assert registry.current_model("gpt-5-mini", dt.date(2026, 12, 10)) == "gpt-5-mini"
    assert registry.current_model("gpt-5-mini", dt.date(2026, 12, 11)) == "gpt-6.1-terra"
    assert registry.lifecycle("ft:gpt-4o-mini-2024-07-18:acme::x").shutdown_on == dt.date(2027, 1, 14)


def test_fine_tuning_window():
    assert registry.fine_tunable("gpt-4.1-mini", dt.date(2027, 1, 5))
    assert not registry.fine_tunable("gpt-4.1-mini", dt.date(2027, 1, 6))  # new jobs stop on 2027-01-06
    assert registry.fine_tuning_ends("gpt-4.1-mini") == dt.date(2027, 1, 6)
    assert not registry.fine_tunable("gpt-6-luna", AS_OF) and registry.fine_tuning_ends("gpt-6-luna") is None
    assert not registry.fine_tunable("gpt-4.1-nano", AS_OF)  # shut down


def test_shutdown_warnings_within_30_days():
    lines = registry.shutdown_warnings(["gpt-5-mini", "claude-sonnet-4-5", "claude-haiku-5-5"], AS_OF)
    assert lines == [
        "claude-sonnet-4-5 was shut down on 2026-11-30: requests to it fail; use claude-sonnet-5-5 instead.",
        "gpt-5-mini shuts down on 2026-12-11 (6 days from 2026-12-05); use gpt-6.1-terra instead.",
    ]
    late_december = registry.shutdown_warnings(["gpt-4.1-mini"], dt.date(2026, 12, 20))
    assert late_december == [
        "gpt-4.1-mini shuts down on 2027-01-14 (25 days from 2026-12-20); use gpt-6-luna instead.",
        "gpt-4.1-mini: new fine-tuning jobs are refused from 2027-01-06 (17 days from 2026-12-20); open-model LoRA "
        "(notebook 08) has no end date.",
    ]
    assert registry.shutdown_warnings(["gpt-4.1-mini"], AS_OF, days=10) == []


def test_by_provider_leaves_out_retired_models_unless_asked():
    on_day = [m.id for m in registry.by_provider("anthropic", on=AS_OF)]
    assert "claude-sonnet-4-5" not in on_day and "claude-haiku-5-5" in on_day
    assert "claude-sonnet-4-5" in [m.id for m in registry.by_provider("anthropic", include_retired=True)]
    before = [m.id for m in registry.by_provider("anthropic", on=dt.date(2026, 11, 29))]
    assert "claude-sonnet-4-5" in before


def test_course_model_ids_include_defaults_and_fine_tuning_base():
    ids = registry.course_model_ids()
    assert set(defaults().values()) <= ids and registry.default_fine_tuning_base(on=AS_OF) in ids


# --- the live check (helpers.live_models) ---------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def fresh_live_cache():
    live_models.forget()
    yield
    live_models.forget()


def test_without_a_key_the_registry_default_is_used_and_nothing_is_listed():
    def lister(provider):
        raise AssertionError("must not list models offline")

    assert live_models.checked_default("openai", live=False, lister=lister) == registry.default_model("openai")
    assert live_models.checked_default("local", live=True, lister=lister) == registry.default_model("local")


def test_a_served_default_is_kept_and_the_list_is_fetched_once():
    calls = []

    def lister(provider):
        calls.append(provider)
        return ["gpt-6-luna", "gpt-6.1-terra"]

    for _ in range(3):
        assert live_models.checked_default("openai", live=True, lister=lister) == "gpt-6-luna"
    assert calls == ["openai"]


def test_a_default_that_is_no_longer_served_is_replaced_with_a_warning(monkeypatch):
    monkeypatch.setattr(registry, "default_model", lambda provider, path=registry.REGISTRY_PATH: "gpt-4.1-mini")
    with pytest.warns(live_models.ModelNotServedWarning, match="no longer serves gpt-4.1-mini.*gpt-6-luna"):
        chosen = live_models.checked_default("openai", live=True, lister=lambda p: ["gpt-6-luna-2026-09-22"])
    assert chosen == "gpt-6-luna"  # a dated snapshot in the list counts as the model


def test_dated_snapshots_count_as_served():
    assert live_models.is_served("claude-haiku-4-5", ["claude-haiku-4-5-20251001"])
    assert not live_models.is_served("claude-haiku-4-5", ["claude-haiku-4-5-thinking"])


def test_a_failed_list_keeps_the_default_and_says_why():
    def lister(provider):
        raise OSError("network unreachable")

    with pytest.warns(live_models.ModelNotServedWarning, match="network unreachable"):
        assert live_models.checked_default("anthropic", live=True, lister=lister) == "claude-haiku-5-5"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # decided once per kernel: no second warning, no second listing
        assert live_models.checked_default("anthropic", live=True, lister=lister) == "claude-haiku-5-5"
