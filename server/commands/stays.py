"""Stay commands (admit, discharge, transfer, assign bed, leave, return, change payer),
executed against the ``stays`` table's real constraints.

Each command checks its preconditions first (the facility's head row is locked,
so nothing at the facility moves underneath), then writes the ``stays`` row
inside a SAVEPOINT: if a constraint still fires, only this operation is
rejected and the rest of the batch goes on. Only after the SQL succeeded are
the snapshots of the stay, the resident and the beds updated in memory.

An admission that names a bed someone else took first is split: the resident
is admitted without a bed ("awaiting bed") and the result is ``rejected`` with
reason ``bed_occupied`` and the flag ``admitted_without_bed``, so the clerk sees
why the bed was not given while the admission itself is not lost.

A resident's census fields and a bed's occupancy are re-derived from the stay
after every command (:mod:`.census`). The table from command name to handler
is :mod:`.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from protocol.errors import Refused, ValidationError
from protocol.ops import Reason
from protocol.records import RecordKind
from protocol.rules.dates import latest_facility_date
from protocol.rules.residents import stays as rules
from server.storage.batch import Rec
from server.storage.models import STAY_HOLDS_BED, STAY_IS_CURRENT, T

from .census import bed_view, set_census
from .context import Context
from .outcomes import Outcome, applied, rejected
from .stays_casework import moves_with_resident, note_open_elsewhere

RESIDENT = str(RecordKind.RESIDENT)
STAY = str(RecordKind.STAY)
BED = str(RecordKind.BED)


# --- SQL helpers -------------------------------------------------------------------


def _current_stay_of(ctx: Context, resident_id: str) -> str | None:
    row = ctx.b.conn.execute(sa.select(T.stays.c.id).where(
        T.stays.c.resident_id == resident_id, STAY_IS_CURRENT)).first()
    return row.id if row else None


def _bed_taken_by(ctx: Context, bed_id: str) -> str | None:
    # The partial index's own condition, so SQLite reads the bed's current stay
    # through it instead of every stay the facility ever had.
    row = ctx.b.conn.execute(sa.select(T.stays.c.id).where(
        T.stays.c.bed_id == bed_id, STAY_HOLDS_BED)).first()
    return row.id if row else None


def _guarded(ctx: Context, statement: sa.Executable) -> bool:
    """Run one constraint-bearing statement in a SAVEPOINT; False if it broke one."""
    ctx.b.stays_changed()
    try:
        with ctx.b.conn.begin_nested():
            ctx.b.conn.execute(statement)
    except IntegrityError:
        return False
    return True


def _set_stay_row(ctx: Context, stay_id: str, **values: Any) -> bool:
    return _guarded(ctx, sa.update(T.stays).where(T.stays.c.id == stay_id).values(**values))


def close_for_record_error(ctx: Context, resident_id: str, disposition: str) -> None:
    """A resident record marked entered in error, or merged into another, gives
    up its current stay: the stay is closed (never deleted) and its bed freed,
    so a record that no longer stands for a person holds no bed."""
    stay_id = _current_stay_of(ctx, resident_id)
    stay = ctx.b.get(stay_id, STAY) if stay_id else None
    if stay is None:
        return
    old_bed = ctx.b.get(stay.data.get("bed_id"), BED)
    if not _set_stay_row(ctx, stay.id, status="discharged"):
        return
    day = datetime.fromtimestamp(ctx.b.now / 1000, tz=UTC).date()
    stay.data = rules.close_for_record_error(stay.data, day=day, disposition=disposition)
    _refresh(ctx, stay, old_bed)


def _transition(ctx: Context, name: str, stay: Rec | None, args: Mapping[str, Any],
                facts: rules.Facts | None = None) -> dict[str, Any] | Outcome:
    """The shared rule's check and effect (:mod:`protocol.rules.residents.stays`): the
    stay as it will be, or the outcome that refuses the command."""
    try:
        after = rules.TRANSITIONS[name].apply(
            stay.data if stay else None, args, facts or rules.Facts(today=_today(ctx)))
    except Refused as refused:
        return rejected(refused.reason, refused.detail,
                        target=stay.id if stay else args.get("resident_id"))
    except ValidationError as invalid:
        return rejected(Reason.INVALID, invalid.detail,
                        target=stay.id if stay else args.get("resident_id"))
    return after


def _today(ctx: Context) -> date:
    """The latest date that is not in the future for any facility (the server
    refuses only dates that certainly are)."""
    return latest_facility_date(ctx.b.now)


# --- snapshot upkeep --------------------------------------------------------------------


def _refresh(ctx: Context, stay: Rec, *beds: Rec | None) -> int:
    """Re-derive the resident's and the beds' fields from the stay; emit all
    three snapshots; return the stay's change seq.
    """
    b = ctx.b
    seq = b.emit(stay)
    resident = b.get(stay.data["resident_id"], RESIDENT)
    current_bed = b.get(stay.data.get("bed_id"), BED)
    for bed in {bed.id: bed for bed in (*beds, current_bed) if bed is not None}.values():
        _refresh_bed(ctx, bed)
    if resident is not None:
        set_census(resident, stay, current_bed)
        b.emit(resident)
    return seq


def _refresh_bed(ctx: Context, bed: Rec) -> None:
    occupant = _bed_taken_by(ctx, bed.id)
    stay = ctx.b.get(occupant, STAY) if occupant else None
    bed.data.update(bed_view(stay))
    ctx.b.emit(bed)


def _stay_for_command(ctx: Context, args: Mapping[str, Any]) -> Rec | Outcome:
    """The stay a command names, or the outcome that refuses it."""
    return ctx.find(args["stay_id"], STAY, "no such stay")


def _check_bed(ctx: Context, bed_id: str, detail: str | None = None
               ) -> tuple[Rec | None, Reason | None, Outcome | None]:
    """The bed if it is free; else the reason it cannot be taken, and the outcome
    when it is no bed of this facility (missing and foreign alike)."""
    bed = ctx.find(bed_id, BED, detail)
    if isinstance(bed, Outcome):
        return None, Reason.NOT_FOUND, bed
    if bed.data.get("out_of_service"):
        return None, Reason.BED_OUT_OF_SERVICE, None
    if _bed_taken_by(ctx, bed_id) is not None:
        return None, Reason.BED_OCCUPIED, None
    return bed, None, None


# --- commands ---------------------------------------------------------------------


def admit(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    b = ctx.b
    resident = ctx.find(args["resident_id"], RESIDENT, "no such resident")
    if isinstance(resident, Outcome):
        return resident
    if resident.status != "active":
        return rejected(Reason.RECORD_VOIDED, target=resident.id)
    if b.get(args["stay_id"]) is not None:
        return rejected(Reason.ALREADY_EXISTS, "a stay with this id exists", target=args["stay_id"])
    current_id = _current_stay_of(ctx, resident.id)
    current = b.get(current_id, STAY) if current_id else None
    data = _transition(ctx, "admit", None, args, rules.Facts(
        today=_today(ctx), current_stay=current.data if current else None,
        birth_date=resident.data.get("birth_date")))
    if isinstance(data, Outcome):
        return data
    bed, bed_problem = (None, None)
    if args.get("bed_id"):
        bed, bed_problem, refusal = _check_bed(ctx, args["bed_id"],
                                               "the bed named is not this facility's")
        if refusal is not None:
            return refusal
    row = {"id": args["stay_id"], "facility_id": ctx.facility_id, "resident_id": resident.id,
           "bed_id": bed.id if bed else None, "status": data["status"]}
    if not _guarded(ctx, sa.insert(T.stays).values(**row)):
        if bed is None or not _guarded(ctx, sa.insert(T.stays).values(**{**row, "bed_id": None})):
            return rejected(Reason.ALREADY_ADMITTED, target=resident.id)
        bed, bed_problem = None, Reason.BED_OCCUPIED
    data["bed_id"] = bed.id if bed else None
    stay = b.add(Rec(id=args["stay_id"], kind=STAY, facility_id=ctx.facility_id,
                     subject_id=resident.id, data=data))
    seq = _refresh(ctx, stay)
    if bed_problem is not None:
        outcome = rejected(bed_problem, "admitted without a bed; the resident is awaiting one",
                           target=stay.id)
        outcome.server_seq = seq
        outcome.flags.append("admitted_without_bed")
        return outcome
    return applied(seq, target=stay.id)


def discharge(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    stay = _stay_for_command(ctx, args)
    if isinstance(stay, Outcome):
        return stay
    after = _transition(ctx, "discharge", stay, args)
    if isinstance(after, Outcome):
        return after
    old_bed = ctx.b.get(stay.data.get("bed_id"), BED)
    if not _set_stay_row(ctx, stay.id, status=after["status"]):
        return rejected(Reason.NOT_ADMITTED, target=stay.id)
    stay.data = after
    return applied(_refresh(ctx, stay, old_bed), target=stay.id)


def transfer(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    b = ctx.b
    stay = _stay_for_command(ctx, args)
    if isinstance(stay, Outcome):
        return stay
    # The sending facility is the one the server applies the command for.
    after = _transition(ctx, "transfer", stay, {**args, "from_facility_id": ctx.facility_id})
    if isinstance(after, Outcome):
        return after
    to_facility = args["to_facility_id"]
    exists = b.conn.execute(sa.select(T.facilities.c.id).where(
        T.facilities.c.id == to_facility)).first()
    if exists is None or to_facility == ctx.facility_id:
        return rejected(Reason.NOT_FOUND, "the receiving facility is not known", target=stay.id)
    b.need_facility(to_facility)
    old_bed = b.get(stay.data.get("bed_id"), BED)
    if not _set_stay_row(ctx, stay.id, status=after["status"]):
        return rejected(Reason.NOT_ADMITTED, target=stay.id)
    resident_id = stay.data["resident_id"]
    b.conn.execute(sa.insert(T.transfers).values(
        resident_id=resident_id, from_facility_id=ctx.facility_id, to_facility_id=to_facility,
        stay_id=stay.id, at=b.now))
    stay.data = after
    seq = _refresh(ctx, stay, old_bed)
    # The resident's chart moves: the old facility's terminals are told it is
    # gone, the new facility's receive every record. The records department's
    # casework stays with the facility that received it (docs/rules.md §5.6, N9);
    # the new facility sees what of it is open (``_open_elsewhere``), read-only.
    # The stays first: a terminal keeps the dates of the stay's MDS records only
    # once it knows the stay was transferred (client.store.departures).
    for rec in sorted(b.by_subject(resident_id, ctx.facility_id), key=lambda r: r.kind != STAY):
        if not moves_with_resident(rec.kind):
            continue
        b.emit(rec, facility_id=ctx.facility_id, gone=True)
        rec.facility_id = to_facility
        if rec.kind == RESIDENT:
            set_census(rec, None, None)
            rec.data["_transferred_from"] = ctx.facility_id
            note_open_elsewhere(ctx, rec, arriving_at=to_facility)
        b.emit(rec)
    b.chain(to_facility).append(
        at=b.now, action="command:transfer_in", outcome="applied", target=resident_id,
        facility_id=to_facility, detail={"from": ctx.facility_id, "stay": stay.id})
    return applied(seq, target=stay.id, to_facility=to_facility)


def assign_bed(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    stay = _stay_for_command(ctx, args)
    if isinstance(stay, Outcome):
        return stay
    after = _transition(ctx, "assign_bed", stay, args)
    if isinstance(after, Outcome):
        return after
    if stay.data.get("bed_id") == args["bed_id"]:
        return applied(stay.seq, target=stay.id)
    bed, bed_problem, refusal = _check_bed(ctx, args["bed_id"])
    if refusal is not None:
        return refusal
    if bed is None:
        return rejected(bed_problem or Reason.NOT_FOUND, target=args["bed_id"])
    if not _set_stay_row(ctx, stay.id, bed_id=bed.id):
        return rejected(Reason.BED_OCCUPIED, target=bed.id)
    stay.data = after
    return applied(_refresh(ctx, stay, bed), target=stay.id)


def leave(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    stay = _stay_for_command(ctx, args)
    if isinstance(stay, Outcome):
        return stay
    after = _transition(ctx, "leave", stay, args)
    if isinstance(after, Outcome):
        return after
    old_bed = ctx.b.get(stay.data.get("bed_id"), BED)
    if not _set_stay_row(ctx, stay.id, status=after["status"], bed_id=after.get("bed_id")):
        return rejected(Reason.NOT_ADMITTED, target=stay.id)
    stay.data = after
    return applied(_refresh(ctx, stay, old_bed), target=stay.id)


def return_from_leave(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    stay = _stay_for_command(ctx, args)
    if isinstance(stay, Outcome):
        return stay
    after = _transition(ctx, "return", stay, args)
    if isinstance(after, Outcome):
        return after
    if not _set_stay_row(ctx, stay.id, status=after["status"]):
        return rejected(Reason.NOT_ON_LEAVE, target=stay.id)
    stay.data = after
    return applied(_refresh(ctx, stay), target=stay.id)


def change_payer(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    """A dated payer change: the stay keeps its payer at admission and lists each
    change; census statistics count every day to the payer in force."""
    stay = _stay_for_command(ctx, args)
    if isinstance(stay, Outcome):
        return stay
    after = _transition(ctx, "change_payer", stay, args)
    if isinstance(after, Outcome):
        return after
    stay.data = after
    return applied(ctx.b.emit(stay), target=stay.id)
