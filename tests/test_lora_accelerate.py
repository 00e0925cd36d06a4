"""The training entry point runs unchanged under accelerate with 2 CPU processes (gloo): both ranks train,
gradients are averaged, so both end with the same adapter weights although each saw different examples.

accelerate 1.15's ``accelerate launch --cpu --num_processes 2`` starts ONE process on a single machine (its CPU
launcher needs an MPI hostfile for more), so the test uses the torchrun-based launcher, ``--multi_gpu``; with no
CUDA, helpers.finetune.lora.train asks accelerate for the CPU and it joins the processes with gloo. A few steps, tiny
sequences: about 30 s."""

import json
import os
import subprocess
import sys
from pathlib import Path

ACCELERATE = Path(sys.executable).with_name("accelerate")


def test_two_cpu_processes_train_in_step(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", COURSE_PROFILE="quick", HF_HUB_OFFLINE="1", CUDA_VISIBLE_DEVICES="")
    command = [str(ACCELERATE), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "--num_cpu_threads_per_process", "1",
               "--main_process_port", "29517", "-m", "helpers.finetune.lora", "train", "--tickets", "4", "--orders", "0",
               "--steps", "2", "--batch-size", "2", "--top-layers", "1", "--max-seq-len", "160",
               "--run-dir", str(tmp_path / "run"), "--report-dir", str(tmp_path / "ranks"), "--quiet"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((tmp_path / "ranks" / f"rank{i}.json").read_text()) for i in (0, 1)]
    assert [r["rank"] for r in ranks] == [0, 1] and {r["world_size"] for r in ranks} == {2}
    assert {r["backend"] for r in ranks} == {"gloo"} and all(r["steps"] == 2 for r in ranks)
    assert ranks[0]["trainable_sha256"] == ranks[1]["trainable_sha256"]  # gradients were all-reduced
    assert (tmp_path / "run" / "adapter" / "adapter_config.json").is_file()
