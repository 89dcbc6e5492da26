"""The outbox as a person reviews it: what waits to be sent, what the server
answered (applied, conflict, rejected with its reason, held for a supervisor),
and the sync state line every screen shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.ops import REASON_TEXT, Reason
from protocol.reasons import waits_for_held

from ..store.database import OUTBOX, RECORDS, get_meta
from ..store.outbox import DEPENDS_ON
from ..views import OpRow, SyncStatus
from .area import Area


class OutboxReview(Area):
    """``session.outbox``: this terminal's changes and where each one stands."""

    def operations(self, statuses: set[str] | None = None, limit: int = 200) -> list[OpRow]:
        """The newest changes first; ``statuses`` picks some (``pending``,
        ``applied``, ``conflict``, ``rejected``, ``held``)."""
        query = sa.select(OUTBOX).order_by(OUTBOX.c.seq.desc()).limit(max(limit, 0))
        if statuses:
            query = query.where(OUTBOX.c.status.in_(sorted(statuses)))
        with self.actor.store.read() as conn:
            rows = [op_row(r) for r in conn.execute(query)]
            return [_with_cause(conn, row) for row in rows]

    def status(self) -> SyncStatus:
        """Online or not, how much waits or needs a person, and the last sync."""
        with self.actor.store.read() as conn:
            counts: dict[str, int] = dict(conn.execute(sa.select(OUTBOX.c.status, sa.func.count())
                                       .group_by(OUTBOX.c.status)).all())
            open_conflict_count = conn.execute(
                sa.select(sa.func.count()).select_from(RECORDS)
                .where(RECORDS.c.conflicts != "{}", RECORDS.c.data.is_not(None))).scalar() or 0
            last = get_meta(conn, "last_sync_at")
            online = bool(get_meta(conn, "online", False))
            last_error = get_meta(conn, "last_error")
        return SyncStatus(
            online=online, pending=counts.get("pending", 0),
            last_sync_at=datetime.fromtimestamp(last / 1000).astimezone() if last else None,
            last_error=last_error, rejected=counts.get("rejected", 0),
            conflicts=open_conflict_count, held=counts.get("held", 0))


def op_row(row: Any) -> OpRow:
    """An outbox row as the view the screens show."""
    reason = row.reason
    flags = [f for f in (row.flags or "").split(",") if f]
    text = REASON_TEXT.get(reason) if reason else None
    if row.status == "held" and any(f.startswith(DEPENDS_ON) for f in flags):
        text = waits_for_held()  # not its user's account: a held create it names
    return OpRow(seq=row.seq, op_id=row.op_id, op_type=row.op_type, summary=row.summary,
                 status=row.status, reason=reason, reason_text=text,
                 created_at=datetime.fromtimestamp(row.created_at / 1000).astimezone(),
                 record_kind=row.kind, record_id=row.record_id, detail=row.detail,
                 flags=tuple(f for f in flags if not f.startswith(DEPENDS_ON)))


def _with_cause(conn: Connection, row: OpRow) -> OpRow:
    """A ``dependency`` rejection carries the rejected change it depends on; a
    change held waiting for a held create names that change in its sentence."""
    waiting = row.status == "held"
    if row.reason != Reason.DEPENDENCY and not waiting:
        return row
    stored = conn.execute(sa.select(OUTBOX.c.flags).where(OUTBOX.c.seq == row.seq)).scalar()
    cause = next((f[len(DEPENDS_ON):] for f in (stored or "").split(",")
                  if f.startswith(DEPENDS_ON)), None)
    if cause is None:
        return row
    found = conn.execute(sa.select(OUTBOX).where(OUTBOX.c.op_id == cause)).first()
    if found is None:
        return row
    if waiting:
        return replace(row, reason_text=waits_for_held(found.summary))
    return replace(row, depends_on=op_row(found))
