"""With a key, check once per kernel that the provider still serves the course's default model; if it does not, say
so and use the registry's replacement (notebook 00, "Model lifecycle").

``helpers.llm.default_model`` asks here. This module lists models with the provider's own SDK and the key from
``helpers.env``; it does not import ``helpers.llm`` (which imports it), so the house keeps no import cycle.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable

import anthropic
import openai

from helpers import env, registry

LIST_TIMEOUT_S = 15.0
_SERVED: dict[str, frozenset[str] | None] = {}  # provider -> ids its live list returned (None: the list failed)
_CHOSEN: dict[str, str] = {}  # provider -> the default this kernel settled on


class ModelNotServedWarning(UserWarning):
    """The provider's live model list lacks a registry default; the course switched to its replacement."""


def sdk_model_ids(provider: str) -> list[str]:
    """Model ids the provider serves right now, from its ``models.list`` endpoint (needs the provider's key)."""
    key = env.key_for(provider)
    if key is None:
        raise env.CourseConfigError(f"Listing {provider}'s live models needs {env.KEY_NAMES[provider]}; without it "
                                    "the course runs offline and the registry's defaults are used as they are.")
    if provider == "anthropic":
        client = anthropic.Anthropic(api_key=key, timeout=LIST_TIMEOUT_S, max_retries=1)
    elif provider == "openai":
        client = openai.OpenAI(api_key=key, timeout=LIST_TIMEOUT_S, max_retries=1)
    else:
        raise ValueError(f"sdk_model_ids takes 'anthropic' or 'openai', not {provider!r}.")
    return [m.id for m in client.models.list()]


def served_ids(provider: str, lister: Callable[[str], Iterable[str]] = sdk_model_ids) -> frozenset[str] | None:
    """The provider's live model ids, listed once per kernel and cached; None (with a warning) when the list could
    not be fetched, so the course goes on with the registry's defaults."""
    if provider not in _SERVED:
        try:
            _SERVED[provider] = frozenset(lister(provider))
        except (anthropic.APIError, openai.APIError, env.CourseConfigError, OSError) as exc:  # say which; go on
            warnings.warn(f"Could not list {provider}'s live models ({type(exc).__name__}: {exc}); using the course "
                          f"registry's defaults as they are.", ModelNotServedWarning, stacklevel=3)
            _SERVED[provider] = None
    return _SERVED[provider]


def is_served(model_id: str, served: Iterable[str]) -> bool:
    """True when ``model_id`` or one of its dated snapshots is in ``served``."""
    names = {model_id, *registry.get(model_id).snapshots}
    dated = re.compile(rf"^(?:{'|'.join(map(re.escape, names))})(?:-\d{{8}}|-\d{{4}}-\d{{2}}-\d{{2}})?$")
    return any(dated.match(s) for s in served)


def checked_default(provider: str, *, live: bool,
                    lister: Callable[[str], Iterable[str]] = sdk_model_ids) -> str:
    """The registry's default model for ``provider``; when ``live`` (a key is used), checked against the provider's
    live list once per kernel and replaced by the first served model down its replacement chain if it is gone."""
    default = registry.default_model(provider)
    if not live or provider not in ("anthropic", "openai"):
        return default
    if provider in _CHOSEN:
        return _CHOSEN[provider]
    served = served_ids(provider, lister)
    chosen = default if served is None else _first_served(default, served)
    if chosen != default:
        warnings.warn(f"{provider} no longer serves {default}, the course registry's default; using its "
                      f"replacement {chosen}. Update data/models.yaml from the provider's docs.",
                      ModelNotServedWarning, stacklevel=2)
    _CHOSEN[provider] = chosen
    return chosen


def _first_served(model_id: str, served: frozenset[str]) -> str:
    seen, current = [], model_id
    while not is_served(current, served):
        seen.append(current)
        nxt = registry.replacement(current)
        if nxt is None or nxt in seen:
            warnings.warn(f"None of {', '.join(seen)} is in the provider's live model list and the registry names no "
                          f"further replacement; keeping {model_id}. Update data/models.yaml from the provider's docs.",
                          ModelNotServedWarning, stacklevel=3)
            return model_id
        current = nxt
    return current


def forget() -> None:
    """Drop this kernel's cached model lists and choices (after adding a key, or in tests)."""
    _SERVED.clear()
    _CHOSEN.clear()
