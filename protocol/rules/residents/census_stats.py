"""Census statistics for a period (AHIMA long-term-care minimum statistics).

- The **midnight census** counts a resident on a day when they are in the
  house at the midnight that ends it: the admission day counts, the discharge or
  death day does not; an admission and a discharge or death on the same day
  count 1 day (Medicare Benefit Policy Manual ch. 3 §20.1; SSA POMS HI 00601.070).
- A resident absent at that midnight on leave of absence or in hospital is not
  in the in-house census: the day a leave begins counts only if they are back
  by midnight, the day of return counts (POMS HI 00601.080). Those days are
  reported apart, as leave days, and as bed-hold days when the bed was held.
  Leaving on and returning from leave are not discharges and admissions.
- Resident days = Σ daily census; average daily census (ADC) = resident days ÷
  days. Bed-count days = Σ licensed beds each day (dated counts); occupancy % =
  resident days × 100 ÷ bed-count days; held-bed occupancy, a separate figure,
  = (resident days + bed-hold days) × 100 ÷ bed-count days.
- Average length of stay = Σ whole lengths of the stays discharged in the
  period (days before it included; discharge − admission, a same-day stay = 1;
  leave days inside the stay not subtracted) ÷ discharges. Average bed count =
  bed-count days ÷ days; bed turnover = discharges ÷ average bed count; gross
  death rate = deaths × 100 ÷ discharges (deaths included; transfers out are
  discharges).
- By payer: each census, leave or bed-hold day goes to the payer in force that
  day; an admission or a discharge to the payer in force on its date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from protocol.errors import ValidationError
from protocol.rules.calendar import ONE_DAY, add_months, days_in_period, each_day, ratio
from protocol.rules.dates import day_of

UNKNOWN_PAYER = "unknown"


@dataclass(frozen=True)
class Leave:
    left_on: date
    returned_on: date | None = None
    bed_hold: bool = True
    leave_type: str = "hospital"


@dataclass(frozen=True)
class PayerPeriod:
    """``payer`` is in force from ``start`` until the next period's start."""

    payer: str
    start: date


@dataclass(frozen=True)
class StayFacts:
    stay_id: str
    admitted_on: date
    discharged_on: date | None = None
    """Discharge, transfer out or death."""
    death: bool = False
    leaves: tuple[Leave, ...] = ()
    payers: tuple[PayerPeriod, ...] = ()

    def __post_init__(self) -> None:
        if self.discharged_on is not None and self.discharged_on < self.admitted_on:
            raise ValidationError("discharged_at", f"stay {self.stay_id}: before the admission")

    def payer_on(self, day: date) -> str:
        """The payer in force on ``day`` (``unknown`` before the first period)."""
        current = UNKNOWN_PAYER
        for period in sorted(self.payers, key=lambda p: p.start):
            if period.start <= day:
                current = period.payer
        return current

    @property
    def length_of_stay(self) -> int | None:
        if self.discharged_on is None:
            return None
        return max(1, (self.discharged_on - self.admitted_on).days)

    @classmethod
    def from_stay(cls, stay_id: str, stay: Mapping[str, Any],
                  payers: Iterable[PayerPeriod] | None = None) -> StayFacts:
        """From a stay record as :mod:`protocol.rules.residents.stays` shapes it. Without
        ``payers``, the stay's single ``payer`` holds from the admission."""
        admitted = day_of(stay.get("admitted_at"))
        if admitted is None:
            raise ValidationError("admitted_at", f"stay {stay_id}: no admission date")
        leaves = tuple(
            Leave(left, day_of(leave.get("returned_at")), bool(leave.get("bed_hold", True)),
                  str(leave.get("leave_type") or "hospital"))
            for leave in stay.get("leaves") or []
            if (left := day_of(leave.get("left_at"))) is not None)
        if payers is None:
            payers = payer_periods(stay, admitted)
        return cls(stay_id, admitted, day_of(stay.get("discharged_at")),
                   stay.get("disposition") == "death", leaves, tuple(payers))


def payer_periods(stay: Mapping[str, Any], admitted: date) -> list[PayerPeriod]:
    """The payer at admission (``payer``), then each dated ``change_payer``
    (``payer_changes``: ``{payer, on}``), in order."""
    payer = stay.get("payer")
    periods = [PayerPeriod(str(payer), admitted)] if payer else []
    for change in stay.get("payer_changes") or []:
        on = day_of(change.get("on"))
        if on is not None and change.get("payer"):
            periods.append(PayerPeriod(str(change["payer"]), on))
    return periods


def current_payer(stay: Mapping[str, Any]) -> str | None:
    """The payer in force now: the last dated change's, else the payer at admission
    (a change is never dated in the future: :mod:`protocol.rules.residents.stays`)."""
    changes = [c for c in stay.get("payer_changes") or [] if c.get("payer")]
    payer = changes[-1]["payer"] if changes else stay.get("payer")
    return str(payer) if payer else None


class DayState(StrEnum):
    IN_HOUSE = "in_house"
    LEAVE = "leave"
    """Absent at midnight, bed not held."""
    BED_HOLD = "bed_hold"
    """Absent at midnight, bed held."""


def day_state(stay: StayFacts, day: date) -> DayState | None:
    """Where the stay puts its resident at the midnight ending ``day`` (None: not a stay day)."""
    if day < stay.admitted_on:
        return None
    if stay.discharged_on is not None and day >= stay.discharged_on:
        same_day = day == stay.discharged_on == stay.admitted_on
        return DayState.IN_HOUSE if same_day else None
    for leave in stay.leaves:
        if leave.left_on <= day and (leave.returned_on is None or leave.returned_on > day):
            return DayState.BED_HOLD if leave.bed_hold else DayState.LEAVE
    return DayState.IN_HOUSE


def daily_census(stays: Iterable[StayFacts], start: date, end: date) -> dict[date, int]:
    """The midnight census of each day from ``start`` through ``end``."""
    census = dict.fromkeys(each_day(start, end), 0)
    for stay in stays:
        if not stay.leaves:  # in house every day from admission to the day before discharge
            discharged = stay.discharged_on
            last = end if discharged is None else min(end, discharged if discharged ==
                                                      stay.admitted_on else discharged - ONE_DAY)
            for day in each_day(max(start, stay.admitted_on), last):
                census[day] += 1
            continue
        for day in each_day(max(start, stay.admitted_on), end):
            if stay.discharged_on is not None and day > stay.discharged_on:
                break
            if day_state(stay, day) is DayState.IN_HOUSE:
                census[day] += 1
    return census


@dataclass(frozen=True)
class BedCount:
    """``beds`` licensed beds from ``start`` until the next count's start."""

    start: date
    beds: int


def beds_on(counts: Iterable[BedCount], day: date) -> int:
    known = [c for c in counts if c.start <= day]
    if not known:
        raise ValidationError("bed_counts", f"no licensed bed count in force on {day.isoformat()}")
    return max(known, key=lambda c: c.start).beds


@dataclass(frozen=True)
class Figures:
    """Counts for the whole facility or one payer."""

    resident_days: int = 0
    leave_days: int = 0
    """Days absent at midnight, bed held or not."""
    bed_hold_days: int = 0
    admissions: int = 0
    discharges: int = 0
    deaths: int = 0
    length_of_stay_days: int = 0
    """Σ whole lengths of the stays discharged in the period."""


@dataclass(frozen=True)
class CensusStatistics:
    start: date
    end: date
    totals: Figures
    bed_count_days: int
    by_payer: Mapping[str, Figures] = field(default_factory=dict)
    leave_days_by_type: Mapping[str, int] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return days_in_period(self.start, self.end)

    @property
    def average_daily_census(self) -> Decimal | None:
        return ratio(self.totals.resident_days, self.days)

    @property
    def occupancy_percent(self) -> Decimal | None:
        return ratio(self.totals.resident_days * 100, self.bed_count_days)

    @property
    def held_bed_occupancy_percent(self) -> Decimal | None:
        return ratio((self.totals.resident_days + self.totals.bed_hold_days) * 100,
                     self.bed_count_days)

    @property
    def average_length_of_stay(self) -> Decimal | None:
        return ratio(self.totals.length_of_stay_days, self.totals.discharges)

    @property
    def average_bed_count(self) -> Decimal | None:
        return ratio(self.bed_count_days, self.days)

    @property
    def bed_turnover(self) -> Decimal | None:
        beds = self.average_bed_count
        return None if beds is None else ratio(self.totals.discharges, beds)

    @property
    def gross_death_rate(self) -> Decimal | None:
        return ratio(self.totals.deaths * 100, self.totals.discharges)

    def payer_average_daily_census(self, payer: str) -> Decimal | None:
        figures = self.by_payer.get(payer)
        return ratio(figures.resident_days if figures else 0, self.days)


class _Tally:
    """Counts being added up, frozen into :class:`Figures` at the end."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, **counts: int) -> None:
        for name, count in counts.items():
            self.counts[name] += count

    def figures(self) -> Figures:
        return Figures(**self.counts)


def census_statistics(stays: Iterable[StayFacts], bed_counts: Iterable[BedCount], start: date,
                      end: date) -> CensusStatistics:
    """Every figure of the period from ``start`` through ``end``."""
    counts = list(bed_counts)
    totals = _Tally()
    by_payer: dict[str, _Tally] = defaultdict(_Tally)
    by_type: dict[str, int] = defaultdict(int)
    for stay in stays:
        for day in each_day(max(start, stay.admitted_on), end):
            state = day_state(stay, day)
            if state is None:
                if stay.discharged_on is not None and day >= stay.discharged_on:
                    break
                continue
            if state is DayState.IN_HOUSE:
                change = {"resident_days": 1}
            else:
                change = {"leave_days": 1, "bed_hold_days": int(state is DayState.BED_HOLD)}
                by_type[_leave_on(stay, day).leave_type] += 1
            totals.add(**change)
            by_payer[stay.payer_on(day)].add(**change)
        if start <= stay.admitted_on <= end:
            totals.add(admissions=1)
            by_payer[stay.payer_on(stay.admitted_on)].add(admissions=1)
        ended, length = stay.discharged_on, stay.length_of_stay
        if ended is not None and length is not None and start <= ended <= end:
            change = {"discharges": 1, "deaths": int(stay.death), "length_of_stay_days": length}
            totals.add(**change)
            by_payer[stay.payer_on(ended)].add(**change)
    bed_days = sum(beds_on(counts, day) for day in each_day(start, end))
    return CensusStatistics(start, end, totals.figures(), bed_days,
                            {payer: tally.figures() for payer, tally in by_payer.items()},
                            dict(by_type))


def _leave_on(stay: StayFacts, day: date) -> Leave:
    return next(leave for leave in stay.leaves if leave.left_on <= day
                and (leave.returned_on is None or leave.returned_on > day))


def month_and_year_to_date(stays: Iterable[StayFacts], bed_counts: Iterable[BedCount],
                           year: int, month: int, *, through: date | None = None,
                           year_start_month: int = 1
                           ) -> tuple[CensusStatistics, CensusStatistics]:
    """The month's figures and the year's to the month's end (or ``through``, for
    a month still open). The year begins in ``year_start_month`` (1 = calendar
    year; 10 = federal fiscal year)."""
    stays, counts = list(stays), list(bed_counts)
    first = date(year, month, 1)
    last = add_months(first, 1) - ONE_DAY
    if through is not None:
        last = min(last, through)
    year_first = date(year if month >= year_start_month else year - 1, year_start_month, 1)
    return (census_statistics(stays, counts, first, last),
            census_statistics(stays, counts, year_first, last))
