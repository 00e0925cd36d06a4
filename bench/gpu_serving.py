"""GPU mode's serving engine, measured and checked (issue 20), without the Hub: the course's LocalEngine over a
random-weight model built from a stored config (data/model_configs; decode speed does not depend on the weights'
values) and the packaged model's tokenizer.

    python -m bench.bench_generation --device cuda [--shape Qwen2.5-1.5B]    # tokens/s and share of bandwidth
    python -m bench.gpu_check                                                # runs SERVING_CHECKS with the others

Decoding one token reads every weight once, so the share of the GPU's memory bandwidth a decode path reaches is
(decode steps/s x weight bytes) / the copy bandwidth measured in the same run: the honest yardstick for the per-token
overhead the static cache and the compiled decode step remove (helpers.serving.StaticDecoder).
The checks (``SERVING_CHECKS``, appended to bench.gpu_check.CHECKS): the compiled static-cache step gives the eager
step's logits; batched generation gives the single requests' answers; a forced tool call through the real Anthropic SDK
parses into a ``tool_use`` block. Each also runs in gpu_check's CPU dry-run on a tiny config (no compiling there).
"""

from __future__ import annotations

import statistics
import time

SERVING_SHAPE = "Qwen2.5-1.5B"  # the T4's serving model (helpers.serving), stored in data/model_configs
PROMPTS = ["Write a short paragraph about dashboards.", "Name a fruit.",
           "Summarise in two sentences why a support team tags tickets by category before answering them.",
           "What is 2 + 2?", "Say hello in French.", "List three colours.",
           "Explain what a refund window is, briefly.", "Give one tip for writing clear error messages."]


def _sync(device) -> None:
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def tokenizer():
    """The packaged model's tokenizer (it has a chat template): ids for every random-weight model here."""
    from transformers import AutoTokenizer

    from helpers import local_model

    return AutoTokenizer.from_pretrained(local_model.ensure_converted(verbose=False))


def random_engine(shape, dtype: str, device: str, tok=None):
    """A LocalEngine over a random-weight model of ``shape`` (a helpers.finetune.lora.shapes.ModelShape) in ``dtype``
    on ``device``, with SDPA attention; its vocabulary is widened to the tokenizer's when smaller. No prefix cache:
    every request computes its prompt, so the rates are the decode paths' own."""
    import torch
    from transformers import AutoModelForCausalLM

    from helpers.local_model import LocalEngine

    tok = tok or tokenizer()
    config = shape.to_hf_config()
    config.vocab_size = max(config.vocab_size, len(tok))
    config.max_position_embeddings = 8192
    config.bos_token_id, config.eos_token_id = tok.bos_token_id, tok.eos_token_id
    config._attn_implementation = "sdpa"
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=getattr(torch, dtype))
    model.generation_config.eos_token_id = tok.eos_token_id
    engine = LocalEngine(model, tok, model_id=f"random:{shape.name}", context_window=8192,
                         display_name=f"{shape.name}-shaped, random weights ({dtype}, {device})")
    engine.prefix_cache = None
    return engine


def weight_bytes(model) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


def copy_bandwidth_gbs(device: str = "cuda", megabytes: int = 1024, repeats: int = 10) -> float:
    """Device memory bandwidth of a large copy (read + write), GB/s: the decode ceiling's numerator."""
    import torch

    src = torch.empty(megabytes * 2**20, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    dst.copy_(src)
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        dst.copy_(src)
    _sync(device)
    return 2 * src.numel() * repeats / (time.perf_counter() - start) / 1e9


class _NoDecoder:
    """Stands in for the static decoder so the engine takes its eager path (the CPU path's code) on the GPU."""

    note = "eager loop, dynamic cache (the CPU path's code)"

    @staticmethod
    def fits(tokens: int) -> bool:
        return False


def stream_rate(engine, prompt: list[int], new_tokens: int, repeats: int) -> dict:
    """Median decode tokens/s (after the first token) and time to first token of ``engine.generate``."""
    runs = []
    for _ in range(repeats):
        _sync(engine.device)
        result = engine.generate(prompt, max_new_tokens=new_tokens, stop=["\x00never"])
        _sync(engine.device)
        decode_s = max(1e-9, result.seconds - (result.first_token_s or 0.0))
        runs.append(((result.output_tokens - 1) / decode_s, result.first_token_s or 0.0, result.output_tokens))
    return {"tokens_per_s": statistics.median(r[0] for r in runs), "ttft_s": statistics.median(r[1] for r in runs),
            "tokens": min(r[2] for r in runs)}


def decode_rows(engine, *, new_tokens: int = 64, repeats: int = 3, batches=(1, 8, 16, 32),
                compile: bool = True) -> tuple[list[dict], dict]:
    """(rows, run facts): tokens/s and the share of the measured copy bandwidth of the single-request loop on its two
    GPU paths (the eager loop, as with COURSE_GPU_COMPILE=0; the static cache with the compiled step, the default),
    then of generate_batch at several batch sizes. ``compile=False``: the CPU test of these rows (no share of
    bandwidth there, and the uncompiled decoder hands requests to the eager loop)."""
    from helpers import serving

    device = str(engine.device)
    bandwidth = copy_bandwidth_gbs(device) if device.startswith("cuda") else float("nan")
    wbytes = weight_bytes(engine.model)
    prompt = engine.encode_chat([{"role": "user", "content": PROMPTS[0]}])

    def share(steps_per_s: float) -> float:
        return round(100 * steps_per_s * wbytes / (bandwidth * 1e9), 1)

    rows = []
    for decoder in (_NoDecoder(), serving.StaticDecoder(engine.model, compile=compile)):
        engine.static_decoder = decoder
        started = time.perf_counter()
        engine.generate(prompt, max_new_tokens=8, stop=["\x00never"])  # warm-up (the compile happens here)
        warm_s = time.perf_counter() - started
        rate = stream_rate(engine, prompt, new_tokens, repeats)
        rows.append({"path": f"one request: {decoder.note}", "batch": 1, "tok_s": round(rate["tokens_per_s"], 1),
                     "ms_per_step": round(1000 / rate["tokens_per_s"], 2), "ttft_ms": round(1000 * rate["ttft_s"]),
                     "pct_of_bandwidth": share(rate["tokens_per_s"]), "warmup_s": round(warm_s, 1),
                     "tokens": rate["tokens"]})
    engine.static_decoder = None
    for batch in batches:
        group = [prompt] * batch
        engine.generate_batch(group, max_new_tokens=4, batch_size=batch)  # warm-up
        _sync(device)
        started = time.perf_counter()
        results = engine.generate_batch(group, max_new_tokens=new_tokens, batch_size=batch)
        _sync(device)
        seconds = time.perf_counter() - started
        steps = max(r.output_tokens for r in results)
        rows.append({"path": "generate_batch (transformers generate, dynamic cache)", "batch": batch,
                     "tok_s": round(sum(r.output_tokens for r in results) / seconds, 1),
                     "ms_per_step": round(1000 * seconds / steps, 2), "ttft_ms": "",
                     "pct_of_bandwidth": share(steps / seconds), "warmup_s": "", "tokens": steps})
    return rows, {"copy_bandwidth_gb_s": round(bandwidth, 1), "weight_gb": round(wbytes / 1e9, 3),
                  "prompt_tokens": len(prompt), "new_tokens": new_tokens, "repeats": repeats}


def cuda_report(shape_name: str = SERVING_SHAPE, *, new_tokens: int = 64, repeats: int = 3,
                batches=(1, 8, 16, 32)) -> dict:
    """``bench.bench_generation --device cuda``: the rows of :func:`decode_rows` for a ``shape_name``-shaped model in
    this GPU's serving dtype (bfloat16 from compute capability 8.0, else float16)."""
    import torch

    from helpers import env
    from helpers.finetune.lora import shapes

    if not torch.cuda.is_available():
        raise SystemExit("--device cuda needs a CUDA GPU; none is visible (torch.cuda.is_available() is False)")
    gpu = env.gpu_info()
    engine = random_engine(shapes.get_shape(shape_name), gpu.dtype_name, "cuda")
    rows, facts = decode_rows(engine, new_tokens=new_tokens, repeats=repeats, batches=batches)
    return {"gpu": gpu.name, "gpu_memory_gib": gpu.memory_gib, "dtype": gpu.dtype_name, "model": engine.display_name,
            **facts, "rows": rows}


# --- the serving checks of bench.gpu_check ---------------------------------------------------------------------------
def _row(check: str, plan: str, status: str, **values) -> dict:
    return {"check": check, "plan": plan, "status": status, **values}


_ENGINES: dict[tuple, object] = {}  # one engine per gpu_check run: its decode step compiles once for every check


def _check_engine(ctx):
    """The engine every serving check uses: Qwen2.5-1.5B-shaped in the GPU's dtype, or a tiny float32 one on the CPU
    in the dry-run (gpu_check's Context: ``device``, ``dry_run``, ``shape``, ``gpu``, ``scratch``)."""
    from helpers import serving
    from helpers.finetune.lora import shapes

    key = (ctx.dry_run, ctx.device, str(ctx.scratch))
    if key not in _ENGINES:
        _ENGINES.clear()
        if ctx.dry_run:
            engine = random_engine(ctx.shape, "float32", "cpu")
        else:
            engine = random_engine(shapes.get_shape(SERVING_SHAPE), ctx.gpu.dtype_name, "cuda")
        engine.static_decoder = serving.StaticDecoder(engine.model, compile=not ctx.dry_run)
        _ENGINES[key] = engine
    return _ENGINES[key]


def _forced_logits(model, prompt: list[int], tokens: list[int], step) -> list:
    import torch

    out = step(None, prompt)
    logits = [out.logits[0, -1].float()]
    for token in tokens:
        out = step(out, [token])
        logits.append(out.logits[0, -1].float())
    return torch.stack(logits)


def serving_decode_path(ctx) -> list[dict]:
    """The GPU decode path against the eager one: the same prompt and the same forced continuation through the
    static cache (compiled on a GPU) and through the dynamic-cache loop; their logits must agree step by step."""
    import torch

    from helpers import serving

    engine = _check_engine(ctx)
    model, decoder = engine.model, engine.static_decoder  # the engine's own decoder: compiled once, on a GPU
    prompt = engine.encode_chat([{"role": "user", "content": PROMPTS[2]}])
    forced = [int(t) for t in torch.randint(10, 40000, (12,), generator=torch.Generator().manual_seed(1))]
    with torch.inference_mode():
        def eager(out, ids):  # the dynamic-cache loop, under either transformers naming (helpers.serving.cache_kwarg)
            cache = None if out is None else getattr(out, "cache", None)
            cache = out.past_key_values if out is not None and cache is None else cache
            past = {} if cache is None else {serving.cache_kwarg(model): cache}
            return model(input_ids=torch.tensor([ids], device=model.device), use_cache=True, **past)

        def static(out, ids):
            return decoder.prefill(ids) if out is None else decoder.step(ids[0])

        started = time.perf_counter()
        a = _forced_logits(model, prompt, forced, eager)
        b = _forced_logits(model, prompt, forced, static)
        seconds = time.perf_counter() - started
    scale = a.abs().max().item()
    worst = ((a - b).abs().max(dim=-1).values / scale).max().item()
    same = (a.argmax(-1) == b.argmax(-1)).float().mean().item()
    tolerance = 1e-4 if model.dtype == torch.float32 else 5e-2
    status = "ok" if worst <= tolerance and same >= 0.9 else "failed"
    return [_row("serving: GPU decode path", f"{decoder.note}, {str(model.dtype).replace('torch.', '')}", status,
                 max_rel_logit_diff=round(worst, 6), argmax_agreement=round(same, 3), steps=len(forced),
                 seconds_incl_compile=round(seconds, 1),
                 note=f"static vs dynamic cache on {len(forced)} forced tokens: max relative logit difference "
                      f"{worst:.1e} (tolerance {tolerance:g}), argmax agreement {same:.0%}")]


def serving_batched(ctx) -> list[dict]:
    """Batched generation (generate_batch: left padding, one generate call) answers as the single requests do, and
    how much faster: 8 prompts of different lengths, greedy. Agreement is checked in float32 (in 16-bit floats,
    padding can flip near-ties of random weights); the speed rows use the serving dtype."""
    from helpers.finetune.lora import shapes

    new_tokens = 8 if ctx.dry_run else 32
    rows = []
    checked = random_engine(ctx.shape if ctx.dry_run else shapes.get_shape(SERVING_SHAPE), "float32", ctx.device)
    checked.static_decoder = _NoDecoder()  # one request at a time on the eager loop: no second compile
    prompts = [checked.encode_chat([{"role": "user", "content": p}]) for p in PROMPTS]
    singles = [checked.generate(p, max_new_tokens=new_tokens) for p in prompts]
    batch = checked.generate_batch(prompts, max_new_tokens=new_tokens, batch_size=len(prompts))
    agree = sum(s.text == b.text and s.output_tokens == b.output_tokens for s, b in zip(singles, batch))
    status = "ok" if agree >= len(prompts) - 1 else "failed"
    rows.append(_row("serving: batched generation", f"{len(prompts)} prompts, float32, greedy", status,
                     agreement=f"{agree}/{len(prompts)}",
                     note=f"generate_batch against one request at a time: {agree}/{len(prompts)} identical answers"))
    del checked
    if not ctx.dry_run:
        engine = _check_engine(ctx)
        prompts = [engine.encode_chat([{"role": "user", "content": p}]) for p in PROMPTS]
        engine.generate(prompts[0], max_new_tokens=4)  # warm-up: the decode step compiles here
        _sync(engine.device)
        started = time.perf_counter()
        singles = [engine.generate(p, max_new_tokens=new_tokens, stop=["\x00never"]) for p in prompts]
        single_s = time.perf_counter() - started
        started = time.perf_counter()
        batch = engine.generate_batch(prompts, max_new_tokens=new_tokens, batch_size=len(prompts))
        _sync(engine.device)
        batch_s = time.perf_counter() - started
        single_rate = sum(r.output_tokens for r in singles) / single_s
        batch_rate = sum(r.output_tokens for r in batch) / batch_s
        decoder = engine.static_decoder.note if engine.static_decoder is not None else "eager loop"
        rows.append(_row("serving: batched speed", f"{len(prompts)} prompts, {engine.dtype_name}", "ok",
                         single_tok_s=round(single_rate, 1), batch_tok_s=round(batch_rate, 1),
                         speedup=round(single_s / batch_s, 1),
                         note=f"one at a time ({decoder}) {single_rate:.0f} tok/s; batched "
                              f"{batch_rate:.0f} tok/s ({single_s / batch_s:.1f}x)"))
    return rows


def serving_tool_use(ctx) -> list[dict]:
    """A forced tool call through the real Anthropic and OpenAI SDKs, served in-process by the serving engine: even
    random weights must come back as a parsed ``tool_use`` block / ``tool_calls`` entry (constrained decoding)."""
    import anthropic
    import httpx2
    import openai

    from helpers.local_api import LocalModelTransport
    from helpers.llm import LOCAL_BASE_URL, OFFLINE_PLACEHOLDER_KEY

    engine = _check_engine(ctx)
    limit = 24 if ctx.dry_run else 48
    schema = {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}
    client = anthropic.Anthropic(api_key=OFFLINE_PLACEHOLDER_KEY, base_url=LOCAL_BASE_URL, max_retries=0,
                                 http_client=httpx2.Client(transport=LocalModelTransport("anthropic", lambda: engine)))
    reply = client.messages.create(model="claude-haiku-5-5", max_tokens=limit,
                                   tools=[{"name": "get_order", "description": "Look an order up.",
                                           "input_schema": schema}],
                                   tool_choice={"type": "tool", "name": "get_order"},
                                   messages=[{"role": "user", "content": "Where is order A-17?"}])
    calls = [b for b in reply.content if b.type == "tool_use"]
    gpt = openai.OpenAI(api_key=OFFLINE_PLACEHOLDER_KEY, base_url=f"{LOCAL_BASE_URL}/v1", max_retries=0,
                        http_client=httpx2.Client(transport=LocalModelTransport("openai", lambda: engine)))
    chat = gpt.chat.completions.create(model="gpt-4.1-mini", max_completion_tokens=limit,
                                       tools=[{"type": "function", "function": {
                                           "name": "get_order", "description": "Look an order up.",
                                           "parameters": schema}}],
                                       tool_choice={"type": "function", "function": {"name": "get_order"}},
                                       messages=[{"role": "user", "content": "Where is order A-17?"}])
    tool_calls = chat.choices[0].message.tool_calls or []
    ok = (calls and calls[0].name == "get_order" and isinstance(calls[0].input, dict) and tool_calls
          and tool_calls[0].function.name == "get_order")
    return [_row("serving: tool-use parsing", f"forced tool call, {engine.dtype_name}, {engine.device}",
                 "ok" if ok else "failed", anthropic_stop=reply.stop_reason,
                 openai_finish=chat.choices[0].finish_reason,
                 note=f"anthropic: {len(calls)} tool_use block(s), stop {reply.stop_reason}; openai: "
                      f"{len(tool_calls)} tool call(s), finish {chat.choices[0].finish_reason}")]


def serving_choice_rows(ctx) -> list[dict]:
    """Which model this GPU would serve (helpers.serving, without asking the Hub), beside three reference GPUs."""
    from helpers import env, serving

    gpus = [env.GpuInfo("Tesla T4", 14.7, (7, 5)), env.GpuInfo("NVIDIA L4", 22.0, (8, 9)),
            env.GpuInfo("NVIDIA A100-SXM4-40GB", 39.4, (8, 0))] + ([ctx.gpu] if ctx.gpu else [])
    chosen = [(gpu, serving.serving_choice(gpu, hub_check=lambda hub_id: None)) for gpu in gpus]
    mine = chosen[-1][1] if ctx.gpu else None
    return [_row("serving: model per GPU", ctx.gpu.name if ctx.gpu else "reference GPUs (dry-run)", "ok",
                 model=mine.model_id if mine else "", dtype=mine.dtype if mine else "",
                 note="; ".join(f"{gpu.name}: {choice.model_id} {choice.dtype}" for gpu, choice in chosen))]


SERVING_CHECKS = [serving_choice_rows, serving_decode_path, serving_batched, serving_tool_use]
