"""The shared date and number conventions, by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from protocol.rules.calendar import (
    FEDERAL,
    HolidayCalendar,
    Quarter,
    add_months,
    add_years,
    days_in_period,
    federal_holidays,
    months_ending,
    ratio,
    round_half_up,
)


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2026, 1, 31), 1, date(2026, 3, 1)),     # no 31 February → 1 March
    (date(2028, 1, 31), 1, date(2028, 3, 1)),     # no 31 February in a leap year either
    (date(2026, 3, 31), 1, date(2026, 5, 1)),     # no 31 April → 1 May
    (date(2026, 11, 15), 3, date(2027, 2, 15)),
    (date(2026, 5, 31), -1, date(2026, 5, 1)),    # no 31 April → 1 May
])
def test_add_months(start: date, months: int, end: date) -> None:
    assert add_months(start, months) == end


def test_add_years_moves_29_february_to_1_march_in_a_common_year() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2020, 6, 15), 5) == date(2025, 6, 15)


def test_federal_holidays_2026_on_their_observed_dates() -> None:
    assert sorted(federal_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25),
        date(2026, 6, 19), date(2026, 7, 3),  # 4 July 2026 is a Saturday
        date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26),
        date(2026, 12, 25),
    ]


def test_new_year_on_a_saturday_is_observed_the_friday_before() -> None:
    # 1 January 2028 is a Saturday: observed Friday 31 December 2027.
    assert date(2027, 12, 31) in federal_holidays(2027)
    assert date(2028, 1, 1) not in federal_holidays(2028)
    # 25 December 2027 is a Saturday → Friday 24th; 2022's Christmas (Sunday) → Monday 26th
    assert date(2027, 12, 24) in federal_holidays(2027)
    assert date(2022, 12, 26) in federal_holidays(2022)


def test_working_days_and_hours() -> None:
    thursday = datetime(2026, 10, 8, 10, 0)
    assert FEDERAL.add_working_hours(thursday, 24) == datetime(2026, 10, 9, 10, 0)
    # + 48 working hours: Monday 12 October is Columbus Day → Tuesday
    assert FEDERAL.add_working_hours(thursday, 48) == datetime(2026, 10, 13, 10, 0)
    saturday = datetime(2026, 10, 10, 15, 0)
    assert FEDERAL.add_working_hours(saturday, 24) == datetime(2026, 10, 14, 0, 0)
    assert FEDERAL.add_working_days(date(2026, 12, 24), 2) == date(2026, 12, 29)
    facility = HolidayCalendar(extra=frozenset({date(2026, 12, 24)}))
    assert not facility.is_working_day(date(2026, 12, 24))
    assert FEDERAL.is_working_day(date(2026, 12, 24))


def test_quarters() -> None:
    q = Quarter.parse("2027q1")
    assert (q.start, q.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert Quarter.parse("2027Q2").end == date(2027, 3, 31)
    assert Quarter.parse("2028Q2").end == date(2028, 3, 31)
    assert Quarter.of(date(2027, 7, 1)) == Quarter(2027, 4)
    assert Quarter.of(date(2026, 12, 31)) == Quarter(2027, 1)
    assert str(Quarter.of(date(2027, 4, 30))) == "2027Q3"
    assert days_in_period(Quarter(2028, 2).start, Quarter(2028, 2).end) == 91  # leap year
    with pytest.raises(ValueError, match="2027Q1"):
        Quarter.parse("2027-1")


@pytest.mark.parametrize("typed", ["²027Q1", "２０２７Q1", "٢٠٢٧Q1"])
def test_a_quarter_is_written_in_ascii_digits(typed: str) -> None:
    """A superscript or non-Latin digit is a digit to str.isdigit: the clerk gets the
    form's own sentence, never Python's "invalid literal for int()"."""
    with pytest.raises(ValueError, match="a quarter is written like 2027Q1"):
        Quarter.parse(typed)


def test_rounding_and_ratios() -> None:
    assert round_half_up(Decimal("2.345")) == Decimal("2.35")
    assert round_half_up(2.675) == Decimal("2.68")  # the float's text, not its binary value
    assert ratio(31320, 9000) == Decimal("3.48")
    assert ratio(5, 0) is None


@pytest.mark.parametrize(("end", "months", "first"), [
    (date(2026, 5, 31), 3, date(2026, 3, 1)),
    (date(2026, 5, 15), 3, date(2026, 2, 16)),
    (date(2026, 3, 31), 1, date(2026, 3, 1)),
    (date(2028, 5, 29), 3, date(2028, 3, 1)),
])
def test_months_ending_starts_on_the_earliest_day_within_the_months(
        end: date, months: int, first: date) -> None:
    assert months_ending(end, months) == first
    assert add_months(first, months) > end
    assert add_months(first - timedelta(days=1), months) <= end
