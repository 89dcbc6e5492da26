"""What the terminal shows: the server's state with its own pending work on top.

The outbox is the overlay. A record's displayed state is the server-confirmed
snapshot (``records.data``) with the values of this terminal's unanswered
operations laid over it in sequence order, so a
pull never hides what a clerk typed. An operation the server already applied
keeps overlaying until the pull that carries its effect has been applied (its
``server_seq`` is at or below the cursor), so the screen does not flicker back
to the old value between push and pull.

What one operation does to the records it touches is :func:`op_effects`; for a
stay command, the terminal's prediction of what the server will do is
:func:`stay_command_effects`, the one place that predicts stay transitions and
census state. The search columns that lists page in SQL are recomputed from
these layers by :mod:`client.store.search`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.commands import CaseSpec, records_command
from protocol.merge import ACTIVE, REPLACED, VOIDED, RecordState
from protocol.records import RecordKind
from protocol.rules.residents.stays import TRANSITIONS, predict_resident_view

from .database import OUTBOX, RECORDS, get_meta, loads, unpack_payload

OVERLAY_STATUSES = ("pending", "held")
"""Unanswered (or waiting for a supervisor): always laid on top."""
ANSWERED_STATUSES = ("applied", "conflict")
"""Answered with an effect: laid on top until the pull carries that effect."""


@dataclass
class Effect:
    """What one operation does to one record, as far as the screen can tell."""

    record_id: str
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    resolves: str | None = None
    creates: bool = False
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """For a stay command: the record's data after it, from the data before."""


@dataclass
class OpInfo:
    seq: int
    op_id: str
    op_type: str
    kind: str | None
    record_id: str | None
    subject_id: str | None
    status: str
    server_seq: int | None
    payload: dict[str, Any]
    user_id: str
    recorded_at: int


@dataclass
class Effective:
    """A record as shown: server state, displayed state and what is pending."""

    kind: str
    record_id: str
    server: RecordState | None
    state: RecordState | None
    server_seq: int | None
    facility_id: str | None
    pending_fields: set[str]
    ops: list[OpInfo]
    created_here: bool

    @property
    def pending(self) -> bool:
        return bool(self.ops)

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data if self.state else {}


def op_effects(op: OpInfo) -> list[Effect]:
    """The effects of one outbox operation, by record."""
    p = op.payload
    if op.op_type == "create":
        return [Effect(p["id"], p["kind"], dict(p["fields"]), creates=True)]
    if op.op_type == "update":
        return [Effect(p["id"], p["kind"], {n: pair[0] for n, pair in p["changes"].items()})]
    if op.op_type == "resolve":
        return [Effect(p["id"], p["kind"], {p["field"]: p["value"]}, resolves=p["field"])]
    if op.op_type == "void":
        return [Effect(p["id"], p["kind"], status=VOIDED)]
    if op.op_type == "merge":
        return [Effect(p["duplicate_id"], RecordKind.RESIDENT,
                       {"_replaced_by": p["survivor_id"]}, status=REPLACED)]
    if op.op_type == "command":
        case = records_command(p["name"])
        if case is not None:
            return case_command_effects(case, p["args"], op.user_id)
        return stay_command_effects(p["name"], p["args"], op.subject_id)
    return []


def stay_command_effects(name: str, args: Mapping[str, Any], resident_id: str | None
                         ) -> list[Effect]:
    """What the terminal shows for a stay command the server has not answered yet.

    Both effects are the shared rules' (:mod:`protocol.rules.residents.stays`):
    the stay becomes what the command's transition makes of it, and the
    resident's census fields are what the server will derive from that stay,
    so the terminal shows exactly what the server will send back.
    """
    transition = TRANSITIONS[name]

    def stay_after(stay: dict[str, Any]) -> dict[str, Any]:
        return transition.effect(stay or None, args)

    def resident_after(view: dict[str, Any]) -> dict[str, Any]:
        return predict_resident_view(view, name, args)

    effects = [Effect(args["stay_id"], RecordKind.STAY, transform=stay_after,
                      creates=transition.creates_stay)]
    if resident_id:
        effects.append(Effect(resident_id, RecordKind.RESIDENT, transform=resident_after))
    return effects


def case_command_effects(case: CaseSpec, args: Mapping[str, Any], user_id: str
                         ) -> list[Effect]:
    """What the terminal shows for a records command not yet answered: the
    case as the command's own effect makes it. A record the command also
    creates on the server (the disclosure a release logs) is read from the
    case until the pull brings it (:mod:`client.records.casework`)."""

    def after(data: dict[str, Any]) -> dict[str, Any]:
        return case.effect(data or None, args, user_id)

    return [Effect(args[case.target], case.kind, transform=after, creates=case.creates)]


# --- loading ---------------------------------------------------------------------


def op_from_row(row: Any) -> OpInfo:
    """An outbox row as the overlay reads it."""
    return OpInfo(seq=row.seq, op_id=row.op_id, op_type=row.op_type, kind=row.kind,
                  record_id=row.record_id, subject_id=row.subject_id, status=row.status,
                  server_seq=row.server_seq, payload=unpack_payload(row.payload),
                  user_id=row.user_id, recorded_at=row.recorded_at)


def records_touched(row: Any) -> list[tuple[str, str]]:
    """(kind, id) of every record an outbox row's operation touches."""
    return [(str(e.kind), e.record_id) for e in op_effects(op_from_row(row))]


def overlay_filter(cursor: int) -> sa.ColumnElement[bool]:
    return sa.or_(
        OUTBOX.c.status.in_(OVERLAY_STATUSES),
        sa.and_(OUTBOX.c.status.in_(ANSWERED_STATUSES), OUTBOX.c.server_seq > cursor),
    )


def overlay_ops(conn: Connection, record_ids: Iterable[str]) -> dict[str, list[OpInfo]]:
    """Overlaying operations touching each of ``record_ids`` (as target or subject)."""
    ids = list(dict.fromkeys(record_ids))
    out: dict[str, list[OpInfo]] = {i: [] for i in ids}
    if not ids:
        return out
    cursor = get_meta(conn, "cursor", 0)
    wanted = set(ids)
    seen: set[tuple[str, int]] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        # Two indexed lookups: the records an op writes, and the residents a stay
        # command changes (only commands affect their subject; a resident's notes
        # do not, and a resident may have tens of thousands of them).
        queries = [
            sa.select(OUTBOX).where(overlay_filter(cursor), OUTBOX.c.record_id.in_(chunk)),
            sa.select(OUTBOX).where(overlay_filter(cursor), OUTBOX.c.op_type == "command",
                                    OUTBOX.c.subject_id.in_(chunk)),
        ]
        for query in queries:
            for row in conn.execute(query):
                op = op_from_row(row)
                for effect in op_effects(op):
                    key = (effect.record_id, op.seq)
                    if effect.record_id in wanted and key not in seen:
                        seen.add(key)
                        out[effect.record_id].append(op)
    for ops in out.values():
        ops.sort(key=lambda o: o.seq)
    return out


def server_state(row: Any) -> RecordState | None:
    if row is None or row.data is None:
        return None
    return RecordState(data=loads(row.data), versions=loads(row.versions),
                       conflicts=loads(row.conflicts), status=row.status)


def effective(conn: Connection, kind: str, record_id: str, *,
              row: Any = None, ops: list[OpInfo] | None = None) -> Effective:
    if row is None:
        row = conn.execute(sa.select(RECORDS).where(RECORDS.c.id == record_id)).first()
    if ops is None:
        ops = overlay_ops(conn, [record_id])[record_id]
    return combine(kind, record_id, row, ops)


def combine(kind: str, record_id: str, row: Any, ops: list[OpInfo]) -> Effective:
    base = server_state(row)
    state = base.copy() if base is not None else None
    pending_fields: set[str] = set()
    status = base.status if base else ACTIVE
    created_here = False
    for op in ops:
        for effect in op_effects(op):
            if effect.record_id != record_id:
                continue
            if state is None:
                state = RecordState(data={})
            before = state.data
            if effect.transform is not None:
                state.data = effect.transform(dict(before))
                changed = {k for k in state.data if state.data.get(k) != before.get(k)}
            else:
                state.data = {**before, **effect.values}
                changed = set(effect.values)
            pending_fields.update(k for k in changed if not k.startswith("_"))
            if effect.status:
                status = effect.status
            if effect.resolves:
                state.conflicts.pop(effect.resolves, None)
            created_here = created_here or effect.creates
    if state is not None:
        state.status = status
    return Effective(kind=kind, record_id=record_id, server=base, state=state,
                     server_seq=row.seq if row is not None else None,
                     facility_id=row.facility_id if row is not None else None,
                     pending_fields=pending_fields, ops=ops, created_here=created_here)
