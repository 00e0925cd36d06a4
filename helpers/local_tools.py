"""Tool calling for the offline model: the course's in-process API accepts ``tools`` in the Anthropic and OpenAI wire
formats, describes them to the local model in its prompt, and turns a JSON line in the model's reply into a real
``tool_use`` block / ``tool_calls`` entry.

Used by helpers/local_api.py; taught in notebooks/05_agentic_rag.ipynb, which measures how often a 135M model picks the
right tool (rarely; the same loop with Claude or GPT shows the difference). Forced tool choice ("any", "required" or a
named tool) is enforced by prefilling the reply with the start of the JSON call, so the model can only fill it in.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass


class ToolFormatError(ValueError):
    """A malformed ``tools`` / ``tool_choice`` / tool message: becomes an HTTP 400 with this message."""


@dataclass
class Tool:
    name: str
    description: str
    schema: dict


@dataclass
class ToolChoice:
    mode: str = "auto"          # "auto", "none", "any" (some tool), "tool" (the named one)
    name: str | None = None


def parse_tools(tools, flavour: str) -> list[Tool]:
    """Validate ``tools`` in the ``flavour`` ("anthropic" or "openai") wire format."""
    if not isinstance(tools, list):
        raise ToolFormatError("tools: Input should be a valid list")
    out = []
    for i, spec in enumerate(tools):
        if not isinstance(spec, dict):
            raise ToolFormatError(f"tools.{i}: Input should be a valid dictionary")
        if flavour == "openai":
            if spec.get("type") != "function" or not isinstance(spec.get("function"), dict):
                raise ToolFormatError(f"tools[{i}]: only tools of type 'function' are supported")
            fn = spec["function"]
            name, description, schema = fn.get("name"), fn.get("description", ""), fn.get("parameters", {})
        else:
            name, description, schema = spec.get("name"), spec.get("description", ""), spec.get("input_schema")
            if schema is None:
                raise ToolFormatError(f"tools.{i}.custom.input_schema: Field required")
        if not isinstance(name, str) or not name:
            raise ToolFormatError(f"tools.{i}.name: Field required")
        if not isinstance(schema, dict):
            raise ToolFormatError(f"tools.{i}: the JSON schema must be an object")
        out.append(Tool(name=name, description=str(description or ""), schema=schema))
    names = [t.name for t in out]
    if len(set(names)) != len(names):
        raise ToolFormatError("tools: tool names must be unique")
    return out


def parse_tool_choice(choice, flavour: str, tools: list[Tool]) -> ToolChoice:
    names = {t.name for t in tools}
    if choice is None:
        return ToolChoice("auto")
    if flavour == "openai":
        if choice in ("auto", "none"):
            return ToolChoice(choice)
        if choice == "required":
            return ToolChoice("any")
        if isinstance(choice, dict) and choice.get("type") == "function":
            name = (choice.get("function") or {}).get("name")
            if name not in names:
                raise ToolFormatError(f"tool_choice: no tool named {name!r} in tools")
            return ToolChoice("tool", name)
        raise ToolFormatError("tool_choice: expected 'none', 'auto', 'required' or a named function")
    if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
        raise ToolFormatError("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
    if choice["type"] == "tool":
        if choice.get("name") not in names:
            raise ToolFormatError(f"tool_choice.name: no tool named {choice.get('name')!r} in tools")
        return ToolChoice("tool", choice["name"])
    return ToolChoice(choice["type"])


def system_text(tools: list[Tool]) -> str:
    """The tool instructions added to the system prompt of the local model."""
    lines = []
    for tool in tools:
        props = tool.schema.get("properties", {}) if isinstance(tool.schema, dict) else {}
        required = set(tool.schema.get("required", [])) if isinstance(tool.schema, dict) else set()
        args = ", ".join(f"{k}: {v.get('type', 'any') if isinstance(v, dict) else 'any'}"
                         f"{'' if k in required else ' (optional)'}" for k, v in props.items())
        lines.append(f"- {tool.name}({args}): {tool.description}")
    return ("You can call these tools:\n" + "\n".join(lines) + "\n"
            'To call a tool, reply with only one line of JSON: {"tool": "<tool name>", "arguments": {...}}\n'
            "When you have what you need, answer the user in plain text without JSON.")


def call_text(name: str, arguments: dict) -> str:
    """How a tool call looks in the model's own words (also used to show earlier calls back to it)."""
    return json.dumps({"tool": name, "arguments": arguments}, ensure_ascii=False)


def result_text(name: str | None, content: str, is_error: bool = False) -> str:
    label = f"Tool result ({name})" if name else "Tool result"
    return f"{label}{' [error]' if is_error else ''}:\n{content}"


def prefill_for(choice: ToolChoice) -> str:
    """Start of the reply that forces a tool call: the model can only complete the JSON."""
    if choice.mode == "tool":
        return '{"tool": "' + str(choice.name) + '", "arguments": {'
    if choice.mode == "any":
        return '{"tool": "'
    return ""


def _first_json_object(text: str):
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text[start:])
            return value
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
    return None


def parse_call(text: str, tools: list[Tool]) -> tuple[str, dict] | None:
    """(tool name, arguments) when ``text`` holds a JSON call of a known tool, else None (plain answer). Accepts
    ``{"tool"|"name": ..., "arguments"|"input"|"parameters": {...}}``; arguments must be an object."""
    value = _first_json_object(text or "")
    if not isinstance(value, dict):
        return None
    name = value.get("tool", value.get("name"))
    names = {t.name for t in tools}
    if name not in names:
        return None
    arguments = value.get("arguments", value.get("input", value.get("parameters", {})))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return None
    if not isinstance(arguments, dict):
        return None
    return name, arguments


def new_call_id(flavour: str) -> str:
    return ("toolu_local_" if flavour == "anthropic" else "call_local_") + uuid.uuid4().hex[:20]


def forced_call(text: str, tools: list[Tool], choice: ToolChoice) -> tuple[str, dict]:
    """Under a forced choice the API must return a call, as the real ones do: parse the completed JSON, closing
    braces the model left open; an unknown name becomes the closest tool name; unreadable arguments become {}
    (the tool runner then reports what is missing, which the loop shows to the model)."""
    import difflib

    for tail in ("", "}", "}}", '"}}', '"}}}'):
        parsed = parse_call(text + tail, tools)
        if parsed and (choice.mode != "tool" or parsed[0] == choice.name):
            return parsed
    if choice.mode == "tool":
        return str(choice.name), {}
    written = text.split('"tool": "', 1)[-1].split('"', 1)[0]
    names = [t.name for t in tools]
    close = difflib.get_close_matches(written, names, n=1, cutoff=0.0)
    return (close[0] if close else names[0]), {}
