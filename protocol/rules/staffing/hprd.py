"""Nurse staffing hours per resident day (HPRD), judged against a state profile.

- HPRD of a category over any span = Σ paid worked hours in the category ÷ Σ
  daily midnight census over the same days, never the mean of daily ratios
  (100 residents × 90 days = 9,000 resident days; 31,320 h ÷ 9,000 = 3.48).
- A day whose midnight census is 0 has no HPRD (None, flagged, never judged);
  its hours still count in every longer span's totals.
- Which PBJ job title codes make each category, each minimum and whether it is
  judged per day, per week or per period come from the
  :class:`~protocol.rules.staffing.profile.StaffingProfile`; thresholds compare
  unrounded values. An informational profile's "shortfalls" are gaps to a
  benchmark, never violations.
- CMS risk flags (QSO-19-02-NH; PBJ edit -4025): 4 or more days in a quarter
  with no RN hours (codes 5–7, whatever the profile); more than 400 hours in a
  calendar month under one employee; more than 22.5 hours on one day for one
  employee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from protocol.errors import ValidationError
from protocol.pbj import DAY_LIMIT_HOURS, RN_CODES
from protocol.rules.calendar import Quarter, each_day, ratio, round_half_up, total
from protocol.rules.staffing.profile import (
    CATEGORY_WORDS,
    Basis,
    Category,
    Minimum,
    StaffingProfile,
)
from protocol.rules.staffing.worktime import MINUTES_PER_HOUR, WorkEntry

NO_RN_DAYS_LIMIT = 4
DAYS_IN_WEEK = 7
MONTH_LIMIT_MINUTES = Decimal(400 * 60)
DAY_LIMIT_MINUTES = DAY_LIMIT_HOURS * 60


def _hours_text(minutes: Decimal) -> str:
    return f"{round_half_up(minutes / MINUTES_PER_HOUR)} h"


@dataclass(frozen=True)
class DayStaffing:
    day: date
    census: int
    minutes: Mapping[Category, Decimal]

    def hours(self, category: Category) -> Decimal:
        return self.minutes.get(category, Decimal(0)) / MINUTES_PER_HOUR

    def hprd(self, category: Category) -> Decimal | None:
        """None when the census is 0."""
        return ratio(self.minutes.get(category, Decimal(0)), MINUTES_PER_HOUR * self.census)


@dataclass(frozen=True)
class Judgement:
    """One minimum judged over one day, week or period."""

    minimum: Minimum
    start: date
    end: date
    minutes: Decimal
    resident_days: int
    partial: bool = False
    """A week cut short by the period's start or end."""

    @property
    def hprd(self) -> Decimal | None:
        return ratio(self.minutes, MINUTES_PER_HOUR * self.resident_days)

    @property
    def met(self) -> bool | None:
        """None when there were no resident days (no value to judge)."""
        value = self.hprd
        return None if value is None else value >= self.minimum.hprd


@dataclass(frozen=True)
class StaffingAssessment:
    profile: StaffingProfile
    start: date
    end: date
    days: tuple[DayStaffing, ...]
    judgements: tuple[Judgement, ...]

    @property
    def resident_days(self) -> int:
        return sum(d.census for d in self.days)

    def minutes(self, category: Category) -> Decimal:
        return total(d.minutes.get(category, Decimal(0)) for d in self.days)

    def hprd(self, category: Category) -> Decimal | None:
        """The period's HPRD: Σ hours ÷ Σ resident days."""
        return ratio(self.minutes(category), MINUTES_PER_HOUR * self.resident_days)

    @property
    def zero_census_days(self) -> tuple[date, ...]:
        return tuple(d.day for d in self.days if d.census == 0)

    @property
    def shortfalls(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.judgements if j.met is False)

    @property
    def meets_profile(self) -> bool:
        return not self.shortfalls

    def words(self, judgement: Judgement) -> str:
        """Why a judgement failed (or passed), as a clerk reads it."""
        return judgement_words(judgement, informational=self.profile.informational)


def judgement_words(judgement: Judgement, *, informational: bool = False) -> str:
    minimum = judgement.minimum
    span = (judgement.start.isoformat() if judgement.start == judgement.end
            else f"{judgement.start.isoformat()} to {judgement.end.isoformat()}")
    what = CATEGORY_WORDS[minimum.category]
    value = judgement.hprd
    if value is None:
        return f"{span}: {what} has no value (census 0)"
    limit = "benchmark, informational only, not a legal minimum" if informational else "minimum"
    shown = f"{round_half_up(value)} HPRD"
    basis = {Basis.DAY: "", Basis.WEEK: " weekly average", Basis.PERIOD: " over the period"}
    detail = (f"{_hours_text(judgement.minutes)} for {judgement.resident_days} resident days"
              + (", part of a week" if judgement.partial else ""))
    relation = "meets" if judgement.met else "is below"
    return (f"{span}: {what}{basis[minimum.basis]} {shown} {relation} the "
            f"{minimum.hprd} {limit}; {detail}")


def check_census(census: Mapping[date, int], start: date, end: date) -> None:
    """Every day of the period needs a midnight census of 0 or more."""
    for day in each_day(start, end):
        count = census.get(day)
        if count is None:
            raise ValidationError("census", f"no midnight census for {day.isoformat()}")
        if count < 0:
            raise ValidationError("census", f"{day.isoformat()}: cannot be negative")


def daily_staffing(entries: Iterable[WorkEntry], census: Mapping[date, int], start: date,
                   end: date, profile: StaffingProfile) -> tuple[DayStaffing, ...]:
    """Minutes per category on each day from ``start`` through ``end``, with its census."""
    check_census(census, start, end)
    # Minutes per day and job title first, then each title's into its categories: a
    # quarter of a large facility is ten thousand entries but a few hundred such sums.
    by_code: dict[tuple[date, int], Decimal] = {}
    for _, code, _, day, minutes in entries:
        if start <= day <= end:
            key = (day, code)
            by_code[key] = by_code[key] + minutes if key in by_code else minutes
    categories: dict[int, tuple[Category, ...]] = {}
    per_day: dict[date, dict[Category, Decimal]] = defaultdict(dict)
    for (day, code), minutes in by_code.items():
        if code not in categories:
            categories[code] = tuple(c for c in Category if code in profile.codes(c))
        bucket = per_day[day]
        for category in categories[code]:
            bucket[category] = bucket.get(category, Decimal(0)) + minutes
    return tuple(DayStaffing(day, census[day], dict(per_day.get(day, {})))
                 for day in each_day(start, end))


def _week_key(day: date, week_start: int) -> date:
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def _windows(days: tuple[DayStaffing, ...], basis: Basis, week_start: int
             ) -> list[tuple[DayStaffing, ...]]:
    if basis is Basis.DAY:
        return [(d,) for d in days]
    if basis is Basis.PERIOD:
        return [days] if days else []
    weeks: dict[date, list[DayStaffing]] = defaultdict(list)
    for d in days:
        weeks[_week_key(d.day, week_start)].append(d)
    return [tuple(weeks[key]) for key in sorted(weeks)]


def assess_staffing(entries: Iterable[WorkEntry], census: Mapping[date, int], start: date,
                    end: date, profile: StaffingProfile) -> StaffingAssessment:
    """Daily figures and every minimum of ``profile`` judged over the period."""
    days = daily_staffing(entries, census, start, end, profile)
    judgements = tuple(_judge(minimum, window) for minimum in profile.minimums
                       for window in _windows(days, minimum.basis, profile.week_start))
    return StaffingAssessment(profile, start, end, days, judgements)


def _judge(minimum: Minimum, window: tuple[DayStaffing, ...]) -> Judgement:
    return Judgement(
        minimum, window[0].day, window[-1].day,
        total(d.minutes.get(minimum.category, Decimal(0)) for d in window),
        sum(d.census for d in window),
        partial=minimum.basis is Basis.WEEK and len(window) < DAYS_IN_WEEK)


# --- CMS risk flags ----------------------------------------------------------------------------


class RiskKind(StrEnum):
    NO_RN_DAYS = "no_rn_days"
    MONTH_OVER_400 = "month_over_400_hours"
    DAY_OVER_22_5 = "day_over_22_5_hours"


@dataclass(frozen=True)
class RiskFlag:
    kind: RiskKind
    start: date
    end: date
    words: str
    staff_id: str | None = None
    days: tuple[date, ...] = ()


def days_without_rn_hours(entries: Iterable[WorkEntry], start: date, end: date, *,
                          not_judged: Container[date] = ()) -> tuple[date, ...]:
    """Days with no hours in codes 5–7 (the DON's hours count as RN hours), less
    ``not_judged`` (:mod:`~protocol.rules.staffing.judged_days`: today, days with no
    resident in the house)."""
    worked = {day for _, code, _, day, minutes in entries if code in RN_CODES and minutes > 0}
    return tuple(day for day in each_day(start, end)
                 if day not in worked and day not in not_judged)


def risk_flags(entries: Iterable[WorkEntry], start: date, end: date, *,
               not_judged: Container[date] = ()) -> tuple[RiskFlag, ...]:
    """The flags CMS raises on a period's hours (entries outside it are ignored;
    days ``not_judged`` are never days with no RN hours)."""
    entries = entries if isinstance(entries, (tuple, list)) else tuple(entries)  # read twice
    per_day: dict[tuple[str, date], Decimal] = {}  # minutes per employee and day
    for staff_id, _, _, day, minutes in entries:
        if start <= day <= end:
            key = (staff_id, day)
            per_day[key] = per_day[key] + minutes if key in per_day else minutes
    flags: list[RiskFlag] = []
    # Only the period's days are looked up: the entries outside it need no filtering out.
    no_rn = days_without_rn_hours(entries, start, end, not_judged=not_judged)
    by_quarter: dict[Quarter, list[date]] = defaultdict(list)
    for day in no_rn:
        by_quarter[Quarter.of(day)].append(day)
    for quarter in sorted(by_quarter):
        days = tuple(by_quarter[quarter])
        if len(days) >= NO_RN_DAYS_LIMIT:
            flags.append(RiskFlag(
                RiskKind.NO_RN_DAYS, max(start, quarter.start), min(end, quarter.end),
                f"{len(days)} days in {quarter} with no RN hours (CMS flags 4 or more: "
                "one-star staffing rating)", days=days))
    per_month: dict[tuple[str, int, int], Decimal] = defaultdict(Decimal)
    for (staff_id, day), minutes in per_day.items():
        per_month[(staff_id, day.year, day.month)] += minutes
    # Only the sums over a limit are sorted, in key order (a quarter has thousands).
    for (staff_id, year, month), minutes in sorted(
            item for item in per_month.items() if item[1] > MONTH_LIMIT_MINUTES):
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        flags.append(RiskFlag(
            RiskKind.MONTH_OVER_400, max(start, first), min(end, last),
            f"{staff_id}: {_hours_text(minutes)} in {year}-{month:02d}, over 400 hours "
            "in a month", staff_id=staff_id))
    for (staff_id, day), minutes in sorted(
            item for item in per_day.items() if item[1] > DAY_LIMIT_MINUTES):
        flags.append(RiskFlag(
            RiskKind.DAY_OVER_22_5, day, day,
            f"{staff_id}: {_hours_text(minutes)} on {day.isoformat()}, over "
            f"{DAY_LIMIT_HOURS} hours in a day (PBJ edit -4025, fatal)",
            staff_id=staff_id, days=(day,)))
    return tuple(flags)
