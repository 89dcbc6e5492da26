"""Shifts split at midnight, meal breaks taken off: minutes worked per calendar day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import example, given
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


def _split_as_stated(start: datetime, end: datetime, meal: int, meal_start: datetime | None
                     ) -> list[tuple[date, str]]:
    """The rule read plainly, as first written: every calendar day's part, the meal off
    its day (or the day with most of the shift, the earlier on a tie), what is left of
    it off the other days nearest first; the empty days dropped."""
    parts: list[tuple[date, Decimal]] = []
    moment = start
    while moment < end:
        stop = min(end, datetime.combine(moment.date() + timedelta(days=1), datetime.min.time()))
        parts.append((moment.date(), Decimal((stop - moment).total_seconds()) / 60))
        moment = stop
    worked = [m for _, m in parts]
    if meal:
        if meal_start is not None:
            first = next(i for i, (day, _) in enumerate(parts) if day == meal_start.date())
        else:
            first = max(range(len(parts)), key=lambda i: (worked[i], -i))
        left = Decimal(meal)
        for i in sorted(range(len(parts)), key=lambda i: (abs(i - first), i)):
            taken = min(left, worked[i])
            worked[i] -= taken
            left -= taken
    # str() keeps each Decimal's exponent: the figures must print the same too.
    return [(day, str(m)) for (day, _), m in zip(parts, worked, strict=True) if m > 0]


# A meal longer than its day's part (with and without its start), across three days.
@example(datetime(2026, 10, 5, 23, 50), 60 * 60, 45, 0.1, True)
@example(datetime(2026, 10, 5, 23, 0), 80 * 60, 240, None, True)
@example(datetime(2026, 10, 5, 22, 0), 50 * 3600, 120, 0.99, False)
# Across one midnight, the meal overflowing the later day (the larger part; its start).
@example(datetime(2026, 10, 5, 23, 50), 30 * 60, 25, None, False)
@example(datetime(2026, 10, 5, 22, 0), 130 * 60, 30, 0.9385, False)
# Exactly half on each day: the meal comes off the earlier.
@example(datetime(2026, 10, 5, 12, 0), 24 * 3600, 30, None, False)
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 1, 1)),
       length=st.integers(min_value=1, max_value=60 * 60 * 60),
       meal=st.integers(min_value=0, max_value=240),
       meal_at=st.none() | st.floats(min_value=0, max_value=1, exclude_max=True),
       whole_minutes=st.booleans())
def test_the_quick_paths_split_as_the_rule_is_stated(start: datetime, length: int, meal: int,
                                                     meal_at: float | None,
                                                     whole_minutes: bool) -> None:
    # Lengths in seconds (up to 60 hours); records hold whole minutes, so mostly those.
    if whole_minutes:
        start, length = start.replace(second=0, microsecond=0), length - length % 60 + 60
    start = start.replace(microsecond=0)
    end = start + timedelta(seconds=length)
    meal = min(meal, length // 60)
    meal_start = (None if meal_at is None
                  else start + timedelta(seconds=int(length * meal_at)))
    got = split_shift(Shift("S", 7, 2, start, end, meal, meal_start))
    assert [(e.work_date, str(e.minutes)) for e in got] == _split_as_stated(
        start, end, meal, meal_start)
