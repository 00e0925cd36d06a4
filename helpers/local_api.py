"""The Anthropic Messages API and the OpenAI Chat Completions API, served in-process by the local model; and OpenAI's
files and fine-tuning jobs APIs, whose jobs train real LoRA adapters offline (helpers.finetune.jobs, notebook 07).

The real SDK clients accept an ``http_client``; helpers.llm gives them an ``httpx2.Client`` whose transport is
:class:`LocalModelTransport`. Requests are validated as the real services validate them, and answers, usage,
errors and streaming events use the real wire formats, so the SDK parses them (and raises its own exception
classes) exactly as in production. No socket is opened. Taught in notebooks/00_start_here.ipynb.

One deliberate difference: when a request names no temperature, the offline model decodes greedily, so course
runs are repeatable (the real services sample at temperature 1 by default; recent Claude models and OpenAI's
reasoning models accept no sampling parameters at all, and the local server refuses them for those ids too).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Protocol
from dataclasses import dataclass

import httpx2

from helpers import local_tools, registry
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


def _text_of(content, where: str, engine: LocalEngine, tool_names: dict | None = None) -> str:
    """Text of a message's content (a string or a list of text blocks/parts). With ``tool_names`` (tool-use id ->
    tool name, filled as assistant turns are read), tool_use and tool_result blocks become the text the local model
    saw and wrote (helpers/local_tools.py); without it they are refused."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ApiError(400, f"{where}.content: Input should be a valid string or a list of content blocks")
    texts = []
    for i, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            texts.append(str(block.get("text", "")))
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
            inner = inner if isinstance(inner, str) else _text_of(inner, f"{where}.content.{i}", engine)
            texts.append(local_tools.result_text(tool_names[use_id], inner, bool(block.get("is_error"))))
        else:
            raise ApiError(400, f"{where}.content.{i}.type: Input tag {kind!r} found using 'type' does not match "
                                "any of the expected tags: 'text', 'image', 'document', 'tool_use', 'tool_result'")
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
    ``/fine_tuning/jobs`` (flavour "openai") from the local model. Any model id in the course registry is answered by
    the local model, an ``ft:`` id by the local model with that job's adapter; the response's ``model`` field names
    the model that really answered."""

    def __init__(self, flavour: str, engine_factory: Callable[[], LocalEngine] = get_engine):
        if flavour not in ("anthropic", "openai"):
            raise ValueError(f"flavour must be 'anthropic' or 'openai', not {flavour!r}")
        self.flavour = flavour
        self._engine_factory = engine_factory

    # --- dispatch -------------------------------------------------------------------------------------------
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request_id = f"req_local_{uuid.uuid4().hex[:20]}"
        path = request.url.path.rstrip("/")
        try:
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
            if request.method == "GET" and "/models" in path:
                return self._models(path, request_id)
            raise ApiError(404, f"{request.method} {path} is not served by the course's local model.")
        except ApiError as err:
            return self._error(err, request_id)

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
        for service in _services(self.flavour):  # a model tuned offline (helpers.finetune.jobs)
            tuned = service.engine_for(model)
            if tuned is not None:
                return tuned
        engine = self._engine_factory()
        if model != engine.model_id and model not in registry.models():
            if self.flavour == "anthropic":
                raise ApiError(404, f"model: {model}")
            raise ApiError(404, f"The model `{model}` does not exist or you do not have access to it.",
                           param="model", code="model_not_found")
        return engine

    def _models(self, path: str, request_id: str) -> httpx2.Response:
        listed = [m for m in registry.models().values() if m.provider in (self.flavour, "local")]
        wanted = path.rsplit("/models", 1)[1].strip("/")
        if self.flavour == "anthropic":
            rows = [{"type": "model", "id": m.id, "display_name": m.display_name,
                     "created_at": f"{m.as_of.isoformat()}T00:00:00Z"} for m in listed]
        else:
            rows = [{"id": m.id, "object": "model", "created": int(time.mktime(m.as_of.timetuple())),
                     "owned_by": m.provider} for m in listed]
            rows += [row for service in _services(self.flavour) for row in service.models()]
        if wanted:
            match = [r for r in rows if r["id"] == wanted]
            if not match:
                raise ApiError(404, f"model: {wanted}", param="model", code="model_not_found")
            return self._json(200, match[0], request_id)
        if self.flavour == "anthropic":
            payload = {"data": rows, "has_more": False, "first_id": rows[0]["id"], "last_id": rows[-1]["id"]}
        else:
            payload = {"object": "list", "data": rows}
        return self._json(200, payload, request_id)

    # --- Anthropic Messages ---------------------------------------------------------------------------------
    ANTHROPIC_FIELDS = {"model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k",
                        "stop_sequences", "stream", "metadata", "service_tier", "cache_control", "diagnostics",
                        "inference_geo", "speed", "user_profile_id", "workspace_id", "output_config", "tools",
                        "tool_choice"}
    ANTHROPIC_UNSUPPORTED = {"thinking": "extended thinking",
                             "mcp_servers": "MCP servers", "container": "containers"}

    def _anthropic_prompt(self, body: dict, engine: LocalEngine) -> tuple[list[int], bool, _ToolContext | None]:
        for key in body:
            if key in self.ANTHROPIC_UNSUPPORTED:
                feature = self.ANTHROPIC_UNSUPPORTED[key]
                raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature=feature, model=engine.display_name))
            if key not in self.ANTHROPIC_FIELDS:
                raise ApiError(400, f"{key}: Extra inputs are not permitted")
        if (body.get("output_config") or {}).get("format"):
            raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature="structured outputs (output_config.format)",
                                                           model=engine.display_name))
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise ApiError(400, "messages: Field required")
        if not messages:
            raise ApiError(400, "messages: at least one message is required")
        chat: list[dict] = []
        tools = _tool_context(body, "anthropic")
        tool_names = {} if tools is not None else None
        system = body.get("system")
        system_text = _text_of(system, "system", engine) if system is not None else ""
        if tools is not None and tools.active:
            system_text = (system_text + "\n\n" if system_text else "") + local_tools.system_text(tools.tools)
        if system_text:
            chat.append({"role": "system", "content": system_text})
        for i, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            if role not in ("user", "assistant"):
                hint = " (put the system prompt in the top-level `system` parameter)" if role == "system" else ""
                raise ApiError(400, f"messages.{i}.role: Input should be 'user' or 'assistant'{hint}")
            if "content" not in message:
                raise ApiError(400, f"messages.{i}.content: Field required")
            text = _text_of(message["content"], f"messages.{i}", engine, tool_names)
            if not text and i < len(messages) - 1:
                raise ApiError(400, f"messages.{i}: all messages must have non-empty content except for the "
                                    "optional final assistant message")
            if chat and chat[-1]["role"] == role:  # the API merges consecutive turns of the same role
                chat[-1]["content"] += "\n\n" + text
            else:
                chat.append({"role": role, "content": text})
        prefill = chat[-1]["role"] == "assistant"
        if prefill and chat[-1]["content"] != chat[-1]["content"].rstrip():
            raise ApiError(400, "final assistant content cannot end with trailing whitespace")
        if prefill and not chat[-1]["content"]:
            chat.pop()
            prefill = False
        if tools is not None and tools.prefill:
            if prefill:
                raise ApiError(400, "a final assistant message (prefill) cannot be combined with a forced tool_choice")
            chat.append({"role": "assistant", "content": tools.prefill})
            prefill = True
        return engine.encode_chat(chat, continue_final=prefill), prefill, tools

    def _anthropic_params(self, body: dict, engine: LocalEngine, prompt_len: int) -> dict:
        model = registry.models().get(body["model"])
        for name in ("temperature", "top_p", "top_k"):
            if body.get(name) is not None and model is not None and not model.accepts_temperature:
                raise ApiError(400, f"`{name}` is deprecated for this model.")
        if "max_tokens" not in body:
            raise ApiError(400, "max_tokens: Field required")
        max_tokens = _check_number(body, "max_tokens", 1, None, integer=True)
        temperature = _check_number(body, "temperature", 0.0, 1.0)
        top_p = _check_number(body, "top_p", 0.0, 1.0)
        top_k = _check_number(body, "top_k", 0, None, integer=True)
        stop = body.get("stop_sequences") or []
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            raise ApiError(400, "stop_sequences: Input should be a valid list of strings")
        if prompt_len + max_tokens > engine.context_window:
            raise ApiError(400, f"prompt is too long: {prompt_len} tokens + max_tokens {max_tokens} > "
                                f"{engine.context_window}, the context window of {engine.display_name}")
        return {"max_new_tokens": max_tokens, "temperature": temperature or 0.0,
                "top_p": 1.0 if top_p is None else top_p, "top_k": top_k or None, "stop": stop}

    def _anthropic_messages(self, body: dict, request_id: str) -> httpx2.Response:
        model = _known_model(body.get("model"))
        engine = self._engine_for(model)
        prompt, _, tools = self._anthropic_prompt(body, engine)
        params = self._anthropic_params(body, engine, len(prompt))
        message_id = f"msg_local_{uuid.uuid4().hex[:24]}"
        if body.get("stream"):
            if tools is not None and tools.active:
                raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature="streaming with tools",
                                                               model=engine.display_name))
            return self._anthropic_stream(engine, prompt, params, message_id, request_id)
        result = engine.generate(prompt, **params)
        content, stop_reason = [{"type": "text", "text": result.text}], result.stop_reason
        call = self._tool_call(tools, result.text)
        if call is not None:
            content = [{"type": "tool_use", "id": local_tools.new_call_id("anthropic"), "name": call[0],
                        "input": call[1]}]
            stop_reason = "tool_use"
        return self._json(200, {
            "id": message_id, "type": "message", "role": "assistant", "model": engine.model_id,
            "content": content,
            "stop_reason": stop_reason, "stop_sequence": result.stop_sequence if call is None else None,
            "usage": {"input_tokens": result.input_tokens, "output_tokens": result.output_tokens,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        }, request_id)

    def _anthropic_stream(self, engine, prompt, params, message_id, request_id) -> httpx2.Response:
        def events() -> Iterator[bytes]:
            result = GenerationResult()
            yield _sse("message_start", {"type": "message_start", "message": {
                "id": message_id, "type": "message", "role": "assistant", "model": engine.model_id,
                "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": {"input_tokens": len(prompt), "output_tokens": 0}}})
            yield _sse("content_block_start", {"type": "content_block_start", "index": 0,
                                               "content_block": {"type": "text", "text": ""}})
            yield _sse("ping", {"type": "ping"})
            for delta in engine.stream(prompt, result=result, **params):
                yield _sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                   "delta": {"type": "text_delta", "text": delta}})
            yield _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
            yield _sse("message_delta", {"type": "message_delta",
                                         "delta": {"stop_reason": result.stop_reason,
                                                   "stop_sequence": result.stop_sequence},
                                         "usage": {"output_tokens": result.output_tokens}})
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
                     "moderation", "parallel_tool_calls", "tools", "tool_choice"}
    OPENAI_UNSUPPORTED = {"functions": "legacy function calling (use tools)",
                          "function_call": "legacy function calling (use tools)",
                          "logprobs": "logprobs", "top_logprobs": "logprobs",
                          "audio": "audio output", "modalities": "audio output", "prediction": "predicted outputs",
                          "reasoning_effort": "reasoning effort", "logit_bias": "logit_bias",
                          "web_search_options": "web search"}

    def _openai_prompt(self, body: dict, engine: LocalEngine) -> tuple[list[int], _ToolContext | None]:
        for key in body:
            if key in self.OPENAI_UNSUPPORTED:
                raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature=self.OPENAI_UNSUPPORTED[key],
                                                               model=engine.display_name), param=key)
            if key not in self.OPENAI_FIELDS:
                raise ApiError(400, f"Unrecognized request argument supplied: {key}", param=key)
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
                calls = []
                for call in message["tool_calls"]:
                    fn = call.get("function") if isinstance(call, dict) else None
                    if not isinstance(fn, dict) or not isinstance(call.get("id"), str):
                        raise ApiError(400, f"Invalid 'messages[{i}].tool_calls': each needs an id and a function.",
                                       param=f"messages[{i}].tool_calls")
                    call_names[call["id"]] = str(fn.get("name", ""))
                    try:
                        arguments = json.loads(fn.get("arguments") or "{}")
                    except json.JSONDecodeError:
                        arguments = {"unparsed": fn.get("arguments")}
                    calls.append(local_tools.call_text(str(fn.get("name", "")), arguments))
                text = "\n".join([t for t in [text] if t] + calls)
            chat.append({"role": "system" if role == "developer" else role, "content": text})
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

    def _openai_params(self, body: dict, engine: LocalEngine, prompt_len: int) -> dict:
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
        response_format = body.get("response_format") or {"type": "text"}
        if response_format.get("type") != "text":
            raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature=f"response_format {response_format.get('type')}",
                                                           model=engine.display_name), param="response_format")
        seed = _check_number(body, "seed", -(2**63), None, integer=True)
        model = registry.models().get(body["model"])
        if temperature not in (None, 1, 1.0) and model is not None and not model.accepts_temperature:
            raise ApiError(400, f"Unsupported value: 'temperature' does not support {temperature} with this model. "
                                "Only the default (1) value is supported.", param="temperature",
                           code="unsupported_value")
        return {"max_new_tokens": max_tokens, "temperature": temperature or 0.0,
                "top_p": 1.0 if top_p is None else top_p, "stop": stop, "seed": seed}

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
        completion_id = f"chatcmpl-local{uuid.uuid4().hex[:20]}"
        created = int(time.time())
        if body.get("stream"):
            if tools is not None and tools.active:
                raise ApiError(400, UNSUPPORTED_OFFLINE.format(feature="streaming with tools",
                                                               model=engine.display_name), param="stream")
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return self._openai_stream(engine, prompt, params, completion_id, created, include_usage, request_id)
        result = engine.generate(prompt, **params)
        message = {"role": "assistant", "content": result.text, "refusal": None}
        finish = self._finish_reason(result)
        call = self._tool_call(tools, result.text)
        if call is not None:
            message = {"role": "assistant", "content": None, "refusal": None, "tool_calls": [
                {"id": local_tools.new_call_id("openai"), "type": "function",
                 "function": {"name": call[0], "arguments": json.dumps(call[1], ensure_ascii=False)}}]}
            finish = "tool_calls"
        return self._json(200, {
            "id": completion_id, "object": "chat.completion", "created": created, "model": engine.model_id,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": {"prompt_tokens": result.input_tokens, "completion_tokens": result.output_tokens,
                      "total_tokens": result.input_tokens + result.output_tokens},
            "system_fingerprint": f"local-{engine.dtype_name}",
        }, request_id)

    def _openai_stream(self, engine, prompt, params, completion_id, created, include_usage, request_id):
        def chunk(choices: list, usage: dict | None = None) -> bytes:
            payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                       "model": engine.model_id, "system_fingerprint": f"local-{engine.dtype_name}",
                       "choices": choices}
            if include_usage:
                payload["usage"] = usage
            return _sse(None, payload)

        def events() -> Iterator[bytes]:
            result = GenerationResult()
            yield chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                          "finish_reason": None}])
            for delta in engine.stream(prompt, result=result, **params):
                yield chunk([{"index": 0, "delta": {"content": delta}, "logprobs": None, "finish_reason": None}])
            yield chunk([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": self._finish_reason(result)}])
            if include_usage:
                yield chunk([], {"prompt_tokens": result.input_tokens, "completion_tokens": result.output_tokens,
                                 "total_tokens": result.input_tokens + result.output_tokens})
            yield _sse(None, "[DONE]")

        headers = {"content-type": "text/event-stream", "x-request-id": request_id, "x-course-backend": "local"}
        return httpx2.Response(200, headers=headers, stream=_EventStream(events()))
