"""The days a staffing judgement covers (docs/rules.md §2.9): complete days with a
resident in the house. Today is "in progress" and a day with no resident is "not
judged"; neither ever counts as failing, in the reports or in the compliance status
the terminal, the dashboard and ``chartkeep-server compliance`` show."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from protocol.reports.catalog import build_report
from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.model import ReportMeta
from protocol.reports.status import compliance_status
from protocol.rules.staffing.judged_days import (
    DayJudged,
    day_judged,
    default_period,
    last_complete_day,
    not_judged,
)

META = ReportMeta(produced_at="2026-12-07 09:00", data_as_of="test")
TODAY = date(2026, 12, 7)
ADMITTED = date(2026, 11, 30)


def test_the_last_complete_day_is_yesterday_and_the_default_period_ends_there() -> None:
    assert last_complete_day(TODAY) == date(2026, 12, 6)
    assert default_period(TODAY, 14) == (date(2026, 11, 23), date(2026, 12, 6))


def test_today_and_later_are_in_progress_whatever_the_census() -> None:
    census = {TODAY: 40, TODAY - timedelta(days=1): 40, TODAY + timedelta(days=1): 40}
    assert day_judged(TODAY, TODAY, census) is DayJudged.IN_PROGRESS
    assert day_judged(TODAY + timedelta(days=1), TODAY, census) is DayJudged.IN_PROGRESS
    assert day_judged(TODAY - timedelta(days=1), TODAY, census) is DayJudged.JUDGED


def test_a_day_is_not_judged_only_when_no_resident_was_in_the_house() -> None:
    d = date(2026, 11, 10)
    before = d - timedelta(days=1)
    assert day_judged(d, TODAY, {d: 0, before: 0}) is DayJudged.NO_RESIDENTS
    assert day_judged(d, TODAY, {}) is DayJudged.NO_RESIDENTS
    # The last resident left during the day: there at its start, so it is judged.
    assert day_judged(d, TODAY, {d: 0, before: 1}) is DayJudged.JUDGED
    # The first resident arrived that day: in the midnight census, judged.
    assert day_judged(d, TODAY, {d: 1, before: 0}) is DayJudged.JUDGED
    assert not_judged(before, d, TODAY, {d: 1, before: 0,
                                         before - timedelta(days=1): 0}) == {
        before: DayJudged.NO_RESIDENTS}


def _facts(*, resident: bool) -> FacilityFacts:
    rows: list[Row] = [Row("staff", "RN1", {
        "employee_id": "RN1", "family_name": "Nurse", "given_name": "Ann",
        "job_title_code": 7, "pay_type_code": 2, "hire_date": "2024-01-02"})]
    if resident:
        rows += [Row("resident", "R1", {"family_name": "Doe", "given_name": "Pat",
                                        "birth_date": "1940-01-01", "sex": "female"}),
                 Row("stay", "S1", {"resident_id": "R1", "status": "active",
                                    "admitted_at": ADMITTED.isoformat(),
                                    "payer": "medicaid", "leaves": []})]

    def shift(day: date, hours: int) -> dict[str, Any]:
        return {"staff_id": "RN1", "work_date": day.isoformat(), "hours": f"{hours}.00",
                "job_title_code": 7, "pay_type_code": 2,
                "clock_in": f"{day.isoformat()}T07:00",
                "clock_out": f"{day.isoformat()}T{7 + hours:02d}:00", "meal_minutes": 0}

    # Eight RN hours every day from the admission to the day before yesterday; the
    # day before yesterday only 4; yesterday none; today 2 so far.
    day = ADMITTED
    while day < TODAY - timedelta(days=2):
        rows.append(Row("hours", f"H{day}", shift(day, 8)))
        day += timedelta(days=1)
    rows.append(Row("hours", "H-short", shift(TODAY - timedelta(days=2), 4)))
    rows.append(Row("hours", "H-today", shift(TODAY, 2)))
    facility = Row("facility", "FAC", {"name": "Maple", "state_code": "OH"})
    return FacilityFacts.from_rows(facility, rows)


def _by_day(report: Any) -> dict[str, tuple[str, str]]:
    names = [c.key for c in report.columns]
    at = names.index("result"), names.index("why")
    return {row[0]: (row[at[0]], row[at[1]]) for row in report.rows}


def test_the_staffing_days_report_fails_only_complete_days_with_residents() -> None:
    facts = _facts(resident=True)
    start = ADMITTED - timedelta(days=3)
    report = build_report("staffing-days", facts, start, TODAY, today=TODAY, meta=META)
    rows = _by_day(report)
    assert rows[start.isoformat()][0] == "not judged"
    assert "no residents" in rows[start.isoformat()][1]
    assert rows[ADMITTED.isoformat()][0] == "ok"
    assert rows[(TODAY - timedelta(days=2)).isoformat()][0] == "FAIL"
    assert rows[(TODAY - timedelta(days=1)).isoformat()][0] == "FAIL"
    assert rows[TODAY.isoformat()] == ("in progress", rows[TODAY.isoformat()][1])
    assert "not over" in rows[TODAY.isoformat()][1]
    failing_days = {report.rows[i][0] for i in report.failing}
    assert failing_days == {(TODAY - timedelta(days=n)).isoformat() for n in (1, 2)}
    quarter = build_report("staffing-quarter", facts, start, TODAY, today=TODAY, meta=META)
    assert dict(quarter.summary)["Failing days"] == "2"
    rn = next(row for row in quarter.rows if row[0] == "RN 8 hours")
    assert rn[2].startswith("5 days met, 2 not met, 0 waived, 4 not judged")


def test_an_empty_facility_is_not_judged_anywhere() -> None:
    facts = _facts(resident=False)
    status = compliance_status(facts, TODAY)
    staffing = [line for line in status.lines if line.topic == "staffing"]
    assert [line.level for line in staffing] == ["ok", "ok", "ok"]
    assert "no residents: not judged" in staffing[0].text
    assert staffing[1].text == "Last 14 days: no residents, staffing not judged"
    assert staffing[2].text.startswith("2027Q1 so far: 0 days with no RN hours")
    days = build_report("staffing-days", facts, date(2026, 11, 1), TODAY - timedelta(days=1),
                        today=TODAY, meta=META)
    assert not days.failing
    assert {result for result, _ in _by_day(days).values()} == {"not judged"}
    quarter = build_report("staffing-quarter", facts, date(2026, 10, 1),
                           TODAY - timedelta(days=1), today=TODAY, meta=META)
    assert not quarter.failing, quarter.rows


def test_the_compliance_status_of_a_facility_with_residents_still_fails() -> None:
    status = compliance_status(_facts(resident=True), TODAY)
    staffing = [line for line in status.lines if line.topic == "staffing"]
    assert staffing[0].level == "fail" and "no RN hours at all" in staffing[0].text
    assert staffing[1].text.startswith("Last 14 days: 2 days failing")
    # The quarter's days with no RN hours: yesterday only (before the admission, no
    # resident; today is in progress).
    assert staffing[2].text.startswith("2027Q1 so far: 1 day with no RN hours")
