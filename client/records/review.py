"""What needs a person's attention: the outbox with its results, open field
conflicts, and the sync state line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.ops import OpType
from protocol.records import RecordKind

from ..store.database import OUTBOX, RECORDS, get_meta, loads
from ..store.outbox import Actor, record_op
from ..views import ConflictRow, OpRow, SyncStatus
from .changes import load, require_records_manager
from .readviews import conflict_values, op_row


def operations(conn: Connection, statuses: set[str] | None = None, limit: int = 200
               ) -> list[OpRow]:
    query = sa.select(OUTBOX).order_by(OUTBOX.c.seq.desc()).limit(max(limit, 0))
    if statuses:
        query = query.where(OUTBOX.c.status.in_(sorted(statuses)))
    return [op_row(r) for r in conn.execute(query)]


def open_conflicts(conn: Connection) -> list[ConflictRow]:
    rows = conn.execute(sa.select(RECORDS.c.kind, RECORDS.c.id, RECORDS.c.label,
                                  RECORDS.c.conflicts)
                        .where(RECORDS.c.conflicts != "{}", RECORDS.c.data.is_not(None))
                        .order_by(RECORDS.c.kind, RECORDS.c.sort_key)).all()
    out = []
    for kind, record_id, label, raw in rows:
        conflicts: dict[str, Any] = loads(raw) or {}
        values = conflict_values(conflicts)
        for name in sorted(conflicts):
            entry = conflicts[name]
            out.append(ConflictRow(kind=kind, record_id=record_id, record_label=label,
                                   field=name, values=values.get(name, []),
                                   reason=entry.get("reason") if isinstance(entry, dict)
                                   else None))
    return out


def resolve_conflict(actor: Actor, kind: str, record_id: str, field: str, value: Any) -> int:
    require_records_manager(actor, "resolve conflicts")
    record_kind = RecordKind(kind)
    with actor.store.read() as conn:
        load(conn, record_kind, record_id)
    seq, _ = record_op(actor, OpType.RESOLVE, {"kind": kind, "id": record_id, "field": field,
                                               "value": value},
                       summary=f"Resolve the conflict on {field.replace('_', ' ')}",
                       subject_id=record_id)
    return seq


def sync_status(conn: Connection) -> SyncStatus:
    counts = dict(conn.execute(sa.select(OUTBOX.c.status, sa.func.count())
                               .group_by(OUTBOX.c.status)).all())
    open_conflict_count = conn.execute(
        sa.select(sa.func.count()).select_from(RECORDS)
        .where(RECORDS.c.conflicts != "{}", RECORDS.c.data.is_not(None))).scalar() or 0
    last = get_meta(conn, "last_sync_at")
    return SyncStatus(
        online=bool(get_meta(conn, "online", False)), pending=counts.get("pending", 0),
        last_sync_at=datetime.fromtimestamp(last / 1000).astimezone() if last else None,
        last_error=get_meta(conn, "last_error"), rejected=counts.get("rejected", 0),
        conflicts=open_conflict_count, held=counts.get("held", 0))
