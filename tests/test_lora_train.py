"""helpers.finetune.lora.train as the offline fine-tuning jobs and the bake-off use it: completion-only labels, the
answer-only loss, one batching for every trainer (the last partial batch kept), the losses of a tiny run pinned,
multi-process token weighting, saving and merging."""

import copy

import pytest
import torch

from helpers.finetune.lora import train as lt

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


def test_one_batching_keeps_the_last_partial_batch():
    plan = lt.batch_plan(5, 2, 2, seed=3)
    assert [len(b) for _, b in plan] == [2, 2, 1, 2, 2, 1] and [e for e, _ in plan] == [1, 1, 1, 2, 2, 2]
    for epoch in (1, 2):  # every example once per epoch
        assert sorted(i for e, b in plan if e == epoch for i in b) == [0, 1, 2, 3, 4]
    assert plan == lt.batch_plan(5, 2, 2, seed=3) and plan != lt.batch_plan(5, 2, 2, seed=4)
    assert [b for _, b in plan[:3]] != [b for _, b in plan[3:]]  # a fresh shuffle each epoch


# The losses of the loop the offline jobs and the bake-off ran before the two loops were merged (helpers/lora_train.py,
# same seed, same batching): the merged loop reproduced them bit for bit on this machine; the tolerance allows for
# other CPUs' float kernels.
PINNED = [  # (step, train loss, answer tokens accuracy, tokens, valid loss)
    (1, 2.5099194049835205, 0.47368421052631576, 202, None),
    (2, 2.8366286754608154, 0.5263157894736842, 199, 2.514820098876953),
    (3, 2.277898073196411, 0.4, 104, None),
    (4, 2.6217503547668457, 0.3888888888888889, 202, 2.465301990509033),
    (5, 2.419193983078003, 0.47368421052631576, 202, None),
    (6, 2.5271499156951904, 0.6363636363636364, 101, 2.4371988773345947),
]


def test_a_tiny_run_keeps_the_losses_of_the_jobs_and_bakeoff_loop():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from helpers import datasets
    from helpers.finetune import tasks
    from helpers.local_model import ensure_converted

    folder = ensure_converted(verbose=False)  # float32 weights, whatever dtype the serving engine picked here
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    examples = [tasks.ticket_example(t) for t in datasets.tickets("train")[:5]]
    config = lt.TrainConfig(lora=lt.LoraSettings(r=2, alpha=4, top_layers=1, max_seq_len=256), epochs=2, batch_size=2,
                            lr=1e-3, seed=3)
    result = lt.train(model, tokenizer, examples, config, device="cpu", valid_examples=examples[:2], eval_every=2,
                      progress=False)
    got = [(s.step, s.train_loss, s.train_mean_token_accuracy, s.tokens, s.valid_loss) for s in result.steps]
    assert [g[0] for g in got] == [p[0] for p in PINNED] and [g[3] for g in got] == [p[3] for p in PINNED]
    for (_, loss, acc, _, valid), (_, p_loss, p_acc, _, p_valid) in zip(got, PINNED):
        assert loss == pytest.approx(p_loss, rel=1e-4) and acc == pytest.approx(p_acc, abs=0.03)
        assert (valid is None) == (p_valid is None) and (valid is None or valid == pytest.approx(p_valid, rel=1e-4))
    assert result.tokens_seen == sum(p[3] for p in PINNED) and result.steps[-1].total_steps == 6


def test_training_lowers_the_loss_and_touches_only_the_adapter(fresh, tmp_path):
    model, tokenizer = fresh
    pristine = copy.deepcopy(model)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    examples = [{"messages": CHAT}] * 4
    reports = []
    config = lt.TrainConfig(lora=SMALL, epochs=3, batch_size=2, lr=5e-3)
    result = lt.train(model, tokenizer, examples, config, device="cpu", valid_examples=examples[:1], eval_every=2,
                      on_step=reports.append, progress=False)
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
    again = lt.save_adapter(result.model, tmp_path / "adapter")  # an adapter already there is replaced whole
    assert again == folder and sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]
    merged = lt.load_merged(pristine, folder)
    ids = torch.tensor([lt.encode_example(tokenizer, CHAT)[0]])
    with torch.no_grad():
        assert torch.allclose(merged(input_ids=ids).logits, result.model(input_ids=ids).logits, atol=1e-4)


def test_should_stop_and_too_long_examples(fresh):
    model, tokenizer = fresh
    calls = []
    result = lt.train(model, tokenizer, [{"messages": CHAT}] * 6, lt.TrainConfig(lora=SMALL, batch_size=1),
                      device="cpu", on_step=calls.append, should_stop=lambda: len(calls) >= 2, progress=False)
    assert result.stopped and len(calls) == 2
    tight = lt.LoraSettings(r=2, alpha=4, top_layers=1, max_seq_len=8)
    with pytest.raises(ValueError, match="no example fits"):
        lt.train(model, tokenizer, [{"messages": CHAT}], lt.TrainConfig(lora=tight), device="cpu", progress=False)


def test_a_process_without_examples_joins_with_no_answer_tokens():
    encoded = [([1, 2, 3], [lt.IGNORE, 2, 3]), ([4, 5], [lt.IGNORE, 5])]
    assert lt._share([0, 1], encoded, 1, 2) == ([1], [encoded[1]])
    mine, rows = lt._share([0], encoded, 1, 2)  # a last batch of one example, two processes
    assert mine == [0] and rows == [([1, 2, 3], [lt.IGNORE] * 3)]


def test_token_weighted_shares_give_the_whole_batch_gradient(fresh):
    """The rule the loop applies under accelerate launch: each process scales its mean loss by its share of the
    batch's answer tokens times the number of processes, so DDP's average equals the single-process gradient."""
    model, tokenizer = fresh
    peft_model = lt.add_lora(model, SMALL)
    module = lt._answer_loss_module(peft_model.get_base_model(), 0)
    chats = [CHAT, CHAT[:2] + [dict(CHAT[2], content='{"category":"SHIPPING","urgent":true}')], CHAT]
    encoded = [lt.encode_example(tokenizer, c) for c in chats]
    params = [p for p in peft_model.parameters() if p.requires_grad]

    def grads(loss):
        for p in params:
            p.grad = None
        loss.backward()
        return [p.grad.clone() for p in params]

    whole = grads(module(*lt.collate(encoded, 0, "cpu"))[0])
    answers = sum(lt._answer_count(labels) for _, labels in encoded)
    world, summed = 2, None
    for rank in range(world):
        _, rows = lt._share([0, 1, 2], encoded, rank, world)
        loss, n, _ = module(*lt.collate(rows, 0, "cpu"))
        g = grads(loss * (float(n) * world / answers))
        summed = g if summed is None else [a + b for a, b in zip(summed, g)]
    assert all(torch.allclose(a / world, b, atol=1e-6) for a, b in zip(summed, whole))
