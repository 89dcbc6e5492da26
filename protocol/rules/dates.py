"""Date rules of records: what no real record can say.

A birth date, a day worked, an onset, an issue or verification date cannot
lie in the future; a license cannot expire before it was issued; a staff
member cannot leave before being hired. Stay dates (a discharge before the
admission, a return before the leave began) are in :mod:`protocol.rules.residents.stays`.

"Today" is the caller's: the terminal passes its local date. The server cannot
know a facility's local date exactly, so it passes
:func:`latest_facility_date` — the latest date it can be anywhere a facility
may be — and so refuses only what is certainly in the future; the terminal is
never less strict than the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from protocol.errors import ValidationError
from protocol.records import RecordKind
from protocol.rules.calendar import round_half_up

OLDEST_BIRTH_YEARS = 125
"""A birth date further back than this is a typing error, not a resident."""

LATEST_UTC_OFFSET = timedelta(hours=10)
"""The furthest-ahead time zone of a US facility (Guam and the Northern
Marianas, UTC+10): no facility's local date is later than UTC + 10 hours."""


@lru_cache(maxsize=64)
def latest_facility_date(now_ms: int) -> date:
    """The latest calendar date that is "today" for some US facility at ``now_ms``
    (remembered: every operation of a push batch asks it for the batch's time)."""
    return (datetime.fromtimestamp(now_ms / 1000, tz=UTC) + LATEST_UTC_OFFSET).date()


def latest_facility_time(now_ms: int) -> datetime:
    """The latest wall-clock time (naive, as records store clock times) that it can
    be at any US facility at ``now_ms``: what the server checks a clock time against."""
    return (datetime.fromtimestamp(now_ms / 1000, tz=UTC) + LATEST_UTC_OFFSET
            ).replace(tzinfo=None)


def day_of(value: Any) -> date | None:
    """The calendar date of ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` text (else None)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def moment_of(value: Any) -> datetime | None:
    """A date-and-time text as a naive datetime (None for a plain date)."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Records store naive wall-clock times; ``replace`` copies, so only an offset pays it
    # (a report reads every shift's clock times).
    return moment if moment.tzinfo is None else moment.replace(tzinfo=None)


def out_of_order(earlier: Any, later: Any) -> bool:
    """True when ``later`` comes before ``earlier``. Two date-and-times compare
    to the minute; when either is a plain date only the days are compared, so
    the same day is always in order. Unreadable values are left to the field
    checks (never out of order here)."""
    first_moment, second_moment = moment_of(earlier), moment_of(later)
    if first_moment is not None and second_moment is not None:
        return second_moment < first_moment
    first_day, second_day = day_of(earlier), day_of(later)
    if first_day is None or second_day is None:
        return False
    return second_day < first_day


def check_not_future(field: str, value: Any, today: date) -> None:
    day = day_of(value)
    if day is not None and day > today:
        raise ValidationError(field, "cannot be in the future")


def check_order(field: str, value: Any, earlier: Any, what: str) -> None:
    """Refuse ``value`` when it comes before ``earlier`` (``what`` names that date)."""
    if earlier is None or value is None:
        return
    if out_of_order(earlier, value):
        shown = str(earlier).replace("T", " ")
        raise ValidationError(field, f"cannot be before {what} ({shown})")


def _birth_date(fields: Mapping[str, Any], today: date) -> None:
    check_not_future("birth_date", fields.get("birth_date"), today)
    born = day_of(fields.get("birth_date"))
    if born is not None and born.year < today.year - OLDEST_BIRTH_YEARS:
        raise ValidationError("birth_date", f"cannot be more than {OLDEST_BIRTH_YEARS} "
                              "years ago")


def _not_future(name: str) -> Callable[[Mapping[str, Any], date], None]:
    def rule(fields: Mapping[str, Any], today: date) -> None:
        check_not_future(name, fields.get(name), today)

    return rule


def _after(name: str, earlier: str, what: str) -> Callable[[Mapping[str, Any], date], None]:
    def rule(fields: Mapping[str, Any], today: date) -> None:
        del today
        check_order(name, fields.get(name), fields.get(earlier), what)

    return rule


def clocked_hours(clock_in: datetime, clock_out: datetime, meal_minutes: int = 0) -> Decimal:
    """The hours an entry with clock times carries: clock-in to clock-out (across
    midnight if need be) less the meal, rounded half up to 2 decimals as PBJ hours are."""
    length = int((clock_out - clock_in).total_seconds() // 60)
    return round_half_up(Decimal(length - meal_minutes) / 60)


def _shift_times(fields: Mapping[str, Any], today: date) -> None:
    """A shift entered with its clock times: both times, in order, starting on the
    work date, the meal inside it, and the hours equal to clock-in to clock-out
    less the meal (:func:`clocked_hours`)."""
    clock_in, clock_out = moment_of(fields.get("clock_in")), moment_of(fields.get("clock_out"))
    if clock_in is None and clock_out is None:
        if fields.get("meal_start") or fields.get("meal_minutes"):
            raise ValidationError("clock_in", "a meal needs the shift's clock-in and clock-out")
        return
    if clock_in is None or clock_out is None:
        raise ValidationError("clock_in" if clock_in is None else "clock_out",
                              "is needed with the other clock time")
    if clock_out <= clock_in:
        raise ValidationError("clock_out", "must be after the clock-in")
    check_not_future("clock_out", fields.get("clock_out"), today)
    work_date = day_of(fields.get("work_date"))
    if work_date is not None and clock_in.date() != work_date:
        raise ValidationError("work_date", "must be the day the shift began (the clock-in date)")
    length = int((clock_out - clock_in).total_seconds() // 60)
    meal = int(fields.get("meal_minutes") or 0)
    if meal > length:
        raise ValidationError("meal_minutes", "cannot be longer than the shift")
    meal_start = moment_of(fields.get("meal_start"))
    if meal_start is not None and not clock_in <= meal_start < clock_out:
        raise ValidationError("meal_start", "must fall inside the shift")
    expected = clocked_hours(clock_in, clock_out, meal)
    hours = fields.get("hours")
    if hours is not None and Decimal(str(hours)) != expected:
        raise ValidationError("hours", f"must be {expected}: clock-in to clock-out less the "
                              f"{meal}-minute meal")


RULES: Mapping[RecordKind, tuple[tuple[frozenset[str], Callable[[Mapping[str, Any], date],
                                                               None]], ...]] = {
    RecordKind.RESIDENT: ((frozenset({"birth_date"}), _birth_date),),
    RecordKind.HOURS: (
        (frozenset({"work_date"}), _not_future("work_date")),
        (frozenset({"work_date", "hours", "clock_in", "clock_out", "meal_minutes",
                    "meal_start"}), _shift_times),
    ),
    RecordKind.ASSESSMENT: (
        *((frozenset({name}), _not_future(name))
          for name in ("determination_on", "completed_on", "caa_on", "care_plan_on",
                       "transmitted_on", "event_on")),
        # An MDS record is completed on or after the date it speaks for (Z0500B on or
        # after A2300, or the tracking record's event), and transmitted once completed.
        (frozenset({"completed_on", "ard"}),
         _after("completed_on", "ard", "the assessment reference date")),
        (frozenset({"completed_on", "event_on"}),
         _after("completed_on", "event_on", "the entry or death date")),
        (frozenset({"transmitted_on", "completed_on"}),
         _after("transmitted_on", "completed_on", "the completion date")),
    ),
    RecordKind.TRAINING: ((frozenset({"held_on"}), _not_future("held_on")),),
    RecordKind.REVIEW: ((frozenset({"reviewed_on"}), _not_future("reviewed_on")),),
    RecordKind.REGISTRY_CHECK: ((frozenset({"checked_on"}), _not_future("checked_on")),),
    RecordKind.DIAGNOSIS: ((frozenset({"onset_date"}), _not_future("onset_date")),),
    RecordKind.LICENSE: (
        (frozenset({"issued_on"}), _not_future("issued_on")),
        (frozenset({"verified_on"}), _not_future("verified_on")),
        (frozenset({"expires_on", "issued_on"}),
         _after("expires_on", "issued_on", "the issue date")),
    ),
    RecordKind.STAFF: (
        (frozenset({"termination_date", "hire_date"}),
         _after("termination_date", "hire_date", "the hire date")),
        (frozenset({"competent_on"}), _not_future("competent_on")),
    ),
}
"""The date rules of each kind, with the fields each one reads."""


SHIFT_END_READS = frozenset({"clock_out"})


def check_not_later(field: str, value: Any, now: datetime) -> None:
    """A clock time (``YYYY-MM-DDTHH:MM``) after ``now`` has not happened yet."""
    moment = moment_of(value)
    if moment is not None and moment > now:
        raise ValidationError(field, "cannot be in the future")


def check_record_dates(kind: RecordKind | str, fields: Mapping[str, Any], *, today: date,
                       now: datetime | None = None,
                       changed: Iterable[str] | None = None) -> None:
    """Check the date rules of one record's fields: a whole new record, or the
    record as it would be after an update (``changed`` then names the fields
    the update sets, and only the rules that read one of them are checked, so
    an old record is never refused for a date nobody touched). Raises
    :class:`ValidationError` naming the first field that breaks one.

    ``now`` (naive wall-clock time: the terminal's, or the server's
    :func:`latest_facility_time`) also refuses a shift's clock-out later today
    than now: a shift ending at 15:30 entered at 10:10 has not been worked."""
    touched = None if changed is None else frozenset(changed)
    for reads, rule in RULES.get(RecordKind(kind), ()):
        if touched is None or reads & touched:
            rule(fields, today)
    if now is not None and RecordKind(kind) is RecordKind.HOURS \
            and (touched is None or SHIFT_END_READS & touched):
        check_not_later("clock_out", fields.get("clock_out"), now)
