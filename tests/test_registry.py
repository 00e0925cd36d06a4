import datetime as dt

import pytest
import yaml

from helpers import registry


def test_every_model_has_prices_with_date_and_source():
    for model in registry.models().values():
        assert model.provider in registry.PROVIDERS, model.id
        assert model.input_usd_per_mtok >= 0 and model.output_usd_per_mtok >= 0, model.id
        assert isinstance(model.as_of, dt.date), model.id
        assert model.as_of <= dt.date.today(), f"{model.id}: as_of is in the future"
        assert model.source.strip(), model.id
        assert model.context_window >= model.max_output_tokens > 0, model.id


def test_paid_models_have_nonzero_prices_and_training_prices_are_openai_only():
    for model in registry.models().values():
        if model.provider in ("anthropic", "openai"):
            assert model.input_usd_per_mtok > 0 and model.output_usd_per_mtok > 0, model.id
        if model.training_usd_per_mtok is not None:
            assert model.provider == "openai", model.id


def test_defaults_exist_and_match_their_provider():
    for provider in ("anthropic", "openai", "local"):
        model = registry.get(registry.default_model(provider))
        assert model.provider == provider


def test_seed_model_is_marked_as_retiring():
    assert registry.get("claude-sonnet-4-5").retires == dt.date(2026, 11, 30)


def test_unknown_model_error_lists_known_ids():
    with pytest.raises(registry.UnknownModelError) as err:
        registry.get("gpt-imaginary")
    assert "claude-haiku-5-5" in str(err.value)


def test_cost_arithmetic():
    haiku = registry.get("claude-haiku-5-5")
    expected = (1000 * haiku.input_usd_per_mtok + 500 * haiku.output_usd_per_mtok) / 1e6
    assert registry.cost_usd("claude-haiku-5-5", 1000, 500) == pytest.approx(expected)
    assert registry.cost_usd(registry.default_model("local"), 10**6, 10**6) == 0.0


def test_duplicate_ids_are_rejected(tmp_path):
    raw = yaml.safe_load(registry.REGISTRY_PATH.read_text())
    raw["models"].append(dict(raw["models"][0]))
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match="appears twice"):
        registry.models(path)


def test_gpu_prices_are_dated():
    rows = registry.gpu_hour_prices()
    assert rows and all(r["usd_per_hour"] > 0 and isinstance(r["as_of"], dt.date) and r["source"] for r in rows)
