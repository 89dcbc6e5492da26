"""Date rules of records: what no real record can say.

A birth date, a day worked, an onset, an issue or verification date cannot
lie in the future; a license cannot expire before it was issued; a staff
member cannot leave before being hired. Stay dates (a discharge before the
admission, a return before the leave began) are in :mod:`protocol.rules.stays`.

"Today" is the caller's: the terminal passes its local date. The server cannot
know a facility's local date exactly, so it passes
:func:`latest_facility_date` — the latest date it can be anywhere a facility
may be — and so refuses only what is certainly in the future; the terminal is
never less strict than the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..errors import ValidationError
from ..records import RecordKind

OLDEST_BIRTH_YEARS = 125
"""A birth date further back than this is a typing error, not a resident."""

LATEST_UTC_OFFSET = timedelta(hours=10)
"""The furthest-ahead time zone of a US facility (Guam and the Northern
Marianas, UTC+10): no facility's local date is later than UTC + 10 hours."""


def latest_facility_date(now_ms: int) -> date:
    """The latest calendar date that is "today" for some US facility at ``now_ms``."""
    return (datetime.fromtimestamp(now_ms / 1000, tz=UTC) + LATEST_UTC_OFFSET).date()


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
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


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


def check_record_dates(kind: RecordKind | str, fields: Mapping[str, Any], *, today: date) -> None:
    """Check the date rules of one record's fields (a whole record, or the
    record as it would be after an update). Raises :class:`ValidationError`
    naming the first field that breaks one."""
    kind = RecordKind(kind)
    if kind is RecordKind.RESIDENT:
        check_not_future("birth_date", fields.get("birth_date"), today)
        born = day_of(fields.get("birth_date"))
        if born is not None and born.year < today.year - OLDEST_BIRTH_YEARS:
            raise ValidationError("birth_date", f"cannot be more than {OLDEST_BIRTH_YEARS} "
                                  "years ago")
    elif kind is RecordKind.HOURS:
        check_not_future("work_date", fields.get("work_date"), today)
    elif kind is RecordKind.DIAGNOSIS:
        check_not_future("onset_date", fields.get("onset_date"), today)
    elif kind is RecordKind.LICENSE:
        check_not_future("issued_on", fields.get("issued_on"), today)
        check_not_future("verified_on", fields.get("verified_on"), today)
        check_order("expires_on", fields.get("expires_on"), fields.get("issued_on"),
                    "the issue date")
    elif kind is RecordKind.STAFF:
        check_order("termination_date", fields.get("termination_date"),
                    fields.get("hire_date"), "the hire date")
