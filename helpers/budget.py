"""The money guard: estimate before a paid call, count what was spent, refuse past ``COURSE_MAX_USD``.

Every client from helpers.llm sends its requests through :class:`GuardedTransport`, so the guard also covers
notebook code that calls ``client.messages.create`` directly. Taught in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import json
import sys
import threading

import anthropic
import httpx2
import openai

from helpers import env, registry

CHARS_PER_TOKEN = 4  # a rough English average, used only for estimates before a call
GENERATION_PATHS = ("/v1/messages", "/chat/completions")
AUTH_HINT = (
    "The {name} you set was refused by {provider} (401). Fix it, or remove it (unset {name}; delete it from .env "
    "or from Colab's secrets) to run offline, or set COURSE_BACKEND=local to use the offline model anyway."
)


class BudgetExceededError(anthropic.AnthropicError, openai.OpenAIError):
    """A paid call would take this kernel's spend past ``COURSE_MAX_USD``. Both SDKs let their own error types
    through unchanged (no retry, no wrapping), hence the two bases."""


class Budget:
    """Estimated spend of this kernel on paid APIs."""

    def __init__(self) -> None:
        self.spent_usd = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def check(self, model: str, estimate_usd: float) -> None:
        cap = env.max_usd()
        if cap is None:
            return
        with self._lock:
            if self.spent_usd + estimate_usd > cap:
                raise BudgetExceededError(
                    f"Refused: this call to {model} could cost up to ${estimate_usd:.4f}, and this kernel has "
                    f"already spent about ${self.spent_usd:.4f} of its COURSE_MAX_USD=${cap:.2f}. Raise "
                    "COURSE_MAX_USD, shrink the loop (COURSE_PROFILE=quick), or run offline (COURSE_BACKEND=local)."
                )

    def record(self, usd: float) -> None:
        with self._lock:
            self.spent_usd += usd
            self.calls += 1

    def reset(self) -> None:
        with self._lock:
            self.spent_usd, self.calls = 0.0, 0


BUDGET = Budget()


def estimate_request(body: dict) -> tuple[int, int]:
    """(input tokens, output tokens) upper-bound-ish estimate of a Messages / Chat Completions request body."""
    text = json.dumps([body.get("system"), body.get("messages")], ensure_ascii=False)
    output = body.get("max_tokens") or body.get("max_completion_tokens") or 4096
    return len(text) // CHARS_PER_TOKEN + 1, int(output)


def _usage_cost(model: registry.ModelInfo, payload: dict) -> float:
    usage = payload.get("usage") or {}
    tokens_in = usage.get("input_tokens", usage.get("prompt_tokens", 0)) or 0
    tokens_in += (usage.get("cache_creation_input_tokens") or 0) + (usage.get("cache_read_input_tokens") or 0)
    tokens_out = usage.get("output_tokens", usage.get("completion_tokens", 0)) or 0
    return model.cost(tokens_in, tokens_out)


class GuardedTransport(httpx2.BaseTransport):
    """Wraps a transport: prices each generation request before sending it, records its cost afterwards, and
    adds one line of help when a key is refused. ``provider`` is "anthropic" or "openai"."""

    def __init__(self, inner: httpx2.BaseTransport, provider: str, *, local: bool, budget: Budget = BUDGET):
        self.inner, self.provider, self.local, self.budget = inner, provider, local, budget

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        priced = None
        if request.method == "POST" and request.url.path.rstrip("/").endswith(GENERATION_PATHS):
            priced = self._price(request)
        response = self.inner.handle_request(request)
        if response.status_code == 401:
            name = env.KEY_NAMES[self.provider]
            print(AUTH_HINT.format(name=name, provider=self.provider), file=sys.stderr)
        if priced is not None and response.status_code == 200:
            model, estimate = priced
            if response.headers.get("content-type", "").startswith("application/json"):
                response.read()
                self.budget.record(_usage_cost(model, json.loads(response.content)))
            else:  # streamed: the usage arrives in the events; count the estimate
                self.budget.record(estimate)
        return response

    def _price(self, request: httpx2.Request) -> tuple[registry.ModelInfo, float] | None:
        try:
            body = json.loads(request.read() or b"{}")
        except json.JSONDecodeError:
            return None  # the service answers with its own 400
        if self.local:  # the local model answered: it is free, whatever id was asked for
            return registry.get(registry.default_model("local")), 0.0
        model_id = body.get("model")
        try:
            model = registry.get(model_id)
        except registry.UnknownModelError:
            if env.max_usd() is not None:
                raise BudgetExceededError(
                    f"COURSE_MAX_USD is set but {model_id!r} has no price in data/models.yaml, so the guard cannot "
                    "price this call. Add the model with its prices, or unset COURSE_MAX_USD."
                ) from None
            return None
        estimate = model.cost(*estimate_request(body))
        self.budget.check(model.id, estimate)
        return model, estimate
