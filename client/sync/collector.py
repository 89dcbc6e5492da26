"""Python's cycle collector, paused while a pulled page is decoded and applied.

A page is thousands of snapshots: each a few small dicts and strings when
decoded, then a row of plain values, all let go when the page is committed.
None of them form reference cycles, so reference counting frees them; but while
they are being made, the allocations trigger the cycle collector again and
again, and in the terminal app each older-generation pass walks the whole
heap of the UI. The pull therefore pauses it for one page at a time; garbage
other threads make meanwhile waits until the page ends (the server's report
builder does the same: ``server/reports/collector.py``).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
"""Blocks running in this process with the collector paused."""
_resume = False
"""Whether the collector was on when the first of them began."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block (nests, and across threads)."""
    global _running, _resume  # noqa: PLW0603 - the collector is per process, and so is its pause
    with _lock:
        if _running == 0:
            _resume = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _resume:
                gc.enable()
