"""Which departures the census lists count, and how they are labelled (docs/rules.md §4.3).

AHIMA's long-term-care census counts a **transfer to another facility** as a
discharge: the resident left this facility's census, whatever happens to the
record next. An internal move (another bed or unit of the same facility) is not
a departure, nor is leave of absence or bed hold (§4.2). A death is a discharge
too (counted apart in the death rate).

A transfer moves the resident's record to the receiving facility, so the
facility that sent them keeps only the facts of the stay (who, the record
number, admitted, left, where to): the terminal in its store
(:mod:`client.store.departures`), the server in its transfers table. Both hand
them to the reports as :class:`TransferOut`, and every list of departures (the
terminal's "Admissions and discharges, last 30 days", the discharges report)
shows them as "transfer" with the destination.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from protocol.rules.dates import day_of

KIND = "transferred_out"
"""The row kind the loaders hand to :meth:`protocol.reports.facts.FacilityFacts.from_rows`
for a stay transferred out (not a record kind: the record itself has moved)."""
ANOTHER_FACILITY = "another facility"


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

    @property
    def length_of_stay(self) -> int:
        return max(1, (self.left_on - self.admitted_on).days)

    @classmethod
    def from_row(cls, stay_id: str, data: Mapping[str, Any]) -> TransferOut | None:
        """From the loaders' row (``resident_id``, ``name``, ``mrn``, ``admitted_at``,
        ``left_on``, ``destination``); None without both dates."""
        admitted, left = day_of(data.get("admitted_at")), day_of(data.get("left_on"))
        if admitted is None or left is None:
            return None
        return cls(stay_id, str(data.get("resident_id") or ""), str(data.get("name") or ""),
                   str(data.get("mrn") or ""), admitted, left,
                   str(data.get("destination") or ANOTHER_FACILITY))
