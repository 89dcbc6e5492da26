"""A shift's clock times as the reports read them from an hours entry, once each (a
large facility's quarter is ten thousand entries)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from protocol.rules.dates import moment_of

ShiftTimes = tuple[datetime, datetime, int, datetime | None]
"""Clock-in, clock-out, meal minutes, meal start: a shift's times as read."""


def shift_times(data: Mapping[str, Any]) -> ShiftTimes | None:
    """Clock-in, clock-out, meal minutes and meal start of an entry with clock times;
    None without both, or when they cannot be read or do not make a shift."""
    clock_in, clock_out = data.get("clock_in"), data.get("clock_out")
    start: datetime | None
    end: datetime | None
    if clock_in.__class__ is str and clock_out.__class__ is str and "T" in clock_in \
            and "T" in clock_out:
        # What moment_of reads, its steps inline (a report reads ten thousand): a text
        # it cannot read is None, and so is the shift; an offset is dropped.
        try:
            start, end = _parse_moment(clock_in), _parse_moment(clock_out)
        except ValueError:
            return None
        if start.tzinfo is not None or end.tzinfo is not None:
            start, end = moment_of(clock_in), moment_of(clock_out)
    else:
        start, end = moment_of(clock_in), moment_of(clock_out)
    if start is None or end is None or end <= start:
        return None
    meal_start = data.get("meal_start")
    return start, end, int(data.get("meal_minutes") or 0), \
        None if meal_start is None else moment_of(meal_start)


_parse_moment = datetime.fromisoformat
