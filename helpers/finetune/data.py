"""Fine-tuning data: validate a chat JSONL file line by line, clean it, count its tokens, price the training.

Taught in notebooks/07_finetuning_data_and_api.ipynb, where the validator is first written out in a few dozen lines;
this module is the same idea, hardened: it never crashes on a file (binary data, a truncated last line, a 100 MB
line, the wrong encoding: each becomes a reported problem with its line number).

Two kinds of rules:
- format rules (severity "error"): the fine-tuning API refuses a file with any of these;
- quality gates (severity "warning"): the API accepts the line, but it teaches the model the wrong thing
  (hedging, one-word answers, duplicates, test examples leaking into training, ...). The gates are configurable.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from helpers.files import atomic_path

ALLOWED_TOP_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})
ALLOWED_MESSAGE_KEYS = frozenset({"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call"})
ALLOWED_ROLES = frozenset({"system", "user", "assistant", "tool"})
HEDGING_PHRASES = ("not sure", "i think maybe", "probably", "i guess", "hard to say")
BINARY_MAGIC = {b"PK\x03\x04": "a zip archive (an .xlsx or .docx file?)", b"\x89PNG": "a PNG image",
                b"%PDF": "a PDF document", b"\x1f\x8b": "a gzip archive", b"\xd0\xcf\x11\xe0": "an old Office file"}

FORMAT_RULES = {  # the API refuses the whole file when one line has one of these
    "binary_file": "the file is not text (an archive, an image, a spreadsheet)",
    "encoding": "the line is not valid UTF-8 text",
    "line_too_long": "the line is longer than max_line_bytes (it was skipped, not read)",
    "blank_line": "an empty line (every line must be one example)",
    "not_json": "json.loads fails (truncated line, single quotes, trailing comma, NaN)",
    "not_dict": "valid JSON but not an object (a list, a string, a number)",
    "missing_messages": "no `messages` list",
    "unrecognised_keys": "a key the chat format does not know (top level or in a message)",
    "missing_role": "a message without `role`",
    "unknown_role": "a role other than system, user, assistant, tool",
    "missing_content": "a message without `content`",
    "bad_content": "content that is not a string (or a list of text parts)",
    "empty_content": "a system or user message with empty content",
    "empty_assistant": "an assistant message with empty or blank content",
    "no_assistant": "no assistant message to learn from (or every one has weight 0)",
    "bad_weight": "a `weight` other than the integers 0 and 1",
    "bad_tool_calls": "`tool_calls` that is not a list of {id, type: function, function: {name, arguments}} calls, "
                      "or a `function_call` that is not {name, arguments} (arguments a JSON string)",
    "missing_tool_call_id": "a tool message without a `tool_call_id` string naming the call it answers",
    "bad_tools": "`tools` that is not a list of {type: function, function: {name, ...}} definitions, or "
                 "`parallel_tool_calls` that is not true or false",
}
QUALITY_RULES = {  # accepted by the API; filtered by the quality gates
    "missing_required_role": "a role the gates require (e.g. system) is absent",
    "hedging": "the answer hedges (I'm not sure, probably, ...)",
    "short_answer": "the answer has fewer than min_answer_words words",
    "answer_not_json": "the answer is not a JSON object, and the gates want JSON answers (answer_json=True)",
    "too_long": "more than max_words words in the whole conversation",
    "over_context": "more tokens than the training context limit (max_tokens)",
    "duplicate": "the same line as an earlier one",
    "near_duplicate": "the same conversation as an earlier one up to case and spacing, or nearly the same text",
    "leakage": "the user message also appears in the test file",
    "duplicate_keys": "a key given twice in one JSON object: only the last value counts",
}
RULES = {**FORMAT_RULES, **QUALITY_RULES}


@dataclass(frozen=True)
class Gates:
    """The configurable quality gates (the seed's gates, with their thresholds as settings)."""

    required_roles: tuple[str, ...] = ()  # e.g. ("system", "user"): each must appear in every example
    min_answer_words: int = 4  # the last trained answer must have at least this many words
    answer_json: bool = False  # structured-output tasks: the last trained answer must be a JSON object
    hedging_phrases: tuple[str, ...] = HEDGING_PHRASES  # lower-case substrings of a hedging answer
    max_words: int = 5000  # words over all messages
    max_tokens: int | None = None  # training context limit; checked when validate_jsonl gets count_tokens
    near_duplicate_similarity: float | None = None  # e.g. 0.9: also flag text this similar (Jaccard of
    #                                                 character 5-grams); None: only case and spacing differ
    leakage_similarity: float | None = 0.9  # a training user message this similar to a test one is a leak
    max_line_bytes: int = 5_000_000  # longer lines are skipped unread (65,536 tokens is about 0.3 MB of text)


@dataclass(frozen=True)
class Problem:
    """One problem on one line (1-based) of the file."""

    line: int
    rule: str
    message: str
    severity: str = "error"  # "error": the API refuses the file; "warning": a quality gate
    other_line: int | None = None  # the earlier line a duplicate repeats, the test line a leak matches


@dataclass
class Report:
    """What :func:`validate_jsonl` found: every problem with its line, and the parsed examples."""

    path: Path
    lines: int
    problems: list[Problem]
    examples: dict[int, dict] = field(repr=False, default_factory=dict)  # line -> parsed object (dict lines)
    texts: dict[int, str] = field(repr=False, default_factory=dict)  # line -> decoded text (readable lines)

    @property
    def ok(self) -> bool:
        """True when the API would accept the file (no format error; quality warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)

    def lines_with(self, rules: Iterable[str] | None = None, severity: str | None = None) -> set[int]:
        wanted = set(rules) if rules is not None else None
        return {p.line for p in self.problems
                if (wanted is None or p.rule in wanted) and (severity is None or p.severity == severity)}

    @property
    def good_lines(self) -> list[int]:
        bad = self.lines_with()
        return [n for n in range(1, self.lines + 1) if n not in bad]

    def table(self):
        """Every problem as a DataFrame (line, rule, severity, message, other_line)."""
        import pandas as pd

        return pd.DataFrame([p.__dict__ for p in self.problems],
                            columns=["line", "rule", "severity", "message", "other_line"])

    def summary(self):
        """One row per rule found: how many lines, which ones (first ten) and what the rule means."""
        import pandas as pd

        rows = []
        for rule in RULES:
            lines = sorted({p.line for p in self.problems if p.rule == rule})
            if lines:
                shown = ", ".join(map(str, lines[:10])) + (" ..." if len(lines) > 10 else "")
                rows.append({"rule": rule, "severity": "error" if rule in FORMAT_RULES else "warning",
                             "lines": len(lines), "line numbers": shown, "meaning": RULES[rule]})
        return pd.DataFrame(rows, columns=["rule", "severity", "lines", "line numbers", "meaning"])

    def __str__(self) -> str:
        bad = self.lines_with()
        return (f"{self.path.name}: {self.lines} lines, {len(self.good_lines)} clean, {len(bad)} with problems "
                f"({len(self.lines_with(severity='error'))} the API would refuse)")


# --- reading a file that may be anything ----------------------------------------------------------------------
def _sniff_binary(head: bytes) -> str | None:
    """What the file is, when its first bytes say it is not JSONL text."""
    for magic, what in BINARY_MAGIC.items():
        if head.startswith(magic):
            return what
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text: reported as an encoding problem instead
    if b"\x00" in head[:8192]:
        return "binary data (it contains NUL bytes)"
    return None


def _raw_lines(path: Path, max_line_bytes: int) -> Iterator[tuple[int, bytes | None, int, bool]]:
    """(line number, bytes without the line break or None when too long, size in bytes, ended with a newline).
    A line longer than ``max_line_bytes`` is skipped in 1 MB chunks, never held in memory."""
    with path.open("rb") as handle:
        number = 0
        while True:
            chunk = handle.readline(max_line_bytes + 1)
            if not chunk:
                return
            number += 1
            if len(chunk) > max_line_bytes and not chunk.endswith(b"\n"):
                size, ended = len(chunk), False
                while True:
                    more = handle.readline(1 << 20)
                    size += len(more)
                    if not more or more.endswith(b"\n"):
                        ended = bool(more)
                        break
                yield number, None, size, ended
                continue
            ended = chunk.endswith(b"\n")
            yield number, chunk.rstrip(b"\r\n") if ended else chunk, len(chunk), ended


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def parse_line(text: str) -> tuple[object | None, str | None]:
    """(the parsed value, None) or (None, why it is not JSON). Never raises: NaN, absurd nesting and
    oversized numbers are refused the way a strict JSON parser refuses them."""
    value, error, _ = parse_line_with_duplicates(text)
    return value, error


def parse_line_with_duplicates(text: str) -> tuple[object | None, str | None, list[tuple[dict, list[str]]]]:
    """Like :func:`parse_line`, plus every object that gave a key twice, with those keys (``json.loads`` keeps
    the last value silently; the validator warns)."""
    repeated: list[tuple[dict, list[str]]] = []

    def keep_pairs(pairs: list[tuple[str, object]]) -> dict:
        obj = dict(pairs)
        if len(obj) < len(pairs):
            counts = Counter(key for key, _ in pairs)
            repeated.append((obj, sorted(key for key, n in counts.items() if n > 1)))
        return obj

    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=keep_pairs), None, repeated
    except json.JSONDecodeError as exc:
        return None, f"{exc.msg} at character {exc.pos}", []
    except RecursionError:
        return None, "nested too deeply to read", []
    except ValueError as exc:  # NaN/Infinity, integers too long to convert
        return None, str(exc), []


def _where(obj, target: dict) -> str:
    """Where ``target`` sits in a parsed line, for messages: 'the line', 'messages[2]', 'tools[0]', ..."""
    if target is obj:
        return "the line's top-level object"
    if isinstance(obj, dict):
        for key in ("messages", "tools"):
            items = obj.get(key)
            for i, item in enumerate(items if isinstance(items, list) else []):
                if item is target:
                    return f"{key}[{i}]"
    return "a nested object"


# --- one example ----------------------------------------------------------------------------------------------
def content_text(content) -> str | None:
    """The text of a message's content: a string, or a list of text parts joined; None when it is neither."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") == "text"
                                         and isinstance(p.get("text"), str) for p in content):
        return "".join(p["text"] for p in content)
    return None


def trained_answers(messages: list) -> list[str]:
    """Texts of the assistant messages the model learns from (weight absent or 1)."""
    return [content_text(m.get("content")) or "" for m in messages
            if isinstance(m, dict) and m.get("role") == "assistant" and m.get("weight", 1) == 1]


# --- tool calls (OpenAI's chat fine-tuning format: an assistant message's tool_calls, a tool message answering a
# call by its id, the top-level tools list; as_of 2026-12-05, source: OpenAI API reference FineTuneChatRequestInput
# and ChatCompletionMessageToolCall, and Azure OpenAI's "Fine-tuning and tool calling" page) --------------------------
def _function_problem(value, what: str) -> str | None:
    """Why ``value`` is not a {name, arguments} function call (arguments a JSON string), or None."""
    if not isinstance(value, dict):
        return f"{what} is a JSON {type(value).__name__}, not an object {{name, arguments}}"
    if not isinstance(value.get("name"), str) or not value["name"].strip():
        return f"{what} needs a `name` string"
    if not isinstance(value.get("arguments"), str):
        kind = type(value.get("arguments")).__name__
        return f"{what} needs `arguments` as a JSON string (e.g. '{{\"id\": 1}}'), not a {kind}"
    return None


def _tool_message_problems(message: dict, i: int, role) -> list[tuple[str, str]]:
    """Problems of one message's tool_calls, function_call and tool_call_id."""
    found = []
    if "tool_calls" in message:
        calls = message["tool_calls"]
        if not isinstance(calls, list):
            found.append(("bad_tool_calls", f"messages[{i}] `tool_calls` is a JSON {type(calls).__name__}, not a "
                                            "list of calls"))
        else:
            for j, call in enumerate(calls):
                where = f"messages[{i}].tool_calls[{j}]"
                if not isinstance(call, dict) or not isinstance(call.get("id"), str) or call.get("type") != "function":
                    why = f"{where} needs an `id` string and `type`: \"function\""
                else:
                    why = _function_problem(call.get("function"), f"{where}.function")
                if why:
                    found.append(("bad_tool_calls", why))
                    break
    if "function_call" in message:
        why = _function_problem(message["function_call"], f"messages[{i}] `function_call`")
        if why:
            found.append(("bad_tool_calls", why))
    if role == "tool" and (not isinstance(message.get("tool_call_id"), str) or not message["tool_call_id"].strip()):
        found.append(("missing_tool_call_id", f"messages[{i}] (tool) has no `tool_call_id` string: give the id of "
                                              "the assistant's call it answers"))
    return found


def _tools_problems(obj: dict) -> list[tuple[str, str]]:
    """Problems of the top-level tools list and parallel_tool_calls flag."""
    found = []
    if "tools" in obj:
        tools = obj["tools"]
        if not isinstance(tools, list):
            found.append(("bad_tools", f"`tools` is a JSON {type(tools).__name__}, not a list of definitions"))
        else:
            for j, tool in enumerate(tools):
                function = tool.get("function") if isinstance(tool, dict) else None
                if (not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict)
                        or not isinstance(function.get("name"), str)
                        or not isinstance(function.get("parameters", {}), dict)):
                    found.append(("bad_tools", f"tools[{j}] is not {{\"type\": \"function\", \"function\": "
                                               "{\"name\": ..., \"parameters\": {...}}}"))
                    break
    if "parallel_tool_calls" in obj and not isinstance(obj["parallel_tool_calls"], bool):
        found.append(("bad_tools", f"`parallel_tool_calls` is {json.dumps(obj['parallel_tool_calls'])[:40]}; use "
                                   "true or false"))
    return found


def check_example(obj, gates: Gates = Gates()) -> list[tuple[str, str]]:
    """(rule, message) for every problem of one parsed line, format rules first, then the per-line gates."""
    if not isinstance(obj, dict):
        return [("not_dict", f"the line is a JSON {type(obj).__name__}, not an object with a `messages` list")]
    found = []
    extra = sorted(set(obj) - ALLOWED_TOP_KEYS)
    if extra:
        hint = " (the legacy prompt/completion format: convert it to messages)" if "prompt" in extra else ""
        found.append(("unrecognised_keys", f"unrecognised top-level key(s) {', '.join(map(repr, extra))}{hint}"))
    found += _tools_problems(obj)
    messages = obj.get("messages")
    if not isinstance(messages, list):
        what = "no `messages` key" if "messages" not in obj else f"`messages` is a {type(messages).__name__}"
        return found + [("missing_messages", f"{what}; expected a list of {{role, content}} messages")]
    roles, words = [], 0
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            found.append(("not_dict", f"messages[{i}] is a JSON {type(message).__name__}, not an object"))
            continue
        unknown = sorted(set(message) - ALLOWED_MESSAGE_KEYS)
        if unknown:
            found.append(("unrecognised_keys", f"messages[{i}] has unrecognised key(s) {', '.join(map(repr, unknown))}"))
        role = message.get("role")
        roles.append(role)
        if "role" not in message:
            found.append(("missing_role", f"messages[{i}] has no `role`"))
        elif not isinstance(role, str) or role not in ALLOWED_ROLES:
            found.append(("unknown_role", f"messages[{i}] has role {json.dumps(role)[:60]}; use one of the strings "
                                          "system, user, assistant, tool"))
        found += _tool_message_problems(message, i, role)
        if "weight" in message and not (type(message["weight"]) is int and message["weight"] in (0, 1)):
            found.append(("bad_weight", f"messages[{i}] has weight {message['weight']!r}; use the integer 0 or 1"))
        if "content" not in message:
            if not (role == "assistant" and (message.get("tool_calls") or message.get("function_call"))):
                found.append(("missing_content", f"messages[{i}] ({role}) has no `content`"))
            continue
        text = content_text(message["content"])
        if text is None:
            if not (message["content"] is None and role == "assistant" and message.get("tool_calls")):
                found.append(("bad_content", f"messages[{i}] content is a {type(message['content']).__name__}, "
                                             "not a string"))
            continue
        words += len(text.split())
        if not text.strip():
            rule = "empty_assistant" if role == "assistant" else "empty_content"
            found.append((rule, f"messages[{i}] ({role}) has empty content"))
    assistants = [m for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]
    if not assistants:
        found.append(("no_assistant", "no assistant message: there is no answer to learn"))
    elif all(m.get("weight", 1) == 0 for m in assistants):
        found.append(("no_assistant", "every assistant message has weight 0: there is no answer to learn"))
    for role in gates.required_roles:
        if role not in roles:
            found.append(("missing_required_role", f"no {role} message (required by the gates)"))
    answers = [a for a in trained_answers(messages) if a.strip()]
    if answers:
        last = answers[-1]
        hedges = [h for h in gates.hedging_phrases if h in last.lower()]
        if hedges:
            found.append(("hedging", f"the answer hedges ({', '.join(map(repr, hedges))}): {last[:80]!r}"))
        if len(last.split()) < gates.min_answer_words:
            found.append(("short_answer", f"the answer has {len(last.split())} word(s), fewer than "
                                          f"{gates.min_answer_words}: {last[:40]!r}"))
        if gates.answer_json and not isinstance(parse_line(last)[0], dict):
            found.append(("answer_not_json", f"the answer is not a JSON object: {last[:40]!r}"))
    if words > gates.max_words:
        found.append(("too_long", f"{words:,} words in the conversation, more than {gates.max_words:,}"))
    return found


# --- duplicates and leakage -----------------------------------------------------------------------------------
def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def conversation_key(messages: list) -> str:
    """The conversation with every content lower-cased and its spacing collapsed: equal keys = near-duplicates."""
    return json.dumps([(m.get("role"), _normal(str(m.get("content", "")))) for m in messages if isinstance(m, dict)])


def _shingles(text: str, k: int = 5) -> frozenset[str]:
    text = _normal(text)
    return frozenset(text[i:i + k] for i in range(max(1, len(text) - k + 1)))


def exact_similar_pairs(texts: dict[int, str], threshold: float, others: dict[int, str] | None = None,
                        ) -> list[tuple[int, int, float]]:
    """The reference for :func:`similar_pairs`, with the same answer format, and exact: two sets this similar
    must share one of their rarest shingles (prefix filtering), so only those candidates are compared. Fast when
    rare shingles are rare; on varied text written with a common vocabulary every shingle is common and it turns
    quadratic (16,000 lines: minutes). Kept for tests and benchmarks."""
    sets = {i: _shingles(t) for i, t in texts.items()}
    other_sets = {i: _shingles(t) for i, t in (others or {}).items()}
    freq = Counter(s for group in (sets, other_sets) for shingles in group.values() for s in shingles)

    def prefix(shingles: frozenset[str]) -> list[str]:
        ordered = sorted(shingles, key=lambda s: (freq[s], s))
        return ordered[:len(ordered) - math.ceil(threshold * len(ordered)) + 1]

    index: dict[str, list[int]] = {}
    pool = other_sets if others is not None else sets
    if others is not None:
        for j, shingles in other_sets.items():
            for s in prefix(shingles):
                index.setdefault(s, []).append(j)
    pairs = []
    for i in sorted(sets):
        mine = sets[i]
        candidates = {j for s in prefix(mine) for j in index.get(s, ())}
        best = None
        for j in sorted(candidates):
            theirs = pool[j]
            if min(len(mine), len(theirs)) < threshold * max(len(mine), len(theirs)):
                continue
            score = len(mine & theirs) / len(mine | theirs)
            if score >= threshold and (best is None or score > best[1]):
                best = (j, score)
        if best is not None:
            pairs.append((i, best[0], round(best[1], 3)))
        if others is None:
            for s in prefix(mine):
                index.setdefault(s, []).append(i)
    return pairs


MINHASH_BINS = 128   # signature length of similar_pairs' MinHash index (a power of two)
MINHASH_MISS = 1e-6  # at most this chance that a pair exactly at the threshold is never compared
_MINHASH_SEED = 0x5EED_2025_1205
_MINHASH_BATCH = 1 << 20  # characters hashed per numpy batch (memory: a few arrays of this many uint64)
_DENSIFY_PROBES = 32      # random probes per empty bin before falling back to the next full bin


def lsh_bands(threshold: float, bins: int = MINHASH_BINS, miss: float = MINHASH_MISS) -> tuple[int, int]:
    """(bands, rows per band) for a MinHash index: the most rows per band (fewest false candidates) such that a
    pair of Jaccard ``threshold`` still shares at least one band with probability >= 1 - ``miss``. A pair of
    Jaccard s shares a band with probability 1 - (1 - s**rows) ** bands."""
    best = (bins, 1)
    for rows in range(1, bins + 1):
        bands = bins // rows
        if (1 - threshold ** rows) ** bands <= miss:
            best = (bands, rows)
    return best


def _mix(values):
    """splitmix64's finaliser: spreads any 64-bit values over all 64 bits (numpy, in place)."""
    import numpy as np

    values += np.uint64(0x9E3779B97F4A7C15)
    values ^= values >> np.uint64(30)
    values *= np.uint64(0xBF58476D1CE4E5B9)
    values ^= values >> np.uint64(27)
    values *= np.uint64(0x94D049BB133111EB)
    values ^= values >> np.uint64(31)
    return values


def _shingle_values(norms: list[str], k: int = 5):
    """(text index, 64-bit hash) of every character k-gram of the already normalised texts, in one numpy pass
    (a polynomial rolling hash over code points, then mixed); a text shorter than k is one shingle, as in
    ``_shingles``."""
    import numpy as np

    lengths = np.fromiter(map(len, norms), dtype=np.int64, count=len(norms))
    codes = np.frombuffer("".join(norms).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    counts = np.maximum(lengths - k + 1, 1)
    owner = np.repeat(np.arange(len(norms)), counts)
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(counts.sum())
    base, n = np.uint64(0x100000001B3), max(len(codes) - k + 1, 0)
    rolling = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        rolling *= base
        rolling += codes[j:j + n]
        rolling += np.uint64(1)
    short = np.repeat(lengths < k, counts)
    hashes = np.zeros(len(first), dtype=np.uint64)
    hashes[~short] = rolling[first[~short]]
    for at in np.flatnonzero(short):  # a text shorter than k: the same hash of its few characters
        value = 0
        for char in norms[owner[at]]:
            value = (value * int(base) + ord(char) + 1) & 0xFFFF_FFFF_FFFF_FFFF
        hashes[at] = value
    return owner, _mix(hashes)


def _densify(signatures, empty) -> None:
    """Fill each empty bin from the first full bin of a fixed random probe sequence (optimal densification,
    Shrivastava 2017: two sets still agree on a bin with probability equal to their Jaccard); a bin whose probes
    all miss takes the next full bin to the right."""
    import numpy as np

    bins = signatures.shape[1]
    probes = np.random.default_rng(_MINHASH_SEED).integers(0, bins, size=(bins, _DENSIFY_PROBES))
    rows = np.flatnonzero((signatures == empty).any(axis=1))
    for chunk in np.array_split(rows, len(rows) // 2048 + 1):
        block = signatures[chunk]
        holes = block == empty
        hit = (~holes)[:, probes]  # (rows, bins, probes): is the probed bin full?
        first = hit.argmax(axis=2)
        found = np.take_along_axis(hit, first[..., None], axis=2)[..., 0]
        borrowed = np.take_along_axis(block, probes[np.arange(bins), first], axis=1)
        for row, i in zip(*np.nonzero(holes & ~found)):  # rare: a text with very few shingles
            full = np.roll(~holes[row], -(i + 1))
            borrowed[row, i] = block[row, (i + 1 + np.argmax(full)) % bins]
        block[holes] = borrowed[holes]
        signatures[chunk] = block


def minhash_signatures(texts: list[str], bins: int = MINHASH_BINS):
    """One-permutation MinHash signatures (one row per text): each character 5-gram is hashed once and falls in
    one of ``bins`` bins by its top bits; a bin keeps the smallest value. Work: O(characters), in numpy batches."""
    import numpy as np

    empty = np.uint64(np.iinfo(np.uint64).max)
    shift = np.uint64(64 - (bins.bit_length() - 1))
    low = np.uint64((1 << (64 - (bins.bit_length() - 1))) - 1)
    out = np.full((len(texts), bins), empty, dtype=np.uint64)
    norms = [_normal(t) for t in texts]
    start = 0
    while start < len(norms):
        stop, size = start + 1, len(norms[start])
        while stop < len(norms) and size + len(norms[stop]) <= _MINHASH_BATCH:
            size += len(norms[stop])
            stop += 1
        owner, values = _shingle_values(norms[start:stop])
        np.minimum.at(out[start:stop].reshape(-1), owner * bins + (values >> shift).astype(np.int64), values & low)
        start = stop
    _densify(out, empty)
    return out


def similar_pairs(texts: dict[int, str], threshold: float, others: dict[int, str] | None = None,
                  ) -> list[tuple[int, int, float]]:
    """(id, earlier or other id, Jaccard) for pairs whose character 5-gram sets have Jaccard >= threshold.
    Within ``texts`` (each id against the earlier ids, keeping the most similar), or each id of ``texts`` against
    ``others``; the same answers as :func:`exact_similar_pairs`.

    A MinHash index (locality-sensitive hashing) picks the pairs worth comparing, then each candidate's Jaccard is
    computed exactly, so a reported pair is always right; a pair exactly at the threshold escapes the index with
    probability at most ``MINHASH_MISS`` (more similar pairs far less). Complexity: O(total characters) to sign
    the texts (one-permutation MinHash, ``MINHASH_BINS`` bins), O(N x B) to bucket N texts in B bands of R rows
    (:func:`lsh_bands`), and O(C x L) to check the C candidate pairs of L shingles. A pair of Jaccard s is a
    candidate with probability 1 - (1 - s**R)**B, so on varied text C grows about linearly with N at thresholds
    of 0.8 and above, and so does the whole check (16,000 lines in seconds where the exact check took minutes).
    Low thresholds need short bands and give many more candidates."""
    bands, rows = lsh_bands(threshold)
    mine, theirs = sorted(texts), sorted(others or {})
    signatures = minhash_signatures([texts[n] for n in mine] + [others[n] for n in theirs])
    keys = [[(band, sig[band * rows:(band + 1) * rows].tobytes()) for band in range(bands)] for sig in signatures]
    cache: dict[tuple[bool, int], frozenset[str]] = {}

    def shingle_set(n: int, other: bool) -> frozenset[str]:
        if (other, n) not in cache:
            cache[other, n] = _shingles((others if other else texts)[n])
        return cache[other, n]

    buckets: dict[tuple[int, bytes], list[int]] = {}
    for at, n in enumerate(theirs, start=len(mine)):  # the other file is indexed first
        for key in keys[at]:
            buckets.setdefault(key, []).append(n)
    pairs = []
    for at, i in enumerate(mine):
        candidates = {j for key in keys[at] for j in buckets.get(key, ())}
        best = None
        for j in sorted(candidates):
            a, b = shingle_set(i, False), shingle_set(j, others is not None)
            if min(len(a), len(b)) < threshold * max(len(a), len(b)):
                continue
            score = len(a & b) / len(a | b)
            if score >= threshold and (best is None or score > best[1]):
                best = (j, score)
        if best is not None:
            pairs.append((i, best[0], round(best[1], 3)))
        if others is None:
            for key in keys[at]:
                buckets.setdefault(key, []).append(i)
    return pairs


def _user_text(obj: dict) -> str:
    return "\n".join(content_text(m.get("content")) or "" for m in obj.get("messages", [])
                     if isinstance(m, dict) and m.get("role") == "user")


def _dialogue_text(obj: dict) -> str:
    return "\n".join(content_text(m.get("content")) or "" for m in obj.get("messages", [])
                     if isinstance(m, dict) and m.get("role") != "system")


# --- the whole file -------------------------------------------------------------------------------------------
def validate_jsonl(path: str | Path, gates: Gates = Gates(), *, test_path: str | Path | None = None,
                   count_tokens: Callable[[dict], int] | None = None) -> Report:
    """Check every line of a chat fine-tuning JSONL file. Never raises on the file's content: every defect becomes
    a :class:`Problem` with its 1-based line number. ``test_path``: also flag training lines whose user message
    appears in that test file (leakage). ``count_tokens`` (example -> tokens) with ``gates.max_tokens``: also flag
    examples over the context limit."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (or is a folder). Check the path: a relative path starts "
                                "from the folder the notebook runs in (notebooks/).")
    problems: list[Problem] = []
    report = Report(path=path, lines=0, problems=problems)

    def add(line: int, rule: str, message: str, other: int | None = None) -> None:
        problems.append(Problem(line, rule, message, "error" if rule in FORMAT_RULES else "warning", other))

    with path.open("rb") as handle:
        head = handle.read(8192)
    binary = _sniff_binary(head)
    if binary:
        report.lines = 1
        add(1, "binary_file", f"this is {binary}, not a JSONL text file: export your examples as UTF-8 text, one "
                              "JSON object per line")
        return report
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        report.lines = 1
        add(1, "encoding", "the file is UTF-16 text; save it as UTF-8 (in most editors: Save As, encoding UTF-8)")
        return report

    seen_raw: dict[str, int] = {}
    seen_key: dict[str, int] = {}
    for number, raw, size, ended in _raw_lines(path, gates.max_line_bytes):
        report.lines = number
        if raw is None:
            add(number, "line_too_long", f"{size / 1e6:,.1f} MB on one line (the limit is "
                                         f"{gates.max_line_bytes / 1e6:,.1f} MB): split or shorten this example")
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte-order mark: harmless once removed (clean() writes the line without it)
        if b"\x00" in raw:
            add(number, "encoding", "the line contains NUL bytes (binary data), not text")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start:exc.start + 1].hex()
            add(number, "encoding", f"not valid UTF-8 (byte 0x{bad} at byte {exc.start}): the file was probably "
                                    "saved as Latin-1 or Windows-1252; re-save it as UTF-8")
            continue
        report.texts[number] = text
        if not text.strip():
            add(number, "blank_line", "an empty line: remove it (each line must be one JSON example)")
            continue
        obj, error, repeated = parse_line_with_duplicates(text)
        if error is not None:
            cut = "" if ended else "; it is the last line and has no line break, so the file looks cut off"
            add(number, "not_json", f"not valid JSON ({error}){cut}")
            continue
        duplicate_of = seen_raw.get(text)
        if duplicate_of is not None:
            add(number, "duplicate", f"identical to line {duplicate_of}", duplicate_of)
        else:
            seen_raw[text] = number
        rules = check_example(obj, gates)
        for rule, message in rules:
            add(number, rule, message)
        for holder, keys in repeated:
            add(number, "duplicate_keys", f"{_where(obj, holder)} gives the key(s) {', '.join(map(repr, keys))} "
                                          "more than once; only the last value counts: remove the others")
        if isinstance(obj, dict):
            report.examples[number] = obj
            if isinstance(obj.get("messages"), list):
                key = conversation_key(obj["messages"])
                if key in seen_key and duplicate_of is None:
                    add(number, "near_duplicate", f"the same conversation as line {seen_key[key]} up to case and "
                                                  "spacing", seen_key[key])
                seen_key.setdefault(key, number)
        if count_tokens is not None and gates.max_tokens and isinstance(obj, dict) and not any(
                r in FORMAT_RULES for r, _ in rules):
            tokens = count_tokens(obj)
            if tokens > gates.max_tokens:
                add(number, "over_context", f"{tokens:,} tokens, more than the {gates.max_tokens:,}-token limit "
                                            "(it would be truncated in training)")
    if report.lines == 0:
        report.lines = 1
        add(1, "blank_line", "the file is empty: it has no example at all")
    _flag_similar(report, gates, add)
    if test_path is not None:
        _flag_leakage(report, Path(test_path), gates, add)
    problems.sort(key=lambda p: (p.line, list(RULES).index(p.rule)))
    return report


def _flag_similar(report: Report, gates: Gates, add) -> None:
    """Near-duplicates by text similarity (lines not already flagged as duplicates of any kind)."""
    if not gates.near_duplicate_similarity:
        return
    flagged = report.lines_with({"duplicate", "near_duplicate"})
    texts = {n: _dialogue_text(obj) for n, obj in report.examples.items()
             if n not in flagged and isinstance(obj.get("messages"), list) and len(_normal(_dialogue_text(obj))) >= 5}
    for line, other, score in similar_pairs(texts, gates.near_duplicate_similarity):
        add(line, "near_duplicate", f"{score:.0%} similar to line {other} (character 5-grams)", other)


def _flag_leakage(report: Report, test_path: Path, gates: Gates, add) -> None:
    test = validate_jsonl(test_path, Gates(max_line_bytes=gates.max_line_bytes))
    test_users = {n: _user_text(obj) for n, obj in test.examples.items() if isinstance(obj.get("messages"), list)}
    exact = {}
    for n, text in test_users.items():
        exact.setdefault(_normal(text), n)
    train_users = {n: _user_text(obj) for n, obj in report.examples.items()
                   if isinstance(obj.get("messages"), list) and _user_text(obj).strip()}
    leaked = set()
    for n, text in train_users.items():
        if _normal(text) in exact:
            leaked.add(n)
            add(n, "leakage", f"the user message is also test line {exact[_normal(text)]} of {test_path.name}: "
                              "remove it from training, or the test score is inflated", exact[_normal(text)])
    if gates.leakage_similarity:
        rest = {n: t for n, t in train_users.items() if n not in leaked}
        for line, other, score in similar_pairs(rest, gates.leakage_similarity, others=test_users):
            add(line, "leakage", f"the user message is {score:.0%} similar to test line {other} of "
                                 f"{test_path.name}", other)


# --- cleaning -------------------------------------------------------------------------------------------------
@dataclass
class CleanResult:
    """What :func:`clean` wrote: the kept lines, the rejected ones (with their problems) and the counts."""

    source: Path
    out: Path
    rejected: Path
    kept: int
    dropped: int
    by_rule: Counter

    def __str__(self) -> str:
        return (f"kept {self.kept} of {self.kept + self.dropped} lines -> {self.out.name}; {self.dropped} rejected "
                f"-> {self.rejected.name}")


def _atomic_write(path: Path, lines: Iterable[str]) -> None:
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:  # helpers.files
        for line in lines:
            handle.write(line + "\n")


def write_jsonl(path: str | Path, rows: Iterable, *, overwrite: bool = False) -> Path:
    """Write rows (dicts, or ready-made JSON strings) one per line, atomically (temp file + rename). Refuses to
    replace an existing file unless ``overwrite=True``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it, or choose another name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows))
    return path


def clean(path: str | Path, *, drop: str | Iterable[str] = "all", report: Report | None = None,
          gates: Gates = Gates(), test_path: str | Path | None = None, out: str | Path | None = None,
          overwrite: bool = False) -> CleanResult:
    """Write the lines of ``path`` that pass beside it as ``<name>.clean.jsonl`` and the others as
    ``<name>.rejected.jsonl`` (line number, problems, text), so nothing is lost. The original is never touched.
    ``drop``: "all" (every problem, the ruthless filter), "errors" (only what the API refuses) or rule names.
    The first of several duplicates is kept."""
    path = Path(path)
    report = report or validate_jsonl(path, gates, test_path=test_path)
    if drop == "all":
        rules = set(RULES)
    elif drop == "errors":
        rules = set(FORMAT_RULES)
    else:
        rules = set(drop)
        unknown = rules - set(RULES)
        if unknown:
            raise ValueError(f"unknown rule(s) {sorted(unknown)}; choose from {', '.join(RULES)}")
    stem = path.name[:-len(".jsonl")] if path.name.endswith(".jsonl") else path.stem
    out = Path(out) if out is not None else path.with_name(f"{stem}.clean.jsonl")
    rejected_path = out.with_name(out.name.removesuffix(".jsonl").replace(".clean", "") + ".rejected.jsonl")
    if out.resolve() == path.resolve() or rejected_path.resolve() == path.resolve():
        raise ValueError("clean() never overwrites the file it cleans: choose another `out`.")
    for target in (out, rejected_path):
        if target.exists() and not overwrite:
            raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it (it is clean()'s own "
                                  "output from an earlier run), or choose another `out`.")
    bad = {}
    for p in report.problems:
        if p.rule in rules:
            bad.setdefault(p.line, []).append(p)
    kept, rejected = [], []
    for number in range(1, report.lines + 1):
        if number in bad:
            text = report.texts.get(number)
            rejected.append(json.dumps({
                "line": number, "problems": [p.rule for p in bad[number]],
                "messages": [p.message for p in bad[number]],
                "text": None if text is None else text[:20_000],
                "text_truncated": text is not None and len(text) > 20_000}, ensure_ascii=False))
        elif number in report.texts:
            kept.append(report.texts[number])
    out.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(out, kept)
    _atomic_write(rejected_path, rejected)
    by_rule = Counter(p.rule for ps in bad.values() for p in ps)
    return CleanResult(source=path, out=out, rejected=rejected_path, kept=len(kept), dropped=len(bad),
                       by_rule=by_rule)


def read_examples(path: str | Path) -> list[dict]:
    """The parsed examples of a file that passes the format rules; raises with the first problems otherwise."""
    report = validate_jsonl(path, Gates())
    if not report.ok:
        first = "; ".join(f"line {p.line}: {p.message}" for p in report.problems if p.severity == "error")
        raise ValueError(f"{Path(path).name} has format errors ({first[:500]}). Run clean(path, drop='errors').")
    return [report.examples[n] for n in sorted(report.examples)]


# --- tokens and cost ------------------------------------------------------------------------------------------
def local_token_counter() -> Callable[[dict], int]:
    """Tokens of an example as the offline model sees them: SmolLM2's tokenizer and chat template."""
    from transformers import AutoTokenizer

    from helpers.local_model import ensure_converted

    tokenizer = AutoTokenizer.from_pretrained(ensure_converted(verbose=False))

    def count(example: dict) -> int:
        messages = [{"role": m.get("role"), "content": content_text(m.get("content")) or ""}
                    for m in example["messages"]]
        ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False)
        return len(ids["input_ids"] if isinstance(ids, dict) else ids)

    count.tokenizer_name = "SmolLM2-135M-Instruct (local)"
    count.tokenizer = tokenizer
    return count


def openai_token_counter(encoding: str = "o200k_base") -> Callable[[dict], int]:
    """OpenAI's count for a chat example (tiktoken; 3 tokens per message and 3 to prime the answer, as in OpenAI's
    cookbook). Needs `pip install tiktoken` and, the first time, internet access to fetch the encoding."""
    import tiktoken

    enc = tiktoken.get_encoding(encoding)

    def count(example: dict) -> int:
        total = 3
        for m in example["messages"]:
            total += 3 + len(enc.encode(content_text(m.get("content")) or "")) + (1 if "name" in m else 0)
        return total

    count.tokenizer_name = f"tiktoken {encoding}"
    return count


@dataclass
class TokenStats:
    """Tokens per example (and per trained answer), with the distribution."""

    per_example: object  # DataFrame: line, tokens, answer_tokens, messages
    tokenizer: str

    def percentiles(self, column: str = "tokens") -> dict[str, float]:
        values = self.per_example[column]
        out = {f"p{q}": float(values.quantile(q / 100)) for q in (5, 25, 50, 75, 95, 99)}
        return {"min": float(values.min()), **out, "max": float(values.max()), "mean": float(values.mean())}

    def over(self, limit: int) -> list[int]:
        """Line numbers of the examples longer than ``limit`` tokens."""
        table = self.per_example
        return [int(n) for n in table.loc[table["tokens"] > limit, "line"]]

    @property
    def total(self) -> int:
        return int(self.per_example["tokens"].sum())


def token_stats(source: str | Path | list[dict], count_tokens: Callable[[dict], int] | None = None) -> TokenStats:
    """Token counts of every example of a file (lines that pass the format rules) or of a list of examples."""
    import pandas as pd

    count_tokens = count_tokens or local_token_counter()
    if isinstance(source, (str, Path)):
        report = validate_jsonl(source, Gates())
        errors = report.lines_with(severity="error")
        items = [(n, report.examples[n]) for n in sorted(report.examples) if n not in errors]
    else:
        items = list(enumerate(source, start=1))
    rows = []
    for line, example in items:
        answers = trained_answers(example["messages"])
        answer_tokens = sum(count_tokens({"messages": [{"role": "assistant", "content": a}]}) for a in answers)
        rows.append({"line": line, "tokens": count_tokens(example), "answer_tokens": answer_tokens,
                     "messages": len(example["messages"])})
    table = pd.DataFrame(rows, columns=["line", "tokens", "answer_tokens", "messages"])
    return TokenStats(per_example=table, tokenizer=getattr(count_tokens, "tokenizer_name", "custom"))


TARGET_EPOCHS, MIN_TARGET_EXAMPLES, MAX_TARGET_EXAMPLES = 3, 100, 25_000
MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS = 1, 25
TRAINING_TOKENS_PER_EXAMPLE = 65_536  # OpenAI bills (and trains on) at most this many tokens of one example


def auto_epochs(n_examples: int) -> int:
    """The number of epochs OpenAI picks for ``n_epochs="auto"`` (the heuristic of OpenAI's data-preparation
    cookbook): 3, raised so that small files are seen about 100 times in total (at most 25 epochs), lowered so that
    big ones stop near 25,000 examples seen (at least 1)."""
    if n_examples <= 0:
        raise ValueError("a training file needs at least one example")
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


@dataclass(frozen=True)
class CostEstimate:
    """Training cost before training: billed tokens per epoch x epochs x the registry's training price."""

    model: str
    examples: int
    tokens_per_epoch: int
    n_epochs: int
    epochs_rule: str
    usd_per_mtok: float
    as_of: str

    @property
    def billed_tokens(self) -> int:
        return self.tokens_per_epoch * self.n_epochs

    @property
    def usd(self) -> float:
        return self.billed_tokens * self.usd_per_mtok / 1e6

    def __str__(self) -> str:
        return (f"{self.examples} examples, {self.tokens_per_epoch:,} tokens per epoch x {self.n_epochs} epochs "
                f"({self.epochs_rule}) = {self.billed_tokens:,} tokens x ${self.usd_per_mtok}/M on {self.model} "
                f"(price as of {self.as_of}) = ${self.usd:.4f}")


def estimate_cost(token_counts: Iterable[int], model: str, n_epochs: int | str = "auto",
                  max_tokens_per_example: int = TRAINING_TOKENS_PER_EXAMPLE) -> CostEstimate:
    """Price a training job before starting it: each example is billed up to ``max_tokens_per_example`` tokens,
    every epoch, at ``model``'s training price from data/models.yaml."""
    from helpers import registry

    counts = [int(c) for c in token_counts]
    info = registry.get(model)
    if info.training_usd_per_mtok is None:
        priced = sorted(m.id for m in registry.models().values() if m.training_usd_per_mtok is not None)
        raise ValueError(f"{model} has no training price in data/models.yaml, so it cannot be fine-tuned through the "
                         f"API (models with one: {', '.join(priced)}).")
    if n_epochs == "auto":
        epochs, rule = auto_epochs(len(counts)), f"auto for {len(counts)} examples"
    elif isinstance(n_epochs, int) and not isinstance(n_epochs, bool) and n_epochs >= 1:
        epochs, rule = n_epochs, "chosen"
    else:
        raise ValueError(f"n_epochs must be 'auto' or an integer >= 1, not {n_epochs!r}")
    per_epoch = sum(min(c, max_tokens_per_example) for c in counts)
    return CostEstimate(model=model, examples=len(counts), tokens_per_epoch=per_epoch, n_epochs=epochs,
                        epochs_rule=rule, usd_per_mtok=info.training_usd_per_mtok, as_of=info.as_of.isoformat())

