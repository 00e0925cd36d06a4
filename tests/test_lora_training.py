"""helpers.finetune.lora.train and helpers.finetune.lora.evaluate on the packaged model: the cached frozen prefix is exact, training
lowers the loss, full fine-tuning trains only its blocks, an interrupted run resumes to the same weights."""

import copy

import pytest
import torch

from helpers.finetune import tasks
from helpers.finetune.lora import evaluate, live, shapes
from helpers.finetune.lora import train as lt
from helpers.finetune.lora.train import LoraSettings

SMALL = LoraSettings(r=4, alpha=8, top_layers=2, max_seq_len=200)


@pytest.fixture
def fresh(engine):
    return copy.deepcopy(engine.model).float(), engine.tokenizer


@pytest.fixture(scope="module")
def examples():
    return tasks.task_examples(8, 0, seed=3)


def test_cached_prefix_gives_the_same_loss(fresh, examples):
    model, tokenizer = fresh
    split = model.config.num_hidden_layers - 2
    module = lt._answer_loss_module(model, split)
    encoded, _ = lt.encode_all(tokenizer, examples[:3], 200)
    pad = lt.pad_id_of(tokenizer)  # transformers 5.15's tokenizer has no pad token: its eos pads
    hidden = [lt.prefix_hidden(model, split, ids) for ids, _ in encoded]
    with torch.no_grad():
        plain = module(*lt.collate(encoded, pad, "cpu"))
        cached = module(*lt.collate(encoded, pad, "cpu", hidden))
    assert float(cached[0]) == pytest.approx(float(plain[0]), rel=1e-5) and int(cached[1]) == int(plain[1]) > 0
    assert len(model.model.layers) == model.config.num_hidden_layers  # the blocks are put back


def test_lora_training_lowers_the_loss_and_records(fresh, examples, tmp_path):
    model, tokenizer = fresh
    before = lt.evaluate_loss(model, tokenizer, examples)
    seen = []
    config = lt.TrainConfig(lora=SMALL, epochs=3, batch_size=4, lr=3e-3, cache_prefix=True)
    result = lt.train(model, tokenizer, examples, config, run_dir=tmp_path / "run", on_step=seen.append,
                      progress=False)
    assert [s.step for s in seen] == [1, 2, 3, 4, 5, 6] and not result.stopped
    assert lt.evaluate_loss(result.model, tokenizer, examples) < before
    assert result.trainable_params == shapes.lora_params(shapes.shape_from_config(model.config), 4, SMALL.target_modules,
                                                         layers=2)
    assert result.tokens_per_s > 0 and result.peak_memory_gib > 0
    assert (tmp_path / "run" / "adapter" / "adapter_config.json").is_file()
    assert not (tmp_path / "run" / "checkpoint").exists() and not list((tmp_path / "run").glob(".*"))  # no debris
    summary, rows = evaluate.evaluate_tasks(result.model, tokenizer, examples[:2], batch_size=2)
    assert len(rows) == 2 and 0 <= summary["ticket accuracy"] <= 1 and summary["order JSON valid"] is None


def test_full_method_trains_only_the_top_blocks(fresh, examples):
    model, tokenizer = fresh
    embed = model.model.embed_tokens.weight.detach().clone()
    low = model.model.layers[0].mlp.up_proj.weight.detach().clone()
    top = model.model.layers[-1].mlp.up_proj.weight.detach().clone()
    config = lt.TrainConfig(method="full", lora=SMALL, max_steps=2, batch_size=4, lr=1e-4, cache_prefix=True)
    result = lt.train(model, tokenizer, examples, config, progress=False)
    per_block = sum(p.numel() for p in model.model.layers[-1].parameters())
    assert result.trainable_params == 2 * per_block
    assert torch.equal(model.model.embed_tokens.weight, embed) and torch.equal(model.model.layers[0].mlp.up_proj.weight, low)
    assert not torch.equal(model.model.layers[-1].mlp.up_proj.weight, top)


def test_interrupted_run_resumes_to_the_same_weights(engine, examples, tmp_path):
    config = lt.TrainConfig(lora=SMALL, max_steps=4, epochs=2, batch_size=4, lr=3e-3, cache_prefix=True,
                            checkpoint_every=1)
    straight = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, progress=False)
    calls = []
    cut = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=tmp_path,
                   on_step=calls.append, should_stop=lambda: len(calls) >= 2, progress=False)
    assert cut.stopped and len(cut.steps) == 2
    assert sorted(p.name for p in (tmp_path / "checkpoint").iterdir()) == ["optimizer.safetensors", "state.json",
                                                                          "trainable.safetensors"]
    resumed = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=tmp_path,
                       progress=False)
    assert resumed.resumed_from_step == 2 and [s.step for s in resumed.steps] == [1, 2, 3, 4]
    a, b = lt.trainable_state(straight.model), lt.trainable_state(resumed.model)
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    with pytest.raises(ValueError, match="batch_size"):
        lt.TrainConfig(lora=SMALL, batch_size=0)


@pytest.mark.parametrize("method", ["lora", "full"])
def test_a_finished_run_is_reused_with_the_same_weights(engine, examples, tmp_path, method):
    config = lt.TrainConfig(method=method, lora=SMALL, max_steps=3, batch_size=4, lr=3e-3 if method == "lora" else 1e-4,
                            cache_prefix=True)
    first = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=tmp_path,
                     progress=False)
    assert not first.reused and first.run_dir == tmp_path and (tmp_path / "steps.json").is_file()
    replayed = []
    again = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=tmp_path,
                     on_step=replayed.append, progress=False)
    assert again.reused and again.fingerprint == first.fingerprint
    assert [s.train_loss for s in replayed] == [s.train_loss for s in first.steps]  # the live curve is the real one
    assert again.train_seconds == pytest.approx(first.train_seconds) and again.tokens_seen == first.tokens_seen
    a, b = lt.trainable_state(first.model), lt.trainable_state(again.model)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    probe = [examples[0]["messages"][:-1]]
    assert ([r.text for r in evaluate.answer(first.model, engine.tokenizer, probe, max_new_tokens=8)]
            == [r.text for r in evaluate.answer(again.model, engine.tokenizer, probe, max_new_tokens=8)])


def test_a_finished_run_is_not_reused_for_other_data_or_when_restarting(engine, examples, tmp_path):
    config = lt.TrainConfig(lora=SMALL, max_steps=2, batch_size=4, cache_prefix=True)
    lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=tmp_path, progress=False)
    other = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples[::-1], config, run_dir=tmp_path,
                     progress=False)
    assert not other.reused and len(other.steps) == 2
    restart = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples[::-1], config,
                       run_dir=tmp_path, resume=False, progress=False)
    assert not restart.reused
    changed_base = copy.deepcopy(engine.model).float()
    with torch.no_grad():
        changed_base.get_input_embeddings().weight[0] += 1.0
    assert lt.base_fingerprint(changed_base) != lt.base_fingerprint(copy.deepcopy(engine.model).float())
    assert not lt.train(changed_base, engine.tokenizer, examples[::-1], config, run_dir=tmp_path,
                        progress=False).reused


def test_a_checkpoint_of_another_configuration_is_refused(engine, examples, tmp_path):
    config = lt.TrainConfig(lora=SMALL, max_steps=3, batch_size=4, cache_prefix=True, checkpoint_every=1)
    calls = []
    lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=tmp_path,
             on_step=calls.append, should_stop=lambda: len(calls) >= 1, progress=False)
    other = lt.TrainConfig(lora=SMALL, max_steps=3, batch_size=4, lr=1e-2, cache_prefix=True)
    with pytest.raises(ValueError, match="different configuration"):
        lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, other, run_dir=tmp_path,
                 progress=False)


def test_cached_metrics_and_explorer_logic(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    live.record_metrics("r8", {"method": "lora", "r": 8, "targets": ["q_proj", "v_proj"], "lr": 1e-3}, {"acc": 0.5})
    live.record_metrics("r64", {"method": "lora", "r": 64, "targets": list(shapes.ALL_SEVEN), "lr": 1e-3}, {"acc": 0.6})
    info = live.explore(shapes.get_shape("Llama-3.1-8B"), 16, 32, 0.05, shapes.ALL_SEVEN, 1e-3)
    assert info["trainable params"] == 41_943_040 and info["scale alpha/r"] == 2
    assert info["nearest measured run"]["name"] == "r64"
    assert info["qlora GiB"] < info["lora GiB"]
    assert live.nearest_run(live.cached_metrics(), 4, ("q_proj", "v_proj"), 3e-4)["name"] == "r8"


def test_evaluations_with_a_cache_key_are_read_back_without_computing(engine, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    test = tasks.task_examples(2, 0, split="test", seed=5)
    key = lt.base_fingerprint(engine.model)
    summary, rows = evaluate.evaluate_tasks(engine.model, engine.tokenizer, test, cache_key=key)

    def must_not_generate(*args, **kwargs):
        raise AssertionError("generated again although the answers are cached")

    loss = lt.evaluate_loss(engine.model, engine.tokenizer, test, cache_key=key)
    monkeypatch.setattr(evaluate, "answer", must_not_generate)
    monkeypatch.setattr(lt, "_answer_loss_module", must_not_generate)
    assert evaluate.evaluate_tasks(engine.model, engine.tokenizer, test, cache_key=key) == (summary, rows)
    assert lt.evaluate_loss(engine.model, engine.tokenizer, test, cache_key=key) == loss
    with pytest.raises(AssertionError, match="generated again"):  # other weights: answers are computed
        evaluate.evaluate_tasks(engine.model, engine.tokenizer, test, cache_key=key + "-tuned")


class _Payload:
    """Unpickling this writes a marker file: what a crafted checkpoint would do instead (run code)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        from pathlib import Path

        return Path.touch, (Path(self.marker),)


@pytest.mark.parametrize("method", ["lora", "full"])
def test_a_pickle_in_the_run_folder_is_never_unpickled(engine, examples, tmp_path, monkeypatch, method):
    """Resuming reads safetensors and JSON only: a crafted checkpoint.pt / trained_blocks.pt (the old pickle format)
    or a pickle posing as safetensors cannot run code."""
    import pickle

    marker = tmp_path / "pwned"
    run = tmp_path / "run"
    run.mkdir()
    payload = pickle.dumps(_Payload(marker))
    pickle.loads(payload)  # the payload works: unpickling it once here writes the marker
    assert marker.exists()
    marker.unlink()
    for name in ("checkpoint.pt", "trained_blocks.pt"):
        (run / name).write_bytes(payload)

    def no_unpickling(*args, **kwargs):
        raise AssertionError("something unpickled a file of the run folder")

    monkeypatch.setattr(torch, "load", no_unpickling)
    monkeypatch.setattr(pickle, "load", no_unpickling)
    config = lt.TrainConfig(method=method, lora=SMALL, max_steps=2, batch_size=4, lr=1e-4, cache_prefix=True,
                            checkpoint_every=1)
    calls = []
    cut = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=run,
                   on_step=calls.append, should_stop=lambda: len(calls) >= 1, progress=False)
    assert cut.stopped and cut.resumed_from_step == 0  # the old checkpoint.pt was not resumed from
    resumed = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=run,
                       progress=False)
    assert resumed.resumed_from_step == 1 and len(resumed.steps) == 2
    reused = lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=run,
                      progress=False)
    assert reused.reused and not marker.exists()
    (run / "steps.json").unlink()  # unfinished again: the next run looks for a checkpoint
    (run / "checkpoint").mkdir()  # a pickle posing as a checkpoint is refused, not loaded
    (run / "checkpoint" / "state.json").write_text('{"format": 1, "step": 1}')
    (run / "checkpoint" / "trainable.safetensors").write_bytes(payload)
    (run / "checkpoint" / "optimizer.safetensors").write_bytes(payload)
    with pytest.raises(ValueError, match="cannot be read"):
        lt.train(copy.deepcopy(engine.model).float(), engine.tokenizer, examples, config, run_dir=run, resume=True,
                 progress=False)
    assert not marker.exists()


def test_the_pad_id_falls_back_to_end_of_sequence():
    class NoPad:
        pad_token_id, eos_token_id = None, 2

    class WithPad:
        pad_token_id, eos_token_id = 5, 2

    assert lt.pad_id_of(NoPad()) == 2 and lt.pad_id_of(WithPad()) == 5 and lt.pad_id_of(None) == 0
