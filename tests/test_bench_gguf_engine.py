"""The GGUF-engine benchmark's arithmetic and its behaviour without llama-cpp-python (bench/bench_gguf_engine.py)."""

import pytest

from bench import bench_gguf_engine as gguf_bench


def test_decode_rate_leaves_out_the_first_token():
    # 32 tokens: the first arrives at 0.5 s (prefill), the last at 3.6 s: 31 decoded tokens in 3.1 s
    assert gguf_bench.decode_rate_from_times(0.5, 3.6, 32) == pytest.approx(10.0)


def test_decode_rate_needs_two_tokens():
    with pytest.raises(ValueError, match="at least 2"):
        gguf_bench.decode_rate_from_times(0.1, 0.1, 1)


def test_common_prefix_stops_at_the_first_difference():
    assert gguf_bench.common_prefix([1, 2, 3, 4], [1, 2, 9, 4]) == 2
    assert gguf_bench.common_prefix([1, 2], [1, 2, 3]) == 2
    assert gguf_bench.common_prefix([], [1]) == 0


class FakeLlama:
    """Yields tokens forever, like llama_cpp.Llama.generate; records resets."""

    def __init__(self):
        self.resets = 0

    def reset(self):
        self.resets += 1

    def generate(self, prompt, **sampling):
        assert sampling["temp"] == 0.0
        token = len(prompt)
        while True:
            yield token
            token += 1


def test_llama_cpp_run_takes_exactly_the_requested_tokens_from_a_fresh_cache():
    llm = FakeLlama()
    run = gguf_bench.llama_cpp_run(llm, [5, 6, 7], new_tokens=4)
    assert run["tokens"] == [3, 4, 5, 6]
    assert llm.resets == 1
    assert run["ttft_s"] >= 0 and run["tokens_per_s"] > 0


def test_without_llama_cpp_it_says_how_to_install_and_measures_nothing(monkeypatch, capsys):
    monkeypatch.setattr(gguf_bench, "llama_cpp_available", lambda: False)
    monkeypatch.setattr("sys.argv", ["bench_gguf_engine"])
    assert gguf_bench.main() == 0
    out = capsys.readouterr().out
    assert "not measured" in out and "pip install llama-cpp-python" in out


def test_kb_context_has_the_requested_number_of_words():
    assert gguf_bench.kb_context(0) == ""
    block = gguf_bench.kb_context(50)
    assert block.startswith("Context:\n") and len(block.split()) == 51  # "Context:" + 50 words


def test_engine_row_relates_speed_to_the_bandwidth_ceiling_and_the_baseline():
    # 20 GB/s over 100 MB of weights: at most 200 tokens/s; 50 tokens/s is 25% of it and 5x a 10 tok/s baseline
    row = gguf_bench.engine_row("x", 100 * 10**6, {"tokens_per_s": 50.0, "ttft_s": 0.25}, 20.0, 10.0)
    assert row["ceiling_tok_s"] == 200.0 and row["pct_of_ceiling"] == 25.0
    assert row["x_baseline"] == 5.0 and row["ttft_ms"] == 250
