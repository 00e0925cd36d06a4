"""The model registry (data/models.yaml): ids, context windows, prices with their dates and sources.

Taught in notebooks/00_start_here.ipynb ("What a call costs"); used by every notebook that prices a call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from helpers import paths

REGISTRY_PATH = paths.DATA_DIR / "models.yaml"
PROVIDERS = ("anthropic", "openai", "local", "open")


class UnknownModelError(KeyError):
    """A model id that is in no registry entry."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


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
    cache_write_usd_per_mtok: float | None = None  # None: no separate write price (OpenAI caches for free)
    cache_read_usd_per_mtok: float | None = None  # None: the provider offers no prompt caching
    training_usd_per_mtok: float | None = None
    finetuned_input_usd_per_mtok: float | None = None
    finetuned_output_usd_per_mtok: float | None = None
    hf_repo: str | None = None
    retires: dt.date | None = None
    accepts_temperature: bool = True  # recent Claude and OpenAI reasoning models refuse sampling parameters

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """Dollars for one call at this model's list price."""
        return (input_tokens * self.input_usd_per_mtok + output_tokens * self.output_usd_per_mtok) / 1e6

    def cached_cost(self, cached_tokens: int, fresh_input_tokens: int, output_tokens: int, *, write: bool) -> float:
        """Dollars for one call whose first ``cached_tokens`` prompt tokens come from the prompt cache (``write``:
        this call creates the cache entry). Without caching prices, the cached part is billed as plain input."""
        if self.cache_read_usd_per_mtok is None:
            return self.cost(cached_tokens + fresh_input_tokens, output_tokens)
        if write:
            per = self.cache_write_usd_per_mtok if self.cache_write_usd_per_mtok is not None else self.input_usd_per_mtok
        else:
            per = self.cache_read_usd_per_mtok
        return (cached_tokens * per + fresh_input_tokens * self.input_usd_per_mtok
                + output_tokens * self.output_usd_per_mtok) / 1e6


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[dict, dict[str, ModelInfo]]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    models: dict[str, ModelInfo] = {}
    for entry in raw["models"]:
        entry = dict(entry)
        entry["as_of"] = _as_date(entry["as_of"])
        entry["retires"] = _as_date(entry.get("retires"))
        info = ModelInfo(**entry)
        if info.id in models:
            raise ValueError(f"{path}: model id {info.id!r} appears twice")
        models[info.id] = info
    return raw, models


def models(path: Path = REGISTRY_PATH) -> dict[str, ModelInfo]:
    """Every registry entry by id."""
    return _load(str(path))[1]


def fine_tuned(model_id: str, path: Path = REGISTRY_PATH) -> ModelInfo:
    """A fine-tuned model (``ft:<base>:<org>:<suffix>:<id>``) priced at its base model's fine-tuned inference
    prices (notebook 07). A dated base snapshot (``gpt-4.1-nano-2025-04-14``) maps to the registry id."""
    import dataclasses
    import re

    parts = model_id.split(":")
    base = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", parts[1]) if len(parts) > 1 else ""
    table = models(path)
    if base not in table:
        raise UnknownModelError(f"Fine-tuned model {model_id!r}: its base {base!r} is not in the course registry "
                                f"({path.name}).")
    info = table[base]
    if info.finetuned_input_usd_per_mtok is None or info.finetuned_output_usd_per_mtok is None:
        raise UnknownModelError(f"Fine-tuned model {model_id!r}: {base} has no fine-tuned prices in {path.name}.")
    return dataclasses.replace(info, id=model_id, display_name=f"{info.display_name} (fine-tuned)",
                               input_usd_per_mtok=info.finetuned_input_usd_per_mtok,
                               output_usd_per_mtok=info.finetuned_output_usd_per_mtok)


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
    """The course's default model id for "anthropic", "openai" or "local"."""
    defaults = _load(str(path))[0]["defaults"]
    if provider not in defaults:
        raise UnknownModelError(f"No default model for provider {provider!r}; choose one of {', '.join(defaults)}.")
    return defaults[provider]


def by_provider(provider: str, path: Path = REGISTRY_PATH) -> list[ModelInfo]:
    """Registry entries of one provider, in file order."""
    return [m for m in models(path).values() if m.provider == provider]


def cost_usd(model_id: str, input_tokens: int, output_tokens: int) -> float:
    """What a call with these token counts costs at ``model_id``'s list price."""
    return get(model_id).cost(input_tokens, output_tokens)


def gpu_hour_prices(path: Path = REGISTRY_PATH) -> list[dict]:
    """GPU rental estimates (USD per hour) for self-hosting and LoRA training."""
    return [dict(row, as_of=_as_date(row["as_of"])) for row in _load(str(path))[0].get("gpu_hour_usd", [])]


def live_model_ids(provider: str) -> list[str]:
    """Model ids the provider serves right now (needs a key; offline, the local provider lists the registry)."""
    from helpers import llm

    if provider == "anthropic":
        return [m.id for m in llm.anthropic_client().models.list()]
    if provider == "openai":
        return [m.id for m in llm.openai_client().models.list()]
    raise UnknownModelError(f"live_model_ids takes 'anthropic' or 'openai', not {provider!r}.")
