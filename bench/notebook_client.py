"""The notebook runner shared by the notebook test, the run-time benchmark and `make workshop-prep`: nbclient's
NotebookClient, with the kernel's replies read in one-second slices.

Why: nbclient waits for a cell's reply with a single zmq.asyncio poll lasting the whole cell timeout. That poll is
woken by an edge-triggered file descriptor; when the edge is missed, the reply sits in the socket unread and the run
stalls until the timeout, kernel and client both idle (seen here: 8-10 minute stalls, the last one right after the
ipywidgets cell of notebook 01, the kernel answering a second client at once; nbclient issue #312 reports the same
with widgets). Every new poll first asks the socket whether a message is already waiting, so polling in slices
turns a missed edge into at most one slice of delay instead of a stall.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from queue import Empty

from nbclient import NotebookClient

SLICE_S = 1.0


def polled_in_slices(get_msg, slice_s: float = SLICE_S):
    """Wrap a channel's async ``get_msg(timeout=None)`` so that it polls at most ``slice_s`` at a time until its own
    timeout (or forever, for None), and raises ``Empty`` only when that timeout has passed."""

    async def get_msg_in_slices(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=slice_s if left is None else min(slice_s, left))
            except Empty:
                if left is not None and time.monotonic() >= deadline:
                    raise

    return get_msg_in_slices


class SlicedPollNotebookClient(NotebookClient):
    """NotebookClient whose shell and iopub channels are read in slices (see the module docstring)."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        for channel in (kc.shell_channel, kc.iopub_channel):
            channel.get_msg = polled_in_slices(channel.get_msg)
        return kc


def offline_environment(profile: str) -> None:
    """This process's environment becomes the kernels': offline, no API keys, the local backend, ``profile``."""
    for key in [k for k in os.environ if k.endswith("_API_KEY")]:
        del os.environ[key]
    os.environ.update({"COURSE_PROFILE": profile, "COURSE_BACKEND": "local", "HF_HUB_OFFLINE": "1",
                       "TRANSFORMERS_OFFLINE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"})


def client_for(nb, path: Path, timeout: int) -> SlicedPollNotebookClient:
    """The runner for notebook ``nb`` read from ``path``: kernel python3, working folder the notebook's own."""
    return SlicedPollNotebookClient(nb, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}})
