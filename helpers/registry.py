"""The model registry (data/models.yaml): ids, prices and their tiers, lifecycle and capabilities, each with the date
it was checked and its source. Validated on load: a mistake names the model and the field.

Taught in notebooks/00_start_here.ipynb ("What a call costs", "Model lifecycle"); used by every notebook that prices a
call or picks a model. The bottom of the house: it reads files and imports nothing of the course but ``paths``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from helpers import paths

REGISTRY_PATH = paths.DATA_DIR / "models.yaml"
PROVIDERS = ("anthropic", "openai", "local", "open")
STATUSES = ("active", "legacy", "deprecated", "retired")  # legacy: served, no longer updated (Anthropic's term)
ENDPOINTS = ("messages", "chat.completions", "responses")
PREFILL = ("supported", "rejected", "unsupported")
SAMPLING = ("any", "temperature_or_top_p", "default_only")
THINKING = ("none", "manual", "adaptive-default", "adaptive-always")
TOOL_USE = ("supported", "reasoning_none_only", "responses_only", "unsupported")
OUTPUT_LIMIT_PARAMS = ("max_tokens", "max_completion_tokens")
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
SHUTDOWN_WARNING_DAYS = 30
_DATED_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


class UnknownModelError(KeyError):
    """A model id that is in no registry entry."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


class RegistryError(ValueError):
    """data/models.yaml breaks the schema; the message names the model and the field."""


@dataclass(frozen=True)
class Lifecycle:
    """Where a model is in its life. ``shutdown_on`` is the first day requests fail (notebook 00)."""

    status: str = "active"
    released_on: dt.date | None = None
    deprecated_on: dt.date | None = None
    shutdown_on: dt.date | None = None
    replacement: str | None = None

    def is_retired(self, on: dt.date) -> bool:
        """True when requests to the model fail on day ``on``."""
        return self.shutdown_on is not None and on >= self.shutdown_on

    def days_left(self, on: dt.date) -> int | None:
        """Days from ``on`` to the shutdown (negative once past); None when no shutdown is announced."""
        return None if self.shutdown_on is None else (self.shutdown_on - on).days


@dataclass(frozen=True)
class FineTuning:
    """A base model's fine-tuning window (notebook 07): the ids a job names and the first day new jobs are refused."""

    snapshots: tuple[str, ...] = ()
    new_jobs_until: dt.date | None = None


@dataclass(frozen=True)
class Capabilities:
    """What a model accepts and how it answers (notebooks 00-02); the offline server applies the same rules."""

    prefill: str = "supported"
    sampling_params: str = "any"
    thinking: str = "none"
    default_effort: str | None = None
    thinking_display_default: str | None = None
    structured_outputs: bool = False
    tool_use: str = "supported"
    forced_tool_use: bool = True
    output_limit_params: tuple[str, ...] = ("max_tokens", "max_completion_tokens")
    min_cacheable_tokens: int | None = None
    cache_ttl_s: int | None = None
    cache_long_ttl_s: int | None = None

    @property
    def accepts_temperature(self) -> bool:
        """False when a non-default temperature is a 400 (recent Claude and OpenAI reasoning models)."""
        return self.sampling_params != "default_only"

    @property
    def thinks(self) -> bool:
        """True when replies may spend output tokens on thinking unless told otherwise."""
        return self.thinking in ("adaptive-default", "adaptive-always")


@dataclass(frozen=True)
class LongContextTier:
    """A price tier: a request whose prompt is over ``threshold_tokens`` pays the multipliers on every token."""

    threshold_tokens: int
    input_multiplier: float
    output_multiplier: float
    cache_multiplier: float


@dataclass(frozen=True)
class ModelInfo:
    """One registry entry. Prices are USD per million tokens."""

    id: str
    provider: str
    display_name: str
    context_window: int
    max_output_tokens: int
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    as_of: dt.date
    source: str
    cache_write_usd_per_mtok: float | None = None  # None: no separate write price (cache writes billed as input)
    cache_write_long_ttl_usd_per_mtok: float | None = None  # the write price at capabilities.cache_long_ttl_s
    cache_read_usd_per_mtok: float | None = None  # None: the provider offers no prompt caching
    batch_discount: float | None = None  # 0.5: the Batch API costs half; None: no batch API
    long_context: LongContextTier | None = None
    training_usd_per_mtok: float | None = None
    finetuned_input_usd_per_mtok: float | None = None
    finetuned_output_usd_per_mtok: float | None = None
    hf_repo: str | None = None
    endpoints: tuple[str, ...] = ()
    snapshots: tuple[str, ...] = ()
    lifecycle: Lifecycle = Lifecycle()
    fine_tuning: FineTuning | None = None
    capabilities: Capabilities = Capabilities()
    sources: tuple[tuple[str, str], ...] = ()
    unverified: tuple[tuple[str, str], ...] = ()

    @property
    def retires(self) -> dt.date | None:
        """The shutdown day (the name notebook 00 used before lifecycles); None when none is announced."""
        return self.lifecycle.shutdown_on

    @property
    def accepts_temperature(self) -> bool:
        """False when a non-default temperature is a 400 for this model."""
        return self.capabilities.accepts_temperature

    @property
    def endpoint(self) -> str:
        """The API the course calls this id through (the first of ``endpoints``)."""
        return self.endpoints[0] if self.endpoints else _default_endpoints(self.provider)[0]

    def is_retired(self, on: dt.date | None = None) -> bool:
        """True when requests to the model fail on day ``on`` (default: today)."""
        return self.lifecycle.is_retired(on or dt.date.today())

    def fine_tunable(self, on: dt.date | None = None) -> bool:
        """True when a new fine-tuning job on this base is accepted on day ``on`` (default: today; notebook 07)."""
        day = on or dt.date.today()
        window = self.fine_tuning
        if window is None or self.training_usd_per_mtok is None or self.is_retired(day):
            return False
        return window.new_jobs_until is None or day < window.new_jobs_until

    def cost(self, input_tokens: int, output_tokens: int, *, cache_write_tokens: int = 0, cache_read_tokens: int = 0,
             cache_ttl_s: int | None = None, batch: bool = False) -> float:
        """Dollars for one call at list price (notebook 00). ``input_tokens`` are the uncached prompt tokens; cache
        writes and reads are priced apart; a prompt over the long-context threshold pays its multipliers on every
        token; ``batch`` applies the Batch API discount."""
        for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens),
                            ("cache_write_tokens", cache_write_tokens), ("cache_read_tokens", cache_read_tokens)):
            if value < 0:
                raise ValueError(f"{self.id}: {name} must be >= 0, not {value}.")
        prompt = input_tokens + cache_write_tokens + cache_read_tokens
        m_in = m_out = m_cache = 1.0
        if self.long_context is not None and prompt > self.long_context.threshold_tokens:
            tier = self.long_context
            m_in, m_out, m_cache = tier.input_multiplier, tier.output_multiplier, tier.cache_multiplier
        write_price, write_mult = self._write_price(cache_ttl_s), m_cache
        if write_price is None:  # no write fee: the tokens that fill the cache are plain input
            write_price, write_mult = self.input_usd_per_mtok, m_in
        read_price, read_mult = self.cache_read_usd_per_mtok, m_cache
        if read_price is None:  # no prompt caching: "cached" tokens are plain input
            read_price, read_mult = self.input_usd_per_mtok, m_in
        dollars = (input_tokens * self.input_usd_per_mtok * m_in + output_tokens * self.output_usd_per_mtok * m_out
                   + cache_write_tokens * write_price * write_mult + cache_read_tokens * read_price * read_mult) / 1e6
        if batch:
            if self.batch_discount is None:
                raise ValueError(f"{self.id} has no batch price in the registry (batch_discount is unset); price it "
                                 "without batch=True, or add its batch_discount with a source.")
            dollars *= 1.0 - self.batch_discount
        return dollars

    def _write_price(self, cache_ttl_s: int | None) -> float | None:
        caps = self.capabilities
        if cache_ttl_s is None or cache_ttl_s == caps.cache_ttl_s:
            return self.cache_write_usd_per_mtok
        if caps.cache_long_ttl_s is not None and cache_ttl_s == caps.cache_long_ttl_s:
            return self.cache_write_long_ttl_usd_per_mtok
        known = [t for t in (caps.cache_ttl_s, caps.cache_long_ttl_s) if t is not None]
        raise ValueError(f"{self.id}: no cache-write price for a {cache_ttl_s}-second TTL; the registry knows "
                         f"{', '.join(map(str, known)) or 'none'}.")

    def cached_cost(self, cached_tokens: int, fresh_input_tokens: int, output_tokens: int, *, write: bool) -> float:
        """Dollars for one call whose first ``cached_tokens`` prompt tokens come from the prompt cache (``write``:
        this call creates the cache entry). Without caching prices, the cached part is billed as plain input."""
        if write:
            return self.cost(fresh_input_tokens, output_tokens, cache_write_tokens=cached_tokens)
        return self.cost(fresh_input_tokens, output_tokens, cache_read_tokens=cached_tokens)


# --- loading and validation ----------------------------------------------------------------------------------------
_MODEL_FIELDS = {f.name for f in dataclasses.fields(ModelInfo)}
_BLOCKS = {"lifecycle": Lifecycle, "fine_tuning": FineTuning, "capabilities": Capabilities,
           "long_context": LongContextTier}
_PRICE_FIELDS = ("input_usd_per_mtok", "output_usd_per_mtok", "cache_write_usd_per_mtok",
                 "cache_write_long_ttl_usd_per_mtok", "cache_read_usd_per_mtok", "training_usd_per_mtok",
                 "finetuned_input_usd_per_mtok", "finetuned_output_usd_per_mtok")


def _default_endpoints(provider: str) -> tuple[str, ...]:
    return {"anthropic": ("messages",), "openai": ("chat.completions", "responses")}.get(
        provider, ("messages", "chat.completions"))


class _Entry:
    """Reads one raw model entry, raising RegistryError that names the model and the field."""

    def __init__(self, path: Path, raw: dict, index: int):
        self.path, self.raw = path, raw
        self.id = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index + 1}"

    def fail(self, field: str, problem: str) -> RegistryError:
        return RegistryError(f"{self.path.name}: model {self.id!r}, field {field!r}: {problem}. Fix the entry in "
                             f"{self.path} (the schema is described at the top of data/models.yaml).")

    def date(self, field: str, value) -> dt.date | None:
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(field, f"{value!r} is not a date (write YYYY-MM-DD)") from None

    def number(self, field: str, value, *, minimum: float = 0.0, integer: bool = False, optional: bool = True):
        if value is None and optional:
            return None
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or value < minimum:
            kind = "an integer" if integer else "a number"
            raise self.fail(field, f"{value!r} is not {kind} >= {minimum:g}")
        return value if integer else float(value)

    def choice(self, field: str, value, allowed: tuple, *, optional: bool = False):
        if value is None and optional:
            return None
        if value not in allowed:
            raise self.fail(field, f"{value!r} is not one of {', '.join(map(str, allowed))}")
        return value

    def id_list(self, field: str, value) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(field, f"{value!r} is not a list of ids")
        return tuple(value)

    def block(self, name: str) -> dict | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(name, f"expected a mapping, got {type(value).__name__}")
        known = {f.name for f in dataclasses.fields(_BLOCKS[name])}
        unknown = sorted(set(value) - known)
        if unknown:
            raise self.fail(f"{name}.{unknown[0]}", f"unknown field (known: {', '.join(sorted(known))})")
        return value

    def model(self) -> ModelInfo:
        raw = self.raw
        unknown = sorted(set(raw) - _MODEL_FIELDS)
        if unknown:
            raise self.fail(unknown[0], f"unknown field (known: {', '.join(sorted(_MODEL_FIELDS))})")
        for field in ("id", "provider", "display_name", "context_window", "max_output_tokens", "input_usd_per_mtok",
                      "output_usd_per_mtok", "as_of", "source"):
            if raw.get(field) in (None, ""):
                raise self.fail(field, "missing (every model needs it)")
        provider = self.choice("provider", raw["provider"], PROVIDERS)
        values = {name: self.number(name, raw.get(name)) for name in _PRICE_FIELDS}
        values["input_usd_per_mtok"] = self.number("input_usd_per_mtok", raw["input_usd_per_mtok"], optional=False)
        values["output_usd_per_mtok"] = self.number("output_usd_per_mtok", raw["output_usd_per_mtok"], optional=False)
        context = self.number("context_window", raw["context_window"], minimum=1, integer=True)
        max_out = self.number("max_output_tokens", raw["max_output_tokens"], minimum=1, integer=True)
        if max_out > context:
            raise self.fail("max_output_tokens", f"{max_out} is more than the context window ({context})")
        discount = self.number("batch_discount", raw.get("batch_discount"))
        if discount is not None and discount >= 1:
            raise self.fail("batch_discount", f"{discount} is not a fraction below 1 (0.5 = half price)")
        endpoints = self.id_list("endpoints", raw.get("endpoints")) or _default_endpoints(provider)
        for name in endpoints:
            self.choice("endpoints", name, ENDPOINTS)
        for field in ("source", "display_name", "hf_repo"):
            if raw.get(field) is not None and not isinstance(raw[field], str):
                raise self.fail(field, f"{raw[field]!r} is not text")
        capabilities = self.capabilities()
        self.check_cache_prices(values, capabilities)
        return ModelInfo(
            id=raw["id"], provider=provider, display_name=raw["display_name"], context_window=context,
            max_output_tokens=max_out, as_of=self.date("as_of", raw["as_of"]), source=raw["source"],
            batch_discount=discount, long_context=self.long_context(), hf_repo=raw.get("hf_repo"),
            endpoints=endpoints, snapshots=self.id_list("snapshots", raw.get("snapshots")),
            lifecycle=self.lifecycle(), fine_tuning=self.fine_tuning(), capabilities=capabilities,
            sources=self.pairs("sources"), unverified=self.pairs("unverified"), **values)

    def check_cache_prices(self, values: dict, caps: Capabilities) -> None:
        read, write = values["cache_read_usd_per_mtok"], values["cache_write_usd_per_mtok"]
        if read is not None and values["input_usd_per_mtok"] > 0 and read >= values["input_usd_per_mtok"]:
            raise self.fail("cache_read_usd_per_mtok", f"{read} is not below the input price")
        if values["cache_write_long_ttl_usd_per_mtok"] is not None and caps.cache_long_ttl_s is None:
            raise self.fail("capabilities.cache_long_ttl_s", "missing: cache_write_long_ttl_usd_per_mtok needs the "
                                                             "TTL it buys")
        if write is not None and write < values["input_usd_per_mtok"]:
            raise self.fail("cache_write_usd_per_mtok", f"{write} is below the input price")

    def lifecycle(self) -> Lifecycle:
        raw = self.block("lifecycle") or {}
        life = Lifecycle(status=self.choice("lifecycle.status", raw.get("status", "active"), STATUSES),
                         released_on=self.date("lifecycle.released_on", raw.get("released_on")),
                         deprecated_on=self.date("lifecycle.deprecated_on", raw.get("deprecated_on")),
                         shutdown_on=self.date("lifecycle.shutdown_on", raw.get("shutdown_on")),
                         replacement=raw.get("replacement"))
        if life.status in ("deprecated", "retired") and life.shutdown_on is None:
            raise self.fail("lifecycle.shutdown_on", f"missing: a {life.status} model needs its shutdown day")
        if life.status == "retired" and life.replacement is None:
            raise self.fail("lifecycle.replacement", "missing: say what replaces a retired model")
        if life.deprecated_on and life.shutdown_on and life.deprecated_on > life.shutdown_on:
            raise self.fail("lifecycle.deprecated_on", "is after the shutdown day")
        if life.replacement is not None and not isinstance(life.replacement, str):
            raise self.fail("lifecycle.replacement", f"{life.replacement!r} is not a model id")
        return life

    def fine_tuning(self) -> FineTuning | None:
        raw = self.block("fine_tuning")
        if raw is None:
            return None
        if self.raw.get("training_usd_per_mtok") is None:
            raise self.fail("training_usd_per_mtok", "missing: a fine-tunable model needs its training price")
        return FineTuning(snapshots=self.id_list("fine_tuning.snapshots", raw.get("snapshots")),
                          new_jobs_until=self.date("fine_tuning.new_jobs_until", raw.get("new_jobs_until")))

    def capabilities(self) -> Capabilities:
        raw = self.block("capabilities")
        if raw is None:
            return Capabilities()
        out = self.id_list("capabilities.output_limit_params", raw.get("output_limit_params", list(
            Capabilities.output_limit_params)))
        for name in out:
            self.choice("capabilities.output_limit_params", name, OUTPUT_LIMIT_PARAMS)
        if not out:
            raise self.fail("capabilities.output_limit_params", "empty: name the output-limit parameter it takes")
        for flag in ("structured_outputs", "forced_tool_use"):
            if not isinstance(raw.get(flag, True), bool):
                raise self.fail(f"capabilities.{flag}", f"{raw[flag]!r} is not true or false")
        caps = Capabilities(
            prefill=self.choice("capabilities.prefill", raw.get("prefill", "supported"), PREFILL),
            sampling_params=self.choice("capabilities.sampling_params", raw.get("sampling_params", "any"), SAMPLING),
            thinking=self.choice("capabilities.thinking", raw.get("thinking", "none"), THINKING),
            default_effort=self.choice("capabilities.default_effort", raw.get("default_effort"), EFFORTS,
                                       optional=True),
            thinking_display_default=self.choice("capabilities.thinking_display_default",
                                                 raw.get("thinking_display_default"), ("omitted", "summarized"),
                                                 optional=True),
            structured_outputs=raw.get("structured_outputs", False),
            tool_use=self.choice("capabilities.tool_use", raw.get("tool_use", "supported"), TOOL_USE),
            forced_tool_use=raw.get("forced_tool_use", True), output_limit_params=out,
            min_cacheable_tokens=self.number("capabilities.min_cacheable_tokens", raw.get("min_cacheable_tokens"),
                                             minimum=1, integer=True),
            cache_ttl_s=self.number("capabilities.cache_ttl_s", raw.get("cache_ttl_s"), minimum=1, integer=True),
            cache_long_ttl_s=self.number("capabilities.cache_long_ttl_s", raw.get("cache_long_ttl_s"), minimum=1,
                                         integer=True))
        if caps.thinking == "none" and caps.default_effort is not None:
            raise self.fail("capabilities.default_effort", "set on a model that does not think")
        return caps

    def long_context(self) -> LongContextTier | None:
        raw = self.block("long_context")
        if raw is None:
            return None
        missing = [f.name for f in dataclasses.fields(LongContextTier) if raw.get(f.name) is None]
        if missing:
            raise self.fail(f"long_context.{missing[0]}", "missing")
        return LongContextTier(
            threshold_tokens=self.number("long_context.threshold_tokens", raw["threshold_tokens"], minimum=1,
                                         integer=True),
            **{name: self.number(f"long_context.{name}", raw[name], minimum=1.0)
               for name in ("input_multiplier", "output_multiplier", "cache_multiplier")})

    def pairs(self, field: str) -> tuple[tuple[str, str], ...]:
        value = self.raw.get(field)
        if value is None:
            return ()
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                  for k, v in value.items()):
            raise self.fail(field, "expected a mapping of names to non-empty text")
        if field == "unverified":
            for key in value:
                head, _, tail = key.partition(".")
                if head not in _MODEL_FIELDS or (tail and (head not in _BLOCKS or tail not in {
                        f.name for f in dataclasses.fields(_BLOCKS[head])})):
                    raise self.fail(f"unverified.{key}", "names no field of the schema")
        return tuple(value.items())


def _check_references(path: Path, raw: dict, table: dict[str, ModelInfo], as_of: dt.date) -> None:
    for info in table.values():
        where = f"{path.name}: model {info.id!r}"
        repl = info.lifecycle.replacement
        if repl is not None:
            if repl not in table:
                raise RegistryError(f"{where}, field 'lifecycle.replacement': {repl!r} is not in the registry; add "
                                    "it (with its prices and sources) or name a registry id.")
            if repl == info.id or table[repl].provider != info.provider:
                raise RegistryError(f"{where}, field 'lifecycle.replacement': {repl!r} must be another "
                                    f"{info.provider} model.")
        life = info.lifecycle
        retired_by_date = life.is_retired(as_of)
        if retired_by_date != (life.status == "retired"):
            raise RegistryError(f"{where}, field 'lifecycle.status': {life.status!r} disagrees with shutdown_on "
                                f"{life.shutdown_on} as of the registry's as_of {as_of}; update one of them.")
        if info.as_of > as_of:
            raise RegistryError(f"{where}, field 'as_of': {info.as_of} is after the registry's as_of {as_of}.")
    for key in ("defaults", "fine_tuning_defaults"):
        block = raw.get(key) or {}
        if not isinstance(block, dict):
            raise RegistryError(f"{path.name}: '{key}' must map providers to model ids.")
        for provider, model_id in block.items():
            if model_id not in table:
                raise RegistryError(f"{path.name}: {key}.{provider} is {model_id!r}, which is not in the registry.")
            info = table[model_id]
            if info.provider != provider:
                raise RegistryError(f"{path.name}: {key}.{provider} is {model_id!r}, a {info.provider} model.")
            if key == "defaults" and info.lifecycle.status != "active":
                raise RegistryError(f"{path.name}: defaults.{provider} is {model_id!r}, whose lifecycle status is "
                                    f"{info.lifecycle.status!r}; a course default must be active.")
            if key == "fine_tuning_defaults" and not info.fine_tunable(as_of):
                raise RegistryError(f"{path.name}: fine_tuning_defaults.{provider} is {model_id!r}, which cannot be "
                                    f"fine-tuned on {as_of} (see its fine_tuning and lifecycle).")


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[dict, dict[str, ModelInfo], dt.date]:
    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegistryError(f"{file} is not valid YAML ({exc}); text with ': ' inside needs quotes.") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
        raise RegistryError(f"{file}: expected a mapping with a 'models' list.")
    table: dict[str, ModelInfo] = {}
    for index, entry in enumerate(raw["models"]):
        if not isinstance(entry, dict):
            raise RegistryError(f"{file.name}: models entry #{index + 1} is not a mapping.")
        info = _Entry(file, entry, index).model()
        if info.id in table:
            raise RegistryError(f"{file.name}: model id {info.id!r} appears twice; keep one entry.")
        table[info.id] = info
    if raw.get("as_of") is not None:
        as_of = _Entry(file, {"id": "(registry)"}, 0).date("as_of", raw["as_of"])
    else:
        as_of = max((m.as_of for m in table.values()), default=dt.date.today())
    _check_references(file, raw, table, as_of)
    return raw, table, as_of


def validate(path: Path = REGISTRY_PATH) -> dict[str, ModelInfo]:
    """Load and check ``path`` afresh; raises :class:`RegistryError` naming the model and field of a mistake."""
    _load.cache_clear()
    return models(path)


def models(path: Path = REGISTRY_PATH) -> dict[str, ModelInfo]:
    """Every registry entry by id."""
    return _load(str(path))[1]


def as_of(path: Path = REGISTRY_PATH) -> dt.date:
    """The day the registry's lifecycle facts were last checked."""
    return _load(str(path))[2]


def missing_facts(path: Path = REGISTRY_PATH) -> list[str]:
    """Paid models whose entry lacks a block the course relies on (lifecycle, capabilities) or sources: one line
    each. The course's own registry must have none (tests/test_registry.py)."""
    raw_entries = {e.get("id"): e for e in _load(str(path))[0]["models"]}
    problems = []
    for info in models(path).values():
        if info.provider not in ("anthropic", "openai"):
            continue
        for block in ("lifecycle", "capabilities", "endpoints", "sources"):
            if raw_entries[info.id].get(block) is None:
                problems.append(f"{info.id}: no '{block}'")
        if not info.source.startswith("https://"):
            problems.append(f"{info.id}: source {info.source!r} is not a URL")
    return problems


# --- lookups -------------------------------------------------------------------------------------------------------
def base_id(model_id: str) -> str:
    """The registry id a dated snapshot or an ``ft:`` model belongs to (``gpt-4.1-mini-2025-04-14`` ->
    ``gpt-4.1-mini``); ids the registry knows are returned unchanged."""
    if model_id.startswith("ft:"):
        parts = model_id.split(":")
        model_id = parts[1] if len(parts) > 1 else ""
    table = models()
    if model_id in table:
        return model_id
    for info in table.values():
        if model_id in info.snapshots or (info.fine_tuning and model_id in info.fine_tuning.snapshots):
            return info.id
    return _DATED_SUFFIX.sub("", model_id)


def fine_tuned(model_id: str, path: Path = REGISTRY_PATH) -> ModelInfo:
    """A fine-tuned model (``ft:<base>:<org>:<suffix>:<id>``) priced at its base model's fine-tuned inference
    prices (notebook 07); it shares its base's lifecycle (it stops answering on the base's shutdown day). A dated base
    snapshot (``gpt-4.1-nano-2025-04-14``) maps to the registry id."""
    parts = model_id.split(":")
    base = _DATED_SUFFIX.sub("", parts[1]) if len(parts) > 1 else ""
    table = models(path)
    if base not in table:
        raise UnknownModelError(f"Fine-tuned model {model_id!r}: its base {base!r} is not in the course registry "
                                f"({path.name}).")
    info = table[base]
    if info.finetuned_input_usd_per_mtok is None or info.finetuned_output_usd_per_mtok is None:
        raise UnknownModelError(f"Fine-tuned model {model_id!r}: {base} has no fine-tuned prices in {path.name}.")
    return dataclasses.replace(info, id=model_id, display_name=f"{info.display_name} (fine-tuned)",
                               input_usd_per_mtok=info.finetuned_input_usd_per_mtok,
                               output_usd_per_mtok=info.finetuned_output_usd_per_mtok, fine_tuning=None)


def get(model_id: str, path: Path = REGISTRY_PATH) -> ModelInfo:
    """The entry for ``model_id``; raises :class:`UnknownModelError` listing the known ids. ``ft:`` ids are priced
    from their base model (see :func:`fine_tuned`)."""
    if isinstance(model_id, str) and model_id.startswith("ft:"):
        return fine_tuned(model_id, path)
    table = models(path)
    if model_id not in table:
        raise UnknownModelError(
            f"Model {model_id!r} is not in the course registry ({path.name}). Known ids: {', '.join(sorted(table))}. "
            "Add it to data/models.yaml with its prices, as_of date and source."
        )
    return table[model_id]


def default_model(provider: str, path: Path = REGISTRY_PATH) -> str:
    """The course's default model id for "anthropic", "openai" or "local" (an active model; with a key,
    ``helpers.live_models`` also checks the provider still serves it)."""
    defaults = _load(str(path))[0]["defaults"]
    if provider not in defaults:
        raise UnknownModelError(f"No default model for provider {provider!r}; choose one of {', '.join(defaults)}.")
    return defaults[provider]


def default_fine_tuning_base(provider: str = "openai", on: dt.date | None = None, path: Path = REGISTRY_PATH) -> str:
    """The base the course fine-tunes through ``provider``'s API (notebook 07), if a new job is still accepted on
    ``on`` (default: today); otherwise a clear error pointing to open-model LoRA (notebook 08)."""
    defaults = _load(str(path))[0].get("fine_tuning_defaults") or {}
    if provider not in defaults:
        raise UnknownModelError(f"No fine-tuning base for provider {provider!r} in {path.name}; "
                                f"known: {', '.join(defaults) or 'none'}.")
    model_id, day = defaults[provider], on or dt.date.today()
    info = get(model_id, path)
    if not info.fine_tunable(day):
        end = fine_tuning_ends(model_id, path)
        raise UnknownModelError(f"{model_id} can no longer be fine-tuned through the {provider} API on {day} (new "
                                f"jobs stopped on {end}). Fine-tune an open model with LoRA instead (notebook 08), or "
                                f"update fine_tuning_defaults in {path.name} from the provider's docs.")
    return model_id


def by_provider(provider: str, path: Path = REGISTRY_PATH, *, include_retired: bool = False,
                on: dt.date | None = None) -> list[ModelInfo]:
    """Registry entries of one provider, in file order; models retired on ``on`` (default: today) are left out
    unless ``include_retired``."""
    day = on or dt.date.today()
    return [m for m in models(path).values()
            if m.provider == provider and (include_retired or not m.is_retired(day))]


def cost(model_id: str, input_tokens: int, output_tokens: int, *, cache_write_tokens: int = 0,
         cache_read_tokens: int = 0, cache_ttl_s: int | None = None, batch: bool = False) -> float:
    """Dollars for one call of ``model_id`` with its price tiers: long-context multipliers, cache writes and reads,
    the Batch API discount (see :meth:`ModelInfo.cost`; notebook 00)."""
    return get(model_id).cost(input_tokens, output_tokens, cache_write_tokens=cache_write_tokens,
                              cache_read_tokens=cache_read_tokens, cache_ttl_s=cache_ttl_s, batch=batch)


def cost_usd(model_id: str, input_tokens: int, output_tokens: int) -> float:
    """What a call with these token counts costs at ``model_id``'s list price (tiers included)."""
    return get(model_id).cost(input_tokens, output_tokens)


def gpu_hour_prices(path: Path = REGISTRY_PATH) -> list[dict]:
    """GPU rental estimates (USD per hour) for self-hosting and LoRA training."""
    rows = _load(str(path))[0].get("gpu_hour_usd", [])
    return [dict(row, as_of=_Entry(Path(path), {"id": row.get("gpu")}, 0).date("as_of", row["as_of"]))
            for row in rows]


# --- lifecycle and capability queries (notebook 00, "Model lifecycle") ----------------------------------------------
def lifecycle(model_id: str) -> Lifecycle:
    """Status, deprecation and shutdown days and replacement of ``model_id`` (``ft:`` ids share their base's)."""
    return get(model_id).lifecycle


def capabilities(model_id: str) -> Capabilities:
    """What ``model_id`` accepts: prefill, sampling parameters, thinking, structured outputs, tools, caching."""
    return get(model_id).capabilities


def is_retired(model_id: str, on: dt.date | None = None) -> bool:
    """True when requests to ``model_id`` fail on day ``on`` (default: today)."""
    return get(model_id).is_retired(on)


def replacement(model_id: str) -> str | None:
    """The registry id the provider recommends instead of ``model_id`` (None when none is named)."""
    return get(model_id).lifecycle.replacement


def current_model(model_id: str, on: dt.date | None = None) -> str:
    """``model_id`` if it is served on ``on`` (default: today), else the first replacement down its chain that is."""
    day, seen, current = on or dt.date.today(), [], model_id
    while get(current).is_retired(day):
        seen.append(current)
        nxt = replacement(current)
        if nxt is None or nxt in seen:
            raise UnknownModelError(f"{model_id} is retired on {day} and the registry names no served replacement "
                                    f"(followed {' -> '.join(seen)}). Add one to data/models.yaml.")
        current = nxt
    return current


def fine_tunable(model_id: str, on: dt.date | None = None) -> bool:
    """True when a new fine-tuning job on ``model_id`` is accepted on day ``on`` (default: today; notebook 07)."""
    return get(model_id).fine_tunable(on)


def fine_tuning_ends(model_id: str, path: Path = REGISTRY_PATH) -> dt.date | None:
    """The first day new fine-tuning jobs on ``model_id`` are refused (the earlier of its jobs' end and its
    shutdown); None when it cannot be fine-tuned at all or no end is announced."""
    info = get(model_id, path)
    if info.fine_tuning is None:
        return None
    ends = [d for d in (info.fine_tuning.new_jobs_until, info.lifecycle.shutdown_on) if d is not None]
    return min(ends, default=None)


def served_by(model_id: str, client: str) -> bool:
    """True when the ``client`` flavour ("anthropic" or "openai") serves ``model_id``: provider ids only through
    their own provider's SDK, local and open models through both (the in-process server)."""
    if client not in ("anthropic", "openai"):
        raise ValueError(f"client must be 'anthropic' or 'openai', not {client!r}.")
    info = get(model_id)
    return info.provider in (client, "local", "open")


def shutdown_warnings(model_ids: Iterable[str], today: dt.date | None = None,
                      days: int = SHUTDOWN_WARNING_DAYS) -> list[str]:
    """One warning per model in ``model_ids`` that is retired on ``today`` or shuts down within ``days`` days, and
    per fine-tuning base whose new jobs stop within that window (``python -m helpers.doctor``)."""
    day, lines = today or dt.date.today(), []
    for model_id in sorted(set(model_ids)):
        info = get(model_id)
        left, repl = info.lifecycle.days_left(day), info.lifecycle.replacement
        instead = f"; use {repl} instead" if repl else ""
        if left is not None and left <= 0:
            lines.append(f"{model_id} was shut down on {info.lifecycle.shutdown_on}: requests to it fail{instead}.")
        elif left is not None and left <= days:
            lines.append(f"{model_id} shuts down on {info.lifecycle.shutdown_on} ({left} days from {day}){instead}.")
        end = fine_tuning_ends(model_id)
        if end is not None and not info.is_retired(day) and (end - day).days <= days:
            when = (f"are refused from {end} ({(end - day).days} days from {day})" if end > day
                    else f"have been refused since {end}")
            lines.append(f"{model_id}: new fine-tuning jobs {when}; open-model LoRA (notebook 08) has no end date.")
    return lines


# --- which models the course uses ------------------------------------------------------------------------------------
def model_ids_in(text: str, path: Path = REGISTRY_PATH) -> set[str]:
    """Registry ids named in ``text``, dated snapshots and ``ft:`` ids counted as their base."""
    found = set()
    for info in models(path).values():
        names = (info.id, *info.snapshots)
        pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        if re.search(rf"(?<![\w.-])(?:{pattern})(?:-\d{{4}}-\d{{2}}-\d{{2}})?(?![\w.-])", text):
            found.add(info.id)
    return found


def code_of_notebook(path: Path) -> str:
    """The code of a notebook (its code cells; for a jupytext percent ``.py``, everything but markdown cells)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c.get("cell_type") == "code")
    kept, markdown = [], False
    for line in text.splitlines():
        if line.startswith("# %%"):
            markdown = "[markdown]" in line
        if not markdown:
            kept.append(line)
    return "\n".join(kept)


def notebook_model_ids(folder: Path = paths.NOTEBOOKS_DIR) -> set[str]:
    """Registry ids the code of the notebooks in ``folder`` names (markdown left out: history is not use)."""
    found: set[str] = set()
    for path in sorted(folder.glob("*.ipynb")) + sorted(folder.glob("*.py")):
        found |= model_ids_in(code_of_notebook(path))
    return found


def course_model_ids(path: Path = REGISTRY_PATH) -> set[str]:
    """The models the course uses: the defaults, the fine-tuning bases and every id a notebook's code names."""
    raw = _load(str(path))[0]
    ids = set((raw.get("defaults") or {}).values()) | set((raw.get("fine_tuning_defaults") or {}).values())
    return ids | notebook_model_ids()
