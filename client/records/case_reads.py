"""Reading cases and the records they name as this terminal shows them: the
server's state with this terminal's pending work on top."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.commands import Named

from ..store.database import RECORDS, loads
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
