"""`make lab` serves the course: JupyterLab starts headless (no browser) and serves notebook 00."""

import json
import urllib.request
from pathlib import Path

from lab_server import TOKEN, jupyter_lab

ROOT = Path(__file__).resolve().parent.parent


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def test_jupyterlab_serves_notebook_00(tmp_path):
    with jupyter_lab(ROOT, tmp_path / "lab.log") as base:
        status, body = _get(f"{base}/api/contents/notebooks/00_start_here.ipynb?token={TOKEN}")
        assert status == 200
        model = json.loads(body)
        assert model["type"] == "notebook" and model["content"]["cells"][0]["source"].startswith("# 00")
        status, page = _get(f"{base}/lab/tree/notebooks/00_start_here.ipynb?token={TOKEN}")
        assert status == 200 and b"JupyterLab" in page
