"""Brand voice in the weights: a LoRA adapter trained on on-brand support replies (data/prompting/brand_train.jsonl),
answered with under the one-line role of notebook 02's tone experiment, and scored with its rubric.

Taught in notebooks/08_lora_finetuning.ipynb (section 9, against notebook 02's "described in words" prompt); notebook
09 reuses it in its case study 3.
"""

from __future__ import annotations

from pathlib import Path

from helpers import env
from helpers.datasets import read_jsonl
from helpers.finetune.lora import adapters
from helpers.finetune.lora.train import LoraSettings
from helpers.prompting.limits import PROMPTING

TRAIN_FILE = PROMPTING / "brand_train.jsonl"
FIELDS = ("id", "customer_name", "message", "reply")
# notebook 02's "no guidance" system prompt (its BASE): the tuned model gets this one line and nothing else
ROLE = "You are a support agent for Pulseboard, the dashboard product of Halcyon Labs. Write the reply to the customer."
# Full profile: 4 passes over the 48 replies in batches of 4 (48 steps of about 600 tokens), the last 6 blocks adapted:
# about a minute and a half on an idle 2-core CPU, estimated from notebook 10's reference adapters (about 1 s per
# 400-token step); notebook 08 prints the time it measured. Against 3 passes over 4 blocks at 2e-3, trained on the
# same data, it ends at a clearly lower training loss (about 1.9 against 2.5). The quick profile trains 2 blocks for
# 1 pass.
RECIPE = adapters.Recipe(epochs=env.by_profile(full=4, quick=1), batch_size=4, lr=env.by_profile(full=3e-3, quick=2e-3),
                         lora=LoraSettings(r=8, alpha=16, top_layers=env.by_profile(full=6, quick=2),
                                           max_seq_len=256))


def customer_turn(message: dict) -> dict:
    """The user turn for one customer message, in notebook 02's format."""
    return {"role": "user", "content": f"Customer: {message['customer_name']}\nMessage: {message['message']}"}


def train_rows(path: Path = TRAIN_FILE) -> list[dict]:
    """The on-brand training replies: id, customer_name, message, reply (each scores 10/10 on the tone rubric)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} is missing: it holds the brand-voice training replies (see "
                                f"data/prompting/README.md); restore it with `git checkout -- {path}`")
    rows = read_jsonl(path)
    for number, row in enumerate(rows, start=1):
        missing = [f for f in FIELDS if not isinstance(row.get(f), str) or not row[f].strip()]
        if missing:
            raise ValueError(f"{path}: row {number} lacks the text field(s) {missing}; every row needs {list(FIELDS)}")
    return rows


def training_examples(limit: int | None = None) -> list[dict]:
    """Chat examples {"messages": [system ROLE, user customer_turn, assistant reply]} from brand_train.jsonl (the
    first ``limit`` of them when given)."""
    rows = train_rows()
    return [{"messages": [{"role": "system", "content": ROLE}, customer_turn(row),
                          {"role": "assistant", "content": row["reply"]}]}
            for row in rows[:limit]]


def adapter(*, run_all: bool = False, limit: int | None = None) -> adapters.Adapter:
    """The brand-voice adapter: trained once on ``training_examples(limit)`` with :data:`RECIPE` and cached on disk
    (a second call loads it; ``run_all=True`` trains again)."""
    return adapters.train_adapter("brand-voice", training_examples(limit), RECIPE, run_all=run_all)
