"""Which departures the census lists count, and how they are labelled (docs/rules.md §4.3).

AHIMA's long-term-care census counts a **transfer to another facility** as a
discharge: the resident left this facility's census, whatever happens to the
record next. An internal move (another bed or unit of the same facility) is not
a departure, nor is leave of absence or bed hold (§4.2). A death is a discharge
too (counted apart in the death rate).

A transfer moves the resident's record to the receiving facility, so the
facility that sent them keeps only the facts of the stay (who, the record
number, the stay as it was when it ended, where to, and the MDS records that
speak for it): the terminal in its store (:mod:`client.store.departures`), the
server from its transfers table. Both hand them to the reports as
:class:`TransferOut`, and every list of departures (the terminal's "Admissions
and discharges, last 30 days", the discharges report) shows them as "transfer"
with the destination.

A transfer out is a discharge of the sending facility (docs/rules.md §4, §5.2):
the stay's days up to the transfer stay in the sender's census and statistics
(:meth:`TransferOut.census_stay`: the midnight census, the transfer day not
counted), and the discharge assessment it owes (ARD = the transfer date,
completion ≤ ARD + 14) stays on the sender's MDS due list
(:meth:`TransferOut.movements`, :func:`speaks_for_stay`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from protocol.rules.dates import day_of
from protocol.rules.residents.census_stats import StayFacts
from protocol.rules.residents.mds import AssessmentType, Movement
from protocol.rules.residents.mds_movements import stay_movements

KIND = "transferred_out"
"""The row kind the loaders hand to :meth:`protocol.reports.facts.FacilityFacts.from_rows`
for a stay transferred out (not a record kind: the record itself has moved)."""
ANOTHER_FACILITY = "another facility"

STAY_FIELDS = ("resident_id", "admitted_at", "discharged_at", "status", "disposition",
               "return_anticipated", "leaves", "payer", "payer_changes", "transferred_to",
               "admission_type")
"""What the sending facility keeps of the stay it transferred out: what its census
statistics and MDS schedule read (dates, leaves, payers), nothing clinical."""

MDS_FIELDS = ("resident_id", "assessment_type", "ard", "event_on", "determination_on",
              "completed_on", "caa_on", "care_plan_on", "transmitted_on")
"""What it keeps of an MDS record of that stay: the schedule's dates (never the note)."""


def kept_stay(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a transferred stay the sending facility keeps (:data:`STAY_FIELDS`)."""
    return {k: data[k] for k in STAY_FIELDS if k in data}


def kept_assessment(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an MDS record the sending facility keeps (:data:`MDS_FIELDS`)."""
    return {k: data[k] for k in MDS_FIELDS if k in data}


def speaks_for_stay(assessment: Mapping[str, Any], admitted_on: date, left_on: date) -> bool:
    """Whether an MDS record of the resident is one of the sending facility's stay
    (admitted ``admitted_on``, transferred out ``left_on``): dated within the stay,
    the transfer day itself only for the discharge assessment (its ARD is the
    discharge date), so the receiving facility's entry record of that day is not
    the sender's. A record with no date yet belongs to no stay."""
    on = (day_of(assessment.get("ard")) or day_of(assessment.get("event_on"))
          or day_of(assessment.get("determination_on")))
    if on is None:
        return False
    if on == left_on:
        return assessment.get("assessment_type") == AssessmentType.DISCHARGE or (
            on == admitted_on and assessment.get("assessment_type") == AssessmentType.ENTRY)
    return admitted_on <= on < left_on


class DepartureKind(StrEnum):
    DISCHARGE = "discharge"
    DEATH = "death"
    TRANSFER = "transfer"
    """To another facility: a discharge for the census, labelled apart."""


def departure_kind(stay: Mapping[str, Any]) -> DepartureKind | None:
    """How a stay ended, for the census lists; None while it goes on."""
    if day_of(stay.get("discharged_at")) is None:
        return None
    if stay.get("status") == "transferred" or stay.get("disposition") == "other_facility":
        return DepartureKind.TRANSFER
    if stay.get("disposition") == "death":
        return DepartureKind.DEATH
    return DepartureKind.DISCHARGE


@dataclass(frozen=True)
class TransferOut:
    """A stay this facility transferred out, as the facility keeps it."""

    stay_id: str
    resident_id: str
    name: str
    mrn: str
    admitted_on: date
    left_on: date
    destination: str
    stay: Mapping[str, Any] = field(default_factory=dict)
    """The stay as it was when it ended (:data:`STAY_FIELDS`); empty when only its
    dates are known."""
    assessments: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    """The MDS records (id, :data:`MDS_FIELDS`) that speak for the stay."""

    @property
    def length_of_stay(self) -> int:
        return max(1, (self.left_on - self.admitted_on).days)

    def _as_stay(self) -> dict[str, Any]:
        """The stay with its dates as kept and ended by the transfer, whatever else
        is known of it."""
        return {**self.stay, "resident_id": self.resident_id,
                "admitted_at": self.admitted_on.isoformat(),
                "discharged_at": self.left_on.isoformat(), "status": "transferred"}

    def census_stay(self) -> StayFacts:
        """The stay for the sending facility's census: a discharge on the transfer
        date (that day not counted, a same-day stay 1 day), its leaves and payers."""
        return StayFacts.from_stay(self.stay_id, self._as_stay())

    def movements(self) -> list[Movement]:
        """The stay's MDS movements at the sending facility: its entry, any hospital
        discharges and re-entries, and the transfer, a discharge return not
        anticipated (a discharge assessment is due: ARD = the transfer date)."""
        return stay_movements(self._as_stay())

    @classmethod
    def from_row(cls, stay_id: str, data: Mapping[str, Any]) -> TransferOut | None:
        """From the loaders' row (``resident_id``, ``name``, ``mrn``, ``admitted_at``,
        ``left_on``, ``destination``); None without both dates."""
        admitted, left = day_of(data.get("admitted_at")), day_of(data.get("left_on"))
        if admitted is None or left is None or left < admitted:
            return None
        stay = data.get("stay")
        kept = tuple(sorted(
            (str(rec_id), a) for rec_id, a in (data.get("assessments") or {}).items()
            if isinstance(a, Mapping) and speaks_for_stay(a, admitted, left)))
        return cls(stay_id, str(data.get("resident_id") or ""), str(data.get("name") or ""),
                   str(data.get("mrn") or ""), admitted, left,
                   str(data.get("destination") or ANOTHER_FACILITY),
                   kept_stay(stay) if isinstance(stay, Mapping) else {}, kept)
