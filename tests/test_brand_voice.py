"""The brand-voice training data and adapter (helpers.finetune.brand_voice, notebook 08 section 9): every training
reply follows all ten rules of the guide, no training message repeats or paraphrases a test message of notebook 02,
the chat examples have 02's format, and a tiny adapter trains, is cached and answers."""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher

import pytest

from helpers import env
from helpers.finetune import brand_voice as bv
from helpers.finetune.lora import adapters
from helpers.finetune.lora.train import LoraSettings
from helpers.prompting import limits as pl
from helpers.prompting.patterns import Prompt

STOP = set("a an the and or but to of in on for at by with from is are was were be been it its this that these those "
           "i we you my our your me us they their he she her his them do does did can could would should will have has "
           "had not no so if then than as just what why how when where which who there here up out about".split())


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP}


@pytest.fixture(scope="module")
def rows():
    return bv.train_rows()


def test_the_training_file_has_enough_distinct_rows(rows):
    assert 40 <= len(rows) <= 60
    assert len({r["id"] for r in rows}) == len(rows)
    for field in ("message", "reply"):
        texts = [" ".join(r[field].lower().split()) for r in rows]
        assert len(set(texts)) == len(texts), f"a {field} appears twice"
    assert len({r["customer_name"] for r in rows}) >= 0.8 * len(rows)  # the name is read from the message


def test_every_training_reply_follows_all_ten_rules(rows):
    failed = {r["id"]: [k for k, ok in pl.score_tone(r["reply"], r["customer_name"]).items() if not ok]
              for r in rows}
    assert not {i: f for i, f in failed.items() if f}, "replies that break a rule of data/prompting/brand_voice.md"


def test_no_training_message_repeats_or_paraphrases_a_test_message(rows):
    held_out = pl.tone_inputs() + pl.brand_examples()  # notebook 02's test messages and its few-shot examples
    for row in rows:
        for other in held_out:
            a, b = content_words(row["message"]), content_words(other["message"])
            overlap = len(a & b) / len(a | b)
            similar = SequenceMatcher(None, row["message"].lower(), other["message"].lower()).ratio()
            assert overlap < 0.35 and similar < 0.6, (row["id"], other["id"], round(overlap, 2), round(similar, 2))
    assert not {r["customer_name"] for r in rows} & {m["customer_name"] for m in held_out}


def test_training_examples_are_chats_in_notebook_02s_format(rows):
    examples = bv.training_examples()
    assert len(examples) == len(rows) and len(bv.training_examples(limit=3)) == 3
    system, user, assistant = examples[0]["messages"]
    assert system == {"role": "system", "content": bv.ROLE}
    assert user == bv.customer_turn(rows[0]) and user["role"] == "user"
    assert user["content"] == f"Customer: {rows[0]['customer_name']}\nMessage: {rows[0]['message']}"
    assert assistant == {"role": "assistant", "content": rows[0]["reply"]}


def test_role_is_notebook_02s_one_line_role():
    source = (env.REPO_ROOT / "notebooks" / "02_when_prompting_falls_short.py").read_text(encoding="utf-8")
    assert f'BASE = "{bv.ROLE}"' in source


def test_a_missing_or_malformed_file_says_which(tmp_path):
    with pytest.raises(FileNotFoundError, match="brand_train"):
        bv.train_rows(tmp_path / "brand_train.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "customer_name": "Ada", "message": "Hi"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl.*row 1.*reply"):
        bv.train_rows(bad)


def test_a_tiny_adapter_trains_is_cached_and_answers(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(bv, "RECIPE", adapters.Recipe(epochs=1, batch_size=2, lr=1e-3,
                                                      lora=LoraSettings(r=2, top_layers=1, max_seq_len=256)))
    first = bv.adapter(limit=2)
    assert not first.loaded_from_cache and first.meta["examples"] == 2 and first.meta["steps"] == 1
    assert first.folder.parent == tmp_path / "adapters" and first.folder.name.startswith("brand-voice-")
    again = bv.adapter(limit=2)
    assert again.loaded_from_cache and again.folder == first.folder
    message = pl.tone_inputs()[0]
    prompts = [Prompt(system=bv.ROLE, messages=[bv.customer_turn(message)], max_tokens=4)]
    [record] = adapters.engine_answers(adapters.tuned_engine(first), prompts)
    assert record["output_tokens"] <= 4 and record["input_tokens"] > 20 and record["cost_usd"] == 0.0
    adapters.forget_tuned_engines()
    # cached_answers: generated once per (model, adapter as trained, prompts, batch size), then read back
    assert adapters.cached_answers(first, prompts)[0]["text"] == record["text"]  # greedy: the same reply
    base = adapters.cached_answers(None, prompts)
    monkeypatch.setattr(adapters, "engine_answers", lambda *a, **k: pytest.fail("generated again"))
    assert adapters.cached_answers(first, prompts)[0]["text"] == record["text"]
    assert adapters.cached_answers(None, prompts) == base
    assert (tmp_path / "evaluations" / "engine-answers").is_dir()
