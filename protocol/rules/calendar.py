"""Date and number conventions every rule uses, written once.

- Days are calendar days unless a rule says working days. "Within N days of X"
  means on or before X + N. A deadline never rolls past a weekend or holiday
  unless its rule says so.
- "N years from X" ends on the same month and day N years later (29 February
  becomes 1 March in a common year); "N months" likewise by calendar month (a
  day the month lacks becomes the 1st of the next month). A record is kept
  through its end date; an "after" action may start the next day.
- Holidays are data: by default the US federal holidays on their observed
  dates (a Saturday holiday is observed the Friday before, a Sunday one the
  Monday after); a state or facility calendar may add days.
- Thresholds compare unrounded values; figures are shown rounded half up to
  two decimals. A ratio whose denominator is zero has no value (None), never 0.
- Federal fiscal quarters: Q1 October–December, Q2 January–March, Q3
  April–June, Q4 July–September; fiscal year N begins 1 October of N − 1.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

ONE_DAY = timedelta(days=1)


# --- calendar arithmetic ----------------------------------------------------------------


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)


def add_months(day: date, months: int) -> date:
    """Same day of the month ``months`` later; a day the month lacks becomes
    the 1st of the following month (31 January + 1 month → 1 March)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = _calendar.monthrange(year, month)[1]
    if day.day <= last:
        return date(year, month, day.day)
    return date(year, month, last) + ONE_DAY


def add_years(day: date, years: int) -> date:
    """Same month and day ``years`` later; 29 February → 1 March in a common year."""
    return add_months(day, 12 * years)


def months_ending(end: date, months: int) -> date:
    """The first day of the ``months`` calendar months ending on ``end`` ("the last 3
    months"): the earliest day that is still within ``months`` months of ``end`` by
    :func:`add_months`. 31 May − 3 months starts on 1 March (30 and 31 February do
    not exist), 15 May − 3 months on 16 February."""
    back = add_months(end, -months)
    return back if back.day != end.day else back + ONE_DAY


def days_in_period(start: date, end: date) -> int:
    """Days from ``start`` through ``end``, both included."""
    return (end - start).days + 1


def each_day(start: date, end: date) -> Iterator[date]:
    """Every date from ``start`` through ``end``."""
    day = start
    while day <= end:
        yield day
        day += ONE_DAY


# --- holidays and working days -------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` (1-based; -1 = last) ``weekday`` (Monday = 0) of a month."""
    if nth > 0:
        first = date(year, month, 1)
        offset = (weekday - first.weekday()) % 7
        return first + timedelta(days=offset + 7 * (nth - 1))
    last = date(year, month, _calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:  # Saturday → Friday before
        return day - ONE_DAY
    if day.weekday() == 6:  # Sunday → Monday after
        return day + ONE_DAY
    return day


def federal_holidays(year: int) -> frozenset[date]:
    """The US federal holidays observed in ``year`` (5 U.S.C. 6103). New Year's
    Day falling on a Saturday is observed on 31 December of the year before."""
    mon, thu = 0, 3
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))
    days = {_observed(d) for d in fixed}
    days |= {
        _nth_weekday(year, 1, mon, 3),   # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, mon, 3),   # Washington's Birthday
        _nth_weekday(year, 5, mon, -1),  # Memorial Day
        _nth_weekday(year, 9, mon, 1),   # Labor Day
        _nth_weekday(year, 10, mon, 2),  # Columbus Day
        _nth_weekday(year, 11, thu, 4),  # Thanksgiving Day
    }
    next_new_year = _observed(date(year + 1, 1, 1))
    if next_new_year.year == year:
        days.add(next_new_year)
    return frozenset(d for d in days if d.year == year)


@dataclass(frozen=True)
class HolidayCalendar:
    """Federal holidays (unless turned off) plus a facility's or state's own days."""

    extra: frozenset[date] = frozenset()
    federal: bool = True

    def is_holiday(self, day: date) -> bool:
        return day in self.extra or (self.federal and day in federal_holidays(day.year))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, day: date, days: int) -> date:
        """The working day ``days`` working days after ``day`` (``day`` not counted)."""
        while days > 0:
            day += ONE_DAY
            if self.is_working_day(day):
                days -= 1
        return day

    def add_working_hours(self, start: datetime, hours: int) -> datetime:
        """The moment ``hours`` working-day hours after ``start``, counting only
        hours of working days; a start outside a working day counts from the
        beginning of the next working day. Thursday 10:00 + 24 → Friday 10:00;
        + 48 → Monday 10:00."""
        moment = start
        if not self.is_working_day(moment.date()):
            moment = datetime.combine(self.next_working_day(moment.date()), datetime.min.time(),
                                      tzinfo=start.tzinfo)
        remaining = timedelta(hours=hours)
        while True:
            day_end = datetime.combine(moment.date() + ONE_DAY, datetime.min.time(),
                                       tzinfo=start.tzinfo)
            if moment + remaining <= day_end:
                return moment + remaining
            remaining -= day_end - moment
            moment = datetime.combine(self.next_working_day(day_end.date()),
                                      datetime.min.time(), tzinfo=start.tzinfo)


FEDERAL = HolidayCalendar()


# --- fiscal quarters ----------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A federal fiscal quarter, e.g. ``2027Q1`` = October–December 2026."""

    fiscal_year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        cleaned = text.strip().upper()
        # isascii: "²" is a digit to str.isdigit but not to int(); "２" is one to both
        if len(cleaned) != 6 or cleaned[4] != "Q" or not cleaned[:4].isascii() \
                or not cleaned[:4].isdigit() \
                or cleaned[5] not in "1234":
            raise ValueError("a quarter is written like 2027Q1")
        return cls(int(cleaned[:4]), int(cleaned[5]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        fiscal_year = day.year + 1 if day.month >= 10 else day.year
        number = ((day.month - 10) % 12) // 3 + 1
        return cls(fiscal_year, number)

    @property
    def start(self) -> date:
        month = (10 + 3 * (self.number - 1) - 1) % 12 + 1
        year = self.fiscal_year - 1 if month >= 10 else self.fiscal_year
        return date(year, month, 1)

    @property
    def end(self) -> date:
        return add_months(self.start, 3) - ONE_DAY

    def days(self) -> Iterator[date]:
        return each_day(self.start, self.end)

    def __str__(self) -> str:
        return f"{self.fiscal_year}Q{self.number}"


# --- numbers ---------------------------------------------------------------------------------


def round_half_up(value: Decimal | float | int, places: int = 2) -> Decimal:
    """For display: 2.345 → 2.35 (never banker's rounding)."""
    exponent = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal | float | int, denominator: Decimal | float | int
          ) -> Decimal | None:
    """``numerator / denominator``, or None when the denominator is zero."""
    if denominator == 0:
        return None
    return Decimal(str(numerator)) / Decimal(str(denominator))


def total(values: Iterable[Decimal | int]) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))
