"""The stay commands as state transitions: what each requires and what it does.

Each command has a **check** (the stay's status, and the order of its dates)
and an **effect** (the stay as it is afterwards). The server runs both, then
enforces what only it can see (one current stay per resident, one resident
per bed) against its database. The terminal runs the check before it saves a
command offline, so a clerk hears at once what the server would refuse, and
runs the effect to show the pending command's result — the same census state
the server will send back (:func:`protocol.rules.residents.census.census_of`).

Date rules: nothing happens before the admission (a discharge, a leave, a
transfer); a return cannot come before the leave began; a leave cannot begin
before the previous return; no stay date lies in the future; nobody is
admitted before they were born.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from protocol.errors import Refused, ValidationError
from protocol.reasons import Reason
from protocol.rules.dates import check_not_future, check_order
from protocol.rules.residents.census import StayStatus, is_current, resident_view

Stay = Mapping[str, Any]


@dataclass(frozen=True)
class Facts:
    """What a check may need beyond the stay itself."""

    today: date
    """The latest date that is not in the future (see :mod:`protocol.rules.dates`)."""
    current_stay: Stay | None = None
    """For an admission: the resident's current stay, if any."""
    birth_date: str | None = None
    """For an admission: the resident's date of birth."""


NEW_STAY: Mapping[str, Any] = {
    "resident_id": None, "admitted_at": None, "discharged_at": None, "bed_id": None,
    "status": str(StayStatus.ACTIVE), "leave_type": None, "bed_hold": None, "left_at": None,
    "returned_at": None, "payer": None, "admission_type": "new", "disposition": None,
    "destination": None, "transferred_to": None, "leaves": [], "payer_changes": [],
    "return_anticipated": None,
}
"""Every field a stay has, as a new admission starts it."""


# --- checks --------------------------------------------------------------------------------


def _require_current(stay: Stay | None) -> Stay:
    if stay is None or not is_current(stay):
        raise Refused(Reason.NOT_ADMITTED, "the resident has no current stay")
    return stay


def _check_admit(stay: Stay | None, args: Mapping[str, Any], facts: Facts) -> None:
    del stay
    if facts.current_stay is not None and is_current(facts.current_stay):
        raise Refused(Reason.ALREADY_ADMITTED, "the resident already has a current stay")
    check_not_future("admitted_at", args.get("admitted_at"), facts.today)
    check_order("admitted_at", args.get("admitted_at"), facts.birth_date, "the date of birth")


def _check_ending(field: str) -> Callable[[Stay | None, Mapping[str, Any], Facts], None]:
    """Discharge and transfer: a current stay; not before the admission, not
    before a leave in progress began, not in the future."""

    def check(stay: Stay | None, args: Mapping[str, Any], facts: Facts) -> None:
        current = _require_current(stay)
        value = args.get(field)
        check_not_future(field, value, facts.today)
        check_order(field, value, current.get("admitted_at"), "the admission date")
        if current.get("status") == StayStatus.ON_LEAVE:
            check_order(field, value, current.get("left_at"), "the start of the leave")

    return check


def _check_change_payer(stay: Stay | None, args: Mapping[str, Any], facts: Facts) -> None:
    """A dated payer change: a current stay; not before the admission or the last
    change, not in the future."""
    current = _require_current(stay)
    on = args.get("on")
    check_not_future("on", on, facts.today)
    check_order("on", on, current.get("admitted_at"), "the admission date")
    changes = current.get("payer_changes") or []
    if changes:
        check_order("on", on, changes[-1].get("on"), "the last payer change")


def _check_discharge(stay: Stay | None, args: Mapping[str, Any], facts: Facts) -> None:
    """As :func:`_check_ending`; and a death is never a discharge with return anticipated
    (the MDS records a death in the facility, with no re-entry to follow)."""
    _check_ending("discharged_at")(stay, args, facts)
    if args.get("return_anticipated") and args.get("disposition") == "death":
        raise ValidationError("return_anticipated", "cannot be yes for a death")


def _check_assign_bed(stay: Stay | None, args: Mapping[str, Any], facts: Facts) -> None:
    del facts
    current = _require_current(stay)
    if current.get("bed_id") and current.get("bed_id") != args.get("bed_id"):
        raise Refused(Reason.ALREADY_IN_BED, "the resident already has a bed")


def _check_leave(stay: Stay | None, args: Mapping[str, Any], facts: Facts) -> None:
    if stay is None or stay.get("status") != StayStatus.ACTIVE:
        raise Refused(Reason.NOT_ADMITTED, "the resident is not in the house")
    at = args.get("at")
    check_not_future("at", at, facts.today)
    check_order("at", at, stay.get("admitted_at"), "the admission date")
    check_order("at", at, stay.get("returned_at"), "the return from the last leave")
    if args.get("hospital_admission") and args.get("leave_type") != "hospital":
        # The flag makes the leave an MDS discharge and re-entry (mds_movements).
        raise ValidationError("hospital_admission", "applies only to a hospital leave")


def _check_return(stay: Stay | None, args: Mapping[str, Any], facts: Facts) -> None:
    if stay is None or stay.get("status") != StayStatus.ON_LEAVE:
        raise Refused(Reason.NOT_ON_LEAVE, "the resident is not on leave")
    at = args.get("at")
    check_not_future("at", at, facts.today)
    check_order("at", at, stay.get("left_at"), "the start of the leave")


# --- effects -------------------------------------------------------------------------------


def _admit(stay: Stay | None, args: Mapping[str, Any]) -> dict[str, Any]:
    del stay
    return {**NEW_STAY, "resident_id": args.get("resident_id"),
            "admitted_at": args.get("admitted_at"), "bed_id": args.get("bed_id"),
            "payer": args.get("payer"), "admission_type": args.get("admission_type") or "new"}


def _discharge(stay: Stay | None, args: Mapping[str, Any]) -> dict[str, Any]:
    return {**(stay or {}), "status": str(StayStatus.DISCHARGED),
            "discharged_at": args.get("discharged_at"), "disposition": args.get("disposition"),
            "destination": args.get("destination"),
            "return_anticipated": args.get("return_anticipated")}


def _change_payer(stay: Stay | None, args: Mapping[str, Any]) -> dict[str, Any]:
    changes = [dict(c) for c in (stay or {}).get("payer_changes") or []]
    changes.append({"payer": args.get("payer"), "on": args.get("on")})
    # ``payer`` stays the payer at admission; the dated changes follow it.
    return {**(stay or {}), "payer_changes": changes}


def _transfer(stay: Stay | None, args: Mapping[str, Any]) -> dict[str, Any]:
    """``from_facility_id`` is the facility the server applies the transfer for
    (never the command's own word): kept as ``transferred_from``, it lets the
    chart's same-day transfers be ordered along the chain
    (:func:`protocol.rules.residents.departures.residence`)."""
    at = args.get("at")
    out = {**(stay or {}), "status": str(StayStatus.TRANSFERRED),
           "transferred_to": args.get("to_facility_id"),
           "discharged_at": str(at)[:10] if at else None, "disposition": "other_facility"}
    if args.get("from_facility_id"):
        out["transferred_from"] = args["from_facility_id"]
    return out


def _assign_bed(stay: Stay | None, args: Mapping[str, Any]) -> dict[str, Any]:
    return {**(stay or {}), "bed_id": args.get("bed_id")}


def _leave(stay: Stay | None, args: Mapping[str, Any]) -> dict[str, Any]:
    bed_hold = bool(args.get("bed_hold", True))
    leave = {"leave_type": args.get("leave_type"), "left_at": args.get("at"),
             "returned_at": None, "bed_hold": bed_hold}
    if args.get("hospital_admission") is not None:
        leave["hospital_admission"] = bool(args["hospital_admission"])
    out = {**(stay or {}), "status": str(StayStatus.ON_LEAVE),
           "leave_type": leave["leave_type"], "bed_hold": bed_hold, "left_at": leave["left_at"],
           "returned_at": None, "leaves": [*_leaves(stay), leave]}
    if not bed_hold:
        out["bed_id"] = None
    return out


def _return(stay: Stay | None, args: Mapping[str, Any]) -> dict[str, Any]:
    # A bed released at the start of the leave stays released: the resident
    # comes back awaiting a bed.
    leaves = _leaves(stay)
    if leaves and leaves[-1].get("returned_at") is None:
        leaves[-1] = {**leaves[-1], "returned_at": args.get("at")}
    return {**(stay or {}), "status": str(StayStatus.ACTIVE), "returned_at": args.get("at"),
            "leaves": leaves}


def _leaves(stay: Stay | None) -> list[dict[str, Any]]:
    """The stay's leaves of absence so far, oldest first (each with its type,
    start, return and whether the bed was held): census days need them all."""
    raw = (stay or {}).get("leaves")
    return [dict(leave) for leave in raw] if isinstance(raw, list) else []


def close_for_record_error(stay: Stay, *, day: date, disposition: str) -> dict[str, Any]:
    """A resident record marked entered in error, or merged into another, gives
    up its current stay: closed (never deleted) on ``day``, its bed freed."""
    return {**stay, "status": str(StayStatus.DISCHARGED), "discharged_at": day.isoformat(),
            "disposition": disposition}


# --- the table -----------------------------------------------------------------------------

Check = Callable[[Stay | None, Mapping[str, Any], Facts], None]
Effect = Callable[[Stay | None, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Transition:
    check: Check
    effect: Effect
    creates_stay: bool = False

    def apply(self, stay: Stay | None, args: Mapping[str, Any], facts: Facts) -> dict[str, Any]:
        """Check, then return the stay as it is afterwards. Raises
        :class:`~protocol.errors.Refused` or :class:`~protocol.errors.ValidationError`."""
        self.check(stay, args, facts)
        return self.effect(stay, args)


TRANSITIONS: Mapping[str, Transition] = {
    "admit": Transition(_check_admit, _admit, creates_stay=True),
    "discharge": Transition(_check_discharge, _discharge),
    "transfer": Transition(_check_ending("at"), _transfer),
    "assign_bed": Transition(_check_assign_bed, _assign_bed),
    "leave": Transition(_check_leave, _leave),
    "return": Transition(_check_return, _return),
    "change_payer": Transition(_check_change_payer, _change_payer),
}
"""By command name (:class:`protocol.commands.CommandName`)."""


# --- what a resident's page shows before the server answers -------------------------------

_STATUS_OF_CENSUS: Mapping[str, str] = {
    "in_house": StayStatus.ACTIVE, "awaiting_bed": StayStatus.ACTIVE,
    "on_leave": StayStatus.ON_LEAVE, "in_hospital": StayStatus.ON_LEAVE,
    "discharged": StayStatus.DISCHARGED, "transferred": StayStatus.TRANSFERRED,
}


def stay_seen_from(view: Mapping[str, Any]) -> dict[str, Any] | None:
    """The part of a resident's latest stay that their derived fields show
    (``_census``, ``_bed_id``, ``_admitted_at``): enough to run a transition
    and derive the census again. None before any admission."""
    status = _STATUS_OF_CENSUS.get(str(view.get("_census")))
    if status is None:
        return None
    return {**NEW_STAY, "status": str(status), "bed_id": view.get("_bed_id"),
            "admitted_at": view.get("_admitted_at"),
            "leave_type": "hospital" if view.get("_census") == "in_hospital" else
            "therapeutic" if view.get("_census") == "on_leave" else None}


def predict_resident_view(view: Mapping[str, Any], name: str, args: Mapping[str, Any]
                          ) -> dict[str, Any]:
    """A resident's fields after a stay command the server has not answered yet:
    the transition's effect on the stay their fields show, and the census the
    server will derive from it (:func:`protocol.rules.residents.census.resident_view`).
    The bed's label and unit stay as shown while the bed is the same one."""
    stay = TRANSITIONS[name].effect(stay_seen_from(view), args)
    derived = resident_view(args.get("stay_id"), stay, None)
    if derived["_bed_id"] is not None and derived["_bed_id"] == view.get("_bed_id"):
        derived["_bed_label"] = view.get("_bed_label")
        derived["_unit_name"] = view.get("_unit_name")
    return {**view, **derived}


def documented_after_discharge(clinical_time: str | None, stay: Stay | None) -> bool:
    """Whether a note's clinical time lies after its stay ended (discharge or
    transfer). Such a note is kept and linked to the stay, and flagged. The
    discharge is recorded as a day: a note from that day is within the stay."""
    if not clinical_time or stay is None or is_current(stay):
        return False
    ended = stay.get("discharged_at")
    if not isinstance(ended, str) or not ended:
        return False
    if len(ended) <= 10:
        return clinical_time[:10] > ended
    return clinical_time > ended


def latest_stay(stays: list[Stay]) -> Stay | None:
    """A resident's most recent stay (by admission date), for a note that names none."""
    dated = [s for s in stays if isinstance(s.get("admitted_at"), str)]
    return max(dated, key=lambda s: str(s["admitted_at"])) if dated else None
