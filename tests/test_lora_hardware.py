"""helpers.finetune.lora.hardware: the plan per GPU type, the memory shown before loading, the OOM advice."""

import pytest
import torch

from helpers import env
from helpers.finetune.lora import hardware

T4 = env.GpuInfo(name="Tesla T4", memory_gib=14.7, capability=(7, 5))
A100 = env.GpuInfo(name="NVIDIA A100-SXM4-40GB", memory_gib=39.4, capability=(8, 0))
L4 = env.GpuInfo(name="NVIDIA L4", memory_gib=22.0, capability=(8, 9))


def test_cpu_plan_is_the_packaged_model_in_float32(monkeypatch):
    monkeypatch.delenv("COURSE_LORA_MODEL", raising=False)
    plan = hardware.choose_plan(None)
    assert (plan.device, plan.model, plan.dtype, plan.load_in_4bit, plan.mixed_precision) == (
        "cpu", hardware.PACKAGED, "float32", False, "no")
    assert plan.cache_prefix and plan.top_layers


def test_t4_never_gets_bf16_and_big_models_get_4bit(monkeypatch):
    monkeypatch.delenv("COURSE_LORA_MODEL", raising=False)
    plan = hardware.choose_plan(T4)
    assert plan.dtype == "float16" and plan.mixed_precision == "fp16" and not plan.load_in_4bit
    assert plan.model == hardware.T4_DEFAULT and not hardware.plan_shape(plan.model).gated
    for model in ("meta-llama/Llama-3.2-3B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"):
        big = hardware.choose_plan(T4, model=model)
        assert big.load_in_4bit and big.dtype == "float16"
        assert hardware.memory_estimate(big).total_gib < T4.memory_gib
    assert hardware.memory_estimate(hardware.choose_plan(T4, model="Qwen/Qwen2.5-1.5B-Instruct")).total_gib < 14.7


def test_ampere_gets_bf16_and_bigger_batches(monkeypatch):
    monkeypatch.setenv("COURSE_LORA_MODEL", "HuggingFaceTB/SmolLM2-1.7B-Instruct")
    plan = hardware.choose_plan(A100)
    assert plan.dtype == "bfloat16" and plan.model == "HuggingFaceTB/SmolLM2-1.7B-Instruct"
    assert plan.batch_size > hardware.choose_plan(T4).batch_size
    assert hardware.choose_plan(L4, model="meta-llama/Llama-3.1-8B-Instruct").load_in_4bit
    assert not hardware.choose_plan(A100, model="meta-llama/Llama-3.1-8B-Instruct").load_in_4bit


def test_gpu_check_names_the_colab_menu(monkeypatch):
    monkeypatch.setattr(env, "gpu_info", lambda: None)
    assert "Runtime > Change runtime type" in hardware.gpu_check()
    monkeypatch.setattr(env, "gpu_info", lambda: T4)
    assert "float16" in hardware.gpu_check() and "Tesla T4" in hardware.gpu_check()


def test_oom_becomes_advice_and_other_errors_pass(capsys):
    with hardware.OomGuard() as guard:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    assert guard.failed
    err = capsys.readouterr().err
    assert "Tried to allocate" in err and "gradient checkpointing" in err and "QLoRA" in err
    with pytest.raises(ValueError):
        with hardware.OomGuard() as guard:
            raise ValueError("not memory")
    assert not guard.failed


def test_4bit_on_cpu_is_refused_clearly():
    plan = hardware.choose_plan(None)
    from dataclasses import replace

    with pytest.raises(ValueError, match="CUDA"):
        hardware.load_for_training(replace(plan, model="Qwen/Qwen2.5-0.5B-Instruct", load_in_4bit=True))


def test_notebook_08_exercises_check_answers():
    from helpers.checking import verify
    from helpers.finetune import exercises
    from helpers.finetune.lora import shapes

    right = shapes.lora_params(shapes.get_shape("Qwen2.5-1.5B"), 16, ("q_proj", "v_proj"))
    assert verify("08.lora_count_qwen", right)[0] and not verify("08.lora_count_qwen", right + 1)[0]
    assert verify("08.biggest_on_t4", exercises._biggest_fp16_lora_on_t4())[0]
    assert not verify("08.biggest_on_t4", "Llama-3.1-8B")[0]
    assert verify("08.adapter_megabytes", 2 * 64 * 81_920 * 32 / 1e6)[0] and not verify("08.adapter_megabytes", 84)[0]
