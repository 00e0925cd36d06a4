"""`make lab` serves the course: JupyterLab starts headless (no browser) and serves notebook 00."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "course-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def test_jupyterlab_serves_notebook_00(tmp_path):
    port = _free_port()
    log = (tmp_path / "lab.log").open("w")
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={ROOT}"],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while True:
            try:
                status, body = _get(f"{base}/api/contents/notebooks/00_start_here.ipynb?token={TOKEN}")
                break
            except OSError:
                if time.time() > deadline or lab.poll() is not None:
                    raise AssertionError((tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(1)
        assert status == 200
        model = json.loads(body)
        assert model["type"] == "notebook" and model["content"]["cells"][0]["source"].startswith("# 00")
        status, page = _get(f"{base}/lab/tree/notebooks/00_start_here.ipynb?token={TOKEN}")
        assert status == 200 and b"JupyterLab" in page
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
        log.close()
