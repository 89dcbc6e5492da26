"""Shifts split at midnight, meal breaks taken off: minutes worked per calendar day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.errors import ValidationError
from protocol.rules.staffing.worktime import (
    Shift,
    WorkEntry,
    entries_of,
    entry_from_record,
    split_shift,
)


def shift(clock_in: str, clock_out: str, meal: int = 0, meal_start: str | None = None,
          code: int = 7) -> Shift:
    return Shift("S1", code, 2, datetime.fromisoformat(clock_in),
                 datetime.fromisoformat(clock_out), meal,
                 datetime.fromisoformat(meal_start) if meal_start else None)


def minutes(entries: tuple[WorkEntry, ...]) -> dict[date, Decimal]:
    return {e.work_date: e.minutes for e in entries}


def test_a_day_shift_less_its_meal() -> None:
    # 07:00–15:30 = 510 min, less a 30-minute meal = 480 min = 8 h.
    [entry] = split_shift(shift("2026-10-05T07:00", "2026-10-05T15:30", 30))
    assert entry == WorkEntry("S1", 7, 2, date(2026, 10, 5), Decimal(480))
    assert entry.hours == 8


def test_a_midnight_crossing_shift_splits_onto_both_days() -> None:
    # 23:00–07:30: 60 min on the 5th, 450 min on the 6th; the meal (unknown time)
    # comes off the day holding most of the shift: 450 − 30 = 420.
    parts = split_shift(shift("2026-10-05T23:00", "2026-10-06T07:30", 30))
    assert minutes(parts) == {date(2026, 10, 5): 60, date(2026, 10, 6): 420}


def test_a_meal_with_a_known_start_comes_off_its_own_day() -> None:
    parts = split_shift(shift("2026-10-05T23:00", "2026-10-06T07:30", 30, "2026-10-05T23:15"))
    assert minutes(parts) == {date(2026, 10, 5): 30, date(2026, 10, 6): 450}


def test_a_meal_longer_than_its_days_part_spills_onto_the_next_day() -> None:
    # 23:30–00:30 is 30 + 30 minutes; a 45-minute meal begun 23:40 takes all 30
    # of the 5th and 15 of the 6th: only 15 minutes are left, on the 6th.
    parts = split_shift(shift("2026-10-05T23:30", "2026-10-06T00:30", 45, "2026-10-05T23:40"))
    assert minutes(parts) == {date(2026, 10, 6): 15}


def test_an_even_split_takes_the_meal_off_the_earlier_day() -> None:
    parts = split_shift(shift("2026-10-05T22:00", "2026-10-06T02:00", 30))
    assert minutes(parts) == {date(2026, 10, 5): 90, date(2026, 10, 6): 120}


def test_leap_day_and_year_end() -> None:
    # 29 February 2028 exists: 20:00 on the 29th to 04:00 on 1 March.
    parts = split_shift(shift("2028-02-29T20:00", "2028-03-01T04:00"))
    assert minutes(parts) == {date(2028, 2, 29): 240, date(2028, 3, 1): 240}
    parts = split_shift(shift("2026-12-31T19:00", "2027-01-01T07:00", 30, "2027-01-01T02:00"))
    assert minutes(parts) == {date(2026, 12, 31): 300, date(2027, 1, 1): 390}


def test_entries_of_many_shifts() -> None:
    shifts = [shift("2026-10-05T07:00", "2026-10-05T15:00"),
              shift("2026-10-05T23:00", "2026-10-06T07:00")]
    assert [(e.work_date, e.minutes) for e in entries_of(shifts)] == [
        (date(2026, 10, 5), 480), (date(2026, 10, 5), 60), (date(2026, 10, 6), 420)]


@pytest.mark.parametrize(("args", "field"), [
    (("2026-10-05T07:00", "2026-10-05T07:00"), "clock_out"),
    (("2026-10-05T07:00", "2026-10-05T06:00"), "clock_out"),
    (("2026-10-05T07:00", "2026-10-05T08:00", 61), "meal_minutes"),
    (("2026-10-05T07:00", "2026-10-05T08:00", -1), "meal_minutes"),
    (("2026-10-05T07:00", "2026-10-05T08:00", 10, "2026-10-05T08:00"), "meal_start"),
])
def test_impossible_shifts_are_refused(args: tuple[str, ...], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        shift(*args)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_an_hours_record_reads_as_minutes() -> None:
    entry = entry_from_record({"staff_id": "S9", "work_date": "2026-10-05", "hours": "7.50",
                               "job_title_code": 10, "pay_type_code": 3})
    assert entry == WorkEntry("S9", 10, 3, date(2026, 10, 5), Decimal(450))
    with pytest.raises(ValidationError, match="hours"):
        entry_from_record({"staff_id": "S9", "work_date": "2026-10-05", "hours": "lots",
                           "job_title_code": 10, "pay_type_code": 3})
    with pytest.raises(ValidationError, match="work_date: is required"):
        entry_from_record({"staff_id": "S9", "hours": "1", "job_title_code": 10,
                           "pay_type_code": 3})


# --- properties ----------------------------------------------------------------------------------

@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 1, 1)),
       length=st.integers(min_value=1, max_value=36 * 60),
       meal=st.integers(min_value=0, max_value=90))
def test_splitting_keeps_every_worked_minute(start: datetime, length: int, meal: int) -> None:
    start = start.replace(second=0, microsecond=0)
    meal = min(meal, length)
    parts = split_shift(Shift("S", 7, 2, start, start + timedelta(minutes=length), meal))
    assert sum(p.minutes for p in parts) == length - meal
    for part in parts:
        # Each part lies on a calendar day the shift touches, and none is empty.
        assert start.date() <= part.work_date <= (start + timedelta(minutes=length)).date()
        assert 0 < part.minutes <= 24 * 60
