"""The records' search columns: what lists, filters and pages read in SQL.

Each record row carries a label, a folded search text, a sort key, its census
state and a count of pending operations, computed from what the terminal shows
(:mod:`client.store.overlay`: the server's state with pending work on top). A
write recomputes them in its own transaction (:func:`refresh_many`), so the
census of ten thousand residents is one indexed query, never a scan of the
outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.merge import RecordState
from protocol.records import RecordKind, resident_display_name

from .database import RECORDS, loads
from .overlay import Effective, combine, overlay_ops


def refresh_many(conn: Connection, keys: Iterable[tuple[str, str]], facility_id: str) -> None:
    """Recompute the search columns of every record in ``keys`` (or drop a
    pending-only record whose pending create is gone), with a few statements:
    sync results and pull pages touch thousands at once."""
    wanted = list(dict.fromkeys((str(k), i) for k, i in keys))
    if not wanted:
        return
    ids = [i for _, i in wanted]
    rows: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        for found in conn.execute(sa.select(RECORDS).where(
                RECORDS.c.id.in_(ids[start:start + 500]))):
            rows[found.id] = found
    ops = overlay_ops(conn, ids)
    inserts, updates, deletes = [], [], []
    for kind, record_id in wanted:
        row = rows.get(record_id)
        eff = combine(kind, record_id, row, ops[record_id])
        if eff.state is None:
            if row is not None:
                deletes.append(record_id)
            continue
        if kind == RecordKind.RESIDENT:
            _fill_bed(conn, eff)
        columns = search_columns(kind, record_id, eff.state)
        columns["pending"] = len(eff.ops)
        if row is None:
            inserts.append({"id": record_id, "kind": kind, "facility_id": facility_id,
                            "data": None, **columns})
        elif any(getattr(row, name) != value for name, value in columns.items()):
            updates.append({"b_id": record_id, **columns})
    if inserts:
        conn.execute(RECORDS.insert(), inserts)
    if updates:
        conn.execute(RECORDS.update().where(RECORDS.c.id == sa.bindparam("b_id")), updates)
    for start in range(0, len(deletes), 500):
        conn.execute(RECORDS.delete().where(RECORDS.c.id.in_(deletes[start:start + 500])))


def _fill_bed(conn: Connection, eff: Effective) -> None:
    """A pending bed assignment names a bed id; show its label and unit."""
    data = eff.data
    bed_id = data.get("_bed_id")
    if not bed_id or (eff.server and eff.server.data.get("_bed_id") == bed_id):
        return
    bed = conn.execute(sa.select(RECORDS.c.data).where(RECORDS.c.id == bed_id)).scalar()
    bed_data = loads(bed) or {}
    data["_bed_label"] = bed_data.get("label")
    data["_unit_name"] = bed_data.get("unit_name")


STAFF_CHILDREN = {RecordKind.LICENSE: "expires_on", RecordKind.HOURS: "work_date",
                  RecordKind.REVIEW: "reviewed_on", RecordKind.REGISTRY_CHECK: "checked_on",
                  RecordKind.PAID_LEAVE: "leave_date"}
"""A staff member's records, and the date each sorts by."""


def fold(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, "")).casefold()


SEARCH_COLUMNS = ("parent_id", "label", "search_text", "sort_key", "census", "live_status")
"""The columns :func:`search_values` gives, in its order."""

_CHILD_COLUMNS: dict[str, tuple[str, str]] = {
    RecordKind.STAY: ("resident_id", "admitted_at"),
    RecordKind.DIAGNOSIS: ("resident_id", "code"),
    RecordKind.NOTE: ("resident_id", "clinical_time"),
    RecordKind.ASSESSMENT: ("resident_id", "ard"),
    **{kind: ("staff_id", key) for kind, key in STAFF_CHILDREN.items()},
}
"""Records listed under a parent: the field naming the parent, and the one
each is labelled and sorted by."""


def search_columns(kind: str, record_id: str, state: RecordState) -> dict[str, Any]:
    """A record's search columns, by name, from what the terminal shows of it."""
    return dict(zip(SEARCH_COLUMNS, search_values(kind, record_id, state.data, state.status),
                    strict=True))


def search_values(kind: str, record_id: str, d: Mapping[str, Any], status: str
                  ) -> tuple[Any, str, str, str, str | None, str]:
    """:func:`search_columns` as a tuple in :data:`SEARCH_COLUMNS`' order, from a
    record's data and status: a pulled page computes them for thousands of
    records, most of them a resident's notes or a staff member's hours."""
    child = _CHILD_COLUMNS.get(kind)
    if child is not None:
        label = str(d.get(child[1]) or "")
        return d.get(child[0]), label, "", label + "\x1f" + record_id, None, status
    if kind == RecordKind.RESIDENT:
        return (None, resident_display_name(d),
                fold(d.get("family_name"), d.get("given_name"), d.get("preferred_name"),
                     d.get("mrn"), d.get("_bed_label"), d.get("_unit_name")),
                fold(d.get("family_name")) + "\x1f" + fold(d.get("given_name"))
                + "\x1f" + record_id,
                d.get("_census") or "pre_admission", status)
    if kind == RecordKind.STAFF:
        return (None, resident_display_name(d),
                fold(d.get("family_name"), d.get("given_name"), d.get("employee_id")),
                fold(d.get("family_name")) + "\x1f" + fold(d.get("given_name"))
                + "\x1f" + record_id,
                None, status)
    if kind == RecordKind.BED:
        return (d.get("unit_id"), str(d.get("label") or ""),
                fold(d.get("label"), d.get("unit_name")),
                fold(d.get("unit_name")) + "\x1f" + fold(d.get("label")), None, status)
    if kind == RecordKind.USER:
        return (None, str(d.get("username") or ""),
                fold(d.get("username"), d.get("display_name")), fold(d.get("username")),
                None, status)
    name = d.get("name") or d.get("title") or d.get("label") or record_id
    return (d.get("resident_id") or d.get("unit_id"), str(name), fold(name), fold(name), None,
            status)


def search_filter(query: str) -> list[sa.ColumnElement[bool]]:
    """Every word of the query must appear in the record's search text."""
    clauses = []
    for word in query.casefold().split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(RECORDS.c.search_text.like(f"%{escaped}%", escape="\\"))
    return clauses
