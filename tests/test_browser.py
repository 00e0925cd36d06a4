"""The course as a learner sees it: JupyterLab in a real (headless) Chromium, driven by Playwright.

Run with `make test-browser` (installs Debian's Chromium and Playwright first; `.ci/run` runs it after `make test`).
It starts JupyterLab on a free loopback port over a *copy* of the notebooks (so JupyterLab never saves outputs into
the repository), opens notebook 00 and the widget notebook 03, runs all cells, checks that no cell shows an error and
that plotly charts rendered, then moves notebook 03's "top-k" slider and checks that the chart was drawn again for
the new value. Screenshots go to build/browser-*.png. JupyterLab and Chromium are stopped whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from lab_server import TOKEN, jupyter_lab

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, and this machine's closed network refuses it.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
RUN_TIMEOUT_S = 900

# JupyterLab user settings for the test: no news fetching (no network), no autosave, every cell kept in the DOM
# (windowed rendering would detach off-screen cells and their charts).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    """JupyterLab serving a copy of notebooks/ (with data/ beside it) on a free port; stopped at the end."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test-browser`, which installs Debian's chromium, "
                    "or set COURSE_CHROMIUM to a Chromium/Chrome binary.")
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    (work / "data").symlink_to(ROOT / "data")  # notebooks read ../data/kb
    settings = work / "settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"COURSE_PROFILE": "quick", "COURSE_BACKEND": "local", "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1", "JUPYTERLAB_SETTINGS_DIR": str(settings),
                "JUPYTER_RUNTIME_DIR": str(work / "runtime"), "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    extra = ("--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None")
    with jupyter_lab(work, work / "lab.log", env=env, extra_args=extra) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# JavaScript run in the page. `window.jupyterapp` exists because JupyterLab was started with expose_app_in_browser.
_OPEN = """async (path) => {
  const app = window.jupyterapp;
  await app.started; await app.restored;
  const panel = await app.commands.execute('docmanager:open', {path: path, factory: 'Notebook'});
  await panel.context.ready; await panel.sessionContext.ready;
  return panel.sessionContext.session ? panel.sessionContext.session.kernel.name : null;
}"""
_RUN_ALL = """async () => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:run-all-cells');
}"""
_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  let pending = 0;
  cells.forEach((cell, i) => {
    if (cell.model.executionCount === null || cell.promptNode.textContent.includes('*')) pending += 1;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error') errors.push({cell: i, ename: out.ename, evalue: out.evalue});
    }
  });
  return {code_cells: cells.length, pending: pending, errors: errors,
          kernel: panel.sessionContext.kernelDisplayStatus,
          plots: panel.node.querySelectorAll('.js-plotly-plot .main-svg').length};
}"""


_SHUTDOWN = """async () => { await window.jupyterapp.shell.currentWidget.sessionContext.shutdown(); }"""


def _record_time(path: str, seconds: float) -> None:
    """Run-all wall time per notebook in the browser, beside nbclient's build/notebook-times.json."""
    times_file = BUILD / "browser-times.json"
    times = json.loads(times_file.read_text()) if times_file.exists() else {}
    times[Path(path).name] = {"seconds": round(seconds, 1), "when": time.strftime("%Y-%m-%d %H:%M")}
    times_file.write_text(json.dumps(times, indent=2, sort_keys=True))


def _run_notebook(page, base: str, path: str, name: str) -> dict:
    page.goto(f"{base}/lab?reset&token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
    kernel = page.evaluate(_OPEN, path)
    assert kernel == "python3", f"{path}: kernel {kernel!r}, expected python3"
    start = time.time()
    page.evaluate(_RUN_ALL)
    deadline = start + RUN_TIMEOUT_S
    state = page.evaluate(_STATE)
    while state["pending"] or state["kernel"] != "idle":
        if state["errors"] or time.time() > deadline:
            break
        time.sleep(2)
        state = page.evaluate(_STATE)
    page.screenshot(path=str(BUILD / f"browser-{name}.png"), full_page=False)
    _record_time(path, time.time() - start)
    assert not state["errors"], f"{path}: cells with errors: {state['errors']}"
    assert state["pending"] == 0, f"{path}: {state['pending']} of {state['code_cells']} cells never finished"
    return state


def test_notebook_00_runs_in_jupyterlab(lab_url, browser):
    BUILD.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        state = _run_notebook(page, lab_url, "notebooks/00_start_here.ipynb", "00")
        assert state["plots"] >= 1, "notebook 00 drew no plotly chart in the browser"
        page.evaluate(_SHUTDOWN)
    finally:
        page.close()


_TOPK_TITLE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const titles = [...panel.node.querySelectorAll('.js-plotly-plot .gtitle')].map(t => t.textContent);
  return titles.filter(t => t.includes('hit@'));
}"""


def test_widget_changes_redraw_the_chart(lab_url, browser):
    """Notebook 03's chunking explorer: moving the top-k slider must redraw its chart for the new k."""
    BUILD.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        _run_notebook(page, lab_url, "notebooks/03_naive_rag.ipynb", "03-before")
        slider = page.locator(".widget-slider", has=page.locator("label", has_text="top-k")).first
        slider.scroll_into_view_if_needed()
        assert any("hit@3" in t for t in page.evaluate(_TOPK_TITLE)), "the explorer's chart (hit@3) is missing"
        readout = slider.locator(".widget-readout")
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("5")
        page.keyboard.press("Enter")
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
                               ".some(t => t.textContent.includes('hit@5'))", timeout=120_000)
        titles = page.evaluate(_TOPK_TITLE)
        assert not any("hit@3" in t for t in titles), f"the old chart is still shown: {titles}"
        slider.scroll_into_view_if_needed()
        page.screenshot(path=str(BUILD / "browser-03-after-widget.png"))
        state = page.evaluate(_STATE)
        assert not state["errors"], state["errors"]
        page.evaluate(_SHUTDOWN)
    finally:
        page.close()
