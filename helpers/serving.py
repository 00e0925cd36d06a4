"""Which model answers offline, and how it decodes on a GPU (issue 20, "GPU mode").

Taught in notebooks/00_start_here.ipynb ("Which model answered?"). Without a GPU the packaged SmolLM2-135M answers on
the CPU, as always. On a CUDA GPU an open instruct model is chosen for the GPU's memory and compute capability from
the ``serving:`` section of data/models.yaml (a T4 gets Qwen2.5-1.5B in float16, a 24 GB card a 4B model, a 40-80 GB
card Qwen2.5-7B in bfloat16), downloaded once from the Hugging Face Hub into its cache. ``COURSE_LOCAL_MODEL`` names
any other model; a GPU too small for every candidate, or a Hub that cannot be reached, keeps the packaged model, and
the reason is part of the choice so the banner (helpers.llm.banner) can print it.

helpers.local_model loads what :func:`prepare` returns and generates through the same engine on every device; on CUDA
its single-request loop decodes through :class:`StaticDecoder` (a static KV cache and a compiled decode step).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from helpers import env, paths, registry

SERVING_PATH = paths.DATA_DIR / "models.yaml"
SOURCES = ("packaged", "hub", "override")
PACKAGED_NAME = "SmolLM2-135M-Instruct"
# What a model folder needs from the Hub: weights, config, tokenizer and chat template (no README, no other formats);
# the older pickle weights only for a repository without safetensors (some COURSE_LOCAL_MODEL choices).
ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja", "tokenizer*"]
PICKLE_PATTERNS = ["*.json", "*.bin", "*.txt", "*.model", "*.jinja", "tokenizer*"]
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")  # Hugging Face's own switches, read as they read them
HUB_TIMEOUT_S = 5.0
STATIC_CACHE_TOKENS = 4096  # prompt + answer of one request on the GPU's fast path; longer ones decode eagerly


def _hub_errors() -> tuple[type[BaseException], ...]:
    """What a Hub call raises when the model cannot be had: OSErrors (HTTP errors, offline mode, missing files),
    httpx2's transport errors (huggingface_hub 2 talks through httpx2), a malformed id (ValueError), a Xet failure."""
    import httpx2
    from huggingface_hub.errors import XetDownloadError

    return (OSError, httpx2.HTTPError, ValueError, XetDownloadError)


class ServingError(RuntimeError):
    """A model that was asked for by name (COURSE_LOCAL_MODEL) cannot be had; the message says what to do."""


@dataclass(frozen=True)
class Candidate:
    """One open model of the ``serving:`` section: who it is and the smallest GPU that serves it."""

    id: str
    hf_repo: str
    display_name: str
    params_billion: float
    licence: str
    min_gpu_gib: float
    needs_bf16: bool
    as_of: str
    source: str

    @property
    def weights_gib(self) -> float:
        """Weight memory in 16-bit floats (2 bytes a parameter), GiB."""
        return self.params_billion * 1e9 * 2 / 2**30

    def fits(self, gpu: env.GpuInfo) -> bool:
        return gpu.memory_gib >= self.min_gpu_gib and (gpu.bf16 or not self.needs_bf16)


@dataclass(frozen=True)
class ServingChoice:
    """The model that answers offline, and why. ``source``: "packaged" (the SmolLM2 GGUF of the course), "hub" (chosen
    for this GPU, from the Hugging Face Hub or its cache) or "override" (``COURSE_LOCAL_MODEL``). ``dtype`` None means
    the CPU dtype measured when the packaged model was converted (helpers.local_model.cpu_dtype)."""

    model_id: str
    dtype: str | None
    source: str
    reason: str
    hub_id: str | None = None
    display_name: str = ""
    device: str = "cpu"

    def line(self) -> str:
        """One line for the banner: which model, where, in which dtype, and why."""
        where = ("" if self.dtype is None else f"{self.dtype} ") + f"on the {'GPU' if self.device == 'cuda' else 'CPU'}"
        origin = {"packaged": "packaged with the course", "hub": f"{self.hub_id} from the Hugging Face Hub",
                  "override": f"{self.hub_id} from the Hugging Face Hub"}[self.source]
        return f"{self.display_name or self.model_id} ({origin}, {where}): {self.reason}"


def _candidate(raw: dict, listed: dict[str, registry.ModelInfo]) -> Candidate:
    where = f"{SERVING_PATH.name}: serving candidate {raw.get('id', '?')!r}"
    fields = set(Candidate.__dataclass_fields__) | {"gated"}
    missing = sorted(fields - set(raw))
    if missing:
        raise registry.RegistryError(f"{where} lacks {', '.join(missing)} (see the comment above `serving:`).")
    if raw["gated"] is not False:
        raise registry.RegistryError(f"{where} is gated on the Hub: a default must download without a login; "
                                     "remove it (learners can still set COURSE_LOCAL_MODEL to it).")
    info = listed.get(raw["id"])
    if info is not None and info.hf_repo not in (None, raw["hf_repo"]):
        raise registry.RegistryError(f"{where}: hf_repo {raw['hf_repo']!r} disagrees with the model entry's "
                                     f"{info.hf_repo!r}; make them the same.")
    return Candidate(**{name: raw[name] for name in Candidate.__dataclass_fields__} | {"as_of": str(raw["as_of"])})


def candidates(path: Path = SERVING_PATH) -> tuple[Candidate, ...]:
    """The GPU serving candidates of data/models.yaml, largest GPU first (the order the choice walks them)."""
    import yaml

    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    section = raw.get("serving")
    if not isinstance(section, dict) or not isinstance(section.get("candidates"), list) or not section["candidates"]:
        raise registry.RegistryError(f"{Path(path).name}: the `serving:` section with its `candidates` list is "
                                     "missing; the GPU serving model is chosen from it.")
    listed = registry.models(Path(path))
    found = [_candidate(entry, listed) for entry in section["candidates"]]
    return tuple(sorted(found, key=lambda c: c.min_gpu_gib, reverse=True))


def packaged_choice(gpu: env.GpuInfo | None, reason: str) -> ServingChoice:
    """The course's packaged SmolLM2-135M: on the GPU in its dtype when there is one, else on the CPU."""
    return ServingChoice(model_id=registry.default_model("local"), dtype=gpu.dtype_name if gpu else None,
                         source="packaged", reason=reason, display_name=PACKAGED_NAME,
                         device="cuda" if gpu else "cpu")


def override_choice(name: str, gpu: env.GpuInfo | None) -> ServingChoice:
    """``COURSE_LOCAL_MODEL``: a Hub id ("Qwen/Qwen2.5-3B-Instruct"), or a registry id with an ``hf_repo``. The engine
    answers under the name as given (requests name it; evaluation caches key on it)."""
    info = registry.models().get(name)
    hub_id = info.hf_repo if info is not None and info.hf_repo else name
    return ServingChoice(model_id=name, dtype=gpu.dtype_name if gpu else "float32", source="override",
                         reason=f"COURSE_LOCAL_MODEL={name} overrides the choice", hub_id=hub_id,
                         display_name=hub_id.split("/")[-1], device="cuda" if gpu else "cpu")


def _describe(gpu: env.GpuInfo) -> str:
    return f"{gpu.name}, {gpu.memory_gib:g} GiB, compute capability {gpu.capability[0]}.{gpu.capability[1]}"


def offline_flag() -> str | None:
    """``HF_HUB_OFFLINE=1`` (or ``TRANSFORMERS_OFFLINE``) as set, or None."""
    for name in OFFLINE_VARIABLES:
        if os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on"):
            return f"{name}={os.environ[name].strip()}"
    return None


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a loadable model: config, every weight shard its index names, a tokenizer."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        return False
    if not any((folder / name).is_file() for name in ("tokenizer.json", "tokenizer_config.json")):
        return False
    for weights in ("model.safetensors", "pytorch_model.bin"):  # safetensors, or the older pickle format
        index = folder / f"{weights}.index.json"
        if index.is_file():
            try:
                shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
            except (ValueError, KeyError, TypeError, AttributeError):
                return False
            return all((folder / shard).is_file() for shard in shards)
        if (folder / weights).is_file():
            return True
    return False


def cached_snapshot(hub_id: str) -> Path | None:
    """The complete local copy of ``hub_id`` in the Hugging Face cache, or None (never touches the network)."""
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(hub_id, local_files_only=True, allow_patterns=ALLOW_PATTERNS))
    except (OSError, ValueError):  # LocalEntryNotFoundError, IncompleteSnapshotError (OSErrors), a malformed id
        return None
    return folder if is_complete(folder) else None


def hub_problem(hub_id: str, timeout: float = HUB_TIMEOUT_S) -> str | None:
    """Why ``hub_id`` cannot be had now, or None when it can: already in the Hugging Face cache, or the Hub answers
    and the model is not gated."""
    from huggingface_hub import HfApi

    if cached_snapshot(hub_id) is not None:
        return None
    flag = offline_flag()
    if flag:
        return f"{flag} is set and {hub_id} is not in the Hugging Face cache"
    try:
        info = HfApi().model_info(hub_id, timeout=timeout)
    except _hub_errors() as exc:  # no network, DNS, timeout, 404, a malformed id
        return f"the Hugging Face Hub cannot be reached for {hub_id} ({type(exc).__name__}: {str(exc)[:120]})"
    if info.gated:
        return f"{hub_id} is gated on the Hub (accept its licence and log in with `hf auth login` to use it)"
    return None


def serving_choice(gpu: env.GpuInfo | None, *, hub_check=hub_problem) -> ServingChoice:
    """The model that answers offline on this machine, with its reason. ``gpu``: helpers.env.gpu_info() (None: no
    CUDA GPU). ``hub_check(hub_id)`` returns why a Hub model cannot be had (None: it can); tests pass a fake.

    Order: ``COURSE_LOCAL_MODEL`` if set; no GPU: the packaged model on the CPU; else the largest candidate of
    data/models.yaml the GPU fits (memory, and bf16 where the model needs it); none fits, or the Hub cannot provide
    it: the packaged model on the GPU, with the reason."""
    override = env.setting("COURSE_LOCAL_MODEL")
    if override:
        return override_choice(override, gpu)
    if gpu is None:
        return packaged_choice(None, "no CUDA GPU found, so the course's small packaged model answers on the CPU")
    pool = candidates()
    fitting = [c for c in pool if c.fits(gpu)]
    if not fitting:
        smallest = min(pool, key=lambda c: c.min_gpu_gib)
        return packaged_choice(gpu, f"this GPU ({_describe(gpu)}) is too small for every listed serving model "
                                    f"(the smallest, {smallest.display_name}, needs {smallest.min_gpu_gib:g} GiB), so "
                                    "the packaged model answers")
    chosen = fitting[0]
    larger = [c for c in pool if c.min_gpu_gib > chosen.min_gpu_gib]
    why_not = "" if not larger else "; " + ", ".join(
        f"{c.display_name} needs {c.min_gpu_gib:g} GiB" + (" and bfloat16 (compute capability 8.0)" if c.needs_bf16
                                                           else "") for c in larger[-1:])
    problem = hub_check(chosen.hf_repo)
    if problem:
        return packaged_choice(gpu, f"{chosen.display_name} suits this GPU ({_describe(gpu)}) but {problem}; the "
                                    "packaged model answers instead (reconnect and restart the kernel to use it)")
    dtype = "bfloat16" if chosen.needs_bf16 else gpu.dtype_name
    return ServingChoice(model_id=chosen.id, dtype=dtype, source="hub", hub_id=chosen.hf_repo,
                         display_name=chosen.display_name, device="cuda",
                         reason=f"chosen for this GPU ({_describe(gpu)}): {chosen.weights_gib:.1f} GiB of "
                                f"{dtype} weights, the largest listed model it serves with room to spare{why_not}")


_DECIDED: dict[tuple, ServingChoice] = {}
_PREPARED: dict[ServingChoice, tuple[ServingChoice, Path | None]] = {}
_MEMO_LOCK = threading.Lock()


def decided() -> ServingChoice:
    """:func:`serving_choice` for this machine's GPU (helpers.env.gpu_info), computed once per (GPU,
    ``COURSE_LOCAL_MODEL``, offline flag) in this process: the banner and the loader agree, the Hub is asked once."""
    gpu = env.gpu_info()
    key = (gpu, env.setting("COURSE_LOCAL_MODEL"), offline_flag())
    with _MEMO_LOCK:
        if key not in _DECIDED:
            _DECIDED[key] = serving_choice(gpu)
        return _DECIDED[key]


def forget() -> None:
    """Forget this process's choices (after changing ``COURSE_LOCAL_MODEL`` or the network in a running kernel, and
    between tests); an engine already loaded keeps its model until the kernel restarts."""
    with _MEMO_LOCK:
        _DECIDED.clear()
        _PREPARED.clear()


def download(hub_id: str) -> Path:
    """The local folder of ``hub_id``: from the Hugging Face cache, or downloaded into it once (with progress bars)."""
    from huggingface_hub import constants, snapshot_download

    folder = cached_snapshot(hub_id)
    if folder is not None:
        return folder
    print(f"[local] downloading {hub_id} once into the Hugging Face cache ({constants.HF_HUB_CACHE}); later runs "
          "load it from there", file=sys.stderr)
    folder = Path(snapshot_download(hub_id, allow_patterns=ALLOW_PATTERNS))
    if not is_complete(folder):  # no safetensors in the repository: its pickle weights
        folder = Path(snapshot_download(hub_id, allow_patterns=PICKLE_PATTERNS))
    if not is_complete(folder):
        raise OSError(f"the download of {hub_id} into {folder} is incomplete (no config, tokenizer or weights)")
    return folder


def prepare(choice: ServingChoice) -> tuple[ServingChoice, Path | None]:
    """(the choice that will answer, the model folder to load; None for the packaged model). A chosen Hub model that
    fails to download falls back to the packaged one, with the reason; a ``COURSE_LOCAL_MODEL`` that fails raises
    :class:`ServingError` (it was asked for by name). Memoised per choice for this process."""
    with _MEMO_LOCK:
        if choice in _PREPARED:
            return _PREPARED[choice]
    if choice.source == "packaged":
        result: tuple[ServingChoice, Path | None] = (choice, None)
    else:
        try:
            result = (choice, download(choice.hub_id))
        except _hub_errors() as exc:
            problem = f"{type(exc).__name__}: {str(exc)[:200]}"
            if choice.source == "override":
                raise ServingError(
                    f"COURSE_LOCAL_MODEL={choice.model_id} could not be downloaded from the Hugging Face Hub "
                    f"({problem}). Check the id and your connection, log in for a gated model (`hf auth login`), or "
                    "unset COURSE_LOCAL_MODEL to use the packaged model.") from exc
            gpu_note = f"{choice.display_name} was chosen for this GPU but could not be downloaded ({problem})"
            result = (ServingChoice(model_id=registry.default_model("local"), dtype=choice.dtype, source="packaged",
                                    reason=f"{gpu_note}; the packaged model answers instead",
                                    display_name=PACKAGED_NAME, device=choice.device), None)
    with _MEMO_LOCK:
        _PREPARED[choice] = result
    return result


def current_choice() -> ServingChoice:
    """What answers now, without downloading anything: the prepared choice once the model is in place (a failed
    download shows its fallback), else :func:`decided`. The banner prints its :meth:`ServingChoice.line`."""
    choice = decided()
    with _MEMO_LOCK:
        return _PREPARED.get(choice, (choice, None))[0]


def answering_choice() -> ServingChoice:
    """The choice that answers in this process once its model is in place (downloading a chosen Hub model if needed):
    what evaluation caches should key on, so a GPU run never reuses the CPU model's answers or the reverse."""
    return prepare(decided())[0]


def base_model(answered_by: str, *, local: bool = False) -> str:
    """The base model under an answer, for comparison tables (notebooks 07-10 compare a fine-tuned row only with
    rows on the same base): a LoRA-merged local engine ("<base>+lora:<adapter>") names its base; an API id its
    registry model (a dated snapshot or an ``ft:`` model of it); the local engine's own id is returned as it is.
    ``local``: the answer came from the in-process server, where an ``ft:`` id names the API model a local LoRA job
    stood in for (helpers.finetune.jobs): its base is the model this machine serves."""
    if "+lora:" in answered_by:
        return answered_by.split("+lora:", 1)[0]
    if local and answered_by.startswith("ft:"):
        return answering_choice().model_id
    return registry.base_id(answered_by) if answered_by else ""


def load_pretrained(folder: Path, dtype: str, device: str):
    """(model, tokenizer) of a Hub model folder, in ``dtype`` on ``device``, with PyTorch's SDPA attention. On CUDA the
    weights go straight to the GPU (``device_map``), so a 7B model never needs 15 GB of CPU memory (Colab has 12)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    placement = {"device_map": device} if device == "cuda" else {}
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype), attn_implementation="sdpa",
                                                 **placement)
    return model.eval(), tokenizer


# --- decoding on the GPU ------------------------------------------------------------------------------------------
def cache_kwarg(model) -> str:
    """The name ``model.forward`` (and ``generate``) takes a KV cache under: ``cache`` from transformers 5.2x on,
    ``past_key_values`` before (Colab's 5.15, where a ``cache=`` argument is silently ignored)."""
    import inspect

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def compile_enabled() -> bool:
    """``COURSE_GPU_COMPILE`` (default 1): compile the GPU decode step (about a minute once per kernel, then each token
    costs no Python). 0 keeps the static cache and skips the compile."""
    value = env.setting("COURSE_GPU_COMPILE", "1").lower()
    if value not in ("0", "1"):
        raise env.CourseConfigError(f"COURSE_GPU_COMPILE={value!r} is not valid; use 1 (compile) or 0 (do not).")
    return value == "1"


class StaticDecoder:
    """One request at a time on CUDA: a static KV cache allocated once (``max_tokens`` long) and the one-token decode
    step compiled by transformers (``model.get_compiled_call``: ``torch.compile`` in "reduce-overhead" mode, CUDA
    graphs), the same machinery ``generate`` uses with ``cache_implementation="static"``. A token then costs one graph
    replay instead of hundreds of Python-launched kernels. ``prefill`` and ``step`` return the model's output (its
    ``logits``); the caller's loop (helpers.local_model.LocalEngine.stream) picks tokens as on the CPU.

    If compiling fails (no Triton, an unsupported GPU or model), the decoder says so once, finishes that request
    eagerly on the same static cache, and takes no more requests (:meth:`fits`): the engine's eager loop serves them."""

    def __init__(self, model, max_tokens: int = STATIC_CACHE_TOKENS, *, compile: bool | None = None):
        from transformers import StaticCache

        window = getattr(model.config, "max_position_embeddings", max_tokens) or max_tokens
        self.model = model
        self.cache_name = cache_kwarg(model)  # what forward calls the cache in this transformers version
        self.max_tokens = min(max_tokens, window)
        self.cache = StaticCache(config=model.config, max_cache_len=self.max_tokens)
        self.compiled = compile_enabled() if compile is None else compile
        self.forward = model.get_compiled_call(None) if self.compiled else model.__call__
        self.note = "static cache, compiled decode step" if self.compiled else "static cache, eager decode step"
        self.steps = 0

    def fits(self, tokens: int) -> bool:
        """True when this decoder should take a request of ``tokens`` (prompt + answer limit): it fits the static
        cache, and the step is compiled. Uncompiled, a static cache only adds attention over its empty slots, so the
        engine's eager loop (its CPU code) serves instead."""
        return self.compiled and tokens <= self.max_tokens

    def prefill(self, prompt_ids: list[int], prefix: list | None = None):
        """Run the prompt (eagerly: its length varies) into the emptied cache; logits of its last position only.
        ``prefix``: per-layer (keys, values) of the prompt's first tokens from the prefix cache, copied in rather than
        computed again (they must leave at least the last prompt token to compute)."""
        import torch

        self.cache.reset()
        reused = 0
        if prefix:
            for layer, (keys, values) in zip(self.cache.layers, prefix):
                layer.update(keys, values)
            reused = prefix[0][0].shape[2]
        ids = torch.tensor([prompt_ids[reused:]], device=self.model.device)
        return self.model(input_ids=ids, use_cache=True, logits_to_keep=1, **{self.cache_name: self.cache})

    def layers(self) -> list:
        """The cache's per-layer (keys, values): ``max_tokens`` long, the first positions holding the request so far."""
        return [(layer.keys, layer.values) for layer in self.cache.layers]

    def step(self, token: int):
        """One decode step: ``token`` in, the next logits out (the cache advances by one)."""
        import torch

        ids = torch.tensor([[token]], device=self.model.device)
        if self.compiled and self.steps == 0:
            print("[local] compiling the GPU decode step once (about a minute; COURSE_GPU_COMPILE=0 skips it)",
                  file=sys.stderr)
        try:
            out = self.forward(input_ids=ids, use_cache=True, **{self.cache_name: self.cache})
        except Exception as exc:  # torch.compile raises many types (BackendCompilerFailed, InductorError, ...)
            if not self.compiled:
                raise
            self.compiled, self.forward = False, self.model.__call__
            self.note = f"compile failed ({type(exc).__name__}), eager decode step"
            print(f"[local] could not compile the GPU decode step ({type(exc).__name__}: {str(exc)[:160]}); "
                  "decoding without it", file=sys.stderr)
            out = self.forward(input_ids=ids, use_cache=True, **{self.cache_name: self.cache})
        self.steps += 1
        return out
