"""GPU mode (issue 20): the serving model chosen from the GPU, its fallbacks and the banner, tested with faked GPU facts
and a tiny random-weight model folder standing in for the Hugging Face Hub; the GPU decode path (static cache) run on
the CPU against the CPU path."""

from __future__ import annotations

import dataclasses
import shutil
import types

import httpx2
import pytest

from helpers import env, llm, local_model, registry, serving

T4 = env.GpuInfo("Tesla T4", 14.7, (7, 5))
L4 = env.GpuInfo("NVIDIA L4", 22.0, (8, 9))
A100_40 = env.GpuInfo("NVIDIA A100-SXM4-40GB", 39.4, (8, 0))
A100_80 = env.GpuInfo("NVIDIA A100-SXM4-80GB", 79.1, (8, 0))
H100 = env.GpuInfo("NVIDIA H100 80GB HBM3", 79.1, (9, 0))
V100_32 = env.GpuInfo("Tesla V100-SXM2-32GB", 31.7, (7, 0))
TOO_SMALL = env.GpuInfo("NVIDIA GeForce GTX 1650", 3.8, (7, 5))


def reachable(hub_id):
    return None


@pytest.fixture(autouse=True)
def fresh_choices(monkeypatch):
    """No memoised choice leaks between tests; the Hugging Face offline switches start unset."""
    for name in serving.OFFLINE_VARIABLES + ("COURSE_GPU_COMPILE",):
        monkeypatch.delenv(name, raising=False)
    serving.forget()
    yield
    serving.forget()


# --- the choice ---------------------------------------------------------------------------------------------------
def test_no_gpu_keeps_the_packaged_model_on_the_cpu():
    choice = serving.serving_choice(None, hub_check=pytest.fail)  # no GPU: the Hub is never asked
    assert (choice.source, choice.device, choice.dtype) == ("packaged", "cpu", None)
    assert choice.model_id == registry.default_model("local") == local_model.LOCAL_MODEL_ID
    assert "no CUDA GPU" in choice.reason


@pytest.mark.parametrize("gpu, model_id, dtype", [
    (T4, "qwen2.5-1.5b-instruct", "float16"),            # 16 GB, compute capability 7.5: a 1.5B model in fp16
    (L4, "qwen3-4b-instruct-2507", "bfloat16"),          # 24 GB: up to 4B
    (A100_40, "qwen2.5-7b-instruct", "bfloat16"),        # 40-80 GB: a 7B in bf16
    (A100_80, "qwen2.5-7b-instruct", "bfloat16"),
    (H100, "qwen2.5-7b-instruct", "bfloat16"),
    (V100_32, "qwen2.5-1.5b-instruct", "float16"),       # memory for a 7B, but no bf16 (capability 7.0)
])
def test_the_gpu_decides_the_model(gpu, model_id, dtype):
    choice = local_model.serving_choice(gpu, hub_check=reachable)  # the same function, re-exported
    candidate = {c.id: c for c in serving.candidates()}[model_id]
    assert (choice.model_id, choice.dtype, choice.source, choice.device) == (model_id, dtype, "hub", "cuda")
    assert choice.hub_id == candidate.hf_repo and gpu.name in choice.reason
    assert candidate.weights_gib < gpu.memory_gib / 2  # room for the KV cache, embeddings and a LoRA run
    if gpu is V100_32:
        assert "bfloat16" in choice.reason  # says why the bigger models were passed over


def test_candidates_are_ungated_open_models_with_sources():
    found = serving.candidates()
    assert [c.min_gpu_gib for c in found] == sorted((c.min_gpu_gib for c in found), reverse=True)
    for c in found:
        assert c.licence == "apache-2.0" and c.source.startswith("https://huggingface.co/") and c.as_of
        listed = registry.models().get(c.id)
        assert listed is None or listed.hf_repo == c.hf_repo


def test_a_gated_candidate_is_refused(tmp_path):
    text = (registry.REGISTRY_PATH.read_text(encoding="utf-8")
            .replace("      gated: false\n      needs_bf16: true          # Qwen2.5", "      gated: true\n"
                     "      needs_bf16: true          # Qwen2.5", 1))
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(registry.RegistryError, match="gated"):
        serving.candidates(path)


def test_a_gpu_too_small_for_every_candidate_keeps_the_packaged_model():
    choice = serving.serving_choice(TOO_SMALL, hub_check=pytest.fail)
    assert (choice.source, choice.device, choice.dtype) == ("packaged", "cuda", "float16")
    assert "too small" in choice.reason and "3.8 GiB" in choice.reason and "needs 7 GiB" in choice.reason


def test_course_local_model_overrides(monkeypatch):
    monkeypatch.setenv("COURSE_LOCAL_MODEL", "Qwen/Qwen2.5-3B-Instruct")
    choice = serving.serving_choice(A100_80, hub_check=pytest.fail)
    assert (choice.source, choice.model_id, choice.hub_id, choice.dtype) == (
        "override", "Qwen/Qwen2.5-3B-Instruct", "Qwen/Qwen2.5-3B-Instruct", "bfloat16")
    monkeypatch.setenv("COURSE_LOCAL_MODEL", "qwen2.5-1.5b-instruct")  # a registry id: its hf_repo is downloaded
    choice = serving.serving_choice(None)
    assert (choice.model_id, choice.hub_id, choice.device, choice.dtype) == (
        "qwen2.5-1.5b-instruct", "Qwen/Qwen2.5-1.5B-Instruct", "cpu", "float32")
    assert "COURSE_LOCAL_MODEL" in choice.reason


# --- the Hub: reachable, cached, offline, unreachable, gated --------------------------------------------------------
@pytest.fixture
def fake_hub(monkeypatch, tmp_path):
    """huggingface_hub's download and model_info, answered from a folder: ``hub.publish(repo, folder)`` puts a model
    "on the Hub"; downloads copy it into a fake cache; ``hub.calls`` lists the real (non-cache) downloads."""
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    hub = types.SimpleNamespace(repos={}, calls=[], cache=tmp_path / "hf-cache", down=False, gated=False)

    def snapshot_download(repo_id, *, local_files_only=False, allow_patterns=None, **_):
        target = hub.cache / repo_id.replace("/", "--")
        if local_files_only:
            if not target.is_dir():
                raise LocalEntryNotFoundError(f"{repo_id} is not in the cache")
            return str(target)
        if hub.down:
            raise httpx2.ConnectError("[Errno -2] Name or service not known")
        hub.calls.append(repo_id)
        shutil.copytree(hub.repos[repo_id], target)
        return str(target)

    def model_info(self, repo_id, timeout=None, **_):
        if hub.down:
            raise httpx2.ConnectError("[Errno -2] Name or service not known")
        return types.SimpleNamespace(id=repo_id, gated="manual" if hub.gated else False)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    hub.publish = lambda repo, folder: hub.repos.__setitem__(repo, folder)
    return hub


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A random-weight Llama-style model with the packaged model's tokenizer (and chat template): what a Hub model
    folder holds, small enough to load and answer on the CPU in a second."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder = tmp_path_factory.mktemp("tiny-hub-model")
    tokenizer = AutoTokenizer.from_pretrained(local_model.ensure_converted(verbose=False))
    config = AutoConfig.for_model("llama", vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                  max_position_embeddings=2048, tie_word_embeddings=True,
                                  bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    with torch.no_grad():  # larger weights than the default init, so greedy decoding does not repeat one token
        for param in model.parameters():
            param.normal_(0.0, 0.5)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    assert serving.is_complete(folder)
    return folder


def test_the_hub_model_downloads_once(fake_hub, tiny_model_dir, capsys):
    fake_hub.publish("Qwen/Qwen2.5-1.5B-Instruct", tiny_model_dir)
    choice = serving.serving_choice(T4)
    assert choice.source == "hub" and choice.hub_id == "Qwen/Qwen2.5-1.5B-Instruct"
    ready, folder = serving.prepare(choice)
    assert ready is choice and serving.is_complete(folder)
    assert "downloading Qwen/Qwen2.5-1.5B-Instruct once" in capsys.readouterr().err
    serving.forget()
    assert serving.prepare(choice)[1] == folder and serving.download(choice.hub_id) == folder
    assert fake_hub.calls == ["Qwen/Qwen2.5-1.5B-Instruct"]  # the later ones came from the cache


def test_hub_offline_keeps_the_packaged_model_unless_cached(fake_hub, tiny_model_dir, monkeypatch):
    fake_hub.publish("Qwen/Qwen2.5-7B-Instruct", tiny_model_dir)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    choice = serving.serving_choice(A100_40)
    assert (choice.source, choice.device, choice.dtype) == ("packaged", "cuda", "bfloat16")
    assert "HF_HUB_OFFLINE=1" in choice.reason and "Qwen2.5-7B-Instruct" in choice.reason
    monkeypatch.delenv("HF_HUB_OFFLINE")
    serving.download("Qwen/Qwen2.5-7B-Instruct")  # downloaded once while online ...
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert serving.serving_choice(A100_40).source == "hub"  # ... then served offline from the cache


def test_no_network_keeps_the_packaged_model(fake_hub):
    fake_hub.down = True
    choice = serving.serving_choice(L4)
    assert choice.source == "packaged" and "cannot be reached" in choice.reason and "ConnectError" in choice.reason


def test_a_gated_model_is_not_downloaded(fake_hub):
    fake_hub.gated = True
    choice = serving.serving_choice(T4)
    assert choice.source == "packaged" and "gated" in choice.reason and fake_hub.calls == []


def test_a_failed_download_falls_back_but_an_override_raises(fake_hub, monkeypatch):
    chosen = serving.serving_choice(T4, hub_check=reachable)
    fake_hub.down = True
    fallback, folder = serving.prepare(chosen)
    assert folder is None and fallback.source == "packaged" and fallback.device == "cuda"
    assert "could not be downloaded" in fallback.reason and "ConnectError" in fallback.reason
    monkeypatch.setenv("COURSE_LOCAL_MODEL", "someone/some-model")
    with pytest.raises(serving.ServingError, match="unset COURSE_LOCAL_MODEL"):
        serving.prepare(serving.serving_choice(T4))


# --- the banner -----------------------------------------------------------------------------------------------------
def test_banner_names_the_model_and_why(fake_hub, tiny_model_dir, monkeypatch):
    text = llm.banner()
    assert "NOT Claude" in text and "SmolLM2-135M" in text and "no CUDA GPU" in text
    fake_hub.publish("Qwen/Qwen2.5-1.5B-Instruct", tiny_model_dir)
    monkeypatch.setattr(env, "gpu_info", lambda: T4)
    serving.forget()
    text = llm.banner()
    assert "answered offline by Qwen2.5-1.5B-Instruct" in text and "NOT Claude" in text
    assert "float16 on the GPU" in text and "chosen for this GPU (Tesla T4, 14.7 GiB" in text
    fake_hub.down = True  # the download fails: the banner then says the packaged model answers, and why
    serving.prepare(serving.decided())
    text = llm.banner("local")
    assert "SmolLM2-135M" in text and "could not be downloaded" in text
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-value")
    text = llm.banner("anthropic")
    assert "real anthropic API" in text and "[local] model" not in text and "sk-ant-secret-value" not in text


# --- the Hub model answers through the real SDK clients -------------------------------------------------------------
@pytest.fixture
def hub_engine(fake_hub, tiny_model_dir):
    """The tiny model "from the Hub", chosen as a T4 would choose it, loaded on the CPU."""
    fake_hub.publish("Qwen/Qwen2.5-1.5B-Instruct", tiny_model_dir)
    choice, folder = serving.prepare(serving.serving_choice(T4))
    on_cpu = dataclasses.replace(choice, device="cpu", dtype="float32")
    return local_model.hub_engine(on_cpu, folder)


def test_hub_model_answers_through_the_real_sdks(hub_engine, monkeypatch):
    monkeypatch.setattr(local_model, "_ENGINE", hub_engine)
    assert hub_engine.model_id == "qwen2.5-1.5b-instruct" and hub_engine.choice.source == "hub"
    assert hub_engine.model.config._attn_implementation == "sdpa"
    claude = llm.anthropic_client(local=True)
    reply = claude.messages.create(model="claude-haiku-5-5", max_tokens=6,
                                   messages=[{"role": "user", "content": "Name one colour."}])
    assert reply.model == "qwen2.5-1.5b-instruct" and reply.usage.output_tokens > 0
    with claude.messages.stream(model="claude-haiku-5-5", max_tokens=6,
                                messages=[{"role": "user", "content": "Name one colour."}]) as stream:
        streamed = "".join(stream.text_stream)
    assert streamed == "".join(b.text for b in reply.content if b.type == "text")  # greedy: the same answer
    chat = llm.openai_client(local=True).chat.completions.create(
        model="gpt-4.1-mini", max_completion_tokens=6, messages=[{"role": "user", "content": "Name one colour."}])
    assert chat.model == "qwen2.5-1.5b-instruct" and chat.usage.completion_tokens > 0
    batch = llm.batch_complete(["Name one colour.", "Name a fruit."], provider="local", max_tokens=5,
                               progress=False)
    assert [c.model_answered for c in batch] == ["qwen2.5-1.5b-instruct"] * 2


def test_hub_model_forced_tool_call_parses(hub_engine, monkeypatch):
    """Even random weights return a well-formed tool call when the choice forces one (constrained decoding)."""
    monkeypatch.setattr(local_model, "_ENGINE", hub_engine)
    tool = {"name": "get_order", "description": "Look an order up.",
            "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}},
                             "required": ["order_id"]}}
    reply = llm.anthropic_client(local=True).messages.create(
        model="claude-haiku-5-5", max_tokens=40, tools=[tool], tool_choice={"type": "tool", "name": "get_order"},
        messages=[{"role": "user", "content": "Where is order A-17?"}])
    calls = [block for block in reply.content if block.type == "tool_use"]
    assert calls and calls[0].name == "get_order" and isinstance(calls[0].input.get("order_id"), str)
    assert reply.stop_reason in ("tool_use", "max_tokens")  # random weights may fill the string to the limit


# --- the GPU decode path, run on the CPU ----------------------------------------------------------------------------
def test_static_cache_decoding_matches_the_cpu_path(hub_engine, monkeypatch):
    """The CUDA branch of LocalEngine.stream (static KV cache, prefix cache copied in) gives the CPU branch's tokens.
    Forced onto the CPU without compiling: the compiled step is the same computation (bench.gpu_check compares them
    on a GPU)."""
    prompt = hub_engine.encode_chat([{"role": "system", "content": "You are terse. " * 8},
                                     {"role": "user", "content": "Name one colour."}])
    hub_engine.prefix_cache = None
    expected = hub_engine.generate(prompt, max_new_tokens=12)
    assert hub_engine.static_decoder is None  # the CPU path never builds the GPU decoder
    decoder = serving.StaticDecoder(hub_engine.model, 128, compile=False)
    monkeypatch.setattr(hub_engine, "_cuda_decoder", lambda tokens: decoder if tokens <= decoder.max_tokens else None)
    got = hub_engine.generate(prompt, max_new_tokens=12)
    assert (got.text, got.output_tokens, got.stop_reason) == (expected.text, expected.output_tokens,
                                                              expected.stop_reason)
    assert got.output_tokens > 3 and decoder.steps == got.output_tokens - 1
    hub_engine.prefix_cache = local_model.PrefixCache()  # a second request reuses the first one's prompt
    first = hub_engine.generate(prompt, max_new_tokens=12)
    again = hub_engine.generate(prompt, max_new_tokens=12)
    assert first.text == again.text == expected.text and again.cached_tokens == len(prompt) - 1
    sampled = [hub_engine.generate(prompt, max_new_tokens=8, temperature=0.9, seed=3).text for _ in range(2)]
    assert sampled[0] == sampled[1]  # seeded sampling on the decoder's device
    assert not decoder.fits(100)  # uncompiled, the engine's eager loop serves: the static cache would only cost
    decoder.compiled = True
    assert decoder.fits(128) and not decoder.fits(129)


def test_the_serving_checks_of_gpu_check_pass_in_its_dry_run(tmp_path):
    """bench.gpu_check's serving checks on the CPU (a tiny config, no compiling): the static-cache step against the
    eager one, batched against single generation, a forced tool call through both SDKs."""
    from bench import gpu_check, gpu_serving

    ctx = gpu_check.Context(device="cpu", dry_run=True, shape=gpu_check.tiny_shape(), gpu=None, warmup=0, steps=1,
                            scratch=tmp_path)
    rows = {r["check"]: r for r in gpu_check.run_checks(ctx, gpu_serving.SERVING_CHECKS)}
    assert set(gpu_serving.SERVING_CHECKS) <= set(gpu_check.CHECKS)
    assert list(rows) == ["serving: model per GPU", "serving: GPU decode path", "serving: batched generation",
                          "serving: tool-use parsing"]
    assert all(r["status"] == "ok" for r in rows.values()), rows
    assert "Tesla T4: qwen2.5-1.5b-instruct float16" in rows["serving: model per GPU"]["note"]
    assert rows["serving: GPU decode path"]["max_rel_logit_diff"] <= 1e-4
    assert rows["serving: batched generation"]["agreement"] in ("7/8", "8/8")


def test_base_model_names_the_weights_under_an_answer():
    assert serving.base_model("qwen2.5-7b-instruct+lora:kb-knowledge-1a2b") == "qwen2.5-7b-instruct"
    assert serving.base_model("ft:gpt-4.1-mini-2025-04-14:acme::AbC123") == "gpt-4.1-mini"  # an API fine-tune
    assert serving.base_model("qwen3-4b-instruct-2507") == "qwen3-4b-instruct-2507"  # "-2507" is not a date
    offline_tune = "ft:gpt-4.1-mini:course:tickets:1a2b3c4d"  # a LoRA job standing in for the API, on this machine
    assert serving.base_model(offline_tune, local=True) == local_model.LOCAL_MODEL_ID
    assert serving.base_model("") == ""


def test_compile_setting_is_checked(monkeypatch):
    assert serving.compile_enabled()
    monkeypatch.setenv("COURSE_GPU_COMPILE", "0")
    assert not serving.compile_enabled()
    monkeypatch.setenv("COURSE_GPU_COMPILE", "yes please")
    with pytest.raises(env.CourseConfigError, match="COURSE_GPU_COMPILE"):
        serving.compile_enabled()


def test_the_static_cache_is_passed_under_the_name_forward_takes(tiny_model_dir):
    """Issue 20 audit: transformers 5.2x names the cache argument ``cache``, Colab's 5.15 ``past_key_values`` and
    silently ignores ``cache=`` (the static cache then stayed empty and every step saw one token). The decoder asks."""
    import inspect

    import torch
    from transformers import AutoModelForCausalLM

    class Old(torch.nn.Module):
        def forward(self, input_ids=None, past_key_values=None, use_cache=None, **kwargs):
            pass

    class New(torch.nn.Module):
        def forward(self, input_ids=None, cache=None, use_cache=None, **kwargs):
            pass

    assert serving.cache_kwarg(Old()) == "past_key_values" and serving.cache_kwarg(New()) == "cache"
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    decoder = serving.StaticDecoder(model, 64, compile=False)
    assert decoder.cache_name == serving.cache_kwarg(model)
    assert decoder.cache_name in inspect.signature(model.forward).parameters
