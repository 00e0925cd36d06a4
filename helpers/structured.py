"""Structured outputs for the offline model: a JSON schema is compiled into a grammar for the local tokenizer, and
at every step of generation the grammar masks the next-token logits, so the offline model can only write text that
parses and satisfies the schema (constrained decoding). The in-process server (helpers.local_api) uses it for
OpenAI ``response_format`` (``json_schema`` and ``json_object``, so ``client.chat.completions.parse``), Anthropic
``output_config.format`` (so ``client.messages.parse``), and for forced or ``strict`` tool calls, whose arguments
then always satisfy the tool's schema. Seen in notebooks/01_prompt_patterns.ipynb (JSON mode and a forced tool call,
section 7) and notebooks/05_agentic_rag.ipynb (a forced tool call); the portable replacement for prefill.

The library is llguidance (guidance-ai, MIT). Chosen over the other three well-kept ones by:
- CPU wheels for Python 3.11 on linux x86_64: llguidance ships one abi3 wheel (3 MB, also for macOS and Windows) and
  depends on nothing; xgrammar 0.2.9's wheel requires ``triton`` on linux x86_64 (a GPU compiler of several hundred
  MB, pulled onto every laptop) and ``apache-tvm-ffi``; outlines 1.3.3 is a framework with nine dependencies, pins
  ``outlines-core==0.2.14``, and lists llguidance as one of its own backends; lm-format-enforcer 0.11.3 is pure
  Python (portable, but its token-trie walk runs in Python at every step).
- Speed: the mask over SmolLM2's 49,152 tokens is computed and applied to the logits in about 0.13 ms per step on this
  machine's 2-core CPU, where one decoding step of the model takes about 55 ms: decode speed with the grammar is 97-100%
  of decode speed without it (bench/bench_structured.py, BENCHMARKS.md "Structured outputs"). A new schema compiles in
  about a millisecond, with no per-vocabulary index built ahead: right for a server whose schemas come with requests.
- Maintenance: 1.0 in 2025-06, 1.9.1 on PyPI as of 2026-09; integrated into llama.cpp, vLLM and SGLang, and shipped
  in OpenAI's API for JSON Schema (2025-05), per its README.
(Checked 2026-12-05 with ``pip download --no-deps`` for cp311 on manylinux x86_64, macOS and Windows, and each
package's metadata.)

What the real APIs do, as_of 2026-12-05 (sources: platform.claude.com/docs/en/build-with-claude/structured-outputs,
platform.openai.com/docs/guides/structured-outputs, and the error bodies quoted in public issue threads, named per rule
below): a reply cut off by ``max_tokens`` stops with ``finish_reason "length"`` / ``stop_reason "max_tokens"`` and its
JSON may be incomplete (``chat.completions.parse`` then raises ``LengthFinishReasonError``); the local server does the
same, because the grammar constrains each token, not the length.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator

from helpers import local_tools, registry

LIBRARY = "llguidance"
INSTALL_HINT = 'pip install "llguidance>=1.9"'
# Compact JSON, one space after ":" and "," (the layout of Python's json.dumps): no room for the endless whitespace a
# free-layout grammar lets a small model write. "lenient": unknown keywords are reported (unsupported_keywords), not
# fatal, so a non-strict request still gets the parts of its schema the compiler can enforce.
JSON_LAYOUT = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": ", "lenient": True}
CACHE_SIZE = 128  # compiled grammars kept per tokenizer (least recently used goes first)

# Keywords the Claude API refuses in a structured-output schema, per JSON type (the SDK's messages.parse() moves
# them into the description instead). Wording of the 400s as observed: "output_config.format.schema: For 'integer'
# type, property 'minimum' is not supported" / "For 'number' type, properties maximum, minimum are not supported"
# (public issue threads, 2026-04 to 2026-08); the list follows the docs' "JSON Schema limitations" section as quoted
# by those threads.
ANTHROPIC_UNSUPPORTED = {
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "integer": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "string": ("minLength", "maxLength"),
    "array": ("maxItems", "uniqueItems"),
}


class StructuredOutputError(ValueError):
    """A structured-output request the real API would refuse (or a schema the grammar compiler cannot read): the
    server answers it with an HTTP 400 carrying this message, ``param`` and ``code``."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message, self.param, self.code = message, param, code


class ConstraintError(RuntimeError):
    """The grammar refused a token the engine chose: a bug in the masking, never a user error."""


# --- what a request asks for ----------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class OutputFormat:
    """The reply format a request names: a JSON schema (``json_schema``) or any JSON object (``json_object``)."""

    kind: str
    schema: dict
    name: str | None = None
    strict: bool = False

    @property
    def instruction(self) -> str:
        """What the local model is told in its system prompt (the real services show the model the schema too)."""
        if self.kind == "json_object":
            return ""
        shape = "a JSON object" if self.schema.get("type") == "object" else "JSON"
        return f"Reply with only {shape} that matches this JSON schema:\n{json.dumps(self.schema)}"


def requested_output(body: dict, flavour: str) -> OutputFormat | None:
    """The structured output a request asks for, checked as the real API checks it (notebook 00): OpenAI's
    ``response_format`` or Anthropic's ``output_config.format``. None for plain text; raises
    :class:`StructuredOutputError` for what the real API answers with a 400."""
    if flavour == "openai":
        return _openai_format(body)
    if body.get("output_format") is not None:  # the beta-era field, moved in 2026
        raise StructuredOutputError(
            "output_format: This field is deprecated. Use 'output_config.format' instead. See "
            "https://platform.claude.com/docs/en/build-with-claude/structured-outputs for more information.")
    return _anthropic_format(body)


def _openai_format(body: dict) -> OutputFormat | None:
    fmt = body.get("response_format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict):
        raise StructuredOutputError("Invalid type for 'response_format': expected an object, but got "
                                    f"{type(fmt).__name__} instead.", param="response_format", code="invalid_type")
    kind = fmt.get("type")
    if kind == "text":
        return None
    if kind not in ("json_object", "json_schema"):
        raise StructuredOutputError(f"Invalid value: '{kind}'. Supported values are: 'json_object', 'json_schema', "
                                    "and 'text'.", param="response_format.type", code="invalid_value")
    if not structured_outputs_supported(body.get("model")):
        raise StructuredOutputError(f"Invalid parameter: 'response_format' of type '{kind}' is not supported with "
                                    "this model.", param="response_format")
    if kind == "json_object":
        if isinstance(body.get("messages"), list) and not _mentions_json(body["messages"]):
            raise StructuredOutputError("'messages' must contain the word 'json' in some form, to use "
                                        "'response_format' of type 'json_object'.", param="messages")
        return OutputFormat("json_object", {"type": "object"})
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict):
        raise StructuredOutputError("Missing required parameter: 'response_format.json_schema'.",
                                    param="response_format.json_schema", code="missing_required_parameter")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise StructuredOutputError("Missing required parameter: 'response_format.json_schema.name'.",
                                    param="response_format.json_schema.name", code="missing_required_parameter")
    schema = spec.get("schema", {"type": "object"})
    strict = spec.get("strict") is True
    where = f"Invalid schema for response_format '{name}': "
    _openai_root_rule(schema, where, "response_format")
    if strict:
        _openai_strict_rules(schema, where, "response_format", None)
    return OutputFormat("json_schema", schema, name, strict)


def _anthropic_format(body: dict) -> OutputFormat | None:
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    if fmt is None:
        return None
    if not structured_outputs_supported(body.get("model")):
        # Observed for models without structured outputs (Bedrock, Vertex; issue threads 2026-02 and 2026-05).
        raise StructuredOutputError("output_config.format: Extra inputs are not permitted")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        raise StructuredOutputError("output_config.format.type: Input should be 'json_schema'")
    schema = fmt.get("schema")
    if not isinstance(schema, dict):
        raise StructuredOutputError("output_config.format.schema: Field required")
    anthropic_schema_rules(schema, "output_config.format.schema")
    return OutputFormat("json_schema", schema, strict=True)


def _mentions_json(messages: list) -> bool:
    """True when some message's text contains "json" in any case (OpenAI's rule for JSON mode)."""
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        parts = content if isinstance(content, list) else [content]
        for part in parts:
            text = part.get("text") if isinstance(part, dict) else part
            if isinstance(text, str) and "json" in text.lower():
                return True
    return False


def structured_outputs_supported(model_id) -> bool:
    """What the registry says about ``model_id``'s structured outputs (data/models.yaml, ``capabilities``). Allowed
    when the registry has no capability query or does not know the id (the server answers unknown ids with a 404
    of its own)."""
    lookup = getattr(registry, "capabilities", None)
    if lookup is None or not isinstance(model_id, str):
        return True
    try:
        caps = lookup(model_id)
    except registry.UnknownModelError:
        return True
    return bool(getattr(caps, "structured_outputs", True))


# --- the providers' schema rules --------------------------------------------------------------------------------
def _subschemas(schema, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """Every schema node inside ``schema`` with its path from the root, the root first."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for key in ("properties", "$defs", "definitions", "patternProperties"):
        for name, sub in (schema.get(key) or {}).items() if isinstance(schema.get(key), dict) else ():
            yield from _subschemas(sub, path + (key, name))
    for key in ("items", "additionalProperties", "not", "contains"):
        if isinstance(schema.get(key), dict):
            yield from _subschemas(schema[key], path + (key,))
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for i, sub in enumerate(schema.get(key) or []) if isinstance(schema.get(key), list) else ():
            yield from _subschemas(sub, path + (key, str(i)))


def _is_object(node: dict) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or (kind is None and "properties" in node)


def _openai_root_rule(schema, where: str, param: str) -> None:
    """OpenAI's root rule for a response format or a strict function: an object schema. The wording is the
    service's ("schema must be a JSON Schema of 'type: \\"object\\"', got 'type: \\"None\\"'", issue threads)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind != "object":
        got = "None" if kind is None else kind
        raise StructuredOutputError(f"{where}schema must be a JSON Schema of 'type: \"object\"', got 'type: "
                                    f"\"{got}\"'.", param=param)


def _openai_strict_rules(schema: dict, where: str, param: str, code: str | None) -> None:
    """OpenAI's strict mode: every object says ``additionalProperties: false`` and lists every property in
    ``required`` (wording from the 400s quoted in issue threads, e.g. openai/openai-python and dottxt-ai/outlines)."""
    for path, node in _subschemas(schema):
        if not _is_object(node):
            continue
        if node.get("additionalProperties") is not False:
            raise StructuredOutputError(f"{where}In context={path!r}, 'additionalProperties' is required to be "
                                        "supplied and to be false.", param=param, code=code)
        required = node.get("required") if isinstance(node.get("required"), list) else []
        missing = [key for key in node.get("properties") or {} if key not in required]
        if missing:
            raise StructuredOutputError(f"{where}In context={path!r}, 'required' is required to be supplied and to "
                                        f"be an array including every key in properties. Missing '{missing[0]}'.",
                                        param=param, code=code)


def anthropic_schema_rules(schema: dict, where: str) -> None:
    """The Claude API's subset of JSON Schema for structured outputs and strict tools: every object closed with
    ``additionalProperties: false``, ``minItems`` only 0 or 1, no numeric or length bounds (messages as the API
    words them, e.g. "For 'object' type, 'additionalProperties' must be explicitly set to false")."""
    for _, node in _subschemas(schema):
        kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
        if _is_object(node) and node.get("additionalProperties") is not False:
            raise StructuredOutputError(f"{where}: For 'object' type, 'additionalProperties' must be explicitly set "
                                        "to false")
        if "array" in kinds and node.get("minItems") not in (None, 0, 1):
            raise StructuredOutputError(f"{where}: For 'array' type, 'minItems' values other than 0 or 1 are not "
                                        "supported")
        for kind in kinds:
            found = sorted(k for k in ANTHROPIC_UNSUPPORTED.get(kind, ()) if k in node)
            if len(found) == 1:
                raise StructuredOutputError(f"{where}: For '{kind}' type, property '{found[0]}' is not supported")
            if found:
                raise StructuredOutputError(f"{where}: For '{kind}' type, properties {', '.join(found)} are not "
                                            "supported")


def strict_tool_names(body: dict, flavour: str) -> set[str]:
    """Names of the tools a request marks ``strict: true``, after checking their schemas as the real API does
    (OpenAI: ``tools[i].function.strict``; Anthropic: ``tools[i].strict``)."""
    names = set()
    for i, spec in enumerate(body.get("tools") or []):
        if not isinstance(spec, dict):
            continue
        if flavour == "openai":
            fn = spec.get("function") if isinstance(spec.get("function"), dict) else {}
            if fn.get("strict") is not True:
                continue
            where, param = f"Invalid schema for function '{fn.get('name')}': ", f"tools[{i}].function.parameters"
            schema = fn.get("parameters", {})
            _openai_root_rule(schema, where, param)
            _openai_strict_rules(schema, where, param, "invalid_function_parameters")
            names.add(fn.get("name"))
        elif spec.get("strict") is True:
            anthropic_schema_rules(spec.get("input_schema") or {}, f"tools.{i}.custom.input_schema")
            names.add(spec.get("name"))
    return names


# --- compiling grammars for a tokenizer -------------------------------------------------------------------------------
def library_available() -> bool:
    """True when llguidance is installed (requirements.txt installs it; a forced tool call works without it)."""
    import importlib.util

    return importlib.util.find_spec("llguidance") is not None


def _llguidance():
    try:
        import llguidance
        import llguidance.hf
    except ImportError as exc:
        raise StructuredOutputError(
            f"Structured outputs offline need the {LIBRARY} package, which is not installed. Install it with "
            f"`{INSTALL_HINT}` (or `make lab`), restart the kernel, and run the cell again.") from exc
    return llguidance


# Text whose bytes a byte-level vocabulary writes as other characters (space as "Ġ", newline as "Ċ", non-ASCII as
# two symbols): llguidance's view of a tokenizer must give back exactly these bytes for the ids the tokenizer makes.
PROBE_TEXT = ' {"tool": "a b",\n\t"x": [1, 2]}  café, naïve – ok'


def llguidance_tokenizer(tokenizer, eos_ids=()):
    """llguidance's view of a Hugging Face fast tokenizer, checked to read every token as the bytes it stands for.

    llguidance works out each token's bytes from the tokenizer's *decoder*, and recognises a byte-level vocabulary
    (GPT-2 style: "Ġ" is a space) only when the decoder is ``ByteLevel``. transformers 5.15 (Colab, 2026-12) writes
    the offline model's tokenizer, converted from its GGUF file, with the decoder ``Sequence[ByteFallback, Fuse,
    Replace("▁", " "), ByteLevel]``: decoding text is unchanged (the first three steps do nothing to a byte-level
    vocabulary), but llguidance then reads "Ġ" as the two bytes of "Ġ", so every token holding a space or a newline
    has the wrong bytes, a forced tool call's prefix ``{"tool": "`` is refused ('token "Ġ\"" doesn't satisfy the
    grammar') and no schema with a space can be followed. transformers 5.25 writes ``ByteLevel`` alone. So the view is
    checked on :data:`PROBE_TEXT`; when it reads wrong and the decoder is a sequence around a ``ByteLevel`` step (with
    a ``ByteLevel`` pre-tokenizer), it is built again with that step as the decoder. Any other mismatch is refused
    with a clear error instead of masks that silently forbid the right tokens."""
    llg = _llguidance()
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:  # llguidance reads "fast" (Rust) tokenizers only
        raise StructuredOutputError(f"Structured outputs offline need a fast tokenizer for the local model (got "
                                    f"{type(tokenizer).__name__}); load the model with AutoTokenizer (use_fast=True).")
    backend = copy.copy(backend)
    backend.no_padding()
    backend.no_truncation()
    spec = json.loads(backend.to_str())  # with the added tokens of tokenizer_config.json, as llguidance.hf does
    eos = list(eos_ids) or tokenizer.eos_token_id
    probe = tokenizer(PROBE_TEXT, add_special_tokens=False).input_ids
    read = b""
    for candidate in (spec, _with_byte_level_decoder(spec)):
        if candidate is None:
            continue
        try:
            view = llg.LLTokenizer(json.dumps(candidate), eos_token=eos)
        except ValueError as exc:  # "can't determine decoder type"
            read = str(exc).encode()
            continue
        read = view.decode_bytes(probe)
        if read == PROBE_TEXT.encode("utf-8"):
            return view
    raise StructuredOutputError(
        f"Structured outputs offline: the grammar library ({LIBRARY}) reads the local model's tokens as other bytes "
        f"than the tokenizer writes ({read[:60]!r} for {PROBE_TEXT[:40]!r}), so it cannot constrain this model. Run "
        f"the cell with an API key, or report the versions of transformers, tokenizers and {LIBRARY}.")


def _with_byte_level_decoder(spec: dict) -> dict | None:
    """``spec`` with its ``Sequence`` decoder reduced to the sequence's ``ByteLevel`` step, when the pre-tokenizer is
    byte-level too (so the vocabulary is byte-level and that step alone decodes it); else None."""
    def steps(node, key):
        if not isinstance(node, dict):
            return []
        return node.get(key, []) if node.get("type") == "Sequence" else [node]

    decoder, pre = spec.get("decoder"), spec.get("pre_tokenizer")
    if not isinstance(decoder, dict) or decoder.get("type") != "Sequence":
        return None
    if not any(step.get("type") == "ByteLevel" for step in steps(pre, "pretokenizers")):
        return None
    byte_level = next((step for step in steps(decoder, "decoders") if step.get("type") == "ByteLevel"), None)
    return None if byte_level is None else dict(spec, decoder=byte_level)


class _TokenizerGrammars:
    """The llguidance view of one tokenizer and the grammars compiled for it (least recently used dropped)."""

    def __init__(self, tokenizer, eos_ids: tuple[int, ...]):
        self.llg = _llguidance()
        self.tokenizer = llguidance_tokenizer(tokenizer, eos_ids)
        self.compiled: OrderedDict[str, Constraint] = OrderedDict()

    def prefix_tokens(self, prefix: str) -> list[int]:
        """Tokens that spell ``prefix`` exactly (no special token, no added leading space): the tokenizer's own,
        else the vocabulary's greedy split. The grammar reads bytes, so any exact spelling leaves it in the same
        state."""
        wanted = prefix.encode("utf-8")
        ids = self.tokenizer.tokenize_str(prefix)
        if self.tokenizer.decode_bytes(ids) != wanted:
            ids = self.tokenizer.greedy_tokenize(prefix)
        if self.tokenizer.decode_bytes(ids) != wanted:
            raise StructuredOutputError(f"The local model's vocabulary cannot spell the reply prefix {prefix!r}.")
        return ids


_PER_TOKENIZER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _grammars_for(tokenizer, eos_ids) -> _TokenizerGrammars:
    eos = tuple(sorted(int(e) for e in eos_ids))
    with _LOCK:
        entry = _PER_TOKENIZER.get(tokenizer)
        if entry is None or entry[0] != eos:
            entry = (eos, _TokenizerGrammars(tokenizer, eos))
            _PER_TOKENIZER[tokenizer] = entry
        return entry[1]


def schema_key(grammar: str, prefix: str = "") -> str:
    """The cache key of a grammar: a hash of its canonical text and the reply prefix it starts after."""
    return hashlib.sha256(json.dumps([grammar, prefix], sort_keys=True).encode()).hexdigest()[:32]


class Constraint:
    """A grammar compiled for one tokenizer, in the state after ``prefix`` (a reply prefill it continues). Immutable
    and shared: :meth:`start` gives each generation its own state. LocalEngine takes it as ``constraint=``."""

    def __init__(self, matcher, vocab_size: int, description: str, key: str):
        self._matcher, self.vocab_size, self.description, self.key = matcher, vocab_size, description, key
        self._lock = threading.Lock()

    def start(self) -> ConstraintState:
        with self._lock:
            return ConstraintState(self._matcher.deep_copy(), self.vocab_size)

    def __repr__(self) -> str:
        return f"Constraint({self.description}, key={self.key[:8]})"


class ConstraintState:
    """One generation's place in the grammar: :meth:`mask` the logits, then :meth:`advance` with the chosen token."""

    def __init__(self, matcher, vocab_size: int):
        import numpy as np

        self._matcher, self.vocab_size = matcher, vocab_size
        self._bits = np.full(((vocab_size + 31) // 32,), -1, dtype="<i4")

    def allowed(self):
        """A bool numpy array over the tokenizer's vocabulary: True where the grammar allows the token next."""
        import numpy as np

        self._matcher.unsafe_compute_mask_ptr(self._bits.ctypes.data, self._bits.nbytes)
        if self._matcher.is_error():
            raise ConstraintError(f"the grammar is in an error state: {self._matcher.get_error()}")
        return np.unpackbits(self._bits.view(np.uint8), bitorder="little")[:self.vocab_size].astype(bool)

    def mask(self, logits):
        """``logits`` (a 1-D torch tensor over the model's vocabulary) with every token the grammar forbids set to
        -inf; ids past the tokenizer's vocabulary (padding rows of the embedding) are forbidden too."""
        import torch

        allowed = torch.zeros(logits.shape[-1], dtype=torch.bool)
        keep = self.allowed()
        allowed[:min(len(keep), logits.shape[-1])] = torch.from_numpy(keep[:logits.shape[-1]])
        return logits.masked_fill(~allowed.to(logits.device), float("-inf"))

    def advance(self, token_id: int) -> None:
        if not self._matcher.consume_token(int(token_id)):
            raise ConstraintError(f"the grammar refused token {token_id}: {self._matcher.get_error()}")

    @property
    def accepting(self) -> bool:
        """True when the text so far is complete (end of sequence allowed)."""
        return self._matcher.is_accepting()


def _compile(tokenizer, eos_ids, grammar: str, description: str, prefix: str = "") -> Constraint:
    grammars = _grammars_for(tokenizer, eos_ids)
    key = schema_key(grammar, prefix)
    with _LOCK:
        if key in grammars.compiled:
            grammars.compiled.move_to_end(key)
            return grammars.compiled[key]
    llg = grammars.llg
    failed, messages = llg.LLMatcher.validate_grammar_with_warnings(grammar, grammars.tokenizer)
    if failed:
        raise StructuredOutputError(f"The course's offline model could not compile this schema into a grammar "
                                    f"({messages[0]}). Simplify the schema, or run the cell with an API key.")
    matcher = llg.LLMatcher(grammars.tokenizer, grammar, log_level=0)
    if prefix and not matcher.consume_tokens(grammars.prefix_tokens(prefix)):
        raise StructuredOutputError(f"The reply prefix {prefix!r} does not fit the schema: {matcher.get_error()}")
    constraint = Constraint(matcher, grammars.tokenizer.vocab_size, description, key)
    with _LOCK:
        grammars.compiled[key] = constraint
        while len(grammars.compiled) > CACHE_SIZE:
            grammars.compiled.popitem(last=False)
    return constraint


def _json_grammar(schema: dict) -> str:
    return _llguidance().LLMatcher.grammar_from_json_schema(schema, defaults=JSON_LAYOUT)


def unsupported_keywords(schema: dict) -> list[str]:
    """What llguidance would ignore in ``schema`` (it compiles leniently and reports them): unknown string formats
    are annotations (validators ignore them too), anything else would loosen the guarantee."""
    return list(_loose_parts(json.dumps(schema, sort_keys=True)))


@functools.lru_cache(maxsize=256)
def _loose_parts(schema_json: str) -> tuple[str, ...]:
    llg = _llguidance()
    failed, messages = llg.LLMatcher.validate_grammar_with_warnings(llg.LLMatcher.grammar_from_json_schema(
        schema_json, defaults=JSON_LAYOUT))
    return tuple(m for m in messages if failed or not m.startswith("Unknown format"))


def compile_json_schema(tokenizer, schema: dict, *, eos_ids=(), strict: bool = True) -> Constraint:
    """A constraint for replies that are JSON satisfying ``schema`` (compiled once per tokenizer and schema).
    ``strict``: refuse a schema with keywords the compiler cannot enforce, instead of ignoring them."""
    if not isinstance(schema, dict):
        raise StructuredOutputError("The schema must be a JSON object (a dict).")
    if strict:
        loose = unsupported_keywords(schema)
        if loose:
            raise StructuredOutputError(f"The course's offline model cannot enforce every keyword of this schema "
                                        f"({loose[0]}). Remove that keyword, or run the cell with an API key.")
    return _compile(tokenizer, eos_ids, _json_grammar(schema), f"json_schema {schema.get('title', '')}".strip())


def compile_tool_call(tokenizer, tools: list[local_tools.Tool], choice: local_tools.ToolChoice, *, prefix: str = "",
                      eos_ids=(), strict_names: frozenset = frozenset(),
                      answer: OutputFormat | None = None) -> Constraint:
    """A constraint for the local model's tool-call line ``{"tool": <name>, "arguments": {...}}`` (the protocol of
    helpers.local_tools), arguments satisfying the tool's schema, continuing after ``prefix`` (the server's forced
    prefill). With ``choice`` "auto" the reply may instead be a plain answer without "{" (or JSON in ``answer``'s
    format)."""
    allowed = [t for t in tools if choice.mode != "tool" or t.name == choice.name]
    calls = [_call_schema(t, t.name in strict_names) for t in allowed]
    call = calls[0] if len(calls) == 1 else {"anyOf": calls}
    names = ",".join(t.name for t in allowed)
    if choice.mode in ("tool", "any"):
        return _compile(tokenizer, eos_ids, _json_grammar(call), f"tool call ({names})", prefix)
    reply = f"%json {json.dumps(dict(answer.schema, **{'x-guidance': JSON_LAYOUT}))}" if answer else "TEXT"
    lark = (f"start: call | answer\ncall: %json {json.dumps(dict(call, **{'x-guidance': JSON_LAYOUT}))}\n"
            f"answer: {reply}\nTEXT: /[^{{]+/\n")
    grammar = _llguidance().LLMatcher.grammar_from_lark(lark)
    return _compile(tokenizer, eos_ids, grammar, f"tool call ({names}) or answer", prefix)


def _call_schema(tool: local_tools.Tool, strict: bool) -> dict:
    """The JSON schema of one call line; a non-strict tool whose schema the compiler cannot enforce takes any
    arguments object (as the real API's non-strict mode guarantees nothing)."""
    arguments = copy.deepcopy(tool.schema) if isinstance(tool.schema, dict) else {"type": "object"}
    if not strict and unsupported_keywords(arguments):
        arguments = {"type": "object"}
    return {"type": "object", "properties": {"tool": {"const": tool.name}, "arguments": arguments},
            "required": ["tool", "arguments"], "additionalProperties": False}


def request_constraint(engine, body: dict, flavour: str, tools=None) -> Constraint | None:
    """The constraint a request asks for, or None for free text: a forced tool call (``tools.prefill`` set) or any
    call when a tool is ``strict``, arguments satisfying their schemas; else the response format. ``tools`` is the
    server's tool context (``.tools``, ``.choice``, ``.prefill``, ``.active``)."""
    strict = frozenset(strict_tool_names(body, flavour))
    output = requested_output(body, flavour)
    eos = tuple(getattr(engine, "eos_ids", ()))
    if tools is not None and tools.active:
        if not (tools.prefill or strict or output is not None):
            return None  # an auto choice among non-strict tools: the model writes what it likes, as before
        if not (strict or output is not None or library_available()):
            return None  # a forced call without the library: the prefill alone forces it, as before llguidance
        return compile_tool_call(engine.tokenizer, tools.tools, tools.choice, prefix=tools.prefill, eos_ids=eos,
                                 strict_names=strict, answer=output)
    if output is None:
        return None
    return compile_json_schema(engine.tokenizer, output.schema, eos_ids=eos, strict=output.strict)


def system_with_instruction(system_text: str, body: dict, flavour: str) -> str:
    """``system_text`` followed by the schema instruction of the request's response format, if it has one."""
    output = requested_output(body, flavour)
    extra = output.instruction if output is not None else ""
    if not extra:
        return system_text
    return f"{system_text}\n\n{extra}" if system_text else extra


def chat_with_instruction(chat: list[dict], body: dict, flavour: str) -> list[dict]:
    """``chat`` (``{"role", "content"}`` turns) with the response format's schema instruction added to its first
    system turn (or a new one), when the request names a format."""
    extra = system_with_instruction("", body, flavour)
    if not extra:
        return chat
    if chat and chat[0]["role"] == "system":
        return [{"role": "system", "content": chat[0]["content"] + "\n\n" + extra}] + chat[1:]
    return [{"role": "system", "content": extra}] + chat
