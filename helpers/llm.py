"""One LLM layer for the whole course: the real Anthropic and OpenAI SDK clients (served by the local model when
no key is set), one call shape for evaluation loops, and the banner saying who answered.

Taught in notebooks/00_start_here.ipynb; every later notebook uses ``complete`` / ``batch_complete``.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import anthropic
import httpx2
import openai

from helpers import env, live_models, registry
from helpers.budget import BUDGET, GuardedTransport
from helpers.local_api import LocalModelTransport

LOCAL_BASE_URL = "http://local-model.invalid"  # never resolved: the in-process transport answers every request
OFFLINE_PLACEHOLDER_KEY = "offline-local-model"  # not a secret; the local transport ignores it
PROVIDERS = ("anthropic", "openai", "local")


def uses_local(provider: str) -> bool:
    """True when requests for ``provider`` are answered by the local model (no key, or COURSE_BACKEND=local)."""
    if provider == "local" or env.backend_setting() == "local":
        return True
    return env.key_for(provider) is None


def active_provider() -> str:
    """Who answers ``complete()`` by default: ``COURSE_BACKEND`` if set, else the first provider with a key
    (Anthropic, then OpenAI), else "local"."""
    setting = env.backend_setting()
    if setting in ("anthropic", "openai"):
        if env.key_for(setting) is None:
            raise env.CourseConfigError(
                f"COURSE_BACKEND={setting} but no {env.KEY_NAMES[setting]} was found (environment, .env, Colab "
                "secrets). Add the key, or set COURSE_BACKEND=auto (or local) to run offline."
            )
        return setting
    if setting == "local":
        return "local"
    for provider in ("anthropic", "openai"):
        if env.key_for(provider) is not None:
            return provider
    return "local"


def anthropic_client(*, local: bool | None = None, **kwargs) -> anthropic.Anthropic:
    """The real ``anthropic.Anthropic`` client. With ``ANTHROPIC_API_KEY`` found it talks to Anthropic; without
    one (or with ``COURSE_BACKEND=local``, or ``local=True``) the same class is served in-process by the local
    model."""
    if local or (local is None and uses_local("anthropic")):
        transport = GuardedTransport(LocalModelTransport("anthropic"), "anthropic", local=True)
        return anthropic.Anthropic(api_key=OFFLINE_PLACEHOLDER_KEY, base_url=LOCAL_BASE_URL, max_retries=0,
                                   http_client=httpx2.Client(transport=transport), **kwargs)
    env.max_usd()  # an invalid cap is a configuration error now, not a connection error at the first request
    transport = GuardedTransport(httpx2.HTTPTransport(), "anthropic", local=False)
    return anthropic.Anthropic(api_key=env.key_for("anthropic"), http_client=httpx2.Client(transport=transport),
                               **kwargs)


def openai_client(*, local: bool | None = None, **kwargs) -> openai.OpenAI:
    """The real ``openai.OpenAI`` client; served by the local model when no ``OPENAI_API_KEY`` is found (or with
    ``local=True``)."""
    if local or (local is None and uses_local("openai")):
        transport = GuardedTransport(LocalModelTransport("openai"), "openai", local=True)
        return openai.OpenAI(api_key=OFFLINE_PLACEHOLDER_KEY, base_url=f"{LOCAL_BASE_URL}/v1", max_retries=0,
                             http_client=httpx2.Client(transport=transport), **kwargs)
    env.max_usd()  # an invalid cap is a configuration error now, not a connection error at the first request
    transport = GuardedTransport(httpx2.HTTPTransport(), "openai", local=False)
    return openai.OpenAI(api_key=env.key_for("openai"), http_client=httpx2.Client(transport=transport), **kwargs)


def default_model(provider: str | None = None) -> str:
    """The registry's default model id for a provider (default: the active one); with a key, checked once per kernel
    against the provider's live model list, its replacement used if it is gone (helpers.live_models)."""
    provider = provider or active_provider()
    return live_models.checked_default(provider, live=not uses_local(provider))


def banner(provider: str | None = None) -> str:
    """One line per backend saying who answers, so nobody mistakes a small local model's answer for Claude's; when
    the local model answers, one more line says which model it is and why (helpers.serving: the GPU's choice)."""
    from helpers import serving
    from helpers.local_model import LOCAL_DISPLAY_NAME

    brands = {"anthropic": "Claude", "openai": "OpenAI's GPT models"}
    choice = None
    lines = []
    for name in ([provider] if provider else ["anthropic", "openai"]):
        if name == "local" or uses_local(name):
            choice = choice or serving.current_choice()
            who = LOCAL_DISPLAY_NAME if choice.source == "packaged" else choice.display_name
        if name == "local":
            lines.append(f"[local] answers come from {who}, offline")
        elif uses_local(name):
            reason = "COURSE_BACKEND=local" if env.backend_setting() == "local" else f"no {env.KEY_NAMES[name]} found"
            lines.append(f"[local] {name} SDK calls are answered offline by {who} ({reason}): "
                         f"this is NOT {brands[name]}")
        else:
            cap = env.max_usd()
            lines.append(f"[{name}] {name} SDK calls go to the real {name} API with your key: they cost money "
                         f"(COURSE_MAX_USD={'no cap' if cap is None else f'${cap:.2f}'})")
    if choice is not None:
        lines.append(f"[local] model: {choice.line()}")
    return "\n".join(lines)


@dataclass
class Completion:
    """One answer with the course's yardstick fields."""

    text: str
    provider: str
    model_requested: str
    model_answered: str
    input_tokens: int
    output_tokens: int
    latency_s: float
    cost_usd: float
    stop_reason: str
    local: bool

    @property
    def list_price_usd(self) -> float:
        """What these token counts would cost at the requested model's list price (even if the local model
        answered): the number to budget with before switching to a paid API."""
        return registry.cost_usd(self.model_requested, self.input_tokens, self.output_tokens)


def sampling_params(model: str, temperature: float | None) -> dict:
    """The sampling setting to send, if the model takes one. anthropic>=1 dropped ``temperature`` from
    ``messages.create``'s signature (it travels in ``extra_body``), and recent Claude and OpenAI reasoning models
    refuse it; those then decode their own way, and the offline model greedily."""
    info = registry.models().get(model)
    if temperature is None or (info is not None and not info.accepts_temperature):
        return {}
    return {"temperature": temperature}


def _messages(prompt: str | list[dict]) -> list[dict]:
    return [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)


def without_thinking(model: str, provider: str) -> dict:
    """Request settings that stop ``model`` spending its output tokens on thinking, where the model allows it
    (notebook 00): Anthropic ``thinking: {"type": "disabled"}`` for adaptive-thinking models, OpenAI
    ``reasoning_effort: "none"`` for reasoning models that take it; nothing for models that cannot stop thinking
    (then size ``max_tokens`` for the thinking) or that never think. Evaluation loops use it so a small
    ``max_tokens`` measures the answer, not the thinking."""
    try:
        caps = registry.capabilities(model)
    except registry.UnknownModelError:
        return {}
    if caps.thinking != "adaptive-default":
        return {}
    if provider in ("anthropic", "local"):
        return {"thinking": {"type": "disabled"}}
    return {"reasoning_effort": "none"}


def complete(
    prompt: str | list[dict],
    *,
    system: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    max_tokens: int = 256,
    temperature: float | None = 0.0,
    stop: list[str] | None = None,
) -> Completion:
    """Ask one question through the real SDK of ``provider`` ("anthropic", "openai" or "local") and measure it.
    ``temperature`` is sent only to models that accept one (see :func:`sampling_params`)."""
    provider = provider or active_provider()
    if provider not in PROVIDERS:
        raise env.CourseConfigError(f"provider must be one of {', '.join(PROVIDERS)}, not {provider!r}")
    model = model or registry.default_model(provider)
    local = uses_local(provider)
    start = time.perf_counter()
    if provider in ("anthropic", "local"):
        kwargs = {"system": system} if system else {}
        if stop:
            kwargs["stop_sequences"] = stop
        sampling = sampling_params(model, temperature)
        if sampling:
            kwargs["extra_body"] = sampling
        kwargs.update(without_thinking(model, "anthropic"))
        response = anthropic_client(local=local).messages.create(model=model, max_tokens=max_tokens,
                                                      messages=_messages(prompt), **kwargs)
        text = "".join(block.text for block in response.content if block.type == "text")
        tokens_in, tokens_out = response.usage.input_tokens, response.usage.output_tokens
        stop_reason, answered = response.stop_reason, response.model
    else:
        messages = ([{"role": "system", "content": system}] if system else []) + _messages(prompt)
        response = openai_client(local=local).chat.completions.create(model=model, max_completion_tokens=max_tokens,
                                                           messages=messages, **sampling_params(model, temperature),
                                                           **without_thinking(model, "openai"),
                                                           **({"stop": stop} if stop else {}))
        text = response.choices[0].message.content or ""
        tokens_in, tokens_out = response.usage.prompt_tokens, response.usage.completion_tokens
        stop_reason, answered = response.choices[0].finish_reason, response.model
    latency = time.perf_counter() - start
    cost = 0.0 if local else registry.cost_usd(model, tokens_in, tokens_out)
    return Completion(text=text, provider=provider, model_requested=model, model_answered=answered,
                      input_tokens=tokens_in, output_tokens=tokens_out, latency_s=latency, cost_usd=cost,
                      stop_reason=stop_reason, local=local)


def estimate_cost(prompts: list, *, model: str, max_tokens: int, system: str | None = None) -> float:
    """Upper-bound dollars for a loop over ``prompts`` at ``model``'s list price (shown before paid loops)."""
    from helpers.budget import estimate_request

    total = 0.0
    for prompt in prompts:
        tokens_in, tokens_out = estimate_request({"system": system, "messages": _messages(prompt),
                                                  "max_tokens": max_tokens})
        total += registry.cost_usd(model, tokens_in, tokens_out)
    return total


def batch_complete(
    prompts: list[str | list[dict]],
    *,
    system: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    max_tokens: int = 256,
    temperature: float = 0.0,
    stop: list[str] | None = None,
    concurrency: int = 4,
    batch_size: int = 16,
    progress: bool = True,
) -> list[Completion]:
    """``complete`` for many prompts, in input order. Locally: batched greedy generation (left padding), and each
    answer's latency is its share of its batch's time. With an API: ``concurrency`` requests at a time (the SDKs
    retry rate limits), after printing the loop's estimated cost."""
    from tqdm.auto import tqdm

    provider = provider or active_provider()
    model = model or registry.default_model(provider)
    if not prompts:
        return []
    if uses_local(provider) and not temperature:
        return _local_batch(prompts, system, provider, model, max_tokens, stop, batch_size, progress)
    if not uses_local(provider):
        estimate = estimate_cost(prompts, model=model, max_tokens=max_tokens, system=system)
        print(f"Estimated cost of {len(prompts)} calls to {model}: up to ${estimate:.4f} "
              f"(spent so far in this kernel: ${BUDGET.spent_usd:.4f}; cap COURSE_MAX_USD={env.max_usd()})")

    def one(prompt):
        return complete(prompt, system=system, provider=provider, model=model, max_tokens=max_tokens,
                        temperature=temperature, stop=stop)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(one, prompt) for prompt in prompts]
        try:
            return [f.result() for f in tqdm(futures, total=len(prompts), disable=not progress, desc=model)]
        except BaseException:  # the cap refused a call (or the user interrupted): send none of the rest
            for future in futures:
                future.cancel()
            raise


def _local_batch(prompts, system, provider, model, max_tokens, stop, batch_size, progress) -> list[Completion]:
    from tqdm.auto import tqdm

    from helpers.local_model import get_engine

    engine = get_engine()
    if model != engine.model_id and model not in registry.models():
        raise registry.UnknownModelError(f"Model {model!r} is not in the course registry (data/models.yaml).")
    chats = [([{"role": "system", "content": system}] if system else []) + _messages(p) for p in prompts]
    encoded = [engine.encode_chat(chat, continue_final=chat[-1]["role"] == "assistant") for chat in chats]
    results = []
    with tqdm(total=len(prompts), disable=not progress, desc=f"local ({engine.model_id})") as bar:
        for first in range(0, len(encoded), batch_size):
            part = engine.generate_batch(encoded[first:first + batch_size], max_new_tokens=max_tokens,
                                         stop=stop, batch_size=batch_size)
            results.extend(part)
            bar.update(len(part))
    def reason(result) -> str:  # the vocabulary of the SDK the caller chose
        if provider != "openai":
            return result.stop_reason
        return "length" if result.stop_reason == "max_tokens" else "stop"

    return [Completion(text=r.text, provider=provider, model_requested=model, model_answered=engine.model_id,
                       input_tokens=r.input_tokens, output_tokens=r.output_tokens, latency_s=r.seconds,
                       cost_usd=0.0, stop_reason=reason(r), local=True) for r in results]
