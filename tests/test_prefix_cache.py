"""The local engine's prefix KV cache (helpers.local_model.PrefixCache) and the prompt-cache accounting of the offline
server in both wire formats (helpers.prompt_cache), through the real SDK clients (issue 24; notebook 02, section 4)."""

import copy

import anthropic
import httpx2
import openai
import pytest
import torch

from helpers import budget, datasets, llm, local_api, prompt_cache, registry
from helpers.local_model import LocalEngine, PrefixCache

CLAUDE = "claude-haiku-5-5"  # min_cacheable_tokens 512, cache_ttl_s 300 in the registry
GPT = "gpt-6-luna"  # min 1024, ttl 1800, bills cache writes
KEY = ("engine-a", "single", "torch.float32", "cpu")


def few_shot_system(shots: int) -> str:
    examples = "\n\n".join(f"Ticket: {t['text']}\nCategory: {t['label']}" for t in datasets.tickets("train")[:shots])
    return "Classify the support ticket into one of: " + ", ".join(datasets.TICKET_LABELS) + ".\n\n" + examples


LONG_SYSTEM = few_shot_system(30)  # about 1,450 SmolLM2 tokens: over both providers' minimums
QUESTIONS = ["My invoice shows the wrong amount.", "The dashboard will not load since this morning.",
             "How do I add a teammate?"]


@pytest.fixture(autouse=True)
def registry_day(monkeypatch):
    monkeypatch.setattr(local_api, "today", registry.as_of)


class FakeClock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """A fresh provider cache on a clock the test moves by hand."""
    fake = FakeClock()
    monkeypatch.setattr(prompt_cache, "PROVIDER_CACHE", prompt_cache.ProviderCache(fake))
    return fake


WARM = PrefixCache()  # shared by the accounting tests: the long prefix is computed once for the whole module


@pytest.fixture
def warm_engine(engine, monkeypatch):
    monkeypatch.setattr(engine, "prefix_cache", WARM)
    return engine


def fake_kv(tokens: list[int], layers: int = 2) -> list:
    """Per-layer (keys, values) in which position p holds token p's id, so a slice shows where it came from."""
    x = torch.tensor(tokens, dtype=torch.float32).view(1, 1, -1, 1)
    return [(x.clone(), -x.clone()) for _ in range(layers)]


# --- the trie: longest prefix, branches, the memory bound -----------------------------------------------------------
def test_lookup_returns_the_longest_cached_prefix_across_branches():
    cache = PrefixCache(max_bytes=10_000)
    cache.insert(KEY, [1, 2, 3, 4, 5], fake_kv([1, 2, 3, 4, 5]))
    cache.insert(KEY, [1, 2, 3, 9, 9], fake_kv([1, 2, 3, 9, 9]))  # shares 3 tokens: the trie splits there
    assert cache.tokens == 7 and cache.nbytes == 7 * 2 * 2 * 4  # each token once: 2 layers x (keys, values) x 4 B
    n, layers = cache.lookup(KEY, [1, 2, 3, 9, 7])
    assert n == 4
    assert layers[0][0].flatten().tolist() == [1, 2, 3, 9] and layers[1][1].flatten().tolist() == [-1, -2, -3, -9]
    assert cache.peek(KEY, [1, 2, 3, 4, 5, 6]) == 5
    assert cache.lookup(KEY, [7, 1]) == (0, None)
    assert cache.peek(("engine-b",) + KEY[1:], [1, 2, 3]) == 0  # another engine's weights: nothing to reuse
    cache.forget("engine-a")
    assert cache.nbytes == 0 and cache.tokens == 0


def test_memory_bound_evicts_the_least_recently_used_branch():
    cache = PrefixCache(max_bytes=8 * 16)  # 8 tokens of 16 bytes each
    cache.insert(KEY, [1, 2, 3], fake_kv([1, 2, 3]))
    cache.insert(KEY, [4, 5, 6], fake_kv([4, 5, 6]))
    assert cache.lookup(KEY, [1, 2, 3, 0])[0] == 3  # [1, 2, 3] is now the more recently used
    cache.insert(KEY, [7, 8, 9], fake_kv([7, 8, 9]))  # 9 tokens > 8: one branch must go
    assert cache.peek(KEY, [4, 5, 6]) == 0 and cache.peek(KEY, [1, 2, 3]) == 3 and cache.peek(KEY, [7, 8, 9]) == 3
    assert cache.nbytes == 6 * 16 <= cache.max_bytes and cache.stats["evicted_tokens"] == 3
    cache.insert(KEY, list(range(100, 120)), fake_kv(list(range(100, 120))))  # larger than the bound: not kept
    assert cache.peek(KEY, list(range(100, 120))) == 0 and cache.nbytes == 6 * 16


def test_a_shared_stem_outlives_its_branches():
    cache = PrefixCache(max_bytes=6 * 16)
    cache.insert(KEY, [1, 2, 3, 4], fake_kv([1, 2, 3, 4]))
    cache.insert(KEY, [1, 2, 3, 5], fake_kv([1, 2, 3, 5]))  # stem [1, 2, 3] + branches [4] and [5]: 5 tokens
    cache.insert(KEY, [1, 2, 3, 6, 7], fake_kv([1, 2, 3, 6, 7]))  # 7 tokens: the oldest branch ([4]) goes
    assert cache.peek(KEY, [1, 2, 3, 4]) == 3 and cache.peek(KEY, [1, 2, 3, 5]) == 4
    assert cache.peek(KEY, [1, 2, 3, 6, 7]) == 5


# --- the engine: identical greedy outputs, reuse, keys --------------------------------------------------------------
def prompts_for(engine, system: str, questions: list[str]) -> list[list[int]]:
    return [engine.encode_chat([{"role": "system", "content": system}, {"role": "user", "content": q}])
            for q in questions]


def test_greedy_outputs_are_identical_with_and_without_the_cache(engine, monkeypatch):
    system = few_shot_system(6)
    prompts = prompts_for(engine, system, QUESTIONS + ["Cancel my plan and refund the rest of the year, please."])
    monkeypatch.setattr(engine, "prefix_cache", None)
    plain = [engine.generate(p, max_new_tokens=10).text for p in prompts]
    plain_batch = [r.text for r in engine.generate_batch(prompts, max_new_tokens=10, stop=["\n\n"])]

    monkeypatch.setattr(engine, "prefix_cache", PrefixCache())
    cold = [engine.generate(p, max_new_tokens=10) for p in prompts]
    warm = [engine.generate(p, max_new_tokens=10) for p in prompts]
    assert [r.text for r in cold] == [r.text for r in warm] == plain
    shared = len(engine.encode_chat([{"role": "system", "content": system}], continue_final=True))
    assert cold[0].cached_tokens == 0 and all(r.cached_tokens >= shared for r in cold[1:])
    assert [r.cached_tokens for r in warm] == [len(p) - 1 for p in prompts]  # all but the last token

    engine.prefix_cache.clear()
    batch_cold = engine.generate_batch(prompts, max_new_tokens=10, stop=["\n\n"])  # the shared part once
    batch_warm = engine.generate_batch(prompts, max_new_tokens=10, stop=["\n\n"])
    assert [r.text for r in batch_cold] == [r.text for r in batch_warm] == plain_batch
    assert [r.cached_tokens for r in batch_cold] == [0] * len(prompts)
    assert all(r.cached_tokens >= shared for r in batch_warm)


def test_batches_mixing_prefixes_match_the_plain_path(engine, monkeypatch):
    prompts = (prompts_for(engine, few_shot_system(3), QUESTIONS[:2])
               + prompts_for(engine, "You are a terse assistant.", QUESTIONS[1:]))
    monkeypatch.setattr(engine, "prefix_cache", None)
    plain = [r.text for r in engine.generate_batch(prompts, max_new_tokens=8, batch_size=2)]
    monkeypatch.setattr(engine, "prefix_cache", PrefixCache())
    for _ in range(2):  # cold, then warm
        assert [r.text for r in engine.generate_batch(prompts, max_new_tokens=8, batch_size=2)] == plain


def test_a_tuned_engine_never_reuses_the_base_models_keys_and_values(engine, monkeypatch):
    shared = PrefixCache()
    monkeypatch.setattr(engine, "prefix_cache", shared)
    prompt = prompts_for(engine, few_shot_system(4), QUESTIONS[:1])[0]
    engine.generate(prompt, max_new_tokens=1)
    assert engine.cached_prefix(prompt) == len(prompt) - 1
    weights = copy.deepcopy(engine.model)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():  # a rank-2 LoRA update merged into every q_proj and v_proj, as a tuned adapter is
        for layer in weights.model.layers:
            for proj in (layer.self_attn.q_proj, layer.self_attn.v_proj):
                out_dim, in_dim = proj.weight.shape
                proj.weight += 0.02 * torch.randn(out_dim, 2, generator=generator) @ torch.randn(
                    2, in_dim, generator=generator)
    tuned = LocalEngine(weights, engine.tokenizer, model_id=engine.model_id, display_name="tuned",
                        context_window=engine.context_window)  # even under the same model id
    tuned.prefix_cache = shared
    assert tuned.prefix_key() != engine.prefix_key()
    assert tuned.cached_prefix(prompt) == 0
    answer = tuned.generate(prompt, max_new_tokens=8)
    assert answer.cached_tokens == 0
    tuned.prefix_cache = None
    assert tuned.generate(prompt, max_new_tokens=8).text == answer.text
    assert engine.cached_prefix(prompt) == len(prompt) - 1  # the base engine's entry is untouched


def test_the_key_names_dtype_and_which_model():
    key = ("owner", "single", "torch.float32", "cpu")
    cache = PrefixCache(max_bytes=10_000)
    cache.insert(key, [1, 2, 3], fake_kv([1, 2, 3]))
    assert cache.peek(("owner", "single", "torch.bfloat16", "cpu"), [1, 2, 3]) == 0
    assert cache.peek(("owner", "batch", "torch.float32", "cpu"), [1, 2, 3]) == 0


# --- accounting: Anthropic ------------------------------------------------------------------------------------------
def ask(question: str) -> list[dict]:
    return [{"role": "user", "content": question}]


def cached_system(ttl: str | None = None) -> list[dict]:
    control = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return [{"type": "text", "text": LONG_SYSTEM, "cache_control": control}]


def test_anthropic_breakpoint_writes_then_reads(warm_engine, clock):
    claude = llm.anthropic_client(local=True)
    system_tokens = len(warm_engine.encode_chat([{"role": "system", "content": LONG_SYSTEM}], continue_final=True))
    assert system_tokens >= registry.capabilities(CLAUDE).min_cacheable_tokens
    first = claude.messages.create(model=CLAUDE, max_tokens=1, system=cached_system(), messages=ask(QUESTIONS[0]))
    total = claude.messages.count_tokens(model=CLAUDE, system=cached_system(), messages=ask(QUESTIONS[0]))
    u = first.usage
    assert (u.cache_creation_input_tokens, u.cache_read_input_tokens) == (system_tokens, 0)
    assert u.cache_creation.ephemeral_5m_input_tokens == system_tokens and u.cache_creation.ephemeral_1h_input_tokens == 0
    assert u.input_tokens == total.input_tokens - system_tokens  # only what follows the breakpoint
    second = claude.messages.create(model=CLAUDE, max_tokens=1, system=cached_system(), messages=ask(QUESTIONS[1]))
    v = second.usage
    assert (v.cache_creation_input_tokens, v.cache_read_input_tokens) == (0, system_tokens)
    with claude.messages.stream(model=CLAUDE, max_tokens=1, system=cached_system(),
                                messages=ask(QUESTIONS[2])) as stream:
        streamed = stream.get_final_message().usage
    assert (streamed.cache_creation_input_tokens, streamed.cache_read_input_tokens) == (0, system_tokens)


def test_anthropic_minimum_length_is_the_requested_models(warm_engine, clock):
    claude = llm.anthropic_client(local=True)
    minimum = registry.capabilities("claude-haiku-4-5").min_cacheable_tokens  # 4096: more than this prompt
    response = claude.messages.create(model="claude-haiku-4-5", max_tokens=1, system=cached_system(),
                                      messages=ask(QUESTIONS[0]))
    assert response.usage.input_tokens < minimum
    assert (response.usage.cache_creation_input_tokens, response.usage.cache_read_input_tokens) == (0, 0)


def test_anthropic_automatic_caching_and_the_long_ttl(warm_engine, clock):
    claude = llm.anthropic_client(local=True)
    body = {"model": CLAUDE, "max_tokens": 1, "system": LONG_SYSTEM, "messages": ask(QUESTIONS[0]),
            "extra_body": {"cache_control": {"type": "ephemeral", "ttl": "1h"}}}
    first = claude.messages.create(**body).usage
    assert first.cache_creation_input_tokens == first.cache_creation.ephemeral_1h_input_tokens > 0
    assert 0 < first.input_tokens < 10  # after the last block: only the template's end of turn
    clock.now += registry.capabilities(CLAUDE).cache_ttl_s + 60  # past 5 minutes, within the hour
    again = claude.messages.create(**body).usage
    assert (again.cache_read_input_tokens, again.cache_creation_input_tokens) == (first.cache_creation_input_tokens, 0)


def test_anthropic_entries_expire_after_the_models_ttl(warm_engine, clock):
    claude = llm.anthropic_client(local=True)
    ttl = registry.capabilities(CLAUDE).cache_ttl_s

    def call(question):
        usage = claude.messages.create(model=CLAUDE, max_tokens=1, system=cached_system(),
                                       messages=ask(question)).usage
        return usage.cache_creation_input_tokens, usage.cache_read_input_tokens

    written, _ = call(QUESTIONS[0])
    clock.now += ttl - 1
    assert call(QUESTIONS[1]) == (0, written)  # a hit refreshes the lifetime...
    clock.now += ttl - 1
    assert call(QUESTIONS[2]) == (0, written)  # ...so this one still hits
    clock.now += ttl + 1
    assert call(QUESTIONS[0]) == (written, 0)  # expired: written again


def test_anthropic_reads_only_what_the_engine_still_holds(warm_engine, clock, monkeypatch):
    claude = llm.anthropic_client(local=True)
    written = claude.messages.create(model=CLAUDE, max_tokens=1, system=cached_system(),
                                     messages=ask(QUESTIONS[0])).usage.cache_creation_input_tokens
    monkeypatch.setattr(warm_engine, "prefix_cache", PrefixCache())  # the engine dropped its keys and values
    usage = claude.messages.create(model=CLAUDE, max_tokens=1, system=cached_system(), messages=ask(QUESTIONS[1])).usage
    assert (usage.cache_creation_input_tokens, usage.cache_read_input_tokens) == (written, 0)


def test_anthropic_refuses_what_the_api_refuses(warm_engine, clock):
    claude = llm.anthropic_client(local=True)
    blocks = [{"type": "text", "text": f"Rule {i}.", "cache_control": {"type": "ephemeral"}} for i in range(5)]
    with pytest.raises(anthropic.BadRequestError, match="A maximum of 4 blocks with cache_control may be provided. "
                                                         "Found 5."):
        claude.messages.create(model=CLAUDE, max_tokens=1, system=blocks, messages=ask("Hi"))
    with pytest.raises(anthropic.BadRequestError, match="ttl"):
        claude.messages.create(model=CLAUDE, max_tokens=1, messages=ask("Hi"), system=[
            {"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral", "ttl": "2h"}}])


# --- accounting: OpenAI ---------------------------------------------------------------------------------------------
def chat(question: str) -> list[dict]:
    return [{"role": "system", "content": LONG_SYSTEM}, {"role": "user", "content": question}]


def test_openai_reports_cached_tokens_in_128_token_steps(warm_engine, clock):
    gpt = llm.openai_client(local=True)

    def usage(model, question):
        extra = {"reasoning_effort": "none"} if registry.capabilities(model).thinking != "none" else {}
        return gpt.chat.completions.create(model=model, max_completion_tokens=1, messages=chat(question),
                                           **extra).usage

    first = usage(GPT, QUESTIONS[0])
    assert first.prompt_tokens_details.cached_tokens == 0
    assert first.prompt_tokens_details.cache_write_tokens == first.prompt_tokens  # GPT-6 bills cache writes
    second = usage(GPT, QUESTIONS[1])
    a, b = (warm_engine.encode_chat(c) for c in (chat(QUESTIONS[0]), chat(QUESTIONS[1])))
    shared = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
    cached = second.prompt_tokens_details.cached_tokens
    assert cached == shared // 128 * 128 >= registry.capabilities(GPT).min_cacheable_tokens
    assert second.prompt_tokens == len(b)  # cached tokens stay inside prompt_tokens
    assert second.prompt_tokens_details.cache_write_tokens == second.prompt_tokens - cached
    older = usage("gpt-4.1-mini", QUESTIONS[1])  # its own cache: a first request, and no write fee to report
    assert older.prompt_tokens_details.cached_tokens == 0 and older.prompt_tokens_details.cache_write_tokens is None
    assert usage("gpt-4.1-mini", QUESTIONS[2]).prompt_tokens_details.cached_tokens == cached
    short = gpt.chat.completions.create(model=GPT, max_completion_tokens=1, reasoning_effort="none",
                                        messages=ask(QUESTIONS[0]))
    assert short.usage.prompt_tokens < 1024 and short.usage.prompt_tokens_details.cached_tokens == 0


def test_openai_cache_expires(warm_engine, clock):
    gpt = llm.openai_client(local=True)

    def cached(question):
        return gpt.chat.completions.create(model=GPT, max_completion_tokens=1, reasoning_effort="none",
                                           messages=chat(question)).usage.prompt_tokens_details.cached_tokens

    cached(QUESTIONS[0])
    clock.now += registry.capabilities(GPT).cache_ttl_s + 1
    assert cached(QUESTIONS[1]) == 0


# --- the money guard prices cache reads and writes ------------------------------------------------------------------
def test_budget_prices_cache_reads_and_writes(monkeypatch):
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": CLAUDE,
               "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
               "usage": {"input_tokens": 50, "cache_creation_input_tokens": 3000, "cache_read_input_tokens": 0,
                         "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
                         "output_tokens": 5}}
    completion = {"id": "c1", "object": "chat.completion", "created": 1, "model": GPT,
                  "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                  "usage": {"prompt_tokens": 3050, "completion_tokens": 5, "total_tokens": 3055,
                            "prompt_tokens_details": {"cached_tokens": 2944, "cache_write_tokens": 106}}}
    guard = budget.Budget()

    def client(kind, payload):
        transport = budget.GuardedTransport(httpx2.MockTransport(lambda request: httpx2.Response(200, json=payload)),
                                            kind, local=False, budget=guard)
        cls = anthropic.Anthropic if kind == "anthropic" else openai.OpenAI
        return cls(api_key="k", http_client=httpx2.Client(transport=transport), max_retries=0)

    client("anthropic", message).messages.create(model=CLAUDE, max_tokens=5, messages=ask("hi"))
    claude = registry.get(CLAUDE)
    expected = (claude.cost(50, 5, cache_write_tokens=1000)
                + claude.cost(0, 0, cache_write_tokens=2000, cache_ttl_s=claude.capabilities.cache_long_ttl_s))
    assert guard.spent_usd == pytest.approx(expected)
    client("openai", completion).chat.completions.create(model=GPT, messages=ask("hi"))
    expected += registry.cost(GPT, 0, 5, cache_write_tokens=106, cache_read_tokens=2944)
    assert guard.spent_usd == pytest.approx(expected)
