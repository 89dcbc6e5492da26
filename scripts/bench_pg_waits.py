"""What a push waits for on PostgreSQL, for ``scripts/bench_profile.py``: the
statements and ``COPY``s it sends (round trips), the wall time it waits in
psycopg, and the CPU of the PostgreSQL backend serving it (its process on this
machine, from /proc). Counted only while :data:`IN_PUSH` is on in the thread
running ``SyncService.push``."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

IN_PUSH = threading.local()
"""``IN_PUSH.on`` is set while the server's thread runs a push."""


@event.listens_for(sa.engine.Engine, "before_cursor_execute")
def _count_statement(*_args: Any) -> None:
    if getattr(IN_PUSH, "on", False):
        PG["statements"] += 1


PG: dict[str, float] = dict.fromkeys(("statements", "copies", "waits", "wait_s", "backend_s"),
                                     0.0)
"""Counts and seconds summed over every push while :func:`postgres_waits` is on."""
TICK = os.sysconf("SC_CLK_TCK")
PUSH_ENDED: list[Any] = []
"""Called as each push ends, in the server's thread (:func:`postgres_waits`)."""


def _process_cpu_s(pid: int) -> float:
    """A process's CPU seconds (user + system) from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


@contextmanager
def postgres_waits() -> Iterator[None]:
    """While a push runs (on PostgreSQL): the statements it sends through
    SQLAlchemy, its ``COPY``s, the wall time it waits in psycopg (for
    PostgreSQL's answer, or to send), and the CPU of the PostgreSQL backend
    serving it (its process on this machine, from /proc; read around each
    push). Each SQLAlchemy statement and ``COPY`` is one round trip; psycopg
    adds one ``BEGIN`` and one ``COMMIT`` per transaction."""
    import psycopg

    wait, copy = psycopg.Connection.wait, psycopg.Cursor.copy
    backend: dict[str, float] = {}

    def timed_wait(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(IN_PUSH, "on", False):
            return wait(self, *args, **kwargs)
        if "pid" not in backend:
            backend["pid"] = self.info.backend_pid
            backend["cpu"] = _process_cpu_s(self.info.backend_pid)
        started = time.perf_counter()
        try:
            return wait(self, *args, **kwargs)
        finally:
            PG["wait_s"] += time.perf_counter() - started
            PG["waits"] += 1

    def counted_copy(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(IN_PUSH, "on", False):
            PG["copies"] += 1
        return copy(self, *args, **kwargs)

    def push_ended() -> None:
        if "pid" in backend:
            PG["backend_s"] += _process_cpu_s(int(backend.pop("pid"))) - backend.pop("cpu")

    psycopg.Connection.wait = timed_wait  # type: ignore[method-assign]
    psycopg.Cursor.copy = counted_copy  # type: ignore[method-assign]
    PUSH_ENDED.append(push_ended)
    try:
        yield
    finally:
        psycopg.Connection.wait = wait  # type: ignore[method-assign]
        psycopg.Cursor.copy = copy  # type: ignore[method-assign]
        PUSH_ENDED.remove(push_ended)


def postgres_line(pg: dict[str, float], ops: int) -> str:
    batches = pg.get("batches") or 1
    return (f"  PostgreSQL: per batch of {ops / batches:,.0f} operations "
            f"{pg['statements'] / batches:.1f} statements and {pg['copies'] / batches:.1f} "
            f"COPYs (+ BEGIN and COMMIT); per operation {pg['wait_s'] / ops * 1e6:.0f} µs "
            f"waiting in psycopg, PostgreSQL backend CPU {pg['backend_s'] / ops * 1e6:.0f} µs "
            f"(/proc, 10 ms ticks)")
