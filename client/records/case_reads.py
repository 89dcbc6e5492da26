"""Reading cases and the records they name as this terminal shows them: the
server's state with this terminal's pending work on top."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.commands import Named
from protocol.records import RecordKind
from protocol.rules.residents.transfers import departed_identity

from ..store.database import RECORDS, loads
from ..store.departures import departures
from ..store.overlay import combine, overlay_ops


def shown_rows(conn: Connection, rows: Iterable[Any]) -> list[Named]:
    """Rows as this terminal shows them: the server's state with pending work on top."""
    listed = list(rows)
    ops = overlay_ops(conn, [r.id for r in listed if r.pending or r.data is None])
    out = []
    for row in listed:
        if row.id in ops:
            eff = combine(row.kind, row.id, row, ops[row.id])
            if eff.state is None:
                continue
            out.append(Named(row.kind, row.id, eff.state.data, eff.state.status))
        elif row.data is not None:
            out.append(Named(row.kind, row.id, loads(row.data) or {}, row.status))
    return out


def by_ids(conn: Connection, ids: Iterable[str]) -> dict[str, Named]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = conn.execute(sa.select(RECORDS).where(RECORDS.c.id.in_(wanted))).all()
    return {n.id: n for n in shown_rows(conn, rows)}


def about(conn: Connection, subject_ids: Iterable[str]) -> dict[str, tuple[Named, ...]]:
    """By resident or staff id: every record about them, as shown here."""
    wanted = list(dict.fromkeys(subject_ids))
    if not wanted:
        return {}
    rows = conn.execute(sa.select(RECORDS).where(RECORDS.c.parent_id.in_(wanted))).all()
    out: dict[str, list[Named]] = {r: [] for r in wanted}
    for named in shown_rows(conn, rows):
        rid = named.data.get("resident_id") or named.data.get("staff_id")
        if rid in out:
            out[rid].append(named)
    return {k: tuple(v) for k, v in out.items()}


def departed_named(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Of these ids, the residents this facility transferred out: the identity it kept
    of them, as the server reads it from the record (docs/rules.md §5.6 N9)."""
    gone = departures(conn)
    return {i: departed_identity(gone[i]) for i in ids if i in gone}


def identity(conn: Connection, resident_id: str) -> dict[str, Any] | None:
    """Who the resident is (name, record number, birth date), here or transferred out
    (as this facility kept them); None if neither."""
    found = by_ids(conn, [resident_id]).get(resident_id)
    if found is not None and found.kind == RecordKind.RESIDENT:
        return departed_identity(found.data)
    return departed_named(conn, [resident_id]).get(resident_id)
