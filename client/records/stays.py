"""Stays: the commands the server executes against real constraints (admit,
discharge, transfer, assign a bed, leave, return, change the payer), shown as pending until it
answers, and the admissions and discharges of the last days."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.commands import COMMANDS, CommandName
from protocol.errors import Refused, SchemaError, ValidationError
from protocol.ids import new_id
from protocol.ops import REASON_TEXT, OpType
from protocol.records import RecordKind
from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.movements import recent_movements
from protocol.rules.residents.stays import Facts, stay_seen_from

from ..errors import InputError
from ..store.database import RECORDS, loads
from ..store.outbox import Actor, input_error, record_op
from ..views import Movement
from .area import Area
from .casework import Casework
from .compliance import kept_destroyed, shown_rows, transfers_out
from .directory import facility_names
from .permissions import require_permitted
from .writes import load_record


class Stays(Area):
    """``session.stays``: stay commands, and recent movements.

    Each command is recorded as one operation whose effect the terminal
    predicts until the server answers (``client.store.overlay.
    stay_command_effects``); the server decides, and a refused command shows
    its reason on the resident's page.
    """

    def admit(self, resident_id: str, *, admitted_at: str, bed_id: str | None = None,
              admission_type: str = "new", payer: str | None = None) -> str:
        """Admit into ``bed_id``, or awaiting a bed without one; returns the stay id."""
        actor = self.actor
        with actor.store.read() as conn:
            state = load_record(conn, RecordKind.RESIDENT, resident_id).state
        name = _name(state.data if state else {})
        stay_id = new_id(actor.clock.ms())
        _command(actor, "admit", {"stay_id": stay_id, "resident_id": resident_id,
                                  "admitted_at": admitted_at, "bed_id": bed_id,
                                  "admission_type": admission_type, "payer": payer},
                 resident_id=resident_id, summary=f"Admit {name}")
        return stay_id

    def discharge(self, stay_id: str, *, discharged_at: str, disposition: str | None = None,
                  destination: str | None = None,
                  return_anticipated: bool | None = None) -> int:
        """Discharge the stay; its completeness review opens with it (recorded
        as the next operation, by the rule the server applies too)."""
        actor = self.actor
        resident_id, label = _resident_of(actor, stay_id)
        seq = _command(actor, "discharge", {"stay_id": stay_id,
                                            "discharged_at": discharged_at,
                                            "disposition": disposition,
                                            "destination": destination,
                                            "return_anticipated": return_anticipated},
                       resident_id=resident_id, summary=f"Discharge {label}")
        # The discharge stands whatever the review's check says: a review already
        # opened by hand for this discharge (``review_exists``) is the one kept,
        # and any other refusal leaves it on the due list as "discharge to review".
        with contextlib.suppress(InputError):
            Casework(self._actor).open_at_discharge(stay_id)
        return seq

    def change_payer(self, stay_id: str, *, payer: str, on: str) -> int:
        """The payer in force from ``on`` (census days count to it from then)."""
        actor = self.actor
        resident_id, label = _resident_of(actor, stay_id)
        return _command(actor, "change_payer", {"stay_id": stay_id, "payer": payer, "on": on},
                        resident_id=resident_id, summary=f"Payer of {label} from {on}: {payer}")

    def transfer(self, stay_id: str, *, to_facility_id: str, at: str) -> int:
        actor = self.actor
        resident_id, label = _resident_of(actor, stay_id)
        return _command(actor, "transfer", {"stay_id": stay_id,
                                            "to_facility_id": to_facility_id, "at": at},
                        resident_id=resident_id,
                        summary=f"Transfer {label} to another facility")

    def assign_bed(self, stay_id: str, bed_id: str) -> int:
        actor = self.actor
        resident_id, label = _resident_of(actor, stay_id)
        with actor.store.read() as conn:
            bed = loads(conn.execute(sa.select(RECORDS.c.data).where(RECORDS.c.id == bed_id)
                                     ).scalar()) or {}
        return _command(actor, "assign_bed", {"stay_id": stay_id, "bed_id": bed_id},
                        resident_id=resident_id,
                        summary=f"Assign bed {bed.get('label', '')} to {label}"
                        .replace("  ", " "))

    def leave(self, stay_id: str, *, leave_type: str, at: str, bed_hold: bool = True,
              hospital_admission: bool | None = None) -> int:
        """``hospital_admission``: the hospital admitted the resident (an MDS
        discharge and re-entry), rather than keeping them under observation."""
        actor = self.actor
        resident_id, label = _resident_of(actor, stay_id)
        return _command(actor, "leave", {"stay_id": stay_id, "leave_type": leave_type,
                                         "at": at, "bed_hold": bed_hold,
                                         "hospital_admission": hospital_admission},
                        resident_id=resident_id, summary=f"Leave of absence for {label}")

    def return_from_leave(self, stay_id: str, *, at: str) -> int:
        actor = self.actor
        resident_id, label = _resident_of(actor, stay_id)
        return _command(actor, "return", {"stay_id": stay_id, "at": at},
                        resident_id=resident_id, summary=f"Return of {label} from leave")

    def movements(self, days: int = 30) -> list[Movement]:
        """Admissions and discharges dated within the last ``days`` days, newest first."""
        actor = self.actor
        with actor.store.read() as conn:
            return _movements(conn, actor.clock.today(), days, actor.facility_id)


def _command(actor: Actor, name: str, args: Mapping[str, Any], *, resident_id: str,
             summary: str) -> int:
    """Check a stay command by the shared rules, then record it. Refused here,
    with the same reason, is everything the server would certainly refuse: a
    clerk's mistake is corrected in the form, never discovered after a sync."""
    require_permitted(actor.user, OpType.COMMAND, RecordKind.STAY, what="change stays")
    spec = COMMANDS[CommandName(name)]
    try:
        clean = spec.clean_args({k: v for k, v in args.items() if v is not None})
    except (ValidationError, SchemaError) as exc:
        raise input_error(exc) from None
    with actor.store.read() as conn:
        stay, facts = _before(conn, clean, resident_id, actor.clock.today(),
                              admitting=spec.transition.creates_stay)
    try:
        spec.transition.check(stay, clean, facts)
    except Refused as refused:
        raise InputError("", REASON_TEXT.get(refused.reason, refused.detail),
                         reason=refused.reason) from None
    except ValidationError as exc:
        raise input_error(exc) from None
    seq, _ = record_op(actor, OpType.COMMAND, {"name": name, "args": clean},
                       summary=summary, subject_id=resident_id)
    return seq


def _before(conn: Connection, args: Mapping[str, Any], resident_id: str, today: date, *,
            admitting: bool) -> tuple[dict[str, Any] | None, Facts]:
    """The stay as this terminal shows it, and what its check needs to know."""
    if admitting:
        resident = load_record(conn, RecordKind.RESIDENT, resident_id).data
        return None, Facts(today=today, current_stay=stay_seen_from(resident),
                           birth_date=resident.get("birth_date"))
    return dict(load_record(conn, RecordKind.STAY, args["stay_id"]).data), Facts(today=today)


def _resident_of(actor: Actor, stay_id: str) -> tuple[str, str]:
    with actor.store.read() as conn:
        resident_id = str(load_record(conn, RecordKind.STAY, stay_id).data.get("resident_id")
                          or "")
        label = conn.execute(sa.select(RECORDS.c.label).where(RECORDS.c.id == resident_id)
                             ).scalar()
    return resident_id, label or "a resident"


def _name(data: Mapping[str, Any]) -> str:
    return f"{data.get('family_name', '')}, {data.get('given_name', '')}".strip(", ")


def resident_labels(conn: Connection, ids: list[str]) -> dict[str, str]:
    """The census label of each resident in ``ids``."""
    if not ids:
        return {}
    return dict(conn.execute(sa.select(RECORDS.c.id, RECORDS.c.label)
                             .where(RECORDS.c.id.in_(sorted(set(ids))))).all())


def _movements(conn: Connection, today: date, days: int, facility_id: str) -> list[Movement]:
    """The bed board's admissions and discharges (F3): the shared list
    (:func:`protocol.reports.movements.recent_movements`) over the charts with a
    stay in the window or work pending on one, each whole (which of its stays are
    this facility's depends on all of them: :func:`~protocol.rules.residents.
    departures.residence`), the transfers out since the window began and the
    stays kept of charts destroyed here, as the reports read them."""
    # the last ``days`` days, today included (as the admissions report counts them)
    first = today - timedelta(days=days - 1)
    cutoff = first.isoformat()
    admitted = sa.func.json_extract(RECORDS.c.data, "$.admitted_at")
    discharged = sa.func.json_extract(RECORDS.c.data, "$.discharged_at")
    recent = shown_rows(conn, sa.and_(
        RECORDS.c.kind == "stay", RECORDS.c.facility_id == facility_id,
        sa.or_(admitted >= cutoff, discharged >= cutoff, RECORDS.c.pending > 0,
               RECORDS.c.data.is_(None))))
    charts = sorted({str(r.data.get("resident_id")) for r in recent
                     if r.data.get("resident_id")})
    rows = recent + shown_rows(conn, sa.and_(
        RECORDS.c.facility_id == facility_id, sa.or_(
            sa.and_(RECORDS.c.kind == "stay", RECORDS.c.parent_id.in_(charts)),
            sa.and_(RECORDS.c.kind == "resident", RECORDS.c.id.in_(charts)))))
    pending = {r.id for r in conn.execute(sa.select(RECORDS.c.id).where(
        RECORDS.c.kind == "stay", sa.or_(RECORDS.c.pending > 0, RECORDS.c.data.is_(None))))}
    facts = FacilityFacts.from_rows(Row("facility", facility_id, {}), [
        *rows, *transfers_out(conn, since=cutoff), *kept_destroyed(conn)])
    found = recent_movements(facts, first, today, facility_names(conn))
    names = resident_labels(conn, [m.resident_id for m in found if m.resident_id])
    return [Movement(kind=m.kind, date=m.on.isoformat(), resident_id=m.resident_id,
                     resident_name=names.get(m.resident_id) or m.name,
                     pending=m.stay_id in pending, destination=m.destination,
                     on_file=m.resident_id in facts.residents, stay_id=m.stay_id)
            for m in found]
