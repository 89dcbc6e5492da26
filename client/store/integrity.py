"""Detecting a store page rolled back to an older genuine version of itself.

SQLCipher authenticates each page on its own (a MAC over the page and its
number), so a page replaced by an *older* genuine copy of itself reads as
valid: a record would silently show an old value, and since the pull position
is past the newer change the terminal would never fetch it again. This module
makes such a rollback visible:

* every record row carries a **version** (the store-level write counter when
  it was last written) and a **MAC** (HMAC-SHA256 under a key derived from the
  store key, over the record's id, that version and the whole row), kept in
  ``record_integrity`` — other pages than the rows themselves;
* the store keeps the **counter** and a **root** (the XOR of every record's
  MAC) in ``meta``, sealed with the same key.

Writes are hooked at the store's one write choke point
(:meth:`client.store.database.Store.write`): temporary triggers (in memory,
per connection) note which records a transaction touched, and just before the
commit :func:`seal` advances the counter and re-MACs those rows — whatever code
wrote them (pull, the clerk's changes, a restore), so the pull path may change
freely. A bulk writer of whole rows (a pulled page: thousands of records) may
instead write them through :func:`client.store.bulk_rows.put_rows`, which hands the seal the rows as
written, so the same seal MACs them without noting each id and reading the row
back; it works only inside :meth:`~client.store.database.Store.write`, and a
row changed again later in the transaction is noted by the triggers and read
back as any other. :func:`check` runs at open: a row whose content does not match its MAC
(the row's page or the ledger's page is older than the other), a record or
ledger entry without its partner, or a root that does not match the ledger
(``meta``'s page is older) is a rollback. :func:`repair` then blanks the
suspect records (the clerk never sees the stale values), has the terminal pull
everything again from the server (the server holds every confirmed record) and
records the sentence the clerk is shown at the next sync.

A rollback of the *whole* store (every page consistent with an older moment)
is a terminal restored from an older copy: the server's high-water marks
(last operation, message counter, pull cursor) catch it at the next sync
(:mod:`client.sync.terminal_restore`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgpack
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

LEDGER = "record_integrity"
STATE_META = "integrity"
NOTICE_META = "integrity_notice"
_CHUNK = 500
REPULL_META = "integrity_repull"

STORE_ROLLED_BACK = ("Part of this terminal's store was found older than it should be (a "
                     "disk or backup problem). {count} record(s) were set aside and every "
                     "record was pulled again from the server; nothing the server holds was "
                     "lost, and changes not yet sent were kept.")

LEDGER_TABLE = sa.Table(LEDGER, sa.MetaData(),
                        sa.Column("id", sa.Text, primary_key=True),
                        sa.Column("version", sa.Integer, nullable=False),
                        sa.Column("mac", sa.LargeBinary, nullable=False))
_LEDGER_DDL = ("CREATE TABLE IF NOT EXISTS record_integrity (id TEXT PRIMARY KEY, "
               "version INTEGER NOT NULL, mac BLOB NOT NULL)")
# Not INSERT OR IGNORE: an UPSERT on records imposes its own conflict handling
# on a trigger's statements (SQLite's rule), so the list has no constraint.
_NOTE_NEW = ("INSERT INTO integrity_dirty SELECT NEW.id WHERE NOT EXISTS "
             "(SELECT 1 FROM integrity_dirty WHERE id = NEW.id);")
_NOTE_OLD = ("INSERT INTO integrity_dirty SELECT OLD.id WHERE NOT EXISTS "
             "(SELECT 1 FROM integrity_dirty WHERE id = OLD.id);")
TRIGGERS_DDL = (
    "CREATE TEMP TRIGGER IF NOT EXISTS integrity_insert AFTER INSERT ON main.records BEGIN "
    + _NOTE_NEW + " END",
    "CREATE TEMP TRIGGER IF NOT EXISTS integrity_update AFTER UPDATE ON main.records BEGIN "
    + _NOTE_OLD + " " + _NOTE_NEW + " END",
    "CREATE TEMP TRIGGER IF NOT EXISTS integrity_delete AFTER DELETE ON main.records BEGIN "
    + _NOTE_OLD + " END",
)
"""The triggers that note each touched record (one statement may set them
aside: :func:`client.store.bulk_rows.put_rows`)."""
_CONNECTION_DDL = ("CREATE TEMP TABLE IF NOT EXISTS integrity_dirty (id TEXT)",
                   "CREATE INDEX IF NOT EXISTS temp.integrity_dirty_id ON integrity_dirty (id)",
                   *TRIGGERS_DDL)
_ALL_ROWS = sa.text("SELECT * FROM records")
_SOME_ROWS = sa.text("SELECT * FROM records WHERE id IN :ids").bindparams(
    sa.bindparam("ids", expanding=True))
_DIRTY_LEDGER = ("SELECT l.mac FROM record_integrity l "
                 "JOIN temp.integrity_dirty d ON d.id = l.id")
_DIRTY_ROWS = "SELECT r.* FROM records r JOIN temp.integrity_dirty d ON d.id = r.id"
IN_HAND = "integrity_in_hand"
"""``Connection.info`` key of the rows handed to this transaction's seal."""
_HAND_LEDGER = ("SELECT mac FROM record_integrity WHERE id IN "
                "(SELECT value FROM json_each(?))")
_DROP_GONE = ("DELETE FROM record_integrity WHERE id IN (SELECT id FROM temp.integrity_dirty) "
              "AND id NOT IN (SELECT id FROM records)")
_UPSERT = ("INSERT INTO record_integrity (id, version, mac) VALUES (?, ?, ?) ON CONFLICT (id) "
           "DO UPDATE SET version = excluded.version, mac = excluded.mac")
L = LEDGER_TABLE.c


def derive_key(store_key: bytes) -> bytes:
    """The MAC key: separate from the store key, derived from it."""
    return hmac.new(store_key, b"chartkeep record integrity v1", hashlib.sha256).digest()


def prepare_connection(raw: Any) -> None:
    """On every new connection (a DB-API one): the ledger, and the temporary
    triggers that note which records a transaction touches."""
    raw.execute(_LEDGER_DDL)
    for ddl in _CONNECTION_DDL:
        raw.execute(ddl)


@dataclass(frozen=True)
class Finding:
    """What :func:`check` found: records whose row and ledger disagree, and
    whether the store-level state itself was older than the ledger."""

    suspects: frozenset[str]
    state_rolled_back: bool

    @property
    def clean(self) -> bool:
        return not self.suspects and not self.state_rolled_back


def _mac(key: bytes, record_id: str, version: int, row: Iterable[Any]) -> bytes:
    body = msgpack.packb([record_id, version, list(row)], use_bin_type=True)
    return hmac.digest(key, body, "sha256")


class _Macs:
    """:func:`_mac` for many rows under one key (a pulled page seals thousands):
    one packer, and HMAC-SHA256's two keyed hash states (RFC 2104: the key,
    padded to SHA-256's 64-byte block, XORed with 0x36 and 0x5c) made once and
    copied for each row, with hashlib's own objects (``hmac.HMAC``'s Python
    wrapper cost a quarter of a row's MAC). The same bytes, so the same MACs (a
    test compares them with :func:`_mac`'s). Made per call, never shared
    between threads."""

    def __init__(self, key: bytes) -> None:
        self._pack = msgpack.Packer(use_bin_type=True).pack
        block = (key if len(key) <= _BLOCK else hashlib.sha256(key).digest()).ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __call__(self, record_id: str, version: int, row: Iterable[Any]) -> bytes:
        inner = self._inner.copy()
        inner.update(self._pack([record_id, version, list(row)]))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


_BLOCK = hashlib.sha256().block_size


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(32, "big")


_ZERO = bytes(32)


def _state(conn: Connection, key: bytes) -> tuple[int, bytes] | None:
    """(counter, root) from ``meta`` if its seal holds; None when absent or forged."""
    raw = conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (STATE_META,)).scalar()
    if raw is None:
        return None
    try:
        counter_s, root_hex, seal_hex = str(raw).strip('"').split(":")
        counter, root = int(counter_s), bytes.fromhex(root_hex)
    except ValueError:
        return None
    expected = hmac.new(key, f"{counter}:{root_hex}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, seal_hex):
        return None
    return counter, root


def _put_state(conn: Connection, key: bytes, counter: int, root: bytes) -> None:
    text = f"{counter}:{root.hex()}"
    seal_hex = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    value = f'"{text}:{seal_hex}"'  # meta values are JSON: a JSON string
    conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (STATE_META, value))


def _rows(conn: Connection, ids: list[str] | None) -> dict[str, tuple[Any, ...]]:
    if ids is None:
        return {row[0]: tuple(row) for row in conn.execute(_ALL_ROWS)}
    found: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in conn.execute(_SOME_ROWS, {"ids": ids[start:start + _CHUNK]}):
            found[row[0]] = tuple(row)
    return found


def _ledger(conn: Connection, ids: list[str] | None) -> dict[str, tuple[int, bytes]]:
    stmt = sa.select(L.id, L.version, L.mac)
    if ids is None:
        return {r.id: (int(r.version), bytes(r.mac)) for r in conn.execute(stmt)}
    found: dict[str, tuple[int, bytes]] = {}
    for start in range(0, len(ids), _CHUNK):
        for r in conn.execute(stmt.where(L.id.in_(ids[start:start + _CHUNK]))):
            found[r.id] = (int(r.version), bytes(r.mac))
    return found


def _upsert(conn: Connection, entries: list[dict[str, Any]]) -> None:
    if entries:
        stmt = sqlite_insert(LEDGER_TABLE)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=[L.id], set_={"version": stmt.excluded.version,
                                         "mac": stmt.excluded.mac}), entries)


def begin(conn: Connection) -> None:
    """A write transaction starts (:meth:`Store.write`): from here to its
    :func:`seal` (or its end), :func:`~client.store.bulk_rows.put_rows` may
    hand rows to the seal."""
    conn.info[IN_HAND] = {}


def end(conn: Connection) -> None:
    """A write transaction ended, committed or not: rows handed to its seal
    and not sealed (a rollback) are forgotten with it."""
    conn.info.pop(IN_HAND, None)


def seal(conn: Connection, key: bytes) -> None:
    """Before a write transaction commits: version and MAC every record it
    touched, and advance the sealed counter and root. Works on the driver's
    own cursor with the touched ids joined in SQL: it runs on every write.
    Rows handed over by :func:`~client.store.bulk_rows.put_rows` and not
    touched since are MACed as
    handed; every other touched record is read back."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    in_hand: dict[str, tuple[Any, ...]] = conn.info.pop(IN_HAND, None) or {}
    noted = raw.execute("SELECT 1 FROM temp.integrity_dirty LIMIT 1").fetchone() is not None
    if not noted and not in_hand:
        return
    state = _state(conn, key)
    if state is None:  # a store from before this check, or its state unreadable
        rebuild(conn, key)
        return
    counter, root_bytes = state
    counter += 1
    root = int.from_bytes(root_bytes, "big")
    entries = []
    macs = _Macs(key)
    if noted:
        for (old_mac,) in raw.execute(_DIRTY_LEDGER):
            root ^= int.from_bytes(old_mac, "big")
        for row in raw.execute(_DIRTY_ROWS):
            mac = macs(row[0], counter, row)
            root ^= int.from_bytes(mac, "big")
            entries.append((row[0], counter, mac))
        for (record_id,) in raw.execute("SELECT id FROM temp.integrity_dirty"):
            in_hand.pop(record_id, None)  # written again since: read back above
    if in_hand:
        for (old_mac,) in raw.execute(_HAND_LEDGER, (orjson.dumps(list(in_hand)).decode(),)):
            root ^= int.from_bytes(old_mac, "big")
        for record_id, row in in_hand.items():
            mac = macs(record_id, counter, row)
            root ^= int.from_bytes(mac, "big")
            entries.append((record_id, counter, mac))
    if noted:
        raw.execute(_DROP_GONE)
    raw.executemany(_UPSERT, entries)
    _put_state(conn, key, counter, root.to_bytes(32, "big"))
    if noted:
        raw.execute("DELETE FROM temp.integrity_dirty")


def rebuild(conn: Connection, key: bytes) -> None:
    """Version and MAC every record afresh (a store from before this check, or
    after a repair)."""
    state = _state(conn, key)
    counter = (state[0] if state else 0) + 1
    conn.execute(LEDGER_TABLE.delete())
    root = _ZERO
    entries = []
    macs = _Macs(key)
    for record_id, row in _rows(conn, None).items():
        mac = macs(record_id, counter, row)
        root = _xor(root, mac)
        entries.append({"id": record_id, "version": counter, "mac": mac})
    if entries:
        conn.execute(LEDGER_TABLE.insert(), entries)
    _put_state(conn, key, counter, root)
    conn.exec_driver_sql("DELETE FROM temp.integrity_dirty")


def check(conn: Connection, key: bytes) -> Finding | None:
    """Compare every record with its ledger entry and the ledger with the
    sealed root. None for a store that has no integrity state yet."""
    state = _state(conn, key)
    has_state = conn.exec_driver_sql("SELECT count(*) FROM meta WHERE key = ?",
                                     (STATE_META,)).scalar()
    if state is None and not has_state:
        return None
    ledger = _ledger(conn, None)
    rows = _rows(conn, None)
    macs = _Macs(key)
    suspects = {record_id for record_id, row in rows.items()
                if record_id not in ledger
                or not hmac.compare_digest(macs(record_id, ledger[record_id][0], row),
                                           ledger[record_id][1])}
    suspects |= {record_id for record_id in ledger if record_id not in rows}
    root = _ZERO
    for _version, mac in ledger.values():
        root = _xor(root, mac)
    state_ok = state is not None and state[1] == root \
        and all(version <= state[0] for version, _ in ledger.values())
    return Finding(frozenset(suspects), not state_ok)


def repair(conn: Connection, key: bytes, finding: Finding, now: int) -> int:
    """Set the suspect records aside (blanked and their search columns
    recomputed: the clerk never sees a stale value; pending changes stay on
    top), pull everything again from the server, note the event for the
    clerk; inside the caller's write transaction. Returns how many records
    were set aside."""
    from .database import RECORDS, audit, get_meta, set_meta  # the store's own tables
    from .search import refresh_many

    suspects = sorted(finding.suspects)
    present: list[Any] = []
    for start in range(0, len(suspects), _CHUNK):
        present.extend(conn.execute(sa.select(RECORDS.c.id, RECORDS.c.kind,
                                              RECORDS.c.facility_id).where(
            RECORDS.c.id.in_(suspects[start:start + _CHUNK]))).all())
    for start in range(0, len(present), _CHUNK):
        conn.execute(RECORDS.update().where(RECORDS.c.id.in_(
            [r.id for r in present[start:start + _CHUNK]]))
            .values(data=None, versions="{}", conflicts="{}", seq=None))
    for facility_id in {r.facility_id for r in present}:
        refresh_many(conn, [(r.kind, r.id) for r in present if r.facility_id == facility_id],
                     facility_id)
    if finding.state_rolled_back:
        # ``meta``'s page is older than the records: its pull position too. The
        # records already reflect every change up to their own positions, so
        # the clerk's answered changes must not be laid over them again.
        top = conn.execute(sa.select(sa.func.max(RECORDS.c.seq))).scalar() or 0
        set_meta(conn, "cursor", max(int(get_meta(conn, "cursor", 0)), int(top)))
    set_meta(conn, REPULL_META, True)  # the next sync pulls everything: begin_repull
    set_meta(conn, NOTICE_META, STORE_ROLLED_BACK.format(count=len(suspects)))
    audit(conn, now, "store_rolled_back", None, records=len(suspects),
          state=finding.state_rolled_back)
    rebuild(conn, key)
    return len(present)


def begin_repull(conn: Connection) -> bool:
    """At the start of a sync after a rollback was found: pull everything again
    from the server (the records set aside come back; the pull position is
    moved only now, so until then nothing already answered is laid over the
    records again). Whether a re-pull starts."""
    from .database import get_meta, set_meta

    if not get_meta(conn, REPULL_META, False):
        return False
    set_meta(conn, "cursor", 0)
    set_meta(conn, "cursor_mark", None)
    set_meta(conn, "repull", True)
    set_meta(conn, "cursor_marks", [])
    set_meta(conn, REPULL_META, False)
    return True


def take_notice(conn: Connection) -> str | None:
    """The sentence for the clerk about a rollback found at open, once."""
    from .database import get_meta, set_meta

    notice = get_meta(conn, NOTICE_META)
    if notice:
        set_meta(conn, NOTICE_META, None)
    return str(notice) if notice else None
