"""Start and stop a JupyterLab server for the tests that need one (test_lab_serves, test_browser)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

TOKEN = "course-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_lab(root_dir: Path, log_path: Path, *, env: dict | None = None, extra_args: tuple[str, ...] = ()):
    """JupyterLab on a free loopback port serving ``root_dir``, headless; yields its base URL once /api/status answers.
    Stopped (terminate, then kill) whatever happens; its log is in ``log_path``."""
    port = free_port()
    with log_path.open("w") as log:
        lab = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root_dir}", *extra_args],
            stdout=log, stderr=subprocess.STDOUT, cwd=root_dir, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.time() > deadline or lab.poll() is not None:
                    raise AssertionError("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(1)
            yield base
        finally:
            lab.terminate()
            try:
                lab.wait(timeout=30)
            except subprocess.TimeoutExpired:
                lab.kill()
                lab.wait()
