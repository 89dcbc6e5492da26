"""Python's cycle collector, paused for a block of work that makes thousands of
short-lived objects without cycles: one process-wide pause shared by the
terminal's pull and the server's reports.

A pulled page (thousands of snapshots: a few small dicts and strings each when
decoded, then a row of plain values) and a report (for a large facility's
quarter, some thirty thousand small immutable objects: records, hours entries,
daily work entries) both keep what they make alive until they end, then let it
all go at once. None of it forms reference cycles, so reference counting frees
it; but while it is being made, the cycle collector, triggered by the
allocations, walks the growing heap again and again looking for cycles (about a
fifth of a report's time; in the terminal app each older-generation pass also
walks the UI's whole heap; figures in docs/performance.md). The collector
resumes when the last paused block running in the process ends; garbage made
meanwhile by other threads waits until then.
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
