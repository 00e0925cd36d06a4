"""The providers' prompt caches as the offline server keeps them: Anthropic's ``cache_control`` breakpoints and
OpenAI's automatic prefix caching, each with the requested model's minimum cacheable length and lifetime from the
registry, reported in ``usage`` the way the real APIs report it. Taught in notebooks/02_when_prompting_falls_short.ipynb
(section 4, "Prompt caching, measured").

The bill follows the providers' rules; the speed comes from the local engine's own prefix cache
(``helpers.local_model.PrefixCache``). A prefix is billed as read only when the engine still holds its keys and values,
so what ``usage`` calls cached is what the engine really reused.

The rules, and where they come from (checked 2026-12-06):

- Anthropic (prompt-caching guide, https://platform.claude.com/docs/en/build-with-claude/prompt-caching, as quoted by
  https://docs.orq.ai/docs/proxy/prompt-caching; the anthropic SDK's ``Usage`` type): ``cache_control:
  {"type": "ephemeral", "ttl": "5m" | "1h"}`` on a tool, a system block or a message block caches the whole prompt up
  to and including that block; a top-level ``cache_control`` puts it on the last cacheable block (automatic caching,
  https://openrouter.ai/docs/client-sdks/python/components/anthropiccachecontroldirective); at most 4 breakpoints
  (the 400 "A maximum of 4 blocks with cache_control may be provided. Found 5.", tghamm/Anthropic.SDK#50); a prefix
  shorter than the model's minimum is not cached; a hit refreshes the entry's lifetime. ``input_tokens`` counts only
  the tokens after the last breakpoint: ``cache_read_input_tokens + cache_creation_input_tokens + input_tokens`` is
  the whole prompt.
- OpenAI (https://developers.openai.com/api/docs/guides/prompt-caching as quoted by
  https://docs.apiyi.com/en/api-capabilities/openai/prompt-caching, June 2026, and OpenAI's "Build Hour: Prompt
  Caching"): automatic for prompts of 1,024 tokens or more, hits in 128-token increments (1024, 1152, ...);
  ``usage.prompt_tokens_details.cached_tokens`` counts them and ``prompt_tokens`` still includes them. GPT-5.6 and later
  also report ``cache_write_tokens``, billed at a write price (dotnet/extensions#7635, strands-agents/harness-sdk#4361):
  reported here for the models whose registry entry has a write price.

Offline difference: the local model reads the tool definitions after the system prompt (the real order is tools,
system, messages), so offline a breakpoint on a tool also covers the system prompt before it.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from helpers import local_tools, registry

MAX_BREAKPOINTS = 4  # Anthropic: cache_control blocks per request
OPENAI_INCREMENT = 128  # OpenAI: cached prefixes grow in steps of this many tokens
FALLBACK_MIN_TOKENS = 1024  # a caching model whose registry entry names no minimum (the most common documented one)
FALLBACK_TTL_S = {"5m": 300, "1h": 3600}  # a caching model whose registry entry names no lifetime
MAX_ENTRIES = 512  # cache entries kept across all models (the soonest to expire go first)


class CacheControlError(ValueError):
    """A ``cache_control`` the real API refuses; the offline server answers it with a 400 and this message."""


@dataclass(frozen=True)
class CacheUsage:
    """What one request read from and wrote to the provider's prompt cache, in prompt tokens."""

    read: int = 0
    written: int = 0
    written_long: int = 0  # of ``written``, under the long lifetime (Anthropic "1h")
    bills_writes: bool = False  # OpenAI: the model reports ``cache_write_tokens`` (GPT-5.6 and later)

    def anthropic_fields(self, prompt_tokens: int) -> dict:
        """The Messages API ``usage`` fields of a prompt of ``prompt_tokens`` tokens."""
        return {"input_tokens": prompt_tokens - self.read - self.written,
                "cache_creation_input_tokens": self.written, "cache_read_input_tokens": self.read,
                "cache_creation": {"ephemeral_5m_input_tokens": self.written - self.written_long,
                                   "ephemeral_1h_input_tokens": self.written_long}}

    def openai_details(self) -> dict:
        """Chat Completions ``usage.prompt_tokens_details``."""
        details = {"cached_tokens": self.read, "audio_tokens": 0}
        if self.bills_writes:
            details["cache_write_tokens"] = self.written
        return details


def common_prefix(a: tuple, b: tuple) -> int:
    """How many leading items ``a`` and ``b`` share."""
    end = min(len(a), len(b))
    if a[:end] == b[:end]:
        return end
    n = 0
    while a[n] == b[n]:
        n += 1
    return n


class ProviderCache:
    """Which prompt prefixes a provider holds right now: (model, prefix tokens) -> (expiry, lifetime). ``clock``
    gives seconds (tests pass a fake one to watch entries expire)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._entries: dict[tuple[str, tuple], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every entry (the next request to each prefix writes it again)."""
        with self._lock:
            self._entries.clear()

    def _live(self, model: str, now: float) -> list[tuple[tuple, float]]:
        for key in [k for k, (expiry, _) in self._entries.items() if expiry <= now]:
            del self._entries[key]
        return [(tokens, ttl) for (m, tokens), (_, ttl) in self._entries.items() if m == model]

    def _keep(self, model: str, tokens: tuple, ttl: float, now: float) -> None:
        key = (model, tokens)
        expiry = max(now + ttl, self._entries.get(key, (0.0, 0.0))[0])
        self._entries[key] = (expiry, max(ttl, self._entries.get(key, (0.0, 0.0))[1]))
        while len(self._entries) > MAX_ENTRIES:
            del self._entries[min(self._entries, key=lambda k: self._entries[k][0])]

    def anthropic(self, model: str, prompt: list[int], breakpoints: list[tuple[int, float, bool]], reusable: int,
                  minimum: int) -> CacheUsage:
        """Reads and writes of one Messages request. ``breakpoints``: (token position, lifetime s, long lifetime?)
        per ``cache_control``; ``reusable``: how many leading tokens the engine holds; ``minimum``: the model's
        minimum cacheable length."""
        points = sorted({p for p in breakpoints if p[0] >= minimum})
        if not points:
            return CacheUsage()
        last, ids = points[-1][0], tuple(prompt)
        with self._lock:
            now = self.clock()
            hit, hit_ttl = 0, 0.0
            for tokens, ttl in self._live(model, now):
                if hit < len(tokens) <= min(last, reusable) and ids[:len(tokens)] == tokens:
                    hit, hit_ttl = len(tokens), ttl
            if hit:
                self._keep(model, ids[:hit], hit_ttl, now)  # a hit refreshes the entry's lifetime
            for position, ttl, _ in points:
                if position > hit:
                    self._keep(model, ids[:position], ttl, now)
        long_end = max((position for position, _, long in points if long), default=0)
        return CacheUsage(read=hit, written=last - hit, written_long=max(0, long_end - hit))

    def openai(self, model: str, prompt: list[int], reusable: int, minimum: int, ttl: float,
               bills_writes: bool) -> CacheUsage:
        """Reads and writes of one Chat Completions request: the longest live prefix shared with an earlier
        prompt, as far as the engine holds it, in 128-token steps from ``minimum`` on; the prompt is then kept."""
        ids = tuple(prompt)
        with self._lock:
            now = self.clock()
            best, best_tokens, best_ttl = 0, None, ttl
            for tokens, entry_ttl in self._live(model, now):
                n = common_prefix(tokens, ids)
                if n > best:
                    best, best_tokens, best_ttl = n, tokens, entry_ttl
            cached = min(best, reusable) // OPENAI_INCREMENT * OPENAI_INCREMENT
            cached = cached if cached >= minimum else 0
            if cached and best_tokens is not None:
                self._keep(model, best_tokens, best_ttl, now)
            if len(ids) < minimum:
                return CacheUsage(read=cached, bills_writes=bills_writes)
            self._keep(model, ids, ttl, now)
        return CacheUsage(read=cached, written=len(ids) - cached if bills_writes else 0, bills_writes=bills_writes)


PROVIDER_CACHE = ProviderCache()  # what the offline server's providers hold, for the whole kernel


def _caching_model(model: str) -> registry.ModelInfo | None:
    """The registry entry of ``model`` when its provider caches prompts (it has a cache-read price), else None."""
    info = registry.models().get(registry.base_id(model)) if isinstance(model, str) else None
    return info if info is not None and info.cache_read_usd_per_mtok is not None else None


def _lifetime(info: registry.ModelInfo, ttl: str) -> tuple[float, bool]:
    caps = info.capabilities
    if ttl == "1h":
        return float(caps.cache_long_ttl_s or FALLBACK_TTL_S["1h"]), True
    return float(caps.cache_ttl_s or FALLBACK_TTL_S["5m"]), False


def _ttl_name(control, where: str) -> str:
    """The lifetime a ``cache_control`` asks for ("5m" or "1h"), or the 400 the API sends for a malformed one."""
    if not isinstance(control, dict):
        raise CacheControlError(f"{where}: Input should be a valid dictionary")
    if control.get("type") != "ephemeral":
        raise CacheControlError(f"{where}.type: Input should be 'ephemeral'")
    ttl = control.get("ttl", "5m")
    if ttl not in FALLBACK_TTL_S:
        raise CacheControlError(f"{where}.ttl: Input should be '5m' or '1h'")
    return ttl


def _block_text(block, names: dict) -> str:
    """A message block as the offline model reads it (helpers.local_api turns blocks into text the same way)."""
    if not isinstance(block, dict):
        return ""
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind == "tool_use":
        names[block.get("id")] = str(block.get("name", ""))
        return local_tools.call_text(str(block.get("name", "")), block.get("input") or {})
    if kind == "tool_result":
        inner = block.get("content", "")
        if isinstance(inner, list):
            inner = "".join(str(b.get("text", "")) for b in inner if isinstance(b, dict) and b.get("type") == "text")
        return local_tools.result_text(names.get(block.get("tool_use_id")), str(inner), bool(block.get("is_error")))
    return ""


def _anthropic_blocks(body: dict) -> Iterator[tuple[str, object, str]]:
    """(text as the offline model reads it, its cache_control, where) of every block of a Messages request, in the
    order the offline prompt holds them: system blocks, tool definitions, then the messages' blocks."""
    system = body.get("system")
    if isinstance(system, str):
        yield system, None, "system"
    for i, block in enumerate(system if isinstance(system, list) else []):
        yield _block_text(block, {}), block.get("cache_control") if isinstance(block, dict) else None, f"system.{i}"
    tools = body.get("tools") or []
    if tools and (body.get("tool_choice") or {}).get("type") != "none":
        for i, (raw, tool) in enumerate(zip(tools, local_tools.parse_tools(tools, "anthropic"))):
            line = local_tools.system_text([tool]).split("\n")[1]  # "- name(args): description"
            yield line, raw.get("cache_control"), f"tools.{i}"
    names: dict = {}
    for i, message in enumerate(body.get("messages") or []):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            yield content, None, f"messages.{i}"
            continue
        for j, block in enumerate(content or []):
            control = block.get("cache_control") if isinstance(block, dict) else None
            yield _block_text(block, names), control, f"messages.{i}.content.{j}"


def _token_ends(prompt: list[int], tokenizer) -> tuple[str, Callable[[int], int]]:
    """The prompt as text, and a function from a character offset in it to the number of tokens that end by then."""
    text = tokenizer.decode(prompt, skip_special_tokens=False, clean_up_tokenization_spaces=False)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    if list(encoded.input_ids) == list(prompt):
        ends = [end for _, end in encoded.offset_mapping]
        return text, lambda offset: bisect.bisect_right(ends, offset)
    return text, lambda offset: min(len(prompt), len(tokenizer(text[:offset], add_special_tokens=False).input_ids))


def anthropic_breakpoints(body: dict, prompt: list[int], tokenizer,
                          info: registry.ModelInfo | None) -> list[tuple[int, float, bool]]:
    """(token position, lifetime s, long lifetime?) of each ``cache_control`` of a Messages request: where in
    ``prompt`` (the offline prompt's token ids) its block ends. Raises CacheControlError for what the API refuses."""
    marked = [(text, control, where) for text, control, where in _anthropic_blocks(body) if control is not None]
    top = body.get("cache_control")
    if len(marked) + (top is not None) > MAX_BREAKPOINTS:
        raise CacheControlError(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. "
                                f"Found {len(marked) + (top is not None)}.")
    names = [_ttl_name(control, f"{where}.cache_control") for _, control, where in marked]
    top_name = _ttl_name(top, "cache_control") if top is not None else None
    if info is None or not (marked or top is not None):
        return []
    text, tokens_by = _token_ends(prompt, tokenizer)
    points, cursor, ttl_names = [], 0, iter(names)
    for block, control, _ in _anthropic_blocks(body):
        needle = block.strip()
        found = text.find(needle, cursor) if needle else cursor
        if found >= 0:
            cursor = found + len(needle)
        if control is not None:
            name = next(ttl_names)
            if found >= 0:
                points.append((tokens_by(cursor), *_lifetime(info, name)))
    if top_name is not None:  # automatic caching: a breakpoint on the last block
        points.append((tokens_by(cursor), *_lifetime(info, top_name)))
    return points


def anthropic_usage(body: dict, engine, prompt: list[int], cache: ProviderCache | None = None) -> CacheUsage:
    """Reads and writes of one Messages request to ``engine`` (a helpers.local_model.LocalEngine) whose offline prompt
    is ``prompt``, by the requested model's caching rules. Raises CacheControlError for a malformed cache_control."""
    info = _caching_model(body.get("model"))
    points = anthropic_breakpoints(body, prompt, engine.tokenizer, info)
    if not points:
        return CacheUsage()
    minimum = info.capabilities.min_cacheable_tokens or FALLBACK_MIN_TOKENS
    return (cache or PROVIDER_CACHE).anthropic(body["model"], prompt, points, engine.cached_prefix(prompt), minimum)


def openai_usage(body: dict, engine, prompt: list[int], cache: ProviderCache | None = None) -> CacheUsage:
    """Reads (and, for models that bill them, writes) of one Chat Completions request, by the requested model's
    automatic caching: its minimum length and lifetime from the registry."""
    info = _caching_model(body.get("model"))
    if info is None:
        return CacheUsage()
    minimum = info.capabilities.min_cacheable_tokens or FALLBACK_MIN_TOKENS
    ttl = float(info.capabilities.cache_ttl_s or FALLBACK_TTL_S["5m"])
    return (cache or PROVIDER_CACHE).openai(body["model"], prompt, engine.cached_prefix(prompt), minimum, ttl,
                                            info.cache_write_usd_per_mtok is not None)
