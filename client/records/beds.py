"""The bed board (occupied, free, held, out of service) and taking a bed out of
service and back, the one change to a bed a terminal may make."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.ops import OpType
from protocol.records import RecordKind

from ..errors import InputError, NotFound
from ..store.database import OUTBOX, RECORDS, unpack_payload
from ..store.overlay import combine, overlay_ops
from ..views import BedRow
from .area import Area
from .permissions import require_permitted
from .stays import resident_labels
from .writes import load_record, update_record


class Beds(Area):
    """``session.beds``: the bed board, and beds out of service."""

    def board(self) -> list[BedRow]:
        """Every bed by unit, with this terminal's pending stay commands on top."""
        with self.actor.store.read() as conn:
            return bed_board(conn)

    def set_out_of_service(self, bed_id: str, out_of_service: bool) -> int:  # noqa: FBT001
        """Take a bed out of service (repairs, isolation) or return it (records
        managers). An occupied or held bed cannot go out of service: move the
        resident first."""
        actor = self.actor
        require_permitted(actor.user, OpType.UPDATE, RecordKind.BED,
                          what="take beds out of service")
        with actor.store.read() as conn:
            eff = load_record(conn, RecordKind.BED, bed_id)
            if eff.state is None:
                raise NotFound("That bed is not at this terminal.")
            label = str(eff.data.get("label") or bed_id)
            # The bed board's view, so an admission still waiting to sync counts too.
            shown = next((b for b in bed_board(conn) if b.bed_id == bed_id), None)
        if out_of_service and shown is not None and shown.state in ("occupied", "held"):
            raise InputError("out_of_service", f"Bed {label} is occupied or held; move the "
                             "resident before taking it out of service.")
        word = "out of service" if out_of_service else "back in service"
        return update_record(actor, RecordKind.BED, bed_id,
                             {"out_of_service": out_of_service},
                             summary=f"Bed {label} {word}")


def bed_board(conn: Connection) -> list[BedRow]:
    """The server's occupancy with this terminal's pending bed commands on top
    (marked pending)."""
    rows = conn.execute(sa.select(RECORDS).where(RECORDS.c.kind == "bed")
                        .order_by(RECORDS.c.sort_key)).all()
    bed_ops = overlay_ops(conn, [r.id for r in rows])
    state: dict[str, dict[str, Any]] = {}
    for row in rows:
        eff = combine("bed", row.id, row, bed_ops[row.id])
        d = eff.data
        state[row.id] = {"unit": d.get("unit_name") or "", "label": d.get("label") or "",
                         "resident": d.get("_resident_id"), "held": bool(d.get("_held")),
                         "oos": bool(d.get("out_of_service")), "pending": eff.pending}
    _lay_pending_stay_commands(conn, state)
    names = resident_labels(conn, [s["resident"] for s in state.values() if s["resident"]])
    out = []
    for bed_id, s in state.items():
        if s["oos"]:
            kind = "out_of_service"
        elif s["resident"] and s["held"]:
            kind = "held"
        elif s["resident"]:
            kind = "occupied"
        else:
            kind = "held" if s["held"] else "free"
        out.append(BedRow(unit_name=s["unit"], bed_id=bed_id, label=s["label"], state=kind,
                          resident_id=s["resident"], resident_name=names.get(s["resident"]),
                          pending=s["pending"]))
    return out


def _lay_pending_stay_commands(conn: Connection, beds_state: dict[str, dict[str, Any]]
                               ) -> None:
    """Who the board shows in each bed while stay commands wait for the server.

    The board's own reading of a pending command (the resident's census state
    is :func:`client.store.overlay.stay_command_effects`): an admission or bed
    assignment fills the bed named, a discharge or transfer frees the
    resident's bed, a leave holds it (or frees it without a bed hold), a
    return takes the hold off.
    """
    rows = conn.execute(sa.select(OUTBOX).where(OUTBOX.c.op_type == "command",
                                                OUTBOX.c.status.in_(("pending", "held")))
                        .order_by(OUTBOX.c.seq)).all()
    for row in rows:
        p = unpack_payload(row.payload)
        args, resident = p["args"], row.subject_id

        def free_of(resident_id: str | None) -> None:
            for s in beds_state.values():
                if s["resident"] == resident_id:
                    s.update(resident=None, held=False, pending=True)

        if p["name"] in ("admit", "assign_bed") and args.get("bed_id") in beds_state:
            free_of(resident)
            beds_state[args["bed_id"]].update(resident=resident, held=False, pending=True)
        elif p["name"] in ("discharge", "transfer"):
            free_of(resident)
        elif p["name"] == "leave":
            for s in beds_state.values():
                if s["resident"] == resident:
                    if args.get("bed_hold", True):
                        s.update(held=True, pending=True)
                    else:
                        s.update(resident=None, held=False, pending=True)
        elif p["name"] == "return":
            for s in beds_state.values():
                if s["resident"] == resident:
                    s.update(held=False, pending=True)
