"""Auto-checked exercises of notebooks/08_lora_finetuning.ipynb, registered with helpers.exercises (importing this
module adds the "08.*" checkers; ``helpers.exercises.check`` runs them). Checkers compute the answer themselves."""

from __future__ import annotations

from helpers.exercises import exercise
from helpers.lora import memory, shapes


@exercise("08.lora_count_qwen")
def _lora_count_qwen(answer) -> tuple[bool, str]:
    shape = shapes.get_shape("Qwen2.5-1.5B")
    expected = shapes.lora_params(shape, 16, ("q_proj", "v_proj"))
    if int(answer) == expected:
        return True, f"{expected:,}: {shape.num_hidden_layers} blocks x 16 x ((1536+1536) + (1536+256))."
    return False, ("Hint: q_proj maps hidden_size -> heads x head_dim, v_proj maps hidden_size -> kv_heads x "
                   "head_dim (grouped-query attention: only 2 KV heads). r x (d_in + d_out) per layer, times the "
                   "number of blocks. shapes.get_shape('Qwen2.5-1.5B').projections() lists (d_in, d_out).")


def _biggest_fp16_lora_on_t4() -> str:
    t4 = memory.gpu_types()["T4 16GB"]
    fitting = [s for s in shapes.load_shapes().values()
               if memory.estimate_training_memory(s, method="lora", dtype="float16", r=16, batch_size=4,
                                                  seq_len=512, gradient_checkpointing=True).total_gib <= t4]
    return max(fitting, key=lambda s: s.total_params()).name


@exercise("08.biggest_on_t4")
def _biggest_on_t4(answer) -> tuple[bool, str]:
    expected = _biggest_fp16_lora_on_t4()
    if answer == expected:
        return True, f"{expected}: bigger models need 4-bit QLoRA on a T4."
    return False, ("Hint: loop over shapes.load_shapes().values(), keep those whose "
                   "memory.estimate_training_memory(shape, method='lora', dtype='float16', r=16, batch_size=4, "
                   "seq_len=512, gradient_checkpointing=True).total_gib fits memory.gpu_types()['T4 16GB'], and "
                   "answer the name of the one with the most parameters.")


@exercise("08.adapter_megabytes")
def _adapter_megabytes(answer) -> tuple[bool, str]:
    n = shapes.lora_params(shapes.get_shape("Llama-3.1-8B"), 64, shapes.ALL_SEVEN)
    expected = n * 2 / 1e6
    if abs(float(answer) - expected) <= 0.01 * expected:
        return True, f"{expected:,.0f} MB ({n:,} parameters x 2 bytes), against about 16,000 MB for the model."
    return False, "Hint: lora_params(...) for r=64 on all seven projections, times 2 bytes (bf16), in MB (1e6 bytes)."
