"""helpers.finetune.lora.hardware: the plan per GPU type, the memory shown before loading, the OOM advice."""

from dataclasses import replace

import pytest
import torch

from helpers import env
from helpers.finetune.lora import hardware

T4 = env.GpuInfo(name="Tesla T4", memory_gib=14.7, capability=(7, 5))  # what torch reports for a 16 GB T4
L4 = env.GpuInfo(name="NVIDIA L4", memory_gib=22.0, capability=(8, 9))  # 24 GB
A100 = env.GpuInfo(name="NVIDIA A100-SXM4-40GB", memory_gib=39.4, capability=(8, 0))
A100_80 = env.GpuInfo(name="NVIDIA A100-SXM4-80GB", memory_gib=79.2, capability=(8, 0))
LLAMA_3B, LLAMA_8B = "meta-llama/Llama-3.2-3B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"


def test_cpu_plan_is_the_packaged_model_in_float32(monkeypatch):
    monkeypatch.delenv("COURSE_LORA_MODEL", raising=False)
    plan = hardware.choose_plan(None)
    assert (plan.device, plan.model, plan.dtype, plan.load_in_4bit, plan.mixed_precision) == (
        "cpu", hardware.PACKAGED, "float32", False, "no")
    assert plan.cache_prefix and plan.top_layers


def test_t4_never_gets_bf16_and_qlora_only_when_fp16_lora_does_not_fit(monkeypatch):
    monkeypatch.delenv("COURSE_LORA_MODEL", raising=False)
    plan = hardware.choose_plan(T4)
    assert plan.dtype == "float16" and plan.mixed_precision == "fp16" and not plan.load_in_4bit
    assert plan.model == hardware.T4_DEFAULT and not hardware.plan_shape(plan.model).gated
    assert not plan.gradient_checkpointing  # 0.5B fits as it is
    three = hardware.choose_plan(T4, model=LLAMA_3B)  # issue 20: the estimate fits fp16 LoRA, so no 4-bit
    assert three.dtype == "float16" and not three.load_in_4bit and three.gradient_checkpointing
    assert hardware.memory_estimate(three).total_gib <= hardware.FIT_SHARE * T4.memory_gib
    assert "gradient checkpointing" in three.reason
    eight = hardware.choose_plan(T4, model=LLAMA_8B)
    assert eight.load_in_4bit and eight.dtype == "float16" and "4-bit QLoRA because" in eight.reason
    assert hardware.memory_estimate(eight).total_gib <= hardware.FIT_SHARE * T4.memory_gib
    assert hardware.memory_estimate(hardware.choose_plan(T4, model="Qwen/Qwen2.5-1.5B-Instruct")).total_gib < 14.7


@pytest.mark.parametrize("gpu", [T4, L4, A100, A100_80], ids=["T4", "L4", "A100-40", "A100-80"])
@pytest.mark.parametrize("model", [None, "Qwen/Qwen2.5-1.5B-Instruct", LLAMA_3B, LLAMA_8B])
def test_the_qlora_threshold_is_the_memory_estimate(monkeypatch, gpu, model):
    """4-bit exactly when 16-bit LoRA (with gradient checkpointing) would not fit the budget; every plan fits."""
    monkeypatch.delenv("COURSE_LORA_MODEL", raising=False)
    plan = hardware.choose_plan(gpu, model=model)
    budget = hardware.FIT_SHARE * gpu.memory_gib
    sixteen_bit = replace(plan, load_in_4bit=False, gradient_checkpointing=True)
    assert plan.load_in_4bit == (hardware.memory_estimate(sixteen_bit).total_gib > budget)
    assert hardware.memory_estimate(plan).total_gib <= budget
    assert plan.dtype == ("float16" if gpu.capability < (8, 0) else "bfloat16")


def test_plans_per_gpu(monkeypatch):
    monkeypatch.setenv("COURSE_LORA_MODEL", "HuggingFaceTB/SmolLM2-1.7B-Instruct")
    plan = hardware.choose_plan(A100)
    assert plan.dtype == "bfloat16" and plan.model == "HuggingFaceTB/SmolLM2-1.7B-Instruct"
    assert plan.batch_size > hardware.choose_plan(T4).batch_size
    monkeypatch.delenv("COURSE_LORA_MODEL")
    assert hardware.choose_plan(L4, model=LLAMA_8B).load_in_4bit
    assert not hardware.choose_plan(A100, model=LLAMA_8B).load_in_4bit
    big = hardware.choose_plan(A100_80, model=LLAMA_8B)
    assert not big.load_in_4bit and big.batch_size == 16
    assert hardware.choose_plan(L4).model == hardware.AMPERE_DEFAULT and not hardware.choose_plan(L4).load_in_4bit


def test_a_model_too_big_even_in_4bit_says_so():
    tiny = env.GpuInfo(name="tiny", memory_gib=4.0, capability=(7, 5))
    plan = hardware.choose_plan(tiny, model=LLAMA_8B)
    assert plan.load_in_4bit and plan.batch_size == 1 and "expect out-of-memory" in plan.reason


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
    with pytest.raises(ValueError, match="CUDA"):
        hardware.load_for_training(replace(plan, model="Qwen/Qwen2.5-0.5B-Instruct", load_in_4bit=True))


def test_qlora_without_bitsandbytes_names_the_install_cell(monkeypatch):
    """Notebook 08's first load_for_training runs before a missing bitsandbytes could be installed: the error says
    where to install it, before anything is downloaded."""
    plan = replace(hardware.choose_plan(T4, model=LLAMA_8B), device="cuda")
    real = hardware.importlib.util.find_spec
    monkeypatch.setattr(hardware.importlib.util, "find_spec",
                        lambda name: None if name == "bitsandbytes" else real(name))

    def no_download(*args, **kwargs):
        raise AssertionError("downloaded before checking bitsandbytes")

    monkeypatch.setattr("transformers.AutoTokenizer.from_pretrained", no_download)
    with pytest.raises(ImportError, match="GPU only: QLoRA needs bitsandbytes"):
        hardware.load_for_training(plan)


def test_notebook_08_exercises_check_answers():
    from helpers.checking import verify
    from helpers.finetune import exercises
    from helpers.finetune.lora import shapes

    right = shapes.lora_params(shapes.get_shape("Qwen2.5-1.5B"), 16, ("q_proj", "v_proj"))
    assert verify("08.lora_count_qwen", right)[0] and not verify("08.lora_count_qwen", right + 1)[0]
    assert verify("08.biggest_on_t4", exercises._biggest_fp16_lora_on_t4())[0]
    assert not verify("08.biggest_on_t4", "Llama-3.1-8B")[0]
    assert verify("08.adapter_megabytes", 2 * 64 * 81_920 * 32 / 1e6)[0] and not verify("08.adapter_megabytes", 84)[0]


def test_notebook_08_installs_bitsandbytes_before_it_first_loads_a_model():
    """Issue 20: the install cell came after the first hardware.load_for_training(plan), which needs bitsandbytes
    when the plan is 4-bit."""
    from helpers import paths

    cells = (paths.NOTEBOOKS_DIR / "08_lora_finetuning.py").read_text(encoding="utf-8").split("\n# %%")
    code = ["\n".join(line for line in cell.splitlines() if not line.lstrip().startswith("#"))  # code, not comments
            for cell in cells if not cell.startswith(" [markdown]")]
    install = next(i for i, cell in enumerate(code) if "pip\", \"install\", \"-q\", \"bitsandbytes\"" in cell)
    first_load = next(i for i, cell in enumerate(code) if "hardware.load_for_training(" in cell)
    plan = next(i for i, cell in enumerate(code) if "hardware.choose_plan(" in cell)
    assert plan < install < first_load
