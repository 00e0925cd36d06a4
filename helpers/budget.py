"""The money guard: estimate before a paid call, hold that much of ``COURSE_MAX_USD`` while the call is in flight,
count what was spent, refuse past the cap.

Every client from helpers.llm sends its requests through :class:`GuardedTransport`, so the guard also covers
notebook code that calls the SDKs directly (``client.messages.create``, ``client.responses.create``,
``client.batches.create``, ...). Each request is sorted by its endpoint (:data:`ENDPOINTS`): a generation, a batch
or a fine-tuning job is priced from its body and the registry before it is sent; reads, token counts, moderation,
uploads and cancellations cost nothing; any other request that could create work is refused while a cap is set,
because the guard cannot price it. Taught in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

import anthropic
import httpx2
import openai

from helpers import env, registry
from helpers.local_api import ApiError, multipart_body

CHARS_PER_TOKEN = 4  # a rough English average, used only for estimates before a call
FREE_METHODS = ("GET", "HEAD", "OPTIONS", "DELETE")  # reads and deletions: no provider bills them
MAX_AUTO_EPOCHS = 25  # OpenAI's n_epochs="auto" never goes above 25 (helpers.finetune.data.auto_epochs, notebook 07)
AUTO_TARGET_EXAMPLES, AUTO_DEFAULT_EPOCHS = 100, 3  # ... and picks max(3, 100 // examples) for small files
AUTH_HINT = (
    "The {name} you set was refused by {provider} (401). Fix it, or remove it (unset {name}; delete it from .env "
    "or from Colab's secrets) to run offline, or set COURSE_BACKEND=local to use the offline model anyway."
)
UNKNOWN_ENDPOINT = (
    "Refused: COURSE_MAX_USD is set, and {method} {path} is not an endpoint the course's money guard can price "
    "(it knows messages, chat completions, responses, legacy completions, embeddings, batches and fine-tuning jobs, "
    "and lets reads, token counts, moderation and uploads through). Nothing was sent. Unset COURSE_MAX_USD to send "
    "it unguarded, or run offline (COURSE_BACKEND=local)."
)


class BudgetExceededError(anthropic.AnthropicError, openai.OpenAIError):
    """A paid call would take this kernel's spend past ``COURSE_MAX_USD``. Both SDKs let their own error types
    through unchanged (no retry, no wrapping), hence the two bases."""


class BudgetSettingError(env.CourseConfigError, anthropic.AnthropicError, openai.OpenAIError):
    """An invalid ``COURSE_MAX_USD`` met inside a request: a configuration error (a ValueError) that both SDKs pass
    through at once instead of retrying it and reporting a connection error."""


def _dollars(usd: float) -> str:
    return f"${usd:.4f}" if usd >= 0.01 or usd == 0 else f"${usd:.2g}"


class Budget:
    """Spend of this kernel on paid APIs, and the estimates held for calls in flight. Thread-safe: a call reserves
    its estimate before it is sent, so parallel calls cannot together pass the cap."""

    def __init__(self) -> None:
        self.spent_usd = 0.0
        self.reserved_usd = 0.0
        self.calls = 0
        self._holds = 0
        self._lock = threading.Lock()

    def _refusal(self, what: str, estimate_usd: float, cap: float) -> BudgetExceededError:
        held = f" and holds {_dollars(self.reserved_usd)} for calls in flight" if self._holds else ""
        return BudgetExceededError(
            f"Refused: {what} could cost up to {_dollars(estimate_usd)}, and this kernel has already spent about "
            f"{_dollars(self.spent_usd)}{held} of its COURSE_MAX_USD={_dollars(cap)}. Nothing was sent. Raise "
            "COURSE_MAX_USD, shrink the loop (COURSE_PROFILE=quick), or run offline (COURSE_BACKEND=local)."
        )

    def check(self, model: str, estimate_usd: float) -> None:
        """Raise :class:`BudgetExceededError` if ``estimate_usd`` more would pass the cap (holds nothing: for a
        cost the caller records itself, such as a fine-tuning estimate in notebook 07)."""
        cap = env.max_usd()
        if cap is None:
            return
        with self._lock:
            if self.spent_usd + self.reserved_usd + estimate_usd > cap:
                raise self._refusal(f"this call to {model}", estimate_usd, cap)

    def reserve(self, what: str, estimate_usd: float) -> float:
        """Hold ``estimate_usd`` of the cap for a call about to be sent, or raise :class:`BudgetExceededError` when
        spent + held + estimate would pass it. Returns the amount held: pass it to :meth:`settle` or
        :meth:`release`."""
        cap = env.max_usd()
        with self._lock:
            if cap is not None and self.spent_usd + self.reserved_usd + estimate_usd > cap:
                raise self._refusal(what, estimate_usd, cap)
            self.reserved_usd += estimate_usd
            self._holds += 1
        return estimate_usd

    def _unhold(self, held: float) -> None:
        self._holds -= 1
        self.reserved_usd = self.reserved_usd - held if self._holds else 0.0  # no float dust once nothing is held

    def settle(self, held: float, usd: float) -> None:
        """The call behind a hold was answered and cost ``usd``: release the hold, record the spend."""
        with self._lock:
            self._unhold(held)
            self.spent_usd += usd
            self.calls += 1

    def release(self, held: float) -> None:
        """The call behind a hold failed or was refused by the service (not billed): release the hold."""
        with self._lock:
            self._unhold(held)

    def record(self, usd: float) -> None:
        """Record a spend priced elsewhere (for example a fine-tuning estimate in notebook 07)."""
        with self._lock:
            self.spent_usd += usd
            self.calls += 1

    def reset(self) -> None:
        with self._lock:
            self.spent_usd, self.reserved_usd, self.calls, self._holds = 0.0, 0.0, 0, 0


BUDGET = Budget()


# --- estimates ----------------------------------------------------------------------------------------------------
def _tokens(*parts) -> int:
    """Estimated tokens of some request fields (their JSON text at CHARS_PER_TOKEN characters a token)."""
    return len(json.dumps(parts, ensure_ascii=False, default=str)) // CHARS_PER_TOKEN + 1


def estimate_request(body: dict) -> tuple[int, int]:
    """(input tokens, output tokens) upper-bound-ish estimate of a Messages / Chat Completions request body."""
    text = json.dumps([body.get("system"), body.get("messages")], ensure_ascii=False)
    output = body.get("max_tokens") or body.get("max_completion_tokens") or 4096
    return len(text) // CHARS_PER_TOKEN + 1, int(output)


class Unpriceable(Exception):
    """The guard cannot price this request (an unknown model, a file it never saw, a billing it does not model)."""


def _model(model_id) -> registry.ModelInfo:
    if not isinstance(model_id, str):
        raise Unpriceable(f"the request names no model ({model_id!r})")
    try:
        return registry.get(model_id)
    except registry.UnknownModelError:
        raise Unpriceable(f"{model_id!r} has no price in data/models.yaml") from None


def _count(value, default: int = 1) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def _output_limit(body: dict, model: registry.ModelInfo, *names: str) -> int:
    """The request's own output limit, else the model's largest output (the most it could be billed)."""
    for name in names:
        if _count(body.get(name), 0):
            return body[name]
    return model.max_output_tokens


@dataclass
class Estimate:
    """What the guard holds before a request: ``what`` it is, its upper-bound dollars, and the model whose prices
    turn the response's ``usage`` into the real cost (None: no usage comes back; the estimate is recorded)."""

    what: str
    usd: float
    usage_model: registry.ModelInfo | None = None


def _messages(body: dict) -> Estimate:  # Anthropic Messages
    model = _model(body.get("model"))
    tokens_in = _tokens(body.get("system"), body.get("messages"), body.get("tools"))
    return Estimate(f"this call to {model.id}", model.cost(tokens_in, _output_limit(body, model, "max_tokens")), model)


def _anthropic_complete(body: dict) -> Estimate:  # Anthropic's legacy Text Completions
    model = _model(body.get("model"))
    out = _output_limit(body, model, "max_tokens_to_sample")
    return Estimate(f"this call to {model.id}", model.cost(_tokens(body.get("prompt")), out), model)


def _chat(body: dict) -> Estimate:  # OpenAI Chat Completions
    model = _model(body.get("model"))
    out = _output_limit(body, model, "max_completion_tokens", "max_tokens") * _count(body.get("n"))
    tokens_in = _tokens(body.get("messages"), body.get("tools"), body.get("functions"))
    return Estimate(f"this call to {model.id}", model.cost(tokens_in, out), model)


def _completions(body: dict) -> Estimate:  # OpenAI's legacy Completions: one answer per prompt, n (or best_of) each
    model = _model(body.get("model"))
    prompt = body.get("prompt")
    prompts = len(prompt) if isinstance(prompt, list) and prompt and isinstance(prompt[0], (str, list)) else 1
    answers = prompts * max(_count(body.get("n")), _count(body.get("best_of")))
    out = _output_limit(body, model, "max_tokens") * answers
    return Estimate(f"this call to {model.id}", model.cost(_tokens(prompt, body.get("suffix")), out), model)


def _responses(body: dict) -> Estimate:  # OpenAI Responses (a previous_response_id's history is not visible here)
    model = _model(body.get("model"))
    tokens_in = _tokens(body.get("instructions"), body.get("input"), body.get("tools"))
    out = _output_limit(body, model, "max_output_tokens")
    return Estimate(f"this call to {model.id}", model.cost(tokens_in, out), model)


def _embeddings(body: dict) -> Estimate:
    model = _model(body.get("model"))
    return Estimate(f"this embedding call to {model.id}", model.cost(_tokens(body.get("input")), 0), model)


def _anthropic_batch(body: dict) -> Estimate:  # every request of the batch, at the full (not the batch) price
    requests = body.get("requests") if isinstance(body.get("requests"), list) else []
    usd = sum(_messages((r.get("params") if isinstance(r, dict) else None) or {}).usd for r in requests)
    return Estimate(f"this batch of {len(requests)} requests", usd)


OPENAI_BATCH_LINES: dict[str, Callable[[dict], Estimate]] = {
    "/v1/chat/completions": _chat, "/v1/responses": _responses, "/v1/completions": _completions,
    "/v1/embeddings": _embeddings}


def _uploaded_lines(file_id) -> list[str]:
    data = UPLOADS.get(file_id) if isinstance(file_id, str) else None
    if data is None:
        raise Unpriceable(f"the file {file_id!r} was not uploaded through this kernel, so its requests cannot be "
                          "counted (upload it again with client.files.create in this kernel)")
    return [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]


def _openai_batch(body: dict) -> Estimate:  # priced line by line from the input file, at the full price
    usd = 0.0
    lines = _uploaded_lines(body.get("input_file_id"))
    for number, line in enumerate(lines, 1):
        try:
            request = json.loads(line)
            price = OPENAI_BATCH_LINES[request["url"]]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise Unpriceable(f"line {number} of the batch file is not a request the guard can price") from None
        usd += price(request.get("body") or {}).usd
    return Estimate(f"this batch of {len(lines)} requests", usd)


def _epochs(body: dict, examples: int) -> int:
    method = body.get("method") if isinstance(body.get("method"), dict) else {}
    kind = method.get("type", "supervised")
    if kind != "supervised":
        raise Unpriceable(f"a {kind!r} fine-tuning job is not billed by training tokens")
    settings = (method.get("supervised") or {}).get("hyperparameters") or body.get("hyperparameters") or {}
    n_epochs = settings.get("n_epochs", "auto") if isinstance(settings, dict) else "auto"
    if n_epochs == "auto":
        return min(MAX_AUTO_EPOCHS, max(AUTO_DEFAULT_EPOCHS, AUTO_TARGET_EXAMPLES // max(1, examples)))
    return _count(n_epochs, MAX_AUTO_EPOCHS)


def _fine_tuning_job(body: dict) -> Estimate:  # training tokens x epochs x the base model's training price
    base = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", str(body.get("model")))
    model = _model(base)
    if model.training_usd_per_mtok is None:
        raise Unpriceable(f"{model.id} has no training price in data/models.yaml")
    lines = _uploaded_lines(body.get("training_file"))
    tokens = sum(len(line) // CHARS_PER_TOKEN + 1 for line in lines) * _epochs(body, len(lines))
    return Estimate(f"this fine-tuning job on {model.id}", tokens * model.training_usd_per_mtok / 1e6)


@dataclass(frozen=True)
class Endpoint:
    """A request path (matched at the end of the URL path, after any base-URL prefix) and its price: ``price`` is
    None for an endpoint that costs nothing."""

    pattern: str
    price: Callable[[dict], Estimate] | None
    providers: tuple[str, ...] = ("anthropic", "openai")

    def matches(self, provider: str, path: str) -> bool:
        return provider in self.providers and re.fullmatch(rf"(?:/.*)?/v1/{self.pattern}", path) is not None


ANTHROPIC, OPENAI = ("anthropic",), ("openai",)
# First match wins. Free (as_of 2026-12-05): "Token counting is free to use" (Anthropic,
# https://platform.claude.com/docs/en/build-with-claude/token-counting, Pricing and rate limits) and "The moderation
# endpoint is free to use" (OpenAI, https://developers.openai.com/api/docs/guides/moderation). By the course's policy,
# uploads, cancellations and pauses pass: they create no billed work by themselves, and the batch, job or message
# that uses an uploaded file is priced.
ENDPOINTS = (
    Endpoint("messages/count_tokens", None, ANTHROPIC),
    Endpoint("messages/batches/[^/]+/cancel", None, ANTHROPIC),
    Endpoint("messages/batches", _anthropic_batch, ANTHROPIC),
    Endpoint("messages", _messages, ANTHROPIC),
    Endpoint("complete", _anthropic_complete, ANTHROPIC),
    Endpoint("files", None),
    Endpoint("uploads(/[^/]+(/parts|/complete|/cancel))?", None, OPENAI),
    Endpoint("moderations", None, OPENAI),
    Endpoint("responses/input_tokens", None, OPENAI),
    Endpoint("responses/[^/]+/cancel", None, OPENAI),
    Endpoint("responses", _responses, OPENAI),
    Endpoint("chat/completions", _chat, OPENAI),
    Endpoint("completions", _completions, OPENAI),
    Endpoint("embeddings", _embeddings, OPENAI),
    Endpoint("batches/[^/]+/cancel", None, OPENAI),
    Endpoint("batches", _openai_batch, OPENAI),
    Endpoint("fine_tuning/jobs/[^/]+/(cancel|pause|resume)", None, OPENAI),
    Endpoint("fine_tuning/jobs", _fine_tuning_job, OPENAI),
)
GENERATION_ENDPOINTS = ("messages", "chat/completions")  # the ones the local model answers (free)


def endpoint_for(provider: str, method: str, path: str) -> Endpoint | None:
    """The endpoint a request goes to; None for a request that may create billed work the guard cannot price."""
    if method.upper() in FREE_METHODS:
        return Endpoint("", None)
    return next((e for e in ENDPOINTS if e.matches(provider, path.rstrip("/"))), None)


class _Uploads:
    """The bytes of batch and fine-tuning files uploaded through the guard in this kernel, by file id, so that
    the batch or job that names one can be priced."""

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, file_id: str) -> bytes | None:
        with self._lock:
            return self._files.get(file_id)

    def put(self, file_id: str, data: bytes) -> None:
        with self._lock:
            self._files[file_id] = data


UPLOADS = _Uploads()


def _usage_cost(model: registry.ModelInfo, payload: dict) -> float:
    """Dollars for a response's ``usage``, prompt-cache reads and writes at the registry's cache prices (notebook 02):
    OpenAI counts them inside ``prompt_tokens`` (``*_tokens_details``), Anthropic beside ``input_tokens``, with its
    1-hour writes at the long-TTL price."""
    usage = payload.get("usage") or {}
    tokens_out = usage.get("output_tokens", usage.get("completion_tokens", 0)) or 0
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details")
    if isinstance(details, dict):  # OpenAI Chat Completions / Responses
        read, write = details.get("cached_tokens") or 0, details.get("cache_write_tokens") or 0
        prompt = usage.get("prompt_tokens", usage.get("input_tokens", 0)) or 0
        return model.cost(max(0, prompt - read - write), tokens_out, cache_write_tokens=write, cache_read_tokens=read)
    tokens_in = usage.get("input_tokens", usage.get("prompt_tokens", 0)) or 0
    read, write = usage.get("cache_read_input_tokens") or 0, usage.get("cache_creation_input_tokens") or 0
    cost = model.cost(tokens_in, tokens_out, cache_write_tokens=write, cache_read_tokens=read)
    long = min(write, (usage.get("cache_creation") or {}).get("ephemeral_1h_input_tokens") or 0)
    if long:  # the 1-hour share of the writes at the long-TTL price (same prompt, so the same price tier)
        at_long = model.cost(tokens_in, tokens_out, cache_write_tokens=write, cache_read_tokens=read,
                             cache_ttl_s=model.capabilities.cache_long_ttl_s)
        cost += (at_long - cost) * long / write
    return cost


class GuardedTransport(httpx2.BaseTransport):
    """Wraps a transport: prices each request before sending it (see :data:`ENDPOINTS`), holds the estimate
    against ``COURSE_MAX_USD`` while it is in flight, records the real cost afterwards, and adds one line of help
    when a key is refused. ``provider`` is "anthropic" or "openai"; ``local``: the in-process model answers
    (free)."""

    def __init__(self, inner: httpx2.BaseTransport, provider: str, *, local: bool, budget: Budget = BUDGET):
        self.inner, self.provider, self.local, self.budget = inner, provider, local, budget

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        estimate = self._estimate(request)
        upload = None if self.local else self._upload_of(request)
        held = None if estimate is None else self.budget.reserve(estimate.what, estimate.usd)
        try:
            response = self.inner.handle_request(request)
        except BaseException:
            if held is not None:
                self.budget.release(held)
            raise
        if response.status_code == 401:
            name = env.KEY_NAMES[self.provider]
            print(AUTH_HINT.format(name=name, provider=self.provider), file=sys.stderr)
        if held is not None:
            if response.is_success:
                self.budget.settle(held, self._cost(estimate, response))
            else:  # refused by the service: not billed
                self.budget.release(held)
        if upload is not None and response.is_success:
            self._remember_upload(upload, response)
        return response

    @staticmethod
    def _cost(estimate: Estimate, response: httpx2.Response) -> float:
        """The real cost from the response's usage when it has one; else (streams, batches, jobs) the estimate."""
        if estimate.usage_model is None or not response.headers.get("content-type", "").startswith("application/json"):
            return estimate.usd
        response.read()
        try:
            payload = json.loads(response.content)
        except json.JSONDecodeError:
            return estimate.usd
        if not isinstance(payload, dict) or not isinstance(payload.get("usage"), dict):
            return estimate.usd
        return _usage_cost(estimate.usage_model, payload)

    def _cap(self) -> float | None:
        try:
            return env.max_usd()
        except env.CourseConfigError as exc:
            raise BudgetSettingError(str(exc)) from None

    def _estimate(self, request: httpx2.Request) -> Estimate | None:
        """What to hold before sending ``request``; None when nothing is held. Raises before anything is sent
        when a cap is set and the request cannot be priced."""
        path = request.url.path
        endpoint = endpoint_for(self.provider, request.method, path)
        if self.local:  # the local model answered: it is free, whatever id was asked for
            generation = endpoint is not None and endpoint.pattern in GENERATION_ENDPOINTS
            return Estimate("a local call", 0.0) if generation else None
        cap = self._cap()
        if endpoint is None:
            if cap is not None:
                raise BudgetExceededError(UNKNOWN_ENDPOINT.format(method=request.method, path=path))
            return None
        if endpoint.price is None:
            return None
        try:
            body = json.loads(request.read() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None  # the service answers with its own 400, and bills nothing
        if not isinstance(body, dict):
            return None
        try:
            try:
                return endpoint.price(body)
            except (AttributeError, TypeError, ValueError, KeyError) as exc:  # a field of an unexpected type
                raise Unpriceable(f"the request body is not in the shape the guard knows ({exc})") from None
        except Unpriceable as why:
            if cap is None:
                return None
            raise BudgetExceededError(
                f"COURSE_MAX_USD is set but {why}, so the guard cannot price {request.method} {path}; it was refused "
                "before sending. Add the missing price to data/models.yaml, or unset COURSE_MAX_USD."
            ) from None

    @staticmethod
    def _upload_of(request: httpx2.Request) -> bytes | None:
        """The bytes of a batch or fine-tuning file this request uploads (read before sending), else None."""
        if request.method != "POST" or not re.fullmatch(r"(?:/.*)?/v1/files", request.url.path.rstrip("/")):
            return None
        request.read()
        try:
            fields, files = multipart_body(request)
        except ApiError:
            return None
        if fields.get("purpose") not in ("batch", "fine-tune") or "file" not in files:
            return None
        return files["file"][1]

    @staticmethod
    def _remember_upload(data: bytes, response: httpx2.Response) -> None:
        """Keep an uploaded batch or fine-tuning file under the id the service gave it."""
        response.read()
        try:
            file_id = json.loads(response.content).get("id")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            return
        if isinstance(file_id, str):
            UPLOADS.put(file_id, data)
