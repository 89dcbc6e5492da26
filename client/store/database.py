"""The terminal's encrypted store: SQLCipher 4 through SQLAlchemy.

The store is keyed with a random 256-bit key (never a password; key slots in
:mod:`client.store.keyslots` wrap it). Opening checks the key and every page's HMAC
(``cipher_integrity_check``), so a wrong key, a flipped byte or a truncated
file ends in :class:`StoreUnreadable` with a sentence for the clerk, never a
traceback or half-read data. Temporary tables live in memory and the WAL is
encrypted like the database, so nothing readable reaches the disk.

Tables:

* ``meta``      key/value (JSON): terminal key, pinned server key, cursor, hybrid
                clock, message counter, record-number pools, last sync
* ``records``   the server-confirmed state of each record (``data`` NULL while a
                record exists only as a pending create here), plus search columns
                computed from that state with this terminal's pending changes on top
* ``outbox``    every change made here, gapless by ``seq``, with its result
* ``local_audit`` sign-ins, failed attempts and other events at this terminal
* ``record_integrity`` each record's version and MAC (:mod:`client.store.integrity`:
                a page rolled back to an older genuine copy is found at open)

Writes go through :meth:`Store.write` (``BEGIN IMMEDIATE``: one writer at a
time, no lock upgrades between the UI's worker threads and sync).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgpack
import orjson
import sqlalchemy as sa
import sqlcipher3
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from ..errors import StoreUnreadable
from . import integrity, wal
from .tables import (  # re-exported: every reader imports the tables from here
    AUDIT,
    META,
    OUTBOX,
    RECORDS,
    RETIRED_INDEXES,
    TABLES,
    StoreBase,
)

__all__ = ["AUDIT", "META", "OUTBOX", "RECORDS", "RETIRED_INDEXES", "TABLES", "Store",
           "StoreBase", "audit", "dumps", "get_meta", "loads", "set_meta", "unpack_payload"]

STORE_FORMAT = 1
BUSY_TIMEOUT_S = 15.0
PAGE_CACHE_KIB = 32 * 1024
"""Each connection's page cache. Every page read past the cache is decrypted
and its HMAC checked again; SQLite's default (2 MiB) holds a fraction of the
indexes a pull of tens of thousands of records writes into."""


class Store:
    """An open encrypted store. ``close()`` drops the key and every connection."""

    def __init__(self, path: Path, key: bytes, *, create: bool = False) -> None:
        if len(key) != 32:
            raise StoreUnreadable
        if not create and not path.is_file():
            raise StoreUnreadable("The terminal's store is missing; re-enroll the terminal "
                                  "and re-sync from the server.")
        self.path = path
        self._key_pragma = f"PRAGMA key = \"x'{key.hex()}'\""
        self._integrity_key = integrity.derive_key(key)
        self.engine = _engine(self._connect)
        self._checkpointer = wal.Checkpointer(self._connect, Path(f"{path}-wal"),
                                            BUSY_TIMEOUT_S)
        self.rolled_back = False
        """Whether a part of the store was found rolled back to an older version
        at open: records set aside, pulled again at the next sync
        (:mod:`client.store.integrity`)."""
        try:
            if create:
                with self.engine.begin() as conn:
                    StoreBase.metadata.create_all(conn, tables=TABLES)
                    set_meta(conn, "store_format", STORE_FORMAT)
                self.engine.dispose()  # new connections get the integrity triggers
            self._verify()
            self._add_indexes()
            self._check_integrity()
        except StoreUnreadable:
            self.close()
            raise
        except sa.exc.DBAPIError as exc:
            self.close()
            raise StoreUnreadable from exc

    def _connect(self) -> Any:
        conn = sqlcipher3.connect(str(self.path), timeout=BUSY_TIMEOUT_S,
                                  isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(self._key_pragma)
            # Memory security (wiping every freed allocation) made every write
            # eight times slower once a connection's cache was warm (measured:
            # 10,000 outbox updates 0.36 s → 0.045 s); SQLCipher turned it off by
            # default in 4.5 for that reason. The key still leaves memory with
            # the connections when the terminal locks (Store.close disposes them).
            conn.execute("PRAGMA cipher_memory_security = OFF")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA journal_size_limit = {wal.WAL_LIMIT_BYTES}")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                            "AND name = 'records'").fetchone()[0]:
                integrity.prepare_connection(conn)
        except sqlcipher3.DatabaseError as exc:
            conn.close()
            raise StoreUnreadable from exc
        return conn

    def _verify(self) -> None:
        """Every page's MAC (``cipher_integrity_check``), then the structure the
        pages make (``quick_check``: a page damaged but carrying a valid MAC)."""
        with self.engine.connect() as conn:
            problems = conn.exec_driver_sql("PRAGMA cipher_integrity_check").fetchall()
            if problems:
                raise StoreUnreadable
            if [tuple(r) for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()] \
                    != [("ok",)]:
                raise StoreUnreadable
            names = {row[0] for row in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {t.name for t in TABLES} <= names:
                raise StoreUnreadable
            if get_meta(conn, "store_format") != STORE_FORMAT:
                raise StoreUnreadable

    def _add_indexes(self) -> None:
        """Indexes added after a store was created (same store format: an index
        changes no row), made on first open by a newer terminal; indexes they
        replace are dropped."""
        with self.write() as conn:
            for name in RETIRED_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
            for table in TABLES:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)

    def _check_integrity(self) -> None:
        """A page rolled back to an older genuine copy of itself: set the records
        aside and pull again (:mod:`client.store.integrity`)."""
        with self.read() as conn:
            finding = integrity.check(conn, self._integrity_key)
        if finding is not None and finding.clean:
            return
        with self.write() as conn:
            if finding is None:  # a store from before the check: version it now
                integrity.rebuild(conn, self._integrity_key)
            else:
                integrity.repair(conn, self._integrity_key, finding, int(time.time() * 1000))
                self.rolled_back = True

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE``); commits on success.

        Every commit waits for the disk (``synchronous=FULL``) unless the caller
        says a power cut may take it (``durable=False``): a pulled page and its
        cursor (the server still holds them; they are pulled again), or a
        message-counter step (a reused counter is refused as a replay and the
        engine jumps ahead). Such a commit runs at WAL's ``NORMAL``: still
        atomic, one disk wait fewer. A clerk's change is always durable.

        A non-durable commit also leaves the WAL checkpoint (copying the
        committed pages into the database file, with its disk wait) to a
        background thread, which does it while the pull waits for its next
        page; a durable commit checkpoints as SQLite always does."""
        committed = False
        with self.engine.connect() as plain:
            raw = plain.connection.dbapi_connection
            if not durable and raw is not None:
                raw.execute("PRAGMA synchronous = NORMAL")
                raw.execute("PRAGMA wal_autocheckpoint = 0")
            try:
                conn = plain.execution_options(immediate=True)
                with _damage_is_unreadable(), conn.begin():
                    integrity.begin(conn)
                    yield conn
                    # The one write choke point: records this transaction touched
                    # get their version and MAC before it commits.
                    integrity.seal(conn, self._integrity_key)
                committed = True
            finally:
                integrity.end(plain)
                if not durable and raw is not None:
                    with _damage_is_unreadable():
                        raw.execute("PRAGMA synchronous = FULL")
                        raw.execute(f"PRAGMA wal_autocheckpoint = {wal.WAL_AUTOCHECKPOINT_PAGES}")
        if committed and not durable:
            self._checkpointer.soon()

    def bound_wal(self) -> None:
        """Before a pulled page's write: if the WAL has grown past its bound, wait
        for the background checkpoint, so the write starts the WAL over
        (:mod:`client.store.wal`)."""
        self._checkpointer.wait_if_long()

    def trim_wal(self) -> None:
        """After a long pull: copy the WAL into the database and cut its file to
        nothing, on the checkpoint thread (if a reader or writer is in the way,
        the WAL stays within its bound instead)."""
        self._checkpointer.soon(truncate=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent read (one deferred transaction)."""
        with _damage_is_unreadable(), self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self._checkpointer.stop()
        self.engine.dispose()
        self._key_pragma = ""
        self._integrity_key = b""  # derived from the key: it goes with it


DB_ERRORS = (sa.exc.DBAPIError, sqlcipher3.Error)
"""What the store's driver can raise (sqlcipher3's own errors reach us unwrapped:
SQLAlchemy's SQLite dialect wraps only the standard sqlite3 module's)."""

_DAMAGE = ("malformed", "not a database", "corrupt", "disk i/o", "disk image")


@contextmanager
def _damage_is_unreadable() -> Iterator[None]:
    """A database error that means the file is damaged (at any read or write, not
    only at open) becomes the clerk's :class:`StoreUnreadable`, never a traceback.
    Other errors (a constraint, a busy timeout) pass through unchanged."""
    try:
        yield
    except (sa.exc.DatabaseError, sqlcipher3.DatabaseError) as exc:
        if any(word in str(exc).lower() for word in _DAMAGE):
            raise StoreUnreadable from exc
        raise


def _engine(connect: Callable[[], Any]) -> Engine:
    # Last in, first out: the connection just handed back is handed out again.
    # In WAL mode a connection drops its whole page cache when another one has
    # written since its last transaction, so a pull's writes rotating over the
    # pool (first in, first out) each found the cache cold and decrypted again
    # the index pages the page before had just read. (The checkpoint thread
    # has a connection of its own, so it never takes the one just handed back.)
    engine = sa.create_engine("sqlite://", creator=connect,
                              poolclass=QueuePool, pool_size=4, max_overflow=4,
                              pool_use_lifo=True)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # pysqlite-style drivers open transactions late and never for SELECT;
        # issue BEGIN ourselves (SQLAlchemy's documented recipe).
        immediate = conn.get_execution_options().get("immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


# --- meta ----------------------------------------------------------------------


def get_meta(conn: Connection, key: str, default: Any = None) -> Any:
    # Written-out SQL: a Core statement cost 71 µs of CPU to build, look up and
    # run, the same SQL 12 µs (every sync round and message reads several).
    value = conn.exec_driver_sql(_GET_META, (key,)).scalar()
    return default if value is None else json.loads(value)


def set_meta(conn: Connection, key: str, value: Any) -> None:
    text = json.dumps(value)
    updated = conn.exec_driver_sql(_SET_META, (text, key))
    if updated.rowcount == 0:
        conn.exec_driver_sql(_ADD_META, (key, text))


_GET_META = "SELECT value FROM meta WHERE key = ?"
_SET_META = "UPDATE meta SET value = ? WHERE key = ?"
_ADD_META = "INSERT INTO meta (key, value) VALUES (?, ?)"


def audit(conn: Connection, at: int, event_name: str, user_id: str | None,
          **detail: Any) -> None:
    conn.execute(AUDIT.insert().values(at=at, event=event_name, user_id=user_id,
                                       detail=json.dumps(detail)))


def unpack_payload(data: bytes) -> Any:
    """An outbox payload this terminal wrote itself (inside the encrypted
    store): trusted, so decoded without the hostile-input hooks of
    :func:`protocol.codec.decode`, which cost more than the sync itself."""
    return msgpack.unpackb(data, raw=False)


def dumps(value: Any) -> str:
    """A record column as compact JSON text (the store's SQL reads it with
    ``json_extract``). orjson writes the same text as ``json.dumps`` with
    ``ensure_ascii=False`` and compact separators, in a twentieth of the time:
    a pulled page writes three columns per record. Maps keyed by text (all a
    pull brings) go without ``OPT_NON_STR_KEYS``, which costs a third of the
    time; a key of any other type (orjson refuses it) is written with it."""
    if not value and isinstance(value, dict):
        return "{}"
    try:
        return orjson.dumps(value, default=_jsonable).decode()
    except TypeError:  # a key that is not text (or a value it cannot store: raised again)
        return orjson.dumps(value, default=_jsonable, option=orjson.OPT_NON_STR_KEYS).decode()


def loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__}")
