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
from protocol.rules.residents.departures import ANOTHER_FACILITY, DepartureKind, departure_kind
from protocol.rules.residents.stays import Facts, stay_seen_from

from ..errors import InputError
from ..store.database import RECORDS, loads
from ..store.departures import departures, transfers_of
from ..store.outbox import Actor, input_error, record_op
from ..store.overlay import combine, overlay_ops
from ..views import Movement
from .area import Area
from .casework import Casework
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
            return _movements(conn, actor.clock.today(), days)


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


def _movements(conn: Connection, today: date, days: int) -> list[Movement]:
    # the last ``days`` days, today included (as the admissions report counts them)
    cutoff = (today - timedelta(days=days - 1)).isoformat()
    admitted = sa.func.json_extract(RECORDS.c.data, "$.admitted_at")
    discharged = sa.func.json_extract(RECORDS.c.data, "$.discharged_at")
    rows = conn.execute(sa.select(RECORDS).where(
        RECORDS.c.kind == "stay",
        sa.or_(admitted >= cutoff, discharged >= cutoff, RECORDS.c.pending > 0,
               RECORDS.c.data.is_(None)))).all()
    ops = overlay_ops(conn, [r.id for r in rows if r.pending or r.data is None])
    found: list[tuple[str, str, str, bool, str]] = []
    places = facility_names(conn)
    for row in rows:
        eff = combine("stay", row.id, row, ops.get(row.id, []))
        d = eff.data
        resident = d.get("resident_id")
        if not resident:
            continue
        if (d.get("admitted_at") or "") >= cutoff and d.get("admission_type") != "return":
            found.append(("admission", str(d["admitted_at"])[:10], resident, eff.pending, ""))
        if d.get("discharged_at") and str(d["discharged_at"]) >= cutoff:
            # A transfer to another facility is a departure for the census (§4.3).
            transfer = departure_kind(d) is DepartureKind.TRANSFER
            found.append(("transfer" if transfer else "discharge", str(d["discharged_at"])[:10],
                          resident, eff.pending, places.get(str(d.get("transferred_to")),
                                                            ANOTHER_FACILITY)
                          if transfer else ""))
    seen = {(f[0], f[1], f[2]) for f in found}
    for resident, kept in departures(conn).items():
        for sent in transfers_of(kept).values():  # each, if sent away twice
            left = str(sent.get("left_on") or "")
            if left >= cutoff and ("transfer", left[:10], resident) not in seen:
                found.append(("transfer", left[:10], resident, False, places.get(
                    str(sent.get("to_facility_id")), ANOTHER_FACILITY)))
    names = resident_labels(conn, [f[2] for f in found])
    gone = departures(conn)
    found.sort(key=lambda f: (f[1], f[0]), reverse=True)
    return [Movement(kind=k, date=day, resident_id=r,
                     resident_name=names.get(r) or str(gone.get(r, {}).get("name") or ""),
                     pending=p, destination=to) for k, day, r, p, to in found]
