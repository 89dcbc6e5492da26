"""Python's cycle collector, paused while one facility's records are computed from.

A report holds a facility's records and what is derived from them (for a large
facility's quarter, some thirty thousand small immutable objects: records, hours
entries, daily work entries) alive until its rows are made, then lets them all
go at once. None of them form reference cycles, so reference counting frees
them; but while they are being made, the cycle collector, triggered by the
allocations, walks the growing heap again and again looking for cycles (about a
fifth of a report's time, measured in docs/performance.md). Reports therefore
pause it, and the collector resumes when the last report running in the
process ends; garbage made meanwhile by other threads waits until then.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
"""Reports running in this process with the collector paused."""
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
