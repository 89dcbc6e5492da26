"""Engines and transactions for SQLite and PostgreSQL.

SQLite (Python 3.11's ``sqlite3``) is put under SQLAlchemy's own transaction
control (the documented event-hook recipe): the driver's implicit BEGIN is
switched off and we emit ``BEGIN IMMEDIATE`` ourselves, so a write transaction
takes the write lock up front. Writers then queue on the busy timeout instead
of deadlocking when two readers both try to upgrade, SAVEPOINTs work, and DDL
is transactional (Alembic). WAL lets pulls read while a push writes;
``synchronous=FULL`` because an answer of "applied" must survive a power cut.

PostgreSQL goes through psycopg 3. Commits per facility are serialized by
locking the facility's head row (:func:`lock_heads`), not by isolation level.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from .models import T
from .rows import json_text

READ_ONLY = "chartkeep_read_only"
SQLITE_BUSY_MS = 30_000
SQLITE_CACHE_KIB = 8 * 1024
"""Page cache per SQLite connection (SQLite's default is 2 MiB). With 2 MiB a
push on top of 40,000 operations cost 36-40 % more server CPU per operation
than on an empty server, with the same SQL work (SQLite's instruction count
did not grow): the extra time was pages read back from the operating system.
8 MiB took it to 9-14 % (32 MiB: 8 %); the cache fills only as pages are read,
so a small database costs little of it (docs/performance.md)."""
SQLITE_WAL_FALLBACK_PAGES = 32_768
"""A connection that commits while the WAL holds more pages than this (128 MiB)
copies them into the database itself (SQLite's automatic checkpoint). The
server's own checkpoint (:func:`checkpoint_wal`, run by the app off the request
path) normally keeps the WAL far below it; this bounds the WAL when none runs
(a command-line tool) or it falls behind. At SQLite's default (1,000 pages) the
push that filled the WAL paid for the checkpoint: on top of 100,000 operations
that was 9 KB read and 9 KB written per operation besides its own 9 KB of WAL."""
SQLITE_WAL_LIMIT_BYTES = 64 * 1024 * 1024
"""The WAL file is cut back to this size once copied into the database (SQLite
otherwise keeps it at the largest it ever grew)."""


def normalise_url(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, pool_size)
    engine = sa.create_engine(parsed, pool_size=pool_size, max_overflow=pool_size,
                              pool_use_lifo=True, pool_recycle=1800,
                              json_serializer=json_text)
    _ping_when_idle(engine)
    return engine


PING_IDLE_S = 5.0
"""A pooled PostgreSQL connection unused for this long is checked with a round
trip before it is handed out; one in steady use is not."""
_IDLE_SINCE = "chartkeep_idle_since"


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, for connections that sat idle only.

    Pinging every checkout cost a round trip per transaction (a pull is one
    transaction, authentication a read of its own). A database restarted while
    connections sat idle is noticed here and they are replaced, as before. One
    restarted under traffic fails the requests that use a connection within
    ``PING_IDLE_S`` of its last use (a terminal's sync tries again), and the
    first such failure makes SQLAlchemy discard every connection of the pool.
    The pool hands out the most recently used connection first, so under light
    traffic the others age and are checked when next needed.
    """
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # the pool drops this connection and checks out another
            raise sa.exc.DisconnectionError(str(exc)) from exc


def _sqlite_engine(url: sa.URL, pool_size: int) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, pool_size=pool_size, max_overflow=pool_size,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000},
        json_serializer=json_text,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_FALLBACK_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def wal_file(engine: Engine) -> Path | None:
    """The WAL of an SQLite database file (None for PostgreSQL or in memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(f"{url.database}-wal")


SQLITE_WAL_CHECKPOINT_PAGES = 8_192
"""The server checkpoints the WAL off the request path once it holds this many
pages not yet copied into the database (32 MiB): a page a push batch writes
again before then is copied once (on top of 100,000 operations, 40 % less
read and written than checkpointing every 1,000 pages)."""


class WalCheckpoints:
    """Copies what an SQLite database's WAL holds into the database, off the
    request path: the server calls :meth:`run` on its database threads every
    half second (server/http/app.py), so the pushes that write the WAL do not
    copy it themselves (they would only past :data:`SQLITE_WAL_FALLBACK_PAGES`).
    """

    def __init__(self, engine: Engine, wal: Path, pages: int | None = None) -> None:
        self.engine = engine
        self.wal = wal
        self.index = Path(str(wal)[:-len("-wal")] + "-shm")
        self.pages = pages or SQLITE_WAL_CHECKPOINT_PAGES

    def waiting(self) -> int:
        """Frames in the WAL not yet copied into the database, read from the
        WAL index's header (https://www.sqlite.org/walformat.html: ``mxFrame``
        at byte 16, ``nBackfill`` at byte 96, native byte order); 0 without one."""
        try:
            with self.index.open("rb") as index:
                head = index.read(100)
        except FileNotFoundError:
            return 0
        if len(head) < 100:
            return 0
        frames = int.from_bytes(head[16:20], sys.byteorder)
        copied = int.from_bytes(head[96:100], sys.byteorder)
        return max(frames - copied, 0)

    def run(self) -> bool:
        """Checkpoint if the WAL holds :attr:`pages` not yet copied; whether it
        did. ``PASSIVE`` waits on no one: pages a reader still needs stay for
        the next time. Outside any transaction, which a checkpoint cannot run in."""
        if self.waiting() < self.pages:
            return False
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            raw.close()
        return True


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on any error."""
    with engine.begin() as conn:
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A consistent read: every statement sees one snapshot. On SQLite a
    deferred BEGIN (it never blocks writers); on PostgreSQL REPEATABLE READ, as
    its default READ COMMITTED gives each statement its own snapshot (a report
    read in several statements could mix states, and the audit check, walking
    the log page by page and comparing with the head it read first, took an
    entry pushed meanwhile for a break: "entries after this point were
    removed"). Read-only, so it never fails to serialize."""
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield conn


@contextmanager
def single_read(engine: Engine) -> Iterator[Connection]:
    """A read of one statement. On PostgreSQL it runs outside any transaction
    (one statement sees one snapshot by itself): one round trip, where a
    transaction costs three (BEGIN, the statement, COMMIT). Every terminal
    request authenticates this way. On SQLite it is :func:`read_tx`."""
    if engine.dialect.name != "postgresql":
        with read_tx(engine) as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def lock_heads(conn: Connection, facility_ids: Iterable[str]) -> dict[str, sa.Row[Any]]:
    """Lock facility head rows in id order (no deadlock between two transfers
    in opposite directions) and return them. On SQLite the whole write
    transaction already holds the database's write lock.
    """
    heads = T.heads
    rows: dict[str, sa.Row[Any]] = {}
    for facility_id in sorted(set(facility_ids)):
        stmt = sa.select(heads).where(heads.c.facility_id == facility_id).with_for_update()
        row = conn.execute(stmt).first()
        if row is not None:
            rows[facility_id] = row
    return rows
