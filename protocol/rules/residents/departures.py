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

The chart moves with all its stays, the earlier ones too (admitted, discharged
home, readmitted, then transferred), but every stay counts for the facility it
took place at, for good: the census of a past quarter does not change when a
resident is later transferred. :func:`residence` is that rule, for the facility
that holds the chart (its stays since the chart last arrived there by transfer)
and for a facility that transferred it out (the stays of the residence that the
transfer ended, which it keeps: :meth:`TransferOut.census_stays`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from protocol.merge import ACTIVE, DESTROYED
from protocol.rules.dates import day_of
from protocol.rules.residents.census_stats import StayFacts
from protocol.rules.residents.mds import AssessmentType, Movement
from protocol.rules.residents.mds_movements import is_record_error, stay_movements

KIND = "transferred_out"
"""The row kind the loaders hand to :meth:`protocol.reports.facts.FacilityFacts.from_rows`
for a stay transferred out (not a record kind: the record itself has moved)."""
ANOTHER_FACILITY = "another facility"

CENSUS_FIELDS = ("resident_id", "admitted_at", "discharged_at", "status", "disposition",
                 "return_anticipated", "leaves", "payer", "payer_changes", "transferred_to",
                 "transferred_from", "admission_type")
"""What a facility's census statistics and MDS schedule read of a stay (dates,
leaves, payers, where a transfer went and came from): nothing that says who the
resident was. A destruction keeps them of every stay it purges
(:data:`protocol.rules.records.destruction.KEPT_FIELDS`), so a facility that
transferred the chart out counts its stays as before when the facility holding it
destroys it."""

STAY_FIELDS = (*CENSUS_FIELDS, "destination")
"""What the sending facility keeps of the stay it transferred out: what its census
statistics and MDS schedule read, and the discharge's destination (for its
discharges list), nothing clinical."""

MDS_FIELDS = ("resident_id", "assessment_type", "ard", "event_on", "determination_on",
              "completed_on", "caa_on", "care_plan_on", "transmitted_on")
"""What it keeps of an MDS record of that stay: the schedule's dates (never the note).
A destruction keeps them too."""

READ_STATUSES = (ACTIVE, DESTROYED)
"""The statuses of a chart's stays and MDS records that a facility which transferred
the chart out still reads (:func:`residence`, :meth:`TransferOut.from_row`): those
on file wherever the chart is, and those a destruction there purged, which keep
:data:`CENSUS_FIELDS` and :data:`MDS_FIELDS`. Every stay counts for the facility
it took place at, for good: another facility's destruction does not take it away."""


def kept_stay(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a transferred stay the sending facility keeps (:data:`STAY_FIELDS`)."""
    return {k: data[k] for k in STAY_FIELDS if k in data}


def census_stay(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The part of a stay a census reads (:data:`CENSUS_FIELDS`): what a
    destruction leaves of it, with nothing that says who the resident was."""
    return {k: v for k, v in (data or {}).items() if k in CENSUS_FIELDS}


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


def _in_order(stays: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The dated stays' ids, oldest first: by admission and discharge day, and the
    stays that tie on both (a chain of same-day transfers, A to B to C) along the
    chain (:func:`_along_chain`)."""
    def key(stay_id: str) -> tuple[date, date]:
        s = stays[stay_id]
        return (day_of(s.get("admitted_at")) or date.min,
                day_of(s.get("discharged_at")) or date.max)
    ties: dict[tuple[date, date], list[str]] = {}
    for stay_id in sorted(i for i, s in stays.items() if day_of(s.get("admitted_at"))):
        ties.setdefault(key(stay_id), []).append(stay_id)
    return [i for day in sorted(ties) for i in _along_chain(ties[day], stays)]


def _along_chain(ids: list[str], stays: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Stays of one chart with the same admission and discharge day (``ids`` in id
    order) in the order they took place: each transfer's sending stay before the
    stay at the facility it went to (the transfer whose ``transferred_from`` is
    that facility). The chain is read back from its end, the transfer to a
    facility that sent none of them on (A to B, B to A, A to C: the one to C). The
    stays that did not end with a transfer, whose facility is not recorded, come
    after the transfers (the chain arrived where they took place), as do transfers
    recorded before ``transferred_from`` was (in id order). With no facility
    recorded, or a chain that ends where it began (A to B to A), the id order
    stands where the chain does not decide."""
    transfers = [i for i in ids if stays[i].get("status") == "transferred"
                 and stays[i].get("transferred_from")]
    if not transfers:
        return ids
    back: list[str] = []
    while transfers:
        sent_from = {stays[i].get("transferred_from") for i in transfers}
        leads = [i for i in transfers if back
                 and stays[i].get("transferred_to") == stays[back[-1]].get("transferred_from")]
        ends = [i for i in transfers if stays[i].get("transferred_to") not in sent_from]
        before = (leads or ends or transfers[::-1])[0]
        back.append(before)
        transfers.remove(before)
    chain = back[::-1]
    unplaced = [i for i in ids if i not in chain and stays[i].get("status") == "transferred"]
    return chain + unplaced + [i for i in ids if stays[i].get("status") != "transferred"]


def residence(stays: Mapping[str, Mapping[str, Any]], *, held_by: str = "",
              ended_by: str = "") -> tuple[str, ...]:
    """Which of a chart's stays (id → stay: every stay the chart holds, wherever it
    took place) are one residence at one facility, oldest first: the stays since
    the chart last came there by transfer (or all of them, if it never did).

    ``held_by``: the facility that holds the chart now; its residence runs to the
    latest stay (one it transferred out itself, still on file at a terminal before
    its sync, is its own). ``ended_by``: a stay with which a facility transferred
    the resident out; the residence is the one that transfer ended, up to and
    including that stay: the earlier stays of a resident admitted, discharged,
    readmitted there and then transferred. A facility's earlier residence
    (transferred out, back, then out again) is its earlier transfer's."""
    order = _in_order(stays)
    if ended_by:
        if ended_by not in order:
            return ()
        order = order[:order.index(ended_by) + 1]
    start = 0
    for i, stay_id in enumerate(order):
        stay = stays[stay_id]
        if stay_id == ended_by or stay.get("status") != "transferred":
            continue
        # Before a transfer out, the chart's latest transfer is the one that
        # brought it to the facility that sends it on.
        if ended_by or stay.get("transferred_to") == held_by:
            start = i + 1
    return tuple(order[start:])


def sent_by(stay: Mapping[str, Any], facility_id: str) -> bool:
    """Whether ``facility_id`` transferred this stay out: the facility the server
    recorded as sending it (``transferred_from``); for a stay transferred before
    that was recorded, any transfer but one to ``facility_id`` itself. A terminal
    receives every stay of a chart it sends away, the other facilities' transfers
    (the one that brought the resident back) among them: it keeps as its own
    transfers out those this says it sent (:mod:`client.store.departures`), as
    the server's transfers table does."""
    if stay.get("status") != "transferred":
        return False
    sender = stay.get("transferred_from")
    if sender:
        return bool(sender == facility_id)
    return bool(stay.get("transferred_to") != facility_id)


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
    earlier: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    """The stays here before it in the same residence (id, :data:`STAY_FIELDS`),
    oldest first: each ended here, and moved with the chart (:func:`residence`)."""

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

    def census_stays(self) -> tuple[StayFacts, ...]:
        """Every stay of the residence the transfer ended, for the sending facility's
        census: the earlier ones as they ended, then :meth:`census_stay`. An earlier
        stay whose dates cannot be read is left out."""
        out = []
        for stay_id, stay in self.earlier:
            admitted, left = day_of(stay.get("admitted_at")), day_of(stay.get("discharged_at"))
            if admitted is not None and left is not None and admitted <= left <= self.left_on:
                out.append(StayFacts.from_stay(stay_id, stay))
        return (*out, self.census_stay())

    def movements(self) -> list[Movement]:
        """The stay's MDS movements at the sending facility: its entry, any hospital
        discharges and re-entries, and the transfer, a discharge return not
        anticipated (a discharge assessment is due: ARD = the transfer date)."""
        return stay_movements(self._as_stay())

    @classmethod
    def from_row(cls, stay_id: str, data: Mapping[str, Any]) -> TransferOut | None:
        """From the loaders' row (``resident_id``, ``name``, ``mrn``, ``admitted_at``,
        ``left_on``, ``destination``, ``stay``, ``assessments``, and ``stays``: the
        chart's stays by id, wherever they took place, of which :func:`residence`
        keeps those of the residence the transfer ended); None without both dates."""
        admitted, left = day_of(data.get("admitted_at")), day_of(data.get("left_on"))
        if admitted is None or left is None or left < admitted:
            return None
        stay = data.get("stay")
        kept = tuple(sorted(
            (str(rec_id), a) for rec_id, a in (data.get("assessments") or {}).items()
            if isinstance(a, Mapping) and speaks_for_stay(a, admitted, left)))
        chart = {str(i): s for i, s in (data.get("stays") or {}).items()
                 if isinstance(s, Mapping) and not is_record_error(s)}
        chart[stay_id] = {**(stay if isinstance(stay, Mapping) else {}),
                          "admitted_at": admitted.isoformat(), "discharged_at": left.isoformat(),
                          "status": "transferred"}
        earlier = tuple((i, kept_stay(chart[i])) for i in residence(chart, ended_by=stay_id)
                        if i != stay_id)
        return cls(stay_id, str(data.get("resident_id") or ""), str(data.get("name") or ""),
                   str(data.get("mrn") or ""), admitted, left,
                   str(data.get("destination") or ANOTHER_FACILITY),
                   kept_stay(stay) if isinstance(stay, Mapping) else {}, kept, earlier)
