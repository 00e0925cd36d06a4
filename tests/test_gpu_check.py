"""bench.gpu_check on the CPU: the dry-run builds every plan (T4 LoRA and full fine-tuning, bf16, QLoRA, plain
transformers+peft), runs a few steps of each on a tiny random config, prints the table and writes the JSON; a check
that raises becomes a failed row and a non-zero exit."""

import json

from bench import gpu_check


def test_the_dry_run_builds_every_plan_and_trains_a_few_steps(tmp_path, capsys):
    out = tmp_path / "gpu-check.json"
    assert gpu_check.main(["--dry-run", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["dry_run"] and result["gpu"].startswith("none")
    rows = {r["check"]: r for r in result["rows"]}
    assert list(rows)[:5] == ["T4 plan: LoRA", "T4 plan: full fine-tuning", "bf16 plan: LoRA", "QLoRA",
                              "plain transformers+peft: LoRA"]  # the training half; serving checks follow
    assert all(r["status"] in ("ok", "skipped") for r in result["rows"]), result["rows"]
    for name in ("T4 plan: LoRA", "T4 plan: full fine-tuning", "bf16 plan: LoRA", "plain transformers+peft: LoRA"):
        r = rows[name]
        assert r["status"] == "ok" and r["steps"] == result["warmup_steps"] + result["timed_steps"], r
        assert r["tokens/s"] > 0 and r["MFU %"] > 0 and r["estimate GiB"] > 0
    assert rows["T4 plan: LoRA"]["plan"].startswith("float16, mixed fp16")
    assert rows["T4 plan: full fine-tuning"]["note"] == "trainable weights in float32"  # fp32 master weights
    assert rows["bf16 plan: LoRA"]["plan"].startswith("bfloat16, mixed bf16")
    assert rows["QLoRA"]["status"] == "skipped" and "needs a CUDA GPU" in rows["QLoRA"]["note"]
    assert rows["QLoRA"]["plan"].startswith("4-bit") and rows["QLoRA"]["estimate GiB"] > 0
    plain = rows["plain transformers+peft: LoRA"]  # the same plan as the bf16 row: their speeds compared
    assert plain["plan"] == rows["bf16 plan: LoRA"]["plan"] and plain["course/plain"] > 0
    assert "the course loop (bf16 plan: LoRA) is" in plain["note"]
    printed = capsys.readouterr().out
    assert "T4 plan: full fine-tuning" in printed and f"wrote {out}" in printed


def test_a_check_that_raises_is_a_failed_row(tmp_path):
    def broken(ctx):
        raise RuntimeError("no such kernel")

    ctx = gpu_check.Context(device="cpu", dry_run=True, shape=gpu_check.tiny_shape(), gpu=None, warmup=0, steps=1,
                            scratch=tmp_path)
    [r] = gpu_check.run_checks(ctx, [broken])
    assert r["status"] == "failed" and r["check"] == "broken" and "RuntimeError: no such kernel" in r["note"]
    assert gpu_check.CHECKS[:2] == [gpu_check.t4_lora, gpu_check.t4_full]  # the hook other checks are appended to


def test_bench_generation_cuda_rows_run_on_a_cpu_engine():
    """``python -m bench.bench_generation --device cuda`` waits for a GPU; its rows (eager loop, static-cache loop,
    generate_batch per batch size) are built here on a tiny CPU engine, uncompiled, so the GPU run finds working code."""
    import math

    import pytest
    import torch

    from bench import gpu_serving

    engine = gpu_serving.random_engine(gpu_check.tiny_shape(), "float32", "cpu")
    rows, facts = gpu_serving.decode_rows(engine, new_tokens=4, repeats=1, batches=(1, 3), compile=False)
    assert [r["batch"] for r in rows] == [1, 1, 1, 3] and all(r["tok_s"] > 0 for r in rows)
    assert rows[1]["path"] == "one request: static cache, eager decode step"
    assert math.isnan(facts["copy_bandwidth_gb_s"]) and facts["weight_gb"] > 0  # no bandwidth share on a CPU
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit, match="needs a CUDA GPU"):
            gpu_serving.cuda_report("Qwen2.5-1.5B")
