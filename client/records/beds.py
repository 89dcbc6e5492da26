"""The bed board (occupied, free, held, out of service) and taking a bed out of
service and back, the one change to a bed a terminal may make."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.ops import OpType
from protocol.records import RecordKind
from protocol.rules.residents import census

from ..errors import InputError, NotFound
from ..store.database import OUTBOX, RECORDS, unpack_payload
from ..store.overlay import combine, effective, overlay_ops
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
        state = census.BedState(shown.state) if shown is not None else census.BedState.FREE
        if out_of_service and state is not census.BedState.OUT_OF_SERVICE \
                and not census.may_take_out_of_service(state):
            raise InputError("out_of_service", f"Bed {label} is occupied or held; move the "
                             "resident before taking it out of service.")
        word = "out of service" if out_of_service else "back in service"
        return update_record(actor, RecordKind.BED, bed_id,
                             {"out_of_service": out_of_service},
                             summary=f"Bed {label} {word}")


def bed_board(conn: Connection) -> list[BedRow]:
    """The server's occupancy with this terminal's pending stay commands on top
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
    return [BedRow(unit_name=s["unit"], bed_id=bed_id, label=s["label"],
                   state=str(census.bed_state(out_of_service=s["oos"],
                                              occupied=s["resident"] is not None,
                                              held=s["held"])),
                   resident_id=s["resident"], resident_name=names.get(s["resident"]),
                   pending=s["pending"])
            for bed_id, s in state.items()]


def _lay_pending_stay_commands(conn: Connection, beds_state: dict[str, dict[str, Any]]
                               ) -> None:
    """Who the board shows in each bed while stay commands wait for the server.

    Each stay with a pending command is shown as the shared rules will leave it
    (:func:`client.store.overlay.stay_command_effects`): the bed it held before
    is freed, and the bed it holds afterwards shows its resident, held while
    they are on leave (:func:`protocol.rules.residents.census.bed_view`).
    """
    stay_ids = [unpack_payload(row.payload)["args"]["stay_id"] for row in conn.execute(
        sa.select(OUTBOX.c.payload).where(OUTBOX.c.op_type == "command",
                                          OUTBOX.c.kind == "stay",  # not records commands
                                          OUTBOX.c.status.in_(("pending", "held")))
        .order_by(OUTBOX.c.seq))]
    for stay_id in dict.fromkeys(stay_ids):
        eff = effective(conn, "stay", stay_id)
        before = eff.server.data if eff.server is not None else None
        after = eff.state.data if eff.state is not None else None
        resident = (after or before or {}).get("resident_id")
        old_bed = before.get("bed_id") if before and census.is_current(before) else None
        if old_bed in beds_state and beds_state[old_bed]["resident"] == resident:
            beds_state[old_bed].update(resident=None, held=False, pending=True)
        new_bed = after.get("bed_id") if after and census.is_current(after) else None
        if new_bed in beds_state:
            shown = census.bed_view(after)
            beds_state[new_bed].update(resident=shown["_resident_id"], held=shown["_held"],
                                       pending=True)
