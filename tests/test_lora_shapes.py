"""helpers.finetune.lora.shapes and helpers.finetune.lora.memory: parameter counts from stored configs, checked against transformers
and peft on the meta device (no weights, no download), and the memory estimator."""

import pytest
import torch
from transformers import AutoModelForCausalLM

from helpers.finetune.lora import memory, shapes

EXPECTED_NAMES = {"SmolLM2-135M", "SmolLM2-360M", "SmolLM2-1.7B", "Qwen2.5-0.5B", "Qwen2.5-1.5B", "Llama-3.2-1B",
                  "Llama-3.2-3B", "Llama-3.1-8B"}


def meta_model(shape):
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(shape.to_hf_config())


def test_all_eight_configs_are_stored():
    assert set(shapes.load_shapes()) == EXPECTED_NAMES
    assert not shapes.get_shape("Qwen2.5-1.5B").gated and shapes.get_shape("Llama-3.1-8B").gated


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_total_params_match_transformers(name):
    shape = shapes.get_shape(name)
    assert shape.total_params() == meta_model(shape).num_parameters()


def test_published_totals():
    # the parameter counts printed on the model cards / by transformers for the real checkpoints
    assert shapes.get_shape("Llama-3.1-8B").total_params() == 8_030_261_248
    assert shapes.get_shape("SmolLM2-135M").total_params() == 134_515_008
    assert shapes.get_shape("Qwen2.5-0.5B").total_params() == 494_032_768


def test_the_seed_count_is_corrected():
    shape = shapes.get_shape("Llama-3.1-8B")
    assert sum(a + b for a, b in shape.projections().values()) == 81_920
    assert shapes.lora_params(shape, 16) == 32 * 16 * 81_920 == 41_943_040 != 10_567_680


@pytest.mark.parametrize("name,r,targets", [("Llama-3.1-8B", 16, shapes.ALL_SEVEN), ("Qwen2.5-0.5B", 8, ("q_proj", "v_proj")),
                                            ("SmolLM2-360M", 64, shapes.ALL_SEVEN)])
def test_hand_count_matches_peft(name, r, targets):
    from peft import LoraConfig, get_peft_model

    shape = shapes.get_shape(name)
    with torch.device("meta"):
        peft_model = get_peft_model(meta_model(shape), LoraConfig(r=r, lora_alpha=2 * r, target_modules=list(targets),
                                                                  task_type="CAUSAL_LM"))
    assert peft_model.get_nb_trainable_parameters()[0] == shapes.lora_params(shape, r, targets)


def test_lora_table_and_bad_input():
    table = shapes.lora_table(ranks=(8, 16, 64))
    assert len(table) == 8 * 2 * 3
    row = table[(table["model"] == "Llama-3.1-8B") & (table["r"] == 16) & (table["targets"] == "all seven")]
    assert int(row["lora params"].iloc[0]) == 41_943_040
    with pytest.raises(ValueError, match="unknown target"):
        shapes.lora_params(shapes.get_shape("SmolLM2-135M"), 8, ("qkv",))
    with pytest.raises(KeyError, match="known:"):
        shapes.get_shape("Llama-3.2-8B")


def test_shape_from_a_loaded_config(engine):
    shape = shapes.shape_from_config(engine.model.config, name="packaged")
    assert shape.total_params() == engine.model.num_parameters()


def test_memory_estimate_orders_methods_and_fits():
    shape = shapes.get_shape("Llama-3.1-8B")
    lora = memory.estimate_training_memory(shape, method="lora", dtype="float16", r=16, seq_len=512)
    qlora = memory.estimate_training_memory(shape, method="qlora", dtype="float16", r=16, seq_len=512)
    full = memory.estimate_training_memory(shape, method="full", dtype="bfloat16")
    assert qlora.total_gib < lora.total_gib < full.total_gib
    assert 14.5 < lora.weights_gib < 15.5  # 8.03e9 x 2 bytes
    assert full.trainable_gib == pytest.approx(8_030_261_248 * 16 / 2**30)
    ckpt = memory.estimate_training_memory(shape, method="qlora", dtype="float16", gradient_checkpointing=True)
    assert ckpt.activations_gib < qlora.activations_gib
    fits = memory.fits_table(ckpt, {"T4 16GB": 14.9, "tiny": 4.0})
    assert fits["T4 16GB"].startswith("fits") and fits["tiny"].startswith("too big")
    with pytest.raises(ValueError, match="method"):
        memory.estimate_training_memory(shape, method="adapter")
