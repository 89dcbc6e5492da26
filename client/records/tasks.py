"""Work the server raises for a records manager: today, pairs of residents who
may be one person (same names and birth date), to merge or dismiss."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.records import RecordKind, resident_display_name

from ..store.database import RECORDS, loads
from ..store.overlay import combine, overlay_ops
from ..views import TaskRow
from .area import Area
from .writes import update_record


class Tasks(Area):
    """``session.tasks``: tasks to review, and closing one."""

    def find(self, *, task_type: str | None = "possible_duplicate",
             status: str | None = "open") -> list[TaskRow]:
        """Open possible-duplicate tasks by default; ``None`` means any."""
        with self.actor.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS).where(RECORDS.c.kind == "task",
                                                         RECORDS.c.data.is_not(None))).all()
            ops = overlay_ops(conn, [r.id for r in rows])
            out = []
            for row in rows:
                eff = combine("task", row.id, row, ops[row.id])
                data = eff.data
                if task_type is not None and data.get("type") != task_type:
                    continue
                if status is not None and data.get("status") != status:
                    continue
                ids = [str(i) for i in data.get("resident_ids") or []]
                out.append(TaskRow(id=row.id, task_type=str(data.get("type") or ""),
                                   status=str(data.get("status") or ""), resident_ids=ids,
                                   label=_label(conn, ids), pending=eff.pending))
        return sorted(out, key=lambda t: t.label.casefold())

    def set_status(self, task_id: str, status: str) -> int:
        """``dismissed`` (not one person after all) or ``done``; records managers only."""
        return update_record(self.actor, RecordKind.TASK, task_id, {"status": status},
                             summary=f"Mark task {status}")


def _label(conn: Connection, resident_ids: list[str]) -> str:
    names = []
    for rid in resident_ids:
        data = conn.execute(sa.select(RECORDS.c.data).where(RECORDS.c.id == rid)).scalar()
        names.append(resident_display_name(loads(data) or {}) or rid)
    return " / ".join(names)
