"""Notebook plumbing for notebook 08: a loss curve redrawn while training runs, cached run metrics, and the LoRA
explorer widget (r, alpha, dropout, targets, learning rate -> parameters, memory per GPU, measured metrics).

Logic lives in plain functions (tested); widgets only wire inputs to them. Figures are plain
``plotly.graph_objects.Figure`` redrawn in an ``Output`` (FigureWidget breaks on Colab).
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import env
from helpers.files import write_json_atomic
from helpers.finetune.lora import memory, shapes


class LiveLoss:
    """``on_step`` callback: collects StepReports and redraws a loss curve every ``every`` steps."""

    def __init__(self, title: str = "training loss (answer tokens)", every: int = 5):
        import ipywidgets as widgets

        self.title, self.every = title, every
        self.steps: list = []
        self.output = widgets.Output()

    def figure(self):
        import plotly.graph_objects as go

        fig = go.Figure(go.Scatter(x=[s.step for s in self.steps], y=[s.train_loss for s in self.steps],
                                   mode="lines+markers", name="train loss"))
        total = self.steps[-1].total_steps if self.steps else None
        fig.update_layout(title=self.title, xaxis_title="step", yaxis_title="cross-entropy", height=320,
                          xaxis_range=[0, total + 1] if total else None)
        return fig

    def __call__(self, report) -> None:
        self.steps.append(report)
        if report.step % self.every == 0 or report.step == report.total_steps:
            self.output.clear_output(wait=True)
            with self.output:
                self.figure().show()


# --- cached run metrics ----------------------------------------------------------------------------------------
def runs_dir() -> Path:
    path = env.cache_dir() / "lora_runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def record_metrics(name: str, settings: dict, metrics: dict) -> Path:
    """Store a finished run's settings and metrics (read by the explorer widget)."""
    return write_json_atomic(runs_dir() / "metrics" / f"{name}.json", {"settings": settings, "metrics": metrics},
                             indent=1, default=float)


def cached_metrics() -> list[dict]:
    """Every recorded run: {"name", "settings", "metrics"}."""
    folder = runs_dir() / "metrics"
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            out.append(dict(json.loads(path.read_text()), name=path.stem))
        except json.JSONDecodeError:
            continue  # a damaged record is ignored; the run that wrote it can write it again
    return out


def nearest_run(runs: list[dict], r: int, targets: tuple[str, ...], lr: float) -> dict | None:
    """The recorded run closest to (r, targets, lr): same targets first, then nearest rank, then learning rate."""
    import math

    candidates = [run for run in runs if run["settings"].get("method", "lora") == "lora"]
    if not candidates:
        return None
    return min(candidates, key=lambda run: (tuple(run["settings"]["targets"]) != tuple(targets),
                                            abs(math.log2(run["settings"]["r"] / r)),
                                            abs(math.log10(run["settings"]["lr"] / lr))))


# --- explorer --------------------------------------------------------------------------------------------------
def explore(shape: shapes.ModelShape, r: int, alpha: int, dropout: float, targets: tuple[str, ...], lr: float,
            *, top_layers: int | None = None, batch_size: int = 4, seq_len: int = 512,
            runs: list[dict] | None = None) -> dict:
    """What a LoRA setting means for ``shape``: trainable parameters, the update's scale alpha/r, memory per GPU
    type (bf16 LoRA and 4-bit QLoRA), and the nearest measured run's metrics."""
    n = shapes.lora_params(shape, r, targets, layers=top_layers)
    out = {"trainable params": n, "% of model": 100 * n / shape.total_params(), "scale alpha/r": alpha / r,
           "dropout": dropout, "learning rate": lr}
    for method in ("lora", "qlora"):
        estimate = memory.estimate_training_memory(shape, method=method, dtype="bfloat16", r=r, targets=targets,
                                                   batch_size=batch_size, seq_len=seq_len,
                                                   gradient_checkpointing=True)
        out[f"{method} GiB"] = estimate.total_gib
        out[f"{method} fits"] = memory.fits_table(estimate)
    nearest = nearest_run(runs if runs is not None else cached_metrics(), r, targets, lr)
    out["nearest measured run"] = nearest
    return out


def explorer(default_model: str = "SmolLM2-135M"):
    """The widget: sliders and checkboxes wired to :func:`explore`."""
    import ipywidgets as widgets
    import pandas as pd
    from IPython.display import display

    all_shapes = shapes.load_shapes()
    model = widgets.Dropdown(options=list(all_shapes), value=default_model, description="model")
    r = widgets.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64, 128], value=8, description="r")
    alpha = widgets.IntSlider(value=16, min=1, max=256, description="alpha")
    dropout = widgets.FloatSlider(value=0.05, min=0.0, max=0.5, step=0.05, description="dropout")
    lr = widgets.SelectionSlider(options=[1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3], value=1e-3, description="lr")
    boxes = {t: widgets.Checkbox(value=t in ("q_proj", "v_proj"), description=t, indent=False)
             for t in shapes.ALL_SEVEN}
    out = widgets.Output()

    def redraw(_=None):
        targets = tuple(t for t, box in boxes.items() if box.value) or ("q_proj",)
        info = explore(all_shapes[model.value], r.value, alpha.value, dropout.value, targets, lr.value)
        out.clear_output(wait=True)
        with out:
            print(f"{info['trainable params']:,} trainable parameters ({info['% of model']:.3f}% of "
                  f"{model.value}); update scale alpha/r = {info['scale alpha/r']:.2f}")
            display(pd.DataFrame({"LoRA bf16": info["lora fits"], "QLoRA 4-bit": info["qlora fits"]}).rename_axis(
                f"batch 4 x 512 tokens, checkpointing: {info['lora GiB']:.1f} / {info['qlora GiB']:.1f} GiB"))
            run = info["nearest measured run"]
            if run is None:
                print("No measured run cached yet: run section 6 of notebook 08 to record some.")
            else:
                print(f"nearest measured run ({run['name']}, SmolLM2-135M on this machine): {run['settings']}")
                display(pd.Series(run["metrics"]).to_frame("value"))

    for control in [model, r, alpha, dropout, lr, *boxes.values()]:
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([model, r, alpha]), widgets.HBox([dropout, lr]),
                         widgets.HBox(list(boxes.values())), out])
