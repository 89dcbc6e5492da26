"""A claim on a piece of work that any server process may do, so that only one
does it at a time (a facility's dashboard figures: a report's worth of work,
wasted if two processes compute it at once).

Server processes keep no state of their own, so the claim is held where every
process sharing the database sees it, and it ends with its holder, even one
killed in the middle:

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a
  connection held for the claim; the server drops it when the connection
  ends.
- SQLite: an exclusive ``flock`` on a file beside the database (processes that
  share a SQLite database share its directory); the kernel drops it when the
  process ends. An in-memory database has one process: a lock in it suffices.

A claim never waits: the caller that does not get it leaves the work to the
one that has it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

_MEMORY: set[str] = set()
_MEMORY_LOCK = threading.Lock()


def _pg_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(f"chartkeep:{name}".encode()).digest()[:8], "big",
                          signed=True)


@contextlib.contextmanager
def claim(engine: Engine, name: str) -> Iterator[bool]:
    """Try to claim ``name`` (e.g. ``figures:<facility id>``) for the ``with``
    block; yields whether this caller holds it (False: another has it now)."""
    if engine.dialect.name == "postgresql":
        with _pg_claim(engine, name) as held:
            yield held
    elif engine.url.database and engine.url.database != ":memory:":
        with _file_claim(Path(engine.url.database), name) as held:
            yield held
    else:
        with _memory_claim(name) as held:
            yield held


@contextlib.contextmanager
def _pg_claim(engine: Engine, name: str) -> Iterator[bool]:
    key = _pg_key(name)
    with engine.connect() as conn:
        held = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                 {"key": key}).scalar())
        conn.commit()  # the lock is the session's: no transaction is left open meanwhile
        try:
            yield held
        finally:
            if held:
                try:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    conn.commit()
                except Exception:
                    # A connection that may still hold the lock never goes back to the
                    # pool: closed, it releases the lock with it.
                    conn.invalidate()
                    raise


@contextlib.contextmanager
def _file_claim(database: Path, name: str) -> Iterator[bool]:
    folder = database.parent / f"{database.name}.claims"
    folder.mkdir(exist_ok=True)
    path = folder / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _memory_claim(name: str) -> Iterator[bool]:
    with _MEMORY_LOCK:
        held = name not in _MEMORY
        _MEMORY.add(name)
    try:
        yield held
    finally:
        if held:
            with _MEMORY_LOCK:
                _MEMORY.discard(name)
