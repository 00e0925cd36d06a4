"""Issue 20: full fine-tuning on the T4 plan trained float16 weights under fp16 mixed precision, and the clip step's
unscaling of float16 gradients failed ("Attempting to unscale FP16 gradients"). Reproduced on the CPU with the T4's
fp16 path (autocast to float16 and a loss scaler, bench.gpu_check.cpu_fp16_accelerator) on a tiny random model;
fixed by keeping trainable weights in float32 (helpers.finetune.lora.train.master_weights_fp32)."""

import pytest
import torch

from bench import gpu_check
from helpers.finetune.lora import train as lt

SEQ = 24


@pytest.fixture
def tiny():
    shape = gpu_check.tiny_shape()
    return shape, gpu_check.synthetic_examples(4, SEQ, shape.vocab_size)


def config(method: str, mixed_precision: str = "fp16") -> lt.TrainConfig:
    return lt.TrainConfig(method=method, lora=lt.LoraSettings(r=4, alpha=8, top_layers=None, max_seq_len=SEQ),
                          max_steps=2, batch_size=2, lr=1e-3, mixed_precision=mixed_precision)


def test_the_mechanism_float16_gradients_cannot_be_unscaled():
    weight = torch.nn.Parameter(torch.ones(3, dtype=torch.float16))
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(weight.float().sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        scaler.unscale_(torch.optim.AdamW([weight]))


def test_full_fine_tuning_on_the_t4_plan_failed_without_float32_master_weights(tiny, monkeypatch):
    shape, examples = tiny
    model = gpu_check.random_model(shape, "float16", "cpu")
    monkeypatch.setattr(lt, "master_weights_fp32", lambda model: 0)  # the code before the fix
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        lt.train(model, None, examples, config("full"), device="cpu", progress=False,
                 accelerator=gpu_check.cpu_fp16_accelerator())


def test_full_fine_tuning_on_the_t4_plan_trains_float32_master_weights(tiny):
    shape, examples = tiny
    model = gpu_check.random_model(shape, "float16", "cpu")
    block = model.model.layers[-1].mlp.up_proj.weight.detach().float().clone()
    accelerator = gpu_check.cpu_fp16_accelerator()
    result = lt.train(model, None, examples, config("full"), device="cpu", progress=False, accelerator=accelerator)
    assert len(result.steps) == 2 and all(torch.isfinite(torch.tensor(s.train_loss)) for s in result.steps)
    trained = {n: p for n, p in result.model.named_parameters() if p.requires_grad}
    assert trained and all(p.dtype == torch.float32 for p in trained.values())
    assert model.model.embed_tokens.weight.dtype == torch.float16  # frozen weights stay as loaded
    assert not torch.equal(model.model.layers[-1].mlp.up_proj.weight, block)
    assert accelerator.scaler.get_scale() > 0  # the scaler ran (and unscaled before clipping)


def test_lora_on_the_t4_plan_trains_float32_adapters_on_float16_weights(tiny):
    shape, examples = tiny
    model = gpu_check.random_model(shape, "float16", "cpu")
    result = lt.train(model, None, examples, config("lora"), device="cpu", progress=False,
                      accelerator=gpu_check.cpu_fp16_accelerator())
    dtypes = {p.dtype for p in result.model.parameters() if p.requires_grad}
    assert dtypes == {torch.float32} and len(result.steps) == 2


def test_without_mixed_precision_nothing_is_cast(tiny):
    shape, examples = tiny
    model = gpu_check.random_model(shape, "float32", "cpu")
    assert lt.master_weights_fp32(model) == 0
    half = gpu_check.random_model(shape, "bfloat16", "cpu")
    half.requires_grad_(False)
    half.lm_head.weight.requires_grad_(True)
    assert lt.master_weights_fp32(half) == 1 and half.lm_head.weight.dtype == torch.float32


def test_one_process_may_switch_mixed_precision(tiny):
    """accelerate refuses a second mixed-precision setting in one process; the course loop resets it (a kernel that
    trains the T4 plan, then an offline fine-tuning job in float32, then the bf16 plan)."""
    shape, examples = tiny
    for setting, dtype in (("fp16", "float16"), ("no", "float32"), ("bf16", "bfloat16"), ("no", "float32")):
        accelerator = gpu_check.cpu_fp16_accelerator() if setting == "fp16" else None
        result = lt.train(gpu_check.random_model(shape, dtype, "cpu"), None, examples, config("lora", setting),
                          device="cpu", progress=False, accelerator=accelerator)
        assert len(result.steps) == 2
    with pytest.raises(ValueError, match="mixed_precision"):
        lt.train(gpu_check.random_model(shape, "float32", "cpu"), None, examples, config("lora", "no"),
                 device="cpu", progress=False, accelerator=gpu_check.cpu_fp16_accelerator())


def test_tokenized_examples_need_matching_labels():
    with pytest.raises(ValueError, match="as many labels"):
        lt.encode_all(None, [{"input_ids": [1, 2, 3], "labels": [-100]}], 10)


def test_a_copy_of_the_serving_model_trains_in_float32_on_the_cpu_and_16_bit_on_a_gpu(tiny):
    """Notebooks 07 and 10 train adapters on a copy of the serving engine's weights. On a GPU a float32 copy of a 7B
    serving model (28 GB) beside the model itself (15 GB) does not fit a 40 GB card: the copy keeps its 16-bit dtype
    and trains under autocast; on the CPU nothing changes (float32, no mixed precision)."""
    import types

    shape, _ = tiny
    for dtype in ("float32", "bfloat16"):
        assert lt.training_precision(gpu_check.random_model(shape, dtype, "cpu")) == ("float32", "no")

    def on_gpu(dtype):
        weight = torch.zeros(1, dtype=dtype)
        return types.SimpleNamespace(device=torch.device("cuda"), parameters=lambda: iter([weight]))

    assert lt.training_precision(on_gpu(torch.float16)) == ("float16", "fp16")  # a T4's serving dtype
    assert lt.training_precision(on_gpu(torch.bfloat16)) == ("bfloat16", "bf16")
    assert lt.training_precision(on_gpu(torch.float32)) == ("float32", "no")  # COURSE_LOCAL_MODEL on a GPU in fp32
