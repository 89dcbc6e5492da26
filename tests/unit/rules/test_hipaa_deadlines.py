"""HIPAA's 30/60-day clocks and their one extension, by hand."""

from __future__ import annotations

from datetime import date

import pytest

from protocol.errors import Refused, ValidationError
from protocol.rules.records.deadlines import (
    ACCESS_DAYS,
    ACCOUNTING_DAYS,
    AMENDMENT_DAYS,
    ExtensionNotice,
    check_extension,
    hipaa_due,
)

RECEIVED = date(2026, 3, 2)
# 2 March + 30 days: 29 days to 31 March, 1 more → Wednesday 1 April 2026.
FIRST_DUE = date(2026, 4, 1)


def notice(given_on: date, new_due_on: date, reason: str = "records stored off site",
           *, in_writing: bool = True) -> ExtensionNotice:
    return ExtensionNotice(given_on, reason, new_due_on, in_writing=in_writing)


def test_due_is_receipt_plus_30_days() -> None:
    clock = hipaa_due(RECEIVED, ACCESS_DAYS)
    assert clock.first_due_on == FIRST_DUE
    assert clock.due_on == FIRST_DUE
    assert clock.extension is None
    # 1 April + 30 days = 1 May
    assert clock.latest_extension_on == date(2026, 5, 1)


@pytest.mark.parametrize(("received", "days", "due"), [
    # 31 January 2026 + 28 days = 28 February, + 2 = 2 March (month end, common year)
    (date(2026, 1, 31), ACCESS_DAYS, date(2026, 3, 2)),
    # 31 January 2028 + 29 days = 29 February (leap year), + 1 = 1 March
    (date(2028, 1, 31), ACCESS_DAYS, date(2028, 3, 1)),
    # accounting: 31 January 2026 + 28 = 28 Feb (28), + 31 = 31 Mar (59), + 1 = 1 Apr (60)
    (date(2026, 1, 31), ACCOUNTING_DAYS, date(2026, 4, 1)),
    # amendment: 2 Nov 2026 + 28 = 30 Nov (28), + 31 = 31 Dec (59), + 1 = 1 Jan 2027 (60);
    # New Year's Day is a holiday but the date does not roll
    (date(2026, 11, 2), AMENDMENT_DAYS, date(2027, 1, 1)),
    # Friday 30 Oct 2026 + 30 = Sunday 29 Nov: no roll past the weekend
    (date(2026, 10, 30), ACCESS_DAYS, date(2026, 11, 29)),
    # Tuesday 27 Oct 2026 + 30 = Thursday 26 Nov, Thanksgiving: no roll either
    (date(2026, 10, 27), ACCESS_DAYS, date(2026, 11, 26)),
])
def test_calendar_days_never_roll(received: date, days: int, due: date) -> None:
    assert hipaa_due(received, days).due_on == due


def test_extension_given_on_day_30_counts() -> None:
    # Day 30 is the original due date itself: still within the first period.
    on_time = notice(FIRST_DUE, date(2026, 5, 1))
    check_extension(RECEIVED, ACCESS_DAYS, [], on_time)
    clock = hipaa_due(RECEIVED, ACCESS_DAYS, [on_time])
    assert clock.due_on == date(2026, 5, 1)
    assert clock.extension == on_time


def test_extension_given_on_day_31_is_void() -> None:
    late = notice(date(2026, 4, 2), date(2026, 5, 1))
    with pytest.raises(Refused) as refused:
        check_extension(RECEIVED, ACCESS_DAYS, [], late)
    assert refused.value.reason == "extension_notice_late"
    assert "2026-04-01" in refused.value.detail
    # stored anyway, it changes nothing: the request is due (and overdue) as before
    clock = hipaa_due(RECEIVED, ACCESS_DAYS, [late])
    assert clock.due_on == FIRST_DUE
    assert clock.extension is None
    assert clock.is_overdue(date(2026, 4, 2))
    assert not clock.is_overdue(date(2026, 4, 1))


def test_a_second_extension_is_refused_and_ignored() -> None:
    first = notice(date(2026, 3, 20), date(2026, 4, 20))
    second = notice(date(2026, 3, 25), date(2026, 5, 1))
    with pytest.raises(Refused) as refused:
        check_extension(RECEIVED, ACCESS_DAYS, [first], second)
    assert refused.value.reason == "extension_already_given"
    assert hipaa_due(RECEIVED, ACCESS_DAYS, [first, second]).due_on == date(2026, 4, 20)
    # the order they were recorded in does not matter: the first given counts
    assert hipaa_due(RECEIVED, ACCESS_DAYS, [second, first]).due_on == date(2026, 4, 20)


@pytest.mark.parametrize(("bad", "field", "detail"), [
    # 1 April + 30 = 1 May is the furthest; 2 May is one day too far
    (notice(date(2026, 3, 10), date(2026, 5, 2)), "new_due_on",
     "at most 30 days after the original due date (2026-05-01)"),
    (notice(date(2026, 3, 10), FIRST_DUE), "new_due_on", "must be after the current due date"),
    (notice(date(2026, 3, 10), date(2026, 4, 15), reason="  "), "reason", "state the reason"),
    (notice(date(2026, 3, 10), date(2026, 4, 15), in_writing=False), "in_writing",
     "written notice"),
    (notice(date(2026, 3, 1), date(2026, 4, 15)), "given_on", "before the request was received"),
])
def test_an_extension_needs_a_written_reason_and_a_date_at_most_30_days_later(
        bad: ExtensionNotice, field: str, detail: str) -> None:
    with pytest.raises(ValidationError) as invalid:
        check_extension(RECEIVED, ACCESS_DAYS, [], bad)
    assert invalid.value.field == field
    assert detail in invalid.value.reason
    assert hipaa_due(RECEIVED, ACCESS_DAYS, [bad]).due_on == FIRST_DUE


def test_a_notice_that_did_not_count_leaves_the_one_extension_unused() -> None:
    # An oral "notice" is no extension, so a proper written one later in the
    # first period is the first (and only) extension.
    oral = notice(date(2026, 3, 10), date(2026, 4, 15), in_writing=False)
    written = notice(date(2026, 3, 12), date(2026, 4, 25))
    check_extension(RECEIVED, ACCESS_DAYS, [oral], written)
    assert hipaa_due(RECEIVED, ACCESS_DAYS, [oral, written]).due_on == date(2026, 4, 25)


def test_accounting_extension_on_the_same_terms() -> None:
    # 31 January 2026 + 60 = 1 April; an extension may go to 1 April + 30 = 1 May
    received = date(2026, 1, 31)
    ok = notice(date(2026, 4, 1), date(2026, 5, 1))
    check_extension(received, ACCOUNTING_DAYS, [], ok)
    assert hipaa_due(received, ACCOUNTING_DAYS, [ok]).due_on == date(2026, 5, 1)
    with pytest.raises(Refused):
        check_extension(received, ACCOUNTING_DAYS, [], notice(date(2026, 4, 2),
                                                              date(2026, 5, 1)))
