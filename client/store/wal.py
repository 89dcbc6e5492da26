"""The store's write-ahead log: checkpointed off the writer's path, and bounded.

A pulled page commits without waiting for the disk and without SQLite's own
checkpoint (:meth:`client.store.database.Store.write`, ``durable=False``): the
:class:`Checkpointer` copies the committed pages into the database file on a
thread of its own while the pull decodes its next page.

Copying alone does not keep the WAL small. SQLite writes the WAL from its start
again only when a write transaction begins after a checkpoint has copied all of
it; a pull's next page usually begins while the previous page's checkpoint is
still running, so the WAL grew for the whole pull (100,000 pulled records left
~80 MiB of WAL beside a 60 MiB database) and SQLite keeps a WAL file at the
largest it ever grew until the store closes. So:

* every connection sets ``journal_size_limit`` (:data:`WAL_LIMIT_BYTES`): the
  first commit after the WAL starts over cuts the file back to it;
* a pulled page's write that finds the WAL file past the limit first waits for
  the checkpoint running (:meth:`Checkpointer.wait_if_long`, through
  :meth:`~client.store.database.Store.bound_wal`), so it starts the WAL over:
  the file stays within about the limit and one page;
* at the end of a pull the checkpoint also cuts the file to nothing
  (:meth:`Checkpointer.soon` with ``truncate``), never waiting for a reader or
  a writer to do so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlcipher3

from ..errors import StoreUnreadable

WAL_AUTOCHECKPOINT_PAGES = 1000
"""SQLite's default: a commit that leaves the WAL longer than this checkpoints."""

WAL_LIMIT_BYTES = 32 * 1024 * 1024
"""The WAL file's bound: ``journal_size_limit``, and the size past which a
non-durable write waits for the background checkpoint (about six pulled pages
of 8,000 records at 100,000 records held)."""

_FAILURES = (sa.exc.DBAPIError, sqlcipher3.Error, StoreUnreadable)
"""What a checkpoint can raise (:data:`client.store.database.DB_ERRORS`, which
imports this module)."""


class Checkpointer:
    """Checkpoints the WAL on its own thread and connection, when asked.

    Several requests while one checkpoint runs make one more, not many. A
    ``PASSIVE`` checkpoint never waits for readers or writers: what it cannot
    copy yet stays in the WAL for the next one (or a durable commit's own).

    The connection is its own (``connect``, the store's), not one of the
    store's pool: taken from the pool just after a write handed its
    connection back, it took that one, and the writer's next transaction went
    to another connection, whose page cache the write had made stale."""

    def __init__(self, connect: Callable[[], Any], wal: Path, busy_timeout_s: float) -> None:
        self._connect = connect
        self._conn: Any = None
        self._wal = wal
        self._busy_ms = int(busy_timeout_s * 1000)
        self._wake = threading.Event()
        self._asked: str | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self.failed: str | None = None
        """The last checkpoint's error, if it failed (the next commit retries)."""

    def soon(self, *, truncate: bool = False) -> None:
        """Checkpoint on the thread; with ``truncate``, also cut the WAL file to
        nothing if no reader or writer is in the way (else as without)."""
        with self._lock:
            if self._stopping:
                return
            self._asked = "TRUNCATE" if truncate or self._asked == "TRUNCATE" else "PASSIVE"
            self._idle.clear()
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="store-checkpoint",
                                                daemon=True)
                self._thread.start()

    def wait_if_long(self) -> None:
        """Before a pulled page's write: if the WAL file has grown past
        :data:`WAL_LIMIT_BYTES`, wait for the checkpoint asked for or running,
        so the write starts the WAL over (and its commit cuts the file back).
        A checkpoint a reader held back leaves the WAL as it is: the write goes
        ahead after the wait (a checkpoint never waits for anyone)."""
        try:
            size = self._wal.stat().st_size
        except OSError:
            return
        if size > WAL_LIMIT_BYTES:
            self._idle.wait(self._busy_ms / 1000)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                self._wake.clear()
                mode, self._asked = self._asked, None
                stopping = self._stopping
            if mode is not None:
                try:
                    self._checkpoint(mode)
                    self.failed = None
                except _FAILURES as exc:  # the WAL keeps the pages: nothing is lost
                    self.failed = str(exc)
            with self._lock:
                if self._asked is None:
                    self._idle.set()
            if stopping:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                return

    def _checkpoint(self, mode: str) -> None:
        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        if mode == "PASSIVE":
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            return
        # A passive checkpoint first copies what it can without blocking anyone;
        # the TRUNCATE after it holds the writers back (SQLite's rule) only for
        # what committed in between, not for a WAL's worth of pages, so a
        # clerk's save does not wait behind the copy.
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        # No busy wait: a writer or a reader in the way makes this a passive
        # checkpoint (SQLite's rule), instead of holding the clerk's next
        # write back while it waits for them.
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        finally:
            conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")

    def stop(self) -> None:
        """Run the checkpoint asked for, if any, then end the thread (before the
        engine and the key go)."""
        with self._lock:
            self._stopping = True
            thread, self._thread = self._thread, None
            self._wake.set()
        if thread is not None:
            thread.join()
        self._idle.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no checkpoint is asked for or running; False on timeout."""
        return self._idle.wait(timeout)
