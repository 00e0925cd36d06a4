"""The model registry (helpers.registry, data/models.yaml): the course's file passes its own schema, a broken file is
refused with the model and field named, and the price tiers add up to hand-computed dollars."""

import ast
import copy
import datetime as dt

import pytest
import yaml

from helpers import registry

AS_OF = dt.date(2026, 12, 5)


def write(tmp_path, raw: dict):
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture()
def raw():
    return yaml.safe_load(registry.REGISTRY_PATH.read_text())


def entry(raw: dict, model_id: str) -> dict:
    return next(e for e in raw["models"] if e["id"] == model_id)


# --- the course's own file ---------------------------------------------------------------------------------------
def test_every_model_has_prices_with_date_and_source():
    for model in registry.models().values():
        assert model.provider in registry.PROVIDERS, model.id
        assert model.input_usd_per_mtok >= 0 and model.output_usd_per_mtok >= 0, model.id
        assert isinstance(model.as_of, dt.date), model.id
        assert model.as_of <= dt.date.today(), f"{model.id}: as_of is in the future"
        assert model.source.strip(), model.id
        assert model.context_window >= model.max_output_tokens > 0, model.id


def test_paid_models_have_full_entries_with_sources():
    assert registry.missing_facts() == []
    for model in registry.models().values():
        if model.provider in ("anthropic", "openai"):
            assert model.input_usd_per_mtok > 0 and model.output_usd_per_mtok > 0, model.id
            assert all(url.startswith("https://") for _, url in model.sources), model.id
        if model.training_usd_per_mtok is not None:
            assert model.provider == "openai", model.id


def test_unverified_facts_say_where_they_came_from():
    notes = {(m.id, field): note for m in registry.models().values() for field, note in m.unverified}
    assert all("unverified" in note for note in notes.values())
    # the issue's own values are kept, marked as such, where the providers' docs could not be read
    assert "issue 19" in notes[("claude-sonnet-4-5", "lifecycle.shutdown_on")]
    assert "issue 19" in notes[("gpt-4.1-mini", "fine_tuning.new_jobs_until")]
    assert "issue 19" in notes[("claude-haiku-5-5", "capabilities.min_cacheable_tokens")]


def test_defaults_exist_match_their_provider_and_are_active():
    for provider in ("anthropic", "openai", "local"):
        model = registry.get(registry.default_model(provider))
        assert model.provider == provider
        assert model.lifecycle.status == "active"
    cheapest_claude = min((m for m in registry.by_provider("anthropic", on=AS_OF) if m.lifecycle.status == "active"),
                          key=lambda m: m.input_usd_per_mtok + m.output_usd_per_mtok)
    assert registry.default_model("anthropic") == cheapest_claude.id


def test_seed_model_is_retired_with_a_replacement():
    seed = registry.get("claude-sonnet-4-5")
    assert seed.retires == seed.lifecycle.shutdown_on == dt.date(2026, 11, 30)
    assert seed.lifecycle.status == "retired" and registry.replacement("claude-sonnet-4-5") == "claude-sonnet-5-5"


def test_unknown_model_error_lists_known_ids():
    with pytest.raises(registry.UnknownModelError) as err:
        registry.get("gpt-imaginary")
    assert "claude-haiku-5-5" in str(err.value)


def test_duplicate_ids_are_rejected(tmp_path, raw):
    raw["models"].append(dict(raw["models"][0]))
    with pytest.raises(ValueError, match="appears twice"):
        registry.models(write(tmp_path, raw))


def test_gpu_prices_are_dated():
    rows = registry.gpu_hour_prices()
    assert rows and all(r["usd_per_hour"] > 0 and isinstance(r["as_of"], dt.date) and r["source"] for r in rows)


def test_registry_does_not_import_the_llm_layer():
    with open(registry.__file__, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
                 for a in n.names}
    assert not any("llm" in name or "live_models" in name for name in imported), imported


# --- schema validation: every mistake names the model and the field ------------------------------------------------
@pytest.mark.parametrize("model_id,change,field", [
    ("claude-haiku-5-5", {"colour": "blue"}, "colour"),
    ("claude-haiku-5-5", {"lifecycle": {"status": "sunset"}}, "lifecycle.status"),
    ("claude-haiku-5-5", {"capabilities": {"prefill": "sometimes"}}, "capabilities.prefill"),
    ("claude-haiku-5-5", {"capabilities": {"thinking": "adaptive-default", "nap": True}}, "capabilities.nap"),
    ("claude-haiku-5-5", {"capabilities": {"structured_outputs": "yes"}}, "capabilities.structured_outputs"),
    ("claude-haiku-5-5", {"capabilities": {"output_limit_params": ["max_new_tokens"]}},
     "capabilities.output_limit_params"),
    ("claude-haiku-5-5", {"endpoints": ["completions"]}, "endpoints"),
    ("claude-haiku-5-5", {"as_of": "last tuesday"}, "as_of"),
    ("claude-haiku-5-5", {"input_usd_per_mtok": -1}, "input_usd_per_mtok"),
    ("claude-haiku-5-5", {"cache_read_usd_per_mtok": 0.5}, "cache_read_usd_per_mtok"),
    ("claude-haiku-5-5", {"batch_discount": 1.5}, "batch_discount"),
    ("claude-haiku-5-5", {"long_context": {"threshold_tokens": 100000, "input_multiplier": 5}},
     "long_context.output_multiplier"),
    ("claude-haiku-5-5", {"unverified": {"lifecycle.colour": "issue 19, unverified"}}, "unverified.lifecycle.colour"),
    ("claude-haiku-5-5", {"max_output_tokens": 2_000_000}, "max_output_tokens"),
    ("claude-opus-5-5", {"lifecycle": {"status": "deprecated"}}, "lifecycle.shutdown_on"),
    ("claude-opus-5-5", {"lifecycle": {"replacement": "claude-imaginary"}}, "lifecycle.replacement"),
    ("claude-opus-5-5", {"lifecycle": {"replacement": "gpt-6-luna"}}, "lifecycle.replacement"),
    ("claude-opus-5-5", {"lifecycle": {"status": "active", "shutdown_on": "2026-01-01"}}, "lifecycle.status"),
    ("gpt-4o-mini", {"training_usd_per_mtok": None}, "training_usd_per_mtok"),
])
def test_schema_mistakes_name_the_model_and_field(tmp_path, raw, model_id, change, field):
    target = entry(raw, model_id)
    for key, value in change.items():
        if key in ("lifecycle", "capabilities"):  # change one field of the block
            target[key] = {**target[key], **value}
        else:
            target[key] = value
    with pytest.raises(registry.RegistryError) as err:
        registry.models(write(tmp_path, raw))
    assert f"'{model_id}'" in str(err.value) and f"'{field}'" in str(err.value), str(err.value)


def test_defaults_must_be_active_models_of_their_provider(tmp_path, raw):
    bad = copy.deepcopy(raw)
    bad["defaults"]["anthropic"] = "claude-haiku-4-5"  # legacy, not active
    with pytest.raises(registry.RegistryError, match="defaults.anthropic.*must be active"):
        registry.models(write(tmp_path, bad))
    bad = copy.deepcopy(raw)
    bad["defaults"]["openai"] = "claude-haiku-5-5"
    with pytest.raises(registry.RegistryError, match="defaults.openai.*anthropic model"):
        registry.models(write(tmp_path, bad))


def test_fine_tuning_default_must_still_accept_jobs(tmp_path, raw):
    entry(raw, "gpt-4.1-mini")["fine_tuning"]["new_jobs_until"] = "2026-12-01"
    with pytest.raises(registry.RegistryError, match="cannot be fine-tuned on 2026-12-05"):
        registry.models(write(tmp_path, raw))


def test_invalid_yaml_says_so(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n  - id: x\n    source: docs: see here\n")
    with pytest.raises(registry.RegistryError, match="not valid YAML"):
        registry.models(path)


def test_a_minimal_entry_gets_safe_defaults(tmp_path):
    path = write(tmp_path, {"defaults": {"openai": "m"}, "models": [{
        "id": "m", "provider": "openai", "display_name": "M", "context_window": 1000, "max_output_tokens": 100,
        "input_usd_per_mtok": 1.0, "output_usd_per_mtok": 2.0, "as_of": "2026-01-01", "source": "test"}]})
    model = registry.models(path)["m"]
    assert model.lifecycle.status == "active" and not model.is_retired(dt.date(2030, 1, 1))
    assert model.endpoints == ("chat.completions", "responses") and model.accepts_temperature
    assert registry.as_of(path) == dt.date(2026, 1, 1)  # no top-level as_of: the newest entry's


# --- price tiers, against hand-computed dollars --------------------------------------------------------------------
TIERED = {"as_of": "2026-12-05", "defaults": {"anthropic": "tiered"}, "models": [{
    "id": "tiered", "provider": "anthropic", "display_name": "Tiered", "context_window": 1_000_000,
    "max_output_tokens": 1000, "input_usd_per_mtok": 2.0, "output_usd_per_mtok": 10.0,
    "cache_write_usd_per_mtok": 2.5, "cache_write_long_ttl_usd_per_mtok": 4.0, "cache_read_usd_per_mtok": 0.2,
    "batch_discount": 0.5,
    "long_context": {"threshold_tokens": 200_000, "input_multiplier": 2.0, "output_multiplier": 1.5,
                     "cache_multiplier": 3.0},
    "capabilities": {"cache_ttl_s": 300, "cache_long_ttl_s": 3600},
    "as_of": "2026-12-05", "source": "test"}]}


@pytest.fixture()
def tiered(tmp_path):
    return registry.models(write(tmp_path, TIERED))["tiered"]


@pytest.mark.parametrize("kwargs,expected", [
    # 1,000 in x $2 + 500 out x $10 = $0.002 + $0.005
    ({"input_tokens": 1000, "output_tokens": 500}, 0.007),
    # exactly at the threshold: base prices. 200,000 x $2 = $0.40
    ({"input_tokens": 200_000, "output_tokens": 0}, 0.40),
    # one token over: 200,001 x $2 x 2 = $0.800004; 1,000 out x $10 x 1.5 = $0.015
    ({"input_tokens": 200_001, "output_tokens": 1000}, 0.815004),
    # 5-minute write: 100 x $2 + 10,000 x $2.5 + 10 x $10 = 200 + 25,000 + 100 micro-dollars
    ({"input_tokens": 100, "output_tokens": 10, "cache_write_tokens": 10_000}, 0.0253),
    # 1-hour write: 200 + 10,000 x $4 + 100 = 40,300 micro-dollars
    ({"input_tokens": 100, "output_tokens": 10, "cache_write_tokens": 10_000, "cache_ttl_s": 3600}, 0.0403),
    # read: 200 + 10,000 x $0.2 + 100 = 2,300 micro-dollars
    ({"input_tokens": 100, "output_tokens": 10, "cache_read_tokens": 10_000}, 0.0023),
    # the prompt counts cache reads: 1,000 + 250,000 = 251,000 > 200,000, so
    # 1,000 x $2 x 2 + 250,000 x $0.2 x 3 + 100 x $10 x 1.5 = 4,000 + 150,000 + 1,500 micro-dollars
    ({"input_tokens": 1000, "output_tokens": 100, "cache_read_tokens": 250_000}, 0.1555),
    # batch halves everything: ($0.002 + $0.005) / 2
    ({"input_tokens": 1000, "output_tokens": 500, "batch": True}, 0.0035),
    # batch on a long prompt: $0.815004 / 2
    ({"input_tokens": 200_001, "output_tokens": 1000, "batch": True}, 0.407502),
])
def test_price_tiers(tiered, kwargs, expected):
    tokens_in, tokens_out = kwargs.pop("input_tokens"), kwargs.pop("output_tokens")
    assert tiered.cost(tokens_in, tokens_out, **kwargs) == pytest.approx(expected, rel=1e-12)


def test_tier_arguments_are_checked(tiered):
    with pytest.raises(ValueError, match="no cache-write price for a 60-second TTL"):
        tiered.cost(0, 0, cache_write_tokens=10, cache_ttl_s=60)
    with pytest.raises(ValueError, match="input_tokens must be >= 0"):
        tiered.cost(-1, 0)
    with pytest.raises(ValueError, match="no batch price"):
        registry.get("smollm2-135m-instruct").cost(10, 10, batch=True)


def test_documented_haiku_5_5_tiers():
    # the overview's numbers: $0.10 / $0.50 up to 100,000 prompt tokens, $0.50 / $2.50 over; batch half price
    assert registry.cost("claude-haiku-5-5", 1000, 500) == pytest.approx((1000 * 0.10 + 500 * 0.50) / 1e6)
    assert registry.cost("claude-haiku-5-5", 100_000, 0) == pytest.approx(100_000 * 0.10 / 1e6)
    assert registry.cost("claude-haiku-5-5", 150_000, 1000) == pytest.approx((150_000 * 0.50 + 1000 * 2.50) / 1e6)
    # a long answer to a short prompt stays at base prices: the tier is set by the prompt
    assert registry.cost("claude-haiku-5-5", 10, 150_000) == pytest.approx((10 * 0.10 + 150_000 * 0.50) / 1e6)
    assert registry.cost("claude-haiku-5-5", 1000, 500, batch=True) == pytest.approx(0.5 * 0.00035)
    assert registry.cost("claude-haiku-5-5", 0, 0, cache_write_tokens=120_000) == pytest.approx(120_000 * 0.625 / 1e6)
    # gpt-6-luna: over 272,000 input tokens, 2x input and 1.5x output
    assert registry.cost("gpt-6-luna", 300_000, 2000) == pytest.approx((300_000 * 0.20 + 2000 * 0.75) / 1e6)
    assert registry.cost_usd("gpt-6-luna", 272_000, 0) == pytest.approx(272_000 * 0.10 / 1e6)


def test_prompt_caching_prices():
    haiku = registry.get("claude-haiku-5-5")
    plain = haiku.cost(10_100, 10)
    write = haiku.cached_cost(10_000, 100, 10, write=True)
    read = haiku.cached_cost(10_000, 100, 10, write=False)
    assert read < plain < write  # writing the cache costs extra once, reading it is cheap
    gpt = registry.get("gpt-4.1-mini")
    assert gpt.cache_write_usd_per_mtok is None
    # no write fee: the first call pays plain input, later ones the cached-input price
    assert gpt.cached_cost(10_000, 100, 10, write=True) == pytest.approx((10_100 * 0.40 + 10 * 1.60) / 1e6)
    assert gpt.cached_cost(10_000, 100, 10, write=False) == pytest.approx((10_000 * 0.10 + 100 * 0.40 + 16) / 1e6)
    local = registry.get("smollm2-135m-instruct")
    assert local.cached_cost(10_000, 100, 10, write=False) == local.cost(10_100, 10) == 0.0
    for model in registry.models().values():
        if model.cache_read_usd_per_mtok is not None:
            assert model.cache_read_usd_per_mtok < model.input_usd_per_mtok, model.id


def test_fine_tuned_ids_are_priced_from_their_base():
    base = registry.get("gpt-4.1-mini")
    tuned = registry.get("ft:gpt-4.1-mini-2025-04-14:acme:tickets:abc123")
    assert tuned.id.startswith("ft:") and tuned.provider == base.provider
    assert tuned.input_usd_per_mtok == base.finetuned_input_usd_per_mtok
    assert tuned.lifecycle == base.lifecycle  # a fine-tune stops answering with its base
    assert registry.cost_usd(tuned.id, 1_000_000, 0) == base.finetuned_input_usd_per_mtok
    assert registry.base_id(tuned.id) == registry.base_id("gpt-4.1-mini-2025-04-14") == "gpt-4.1-mini"
    with pytest.raises(registry.UnknownModelError, match="not in the course registry"):
        registry.get("ft:imaginary-model:org::x")
    with pytest.raises(registry.UnknownModelError, match="no fine-tuned prices"):
        registry.get("ft:claude-haiku-5-5:org::x")


# --- capabilities ----------------------------------------------------------------------------------------------------
def test_capabilities_of_the_defaults():
    haiku = registry.capabilities("claude-haiku-5-5")
    assert haiku.prefill == "rejected" and haiku.sampling_params == "default_only" and not haiku.accepts_temperature
    assert haiku.thinking == "adaptive-default" and haiku.thinks and haiku.min_cacheable_tokens == 512
    luna = registry.capabilities("gpt-6-luna")
    assert luna.output_limit_params == ("max_completion_tokens",) and luna.tool_use == "reasoning_none_only"
    assert registry.capabilities("claude-haiku-4-5").sampling_params == "temperature_or_top_p"
    assert registry.get("claude-haiku-4-5").accepts_temperature and not registry.get("gpt-5-mini").accepts_temperature
    assert not registry.capabilities("claude-opus-5-5").forced_tool_use
    assert registry.capabilities("gpt-4.1-mini").output_limit_params == ("max_tokens", "max_completion_tokens")


def test_each_id_is_served_by_its_own_provider_only():
    assert registry.served_by("claude-haiku-5-5", "anthropic") and not registry.served_by("claude-haiku-5-5", "openai")
    assert registry.served_by("gpt-6-luna", "openai") and not registry.served_by("gpt-6-luna", "anthropic")
    assert registry.served_by("smollm2-135m-instruct", "anthropic") and registry.served_by("smollm2-135m-instruct",
                                                                                           "openai")
    assert registry.get("claude-haiku-5-5").endpoint == "messages"
    assert registry.get("gpt-6-luna").endpoint == "chat.completions"
