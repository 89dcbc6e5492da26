"""One write transaction's working set: records in memory, changes and audit
entries queued, everything written at the end with ``executemany``.

A push batch loads every record its operations name in one query, applies the
operations in memory, and writes records, change-log rows, operation results
and audit entries in a handful of bulk statements. Only stay commands touch
SQL mid-batch (the ``stays`` table carries the invariants as constraints).

Facility head rows are locked before anything is read. A batch that finds it
needs another facility's head (a clinical note for a resident who moved away)
locks it at once when that keeps the id order, and otherwise asks the caller
to start over with it locked up front (:class:`NeedLocks`), so two batches can
never wait on each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.merge import RecordState
from protocol.messages import stored_snapshot
from protocol.reports.facts import hours_begin_day

from .audit import ChainWriter, writer_for
from .db import lock_heads
from .models import T
from .rows import insert_many, insert_tuples, json_text, json_value, update_many

_CHUNK = 500
MAX_LOCK_RETRIES = 4
R = TypeVar("R")


@dataclass(slots=True)
class Rec:
    """A record's current snapshot, as held in memory during a batch."""

    id: str
    kind: str
    facility_id: str
    data: dict[str, Any]
    versions: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[str, Any] = field(default_factory=dict)
    status: str = "active"
    seq: int = 0
    created_hash: str | None = None
    match_key: str | None = None
    subject_id: str | None = None
    mrn: str | None = None
    is_new: bool = False
    dirty: bool = False

    def state(self) -> RecordState:
        return RecordState(self.data, self.versions, self.conflicts, self.status)

    def set_state(self, state: RecordState) -> None:
        self.data, self.versions = state.data, state.versions
        self.conflicts, self.status = state.conflicts, state.status
        self.dirty = True

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "facility_id": self.facility_id,
                "data": self.data, "versions": self.versions, "conflicts": self.conflicts,
                "status": self.status, "seq": self.seq, "created_hash": self.created_hash,
                "match_key": self.match_key, "subject_id": self.subject_id, "mrn": self.mrn,
                "work_day": hours_begin_day(self.data) if self.kind == "hours" else None}

    def values(self) -> tuple[Any, ...]:
        """The row's values in :data:`RECORD_NAMES` order, JSON columns as text: a
        new record goes in as this tuple (from :meth:`row` through
        :func:`insert_many` a record cost 3.0 µs, this 1.9)."""
        return (self.id, self.kind, self.facility_id, json_text(self.data),
                json_text(self.versions), json_text(self.conflicts), self.status, self.seq,
                self.created_hash, self.match_key, self.subject_id, self.mrn,
                hours_begin_day(self.data) if self.kind == "hours" else None)


RECORD_NAMES = ["id", "kind", "facility_id", "data", "versions", "conflicts", "status", "seq",
                "created_hash", "match_key", "subject_id", "mrn", "work_day"]


_RECORD_COLUMNS = ("id, kind, facility_id, CAST(data AS TEXT), CAST(versions AS TEXT), "
                   "CAST(conflicts AS TEXT), status, seq, created_hash, match_key, subject_id, "
                   "mrn")


def _json(text: str | None) -> Any:
    return None if text is None else json_value(text)


def read_records(conn: Connection, ids: list[str]) -> list[Rec]:
    """The records with these ids, read straight through the driver: through
    SQLAlchemy (an ``IN`` of 500 ids rendered at each execution, a processor per
    JSON column and row) a record cost 19 µs to read, through the driver with
    its JSON columns read as text and decoded by :func:`json_value` about 5
    (PostgreSQL's ``json`` too: psycopg would decode it with :mod:`json`). The
    ids go to PostgreSQL as one binary array (a text array is written in Python)."""
    if conn.dialect.name == "postgresql":
        sql = f"SELECT {_RECORD_COLUMNS} FROM records WHERE records.id = ANY(%b::text[])"  # noqa: S608  no input in the text
        params: tuple[Any, ...] = (ids,)
    else:
        marks = ", ".join("?" * len(ids))
        sql = f"SELECT {_RECORD_COLUMNS} FROM records WHERE records.id IN ({marks})"  # noqa: S608  no input in the text
        params = tuple(ids)
    return [Rec(rec_id, kind, facility_id, _json(data), _json(versions), _json(conflicts),
                status, seq, created_hash, match_key, subject_id, mrn)
            for (rec_id, kind, facility_id, data, versions, conflicts, status, seq,
                 created_hash, match_key, subject_id, mrn)
            in conn.exec_driver_sql(sql, params)]


class NeedLocks(Exception):
    """Start the batch again with these facility heads locked from the start."""

    def __init__(self, facility_ids: set[str]) -> None:
        super().__init__(", ".join(sorted(facility_ids)))
        self.facility_ids = facility_ids


def with_facility_locks(attempt: Callable[[set[str]], R], extra: set[str], what: str) -> R:
    """Run ``attempt`` (one whole transaction) with these facility heads locked
    besides its own; when it finds it needs more (:class:`NeedLocks`), run it
    again with those locked from the start. ``what`` names the work in the error
    raised if it still cannot get them.
    """
    for _ in range(MAX_LOCK_RETRIES):
        try:
            return attempt(extra)
        except NeedLocks as need:
            extra |= need.facility_ids
    raise RuntimeError(f"could not lock the facilities {what} needs")


class Batch:
    """Records, change log and audit chains of one write transaction."""

    def __init__(self, conn: Connection, facility_ids: Iterable[str], now: int) -> None:
        self.conn = conn
        self.now = now
        self.heads = lock_heads(conn, facility_ids)
        self.next_seq: dict[str, int] = {fid: row.change_seq
                                         for fid, row in self.heads.items()}
        self.chains: dict[str, ChainWriter] = {fid: writer_for(row)
                                               for fid, row in self.heads.items()}
        self.recs: dict[str, Rec | None] = {}
        self.change_rows: list[dict[str, Any]] = []
        self.new_by_match: dict[tuple[str, str], list[Rec]] = {}
        self.match_loaded: dict[tuple[str, str], list[str]] = {}
        self.new_by_subject: dict[str, list[Rec]] = {}
        self.new_by_subject_kind: dict[tuple[str, str], list[Rec]] = {}
        self.subject_loaded: dict[tuple[str, str, str | None], list[str]] = {}
        self.stays_of: dict[str, list[str]] = {}
        self.new_by_mrn: dict[str, list[Rec]] = {}
        self.mrn_loaded: dict[tuple[str, str], bool] = {}

    # --- locks -----------------------------------------------------------------

    def need_facility(self, facility_id: str) -> None:
        """Make sure the batch may write to ``facility_id``'s log and chain."""
        if facility_id in self.heads:
            return
        if facility_id < max(self.heads):
            raise NeedLocks({facility_id})
        row = lock_heads(self.conn, [facility_id]).get(facility_id)
        if row is None:
            raise LookupError(f"no facility {facility_id}")
        self.heads[facility_id] = row
        self.next_seq[facility_id] = row.change_seq
        self.chains[facility_id] = writer_for(row)

    # --- records ---------------------------------------------------------------

    def prefetch(self, ids: Iterable[str]) -> None:
        missing = []
        for rec_id in set(ids):
            if rec_id in self.recs:
                continue
            if "\x00" in rec_id:
                # No stored id holds a NUL (PostgreSQL text cannot): a hostile or
                # broken payload's id is simply not found, never sent to the database.
                self.recs[rec_id] = None
                continue
            missing.append(rec_id)
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start:start + _CHUNK]
            found = {rec.id: rec for rec in read_records(self.conn, chunk)}
            for rec_id in chunk:
                self.recs[rec_id] = found.get(rec_id)

    def get(self, rec_id: str | None, kind: str | None = None) -> Rec | None:
        if rec_id is None:
            return None
        if rec_id not in self.recs:
            self.prefetch([rec_id])
        rec = self.recs[rec_id]
        if rec is None or (kind is not None and rec.kind != kind):
            return None
        return rec

    def add(self, rec: Rec) -> Rec:
        rec.is_new = True
        rec.dirty = True
        self.recs[rec.id] = rec
        if rec.match_key:
            self.new_by_match.setdefault((rec.facility_id, rec.match_key), []).append(rec)
        if rec.subject_id:
            self.new_by_subject.setdefault(rec.subject_id, []).append(rec)
            self.new_by_subject_kind.setdefault((rec.subject_id, rec.kind), []).append(rec)
        if rec.mrn:
            self.new_by_mrn.setdefault(rec.mrn, []).append(rec)
        return rec

    def by_subject(self, subject_id: str, facility_id: str, kind: str | None = None
                   ) -> list[Rec]:
        """Every record about one resident or staff member in one facility (of one
        kind if given). The stored ones are read once per batch: the records table
        is written only at the end, and a record's subject never changes, so the
        ones added since are found through :attr:`new_by_subject` (not by walking
        every record of the batch: an hours entry asks this for its staff member;
        nor every new record of the subject, when one kind is asked for)."""
        key = (subject_id, facility_id, kind)
        ids = self.subject_loaded.get(key)
        if ids is None:
            stmt = sa.select(T.records.c.id).where(T.records.c.subject_id == subject_id,
                                                   T.records.c.facility_id == facility_id)
            if kind is not None:
                stmt = stmt.where(T.records.c.kind == kind)
            ids = self.subject_loaded[key] = [row.id for row in self.conn.execute(stmt)]
            self.prefetch(ids)
        found = {rec.id: rec for rec_id in ids if (rec := self.recs[rec_id]) is not None}
        # Of one kind: only that kind's new records (every hours entry of a
        # batch asks for its staff member's applicants and evidence records).
        added = self.new_by_subject.get(subject_id, ()) if kind is None \
            else self.new_by_subject_kind.get((subject_id, kind), ())
        for rec in added:
            if rec.is_new and rec.facility_id == facility_id:
                found[rec.id] = rec
        return [rec for rec in found.values() if rec.facility_id == facility_id
                and (kind is None or rec.kind == kind)]

    def stay_ids(self, resident_id: str) -> list[str]:
        """Every stay of a resident (the ``stays`` table), read once per batch until
        a stay command writes that table (:meth:`stays_changed`)."""
        ids = self.stays_of.get(resident_id)
        if ids is None:
            ids = self.stays_of[resident_id] = list(self.conn.execute(
                sa.select(T.stays.c.id).where(T.stays.c.resident_id == resident_id)
            ).scalars())
        return ids

    def prefetch_stays(self, resident_ids: Iterable[str]) -> None:
        """Read the stays of these residents, and their records, in one query each
        per 500 (a batch of notes asks for the stays of their residents)."""
        wanted = [r for r in set(resident_ids) if r not in self.stays_of]
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            found: dict[str, list[str]] = {r: [] for r in chunk}
            for row in self.conn.execute(sa.select(T.stays.c.id, T.stays.c.resident_id)
                                         .where(T.stays.c.resident_id.in_(chunk))):
                found[row.resident_id].append(row.id)
            self.stays_of.update(found)
            self.prefetch(i for ids in found.values() for i in ids)

    def stays_changed(self) -> None:
        """A stay command wrote the ``stays`` table: forget what was read of it."""
        self.stays_of.clear()

    def prefetch_match_keys(self, facility_id: str, keys: Iterable[str]) -> None:
        """Load every record with one of these match keys (one query per 500 keys)."""
        wanted = [k for k in set(keys) if (facility_id, k) not in self.match_loaded]
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            for key in chunk:
                self.match_loaded[(facility_id, key)] = []
            rows = self.conn.execute(sa.select(T.records.c.id, T.records.c.match_key).where(
                T.records.c.facility_id == facility_id, T.records.c.match_key.in_(chunk)))
            for row in rows:
                self.match_loaded[(facility_id, row.match_key)].append(row.id)

    def by_match_key(self, facility_id: str, match_key: str, kind: str) -> list[Rec]:
        self.prefetch_match_keys(facility_id, [match_key])
        ids = self.match_loaded[(facility_id, match_key)]
        self.prefetch(ids)
        found = {rec.id: rec for rec_id in ids if (rec := self.recs[rec_id]) is not None}
        for rec in self.new_by_match.get((facility_id, match_key), []):
            found[rec.id] = rec
        return [rec for rec in found.values()
                if rec.kind == kind and rec.facility_id == facility_id
                and rec.match_key == match_key]

    def prefetch_mrns(self, facility_id: str, mrns: Iterable[str]) -> None:
        """Which of these record numbers residents of the facility already have
        (one query per 500: a batch of new residents checks each one)."""
        wanted = [m for m in set(mrns) if (facility_id, m) not in self.mrn_loaded]
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            taken = set(self.conn.execute(sa.select(T.records.c.mrn).where(
                T.records.c.facility_id == facility_id, T.records.c.mrn.in_(chunk))).scalars())
            for mrn in chunk:
                self.mrn_loaded[(facility_id, mrn)] = mrn in taken

    def mrn_taken(self, facility_id: str, mrn: str) -> bool:
        """Whether a resident of the facility already has this record number."""
        if any(rec.is_new and rec.facility_id == facility_id
               for rec in self.new_by_mrn.get(mrn, ())):
            return True
        if (facility_id, mrn) not in self.mrn_loaded:
            self.prefetch_mrns(facility_id, [mrn])
        return self.mrn_loaded[(facility_id, mrn)]

    # --- change log and audit ----------------------------------------------------

    def emit(self, rec: Rec, *, facility_id: str | None = None, gone: bool = False) -> int:
        """Append the record's snapshot to a facility's change log; return its seq."""
        fid = facility_id or rec.facility_id
        self.need_facility(fid)
        seq = self.next_seq[fid] + 1
        self.next_seq[fid] = seq
        snapshot = stored_snapshot(rec.kind, rec.id, fid, rec.data, rec.versions,
                                   rec.conflicts, rec.status, gone=gone)
        self.change_rows.append({"facility_id": fid, "seq": seq, "kind": rec.kind,
                                 "record_id": rec.id, "snapshot": snapshot})
        if not gone:
            rec.seq = seq
            rec.dirty = True
        return seq

    def chain(self, facility_id: str) -> ChainWriter:
        self.need_facility(facility_id)
        return self.chains[facility_id]

    # --- the end ----------------------------------------------------------------

    def write(self) -> None:
        """Write everything queued; the caller commits."""
        conn = self.conn
        new_rows: list[tuple[Any, ...]] = []
        old_rows: list[dict[str, Any]] = []
        for rec in self.recs.values():
            if rec is None or not rec.dirty:
                continue
            if rec.is_new:
                new_rows.append(rec.values())
            else:
                old_rows.append(rec.row())
            rec.is_new = rec.dirty = False
        if new_rows:
            insert_tuples(conn, T.records, RECORD_NAMES, new_rows)
        if old_rows:
            update_many(conn, T.records, "id", old_rows)
        if self.change_rows:
            insert_many(conn, T.changes, self.change_rows)
            self.change_rows = []
        # The facility's records changed now: its reports' "data as of", set in
        # the statement that moves its audit chain's head (every locked head has
        # a chain writer).
        changed = {fid: {"change_seq": seq, "changed_at": self.now}
                   for fid, seq in self.next_seq.items() if seq != self.heads[fid].change_seq}
        for fid, writer in self.chains.items():
            writer.write(conn, changed.get(fid))
