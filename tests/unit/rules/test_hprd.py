"""Hours per resident day, by hand from docs/rules.md §2."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from protocol.errors import ValidationError
from protocol.rules.calendar import each_day
from protocol.rules.staffing.hprd import (
    RiskKind,
    assess_staffing,
    daily_staffing,
    days_without_rn_hours,
    risk_flags,
)
from protocol.rules.staffing.profile import DEFAULT_PROFILES, Basis, Category
from protocol.rules.staffing.worktime import WorkEntry

NY, FL = DEFAULT_PROFILES["NY"], DEFAULT_PROFILES["FL"]
BENCHMARK, FEDERAL = DEFAULT_PROFILES["benchmark-2024"], DEFAULT_PROFILES["federal"]


def work(day: date, code: int, hours: str, staff: str = "S", pay: int = 2) -> WorkEntry:
    return WorkEntry.from_hours(staff, code, pay, day, Decimal(hours))


def team(day: date, rn: str = "0", lpn: str = "0", aide: str = "0") -> list[WorkEntry]:
    """One day's hours, one entry per category (codes 7, 9 and 10)."""
    return [work(day, code, hours, f"{code}-{day}") for code, hours in
            ((7, rn), (9, lpn), (10, aide)) if Decimal(hours)]


def test_the_reference_example_100_residents_90_days_31320_hours_is_3_48() -> None:
    # 1 Oct – 29 Dec 2026 is 31 + 30 + 29 = 90 days; 100 residents each midnight =
    # 9,000 resident days. Each day: 5 RNs × 11 h = 55, 8 LPNs × 10.5 h = 84,
    # 19 aides × 11 h = 209; 348 h a day × 90 = 31,320 h.
    start, end = date(2026, 10, 1), date(2026, 12, 29)
    entries = []
    for day in each_day(start, end):
        entries += [work(day, 7, "11", f"rn{i}") for i in range(5)]
        entries += [work(day, 9, "10.5", f"lpn{i}") for i in range(8)]
        entries += [work(day, 10, "11", f"na{i}") for i in range(19)]
    census = dict.fromkeys(each_day(start, end), 100)
    result = assess_staffing(entries, census, start, end, BENCHMARK)
    assert result.resident_days == 9000
    assert result.minutes(Category.TOTAL) / 60 == 31320
    assert result.hprd(Category.TOTAL) == Decimal("3.48")
    assert result.hprd(Category.RN) == Decimal("0.55")   # 4,950 ÷ 9,000
    assert result.hprd(Category.LPN) == Decimal("0.84")  # 7,560 ÷ 9,000
    assert result.hprd(Category.AIDE) == Decimal("2.09")  # 18,810 ÷ 9,000
    # 3.48 exactly meets 3.48, 0.55 meets 0.55; 2.09 is below 2.45.
    met = {(j.minimum.category, j.met) for j in result.judgements}
    assert met == {(Category.TOTAL, True), (Category.RN, True), (Category.AIDE, False)}
    [short] = result.shortfalls
    assert result.words(short) == (
        "2026-10-01 to 2026-12-29: nurse aide over the period 2.09 HPRD is below the 2.45 "
        "benchmark, informational only, not a legal minimum; 18810.00 h for 9000 resident days")


def test_the_period_figure_is_never_a_mean_of_daily_ratios() -> None:
    # Day 1: 40 h for 10 residents = 4.0; day 2: 60 h for 30 = 2.0. The mean of
    # the ratios would be 3.0; the rule gives 100 h ÷ 40 resident days = 2.5.
    d1, d2 = date(2026, 10, 1), date(2026, 10, 2)
    entries = team(d1, aide="40") + team(d2, aide="60")
    result = assess_staffing(entries, {d1: 10, d2: 30}, d1, d2, FEDERAL)
    assert [d.hprd(Category.TOTAL) for d in result.days] == [Decimal(4), Decimal(2)]
    assert result.hprd(Category.TOTAL) == Decimal("2.5")


def test_a_zero_census_day_has_no_value_but_its_hours_count() -> None:
    # Census 50, 0, 50; hours 200, 30, 200. Day 2 has no HPRD and is not judged;
    # the period is 430 h ÷ 100 resident days = 4.3.
    d1, d2, d3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
    entries = (team(d1, rn="50", lpn="20", aide="130") + team(d2, rn="30")
               + team(d3, rn="50", lpn="20", aide="130"))
    result = assess_staffing(entries, {d1: 50, d2: 0, d3: 50}, d1, d3, NY)
    assert result.days[1].hprd(Category.TOTAL) is None
    assert result.days[1].hours(Category.TOTAL) == 30
    assert result.zero_census_days == (d2,)
    assert result.hprd(Category.TOTAL) == Decimal("4.3")
    day2 = [j for j in result.judgements if j.start == d2]
    assert len(day2) == 3  # total, aide, licensed
    assert all(j.met is None for j in day2)
    assert "has no value (census 0)" in result.words(day2[0])
    assert result.meets_profile


def test_new_york_judges_each_day() -> None:
    # Census 40: RN 20 h + LPN 24 h + aides 84 h. Total 128 ÷ 40 = 3.2 < 3.5;
    # aide 84 ÷ 40 = 2.1 < 2.2; licensed 44 ÷ 40 = 1.1, exactly the minimum.
    day = date(2026, 10, 7)
    result = assess_staffing(team(day, rn="20", lpn="24", aide="84"), {day: 40}, day, day, NY)
    failed = {j.minimum.category: j.hprd for j in result.shortfalls}
    assert failed == {Category.TOTAL: Decimal("3.2"), Category.AIDE: Decimal("2.1")}
    licensed = next(j for j in result.judgements if j.minimum.category is Category.LICENSED)
    assert licensed.met is True
    total = next(j for j in result.shortfalls if j.minimum.category is Category.TOTAL)
    assert result.words(total) == ("2026-10-07: total nurse staff 3.20 HPRD is below the 3.5 "
                                   "minimum; 128.00 h for 40 resident days")


def florida_week(aides_on_wednesday: str) -> list[WorkEntry]:
    # Sunday 4 – Saturday 10 October 2026, census 40 a day (280 resident days).
    # Licensed 40 h a day (RN 16 + LPN 24); aides 110 h Sun–Tue and Sat (4 days),
    # 96 h Thu and Fri, and the Wednesday figure given.
    entries = []
    for day in each_day(date(2026, 10, 4), date(2026, 10, 10)):
        aides = {2: aides_on_wednesday, 3: "96", 4: "96"}.get(day.weekday(), "110")
        entries += team(day, rn="16", lpn="24", aide=aides)
    return entries


def test_florida_total_is_a_weekly_average_cna_and_licensed_are_daily() -> None:
    # Totals: 4 × 150 + 3 × 136 = 1,008 h ÷ 280 = 3.6 exactly: met, although
    # Wed–Fri are 3.4 on their own. Aides ≥ 96 ÷ 40 = 2.4 ≥ 2.0; licensed 1.0.
    start, end = date(2026, 10, 4), date(2026, 10, 10)
    census = dict.fromkeys(each_day(start, end), 40)
    result = assess_staffing(florida_week("96"), census, start, end, FL)
    weekly = [j for j in result.judgements if j.minimum.basis is Basis.WEEK]
    assert [(j.start, j.end, j.hprd, j.partial) for j in weekly] == [
        (start, end, Decimal("3.6"), False)]
    assert result.meets_profile
    # Wednesday's aides 76 h: the week is 988 ÷ 280 = 3.528…, below 3.6, and
    # Wednesday's CNA 76 ÷ 40 = 1.9 is below 2.0.
    result = assess_staffing(florida_week("76"), census, start, end, FL)
    assert {(j.minimum.category, j.start, j.end) for j in result.shortfalls} == {
        (Category.TOTAL, start, end), (Category.AIDE, date(2026, 10, 7), date(2026, 10, 7))}
    week = next(j for j in result.shortfalls if j.minimum.basis is Basis.WEEK)
    assert week.hprd is not None
    assert Decimal("3.528") < week.hprd < Decimal("3.529")


def test_weeks_cut_by_the_period_are_marked_partial() -> None:
    # 1 October 2026 is a Thursday: the first window is Thu 1 – Sat 3 (partial).
    start, end = date(2026, 10, 1), date(2026, 10, 10)
    census = dict.fromkeys(each_day(start, end), 40)
    entries = florida_week("96") + [e for d in each_day(start, date(2026, 10, 3))
                                    for e in team(d, rn="16", lpn="24", aide="110")]
    weekly = [j for j in assess_staffing(entries, census, start, end, FL).judgements
              if j.minimum.basis is Basis.WEEK]
    assert [(j.start, j.end, j.partial) for j in weekly] == [
        (start, date(2026, 10, 3), True), (date(2026, 10, 4), end, False)]


def test_which_codes_count_is_the_profiles() -> None:
    # The DON (code 5) is an RN for CMS, but not direct care in California.
    day = date(2026, 10, 5)
    entries = [work(day, 5, "8"), work(day, 7, "8", "B")]
    [row] = daily_staffing(entries, {day: 10}, day, day, DEFAULT_PROFILES["CA"])
    assert row.hours(Category.RN) == 16
    assert row.hours(Category.DIRECT_CARE) == 8


def test_every_day_needs_a_census() -> None:
    day = date(2026, 10, 5)
    with pytest.raises(ValidationError, match="no midnight census for 2026-10-06"):
        assess_staffing([], {day: 10}, day, day + timedelta(days=1), NY)
    with pytest.raises(ValidationError, match="negative"):
        assess_staffing([], {day: -1}, day, day, NY)


def test_four_days_in_a_quarter_without_rn_hours_is_a_cms_flag() -> None:
    # 1–10 January 2027 (fiscal 2027Q2). RN hours every day but the 3rd, 4th and
    # 5th; on the 6th only the DON works, and her hours count as RN hours.
    start, end = date(2027, 1, 1), date(2027, 1, 10)
    gaps = {date(2027, 1, 3), date(2027, 1, 4), date(2027, 1, 5)}
    entries = [work(d, 7, "8") for d in each_day(start, end)
               if d not in gaps and d != date(2027, 1, 6)]
    entries.append(work(date(2027, 1, 6), 5, "8", "DON"))
    entries += [work(d, 10, "8", "NA") for d in each_day(start, end)]
    assert days_without_rn_hours(entries, start, end) == tuple(sorted(gaps))
    assert not [f for f in risk_flags(entries, start, end) if f.kind is RiskKind.NO_RN_DAYS]
    entries = [e for e in entries if e.work_date != date(2027, 1, 7)]
    [flag] = [f for f in risk_flags(entries, start, end) if f.kind is RiskKind.NO_RN_DAYS]
    assert len(flag.days) == 4
    assert flag.words.startswith("4 days in 2027Q2 with no RN hours")


def test_the_no_rn_count_is_per_quarter() -> None:
    # 29 Dec 2026 – 3 Jan 2027 with no RN at all: 3 days in 2027Q1 and 3 in
    # 2027Q2; six days, but no quarter reaches 4.
    start, end = date(2026, 12, 29), date(2027, 1, 3)
    assert len(days_without_rn_hours([], start, end)) == 6
    assert not risk_flags([], start, end)


def test_400_hours_in_a_month_and_22_5_hours_in_a_day() -> None:
    # E1: 13.5 h × 30 days of November = 405 h > 400: flagged. E2: 20 h × 20 days
    # = 400 h exactly: not. E3: 12 h (LPN) + 10.5 h (aide) on 3 Nov = 22.5: not;
    # E4: 12 + 10.75 = 22.75 > 22.5: flagged.
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    entries = [work(d, 10, "13.5", "E1") for d in each_day(start, end)]
    entries += [work(d, 10, "20", "E2") for d in each_day(start, date(2026, 11, 20))]
    third = date(2026, 11, 3)
    entries += [work(third, 9, "12", "E3"), work(third, 10, "10.5", "E3"),
                work(third, 9, "12", "E4"), work(third, 10, "10.75", "E4")]
    flags = risk_flags(entries, start, end)
    month = [f for f in flags if f.kind is RiskKind.MONTH_OVER_400]
    day = [f for f in flags if f.kind is RiskKind.DAY_OVER_22_5]
    assert [(f.staff_id, f.start, f.end) for f in month] == [("E1", start, end)]
    assert month[0].words == "E1: 405.00 h in 2026-11, over 400 hours in a month"
    assert [(f.staff_id, f.days) for f in day] == [("E4", (third,))]
