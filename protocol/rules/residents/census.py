"""Census and bed state, derived from stays.

A resident's census state follows from their latest stay alone, and a bed's
state from whether it is out of service and which current stay (if any) holds
it. The server writes these derived values into the snapshots it sends
(``_census``, ``_bed_id`` … on residents; ``_resident_id``, ``_held`` on beds);
the terminal derives the same values for a change it has not synced yet, with
these same functions, so both always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class StayStatus(StrEnum):
    ACTIVE = "active"
    """In the facility (in a bed, or awaiting one)."""
    ON_LEAVE = "on_leave"
    """Away on a leave of absence or in hospital; the bed may be held."""
    DISCHARGED = "discharged"
    TRANSFERRED = "transferred"


CURRENT_STAY = frozenset({StayStatus.ACTIVE, StayStatus.ON_LEAVE})
"""A current stay holds the resident (one per resident) and its bed (one per bed)."""


class Census(StrEnum):
    PRE_ADMISSION = "pre_admission"
    IN_HOUSE = "in_house"
    AWAITING_BED = "awaiting_bed"
    ON_LEAVE = "on_leave"
    IN_HOSPITAL = "in_hospital"
    DISCHARGED = "discharged"
    TRANSFERRED = "transferred"


CENSUS_WORDS: dict[str, str] = {
    Census.PRE_ADMISSION: "not admitted",
    Census.IN_HOUSE: "in house",
    Census.AWAITING_BED: "awaiting a bed",
    Census.ON_LEAVE: "on leave",
    Census.IN_HOSPITAL: "in hospital",
    Census.DISCHARGED: "discharged",
    Census.TRANSFERRED: "transferred out",
}


class BedState(StrEnum):
    FREE = "free"
    OCCUPIED = "occupied"
    HELD = "held"
    """The occupant is away on leave and the bed is kept for their return."""
    OUT_OF_SERVICE = "out_of_service"


def is_current(stay: Mapping[str, Any] | None) -> bool:
    return stay is not None and stay.get("status") in CURRENT_STAY


def census_of(stay: Mapping[str, Any] | None) -> Census:
    """The census state of a resident whose latest stay is ``stay``."""
    if stay is None:
        return Census.PRE_ADMISSION
    status = stay.get("status")
    if status == StayStatus.ACTIVE:
        return Census.IN_HOUSE if stay.get("bed_id") else Census.AWAITING_BED
    if status == StayStatus.ON_LEAVE:
        return Census.IN_HOSPITAL if stay.get("leave_type") == "hospital" else Census.ON_LEAVE
    if status == StayStatus.TRANSFERRED:
        return Census.TRANSFERRED
    if status == StayStatus.DISCHARGED:
        return Census.DISCHARGED
    return Census.PRE_ADMISSION


EMPTY_RESIDENT_VIEW: Mapping[str, Any] = {
    "_census": str(Census.PRE_ADMISSION), "_stay_id": None, "_bed_id": None,
    "_bed_label": None, "_unit_name": None, "_admitted_at": None,
}
"""The derived fields of a resident who has never been admitted."""


def resident_view(stay_id: str | None, stay: Mapping[str, Any] | None,
                  bed: Mapping[str, Any] | None) -> dict[str, Any]:
    """The derived fields of a resident from their latest stay and that stay's
    bed record (``label``, ``unit_name``), as every replica shows them."""
    if stay is None:
        return dict(EMPTY_RESIDENT_VIEW)
    bed_id = stay.get("bed_id") if is_current(stay) else None
    shown_bed = bed if bed_id else None
    return {"_census": str(census_of(stay)), "_stay_id": stay_id, "_bed_id": bed_id,
            "_bed_label": shown_bed.get("label") if shown_bed else None,
            "_unit_name": shown_bed.get("unit_name") if shown_bed else None,
            "_admitted_at": stay.get("admitted_at")}


def bed_view(occupant: Mapping[str, Any] | None) -> dict[str, Any]:
    """The derived fields of a bed from the current stay that holds it (if any)."""
    if occupant is None or not is_current(occupant):
        return {"_resident_id": None, "_held": False}
    return {"_resident_id": occupant.get("resident_id"),
            "_held": occupant.get("status") == StayStatus.ON_LEAVE}


def bed_state(*, out_of_service: bool, occupied: bool, held: bool) -> BedState:
    """A bed's state on the bed board."""
    if out_of_service:
        return BedState.OUT_OF_SERVICE
    if held:
        return BedState.HELD
    if occupied:
        return BedState.OCCUPIED
    return BedState.FREE


def may_take_out_of_service(state: BedState) -> bool:
    """Only a free bed may be taken out of service: an occupied or held bed
    keeps its resident, who must be moved first."""
    return state is BedState.FREE
