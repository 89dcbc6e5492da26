"""The admissions and discharges of the last days, as the terminal's bed board
lists them (F3, "Admissions and discharges, last 30 days"; docs/rules.md §4.3).

The list is a view of the census: it lists the admissions and departures of the
stays the census counts (:attr:`~protocol.reports.facts.FacilityFacts.census_stays`)
and no others. While a resident this facility transferred out is back on file,
the chart holds the other facilities' stays too (B's admission, and B's transfer
back here); they are not this facility's movements
(:func:`~protocol.rules.residents.departures.residence`). Each stay this
facility transferred out lists its transfer, with the receiving facility; a stay
of a chart destroyed here is listed without a name (:data:`DESTROYED_NAME`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from protocol.rules.dates import day_of
from protocol.rules.residents.departures import ANOTHER_FACILITY, DepartureKind, departure_kind

from .charts import DESTROYED_NAME
from .facts import FacilityFacts

ADMISSION = "admission"


@dataclass(frozen=True)
class StayMovement:
    kind: str
    """``admission``, ``discharge`` (deaths included) or ``transfer`` (to another
    facility: a discharge for the census)."""
    on: date
    stay_id: str
    resident_id: str
    """Empty for a chart destroyed here."""
    name: str
    destination: str = ""
    """For a transfer: the receiving facility's name."""


def recent_movements(facts: FacilityFacts, first: date, last: date,
                     places: Mapping[str, str] | None = None) -> list[StayMovement]:
    """The admissions and departures dated ``first``–``last`` of every stay this
    facility's census counts, newest first. ``places`` names the facilities (by
    id) a stay on file was transferred to before the transfer's record arrived."""
    names = places or {}
    moved = {t.stay_id: t for t in facts.transfers_out}
    out: list[StayMovement] = []

    def add(stay_id: str, stay: Mapping[str, Any], rid: str, name: str) -> None:
        admitted, left = day_of(stay.get("admitted_at")), day_of(stay.get("discharged_at"))
        if admitted is not None and first <= admitted <= last:
            out.append(StayMovement(ADMISSION, admitted, stay_id, rid, name))
        kind = departure_kind(stay)
        if left is None or kind is None or not first <= left <= last:
            return
        if kind is not DepartureKind.TRANSFER:
            out.append(StayMovement(str(DepartureKind.DISCHARGE), left, stay_id, rid, name))
            return
        to = moved[stay_id].destination if stay_id in moved else names.get(
            str(stay.get("transferred_to")), ANOTHER_FACILITY)
        out.append(StayMovement(str(kind), left, stay_id, rid, name, to))

    for stay_id, stay in facts.stays.items():
        rid = str(stay.get("resident_id") or "")
        add(stay_id, stay, rid, facts.resident_name(rid))
    for t, f, stay in facts.kept_stays:  # the transferred stay ends as its transfer
        ended = {**stay, "admitted_at": f.admitted_on.isoformat(),
                 "discharged_at": f.discharged_on.isoformat() if f.discharged_on else None}
        if f.stay_id == t.stay_id:
            ended["status"] = "transferred"
        add(f.stay_id, ended, t.resident_id, t.name or DESTROYED_NAME)
    for stay_id, stay in facts.destroyed_stays.items():
        add(stay_id, stay, "", DESTROYED_NAME)
    return sorted(out, key=lambda m: (m.on, m.kind, m.stay_id), reverse=True)
