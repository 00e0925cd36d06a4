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


def test_prompt_caching_prices():
    haiku = registry.get("claude-haiku-5-5")
    plain = haiku.cost(10_100, 10)
    write = haiku.cached_cost(10_000, 100, 10, write=True)
    read = haiku.cached_cost(10_000, 100, 10, write=False)
    assert read < plain < write  # writing the cache costs extra once, reading it is cheap
    gpt = registry.get("gpt-4.1-mini")
    assert gpt.cache_write_usd_per_mtok is None
    # OpenAI has no write fee: the first call pays plain input, later ones the cached-input price
    assert gpt.cached_cost(10_000, 100, 10, write=True) == pytest.approx(gpt.cost(10_100, 10))
    assert gpt.cached_cost(10_000, 100, 10, write=False) < gpt.cost(10_100, 10)
    local = registry.get("smollm2-135m-instruct")
    assert local.cached_cost(10_000, 100, 10, write=False) == local.cost(10_100, 10)
    for model in registry.models().values():
        if model.cache_read_usd_per_mtok is not None:
            assert model.cache_read_usd_per_mtok < model.input_usd_per_mtok, model.id


def test_fine_tuned_ids_are_priced_from_their_base():
    base = registry.get("gpt-4.1-mini")
    tuned = registry.get("ft:gpt-4.1-mini-2025-04-14:acme:tickets:abc123")
    assert tuned.id.startswith("ft:") and tuned.provider == base.provider
    assert tuned.input_usd_per_mtok == base.finetuned_input_usd_per_mtok
    assert registry.cost_usd(tuned.id, 1_000_000, 0) == base.finetuned_input_usd_per_mtok
    with pytest.raises(registry.UnknownModelError, match="not in the course registry"):
        registry.get("ft:imaginary-model:org::x")
    with pytest.raises(registry.UnknownModelError, match="no fine-tuned prices"):
        registry.get("ft:claude-haiku-5-5:org::x")
