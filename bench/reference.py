"""Reference runs (issue 21): every notebook executed end to end (full profile, offline backend) and published under
docs/reference/ with its outputs, so that the course can be read on GitHub or in a browser without running it.

The form, and why: executed .ipynb files, each plotly chart carrying a static PNG beside its interactive data.
GitHub and nbviewer render a notebook's outputs but not plotly's JavaScript; the PNG (drawn by kaleido in headless
Chromium after the run, outside the timed kernel) is what they show, while JupyterLab and Colab still open the
interactive chart. A separate site (Jupyter Book / MyST) would be a second build to keep green for the same pages.

Each copy starts with a cell naming the backend, model, machine, date and run time, and records the sha256 of the
paired source (notebooks/NN_*.py) it was executed from: tests/test_reference_runs.py fails when a copy is older
than its source. `make reference` regenerates every copy (python -m bench.bench_notebooks --only-full --cold-all
--publish); `--pattern` regenerates some.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "docs" / "reference"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
PNG_SIZE = {"width": 1000, "height": 520}


def source_of(notebook: Path) -> Path:
    """The paired jupytext source of notebooks/NN_*.ipynb: notebooks/NN_*.py."""
    return notebook.with_suffix(".py")


def source_sha256(notebook: Path) -> str:
    """The fingerprint a published copy is checked against: sha256 of the paired source's bytes."""
    return hashlib.sha256(source_of(notebook).read_bytes()).hexdigest()


KALEIDO_NEEDS_PLOTLY = "6.1.1"  # kaleido 1.x (the dev extra's) draws nothing for an older plotly


def check_plotly_for_images(version: str) -> None:
    """Stop before a run whose chart images could not be drawn: kaleido 1.x needs plotly 6.1.1 or later, while the
    course itself runs on Colab's plotly 5.24 (pyproject.toml's floor; `make lowest` installs it)."""
    from packaging.version import Version

    if Version(version) < Version(KALEIDO_NEEDS_PLOTLY):
        raise RuntimeError(f"reference runs draw chart images with kaleido 1.x, which needs plotly >= "
                           f"{KALEIDO_NEEDS_PLOTLY}; this environment has plotly {version}. Run `make reference` in "
                           f"the course's .venv (constraints.txt pins a newer plotly) or `pip install "
                           f"'plotly>={KALEIDO_NEEDS_PLOTLY}'`.")


def add_static_images(nb) -> int:
    """Give every plotly output a PNG of the same figure (kaleido, headless Chromium); returns how many. Outputs that
    already have one are left alone."""
    import plotly
    import plotly.graph_objects as go
    import plotly.io as pio

    check_plotly_for_images(plotly.__version__)

    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")  # Debian's Chromium, installed by make browser-deps
    added = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if PLOTLY_MIME not in data or "image/png" in data:
                continue
            figure = go.Figure(data[PLOTLY_MIME], skip_invalid=True)  # nbformat keeps the figure as a dict
            height = figure.layout.height or PNG_SIZE["height"]
            png = pio.to_image(figure, format="png", width=figure.layout.width or PNG_SIZE["width"], height=height)
            data["image/png"] = base64.b64encode(png).decode("ascii")
            added += 1
    return added


def run_conditions(row: dict, facts: dict) -> str:
    """How the run time was taken: from cold caches (what `make reference` does) or warm ones (earlier runs' answers
    and adapters reused), and whether other work shared the CPU (a load average above the core count)."""
    text = ("from cold caches" if row.get("caches", "cold") == "cold" else
            "with warm caches (answers and adapters from earlier runs reused: faster than a first run)")
    load, cores = row.get("load_average_1min_before"), facts.get("cores") or 1
    if isinstance(load, (int, float)) and load > cores:
        text += f", while other work shared the CPU (load average {load:.1f} on {cores} cores: slower than alone)"
    return text


def header_cell(notebook: Path, row: dict, facts: dict, model: str):
    import nbformat

    text = (f"> **Reference run, not the notebook to edit.** Executed end to end on {facts['when']} in the "
            f"**{row['profile']}** profile with the **offline** backend (no API key): answers by **{model}**, on "
            f"{facts['cores']} CPU cores ({facts['cpu']}, Python {facts['python']}, torch {facts['torch']}), "
            f"{row['seconds'] / 60:.1f} min {run_conditions(row, facts)}. Charts are static images here; open "
            f"[`notebooks/{notebook.name}`](../../notebooks/{notebook.name}) to run it yourself. Numbers on your "
            "machine, with a key or on a GPU will differ: that is the point of measuring.")
    return nbformat.v4.new_markdown_cell(text, id="reference-run-header")


def publish(nb, notebook: Path, row: dict, facts: dict, folder: Path = REFERENCE_DIR) -> Path:
    """Write the executed ``nb`` (a run of ``notebook`` that succeeded) to ``folder``/<name>, with static chart
    images, the header cell and the source fingerprint. Atomic: a failed write leaves the previous copy."""
    import nbformat

    from helpers import local_model
    from helpers.files import write_text_atomic

    if row["status"] != "ok":
        raise ValueError(f"{notebook.name} did not run cleanly ({row['error']}); its reference copy is not replaced")
    published = copy.deepcopy(nb)
    images = add_static_images(published)
    model = os.environ.get("COURSE_LOCAL_MODEL") or local_model.LOCAL_DISPLAY_NAME
    published.cells.insert(0, header_cell(notebook, row, facts, model))
    published.metadata["reference_run"] = {
        "source": f"notebooks/{source_of(notebook).name}", "source_sha256": source_sha256(notebook),
        "profile": row["profile"], "backend": "local (offline)", "model": model, "when": facts["when"],
        "machine": facts, "seconds": row["seconds"], "static_images": images}
    folder.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(folder / notebook.name, nbformat.writes(published))
