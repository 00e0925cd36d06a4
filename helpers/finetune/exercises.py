"""Auto-checked exercises of notebooks 07 (fine-tuning data and API jobs) and 08 (LoRA).

Importing this module registers the "07.*" and "08.*" checkers with helpers.checking; ``check`` is re-exported so a
notebook needs one import: ``from helpers.finetune.exercises import check``. Checkers compute the answer themselves.
"""

from __future__ import annotations

from helpers import paths, registry
from helpers.checking import check, exercise, verify
from helpers.finetune.lora import memory, shapes

__all__ = ["check", "verify"]


# --- notebook 07: fine-tuning data and the API ------------------------------------------------------------------
EXERCISE_07_RULES = ("not_json", "not_dict", "missing_messages", "missing_role", "unknown_role", "missing_content",
                     "empty_assistant", "no_assistant", "bad_weight")


@exercise("07.format_check")
def _format_check(answer) -> tuple[bool, str]:
    from pathlib import Path

    from helpers.finetune import data as fd

    if not callable(answer):
        return False, "Hint: pass your function itself (answer_1 = my_check_line), not its result."
    path = paths.DATA_DIR / "finetune" / "messy_chat_examples.jsonl"
    report = fd.validate_jsonl(path)
    wrong = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        expected = {p.rule for p in report.problems if p.line == number and p.rule in EXERCISE_07_RULES}
        try:
            got = {r if isinstance(r, str) else r[0] for r in answer(line)} & set(EXERCISE_07_RULES)
        except Exception as exc:  # a learner's checker may raise anything; report it instead of crashing
            got = {f"raised {type(exc).__name__}"}
        if got != expected:
            wrong.append(f"line {number}: {sorted(got)} (expected {sorted(expected)})")
    if not wrong:
        return True, f"all {report.lines} lines agree with helpers.finetune.data on the {len(EXERCISE_07_RULES)} rules."
    return False, (f"{len(wrong)} line(s) disagree, e.g. {wrong[0]}. Hint: a weight must be the integer 0 or 1 "
                   "(type(w) is int: True is a bool), and an assistant answer of only spaces is empty.")


@exercise("07.training_cost")
def _training_cost(answer) -> tuple[bool, str]:
    from helpers.finetune import data as fd

    model = min((m for m in registry.models().values() if m.training_usd_per_mtok is not None),
                key=lambda m: m.training_usd_per_mtok)
    expected = fd.estimate_cost([400] * 500, model.id)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False, "Hint: answer with a number of dollars."
    if abs(value - expected.usd) <= max(1e-9, 0.005 * expected.usd):
        return True, str(expected)
    if abs(value - expected.usd / expected.n_epochs) <= 0.005 * expected.usd:
        return False, "That is one epoch. Hint: n_epochs='auto' trains 500 examples for fd.auto_epochs(500) epochs."
    return False, ("Hint: tokens per epoch (500 x 400) x epochs (fd.auto_epochs) x the training price per million "
                   f"tokens of {model.id} (registry.get(...).training_usd_per_mtok).")


@exercise("07.best_field_accuracy")
def _best_field_accuracy(answer) -> tuple[bool, str]:
    try:
        name, table = answer
        expected = table["order fields"].astype(float).idxmax()
    except (TypeError, ValueError, KeyError):
        return False, "Hint: answer with a pair: (the row name, the comparison table itself)."
    if name == expected:
        return True, f"{expected}: {table.loc[expected, 'order fields']:.0%} of order fields right."
    return False, "Hint: table['order fields'].idxmax() names the row with the highest field-level accuracy."


# --- notebook 08: LoRA ------------------------------------------------------------------------------------------
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
