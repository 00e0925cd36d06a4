"""The Anthropic Messages API and the OpenAI Chat Completions API, served in-process by the local model; and OpenAI's
files and fine-tuning jobs APIs, whose jobs train real LoRA adapters offline (helpers.finetune.jobs, notebook 07).

The real SDK clients accept an ``http_client``; helpers.llm gives them an ``httpx2.Client`` whose transport is
:class:`LocalModelTransport`. Requests are validated as the real services validate them, and answers, usage,
errors and streaming events use the real wire formats, so the SDK parses them (and raises its own exception
classes) exactly as in production. No socket is opened. Taught in notebooks/00_start_here.ipynb.

The rules are those of the model id a request names, read from the registry (data/models.yaml, helpers.registry):
an id is served only through its own provider's client, a retired id answers 404, and each model's capabilities
decide what is refused (assistant prefill, sampling parameters, thinking settings, ``max_tokens`` on OpenAI reasoning
models, tools with reasoning) with the status, error type and message the real API sends. Models that think by
default (Claude Haiku 5.5, OpenAI's reasoning models) think offline too: the local model writes a few real thinking
tokens (scaled by the effort setting) before the answer, counted in ``usage`` and against the output limit, so a small
``max_tokens`` can end before any text, exactly as it can online. The offline thinking is short: enough to show the
block and what it costs, not to reason.

Deliberate differences: when a request names no temperature, the offline model decodes greedily, so course runs are
repeatable (the real services sample at temperature 1 by default); the answer's ``model`` field names the model that
really answered (the local one), so nobody mistakes a 135M model's answer for Claude's or GPT's.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Protocol
from dataclasses import dataclass

import httpx2

from helpers import env, local_tools, prompt_cache, registry, structured
from helpers.local_model import GenerationResult, LocalEngine, get_engine

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
}
UNSUPPORTED_OFFLINE = (
    "{feature} is not supported by the course's offline model ({model}). Run this cell with an API key "
    "(see notebooks/00_start_here.ipynb, 'Switching to Claude or OpenAI') or remove {feature}."
)
# How many tokens the offline model thinks before answering, by effort (Anthropic ``output_config.effort``, OpenAI
# ``reasoning_effort``). A real model decides how long to think; these few real tokens show the thinking block and its
# cost in ``usage`` without slowing every course cell down.
THINKING_TOKENS = {"none": 0, "minimal": 1, "low": 2, "medium": 4, "high": 8, "xhigh": 16, "max": 32}
MANUAL_THINKING_TOKENS = 32  # manual thinking (``budget_tokens`` >= 1024): the offline model thinks at most this much
# The start the offline model's thinking continues from (the blank line makes its first tokens words, not newlines).
THINKING_LEAD = "Let me think about this step by step.\n\n"
ANTHROPIC_EFFORTS = ("low", "medium", "high", "xhigh", "max")  # output_config.effort (Anthropic SDK's OutputConfig)
SIGNATURE_KEY = b"course-offline-thinking-v1"  # what the offline thinking signatures are derived from
# A file path: when set, every request the offline server answers is appended there as one JSON line (its endpoint,
# the model it names, the verdict of the model's rules, the notebook cell that sent it). tests/test_notebooks.py sets
# it for each notebook's kernel and fails on a rejection the notebook does not teach on purpose.
REQUEST_LOG_SETTING = "COURSE_REQUEST_LOG"
_REQUEST_LOG_LOCK = threading.Lock()


def today() -> dt.date:
    """The day the offline server applies lifecycle rules on (retired ids, fine-tuning windows): the real date, as
    the providers do. Tests pin it (``monkeypatch.setattr(local_api, "today", ...)``)."""
    return dt.date.today()


def registry_entry(model: str) -> registry.ModelInfo | None:
    """The registry entry whose rules apply to ``model``: its own, its base's (a dated snapshot or an ``ft:`` id), or
    None for an id the registry does not know."""
    if not isinstance(model, str) or not model:
        return None
    return registry.models().get(registry.base_id(model))


def capabilities_of(model: str) -> registry.Capabilities:
    """What ``model`` accepts (prefill, sampling parameters, thinking, tools): the registry's capabilities, or the
    permissive defaults for a local model the registry does not list (``COURSE_LOCAL_MODEL``)."""
    info = registry_entry(model)
    return info.capabilities if info is not None else registry.Capabilities()


def _is_listed(model: str, info: registry.ModelInfo) -> bool:
    """True when ``model`` is the registry id itself or one of its dated snapshots (not any string that strips to
    it)."""
    snapshots = info.snapshots + (info.fine_tuning.snapshots if info.fine_tuning else ())
    return model == info.id or model in snapshots


def _not_found(flavour: str, model: str) -> ApiError:
    """The 404 each API sends for an id it does not serve, unknown and retired alike. Anthropic: ``not_found_error``
    "model: <id>" (retired ids: weval-org/app#24, vicharanashala/vibe#1259, 2026); OpenAI: ``model_not_found`` "The
    model `<id>` does not exist or you do not have access to it." (shut-down ids: simonw/llm#1553, 2026-07-25)."""
    if flavour == "anthropic":
        return ApiError(404, f"model: {model}")
    return ApiError(404, f"The model `{model}` does not exist or you do not have access to it.",
                    code="model_not_found")


def current_cell() -> int | None:
    """The execution count of the notebook cell running now (``In [n]``), or None outside IPython. Read from the
    input history, which IPython fills before it runs a cell (the same in IPython 8 and 9, whose ``execution_count``
    differ in when they count up); IPython is only asked when it is already imported, never imported here."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    return len(history) - 1 if isinstance(history, list) and len(history) > 1 else None


def request_record(request: httpx2.Request, flavour: str, status: int, error: dict | None) -> dict:
    """One request as the request log keeps it: endpoint, the model it names (None when it names none), and the
    verdict: ``accepted``, or ``rejected`` with the status, error type and message the client received."""
    model = None
    if request.method == "POST" and "json" in request.headers.get("content-type", ""):
        try:
            body = json.loads(request.read() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        model = body.get("model") if isinstance(body, dict) and isinstance(body.get("model"), str) else None
    elif request.method == "GET" and "/v1/models/" in request.url.path:
        model = request.url.path.split("/v1/models/", 1)[1].strip("/") or None
    record = {"endpoint": f"{request.method} {request.url.path.rstrip('/')}", "flavour": flavour, "model": model,
              "verdict": "accepted" if status < 400 else "rejected", "status": status, "cell": current_cell()}
    if error is not None:
        record |= {"type": error.get("type"), "code": error.get("code"), "message": error.get("message")}
    return record


def log_request(path: str | os.PathLike, record: dict) -> None:
    """Append ``record`` as one JSON line to the request log at ``path`` (the ``COURSE_REQUEST_LOG`` setting).
    One ``write`` on a file opened for appending, under a lock: lines from parallel requests and from several
    processes never interleave, and a reader sees whole lines only."""
    line = (json.dumps(record, ensure_ascii=True, sort_keys=True) + "\n").encode("ascii")
    with _REQUEST_LOG_LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def read_request_log(path) -> list[dict]:
    """The records of a request log, in the order they were written (an absent file: none)."""
    try:
        with open(path, encoding="ascii") as log:
            return [json.loads(line) for line in log if line.strip()]
    except FileNotFoundError:
        return []


def thinking_signature(text: str) -> str:
    """The opaque ``signature`` of an offline thinking block (the SDK's ThinkingBlock requires one; the real API
    signs its blocks so they can be passed back unchanged)."""
    digest = hashlib.sha256(SIGNATURE_KEY + b"\0" + text.encode("utf-8")).digest()
    return base64.b64encode(b"offline:" + digest).decode("ascii")


@dataclass(frozen=True)
class _Thinking:
    """How a reply thinks: at most ``budget`` tokens (0: no thinking), shown as ``display`` (summarized | omitted)."""

    budget: int = 0
    display: str = "omitted"


@dataclass
class _ToolContext:
    """The tools of one request, the choice, and the reply prefill that forces a call (empty when not forced)."""

    tools: list
    choice: local_tools.ToolChoice
    prefill: str = ""

    @property
    def active(self) -> bool:
        return bool(self.tools) and self.choice.mode != "none"


def _tool_context(body: dict, flavour: str) -> _ToolContext | None:
    if body.get("tools") is None:
        if body.get("tool_choice") is not None:
            raise ApiError(400, "tool_choice: only allowed when tools are specified", param="tool_choice")
        return None
    try:
        tools = local_tools.parse_tools(body["tools"], flavour)
        choice = local_tools.parse_tool_choice(body.get("tool_choice"), flavour, tools)
    except local_tools.ToolFormatError as exc:
        raise ApiError(400, str(exc), param="tools") from exc
    return _ToolContext(tools, choice, local_tools.prefill_for(choice))


class ApiError(Exception):
    """A request the real API would refuse: carries the HTTP status and the message."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


def _structured(step: Callable, *args):
    """Run a structured-output step of helpers/structured.py (checking a response format or strict tools, compiling
    the grammar), answering what it refuses with the real API's 400."""
    try:
        return step(*args)
    except structured.StructuredOutputError as exc:
        raise ApiError(400, exc.message, param=exc.param, code=exc.code) from exc


def _cache_usage(step: Callable, *args) -> prompt_cache.CacheUsage:
    """What a request reads from and writes to the provider's prompt cache (helpers/prompt_cache.py, notebook 02),
    answering a malformed or excess ``cache_control`` with the real API's 400."""
    try:
        return step(*args)
    except prompt_cache.CacheControlError as exc:
        raise ApiError(400, str(exc)) from exc


def _call_stop(params: dict, result: GenerationResult, called: str, cut: str) -> str:
    """The stop reason of a tool call: ``cut`` when a grammar-constrained call ran out of ``max_tokens`` before
    its JSON closed (the real APIs then send ``max_tokens`` / ``length`` with the call incomplete), else
    ``called``."""
    return cut if params.get("constraint") is not None and result.stop_reason == "max_tokens" else called


class _EventStream(httpx2.SyncByteStream):
    """A response body produced while the model generates (server-sent events)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()  # stops generation and releases the engine if the reader gave up early


def _sse(event: str | None, data: dict | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


def _known_model(model) -> str:
    if not isinstance(model, str) or not model:
        raise ApiError(400, "model: Field required", param="model")
    return model


_TYPE_NAMES = {str: "a valid string", bool: "a valid boolean", int: "a valid integer", dict: "a valid dictionary",
               list: "a valid list", (int, float): "a valid number", (str, list): "a valid string or list",
               (str, dict): "a valid string or dictionary"}


def _check_types(body: dict, types: dict, flavour: str) -> None:
    """A 400 for a top-level parameter of the wrong JSON type (the real APIs validate the body before anything else;
    never a raw AttributeError inside the server)."""
    for name, kind in types.items():
        value = body.get(name)
        if value is None:
            continue
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wrong = isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds)
        if wrong:
            what = _TYPE_NAMES.get(kind, "of another type")
            if flavour == "anthropic":
                raise ApiError(400, f"{name}: Input should be {what}")
            raise ApiError(400, f"Invalid type for '{name}': expected {what.replace('a valid ', 'a ')}, but got "
                                f"{type(value).__name__} instead.", param=name, code="invalid_type")


def _check_number(body: dict, name: str, low: float, high: float | None, *, integer: bool = False):
    value = body.get(name)
    if value is None:
        return None
    if integer and (not isinstance(value, int) or isinstance(value, bool)):
        raise ApiError(400, f"{name}: Input should be a valid integer", param=name, code="invalid_type")
    if not integer and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        raise ApiError(400, f"{name}: Input should be a valid number", param=name, code="invalid_type")
    if value < low:
        raise ApiError(400, f"{name}: Input should be greater than or equal to {low}", param=name,
                       code="integer_below_min_value" if integer else "decimal_below_min_value")
    if high is not None and value > high:
        raise ApiError(400, f"{name}: Input should be less than or equal to {high}", param=name,
                       code="decimal_above_max_value")
    return value


def _text_of(content, where: str, engine: LocalEngine, tool_names: dict | None = None, *,
             non_empty: bool = False) -> str:
    """Text of a message's content (a string or a list of text blocks/parts). With ``tool_names`` (tool-use id ->
    tool name, filled as assistant turns are read), tool_use and tool_result blocks become the text the local model
    saw and wrote (helpers/local_tools.py); without it they are refused. Thinking blocks passed back from an earlier
    reply are accepted and left out of the prompt (the API does not show earlier turns' thinking to the model).
    ``non_empty``: an empty text block is a 400, as the Anthropic API answers it."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ApiError(400, f"{where}.content: Input should be a valid string or a list of content blocks")
    texts = []
    for i, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            if not isinstance(block.get("text"), str):
                raise ApiError(400, f"{where}.content.{i}.text.text: Input should be a valid string")
            if non_empty and not block["text"]:
                raise ApiError(400, "messages: text content blocks must be non-empty")
            texts.append(block["text"])
        elif kind == "thinking":
            if not isinstance(block.get("thinking"), str) or not isinstance(block.get("signature"), str):
                raise ApiError(400, f"{where}.content.{i}.thinking: `thinking` and `signature` (strings) are "
                                    "required; pass thinking blocks back exactly as the API returned them")
        elif kind == "redacted_thinking":
            if not isinstance(block.get("data"), str):
                raise ApiError(400, f"{where}.content.{i}.redacted_thinking.data: Field required")
        elif kind in {"image", "image_url", "document", "input_audio", "file"}:
            raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature=f"{kind} input", model=engine.display_name))
        elif kind in {"tool_use", "tool_result"} and tool_names is None:
            raise ApiError(400, f"{where}.content.{i}: a {kind} block needs `tools` in the request")
        elif kind == "tool_use":
            if not isinstance(block.get("id"), str) or not isinstance(block.get("input"), dict):
                raise ApiError(400, f"{where}.content.{i}.tool_use: `id` (string) and `input` (object) are required")
            tool_names[block["id"]] = str(block.get("name", ""))
            texts.append(local_tools.call_text(str(block.get("name", "")), block["input"]))
        elif kind == "tool_result":
            use_id = block.get("tool_use_id")
            if use_id not in tool_names:
                raise ApiError(400, f"{where}.content.{i}: unexpected `tool_use_id` {use_id!r} in `tool_result` "
                                    "blocks: each tool_result must answer a tool_use block of the previous message")
            inner = block.get("content", "")
            inner = inner if isinstance(inner, str) else _text_of(inner, f"{where}.content.{i}", engine,
                                                                  non_empty=non_empty)
            texts.append(local_tools.result_text(tool_names[use_id], inner, bool(block.get("is_error"))))
        else:
            raise ApiError(400, f"{where}.content.{i}.type: Input tag {kind!r} found using 'type' does not match "
                                "any of the expected tags: 'text', 'image', 'document', 'thinking', "
                                "'redacted_thinking', 'tool_use', 'tool_result'")
    return "".join(texts)
def json_body(request: httpx2.Request) -> dict:
    try:
        body = json.loads(request.read() or b"{}")
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def multipart_body(request: httpx2.Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """The fields and files of a multipart/form-data body (what ``client.files.create`` sends), byte-exact."""
    ctype = request.headers.get("content-type", "")
    match = re.search(r'boundary="?([^";]+)"?', ctype)
    if not ctype.startswith("multipart/form-data") or not match:
        raise ApiError(400, "files.create needs a multipart/form-data body with a `file` and a `purpose`.")
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in request.read().split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break  # the closing boundary
        head, _, data = part.partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        disposition = next((line for line in head.decode("utf-8", "replace").split("\r\n")
                            if line.lower().startswith("content-disposition")), "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if not name:
            continue
        if filename:
            files[name.group(1)] = (filename.group(1), data)
        else:
            fields[name.group(1)] = data.decode("utf-8", "replace")
    return fields, files


class OfflineService(Protocol):
    """An API surface a course part serves offline and plugs into the in-process server (the files and
    fine-tuning jobs of helpers.finetune.jobs, notebook 07). The server owns this interface, so it never imports
    the parts above it: a part registers itself with :func:`register_service`."""

    flavour: str  # "anthropic" or "openai": which client's server serves it
    path_pattern: re.Pattern  # the request paths it answers

    def handle(self, request: httpx2.Request, path: str) -> dict | bytes:
        """The JSON payload (or raw bytes) of a 200 answer; raise ApiError for anything else."""

    def engine_for(self, model: str) -> LocalEngine | None:
        """The engine that serves ``model`` (a tuned ``ft:`` id), or None when the id is not this service's."""

    def models(self) -> list[dict]:
        """Extra rows for the models endpoint (the tuned models)."""


_SERVICES: dict[str, OfflineService] = {}


def register_service(name: str, service: OfflineService) -> None:
    """Plug ``service`` into every local transport under ``name`` (registering again replaces it)."""
    _SERVICES[name] = service


def _services(flavour: str) -> list[OfflineService]:
    return [s for s in _SERVICES.values() if s.flavour == flavour]



class LocalModelTransport(httpx2.BaseTransport):
    """Serves ``/v1/messages`` (flavour "anthropic") or ``/chat/completions``, ``/files`` and
    ``/fine_tuning/jobs`` (flavour "openai") from the local model, and ``/v1/models`` for both. An id is answered
    only through its own provider's client (local and open models through both), not after its shutdown day, and
    under its own capabilities (helpers.registry); an ``ft:`` id by the local model with that job's adapter. The
    response's ``model`` field names the model that really answered."""

    def __init__(self, flavour: str, engine_factory: Callable[[], LocalEngine] = get_engine):
        if flavour not in ("anthropic", "openai"):
            raise ValueError(f"flavour must be 'anthropic' or 'openai', not {flavour!r}")
        self.flavour = flavour
        self._engine_factory = engine_factory

    # --- dispatch -------------------------------------------------------------------------------------------
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._handle(request)
        log = env.setting(REQUEST_LOG_SETTING)
        if log:
            error = None
            if response.status_code >= 400:  # every error this server sends is a JSON body with an ``error`` object
                error = json.loads(response.content).get("error")
            log_request(log, request_record(request, self.flavour, response.status_code, error))
        return response

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        request_id = f"req_local_{uuid.uuid4().hex[:20]}"
        path = request.url.path.rstrip("/")
        try:
            return self._dispatch(request, path, request_id)
        except ApiError as err:
            return self._error(err, request_id)
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            # A request shape the validators above missed: answer as a server does (500 api_error), never as a
            # broken connection, and say where to report it.
            return self._error(ApiError(500, f"The course's offline server failed on this request "
                                             f"({type(exc).__name__}: {exc}). This is a bug in helpers/local_api.py: "
                                             "please report it with the request that caused it."), request_id)

    def _dispatch(self, request: httpx2.Request, path: str, request_id: str) -> httpx2.Response:
        service = next((s for s in _services(self.flavour) if s.path_pattern.search(path)), None)
        if service is not None:
            return self._served(service.handle(request, path), request_id)
        if self.flavour == "openai" and re.search(r"/(files|fine_tuning/jobs)(/|$)", path):
            raise ApiError(404, f"{request.method} {path}: the offline fine-tuning API is served once "
                                "helpers.finetune.jobs is imported (notebook 07 does it in its first cell).")
        if request.method == "POST":
            body = json_body(request)
            if self.flavour == "anthropic" and path.endswith("/v1/messages"):
                return self._anthropic_messages(body, request_id)
            if self.flavour == "anthropic" and path.endswith("/v1/messages/count_tokens"):
                return self._anthropic_count_tokens(body, request_id)
            if self.flavour == "openai" and path.endswith("/chat/completions"):
                return self._openai_chat(body, request_id)
        if request.method == "GET" and re.search(r"/v1/models(/|$)", path):
            return self._models(request, path, request_id)
        raise ApiError(404, f"{request.method} {path} is not served by the course's local model.")

    def _json(self, status: int, payload: dict, request_id: str) -> httpx2.Response:
        headers = {"content-type": "application/json", "x-course-backend": "local"}
        headers["request-id" if self.flavour == "anthropic" else "x-request-id"] = request_id
        return httpx2.Response(status, headers=headers, content=json.dumps(payload).encode())

    def _error(self, err: ApiError, request_id: str) -> httpx2.Response:
        if self.flavour == "anthropic":
            kind = ANTHROPIC_ERROR_TYPES.get(err.status, "api_error")
            payload = {"type": "error", "error": {"type": kind, "message": err.message}, "request_id": request_id}
        else:
            kind = "invalid_request_error" if err.status < 500 else "server_error"
            payload = {"error": {"message": err.message, "type": kind, "param": err.param, "code": err.code}}
        response = self._json(err.status, payload, request_id)
        response.headers["x-should-retry"] = "false"
        return response

    def _engine_for(self, model: str) -> LocalEngine:
        """The engine that answers ``model`` through this client, or the 404 the real API sends: an id of the other
        provider, an id past its shutdown day (an ``ft:`` model shuts down with its base), an unknown id."""
        info = registry_entry(model)
        if model.startswith("ft:"):
            if self.flavour != "openai" or (info is not None and info.is_retired(today())):
                raise _not_found(self.flavour, model)
            for service in _services(self.flavour):  # a model tuned offline (helpers.finetune.jobs)
                tuned = service.engine_for(model)
                if tuned is not None:
                    return tuned
            raise _not_found(self.flavour, model)
        engine = self._engine_factory()
        if model == engine.model_id:
            return engine
        if info is None or not _is_listed(model, info) or not registry.served_by(info.id, self.flavour):
            raise _not_found(self.flavour, model)
        if info.is_retired(today()):
            raise _not_found(self.flavour, model)
        return engine

    # --- models ---------------------------------------------------------------------------------------------
    def _models(self, request: httpx2.Request, path: str, request_id: str) -> httpx2.Response:
        wanted = path.split("/v1/models", 1)[1].strip("/")
        if self.flavour == "anthropic":
            return self._json(200, self._anthropic_models(request, wanted), request_id)
        return self._json(200, self._openai_models(wanted), request_id)

    def _anthropic_model_row(self, info: registry.ModelInfo) -> dict:
        """A model as the Anthropic SDK's ``ModelInfo`` has it (anthropic 2.17: ``lifecycle`` required; ``created_at``
        "may be set to an epoch value if the release date is unknown"; ``deprecated_at`` for deprecated and retired
        models; ``retires_at`` the scheduled retirement, null while active). ``capabilities`` is left out: the registry
        does not hold every capability that object needs, and the SDK types it as optional."""
        life, day = info.lifecycle, today()
        stage = "retired" if info.is_retired(day) else "deprecated" if life.shutdown_on is not None else "active"

        def stamp(when: dt.date | None) -> str | None:
            return None if when is None else f"{when.isoformat()}T00:00:00Z"

        line = next((name for name in ("haiku", "sonnet", "opus", "fable", "mythos")
                     if info.id.startswith(f"claude-{name}-")), None)
        return {"type": "model", "id": info.id, "display_name": info.display_name,
                "created_at": stamp(life.released_on) or "1970-01-01T00:00:00Z", "lifecycle": stage,
                "deprecated_at": stamp(life.deprecated_on) if stage != "active" else None,
                "retires_at": stamp(life.shutdown_on) if stage != "active" else None, "line": line,
                "max_input_tokens": info.context_window, "max_tokens": info.max_output_tokens}

    def _anthropic_models(self, request: httpx2.Request, wanted: str) -> dict:
        """GET /v1/models[/{id}]: newest first, ``limit`` (1-1000, default 20), ``after_id`` / ``before_id`` cursors
        and the ``lifecycle`` filter (active and deprecated by default; retired only when asked) as the Models API
        documents them (anthropic 2.17 ModelListParams)."""
        rows = [self._anthropic_model_row(m) for m in registry.models().values()
                if m.provider in ("anthropic", "local")]
        if wanted:
            match = [r for r in rows if r["id"] == wanted]
            info = registry_entry(wanted)
            if not match and info is not None and _is_listed(wanted, info) and info.provider == "anthropic":
                match = [dict(self._anthropic_model_row(info), id=wanted)]  # a dated snapshot of a listed model
            if not match:
                raise _not_found("anthropic", wanted)
            return match[0]
        query = request.url.params
        stages = query.get_list("lifecycle[]") + query.get_list("lifecycle") or ["active", "deprecated"]
        for stage in stages:
            if stage not in ("active", "deprecated", "retired"):
                raise ApiError(400, f"lifecycle: Input should be 'active', 'deprecated' or 'retired'")
        rows = [r for r in rows if r["lifecycle"] in stages]
        rows.sort(key=lambda r: r["created_at"], reverse=True)  # stable: same-day models keep registry order
        try:
            limit = int(query.get("limit", 20))
        except ValueError:
            raise ApiError(400, "limit: Input should be a valid integer") from None
        if not 1 <= limit <= 1000:
            raise ApiError(400, "limit: Input should be greater than or equal to 1 and less than or equal to 1000")
        ids = [r["id"] for r in rows]
        after, before = query.get("after_id"), query.get("before_id")
        if after and before:
            raise ApiError(400, "Only one of after_id and before_id may be given.")
        for cursor in (after, before):
            if cursor and cursor not in ids:
                raise ApiError(400, f"Invalid cursor: {cursor} is not in this list.")
        if after:
            rows = rows[ids.index(after) + 1:]
            page, more = rows[:limit], len(rows) > limit
        elif before:
            rows = rows[:ids.index(before)]
            page, more = rows[-limit:], len(rows) > limit
        else:
            page, more = rows[:limit], len(rows) > limit
        return {"data": page, "has_more": more, "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None}

    def _openai_models(self, wanted: str) -> dict:
        """GET /v1/models[/{id}] as OpenAI's ``Model`` has it (openai 3.x: ``shutdown_date``, "YYYY-MM-DD or null",
        https://developers.openai.com/api/reference/resources/models/methods/list); the list holds the models served
        today, the tuned ones included."""
        day = today()

        def row(info: registry.ModelInfo) -> dict:
            released = info.lifecycle.released_on or info.as_of
            return {"id": info.id, "object": "model",
                    "created": int(dt.datetime(released.year, released.month, released.day,
                                               tzinfo=dt.timezone.utc).timestamp()),
                    "owned_by": "system" if info.provider == "openai" else info.provider,
                    "shutdown_date": info.lifecycle.shutdown_on.isoformat() if info.lifecycle.shutdown_on else None}

        served = [m for m in registry.models().values() if m.provider in ("openai", "local") and not m.is_retired(day)]
        rows = [row(m) for m in served] + [r for service in _services("openai") for r in service.models()]
        if wanted:
            match = [r for r in rows if r["id"] == wanted]
            if not match:
                raise ApiError(404, f"The model '{wanted}' does not exist", param="model", code="model_not_found")
            return match[0]
        return {"object": "list", "data": rows}

    # --- thinking (both APIs) -------------------------------------------------------------------------------
    def _think(self, engine: LocalEngine, prompt: list[int], budget: int, params: dict,
               result: GenerationResult | None = None) -> Iterator[str]:
        """The offline model's thinking: a real continuation of the reply from :data:`THINKING_LEAD`, at most
        ``budget`` tokens, decoded like the answer (greedy unless a temperature was given); stop sequences apply to
        the answer only. Yields the text as it is generated; ``result`` gets the token count."""
        lead = engine.tokenizer(THINKING_LEAD, add_special_tokens=False).input_ids
        settings = {k: v for k, v in params.items() if k in ("temperature", "top_p", "top_k", "seed")}
        yield from engine.stream(list(prompt) + list(lead), max_new_tokens=budget, result=result, **settings)

    @staticmethod
    def _answer(engine: LocalEngine, prompt: list[int], params: dict, used: int) -> GenerationResult:
        """The answer after ``used`` thinking tokens: what is left of the output limit, or none (stop_reason
        max_tokens before any text, as the real APIs end a reply whose thinking used the whole limit)."""
        room = params["max_new_tokens"] - used
        if room <= 0:
            return GenerationResult(input_tokens=len(prompt), stop_reason="max_tokens")
        return engine.generate(prompt, **dict(params, max_new_tokens=room))

    # --- Anthropic Messages ---------------------------------------------------------------------------------
    ANTHROPIC_FIELDS = {"model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k",
                        "stop_sequences", "stream", "metadata", "service_tier", "cache_control", "diagnostics",
                        "inference_geo", "speed", "user_profile_id", "workspace_id", "output_config", "tools",
                        "tool_choice", "thinking"}
    ANTHROPIC_TYPES = {"messages": list, "max_tokens": int, "system": (str, list), "temperature": (int, float),
                       "top_p": (int, float), "top_k": int, "stop_sequences": list, "stream": bool,
                       "metadata": dict, "service_tier": str, "inference_geo": str, "output_config": dict,
                       "tools": list, "tool_choice": dict, "thinking": dict, "cache_control": dict}
    ANTHROPIC_UNSUPPORTED = {"mcp_servers": "MCP servers", "container": "containers"}

    def _anthropic_prompt(self, body: dict, engine: LocalEngine) -> tuple[list[int], bool, _ToolContext | None]:
        _structured(structured.requested_output, body, "anthropic")  # output_config.format (helpers/structured.py)
        for key in body:
            if key in self.ANTHROPIC_UNSUPPORTED:
                feature = self.ANTHROPIC_UNSUPPORTED[key]
                raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature=feature, model=engine.display_name))
            if key not in self.ANTHROPIC_FIELDS:
                raise ApiError(400, f"{key}: Extra inputs are not permitted")
        _check_types(body, self.ANTHROPIC_TYPES, "anthropic")
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise ApiError(400, "messages: Field required")
        if not messages:
            raise ApiError(400, "messages: at least one message is required")
        chat: list[dict] = []
        tools = _tool_context(body, "anthropic")
        tool_names = {} if tools is not None else None
        system = body.get("system")
        system_text = _text_of(system, "system", engine, non_empty=True) if system is not None else ""
        if tools is not None and tools.active:
            system_text = (system_text + "\n\n" if system_text else "") + local_tools.system_text(tools.tools)
        system_text = structured.system_with_instruction(system_text, body, "anthropic")
        if system_text:
            chat.append({"role": "system", "content": system_text})
        for i, message in enumerate(messages):
            if not isinstance(message, dict):
                raise ApiError(400, f"messages.{i}: Input should be a valid dictionary")
            role = message.get("role")
            if role not in ("user", "assistant"):
                hint = " (put the system prompt in the top-level `system` parameter)" if role == "system" else ""
                raise ApiError(400, f"messages.{i}.role: Input should be 'user' or 'assistant'{hint}")
            if "content" not in message:
                raise ApiError(400, f"messages.{i}.content: Field required")
            text = _text_of(message["content"], f"messages.{i}", engine, tool_names, non_empty=True)
            final_assistant = role == "assistant" and i == len(messages) - 1
            if not text and not final_assistant:
                # real text: anthropics/claude-code#3196 (a lone empty user message included)
                raise ApiError(400, f"messages.{i}: all messages must have non-empty content except for the "
                                    "optional final assistant message")
            if chat and chat[-1]["role"] == role:  # the API merges consecutive turns of the same role
                chat[-1]["content"] += "\n\n" + text
            else:
                chat.append({"role": role, "content": text})
        self._check_prefill(body, messages)
        prefill = chat[-1]["role"] == "assistant"
        if prefill and chat[-1]["content"] != chat[-1]["content"].rstrip():
            raise ApiError(400, "final assistant content cannot end with trailing whitespace")
        if prefill and not chat[-1]["content"]:
            chat.pop()
            prefill = False
        if tools is not None and tools.prefill:
            if not capabilities_of(body["model"]).forced_tool_use:
                # real text: anthropics/claude-cookbooks#854 (Fable 5.1), vercel/ai#21364 (Opus 5.5), 2026
                raise ApiError(400, 'tool_choice: type "tool" and "any" are not supported for this model.')
            if prefill:
                raise ApiError(400, "a final assistant message (prefill) cannot be combined with a forced tool_choice")
            chat.append({"role": "assistant", "content": tools.prefill})
            prefill = True
        return engine.encode_chat(chat, continue_final=prefill), prefill, tools

    @staticmethod
    def _check_prefill(body: dict, messages: list) -> None:
        """A conversation that ends with an assistant turn is a prefill; models whose registry entry says
        ``prefill: rejected`` (Claude 4.6 and later) answer it with this 400 (the message: "Sending a prefilled last
        assistant message to Claude 4.6 and later models", https://platform.claude.com/docs/en/api/errors, as quoted
        at https://www.developersdigest.tech/errors/api/anthropic-api/400-invalid-request-error)."""
        if messages[-1].get("role") == "assistant" and capabilities_of(body["model"]).prefill == "rejected":
            raise ApiError(400, "This model does not support assistant message prefill. The conversation must end "
                                "with a user message.")

    def _anthropic_params(self, body: dict, engine: LocalEngine, prompt_len: int) -> dict:
        if "max_tokens" not in body:
            raise ApiError(400, "max_tokens: Field required")
        max_tokens = _check_number(body, "max_tokens", 1, None, integer=True)
        temperature = _check_number(body, "temperature", 0.0, 1.0)
        top_p = _check_number(body, "top_p", 0.0, 1.0)
        top_k = _check_number(body, "top_k", 0, None, integer=True)
        self._check_sampling(body["model"], temperature, top_p, top_k)
        stop = body.get("stop_sequences") or []
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            raise ApiError(400, "stop_sequences: Input should be a valid list of strings")
        if prompt_len + max_tokens > engine.context_window:
            raise ApiError(400, f"prompt is too long: {prompt_len} tokens + max_tokens {max_tokens} > "
                                f"{engine.context_window}, the context window of {engine.display_name}")
        return {"max_new_tokens": max_tokens, "temperature": temperature or 0.0,
                "top_p": 1.0 if top_p is None else top_p, "top_k": top_k or None, "stop": stop}

    @staticmethod
    def _check_sampling(model: str, temperature, top_p, top_k) -> None:
        """Sampling parameters by the model's ``sampling_params``. ``default_only`` (Claude Opus 4.7 and later,
        Haiku 5.5): a non-default value is a 400 "`temperature` is deprecated for this model." (real text:
        github/app#2574 for Opus 5 and Sonnet 5; altic-dev/FluidVoice#285). temperature's default is 1.0 (Messages API
        reference); top_p and top_k have no documented default, so any value is refused. ``temperature_or_top_p``
        (Claude 4.5): setting both is a 400 (real text quoted in drupal.org issue #3580249)."""
        kind = capabilities_of(model).sampling_params
        if kind == "default_only":
            for name, value in (("temperature", temperature), ("top_p", top_p), ("top_k", top_k)):
                if value is not None and not (name == "temperature" and value == 1):
                    raise ApiError(400, f"`{name}` is deprecated for this model.")
        if kind == "temperature_or_top_p" and temperature is not None and top_p is not None:
            raise ApiError(400, "`temperature` and `top_p` cannot both be specified for this model. Please use only "
                                "one.")

    @staticmethod
    def _effort(body: dict, caps: registry.Capabilities) -> str:
        """``output_config.effort`` (low | medium | high | xhigh | max), else the model's default effort."""
        effort = (body.get("output_config") or {}).get("effort")
        if effort is None:
            return caps.default_effort or "medium"
        if effort not in ANTHROPIC_EFFORTS:
            raise ApiError(400, "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'")
        return effort

    def _anthropic_thinking(self, body: dict, forced: bool, prefilled: bool, max_tokens: int) -> _Thinking:
        """How this reply thinks, by the model's ``thinking`` capability and the request's ``thinking`` setting.
        The 400s: manual thinking on an adaptive-only model (real text: Sylinko/Everywhere#410, Claude 4.7+ and the
        5.x models; https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting), thinking turned
        off on a model whose thinking is always on, adaptive thinking on a model with manual thinking only,
        ``budget_tokens`` below 1024 or not below ``max_tokens``, and thinking with a forced tool choice (real text:
        mastra-ai/mastra#7507). Without a ``thinking`` setting, a model that thinks by default thinks (and a forced
        tool choice answers with the tool call alone, as the API prefills it). Display: ``summarized`` returns the
        thinking text, ``omitted`` an empty ``thinking`` with its signature; the default is the model's
        (``thinking_display_default``; omitted on Haiku 5.5)."""
        caps = capabilities_of(body["model"])
        effort = self._effort(body, caps)
        config = body.get("thinking")
        default_display = caps.thinking_display_default or "summarized"
        if config is None:
            if caps.thinks and not forced and not prefilled:
                return _Thinking(min(THINKING_TOKENS[effort], max_tokens), default_display)
            return _Thinking()
        kind = config.get("type")
        if kind not in ("enabled", "disabled", "adaptive", "between_tools"):
            raise ApiError(400, f"thinking.type: Input tag {kind!r} found using 'type' does not match any of the "
                                "expected tags: 'adaptive', 'disabled', 'enabled'")
        display = config.get("display")
        if display not in (None, "summarized", "omitted"):
            raise ApiError(400, f"thinking.{kind}.display: Input should be 'summarized' or 'omitted'")
        if kind in ("disabled", "between_tools"):
            if caps.thinking == "adaptive-always":
                raise ApiError(400, f'"thinking.type.{kind}" is not supported for this model. Thinking is always on '
                                    'for this model; use "output_config.effort" to control it.')
            if kind == "between_tools" and not caps.thinks:
                raise ApiError(400, '"thinking.type.between_tools" is not supported for this model.')
            return _Thinking()
        if forced:
            raise ApiError(400, "Thinking may not be enabled when tool_choice forces tool use.")
        if kind == "enabled":
            if caps.thinks:
                raise ApiError(400, '"thinking.type.enabled" is not supported for this model. Use '
                                    '"thinking.type.adaptive" and "output_config.effort" to control thinking behavior.')
            if caps.thinking == "none":
                raise ApiError(400, '"thinking.type.enabled" is not supported for this model.')
            budget = config.get("budget_tokens")
            if not isinstance(budget, int) or isinstance(budget, bool):
                raise ApiError(400, "thinking.enabled.budget_tokens: Input should be a valid integer")
            if budget < 1024:
                raise ApiError(400, "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
            if budget >= max_tokens:
                raise ApiError(400, "`max_tokens` must be greater than `thinking.budget_tokens`.")
            return _Thinking(min(MANUAL_THINKING_TOKENS, budget), display or default_display)
        if not caps.thinks:  # "adaptive" on a manual-thinking or non-thinking model
            raise ApiError(400, '"thinking.type.adaptive" is not supported for this model.'
                                + (' Use "thinking.type.enabled" with "budget_tokens".' if caps.thinking == "manual"
                                   else ""))
        return _Thinking(min(THINKING_TOKENS[effort], max_tokens), display or default_display)

    @staticmethod
    def _anthropic_usage(body: dict, input_tokens: int, output_tokens: int, thinking_tokens: int,
                         cache: prompt_cache.CacheUsage | None = None) -> dict:
        """The ``usage`` object of the Messages API (anthropic 2.17 ``Usage``): prompt-cache counts (``cache``;
        ``input_tokens`` then counts only the uncached rest of the prompt), ``service_tier``, ``inference_geo``
        (default "global", https://platform.claude.com/docs/en/manage-claude/data-residency) and, for a model that
        thinks, the thinking share of ``output_tokens``."""
        usage = {**(cache or prompt_cache.CacheUsage()).anthropic_fields(input_tokens),
                 "output_tokens": output_tokens, "service_tier": "standard",
                 "inference_geo": body.get("inference_geo") or "global"}
        if capabilities_of(body["model"]).thinking != "none":
            usage["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
        return usage

    @staticmethod
    def _thinking_block(text: str, display: str) -> dict:
        shown = text.lstrip() if display == "summarized" else ""
        return {"type": "thinking", "thinking": shown, "signature": thinking_signature(shown)}

    def _anthropic_messages(self, body: dict, request_id: str) -> httpx2.Response:
        model = _known_model(body.get("model"))
        engine = self._engine_for(model)
        prompt, prefilled, tools = self._anthropic_prompt(body, engine)
        params = self._anthropic_params(body, engine, len(prompt))
        forced = tools is not None and bool(tools.prefill)
        thinking = self._anthropic_thinking(body, forced, prefilled and not forced, params["max_new_tokens"])
        # The model's rules first, the grammar after: a request the rules refuse gets the rule's 400 whatever the
        # grammar library makes of it (as online, where a refused request never reaches the decoder).
        params["constraint"] = _structured(structured.request_constraint, engine, body, "anthropic", tools)
        cache = _cache_usage(prompt_cache.anthropic_usage, body, engine, prompt)
        message_id = f"msg_local_{uuid.uuid4().hex[:24]}"
        if body.get("stream"):
            return self._anthropic_stream(engine, body, prompt, params, thinking, tools, message_id, request_id,
                                          cache)
        content, thought = [], GenerationResult()
        if thinking.budget:
            text = "".join(self._think(engine, prompt, thinking.budget, params, thought))
            content.append(self._thinking_block(text, thinking.display))
        result = self._answer(engine, prompt, params, thought.output_tokens)
        stop_reason, call = result.stop_reason, None
        if result.output_tokens:
            call = self._tool_call(tools, result.text)
            if call is not None:
                content.append({"type": "tool_use", "id": local_tools.new_call_id("anthropic"), "name": call[0],
                                "input": call[1]})
                stop_reason = _call_stop(params, result, "tool_use", "max_tokens")
            else:
                content.append({"type": "text", "text": result.text})
        output_tokens = thought.output_tokens + result.output_tokens
        return self._json(200, {
            "id": message_id, "type": "message", "role": "assistant", "model": engine.model_id,
            "content": content,
            "stop_reason": stop_reason, "stop_sequence": result.stop_sequence if call is None else None,
            "usage": self._anthropic_usage(body, len(prompt), output_tokens, thought.output_tokens, cache),
        }, request_id)

    def _anthropic_stream(self, engine, body, prompt, params, thinking, tools, message_id,
                          request_id, cache: prompt_cache.CacheUsage | None = None) -> httpx2.Response:
        """Server-sent events in the order of the Messages streaming docs: ``message_start``, then per content
        block ``content_block_start`` / deltas (``thinking_delta`` then ``signature_delta`` for a thinking block,
        ``text_delta`` for text, ``input_json_delta`` for a tool call) / ``content_block_stop``, a ``ping`` after
        the first block starts, ``message_delta`` with the stop reason and cumulative usage, ``message_stop``.
        A reply with tools is generated whole before its blocks are sent (the offline model's text becomes a tool
        call only once it is complete); without tools the text streams as it is generated."""
        def block_start(index: int, block: dict) -> bytes:
            return _sse("content_block_start", {"type": "content_block_start", "index": index,
                                                "content_block": block})

        def delta(index: int, payload: dict) -> bytes:
            return _sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": payload})

        def block_stop(index: int) -> bytes:
            return _sse("content_block_stop", {"type": "content_block_stop", "index": index})

        def events() -> Iterator[bytes]:
            yield _sse("message_start", {"type": "message_start", "message": {
                "id": message_id, "type": "message", "role": "assistant", "model": engine.model_id,
                "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": self._anthropic_usage(body, len(prompt), 0, 0, cache)}})
            index, thought = 0, GenerationResult()
            if thinking.budget:
                yield block_start(0, {"type": "thinking", "thinking": "", "signature": ""})
                yield _sse("ping", {"type": "ping"})
                pieces = []
                for piece in self._think(engine, prompt, thinking.budget, params, thought):
                    piece = piece if pieces else piece.lstrip()  # as the whole block's text, which is lstripped
                    if not piece:
                        continue
                    pieces.append(piece)
                    if thinking.display == "summarized":
                        yield delta(0, {"type": "thinking_delta", "thinking": piece})
                shown = "".join(pieces) if thinking.display == "summarized" else ""
                yield delta(0, {"type": "signature_delta", "signature": thinking_signature(shown)})
                yield block_stop(0)
                index = 1
            result, call = GenerationResult(input_tokens=len(prompt), stop_reason="max_tokens"), None
            room = params["max_new_tokens"] - thought.output_tokens
            if room > 0 and tools is not None and tools.active:
                result = engine.generate(prompt, **dict(params, max_new_tokens=room))
                call = self._tool_call(tools, result.text)
                if call is not None:
                    arguments = json.dumps(call[1], ensure_ascii=False)
                    yield block_start(index, {"type": "tool_use", "id": local_tools.new_call_id("anthropic"),
                                              "name": call[0], "input": {}})
                    for start in range(0, len(arguments), 16):
                        yield delta(index, {"type": "input_json_delta", "partial_json": arguments[start:start + 16]})
                else:
                    yield block_start(index, {"type": "text", "text": ""})
                    if result.text:
                        yield delta(index, {"type": "text_delta", "text": result.text})
                yield block_stop(index)
            elif room > 0:
                yield block_start(index, {"type": "text", "text": ""})
                if index == 0:
                    yield _sse("ping", {"type": "ping"})
                for piece in engine.stream(prompt, result=result, **dict(params, max_new_tokens=room)):
                    yield delta(index, {"type": "text_delta", "text": piece})
                yield block_stop(index)
            usage = self._anthropic_usage(body, len(prompt), thought.output_tokens + result.output_tokens,
                                          thought.output_tokens, cache)
            yield _sse("message_delta", {"type": "message_delta",
                                         "delta": {"stop_reason": _call_stop(params, result, "tool_use",
                                                                             "max_tokens") if call
                                                   else result.stop_reason,
                                                   "stop_sequence": None if call else result.stop_sequence},
                                         "usage": {k: v for k, v in usage.items() if k in (
                                             "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                                             "output_tokens", "output_tokens_details")}})
            yield _sse("message_stop", {"type": "message_stop"})

        headers = {"content-type": "text/event-stream", "request-id": request_id, "x-course-backend": "local"}
        return httpx2.Response(200, headers=headers, stream=_EventStream(events()))

    def _anthropic_count_tokens(self, body: dict, request_id: str) -> httpx2.Response:
        model = _known_model(body.get("model"))
        engine = self._engine_for(model)
        prompt, _, _ = self._anthropic_prompt({k: v for k, v in body.items() if k != "max_tokens"}, engine)
        return self._json(200, {"input_tokens": len(prompt)}, request_id)

    def _served(self, answer: dict | bytes, request_id: str) -> httpx2.Response:
        if isinstance(answer, bytes):
            header = "request-id" if self.flavour == "anthropic" else "x-request-id"
            return httpx2.Response(200, headers={"content-type": "application/octet-stream", header: request_id,
                                                 "x-course-backend": "local"}, content=answer)
        return self._json(200, answer, request_id)

    # --- OpenAI Chat Completions ----------------------------------------------------------------------------
    OPENAI_FIELDS = {"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n",
                     "stop", "stream", "stream_options", "seed", "user", "metadata", "store", "response_format",
                     "frequency_penalty", "presence_penalty", "service_tier", "prompt_cache_key",
                     "prompt_cache_options", "prompt_cache_retention", "safety_identifier", "verbosity",
                     "moderation", "parallel_tool_calls", "tools", "tool_choice", "reasoning_effort"}
    OPENAI_TYPES = {"messages": list, "stream": bool, "stream_options": dict, "response_format": dict,
                    "tools": list, "tool_choice": (str, dict), "stop": (str, list), "metadata": dict, "seed": int,
                    "n": int, "user": str, "store": bool, "parallel_tool_calls": bool, "service_tier": str,
                    "reasoning_effort": str, "frequency_penalty": (int, float), "presence_penalty": (int, float),
                    "temperature": (int, float), "top_p": (int, float), "prompt_cache_key": str,
                    "safety_identifier": str, "verbosity": str}
    OPENAI_UNSUPPORTED = {"functions": "legacy function calling (use tools)",
                          "function_call": "legacy function calling (use tools)",
                          "logprobs": "logprobs", "top_logprobs": "logprobs",
                          "audio": "audio output", "modalities": "audio output", "prediction": "predicted outputs",
                          "logit_bias": "logit_bias", "web_search_options": "web search"}
    OPENAI_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")

    def _openai_prompt(self, body: dict, engine: LocalEngine) -> tuple[list[int], _ToolContext | None]:
        for key in body:
            if key in self.OPENAI_UNSUPPORTED:
                raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature=self.OPENAI_UNSUPPORTED[key],
                                                               model=engine.display_name), param=key)
            if key not in self.OPENAI_FIELDS:
                raise ApiError(400, f"Unrecognized request argument supplied: {key}", param=key)
        _check_types(body, self.OPENAI_TYPES, "openai")
        _structured(structured.requested_output, body, "openai")  # response_format (helpers/structured.py)
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise ApiError(400, "Missing required parameter: 'messages'.", param="messages",
                           code="missing_required_parameter")
        if not messages:
            raise ApiError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got "
                                "an empty array instead.", param="messages", code="empty_array")
        chat = []
        tools = _tool_context(body, "openai")
        call_names: dict[str, str] = {}
        for i, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            if role == "function":
                raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature="legacy function messages (use tools)",
                                                               model=engine.display_name), param=f"messages[{i}].role")
            if role == "tool":
                call_id = message.get("tool_call_id")
                if call_id not in call_names:
                    raise ApiError(400, "Invalid parameter: messages with role 'tool' must be a response to a "
                                        "preceeding message with 'tool_calls'.", param=f"messages[{i}].role")
                content = _text_of(message.get("content") or "", f"messages[{i}]", engine)
                chat.append({"role": "user", "content": local_tools.result_text(call_names[call_id], content)})
                continue
            if role not in ("system", "developer", "user", "assistant"):
                raise ApiError(400, f"Invalid value: '{role}'. Supported values are: 'system', 'assistant', "
                                    "'user', 'function', 'tool', and 'developer'.", param=f"messages[{i}].role",
                               code="invalid_value")
            content = message.get("content")
            if content is None and role != "assistant":
                raise ApiError(400, f"Missing required parameter: 'messages[{i}].content'.",
                               param=f"messages[{i}].content", code="missing_required_parameter")
            text = _text_of(content or "", f"messages[{i}]", engine)
            if role == "assistant" and message.get("tool_calls"):
                if not isinstance(message["tool_calls"], list):
                    raise ApiError(400, f"Invalid type for 'messages[{i}].tool_calls': expected an array.",
                                   param=f"messages[{i}].tool_calls", code="invalid_type")
                calls = []
                for call in message["tool_calls"]:
                    fn = call.get("function") if isinstance(call, dict) else None
                    if not isinstance(fn, dict) or not isinstance(call.get("id"), str):
                        raise ApiError(400, f"Invalid 'messages[{i}].tool_calls': each needs an id and a function.",
                                       param=f"messages[{i}].tool_calls")
                    call_names[call["id"]] = str(fn.get("name", ""))
                    try:
                        arguments = json.loads(fn.get("arguments") or "{}")
                    except (json.JSONDecodeError, TypeError):
                        arguments = {"unparsed": fn.get("arguments")}
                    calls.append(local_tools.call_text(str(fn.get("name", "")), arguments))
                text = "\n".join([t for t in [text] if t] + calls)
            chat.append({"role": "system" if role == "developer" else role, "content": text})
        chat = structured.chat_with_instruction(chat, body, "openai")  # the schema, for the local model
        if tools is not None and tools.active:
            tool_text = local_tools.system_text(tools.tools)
            if chat[0]["role"] == "system":
                chat[0] = {"role": "system", "content": chat[0]["content"] + "\n\n" + tool_text}
            else:
                chat.insert(0, {"role": "system", "content": tool_text})
        if tools is not None and tools.prefill:
            chat.append({"role": "assistant", "content": tools.prefill})
            return engine.encode_chat(chat, continue_final=True), tools
        return engine.encode_chat(chat), tools

    @staticmethod
    def _check_output_limit(body: dict, caps: registry.Capabilities) -> None:
        """``max_tokens`` on a model that takes only ``max_completion_tokens`` (OpenAI's reasoning models): the real
        400 (text, type, param and code as quoted in griptape-ai/ComfyUI-Griptape#312 and fish2018/YPrompt#26)."""
        for name, other in (("max_tokens", "max_completion_tokens"), ("max_completion_tokens", "max_tokens")):
            if body.get(name) is not None and name not in caps.output_limit_params:
                raise ApiError(400, f"Unsupported parameter: '{name}' is not supported with this model. Use "
                                    f"'{other}' instead.", param=name, code="unsupported_parameter")

    @staticmethod
    def _check_openai_sampling(body: dict, caps: registry.Capabilities, temperature, top_p) -> None:
        """``default_only`` models (OpenAI's reasoning models) refuse a non-default temperature with
        ``unsupported_value`` (text quoted in simonw/llm#724) and any other top_p with ``unsupported_parameter``."""
        if caps.sampling_params != "default_only":
            return
        if temperature not in (None, 1, 1.0):
            raise ApiError(400, f"Unsupported value: 'temperature' does not support {temperature} with this model. "
                                "Only the default (1) value is supported.", param="temperature",
                           code="unsupported_value")
        if top_p not in (None, 1, 1.0):
            raise ApiError(400, "Unsupported parameter: 'top_p' is not supported with this model.", param="top_p",
                           code="unsupported_parameter")

    def _openai_params(self, body: dict, engine: LocalEngine, prompt_len: int) -> dict:
        caps = capabilities_of(body["model"])
        self._check_output_limit(body, caps)
        if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
            raise ApiError(400, "Setting both 'max_tokens' and 'max_completion_tokens' is not supported.")
        name = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
        value = body.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ApiError(400, f"Invalid type for '{name}': expected an integer.", param=name, code="invalid_type")
        if value is not None and value < 1:
            raise ApiError(400, f"Invalid '{name}': integer below minimum value. Expected a value >= 1, but got "
                                f"{value} instead.", param=name, code="integer_below_min_value")
        room = engine.context_window - prompt_len
        max_tokens = value if value is not None else min(room, 4096)
        if max_tokens > room:
            raise ApiError(400, f"This model's maximum context length is {engine.context_window} tokens. However, "
                                f"you requested {prompt_len + max_tokens} tokens ({prompt_len} in the messages, "
                                f"{max_tokens} in the completion).", param="messages",
                           code="context_length_exceeded")
        temperature = _check_number(body, "temperature", 0.0, 2.0)
        top_p = _check_number(body, "top_p", 0.0, 1.0)
        n = _check_number(body, "n", 1, None, integer=True)
        if n not in (None, 1):
            raise ApiError(400, f"n={n}: the course's local model returns one choice per request (n=1).",
                           param="n")
        stop = body.get("stop") or []
        stop = [stop] if isinstance(stop, str) else stop
        if not isinstance(stop, list) or len(stop) > 4 or not all(isinstance(s, str) for s in stop):
            raise ApiError(400, "Invalid 'stop': expected a string or an array of at most 4 strings.", param="stop")
        seed = _check_number(body, "seed", -(2**63), None, integer=True)
        self._check_openai_sampling(body, caps, temperature, top_p)
        return {"max_new_tokens": max_tokens, "temperature": temperature or 0.0,
                "top_p": 1.0 if top_p is None else top_p, "stop": stop, "seed": seed}

    def _openai_reasoning(self, body: dict, tools: _ToolContext | None, max_tokens: int) -> int:
        """How many tokens a reasoning model reasons before answering (hidden, counted in
        ``completion_tokens_details.reasoning_tokens`` and against ``max_completion_tokens``), by
        ``reasoning_effort`` or the model's default effort. The 400s: ``reasoning_effort`` on a model that does
        not reason, an effort the model does not take ("none" only where thinking can be turned off), and function
        tools on a model whose Chat Completions tools need ``reasoning_effort`` "none" (real text, param and code:
        GEMISIS/leviath#333, GoogleChromeLabs/webmcp-tools#417, 2026) or the Responses API."""
        caps = capabilities_of(body["model"])
        effort = body.get("reasoning_effort")
        if effort is not None and caps.thinking == "none":
            raise ApiError(400, "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
                           param="reasoning_effort", code="unsupported_parameter")
        allowed = [e for e in self.OPENAI_EFFORTS if e != "none" or caps.thinking != "adaptive-always"]
        if effort is not None and effort not in allowed:
            raise ApiError(400, f"Invalid value: '{effort}'. Supported values are: "
                                f"{', '.join(repr(e) for e in allowed)}.", param="reasoning_effort",
                           code="invalid_value")
        if caps.thinking == "none":
            effort = "none"
        effort = effort or caps.default_effort or "medium"
        if body.get("tools") is not None:
            model = body["model"]
            if caps.tool_use == "unsupported":
                raise ApiError(400, f"Function tools are not supported for {model}.", param="tools")
            if caps.tool_use == "responses_only":
                raise ApiError(400, f"Function tools are not supported for {model} in /v1/chat/completions. To use "
                                    "function tools, use /v1/responses.", param="tools")
            if caps.tool_use == "reasoning_none_only" and effort != "none":
                raise ApiError(400, f"Function tools with reasoning_effort are not supported for {model} in "
                                    "/v1/chat/completions. To use function tools, use /v1/responses or set "
                                    "reasoning_effort to 'none'.", param="reasoning_effort")
        if tools is not None and tools.prefill:
            return 0  # a forced call is prefilled: the offline model writes the call at once
        return min(THINKING_TOKENS[effort], max_tokens)

    @staticmethod
    def _openai_usage(prompt_tokens: int, completion_tokens: int, reasoning_tokens: int,
                      cache: prompt_cache.CacheUsage | None = None) -> dict:
        """The ``usage`` of a chat completion with its details, as the API sends them (``cache``: the prompt-cache
        reads, and writes for the models that report them, all part of ``prompt_tokens``)."""
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": (cache or prompt_cache.CacheUsage()).openai_details(),
                "completion_tokens_details": {"reasoning_tokens": reasoning_tokens, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}

    @staticmethod
    def _tool_call(tools: _ToolContext | None, text: str) -> tuple[str, dict] | None:
        """The tool call in the model's reply: forced (always a call) or auto (when it wrote a JSON call)."""
        if tools is None or not tools.active:
            return None
        if tools.prefill:
            return local_tools.forced_call(tools.prefill + text, tools.tools, tools.choice)
        return local_tools.parse_call(text, tools.tools)

    @staticmethod
    def _finish_reason(result: GenerationResult) -> str:
        return "length" if result.stop_reason == "max_tokens" else "stop"

    def _openai_chat(self, body: dict, request_id: str) -> httpx2.Response:
        model = _known_model(body.get("model"))
        engine = self._engine_for(model)
        prompt, tools = self._openai_prompt(body, engine)
        params = self._openai_params(body, engine, len(prompt))
        reasoning = self._openai_reasoning(body, tools, params["max_new_tokens"])
        params["constraint"] = _structured(structured.request_constraint, engine, body, "openai", tools)  # rules first
        cache = prompt_cache.openai_usage(body, engine, prompt)
        completion_id = f"chatcmpl-local{uuid.uuid4().hex[:20]}"
        created = int(time.time())
        if body.get("stream"):
            options = body.get("stream_options") or {}
            return self._openai_stream(engine, prompt, params, reasoning, tools, completion_id, created,
                                       bool(options.get("include_usage")),
                                       options.get("include_obfuscation", True) is not False, request_id, cache)
        thought = GenerationResult()
        if reasoning:
            for _ in self._think(engine, prompt, reasoning, params, thought):
                pass  # hidden: reasoning models return no reasoning text in Chat Completions
        result = self._answer(engine, prompt, params, thought.output_tokens)
        message = {"role": "assistant", "content": result.text, "refusal": None, "annotations": []}
        finish = self._finish_reason(result)
        call = self._tool_call(tools, result.text) if result.output_tokens else None
        if call is not None:
            message = {"role": "assistant", "content": None, "refusal": None, "annotations": [], "tool_calls": [
                {"id": local_tools.new_call_id("openai"), "type": "function",
                 "function": {"name": call[0], "arguments": json.dumps(call[1], ensure_ascii=False)}}]}
            finish = _call_stop(params, result, "tool_calls", "length")
        return self._json(200, {
            "id": completion_id, "object": "chat.completion", "created": created, "model": engine.model_id,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": self._openai_usage(len(prompt), thought.output_tokens + result.output_tokens,
                                        thought.output_tokens, cache),
            "service_tier": "default", "system_fingerprint": f"local-{engine.dtype_name}",
        }, request_id)

    def _openai_stream(self, engine, prompt, params, reasoning, tools, completion_id, created, include_usage,
                       obfuscate, request_id, cache: prompt_cache.CacheUsage | None = None):
        """Chat completion chunks as the API streams them: the role first, then content (or ``tool_calls`` with the
        function name, then its arguments in pieces), a chunk with ``finish_reason``, the usage chunk (empty
        ``choices``) when ``stream_options.include_usage``, then ``[DONE]``. Each chunk carries ``obfuscation``
        padding unless ``stream_options.include_obfuscation`` is false, as the API does."""
        def chunk(choices: list, usage: dict | None = None) -> bytes:
            payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                       "model": engine.model_id, "service_tier": "default",
                       "system_fingerprint": f"local-{engine.dtype_name}", "choices": choices}
            if include_usage:
                payload["usage"] = usage
            if obfuscate:
                payload["obfuscation"] = secrets.token_urlsafe(6)
            return _sse(None, payload)

        def choice(delta: dict, finish: str | None = None) -> list:
            return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]

        def events() -> Iterator[bytes]:
            thought = GenerationResult()
            if reasoning:
                for _ in self._think(engine, prompt, reasoning, params, thought):
                    pass
            room = params["max_new_tokens"] - thought.output_tokens
            result = GenerationResult(input_tokens=len(prompt), stop_reason="max_tokens")
            finish = "length"
            if room > 0 and tools is not None and tools.active:
                result = engine.generate(prompt, **dict(params, max_new_tokens=room))
                call = self._tool_call(tools, result.text)
                if call is not None:
                    arguments = json.dumps(call[1], ensure_ascii=False)
                    yield chunk(choice({"role": "assistant", "content": None, "refusal": None, "tool_calls": [
                        {"index": 0, "id": local_tools.new_call_id("openai"), "type": "function",
                         "function": {"name": call[0], "arguments": ""}}]}))
                    for start in range(0, len(arguments), 16):
                        yield chunk(choice({"tool_calls": [{"index": 0, "function": {
                            "arguments": arguments[start:start + 16]}}]}))
                    finish = _call_stop(params, result, "tool_calls", "length")
                else:
                    yield chunk(choice({"role": "assistant", "content": "", "refusal": None}))
                    if result.text:
                        yield chunk(choice({"content": result.text}))
                    finish = self._finish_reason(result)
            else:
                yield chunk(choice({"role": "assistant", "content": "", "refusal": None}))
                if room > 0:
                    for delta in engine.stream(prompt, result=result, **dict(params, max_new_tokens=room)):
                        yield chunk(choice({"content": delta}))
                    finish = self._finish_reason(result)
            yield chunk(choice({}, finish))
            if include_usage:
                yield chunk([], self._openai_usage(len(prompt), thought.output_tokens + result.output_tokens,
                                                   thought.output_tokens, cache))
            yield _sse(None, "[DONE]")

        headers = {"content-type": "text/event-stream", "x-request-id": request_id, "x-course-backend": "local"}
        return httpx2.Response(200, headers=headers, stream=_EventStream(events()))
