"""The cost calculator (helpers.decision.costs) against hand-computed cases on a small registry file written by the test, and
against the course registry's own prices."""

import dataclasses
import datetime as dt
import math

import pytest

from helpers import registry
from helpers.decision import costs

REGISTRY = """
defaults:
  openai: m1
models:
  - id: m1
    provider: openai
    display_name: Model one
    context_window: 100000
    max_output_tokens: 1000
    input_usd_per_mtok: 1.0
    output_usd_per_mtok: 2.0
    cache_read_usd_per_mtok: 0.1
    training_usd_per_mtok: 10.0
    finetuned_input_usd_per_mtok: 3.0
    finetuned_output_usd_per_mtok: 6.0
    as_of: 2026-01-02
    source: test
  - id: m2
    provider: anthropic
    display_name: Model two (no fine-tuning)
    context_window: 100000
    max_output_tokens: 1000
    input_usd_per_mtok: 4.0
    output_usd_per_mtok: 8.0
    as_of: 2026-01-03
    source: test
gpu_hour_usd:
  - gpu: big
    usd_per_hour: 2.0
    as_of: 2026-01-04
    source: test
  - gpu: small
    usd_per_hour: 1.0
    as_of: 2026-01-05
    source: test
embedding_usd_per_mtok:
  - id: e1
    provider: openai
    usd_per_mtok: 0.5
    as_of: 2026-01-06
    source: test
vector_store_usd_per_month:
  - name: vs1
    usd_per_month: 20.0
    as_of: 2026-01-07
    source: test
"""

# monthly 10,000 queries; 1,000 instruction + 100 input + 50 output tokens; 2,000 context tokens; 1M-token corpus
# updated twice a month (10% each); 100 examples x 1,000 tokens x 2 epochs; half a retrain a month; 10 months.
WORKLOAD = costs.Workload(monthly_queries=10_000, instruction_tokens=1_000, tuned_instruction_tokens=0,
                          input_tokens=100, output_tokens=50, context_tokens=2_000, corpus_tokens=1_000_000,
                          updates_per_month=2, changed_share=0.1, training_examples=100, tokens_per_example=1_000,
                          epochs=2, retrains_per_month=0.5, train_tokens_per_gpu_second=1_000,
                          queries_per_gpu_hour=1_000, months=10)


@pytest.fixture()
def reg(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(REGISTRY)
    return path


@pytest.fixture()
def prices(reg):
    return costs.registry_prices(path=reg)


def test_prices_come_from_the_file_with_dates(prices):
    assert prices.model.id == prices.tuned.id == "m1"
    assert prices.gpu.item == "small" and prices.gpu.usd == 1.0  # the cheapest GPU by default
    assert prices.embedding.as_of == dt.date(2026, 1, 6) and prices.vector_store.usd == 20.0
    table = prices.table()
    assert {"usd", "unit", "as_of", "source"} <= set(table.columns)
    assert table.loc["m1 fine-tuned output", "usd"] == 6.0
    assert table["as_of"].notna().all() and prices.oldest == dt.date(2026, 1, 2)


def test_prompt_only_by_hand(prices):
    e = costs.estimate("prompt", WORKLOAD, prices)
    assert e.per_query_usd == pytest.approx((1_100 * 1.0 + 50 * 2.0) / 1e6)  # 0.0012
    assert (e.setup_usd, e.monthly_fixed_usd) == (0.0, 0.0)
    assert e.monthly_usd == pytest.approx(12.0) and e.total_usd == pytest.approx(120.0)


def test_prompt_caching_bills_the_instructions_at_the_read_price(prices):
    cached = dataclasses.replace(WORKLOAD, cache_instructions=True)
    e = costs.estimate("prompt", cached, prices)
    assert e.per_query_usd == pytest.approx((1_000 * 0.1 + 100 * 1.0 + 50 * 2.0) / 1e6)  # 0.0003


def test_rag_by_hand(prices):
    e = costs.estimate("rag", WORKLOAD, prices)
    assert e.per_query_usd == pytest.approx((3_100 * 1.0 + 50 * 2.0) / 1e6 + 100 * 0.5 / 1e6)  # 0.00325
    assert e.setup_usd == pytest.approx(0.5)                      # 1M tokens at $0.5 / M
    assert e.monthly_fixed_usd == pytest.approx(2 * 0.1 * 0.5 + 20)  # re-embedding + vector store = 20.1
    assert e.total_usd == pytest.approx(0.5 + 10 * (32.5 + 20.1))  # 526.5


def test_api_finetune_by_hand(prices):
    e = costs.estimate("api_finetune", WORKLOAD, prices)
    assert e.setup_usd == pytest.approx(100 * 1_000 * 2 * 10.0 / 1e6)  # 200k training tokens at $10 / M = 2.0
    assert e.per_query_usd == pytest.approx((100 * 3.0 + 50 * 6.0) / 1e6)  # fine-tuned prices: 0.0006
    assert e.monthly_fixed_usd == pytest.approx(0.5 * 2.0)
    assert e.total_usd == pytest.approx(2.0 + 10 * (6.0 + 1.0))  # 72


def test_open_finetune_by_hand(prices):
    e = costs.estimate("open_finetune", WORKLOAD, prices)
    hours = 200_000 / 1_000 / 3600  # training tokens / tokens per second
    assert e.setup_usd == pytest.approx(hours * 1.0)
    assert e.per_query_usd == 0.0
    assert e.monthly_fixed_usd == pytest.approx(730 * 1.0 + 0.5 * hours)  # one GPU all month + retraining
    busy = costs.estimate("open_finetune", dataclasses.replace(WORKLOAD, monthly_queries=730_001), prices)
    assert busy.monthly_fixed_usd == pytest.approx(2 * 730 + 0.5 * hours)  # one query past capacity: a second GPU


def test_hybrid_by_hand(prices):
    e = costs.estimate("hybrid", WORKLOAD, prices)
    assert e.per_query_usd == pytest.approx((2_100 * 3.0 + 50 * 6.0) / 1e6 + 100 * 0.5 / 1e6)  # 0.00665
    assert e.setup_usd == pytest.approx(0.5 + 2.0)
    assert e.monthly_fixed_usd == pytest.approx(0.1 + 20 + 1.0)
    assert e.total_usd == pytest.approx(2.5 + 10 * (66.5 + 21.1))  # 878.5


def test_items_add_up_to_the_per_query_price(prices):
    e = costs.estimate("rag", WORKLOAD, prices)
    per_query = [usd for what, usd in e.items if what.startswith(("answer", "embed the question"))]
    assert sum(per_query) == pytest.approx(e.per_query_usd)


def test_crossover_prompt_vs_api_finetune_by_hand(prices):
    # prompt: 10 x 0.0012 v = 0.012 v; API fine-tune: 2 + 10 x (0.0006 v + 1) = 12 + 0.006 v  ->  v = 2,000
    table = costs.crossovers(WORKLOAD, prices, ("prompt", "api_finetune"))
    assert len(table) == 1
    row = table.iloc[0]
    assert row["monthly queries"] == pytest.approx(2_000, rel=1e-6)
    assert row["total $ over 10 months"] == pytest.approx(24.0, rel=1e-5)
    assert (row["cheaper below"], row["cheaper above"]) == ("prompt only", "API fine-tune")


def test_crossover_with_self_hosting(prices):
    # one GPU serves 73M queries a month here, so open-model total is flat at 7,300.33 up to there:
    # 12 + 0.006 v = 7,300.333  ->  v = 1,214,722
    fast = dataclasses.replace(WORKLOAD, queries_per_gpu_hour=100_000)
    table = costs.crossovers(fast, prices, ("api_finetune", "open_finetune"))
    assert len(table) == 1
    open_total = 200_000 / 1_000 / 3600 + 10 * (730 + 0.5 * 200_000 / 1_000 / 3600)
    assert table.iloc[0]["monthly queries"] == pytest.approx((open_total - 12) / 0.006, rel=1e-6)
    assert table.iloc[0]["cheaper above"] == "open model + LoRA"


def test_no_crossover_when_one_line_stays_below(prices):
    # at 1,000 queries per GPU hour a GPU costs $0.001 a query, more than the fine-tuned API's $0.0006
    assert costs.crossovers(WORKLOAD, prices, ("api_finetune", "open_finetune")).empty


def test_compare_and_cheapest(prices):
    table = costs.compare(WORKLOAD, prices)
    assert list(table.index) == [costs.LABELS[s] for s in costs.STRATEGIES]
    assert table.loc["API fine-tune", "total $ over 10 months"] == pytest.approx(72.0)
    assert table.loc["prompt only", "$ per 1,000 queries"] == pytest.approx(1.2)
    assert costs.cheapest(WORKLOAD, prices) == "api_finetune"
    assert costs.cheapest(dataclasses.replace(WORKLOAD, monthly_queries=1_000), prices) == "prompt"


def test_chart_marks_the_computed_crossovers(prices):
    fig = costs.cost_chart(WORKLOAD, prices, ("prompt", "api_finetune"))
    marks = [t for t in fig.data if t.name == "crossover"]
    assert len(marks) == 1 and marks[0].x[0] == pytest.approx(2_000, rel=1e-6)
    assert "2026-01-02" in fig.layout.title.text  # the prices' dates are shown


def test_explicit_choices_and_their_errors(reg):
    chosen = costs.registry_prices(gpu="big", path=reg)
    assert chosen.gpu.usd == 2.0
    with pytest.raises(costs.PriceError, match="no entry 'huge'.*'big', 'small'"):
        costs.registry_prices(gpu="huge", path=reg)
    with pytest.raises(costs.PriceError, match="m2 has no training_usd_per_mtok"):
        costs.registry_prices(tuned="m2", path=reg)
    with pytest.raises(registry.UnknownModelError):
        costs.registry_prices(model="nope", path=reg)
    assert costs.options("gpu_hour_usd", reg) == ["big", "small"]


def test_missing_section_names_the_file_and_section(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(REGISTRY.split("embedding_usd_per_mtok:")[0])
    with pytest.raises(costs.PriceError, match=r"models.yaml has no 'embedding_usd_per_mtok' section"):
        costs.registry_prices(path=path)


def test_a_price_without_a_date_is_refused(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(REGISTRY.replace("    usd_per_month: 20.0\n    as_of: 2026-01-07\n", "    usd_per_month: 20.0\n"))
    with pytest.raises(costs.PriceError, match="'vs1': field 'as_of' is missing"):
        costs.registry_prices(path=path)


@pytest.mark.parametrize("field,value", [("monthly_queries", -1), ("output_tokens", float("nan")),
                                         ("months", 0), ("changed_share", 1.5), ("epochs", True)])
def test_bad_workloads_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        costs.Workload(**{field: value})


def test_unknown_strategy(prices):
    with pytest.raises(ValueError, match="choose one of prompt, rag"):
        costs.estimate("magic", WORKLOAD, prices)


def test_course_registry_prices_and_a_prompt_query():
    prices = costs.registry_prices()
    model = registry.get(prices.model.id)
    assert prices.model.id == prices.tuned.id  # prompt-only and the fine-tune are priced on the same base model
    e = costs.estimate("prompt", costs.Workload(instruction_tokens=500, input_tokens=100, output_tokens=50), prices)
    assert e.per_query_usd == pytest.approx(model.cost(600, 50))
    assert all(isinstance(p.as_of, dt.date) and p.source for p in prices.rows())
    assert costs.options("vector_store_usd_per_month")  # the section the calculator added to the registry


def test_volume_grid_is_logarithmic():
    grid = costs.volume_grid(100, 1e6, 5)
    assert grid[0] == pytest.approx(100) and grid[-1] == pytest.approx(1e6)
    assert all(math.isclose(b / a, 10) for a, b in zip(grid, grid[1:]))
