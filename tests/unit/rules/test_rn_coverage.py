"""RN 8 consecutive hours, the DON, RN 24/7 and the full-time DON, by hand (docs/rules.md §2)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.errors import ValidationError
from protocol.rules.calendar import each_day
from protocol.rules.staffing.profile import DEFAULT_PROFILES, StaffingProfile
from protocol.rules.staffing.rn_coverage import (
    CoverageStatus,
    DayCoverage,
    DonStatus,
    Run,
    Waiver,
    full_time_don,
    rn_coverage,
)
from protocol.rules.staffing.worktime import PaidLeave, Shift, WorkEntry

FEDERAL, MD = DEFAULT_PROFILES["federal"], DEFAULT_PROFILES["MD"]
DAY = date(2026, 10, 5)
# Fiscal 2027Q1 is October–December 2026: a census of 80 for every day of it
# keeps the DON out of the count unless a test says otherwise.
FULL_HOUSE = dict.fromkeys(each_day(date(2026, 10, 1), date(2026, 12, 31)), 80)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def rn(start: str, end: str, code: int = 7, staff: str = "RN") -> Shift:
    return Shift(staff, code, 2, at(start), at(end))


def one_day(shifts: list[Shift], day: date = DAY, *, census: dict[date, int] | None = None,
            today: date = date(2026, 12, 31), day_start: time = time(),
            profile: StaffingProfile = FEDERAL) -> DayCoverage:
    [result] = rn_coverage(shifts, census or FULL_HOUSE, day, day, today=today,
                           profile=profile, day_start=day_start)
    return result


def test_back_to_back_rns_join_into_one_run() -> None:
    # §2: RN A 05:00–10:00 and RN B 10:00–14:00 give one 9-hour run: met.
    result = one_day([rn("2026-10-05T05:00", "2026-10-05T10:00", staff="A"),
                      rn("2026-10-05T10:00", "2026-10-05T14:00", staff="B")])
    assert result.runs == (Run(at("2026-10-05T05:00"), at("2026-10-05T14:00")),)
    assert result.status is CoverageStatus.MET
    assert result.words == "RN run of 9 h 00 min (05:00–14:00)"


def test_a_meal_taken_on_site_does_not_split_the_run() -> None:
    """Convention (ltc-rules §2): a meal break taken on site does not split a run. One
    RN 07:00–15:30 with a 30-minute meal at 11:00 covers 07:00–15:30 in one run of
    8 h 30 min (met); her worked time is 8 h. With the meal cut out the longest
    stretch would be 4 h 30 min."""
    shift = Shift("RN", 7, 2, at("2026-10-05T07:00"), at("2026-10-05T15:30"),
                  meal_minutes=30, meal_start=at("2026-10-05T11:00"))
    result = one_day([shift])
    assert result.runs == (Run(at("2026-10-05T07:00"), at("2026-10-05T15:30")),)
    assert result.status is CoverageStatus.MET


def test_a_ten_minute_gap_splits_the_run() -> None:
    # §2: if B starts at 10:10 the runs are 5 h and 3 h 50 min: not met.
    result = one_day([rn("2026-10-05T05:00", "2026-10-05T10:00", staff="A"),
                      rn("2026-10-05T10:10", "2026-10-05T14:00", staff="B")])
    assert [r.length for r in result.runs] == [timedelta(hours=5),
                                               timedelta(hours=3, minutes=50)]
    assert result.status is CoverageStatus.NOT_MET
    assert result.rn_minutes == 5 * 60 + 230  # 8 h 50 min of RN time, still not met
    assert result.words == ("longest RN run 5 h 00 min, 8 h needed "
                            "(05:00–10:00, 10:10–14:00)")


def test_eight_hours_exactly_meets_it_and_7_59_does_not() -> None:
    assert one_day([rn("2026-10-05T07:00", "2026-10-05T15:00")]).status is CoverageStatus.MET
    short = one_day([rn("2026-10-05T07:00", "2026-10-05T14:59")])
    assert short.status is CoverageStatus.NOT_MET
    assert short.longest == timedelta(hours=7, minutes=59)


def test_overlapping_shifts_join() -> None:
    # 06:00–12:00 and 11:00–15:00 overlap: one run 06:00–15:00 = 9 h.
    result = one_day([rn("2026-10-05T06:00", "2026-10-05T12:00", staff="A"),
                      rn("2026-10-05T11:00", "2026-10-05T15:00", staff="B")])
    assert result.longest == timedelta(hours=9)


def test_a_shift_across_midnight_counts_in_both_days() -> None:
    # Night RN 23:00–07:00, day RN 07:00–15:00 on the 6th. On the 5th the night
    # shift gives 23:00–24:00 (1 h); on the 6th, 00:00–15:00 = 15 h.
    shifts = [rn("2026-10-05T23:00", "2026-10-06T07:00", staff="N"),
              rn("2026-10-06T07:00", "2026-10-06T15:00", staff="D")]
    fifth, sixth = rn_coverage(shifts, FULL_HOUSE, DAY, DAY + timedelta(days=1),
                               today=date(2026, 12, 31), profile=FEDERAL)
    assert fifth.longest == timedelta(hours=1)
    assert fifth.status is CoverageStatus.NOT_MET
    assert sixth.longest == timedelta(hours=15)
    assert sixth.status is CoverageStatus.MET


def test_a_facility_day_starting_at_19_00() -> None:
    # Day "5 Oct" = 5 Oct 19:00 → 6 Oct 19:00. A: 19:00–03:00 = 8 h (met).
    # B 6 Oct 15:00–23:00 crosses 19:00: 15:00–19:00 in day 5, 19:00–23:00 in day 6,
    # where it joins C 23:00–03:00 into 19:00–03:00 = 8 h (met).
    shifts = [rn("2026-10-05T19:00", "2026-10-06T03:00", staff="A"),
              rn("2026-10-06T15:00", "2026-10-06T23:00", staff="B"),
              rn("2026-10-06T23:00", "2026-10-07T03:00", staff="C")]
    fifth, sixth = rn_coverage(shifts, FULL_HOUSE, DAY, DAY + timedelta(days=1),
                               today=date(2026, 12, 31), profile=FEDERAL,
                               day_start=time(19, 0))
    assert fifth.starts_at == at("2026-10-05T19:00")
    assert fifth.ends_at == at("2026-10-06T19:00")
    assert [r.length for r in fifth.runs] == [timedelta(hours=8), timedelta(hours=4)]
    assert fifth.status is CoverageStatus.MET
    assert sixth.runs == (Run(at("2026-10-06T19:00"), at("2026-10-07T03:00")),)
    assert sixth.status is CoverageStatus.MET
    assert sixth.words == "RN run of 8 h 00 min (19:00–03:00 (+1))"


def january(first_five: int, last_five: int) -> dict[date, int]:
    return {d: first_five if d.day <= 5 else last_five
            for d in each_day(date(2027, 1, 1), date(2027, 1, 10))}


def test_the_don_counts_at_occupancy_60_not_61() -> None:
    # 1–10 January 2027, today the 10th: ADC of the quarter to date.
    don = [rn("2027-01-10T08:00", "2027-01-10T16:00", code=5, staff="DON")]
    at_60 = one_day(don, date(2027, 1, 10), census=january(60, 60), today=date(2027, 1, 10))
    assert at_60.occupancy == 60
    assert at_60.don_countable
    assert at_60.status is CoverageStatus.MET
    # Five days of 62 and five of 60: 610 ÷ 10 = 61 > 60.
    at_61 = one_day(don, date(2027, 1, 10), census=january(62, 60), today=date(2027, 1, 10))
    assert at_61.occupancy == 61
    assert not at_61.don_countable
    assert at_61.status is CoverageStatus.NOT_MET
    assert not at_61.no_rn_hours  # the DON's hours are RN hours for that flag
    assert at_61.words == ("RN hours, but only the DON's: at an average daily occupancy of "
                           "61.00 the DON cannot be the RN on duty")


def test_the_occupancy_limit_compares_the_unrounded_average() -> None:
    # §0: thresholds compare unrounded values. October–December 2026 (92 days,
    # closed on 10 January): 60 every day but one day of 61 → 5,521 ÷ 92 = 60.0109…,
    # over 60 although it shows as 60.01: the DON is not the RN on duty.
    census = dict.fromkeys(FULL_HOUSE, 60)
    census[date(2026, 11, 1)] = 61
    don = [rn("2026-12-15T08:00", "2026-12-15T16:00", code=5, staff="DON")]
    result = one_day(don, date(2026, 12, 15), census=census, today=date(2027, 1, 10))
    assert result.occupancy == Decimal(5521) / 92
    assert not result.don_countable
    assert result.status is CoverageStatus.NOT_MET
    assert "average daily occupancy of 60.01" in result.words


def test_a_facility_day_across_a_quarter_takes_the_occupancy_of_the_day_it_starts() -> None:
    # The DON works 1 January 2027 00:00–08:00. October–December averaged 80 (the
    # DON cannot be the RN on duty), January so far 50 (she can). With a 19:00 day
    # start those hours fall in the facility day "31 December", judged on the
    # quarter of 31 December; with midnight days, in "1 January", on January's.
    census = {**FULL_HOUSE, **dict.fromkeys(each_day(date(2027, 1, 1), date(2027, 1, 10)), 50)}
    don = [rn("2027-01-01T00:00", "2027-01-01T08:00", code=5, staff="DON")]
    evening = one_day(don, date(2026, 12, 31), census=census, today=date(2027, 1, 10),
                      day_start=time(19, 0))
    assert (evening.occupancy, evening.don_countable, evening.status) == (
        80, False, CoverageStatus.NOT_MET)
    midnight = one_day(don, date(2027, 1, 1), census=census, today=date(2027, 1, 10))
    assert (midnight.occupancy, midnight.don_countable, midnight.status) == (
        50, True, CoverageStatus.MET)


def test_don_and_rn_join_only_when_the_don_counts() -> None:
    shifts = [rn("2027-01-10T06:00", "2027-01-10T10:00", code=5, staff="DON"),
              rn("2027-01-10T10:00", "2027-01-10T14:00", staff="B")]
    day = date(2027, 1, 10)
    assert one_day(shifts, day, census=january(60, 60), today=day).longest == timedelta(hours=8)
    assert one_day(shifts, day, census=january(62, 60), today=day).longest == timedelta(hours=4)


def test_occupancy_is_the_quarter_to_date() -> None:
    # Judging 5 January with today = 10 January: the quarter so far is 1–10
    # January, (5 × 62 + 5 × 58) ÷ 10 = 60, so the DON counts, although 1–5
    # January alone average 62.
    day = date(2027, 1, 5)
    don = [rn("2027-01-05T08:00", "2027-01-05T16:00", code=5, staff="DON")]
    result = one_day(don, day, census=january(62, 58), today=date(2027, 1, 10))
    assert result.occupancy == 60
    assert result.status is CoverageStatus.MET
    # A closed quarter uses all its days: 15 December 2026 → 1 Oct–31 Dec (92 days).
    census = dict(FULL_HOUSE)
    census[date(2026, 10, 1)] = 80 + 92  # the total rises by 92: ADC 81
    assert one_day([], date(2026, 12, 15), census=census,
                   today=date(2027, 1, 10)).occupancy == 81


def test_occupancy_needs_the_census_of_the_quarter_so_far() -> None:
    with pytest.raises(ValidationError, match="2027-01-01"):
        one_day([], date(2027, 1, 10), census={date(2027, 1, 10): 50}, today=date(2027, 1, 10))


def test_waived_days_are_waived_not_failed() -> None:
    days = rn_coverage([], FULL_HOUSE, DAY, DAY + timedelta(days=2), today=date(2026, 12, 31),
                       profile=FEDERAL, waivers=[Waiver(DAY, DAY + timedelta(days=1))])
    assert [d.status for d in days] == [CoverageStatus.WAIVED, CoverageStatus.WAIVED,
                                        CoverageStatus.NOT_MET]
    assert all(d.no_rn_hours for d in days)  # still reported as days without RN hours
    assert days[0].words == "waived; no RN hours at all"


def test_rn_hours_that_are_not_rn_codes_do_not_count() -> None:
    lpn = one_day([rn("2026-10-05T07:00", "2026-10-05T19:00", code=9)])
    assert lpn.no_rn_hours
    assert lpn.status is CoverageStatus.NOT_MET


def test_rn_24_7_needs_the_whole_day_covered() -> None:
    shifts = [rn("2026-10-05T00:00", "2026-10-05T08:00", staff="A"),
              rn("2026-10-05T08:00", "2026-10-05T16:00", staff="B"),
              rn("2026-10-05T16:00", "2026-10-06T00:00", staff="C")]
    assert one_day(shifts, profile=MD).all_day is True
    gap = [*shifts[:2], rn("2026-10-05T16:00", "2026-10-05T23:59", staff="C")]
    short = one_day(gap, profile=MD)
    assert short.all_day is False
    assert short.status is CoverageStatus.MET  # the federal 8 hours are still met
    assert short.words.endswith("no RN on duty for part of the day (24-hour RN required)")
    assert one_day(shifts).all_day is None  # the federal profile does not ask


# --- full-time DON -------------------------------------------------------------------------------


def don(day: date, hours: str, staff: str = "D1", code: int = 5) -> WorkEntry:
    return WorkEntry.from_hours(staff, code, 1, day, Decimal(hours))


def weekdays(first: date, count: int, hours: str = "8", staff: str = "D1") -> list[WorkEntry]:
    return [don(first + timedelta(days=i), hours, staff) for i in range(count)]


def test_forty_hours_a_week_coded_5() -> None:
    # Weeks Sun 4 – Sat 10 and Sun 11 – Sat 17 October 2026. Week 1: 5 × 8 = 40
    # (met). Week 2: 4 × 8 + 7.75 = 39.75 (not met); code-7 hours do not count.
    entries = weekdays(date(2026, 10, 5), 5) + weekdays(date(2026, 10, 12), 4)
    entries += [don(date(2026, 10, 16), "7.75"), don(date(2026, 10, 17), "8", code=7)]
    first, second = full_time_don(entries, date(2026, 10, 4), date(2026, 10, 17), FEDERAL)
    assert (first.start, first.end, first.hours, first.status) == (
        date(2026, 10, 4), date(2026, 10, 10), 40, DonStatus.MET)
    assert (second.hours, second.status) == (Decimal("39.75"), DonStatus.NOT_MET)
    assert second.words == "D1: 39.75 h coded 5 (DON), below the 40 hours of a full-time DON"


def test_a_week_short_only_because_of_paid_leave_is_for_review() -> None:
    # 4 × 8 = 32 h worked + 8 h paid leave on Friday = 40: review, not a violation.
    entries = weekdays(date(2026, 10, 12), 4)
    leave = [PaidLeave("D1", date(2026, 10, 16), Decimal(480))]
    [week] = full_time_don(entries, date(2026, 10, 11), date(2026, 10, 17), FEDERAL,
                           leave=leave)
    assert week.status is DonStatus.REVIEW
    assert week.words == ("D1: 32.00 h coded 5 (DON), below 40 hours only because of 8.00 h "
                          "of paid leave: review")
    [week] = full_time_don(entries, date(2026, 10, 11), date(2026, 10, 17), FEDERAL,
                           leave=[dataclasses.replace(leave[0], minutes=Decimal(420))])
    assert week.status is DonStatus.NOT_MET  # 32 + 7 = 39


def test_a_week_cut_by_the_period_is_incomplete_when_short() -> None:
    # The period starts Thursday 1 October: its week began Sunday 27 September.
    entries = weekdays(date(2026, 10, 1), 2)
    [week] = full_time_don(entries, date(2026, 10, 1), date(2026, 10, 3), FEDERAL)
    assert (week.start, week.status) == (date(2026, 9, 27), DonStatus.INCOMPLETE)
    # Given the week's earlier days, the same week is judged: 5 × 8 = 40.
    entries += weekdays(date(2026, 9, 28), 3)
    [week] = full_time_don(entries, date(2026, 10, 1), date(2026, 10, 3), FEDERAL)
    assert week.status is DonStatus.MET


def test_the_don_is_whoever_has_most_code_5_hours_unless_named() -> None:
    entries = weekdays(date(2026, 10, 5), 3, staff="D1") + weekdays(date(2026, 10, 5), 5, "4",
                                                                      staff="D2")
    [week] = full_time_don(entries, date(2026, 10, 4), date(2026, 10, 10), FEDERAL)
    assert (week.staff_id, week.hours) == ("D1", 24)
    [week] = full_time_don(entries, date(2026, 10, 4), date(2026, 10, 10), FEDERAL,
                           don_staff_id="D2")
    assert (week.staff_id, week.hours) == ("D2", 20)


def test_a_payroll_week_from_the_profile() -> None:
    # Monday weeks: Mon 5 – Sun 11 October holds all five 8-hour days.
    monday = dataclasses.replace(FEDERAL, week_start=0)
    [week] = full_time_don(weekdays(date(2026, 10, 5), 5), date(2026, 10, 5),
                           date(2026, 10, 11), monday)
    assert (week.start, week.end, week.status) == (date(2026, 10, 5), date(2026, 10, 11),
                                                   DonStatus.MET)


@given(st.lists(st.tuples(st.integers(0, 47), st.integers(1, 24)), max_size=6))
def test_runs_are_disjoint_gapped_and_cover_exactly_the_shifts(
        pieces: list[tuple[int, int]]) -> None:
    # Shifts start on a half hour of the day and last 30 minutes to 12 hours.
    base = at("2026-10-05T00:00")
    shifts = [Shift(f"S{i}", 7, 2, base + timedelta(minutes=30 * s),
                    base + timedelta(minutes=30 * (s + n))) for i, (s, n) in enumerate(pieces)]
    day = one_day(shifts)
    for earlier, later in itertools.pairwise(day.runs):
        assert earlier.end < later.start  # touching or overlapping runs were joined
    covered = {m for r in day.runs for m in range(int((r.start - base).total_seconds() // 60),
                                                   int((r.end - base).total_seconds() // 60))}
    worked = {m for s in shifts for m in range(int((s.clock_in - base).total_seconds() // 60),
                                               int((s.clock_out - base).total_seconds() // 60))
              if m < 24 * 60}
    assert covered == worked
    assert (day.status is CoverageStatus.MET) == any(r.length >= timedelta(hours=8)
                                                     for r in day.runs)


# --- the nights the clocks change (reference §2: 8 consecutive hours) ------------------------


def _dst_facts(state: str, day: str, clock_in: str, clock_out: str) -> Any:
    from protocol.reports.facts import FacilityFacts, Row

    stay = {"resident_id": "R1", "admitted_at": "2026-01-02", "status": "active"}
    hours = {"staff_id": "N1", "work_date": clock_in[:10], "hours": "1.00",
             "job_title_code": 7, "pay_type_code": 2, "clock_in": clock_in,
             "clock_out": clock_out, "meal_minutes": 0}
    return FacilityFacts.from_rows(Row("facility", "A", {"state_code": state}), [
        Row("resident", "R1", {"family_name": "Lund", "given_name": "Ada"}),
        Row("stay", "S1", stay),
        Row("staff", "N1", {"family_name": "Ng", "given_name": "Mae"}),
        Row("hours", "H1", hours)])


@pytest.mark.parametrize(("state", "day", "clock_in", "clock_out", "status", "run"), [
    # 8 March 2026, clocks spring forward at 02:00 in New York: 7 hours passed.
    ("NY", "2026-03-08", "2026-03-08T00:00", "2026-03-08T08:00", CoverageStatus.NOT_MET,
     timedelta(hours=7)),
    # 1 November 2026, clocks fall back at 02:00: 00:00–07:00 is 8 hours.
    ("NY", "2026-11-01", "2026-11-01T00:00", "2026-11-01T07:00", CoverageStatus.MET,
     timedelta(hours=8)),
    # Arizona keeps no summer time: the wall clock is the time that passed.
    ("AZ", "2026-03-08", "2026-03-08T00:00", "2026-03-08T08:00", CoverageStatus.MET,
     timedelta(hours=8)),
])
def test_an_rn_run_is_the_time_that_really_passed_on_the_nights_the_clocks_change(
        state: str, day: str, clock_in: str, clock_out: str, status: CoverageStatus,
        run: timedelta) -> None:
    from protocol.reports.staffing import staffing_findings

    on = date.fromisoformat(day)
    findings = staffing_findings(_dst_facts(state, day, clock_in, clock_out), on, on,
                                 on + timedelta(days=3))
    coverage = findings.coverage_on(on)
    assert coverage is not None
    assert (coverage.status, coverage.longest) == (status, run)
