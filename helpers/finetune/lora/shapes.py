"""Model shapes from published configs (data/model_configs/*.json) and LoRA parameter counts.

A LoRA adapter on a Linear layer W (d_out x d_in) adds B (d_out x r) and A (r x d_in): r * (d_in + d_out) weights.
Taught in notebooks/08_lora_finetuning.ipynb (section 1), where the count is checked against peft.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers import paths

CONFIG_DIR = paths.DATA_DIR / "model_configs"
ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP = ("gate_proj", "up_proj", "down_proj")
ALL_SEVEN = ATTENTION + MLP
TARGET_SETS = {"q,v": ("q_proj", "v_proj"), "all seven": ALL_SEVEN}


@dataclass(frozen=True)
class ModelShape:
    """The numbers of a Llama-style decoder (Llama, Qwen2, SmolLM2) that decide its parameter counts."""

    name: str
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    head_dim: int | None = None
    tie_word_embeddings: bool = True
    attention_bias: bool = False
    hub_id: str = ""
    gated: bool = False
    model_type: str = "llama"

    @property
    def kv_dim(self) -> int:
        return self.num_key_value_heads * (self.head_dim or self.hidden_size // self.num_attention_heads)

    @property
    def q_dim(self) -> int:
        return self.num_attention_heads * (self.head_dim or self.hidden_size // self.num_attention_heads)

    def projections(self) -> dict[str, tuple[int, int]]:
        """(d_in, d_out) of each of the seven projections of one block."""
        h, i = self.hidden_size, self.intermediate_size
        return {"q_proj": (h, self.q_dim), "k_proj": (h, self.kv_dim), "v_proj": (h, self.kv_dim),
                "o_proj": (self.q_dim, h), "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)}

    def total_params(self) -> int:
        """All weights: embeddings, blocks (projections, q/k/v biases if any, two norms), final norm, lm_head."""
        block = sum(a * b for a, b in self.projections().values()) + 2 * self.hidden_size
        if self.attention_bias:
            block += self.q_dim + 2 * self.kv_dim
        embed = self.vocab_size * self.hidden_size
        return embed * (1 if self.tie_word_embeddings else 2) + self.num_hidden_layers * block + self.hidden_size

    def to_hf_config(self):
        """A transformers config of this shape (for random-weight models: benchmarks, meta-device counts)."""
        from transformers import AutoConfig

        return AutoConfig.for_model(
            self.model_type, hidden_size=self.hidden_size, intermediate_size=self.intermediate_size,
            num_hidden_layers=self.num_hidden_layers, num_attention_heads=self.num_attention_heads,
            num_key_value_heads=self.num_key_value_heads, vocab_size=self.vocab_size,
            tie_word_embeddings=self.tie_word_embeddings, **({"head_dim": self.head_dim} if self.head_dim else {}))


def lora_params_per_layer(d_in: int, d_out: int, r: int) -> int:
    """r * (d_in + d_out): the A (r x d_in) and B (d_out x r) matrices of one adapted Linear layer."""
    return r * (d_in + d_out)


def lora_params(shape: ModelShape, r: int, targets=ALL_SEVEN, layers: int | None = None) -> int:
    """Trainable LoRA weights for rank ``r`` on ``targets`` in ``layers`` blocks (default: all)."""
    unknown = set(targets) - set(ALL_SEVEN)
    if unknown:
        raise ValueError(f"unknown target module(s) {sorted(unknown)}; choose from {', '.join(ALL_SEVEN)}")
    if r < 1:
        raise ValueError(f"r must be a positive integer, not {r}")
    per_block = sum(lora_params_per_layer(*shape.projections()[t], r) for t in targets)
    return per_block * (shape.num_hidden_layers if layers is None else layers)


def shape_from_config(config, name: str = "") -> ModelShape:
    """A :class:`ModelShape` from a transformers config (e.g. ``model.config``)."""
    return ModelShape(name=name or getattr(config, "name_or_path", "") or config.model_type,
                      hidden_size=config.hidden_size, intermediate_size=config.intermediate_size,
                      num_hidden_layers=config.num_hidden_layers, num_attention_heads=config.num_attention_heads,
                      num_key_value_heads=config.num_key_value_heads, vocab_size=config.vocab_size,
                      head_dim=getattr(config, "head_dim", None), model_type=config.model_type,
                      tie_word_embeddings=bool(getattr(config, "tie_word_embeddings", False)),
                      attention_bias=config.model_type == "qwen2" or bool(getattr(config, "attention_bias", False)))


def load_shapes(folder: Path = CONFIG_DIR) -> dict[str, ModelShape]:
    """The model shapes stored in the repository, by name (SmolLM2, Qwen2.5, Llama 3.x)."""
    fields = set(ModelShape.__dataclass_fields__)
    shapes = {}
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        shapes[raw["name"]] = ModelShape(**{k: v for k, v in raw.items() if k in fields})
    if not shapes:
        raise FileNotFoundError(f"no model configs in {folder}; the repository's data/model_configs/ is missing")
    return shapes


def get_shape(name: str) -> ModelShape:
    shapes = load_shapes()
    if name not in shapes:
        raise KeyError(f"no stored config called {name!r}; known: {', '.join(shapes)}")
    return shapes[name]


def lora_table(shapes=None, ranks=(8, 16, 64), target_sets=None):
    """One row per (model, target set, r): trainable LoRA parameters and their share of the model."""
    import pandas as pd

    shapes = shapes or load_shapes()
    shapes = list(shapes.values()) if isinstance(shapes, dict) else list(shapes)
    rows = []
    for shape in shapes:
        total = shape.total_params()
        for label, targets in (target_sets or TARGET_SETS).items():
            for r in ranks:
                n = lora_params(shape, r, targets)
                rows.append({"model": shape.name, "params": total, "targets": label, "r": r, "lora params": n,
                             "% of model": 100 * n / total})
    return pd.DataFrame(rows)
