"""A resident's census fields and a bed's occupancy, derived from stays.

This is the only place the server derives them. :func:`resident_view` (the
resident's fields from its latest stay) has one caller, :func:`set_census`, and
:func:`bed_view` (a bed's fields from the stay holding it) has one caller, the
stay commands' snapshot upkeep; when the rule moves into the shared contract,
these two functions are what changes.

Census values: ``pre_admission`` (no stay yet, or arrived by transfer and not
yet admitted), ``in_house`` (active stay with a bed), ``awaiting_bed`` (active
stay without one), ``on_leave`` / ``in_hospital`` (the stay is on leave),
``discharged``, ``transferred``.
"""

from __future__ import annotations

from typing import Any

from server.storage.batch import Rec
from server.storage.models import CURRENT_STAY

_NO_STAY: dict[str, Any] = {
    "_census": "pre_admission", "_stay_id": None, "_bed_id": None, "_bed_label": None,
    "_unit_name": None, "_admitted_at": None,
}


def resident_view(stay: Rec | None, bed: Rec | None) -> dict[str, Any]:
    """The server-derived fields of a resident, from its latest stay and that
    stay's bed (``None`` for a resident with no stay at this facility)."""
    if stay is None:
        return dict(_NO_STAY)
    data = stay.data
    status = data["status"]
    current = status in CURRENT_STAY
    if status == "active":
        census = "in_house" if data.get("bed_id") else "awaiting_bed"
    elif status == "on_leave":
        census = "in_hospital" if data.get("leave_type") == "hospital" else "on_leave"
    else:
        census = status
    held = bed if current and bed is not None and data.get("bed_id") == bed.id else None
    return {"_census": census, "_stay_id": stay.id,
            "_bed_id": data.get("bed_id") if current else None,
            "_bed_label": held.data.get("label") if held else None,
            "_unit_name": held.data.get("unit_name") if held else None,
            "_admitted_at": data.get("admitted_at")}


def set_census(resident: Rec, stay: Rec | None, bed: Rec | None) -> None:
    """Write the resident's census fields into its snapshot."""
    resident.data.update(resident_view(stay, bed))


def bed_view(occupant: Rec | None) -> dict[str, Any]:
    """A bed's derived fields from the current stay that holds it, if any: who
    is in it, and whether it is only held (the resident is on leave)."""
    return {"_resident_id": occupant.data["resident_id"] if occupant else None,
            "_held": bool(occupant and occupant.data["status"] == "on_leave")}
