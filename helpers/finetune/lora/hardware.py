"""One training path for every machine: the model, precision and sizes chosen from the hardware, the model loaded
accordingly (4-bit QLoRA only when the memory estimate says 16-bit LoRA does not fit), and CUDA out-of-memory turned
into advice.

Taught in notebooks/08_lora_finetuning.ipynb (section 3, "One code path, any hardware").
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, replace

from helpers import env
from helpers.finetune.lora import memory, shapes

PACKAGED = "packaged"  # the offline SmolLM2-135M-Instruct from the pip package (helpers.local_model)
T4_DEFAULT = "Qwen/Qwen2.5-0.5B-Instruct"  # ungated; 1.5B also trains in fp16 on 16 GB
AMPERE_DEFAULT = "Qwen/Qwen2.5-1.5B-Instruct"
FIT_SHARE = 0.9  # a plan must fit 90% of the GPU's memory by helpers.finetune.lora.memory's estimate (10% spare)
BNB_INSTALL_CELL = ('notebook 08 installs it in the cell "GPU only: QLoRA needs bitsandbytes"; elsewhere run '
                    "pip install bitsandbytes")
OOM_ADVICE = """CUDA ran out of GPU memory. In order of cost to quality:
  1. shorter sequences: plan = dataclasses.replace(plan, max_seq_len=256) (our tickets fit in 256 tokens)
  2. gradient checkpointing: plan = dataclasses.replace(plan, gradient_checkpointing=True) (about 30% slower, far less memory)
  3. a smaller micro-batch: plan = dataclasses.replace(plan, batch_size=1)
  4. QLoRA: plan = dataclasses.replace(plan, load_in_4bit=True) (4-bit frozen weights; needs bitsandbytes)
  5. a smaller model: COURSE_LORA_MODEL=Qwen/Qwen2.5-0.5B-Instruct
Then restart the kernel (Runtime > Restart session on Colab) to free the memory, and run the notebook again."""


@dataclass(frozen=True)
class TrainPlan:
    """What to train and how, for this machine."""

    device: str  # "cpu" or "cuda"
    model: str  # PACKAGED or a Hugging Face Hub id
    dtype: str  # weights' dtype: float32 (CPU), float16 (T4), bfloat16 (capability >= 8)
    load_in_4bit: bool
    batch_size: int
    max_seq_len: int
    top_layers: int | None  # adapters only in the last N blocks (CPU: the backward pass stops there)
    cache_prefix: bool  # frozen lower blocks run once per example (CPU), see helpers.finetune.lora.train
    gradient_checkpointing: bool
    reason: str

    @property
    def mixed_precision(self) -> str:
        """accelerate's setting: autocast to fp16 (with loss scaling) or bf16; "no" on the CPU."""
        return {"float16": "fp16", "bfloat16": "bf16"}.get(self.dtype, "no")


def choose_plan(gpu: env.GpuInfo | None | str = "detect", model: str | None = None) -> TrainPlan:
    """The plan for ``gpu`` (default: this machine's). ``model`` (or ``COURSE_LORA_MODEL``) overrides the model."""
    gpu = env.gpu_info() if gpu == "detect" else gpu
    model = model or env.setting("COURSE_LORA_MODEL") or None
    if gpu is None:
        return TrainPlan("cpu", model or PACKAGED, "float32", False, 4, 384, 4, True, False,
                         "no GPU: the packaged SmolLM2-135M in float32 (CPUs have no fast fp16 training), adapters "
                         "in the last 4 blocks only, so the backward pass stays short")
    where = f"{gpu.name} (capability {gpu.capability[0]}.{gpu.capability[1]})"
    if gpu.capability < (8, 0):
        plan = TrainPlan("cuda", model or T4_DEFAULT, "float16", False, 4, 512, None, False, False,
                         f"{where}: float16 with loss scaling; never bfloat16, which this GPU only emulates")
    else:
        plan = TrainPlan("cuda", model or AMPERE_DEFAULT, "bfloat16", False, 16 if gpu.memory_gib >= 40 else 8, 1024,
                         None, False, False, f"{where}: bfloat16, larger batches")
    return fit_plan(plan, gpu.memory_gib)


def fit_plan(plan: TrainPlan, memory_gib: float) -> TrainPlan:
    """``plan`` made to fit ``FIT_SHARE`` of ``memory_gib`` by the memory estimate (:func:`memory_estimate`), in order
    of cost to quality: as it is; with gradient checkpointing; with 4-bit QLoRA (only when 16-bit LoRA does not fit
    even with checkpointing); with smaller micro-batches. The reason says which step was needed and why."""
    budget = FIT_SHARE * memory_gib

    def need(p: TrainPlan) -> float:
        return memory_estimate(p).total_gib

    if need(plan) <= budget:
        return plan
    plan = replace(plan, gradient_checkpointing=True, reason=plan.reason + ", gradient checkpointing "
                   f"(16-bit LoRA needs {need(plan):.1f} GiB of the {budget:.1f} GiB budget without it)")
    if need(plan) <= budget:
        return plan
    sixteen = need(plan)
    plan = replace(plan, load_in_4bit=True, reason=plan.reason + f"; 4-bit QLoRA because 16-bit LoRA needs "
                   f"{sixteen:.1f} GiB even with checkpointing")
    while need(plan) > budget and plan.batch_size > 1:
        plan = replace(plan, batch_size=plan.batch_size // 2)
    if need(plan) > budget:
        return replace(plan, reason=plan.reason + f"; still {need(plan):.1f} GiB at batch 1: expect out-of-memory, "
                       "choose a smaller model")
    return plan


def plan_shape(model: str) -> shapes.ModelShape:
    """The shape of ``model``: stored configs first, then the Hub config (a few KB; needs the network)."""
    if model == PACKAGED:
        return shapes.get_shape("SmolLM2-135M")
    for shape in shapes.load_shapes().values():
        if shape.hub_id == model or shape.name == model:
            return shape
    from transformers import AutoConfig

    return shapes.shape_from_config(AutoConfig.from_pretrained(model), name=model)


def memory_estimate(plan: TrainPlan, r: int = 16, targets=shapes.ALL_SEVEN) -> memory.MemoryEstimate:
    """The estimate to show before loading the model."""
    method = "qlora" if plan.load_in_4bit else "lora"
    return memory.estimate_training_memory(plan_shape(plan.model), method=method, dtype=plan.dtype, r=r,
                                           targets=targets, batch_size=plan.batch_size, seq_len=plan.max_seq_len,
                                           gradient_checkpointing=plan.gradient_checkpointing)


def gpu_check() -> str:
    """One line: the GPU found, or exactly what to click on Colab to get one."""
    gpu = env.gpu_info()
    if gpu is None:
        return env.COLAB_GPU_HINT + " Here: the packaged SmolLM2-135M trains on the CPU."
    return (f"GPU: {gpu.name}, {gpu.memory_gib} GiB, compute capability {gpu.capability[0]}.{gpu.capability[1]} "
            f"-> {gpu.dtype_name}")


def load_for_training(plan: TrainPlan):
    """(model, tokenizer) for ``plan``: the packaged model from the cache, or a Hub model in the plan's dtype,
    4-bit NF4 for QLoRA (bitsandbytes, GPU only)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if plan.model == PACKAGED:
        from helpers.local_model import ensure_converted

        folder = ensure_converted(verbose=False)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, plan.dtype))
        return model.to(plan.device), tokenizer
    check_qlora_ready(plan)  # before downloading anything
    tokenizer = AutoTokenizer.from_pretrained(plan.model)
    model = load_model(plan)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def check_qlora_ready(plan: TrainPlan) -> None:
    """Raise a clear error when ``plan`` asks for 4-bit QLoRA where it cannot run: no CUDA GPU, or bitsandbytes not
    installed (not in requirements.txt: it needs CUDA)."""
    if not plan.load_in_4bit:
        return
    if plan.device != "cuda":
        raise ValueError("4-bit QLoRA needs a CUDA GPU (bitsandbytes); on the CPU use the float32 plan")
    if importlib.util.find_spec("bitsandbytes") is None:
        raise ImportError(f"QLoRA needs bitsandbytes (this plan trains {plan.model} in 4-bit): {BNB_INSTALL_CELL}; "
                          "then run this cell again")


def load_model(plan: TrainPlan, source: str | os.PathLike | None = None):
    """The model of ``plan`` ready to train, from ``source`` (default ``plan.model``: a Hub id, or a local folder
    such as bench.gpu_check's random-weight models): the plan's dtype, SDPA attention, 4-bit NF4 weights prepared
    for training (QLoRA), gradient checkpointing when the plan says so."""
    import torch
    from transformers import AutoModelForCausalLM

    check_qlora_ready(plan)
    kwargs = {"dtype": getattr(torch, plan.dtype)}
    if plan.load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=getattr(torch, plan.dtype))
        kwargs["device_map"] = {"": 0}
    model = AutoModelForCausalLM.from_pretrained(str(source or plan.model), attn_implementation="sdpa", **kwargs)
    if plan.load_in_4bit:
        from peft import prepare_model_for_kbit_training

        return prepare_model_for_kbit_training(model, use_gradient_checkpointing=plan.gradient_checkpointing,
                                               gradient_checkpointing_kwargs={"use_reentrant": False})
    model = model.to(plan.device)
    if plan.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    return model


class OomGuard:
    """``with OomGuard() as guard: train(...)``: a CUDA out-of-memory error prints :data:`OOM_ADVICE` instead of
    a stack trace and sets ``guard.failed``; any other error propagates."""

    def __init__(self):
        self.failed = False

    def __enter__(self) -> "OomGuard":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        import torch

        if exc_type is None or not issubclass(exc_type, torch.OutOfMemoryError):
            return False
        self.failed = True
        first = str(exc).splitlines()[0] if str(exc) else "out of memory"
        print(f"{first}\n\n{OOM_ADVICE}", file=sys.stderr)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        return True
