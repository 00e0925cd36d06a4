"""What each strategy costs, priced from the registry (data/models.yaml) with every price's ``as_of`` date: setup,
per query and per month, for a workload (volume, prompt sizes, update frequency); totals over a horizon and the
volumes where one strategy becomes cheaper than another (crossovers, computed).

Taught in notebooks/09_decision_framework.ipynb; reused by the bake-off (notebook 10).

The five strategies (``STRATEGIES``) and their formulas (prices per million tokens, ``M`` = 1e6):

- prompt: per query ``model.cost(instructions + input, output)`` (with ``cache_instructions``, the instructions are
  billed at the cache-read price); no setup, no upkeep.
- rag: per query ``model.cost(instructions + input + context, output)`` plus embedding the question; setup: embedding
  the corpus; per month: re-embedding the changed share at every update, and the vector store.
- api_finetune: setup ``examples x tokens x epochs x training price``; per query the fine-tuned prices with the short
  tuned instructions; per month: ``retrains_per_month`` trainings.
- open_finetune: setup = training GPU hours x GPU price; serving = enough always-on GPUs for the volume, all month;
  per month also the retrainings; no per-token price.
- hybrid (RAG + API fine-tune): the tuned model answers from retrieved context; setup, upkeep of both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from helpers import registry

STRATEGIES = ("prompt", "rag", "api_finetune", "open_finetune", "hybrid")
LABELS = {"prompt": "prompt only", "rag": "RAG", "api_finetune": "API fine-tune", "open_finetune": "open model + LoRA",
          "hybrid": "RAG + API fine-tune"}
HOURS_PER_MONTH = 730.0  # 24 x 365 / 12
M = 1e6


class PriceError(LookupError):
    """A price the calculator needs is not in the registry file (the message says which and where)."""


@dataclass(frozen=True)
class Price:
    """One dated price: ``usd`` per ``unit``."""

    item: str
    usd: float
    unit: str
    as_of: dt.date
    source: str


@dataclass(frozen=True)
class Prices:
    """Every price one estimate uses. ``model`` answers prompt-only and RAG queries; ``tuned`` is the base model of
    the API fine-tune (its training and fine-tuned prices)."""

    model: registry.ModelInfo
    tuned: registry.ModelInfo
    embedding: Price
    vector_store: Price
    gpu: Price

    def rows(self) -> list[Price]:
        m, t = self.model, self.tuned
        return [Price(f"{m.id} input", m.input_usd_per_mtok, "$ / M tokens", m.as_of, m.source),
                Price(f"{m.id} output", m.output_usd_per_mtok, "$ / M tokens", m.as_of, m.source),
                *([Price(f"{m.id} cached input", m.cache_read_usd_per_mtok, "$ / M tokens", m.as_of, m.source)]
                  if m.cache_read_usd_per_mtok is not None else []),
                Price(f"{t.id} training", t.training_usd_per_mtok, "$ / M training tokens", t.as_of, t.source),
                Price(f"{t.id} fine-tuned input", t.finetuned_input_usd_per_mtok, "$ / M tokens", t.as_of, t.source),
                Price(f"{t.id} fine-tuned output", t.finetuned_output_usd_per_mtok, "$ / M tokens", t.as_of, t.source),
                self.embedding, self.vector_store, self.gpu]

    def table(self):
        """Every price with its unit, ``as_of`` date and source (a DataFrame)."""
        import pandas as pd

        return pd.DataFrame([dataclasses.asdict(p) for p in self.rows()]).set_index("item")

    @property
    def oldest(self) -> dt.date:
        return min(p.as_of for p in self.rows())


@lru_cache(maxsize=4)
def _sections(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def _section(name: str, path: Path) -> list[dict]:
    rows = _sections(str(path)).get(name)
    if not rows:
        raise PriceError(f"{path.name} has no '{name}' section, which the cost calculator needs. Add it (a list of "
                         "entries with a price, as_of and source; see helpers/costs.py) or pass the price yourself.")
    return rows


def options(section: str, path: Path = registry.REGISTRY_PATH) -> list[str]:
    """The entries of a price section: "embedding_usd_per_mtok" (ids), "vector_store_usd_per_month" (names) or
    "gpu_hour_usd" (GPUs), for the keyword arguments of :func:`registry_prices`."""
    key = {"embedding_usd_per_mtok": "id", "vector_store_usd_per_month": "name", "gpu_hour_usd": "gpu"}[section]
    return [str(r.get(key)) for r in _section(section, Path(path))]


def _pick(name: str, key: str, wanted: str | None, path: Path, price_key: str, unit: str) -> Price:
    rows = _section(name, path)
    if wanted is None:
        row = min(rows, key=lambda r: r.get(price_key, math.inf)) if name == "gpu_hour_usd" else rows[0]
    else:
        matches = [r for r in rows if r.get(key) == wanted]
        if not matches:
            known = ", ".join(repr(r.get(key)) for r in rows)
            raise PriceError(f"{path.name}, section '{name}': no entry {wanted!r}. Known: {known}.")
        row = matches[0]
    for field in (key, price_key, "as_of", "source"):
        if row.get(field) in (None, ""):
            raise PriceError(f"{path.name}, section '{name}', entry {row.get(key)!r}: field {field!r} is missing; "
                             "every price needs its value, as_of date and source.")
    as_of = row["as_of"] if isinstance(row["as_of"], dt.date) else dt.date.fromisoformat(str(row["as_of"]))
    return Price(str(row[key]), float(row[price_key]), unit, as_of, str(row["source"]))


def _trainable(model_id: str | None, path: Path) -> registry.ModelInfo:
    if model_id is None:
        day = registry.as_of(path)
        candidates = [m for m in registry.models(path).values() if m.training_usd_per_mtok is not None
                      and m.finetuned_input_usd_per_mtok is not None and m.finetuned_output_usd_per_mtok is not None
                      and not m.is_retired(day) and (m.fine_tuning is None or m.fine_tunable(day))]
        if not candidates:
            raise PriceError(f"{path.name}: no model that can still be fine-tuned has training_usd_per_mtok and "
                             "fine-tuned prices; add one.")
        try:
            default = registry.default_fine_tuning_base("openai", on=day, path=path)
        except registry.UnknownModelError:
            default = registry.default_model("openai", path)
        return next((m for m in candidates if m.id == default), min(candidates, key=lambda m: m.training_usd_per_mtok))
    info = registry.get(model_id, path)
    missing = [f for f in ("training_usd_per_mtok", "finetuned_input_usd_per_mtok", "finetuned_output_usd_per_mtok")
               if getattr(info, f) is None]
    if missing:
        raise PriceError(f"{path.name}: {model_id} has no {', '.join(missing)}; choose a model the registry prices "
                         "for fine-tuning (for example one of the OpenAI entries) or add the prices.")
    return info


def registry_prices(*, model: str | None = None, tuned: str | None = None, embedding: str | None = None,
                    vector_store: str | None = None, gpu: str | None = None,
                    path: Path = registry.REGISTRY_PATH) -> Prices:
    """The prices of one comparison, all from the registry. Defaults: the base the course fine-tunes (so prompt
    and fine-tune compare the same model: the OpenAI chat default may not be fine-tunable), the first embedding
    and vector-store entries, the cheapest GPU."""
    path = Path(path)
    tuned_info = _trainable(tuned, path)
    model_info = registry.get(model or tuned_info.id, path)
    return Prices(model=model_info, tuned=tuned_info,
                  embedding=_pick("embedding_usd_per_mtok", "id", embedding, path, "usd_per_mtok", "$ / M tokens"),
                  vector_store=_pick("vector_store_usd_per_month", "name", vector_store, path, "usd_per_month",
                                     "$ / month"),
                  gpu=_pick("gpu_hour_usd", "gpu", gpu, path, "usd_per_hour", "$ / GPU hour"))


@dataclass(frozen=True)
class Workload:
    """What the learner's application does in a month. Token counts are per query unless named otherwise."""

    monthly_queries: float = 50_000
    instruction_tokens: int = 1_500       # system prompt + examples a prompt-only solution sends every time
    tuned_instruction_tokens: int = 100   # what a fine-tuned model still needs (the behaviour is learned)
    input_tokens: int = 150               # the user's message
    output_tokens: int = 200
    context_tokens: int = 1_500           # retrieved passages per RAG query
    corpus_tokens: float = 5_000_000      # documents to embed for RAG
    updates_per_month: float = 4.0        # document updates (4 = weekly)
    changed_share: float = 0.05           # share of the corpus re-embedded per update
    training_examples: int = 1_000
    tokens_per_example: int = 600
    epochs: int = 3
    retrains_per_month: float = 0.25      # 0.25 = a fine-tune refreshed every quarter
    train_tokens_per_gpu_second: float = 2_000.0  # LoRA training throughput on the rented GPU (measure yours)
    queries_per_gpu_hour: float = 3_600.0  # self-hosted serving throughput at these lengths (measure yours)
    months: int = 12                      # horizon of the total cost
    cache_instructions: bool = False      # prompt caching of the fixed instructions (notebook 02)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "cache_instructions":
                if not isinstance(value, bool):
                    raise ValueError(f"Workload.cache_instructions must be True or False, not {value!r}.")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"Workload.{f.name} must be a number >= 0, not {value!r}.")
        for name in ("train_tokens_per_gpu_second", "queries_per_gpu_hour", "months", "epochs"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Workload.{name} must be greater than 0, not {getattr(self, name)!r}.")
        if self.changed_share > 1:
            raise ValueError(f"Workload.changed_share is a share of the corpus (0 to 1), not {self.changed_share!r}.")

    @property
    def training_tokens(self) -> float:
        """Tokens billed (or computed) for one training run: examples x tokens x epochs."""
        return self.training_examples * self.tokens_per_example * self.epochs


@dataclass(frozen=True)
class Estimate:
    """The cost of one strategy for one workload. ``monthly_fixed_usd`` is upkeep and hosting (not per query)."""

    strategy: str
    setup_usd: float
    per_query_usd: float
    monthly_fixed_usd: float
    monthly_queries: float
    months: int
    items: tuple[tuple[str, float], ...] = ()  # (what, dollars) behind the three numbers

    @property
    def monthly_usd(self) -> float:
        return self.per_query_usd * self.monthly_queries + self.monthly_fixed_usd

    @property
    def total_usd(self) -> float:
        """Setup plus ``months`` months of running."""
        return self.setup_usd + self.months * self.monthly_usd


def _prompt_query(model: registry.ModelInfo, fixed: int, fresh: int, output: int, cache: bool) -> float:
    if cache:
        return model.cached_cost(fixed, fresh, output, write=False)
    return model.cost(fixed + fresh, output)


def estimate(strategy: str, workload: Workload, prices: Prices) -> Estimate:
    """Setup, per-query and monthly cost of ``strategy`` (one of ``STRATEGIES``) for ``workload``."""
    w, p = workload, prices
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}.")
    tuned = dataclasses.replace(p.tuned, input_usd_per_mtok=p.tuned.finetuned_input_usd_per_mtok or 0.0,
                                output_usd_per_mtok=p.tuned.finetuned_output_usd_per_mtok or 0.0)
    embed_query = w.input_tokens * p.embedding.usd / M
    embed_corpus = w.corpus_tokens * p.embedding.usd / M
    reembed = w.updates_per_month * w.changed_share * embed_corpus
    training = w.training_tokens * (p.tuned.training_usd_per_mtok or 0.0) / M
    items: list[tuple[str, float]] = []
    if strategy == "prompt":
        per_query = _prompt_query(p.model, w.instruction_tokens, w.input_tokens, w.output_tokens, w.cache_instructions)
        setup, fixed = 0.0, 0.0
        items.append((f"query on {p.model.id} ({w.instruction_tokens}+{w.input_tokens} in, {w.output_tokens} out)",
                      per_query))
    elif strategy == "rag":
        answer = _prompt_query(p.model, w.instruction_tokens, w.input_tokens + w.context_tokens, w.output_tokens,
                               w.cache_instructions)
        per_query, setup, fixed = answer + embed_query, embed_corpus, reembed + p.vector_store.usd
        items += [(f"answer on {p.model.id} with {w.context_tokens} context tokens", answer),
                  (f"embed the question ({p.embedding.item})", embed_query),
                  (f"embed the corpus once ({w.corpus_tokens:,.0f} tokens)", embed_corpus),
                  (f"re-embed {w.changed_share:.0%} of the corpus x {w.updates_per_month:g} updates / month", reembed),
                  (f"vector store ({p.vector_store.item}) / month", p.vector_store.usd)]
    elif strategy == "api_finetune":
        per_query = tuned.cost(w.tuned_instruction_tokens + w.input_tokens, w.output_tokens)
        setup, fixed = training, w.retrains_per_month * training
        items += [(f"training {p.tuned.id}: {w.training_tokens:,.0f} tokens", training),
                  (f"query on the fine-tuned {p.tuned.id}", per_query),
                  (f"retraining x {w.retrains_per_month:g} / month", fixed)]
    elif strategy == "open_finetune":
        train_hours = w.training_tokens / w.train_tokens_per_gpu_second / 3600
        gpus = max(1, math.ceil(w.monthly_queries / (w.queries_per_gpu_hour * HOURS_PER_MONTH)))
        hosting = gpus * HOURS_PER_MONTH * p.gpu.usd
        per_query, setup = 0.0, train_hours * p.gpu.usd
        fixed = hosting + w.retrains_per_month * setup
        items += [(f"training: {train_hours:.2f} h on {p.gpu.item}", setup),
                  (f"serving: {gpus} x {p.gpu.item} always on / month", hosting),
                  (f"retraining x {w.retrains_per_month:g} / month", w.retrains_per_month * setup)]
    else:  # hybrid: RAG context answered by the API fine-tune
        answer = tuned.cost(w.tuned_instruction_tokens + w.input_tokens + w.context_tokens, w.output_tokens)
        per_query = answer + embed_query
        setup = embed_corpus + training
        fixed = reembed + p.vector_store.usd + w.retrains_per_month * training
        items += [(f"answer on the fine-tuned {p.tuned.id} with context", answer),
                  ("embed the question", embed_query), ("embed the corpus once", embed_corpus),
                  (f"training {p.tuned.id}", training), ("re-embedding / month", reembed),
                  ("vector store / month", p.vector_store.usd),
                  (f"retraining x {w.retrains_per_month:g} / month", w.retrains_per_month * training)]
    return Estimate(strategy, setup, per_query, fixed, w.monthly_queries, w.months, tuple(items))


def compare(workload: Workload, prices: Prices, strategies=STRATEGIES):
    """One row per strategy: setup, $ per 1,000 queries, monthly, total over the horizon (a DataFrame)."""
    import pandas as pd

    rows = []
    for s in strategies:
        e = estimate(s, workload, prices)
        rows.append({"strategy": LABELS[s], "setup $": e.setup_usd, "$ per 1,000 queries": 1000 * e.per_query_usd,
                     "fixed $ / month": e.monthly_fixed_usd, "$ / month": e.monthly_usd,
                     f"total $ over {workload.months} months": e.total_usd})
    return pd.DataFrame(rows).set_index("strategy")


def total_at(strategy: str, workload: Workload, prices: Prices, monthly_queries: float) -> float:
    """Total over the horizon at another monthly volume."""
    return estimate(strategy, dataclasses.replace(workload, monthly_queries=monthly_queries), prices).total_usd


def volume_grid(low: float = 100, high: float = 1e8, n: int = 241) -> list[float]:
    """Monthly volumes spaced evenly on a log scale."""
    step = (math.log10(high) - math.log10(low)) / (n - 1)
    return [10 ** (math.log10(low) + i * step) for i in range(n)]


def crossovers(workload: Workload, prices: Prices, strategies=STRATEGIES, *, low: float = 100,
               high: float = 1e8):
    """Monthly volumes where two strategies' totals over the horizon cross, found on a log grid and refined by
    bisection (a step in GPU count is found too). One row per crossing: the pair, the volume, the total there, and
    which strategy is cheaper below and above it (a DataFrame)."""
    import pandas as pd

    grid = volume_grid(low, high)
    totals = {s: [total_at(s, workload, prices, v) for v in grid] for s in strategies}
    rows = []
    for i, a in enumerate(strategies):
        for b in strategies[i + 1:]:
            diff = [x - y for x, y in zip(totals[a], totals[b])]
            for j in range(len(grid) - 1):
                if diff[j] == 0 or diff[j] * diff[j + 1] >= 0:
                    continue
                lo, hi = grid[j], grid[j + 1]
                sign_lo = diff[j] > 0
                for _ in range(60):
                    mid = math.sqrt(lo * hi)
                    d = total_at(a, workload, prices, mid) - total_at(b, workload, prices, mid)
                    lo, hi = (mid, hi) if (d > 0) == sign_lo else (lo, mid)
                volume = math.sqrt(lo * hi)
                below, above = (b, a) if sign_lo else (a, b)
                rows.append({"cheaper below": LABELS[below], "cheaper above": LABELS[above],
                             "monthly queries": volume,
                             f"total $ over {workload.months} months": total_at(a, workload, prices, volume)})
    columns = ["cheaper below", "cheaper above", "monthly queries", f"total $ over {workload.months} months"]
    return pd.DataFrame(rows, columns=columns).sort_values("monthly queries", ignore_index=True)


def cheapest(workload: Workload, prices: Prices, strategies=STRATEGIES) -> str:
    """The strategy with the lowest total over the horizon at the workload's volume."""
    return min(strategies, key=lambda s: estimate(s, workload, prices).total_usd)


def cost_chart(workload: Workload, prices: Prices, strategies=STRATEGIES, *, low: float = 100, high: float = 1e8,
               height: int = 480):
    """Total cost over the horizon against monthly volume (log-log), with the crossovers marked and the prices'
    dates in the title (a plotly Figure)."""
    import plotly.graph_objects as go

    grid = volume_grid(low, high)
    fig = go.Figure()
    for s in strategies:
        fig.add_scatter(x=grid, y=[total_at(s, workload, prices, v) for v in grid], mode="lines", name=LABELS[s])
    cross = crossovers(workload, prices, strategies, low=low, high=high)
    total_col = f"total $ over {workload.months} months"
    if len(cross):
        fig.add_scatter(x=cross["monthly queries"], y=cross[total_col], mode="markers", name="crossover",
                        marker=dict(symbol="x", size=10, color="black"),
                        hovertext=[f"{r['cheaper above']} cheaper than {r['cheaper below']} above "
                                   f"{r['monthly queries']:,.0f} queries / month" for _, r in cross.iterrows()])
    fig.add_vline(x=workload.monthly_queries, line_dash="dot", line_color="grey",
                  annotation_text=f"your volume: {workload.monthly_queries:,.0f}")
    dates = sorted({p.as_of.isoformat() for p in prices.rows()})
    fig.update_layout(title=f"Total cost over {workload.months} months vs monthly volume "
                            f"(prices as of {', '.join(dates)})",
                      xaxis_type="log", yaxis_type="log", xaxis_title="queries per month",
                      yaxis_title=f"dollars over {workload.months} months", height=height, hovermode="x unified")
    return fig


def cost_explorer(prices: Prices, workload: Workload | None = None):
    """Sliders for volume, prompt sizes, updates and horizon; redraws :func:`cost_chart` and :func:`compare` in an
    Output (a figure widget would break on Colab)."""
    import ipywidgets as widgets
    from IPython.display import display

    w0 = workload or Workload()
    sliders = {
        "monthly_queries": widgets.FloatLogSlider(value=w0.monthly_queries, base=10, min=2, max=8, step=0.1,
                                                  description="queries/month"),
        "instruction_tokens": widgets.IntSlider(value=w0.instruction_tokens, min=0, max=20_000, step=100,
                                                description="instructions"),
        "context_tokens": widgets.IntSlider(value=w0.context_tokens, min=0, max=20_000, step=100,
                                            description="RAG context"),
        "output_tokens": widgets.IntSlider(value=w0.output_tokens, min=1, max=4_000, step=10, description="output"),
        "updates_per_month": widgets.FloatSlider(value=w0.updates_per_month, min=0, max=30, step=0.5,
                                                 description="doc updates/mo"),
        "retrains_per_month": widgets.FloatSlider(value=w0.retrains_per_month, min=0, max=4, step=0.25,
                                                  description="retrains/mo"),
        "months": widgets.IntSlider(value=w0.months, min=1, max=36, description="horizon (mo)"),
        "cache_instructions": widgets.Checkbox(value=w0.cache_instructions, description="cache instructions"),
    }
    out = widgets.Output()

    def redraw(_=None) -> None:
        values = {k: s.value for k, s in sliders.items()}
        chosen = dataclasses.replace(w0, **values)
        out.clear_output(wait=True)
        with out:
            cost_chart(chosen, prices).show()
            display(compare(chosen, prices).round(2))
            print("cheapest at this volume:", LABELS[cheapest(chosen, prices)])

    for s in sliders.values():
        s.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox(list(sliders.values())[:4]), widgets.HBox(list(sliders.values())[4:]), out])
