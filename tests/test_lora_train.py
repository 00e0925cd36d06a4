"""helpers.finetune.lora.loop: completion-only labels, the answer-only loss, the training loop, saving and merging."""

import copy

import pytest
import torch

from helpers.finetune.lora import loop as lt

SMALL = lt.LoraSettings(r=2, alpha=4, top_layers=1, target_modules=("q_proj", "v_proj"))
CHAT = [{"role": "system", "content": "Reply with JSON."}, {"role": "user", "content": "Refund the double charge."},
        {"role": "assistant", "content": '{"category":"BILLING"}'}]


@pytest.fixture
def fresh(engine):
    """A float32 copy of the local model and its tokenizer (the serving engine is never modified)."""
    return copy.deepcopy(engine.model).float(), engine.tokenizer


def labelled_text(tokenizer, labels):
    return tokenizer.decode([t for t in labels if t != lt.IGNORE])


def test_only_the_answer_is_labelled(engine):
    ids, labels = lt.encode_example(engine.tokenizer, CHAT)
    assert len(ids) == len(labels) == len(engine.encode_chat(CHAT[:2])) + len(
        engine.tokenizer('{"category":"BILLING"}<|im_end|>\n', add_special_tokens=False).input_ids)
    assert labelled_text(engine.tokenizer, labels) == '{"category":"BILLING"}<|im_end|>\n'
    first = next(i for i, t in enumerate(labels) if t != lt.IGNORE)
    assert ids[:first] == engine.encode_chat(CHAT[:2])  # everything before the answer is the prompt, masked


def test_weight_zero_answers_are_masked(engine):
    chat = CHAT[:2] + [dict(CHAT[2], content='{"category":"OTHER"}', weight=0),
                       {"role": "user", "content": "Wrong, try again."}, dict(CHAT[2], weight=1)]
    _, labels = lt.encode_example(engine.tokenizer, chat)
    assert labelled_text(engine.tokenizer, labels) == '{"category":"BILLING"}<|im_end|>\n'


def test_answer_loss_matches_the_full_loss(fresh):
    model, tokenizer = fresh
    peft_model = lt.add_lora(model, SMALL)
    ids, labels = lt.encode_example(tokenizer, CHAT)
    ids_t, labels_t = torch.tensor([ids]), torch.tensor([labels])
    mask = torch.ones_like(ids_t)
    with torch.no_grad():
        mine, n, right = lt.answer_loss(peft_model, ids_t, mask, labels_t)
        full = peft_model(input_ids=ids_t, attention_mask=mask, labels=labels_t).loss
    assert n == sum(t != lt.IGNORE for t in labels[1:]) and 0 <= right <= n
    assert float(mine) == pytest.approx(float(full), rel=1e-4)


def test_training_lowers_the_loss_and_touches_only_the_adapter(fresh, tmp_path):
    model, tokenizer = fresh
    pristine = copy.deepcopy(model)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    examples = [{"messages": CHAT}] * 4
    reports = []
    result = lt.train_lora(model, tokenizer, examples, epochs=3, batch_size=2, lr=5e-3, settings=SMALL,
                           valid_examples=examples[:1], eval_every=2, on_step=reports.append)
    assert [r.step for r in reports] == [1, 2, 3, 4, 5, 6] and reports[-1].total_steps == 6
    assert reports[-1].train_loss < reports[0].train_loss
    assert reports[1].valid_loss is not None and reports[0].valid_loss is None
    assert result.tokens_seen == sum(r.tokens for r in reports) > 0
    trainable = [n for n, p in result.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n and "layers.29." in n for n in trainable)
    for name, p in result.model.get_base_model().named_parameters():
        if "lora_" not in name:
            assert torch.equal(p, before[name.replace(".base_layer", "")]), name  # frozen weights stay put

    folder = lt.save_adapter(result.model, tmp_path / "adapter")
    assert (folder / "adapter_config.json").is_file() and not list(tmp_path.glob(".adapter*"))
    merged = lt.load_merged(pristine, folder)
    ids = torch.tensor([lt.encode_example(tokenizer, CHAT)[0]])
    with torch.no_grad():
        assert torch.allclose(merged(input_ids=ids).logits, result.model(input_ids=ids).logits, atol=1e-4)


def test_should_stop_and_too_long_examples(fresh):
    model, tokenizer = fresh
    calls = []
    result = lt.train_lora(model, tokenizer, [{"messages": CHAT}] * 6, batch_size=1, settings=SMALL,
                           on_step=calls.append, should_stop=lambda: len(calls) >= 2)
    assert result.stopped and len(calls) == 2
    tight = lt.LoraSettings(r=2, alpha=4, top_layers=1, max_seq_len=8)
    with pytest.raises(ValueError, match="no example fits"):
        lt.train_lora(model, tokenizer, [{"messages": CHAT}], settings=tight)
