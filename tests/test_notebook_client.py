"""The sliced polls of bench/notebook_client.py: a reply that a long poll would miss is picked up by the next slice,
and a real timeout still raises Empty."""

import asyncio
import time
from queue import Empty

import pytest

from bench.notebook_client import polled_in_slices


class MissedWakeUpChannel:
    """A channel whose first poll never wakes (the missed edge) and whose later polls find the waiting reply."""

    def __init__(self, reply_after_calls: int | None):
        self.timeouts = []
        self.reply_after_calls = reply_after_calls

    async def get_msg(self, timeout=None):
        self.timeouts.append(timeout)
        if self.reply_after_calls is not None and len(self.timeouts) > self.reply_after_calls:
            return {"msg_type": "execute_reply"}
        await asyncio.sleep(timeout if timeout is not None else 3600)
        raise Empty


def test_a_missed_wake_up_costs_one_slice_not_the_whole_timeout():
    channel = MissedWakeUpChannel(reply_after_calls=1)
    start = time.monotonic()
    msg = asyncio.run(polled_in_slices(channel.get_msg, slice_s=0.05)(timeout=600))
    assert msg == {"msg_type": "execute_reply"}
    assert time.monotonic() - start < 5
    assert all(t is not None and t <= 0.05 for t in channel.timeouts)


def test_no_timeout_means_slices_forever_until_a_reply():
    channel = MissedWakeUpChannel(reply_after_calls=3)
    msg = asyncio.run(polled_in_slices(channel.get_msg, slice_s=0.01)(timeout=None))
    assert msg["msg_type"] == "execute_reply"
    assert len(channel.timeouts) == 4


def test_a_real_timeout_still_raises_empty():
    channel = MissedWakeUpChannel(reply_after_calls=None)
    start = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(polled_in_slices(channel.get_msg, slice_s=0.05)(timeout=0.2))
    elapsed = time.monotonic() - start
    assert 0.2 <= elapsed < 2
    assert 3 <= len(channel.timeouts) <= 6
