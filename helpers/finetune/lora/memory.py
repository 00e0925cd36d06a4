"""Training memory estimates (weights + adapters + optimizer + activations) and which GPU they fit.

An estimate, not a measurement: it counts the big tensors and adds a fixed overhead for the CUDA context and the
allocator. Taught in notebooks/08_lora_finetuning.ipynb (section 4, "Which GPU?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.finetune.lora.shapes import ALL_SEVEN, ModelShape, lora_params

GIB = 2**30
BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "nf4": 0.5 + 0.5 / 64 * 4}  # nf4: 4 bits + a scale per 64
CUDA_OVERHEAD_GIB = 0.8  # CUDA context, cuBLAS workspace, allocator slack
METHODS = ("lora", "qlora", "full")


@dataclass(frozen=True)
class MemoryEstimate:
    weights_gib: float
    trainable_gib: float  # trainable weights + gradients + AdamW's two moments, in float32
    activations_gib: float
    overhead_gib: float = CUDA_OVERHEAD_GIB

    @property
    def total_gib(self) -> float:
        return self.weights_gib + self.trainable_gib + self.activations_gib + self.overhead_gib

    def as_dict(self) -> dict:
        return {"weights": self.weights_gib, "trainable+optimizer": self.trainable_gib,
                "activations": self.activations_gib, "overhead": self.overhead_gib, "total": self.total_gib}


def estimate_training_memory(shape: ModelShape, *, method: str = "lora", dtype: str = "bfloat16", r: int = 16,
                             targets=ALL_SEVEN, batch_size: int = 4, seq_len: int = 512,
                             gradient_checkpointing: bool = False) -> MemoryEstimate:
    """GiB to train ``shape``. ``method``: "lora" (frozen weights in ``dtype``), "qlora" (frozen weights in 4-bit
    NF4) or "full" (every weight trained, AdamW). Activations: about 34 x hidden bytes per token per block in
    16-bit with a fused attention kernel (Korthikanti et al. 2022), or 2 x hidden per block with gradient
    checkpointing (only block inputs kept, one block recomputed), plus the float32 logits of the output layer."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if dtype not in BYTES or dtype == "nf4":
        raise ValueError(f"dtype must be float32, bfloat16 or float16, not {dtype!r}")
    total = shape.total_params()
    weight_bytes = BYTES["nf4"] if method == "qlora" else BYTES[dtype]
    if method == "qlora":  # embeddings and lm_head stay in 16-bit; the blocks' Linear layers are 4-bit
        embed = shape.vocab_size * shape.hidden_size * (1 if shape.tie_word_embeddings else 2)
        weights = embed * 2 + (total - embed) * weight_bytes
    else:
        weights = total * weight_bytes
    trainable = total if method == "full" else lora_params(shape, r, targets)
    # fp32 copy of each trainable weight (the adapter, or full FT's master weights), its gradient, AdamW m and v;
    # full FT in float32 trains the weights themselves, so no extra copy
    trainable_bytes = trainable * (12 if method == "full" and dtype == "float32" else 16)
    tokens = batch_size * seq_len
    act_scale = BYTES[dtype] / 2  # the 34 x h rule is for 16-bit activations
    per_block = (2 if gradient_checkpointing else 34) * shape.hidden_size * tokens * act_scale
    if gradient_checkpointing:
        per_block_total = per_block * shape.num_hidden_layers + 34 * shape.hidden_size * tokens * act_scale
    else:
        per_block_total = per_block * shape.num_hidden_layers
    logits = tokens * shape.vocab_size * 4 * 2  # float32 logits and their gradient
    return MemoryEstimate(weights_gib=weights / GIB, trainable_gib=trainable_bytes / GIB,
                          activations_gib=(per_block_total + logits) / GIB)


def gpu_types() -> dict[str, float]:
    """GPU name -> memory in GiB, from the registry's rental prices (e.g. "T4 16GB" -> 15.0 usable)."""
    from helpers import registry

    out = {}
    for row in registry.gpu_hour_prices():
        match = re.search(r"(\d+)\s*GB", row["gpu"])
        if match:
            out[row["gpu"]] = int(match.group(1)) * 1e9 / GIB  # vendors count GB, not GiB
    return out


def fits_table(estimate: MemoryEstimate, gpus: dict[str, float] | None = None) -> dict[str, str]:
    """For each GPU type: "fits (x GiB free)" or "too big (needs x GiB more)"."""
    out = {}
    for name, gib in (gpus or gpu_types()).items():
        spare = gib - estimate.total_gib
        out[name] = f"fits ({spare:.1f} GiB spare)" if spare >= 0 else f"too big ({-spare:.1f} GiB short)"
    return out
