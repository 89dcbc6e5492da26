"""Work the server raises for a records manager (possible duplicates), and bed
availability: the two reference records a terminal may change."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.records import RecordKind, resident_display_name

from ..errors import InputError, NotFound
from ..store.database import RECORDS, loads
from ..store.outbox import Actor
from ..store.overlay import combine, overlay_ops
from ..views import TaskRow
from .changes import load, require_records_manager, update_record
from .stays import beds


def tasks(conn: Connection, *, task_type: str | None = "possible_duplicate",
          status: str | None = "open") -> list[TaskRow]:
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


def _label(conn: Connection, resident_ids: list[str]) -> str:
    names = []
    for rid in resident_ids:
        data = conn.execute(sa.select(RECORDS.c.data).where(RECORDS.c.id == rid)).scalar()
        names.append(resident_display_name(loads(data) or {}) or rid)
    return " / ".join(names)


def update_task(actor: Actor, task_id: str, status: str) -> int:
    """Dismiss a task (not a duplicate after all) or mark it done."""
    return update_record(actor, RecordKind.TASK, task_id, {"status": status},
                         summary=f"Mark task {status}")


def set_bed_out_of_service(actor: Actor, bed_id: str, out_of_service: bool) -> int:
    """Take a bed out of service (repairs, isolation) or return it. An occupied
    or held bed cannot be taken out of service: move the resident first."""
    require_records_manager(actor, "take beds out of service")
    with actor.store.read() as conn:
        eff = load(conn, RecordKind.BED, bed_id)
        if eff.state is None:
            raise NotFound("That bed is not at this terminal.")
        label = str(eff.data.get("label") or bed_id)
        # The bed board's view, so an admission still waiting to sync counts too.
        shown = next((b for b in beds(conn) if b.bed_id == bed_id), None)
    if out_of_service and shown is not None and shown.state in ("occupied", "held"):
        raise InputError("out_of_service", f"Bed {label} is occupied or held; move the "
                         "resident before taking it out of service.")
    word = "out of service" if out_of_service else "back in service"
    return update_record(actor, RecordKind.BED, bed_id, {"out_of_service": out_of_service},
                         summary=f"Bed {label} {word}")
