"""Worked time as the staffing rules read it: entries per calendar day, and shifts.

Hours count when they are **paid to work**, contract and agency staff included;
paid time off and meal breaks (paid or unpaid) do not count; a shift is split at
midnight onto the calendar day on which each part was worked (CMS PBJ Policy
Manual: midnight-to-midnight days since v2.1, meal deduction since v2.4).

Amounts are kept in **minutes** (``Decimal``) so that sums are exact: PBJ hours
are minutes ÷ 60, summed, then rounded once (:mod:`protocol.rules.staffing.pbj`).

Times are the facility's local wall-clock times, naive (as every record in
Chartkeep stores them); a shift's length is the wall-clock difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, TypeVar

from protocol.errors import ValidationError
from protocol.rules.calendar import ONE_DAY

MINUTES_PER_HOUR = Decimal(60)


class WorkEntry(NamedTuple):
    """Minutes worked by one person on one calendar day in one job title and pay type.

    A named tuple, immutable like the other facts: a large facility's quarter makes
    thirteen thousand of them, and a tuple is made several times faster than a
    frozen dataclass."""

    staff_id: str
    """Who worked (for a PBJ file: the PBJ employee id)."""
    job_title_code: int
    pay_type_code: int
    work_date: date
    minutes: Decimal

    @property
    def hours(self) -> Decimal:
        return self.minutes / MINUTES_PER_HOUR

    @classmethod
    def from_hours(cls, staff_id: str, job_title_code: int, pay_type_code: int,
                   work_date: date, hours: Decimal | str | int) -> WorkEntry:
        return cls(staff_id, job_title_code, pay_type_code, work_date,
                   Decimal(str(hours)) * MINUTES_PER_HOUR)


@dataclass(frozen=True)
class Shift:
    """One clock-in to clock-out, on site, with the meal break taken in it."""

    staff_id: str
    job_title_code: int
    pay_type_code: int
    clock_in: datetime
    clock_out: datetime
    meal_minutes: int = 0
    meal_start: datetime | None = None
    """When the meal began, if known: its minutes come off that calendar day."""

    def __post_init__(self) -> None:
        check_times(self.clock_in, self.clock_out, self.meal_minutes, self.meal_start)


def check_times(clock_in: datetime, clock_out: datetime, meal_minutes: int = 0,
                meal_start: datetime | None = None) -> None:
    """What a shift's clock and meal times must satisfy (raises ValidationError)."""
    if clock_out <= clock_in:
        raise ValidationError("clock_out", "must be after the clock-in")
    if meal_minutes and (meal_minutes < 0
                         or meal_minutes * 60 > (clock_out - clock_in).total_seconds()):
        raise ValidationError("meal_minutes", "must be between 0 and the shift's length")
    if meal_start is not None and not clock_in <= meal_start < clock_out:
        raise ValidationError("meal_start", "must fall inside the shift")


@dataclass(frozen=True)
class PaidLeave:
    """Paid time off (vacation, sick leave, holiday): never worked hours, but a
    week short of hours only because of it is a different finding."""

    staff_id: str
    day: date
    minutes: Decimal


MIDNIGHT = time()


def day_parts(start: datetime, end: datetime) -> list[tuple[date, Decimal]]:
    """Minutes of ``[start, end)`` on each calendar day it touches, in order."""
    parts: list[tuple[date, Decimal]] = []
    moment, day = start, start.date()
    while moment < end:
        next_day = day + ONE_DAY
        stop = min(end, datetime.combine(next_day, MIDNIGHT))
        parts.append((day, Decimal((stop - moment).total_seconds()) / 60))
        moment, day = stop, next_day
    return parts


def worked_days(clock_in: datetime, clock_out: datetime, meal_minutes: int = 0,
                meal_start: datetime | None = None) -> tuple[tuple[date, Decimal], ...]:
    """Minutes worked on each calendar day from clock-in to clock-out, the meal
    break taken off, days with nothing left out (raises ValidationError as a
    :class:`Shift` would).

    The meal comes off the day it began on when ``meal_start`` is known; else off
    the day holding most of the shift (the earlier day on a tie). Minutes the
    meal has beyond that day's part come off the other days, nearest first.
    """
    check_times(clock_in, clock_out, meal_minutes, meal_start)
    return _worked_days(clock_in, clock_out, meal_minutes, meal_start)


def _worked_days(clock_in: datetime, clock_out: datetime, meal_minutes: int,
                 meal_start: datetime | None) -> tuple[tuple[date, Decimal], ...]:
    # A report splits every shift of a quarter. Records keep clock times to the minute,
    # so the parts are whole minutes: counted as integers (:func:`_whole_minute_days`),
    # each made a Decimal once at the end, equal to the exact path's figure, exponent
    # included (``Decimal(28800) / 60`` is ``Decimal(480)``).
    if clock_in.second or clock_in.microsecond or clock_out.second or clock_out.microsecond:
        return _exact_worked_days(clock_in, clock_out, meal_minutes, meal_start)
    return tuple([(day, Decimal(minutes)) for day, minutes in
                  _whole_minute_days(clock_in, clock_out, meal_minutes, meal_start)])


ONE_MINUTE = timedelta(minutes=1)
MINUTES_PER_DAY = 24 * 60
Amount = TypeVar("Amount", int, Decimal)


def _whole_minute_days(clock_in: datetime, clock_out: datetime, meal_minutes: int,
                       meal_start: datetime | None) -> list[tuple[date, int]]:
    """:func:`_exact_worked_days` for clock times on whole minutes, in integer minutes."""
    return _split_minutes(clock_in.date(), (clock_out - clock_in) // ONE_MINUTE,
                          MINUTES_PER_DAY - clock_in.hour * 60 - clock_in.minute,
                          meal_minutes, meal_start)


def _split_minutes(day: date, length: int, before: int, meal_minutes: int,
                   meal_start: datetime | None) -> list[tuple[date, int]]:
    """A shift begun on ``day``, ``length`` minutes long, ``before`` of them up to
    the first midnight, split onto its days (:func:`_whole_minute_days`)."""
    if length <= before:  # within one day (most shifts)
        minutes = length - min(meal_minutes, length)
        return [(day, minutes)] if minutes > 0 else []
    after = length - before
    if after <= MINUTES_PER_DAY:  # across one midnight: two days
        if meal_minutes:
            # The meal's day, else the day with most of the shift (the earlier on a tie).
            on_first = meal_start.date() == day if meal_start is not None else before >= after
            if on_first:
                taken = min(meal_minutes, before)
                before, after = before - taken, after - min(meal_minutes - taken, after)
            else:
                taken = min(meal_minutes, after)
                before, after = before - min(meal_minutes - taken, before), after - taken
        return [part for part in ((day, before), (day + ONE_DAY, after)) if part[1] > 0]
    worked = [before]
    while after > MINUTES_PER_DAY:
        worked.append(MINUTES_PER_DAY)
        after -= MINUTES_PER_DAY
    worked.append(after)
    days = [day + timedelta(days=i) for i in range(len(worked))]
    if meal_minutes:
        _take_meal(worked, days, meal_minutes, meal_start)
    return [(d, minutes) for d, minutes in zip(days, worked, strict=True) if minutes > 0]


def _take_meal(worked: list[Amount], days: list[date], meal: Amount,
               meal_start: datetime | None) -> None:
    """The meal off its day's part, else off the day with most of the shift (the
    earlier on a tie); what the part cannot hold off the others, nearest (earlier) first."""
    first = (days.index(meal_start.date()) if meal_start is not None
             else worked.index(max(worked)))
    taken = min(meal, worked[first])
    worked[first] -= taken
    meal -= taken
    if meal:
        for index in sorted(range(len(worked)), key=lambda i: (abs(i - first), i))[1:]:
            taken = min(meal, worked[index])
            worked[index] -= taken
            meal -= taken


def _exact_worked_days(clock_in: datetime, clock_out: datetime, meal_minutes: int,
                       meal_start: datetime | None) -> tuple[tuple[date, Decimal], ...]:
    """The split in ``Decimal`` minutes, for clock times with seconds."""
    day = clock_in.date()
    midnight = datetime.combine(day + ONE_DAY, MIDNIGHT)
    if clock_out <= midnight:
        minutes = Decimal((clock_out - clock_in).total_seconds()) / 60
        if meal_minutes:
            minutes -= min(Decimal(meal_minutes), minutes)
        return ((day, minutes),) if minutes > 0 else ()
    if meal_minutes and clock_out <= midnight + ONE_DAY:  # across one midnight: two days
        before = Decimal((midnight - clock_in).total_seconds()) / 60
        after = Decimal((clock_out - midnight).total_seconds()) / 60
        meal = Decimal(meal_minutes)
        # The meal's day, else the day with most of the shift (the earlier on a tie).
        on_first = meal_start.date() == day if meal_start is not None else before >= after
        if on_first:
            taken = min(meal, before)
            before, after = before - taken, after - min(meal - taken, after)
        else:
            taken = min(meal, after)
            before, after = before - min(meal - taken, before), after - taken
        return tuple([part for part in ((day, before), (midnight.date(), after))
                      if part[1] > 0])
    parts = day_parts(clock_in, clock_out)
    worked = [minutes for _, minutes in parts]
    if meal_minutes:
        _take_meal(worked, [d for d, _ in parts], Decimal(meal_minutes), meal_start)
    return tuple([(d, minutes) for (d, _), minutes in zip(parts, worked, strict=True)
                  if minutes > 0])


def work_entries(staff_id: str, job_title_code: int, pay_type_code: int, clock_in: datetime,
                 clock_out: datetime, meal_minutes: int = 0,
                 meal_start: datetime | None = None) -> list[WorkEntry]:
    """One shift's entries: :func:`worked_days` made work entries (raises
    ValidationError as a :class:`Shift` would). What a report calls for each
    clocked hours record, without making the shift first."""
    if clock_in.second or clock_in.microsecond or clock_out.second or clock_out.microsecond:
        check_times(clock_in, clock_out, meal_minutes, meal_start)
        return [WorkEntry(staff_id, job_title_code, pay_type_code, day, minutes)
                for day, minutes in _exact_worked_days(clock_in, clock_out, meal_minutes,
                                                       meal_start)]
    length = (clock_out - clock_in) // ONE_MINUTE
    if not 0 <= meal_minutes <= length or length <= 0 or (
            meal_start is not None and not clock_in <= meal_start < clock_out):
        check_times(clock_in, clock_out, meal_minutes, meal_start)  # says what is wrong
    before = MINUTES_PER_DAY - clock_in.hour * 60 - clock_in.minute
    if length <= before:  # within one day (most shifts): as _whole_minute_days, unrolled
        minutes = length - meal_minutes
        return ([_entry(WorkEntry, (staff_id, job_title_code, pay_type_code, clock_in.date(),
                                    _DAY_MINUTES[minutes]))] if minutes > 0 else [])
    return [_entry(WorkEntry, (staff_id, job_title_code, pay_type_code, day,
                               _DAY_MINUTES[minutes]))
            for day, minutes in _split_minutes(clock_in.date(), length, before, meal_minutes,
                                               meal_start)]


# A report makes ten thousand entries: each made as the tuple it is (the named tuple's
# own constructor is a Python function, three times slower), its minutes one of the
# day's 1,441 Decimals made once (a part of a day is never more than a day; a Decimal
# never changes, so they are shared).
_entry = tuple.__new__
_DAY_MINUTES = tuple(Decimal(minutes) for minutes in range(MINUTES_PER_DAY + 1))


def split_shift(shift: Shift) -> tuple[WorkEntry, ...]:
    """The shift as worked minutes per calendar day, the meal break taken off
    (:func:`worked_days`)."""
    return tuple(work_entries(shift.staff_id, shift.job_title_code, shift.pay_type_code,
                              shift.clock_in, shift.clock_out, shift.meal_minutes,
                              shift.meal_start))


def entries_of(shifts: Iterable[Shift]) -> tuple[WorkEntry, ...]:
    """Every shift split onto its calendar days."""
    return tuple(entry for shift in shifts for entry in split_shift(shift))


def entry_from_record(fields: Mapping[str, Any]) -> WorkEntry:
    """A worked-hours record (``staff_id``, ``work_date``, ``hours`` as text such
    as ``"7.50"``, ``job_title_code``, ``pay_type_code``) as an entry."""
    try:
        return WorkEntry.from_hours(
            str(fields["staff_id"]), int(fields["job_title_code"]),
            int(fields["pay_type_code"]), date.fromisoformat(str(fields["work_date"])[:10]),
            Decimal(str(fields["hours"])))
    except KeyError as missing:
        raise ValidationError(str(missing.args[0]), "is required") from None
    except (ValueError, InvalidOperation) as bad:
        raise ValidationError("hours", f"cannot be read: {bad}") from None
