"""Release-of-information clocks, by hand (facility local time, federal holidays)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from protocol.errors import Refused
from protocol.rules.records.deadlines import ExtensionNotice
from protocol.rules.records.profile import (
    FEDERAL_FALLBACK,
    DeadlineUnit,
    RecordsProfile,
    StateDeadline,
)
from protocol.rules.records.requests import (
    RELEASE_NEEDS,
    Ask,
    Authority,
    ClockKind,
    Due,
    RecordRequest,
    check_request_extension,
    clock_kind,
    needs_authorization,
    request_clock,
    time_left,
)

THURSDAY = datetime(2026, 10, 1, 10, 0)  # no holiday near


def resident(at: datetime, ask: Ask, *, current: bool = True,
             authority: Authority = Authority.RESIDENT) -> RecordRequest:
    return RecordRequest(received_at=at, authority=authority, ask=ask, current_resident=current)


def due(at: datetime, ask: Ask, profile: RecordsProfile = FEDERAL_FALLBACK) -> Due:
    return request_clock(resident(at, ask), profile).due


def test_thursday_10_00_inspect_by_friday_10_00_copies_by_monday_10_00() -> None:
    assert due(THURSDAY, Ask.INSPECT) == Due(date(2026, 10, 2), time(10, 0))
    assert due(THURSDAY, Ask.COPIES) == Due(date(2026, 10, 5), time(10, 0))


def test_thanksgiving_is_not_counted() -> None:
    wednesday = datetime(2026, 11, 25, 10, 0)
    # Wed 10:00–24:00 = 14 h; Thu 26 Nov is Thanksgiving; Fri 27 00:00 + 10 h
    assert due(wednesday, Ask.INSPECT) == Due(date(2026, 11, 27), time(10, 0))
    # 14 h Wed + 24 h Fri = 38 h; weekend; Mon 30 Nov 00:00 + 10 h
    assert due(wednesday, Ask.COPIES) == Due(date(2026, 11, 30), time(10, 0))


def test_a_saturday_holiday_observed_on_friday_is_not_counted() -> None:
    # 4 July 2026 is a Saturday, observed Friday 3 July.
    thursday = datetime(2026, 7, 2, 14, 30)
    # Thu 14:30–24:00 = 9.5 h; Fri holiday; weekend; Mon 6 July 00:00 + 14.5 h
    assert due(thursday, Ask.INSPECT) == Due(date(2026, 7, 6), time(14, 30))
    # 9.5 + 24 (Mon) = 33.5 h; Tue 7 July 00:00 + 14.5 h
    assert due(thursday, Ask.COPIES) == Due(date(2026, 7, 7), time(14, 30))


def test_across_a_month_end_and_a_year_end() -> None:
    thursday = datetime(2026, 4, 30, 15, 0)
    # Thu 30 Apr 15:00 + 24 working hours = Fri 1 May 15:00; + 48 = Mon 4 May 15:00
    assert due(thursday, Ask.INSPECT) == Due(date(2026, 5, 1), time(15, 0))
    assert due(thursday, Ask.COPIES) == Due(date(2026, 5, 4), time(15, 0))
    new_years_eve = datetime(2026, 12, 31, 10, 0)
    # Thu 14 h; Fri 1 Jan 2027 New Year's Day; weekend; Mon 4 Jan + 10 h
    assert due(new_years_eve, Ask.INSPECT) == Due(date(2027, 1, 4), time(10, 0))
    assert due(new_years_eve, Ask.COPIES) == Due(date(2027, 1, 5), time(10, 0))


def test_a_weekend_request_starts_at_the_next_working_day() -> None:
    saturday = datetime(2026, 10, 3, 15, 0)
    # starts Mon 5 Oct 00:00: 24 h end at midnight → by the end of Monday
    assert due(saturday, Ask.INSPECT) == Due(date(2026, 10, 5))
    # 48 h: by the end of Tuesday 6 October
    assert due(saturday, Ask.COPIES) == Due(date(2026, 10, 6))


def test_a_holiday_request_starts_at_the_next_working_day() -> None:
    thanksgiving = datetime(2026, 11, 26, 9, 0)
    # starts Fri 27 Nov 00:00 → by the end of Friday; copies: Fri + Mon 30 Nov
    assert due(thanksgiving, Ask.INSPECT) == Due(date(2026, 11, 27))
    assert due(thanksgiving, Ask.COPIES) == Due(date(2026, 11, 30))


def test_the_facilitys_own_holidays_are_not_counted() -> None:
    facility = RecordsProfile(state="WA", holidays=frozenset({date(2026, 12, 24)}))
    wednesday = datetime(2026, 12, 23, 10, 0)
    # Wed 14 h; Thu 24 Dec (facility), Fri 25 Dec (Christmas), weekend; Mon 28 Dec + 10 h
    assert due(wednesday, Ask.INSPECT, facility) == Due(date(2026, 12, 28), time(10, 0))
    # federal calendar only: Thursday 24 Dec counts → Thursday 10:00
    assert due(wednesday, Ask.INSPECT) == Due(date(2026, 12, 24), time(10, 0))


def test_a_former_resident_falls_under_hipaa_30_days() -> None:
    request = resident(THURSDAY, Ask.INSPECT, current=False)
    clock = request_clock(request, FEDERAL_FALLBACK)
    assert clock.kind is ClockKind.HIPAA
    # 1 Oct + 30 = Saturday 31 Oct (no roll), by the end of the day
    assert clock.due == Due(date(2026, 10, 31))
    assert "164.524(b)(2)" in clock.basis


@pytest.mark.parametrize(("authority", "current", "ask", "kind"), [
    (Authority.RESIDENT, True, Ask.INSPECT, ClockKind.INSPECTION),
    (Authority.PERSONAL_REPRESENTATIVE, True, Ask.COPIES, ClockKind.COPIES),
    (Authority.PERSONAL_REPRESENTATIVE, False, Ask.COPIES, ClockKind.HIPAA),
    (Authority.ATTORNEY, True, Ask.COPIES, ClockKind.HIPAA),
    (Authority.INSURER, True, Ask.COPIES, ClockKind.HIPAA),
    (Authority.PROVIDER, True, Ask.COPIES, ClockKind.HIPAA),
    (Authority.COURT_ORDER, True, Ask.INSPECT, ClockKind.HIPAA),
    (Authority.SUBPOENA, False, Ask.COPIES, ClockKind.HIPAA),
    (Authority.SURVEY_AGENCY, True, Ask.INSPECT, ClockKind.HIPAA),
])
def test_which_clock(authority: Authority, current: bool, ask: Ask,
                     kind: ClockKind) -> None:
    assert clock_kind(resident(THURSDAY, ask, current=current, authority=authority)) is kind


def test_attorney_request_extended_on_day_30_but_not_on_day_31() -> None:
    request = RecordRequest(THURSDAY, Authority.ATTORNEY)
    # first due 31 Oct; the notice on 31 Oct (day 30) counts, to at most 30 Nov
    on_time = ExtensionNotice(date(2026, 10, 31), "archived records", date(2026, 11, 30))
    check_request_extension(request, [], on_time)
    clock = request_clock(request, FEDERAL_FALLBACK, [on_time])
    assert clock.due == Due(date(2026, 11, 30))
    assert clock.extension == on_time
    assert clock.basis.endswith("as extended")
    late = ExtensionNotice(date(2026, 11, 1), "archived records", date(2026, 11, 30))
    with pytest.raises(Refused) as refused:
        check_request_extension(request, [], late)
    assert refused.value.reason == "extension_notice_late"
    assert request_clock(request, FEDERAL_FALLBACK, [late]).due == Due(date(2026, 10, 31))


def test_a_residents_own_clock_has_no_extension() -> None:
    notice = ExtensionNotice(date(2026, 10, 1), "busy", date(2026, 10, 20))
    with pytest.raises(Refused) as refused:
        check_request_extension(resident(THURSDAY, Ask.COPIES), [], notice)
    assert refused.value.reason == "no_extension"
    # and a stored one is ignored
    assert request_clock(resident(THURSDAY, Ask.COPIES), FEDERAL_FALLBACK, [notice]).due \
        == Due(date(2026, 10, 5), time(10, 0))


def test_a_shorter_state_deadline_wins_even_over_an_extension() -> None:
    state = RecordsProfile(state="OR", hipaa_access_deadline=StateDeadline(
        15, DeadlineUnit.CALENDAR_DAYS, "state access rule"))
    request = RecordRequest(THURSDAY, Authority.ATTORNEY)
    clock = request_clock(request, state)
    # 1 Oct + 15 = 16 Oct, before the federal 31 Oct
    assert clock.due == Due(date(2026, 10, 16))
    assert clock.federal_due == Due(date(2026, 10, 31))
    assert clock.basis == "state deadline: 15 calendar days (state access rule)"
    extended = ExtensionNotice(date(2026, 10, 10), "archived", date(2026, 11, 20))
    assert request_clock(request, state, [extended]).due == Due(date(2026, 10, 16))


def test_a_longer_state_deadline_does_not_win() -> None:
    state = RecordsProfile(state="OR", hipaa_access_deadline=StateDeadline(
        45, DeadlineUnit.CALENDAR_DAYS))
    clock = request_clock(RecordRequest(THURSDAY, Authority.ATTORNEY), state)
    assert clock.due == Due(date(2026, 10, 31))
    assert clock.state_due == Due(date(2026, 11, 15))  # 1 Oct + 45
    assert "164.524" in clock.basis


def test_state_deadlines_in_working_hours_and_working_days() -> None:
    state = RecordsProfile(
        state="OR", inspection_deadline=StateDeadline(8, DeadlineUnit.WORKING_HOURS),
        copies_deadline=StateDeadline(1, DeadlineUnit.WORKING_DAYS))
    # Thu 10:00 + 8 working hours = Thu 18:00 (before the federal Fri 10:00)
    assert due(THURSDAY, Ask.INSPECT, state) == Due(date(2026, 10, 1), time(18, 0))
    # 1 working day after Thursday = Friday, by its end (before the federal Mon 10:00)
    assert due(THURSDAY, Ask.COPIES, state) == Due(date(2026, 10, 2))


def test_a_subpoenas_return_date_wins_when_earlier() -> None:
    request = RecordRequest(THURSDAY, Authority.SUBPOENA, respond_by=date(2026, 10, 20))
    clock = request_clock(request, FEDERAL_FALLBACK)
    assert clock.due == Due(date(2026, 10, 20))
    assert clock.basis == "the date set by the request itself"


def test_overdue_and_time_left() -> None:
    clock = request_clock(resident(THURSDAY, Ask.INSPECT), FEDERAL_FALLBACK)
    assert not clock.due.is_overdue(datetime(2026, 10, 2, 10, 0))
    assert clock.due.is_overdue(datetime(2026, 10, 2, 10, 1))
    assert time_left(clock, datetime(2026, 10, 2, 8, 30)) == timedelta(hours=1, minutes=30)
    end_of_day = Due(date(2026, 10, 31))
    assert not end_of_day.is_overdue(datetime(2026, 10, 31, 23, 59))
    assert end_of_day.is_overdue(datetime(2026, 11, 1, 0, 1))
    assert str(end_of_day) == "2026-10-31"
    assert str(clock.due) == "2026-10-02 10:00"


def test_who_needs_an_authorization() -> None:
    assert needs_authorization(Authority.ATTORNEY)
    assert needs_authorization(Authority.INSURER)
    assert not needs_authorization(Authority.INSURER, for_payment=True)
    for authority in (Authority.RESIDENT, Authority.PERSONAL_REPRESENTATIVE,
                      Authority.PROVIDER, Authority.COURT_ORDER, Authority.SURVEY_AGENCY):
        assert not needs_authorization(authority)
    assert set(RELEASE_NEEDS) == set(Authority)
    assert any("164.512(e)(1)(ii)" in need for need in RELEASE_NEEDS[Authority.SUBPOENA])
