"""PBJ 4.10.0 files validated against CMS's XSD, and every CMS edit triggered (docs/rules.md §3)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import xmlschema

from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.status import compliance_status
from protocol.rules.calendar import Quarter
from protocol.rules.staffing.pbj import (
    PbjEmployee,
    PbjHeader,
    ProcessType,
    Severity,
    export,
    hour_lines,
    local_deadline,
    looks_like_ssn,
    pbj_problems,
    pbj_xml,
    submission_deadline,
    submission_deadline_at,
)
from protocol.rules.staffing.worktime import Shift, WorkEntry, split_shift

XSD = Path(__file__).parent / "data" / "nhpbj_4_10_0.xsd"
SHARED_XSD = Path(__file__).resolve().parents[4] / "shared/reference/pbj/nhpbj_4_10_0.xsd"
QUARTER = Quarter.parse("2027Q1")  # October – December 2026
TODAY = date(2027, 1, 20)
HEADER = PbjHeader("NY1234", "NY", QUARTER, vendor_name="Chartkeep",
                   vendor_email="support@example.com", product_name="Chartkeep",
                   product_version="0.1.0")
EMPLOYEES = [PbjEmployee("E1", hire_date=date(2020, 1, 15)),
             PbjEmployee("E2", date(2024, 5, 1), date(2026, 11, 30)),
             PbjEmployee("C3")]
MERGE = ProcessType.MERGE


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def work(who: str, day: date, hours: str, code: int = 10, pay: int = 2) -> WorkEntry:
    return WorkEntry.from_hours(who, code, pay, day, Decimal(hours))


def quarter_entries() -> list[WorkEntry]:
    # E1: night RN 23:00 on 5 Oct – 07:30 on 6 Oct, 30-minute meal → 1 h on the
    # 5th, 7 h on the 6th; plus 2 h as an RN with administrative duties on the 6th.
    night = Shift("E1", 7, 2, datetime(2026, 10, 5, 23), datetime(2026, 10, 6, 7, 30), 30)
    entries = [*split_shift(night), work("E1", date(2026, 10, 6), "2", code=6)]
    # E2: 200 + 233 minutes = 433 min = 7.2166… h → 7.22; 8.125 h → 8.13 (half up).
    entries += [WorkEntry("E2", 10, 2, date(2026, 10, 7), Decimal(200)),
                WorkEntry("E2", 10, 2, date(2026, 10, 7), Decimal(233)),
                work("E2", date(2026, 10, 8), "8.125")]
    entries.append(work("C3", date(2026, 12, 31), "8", code=9, pay=3))  # contract LPN
    return entries


def test_a_quarter_validates_against_the_xsd(schema: xmlschema.XMLSchema) -> None:
    result = export(HEADER, EMPLOYEES, quarter_entries(), process_type=MERGE, today=TODAY)
    assert result.problems == ()
    assert result.xml is not None
    schema.validate(result.xml)
    root = ET.fromstring(result.xml)
    header = root.find("header")
    assert header is not None
    assert header.get("fileSpecVersion") == "4.10.0"
    assert [child.tag for child in header] == [
        "facilityId", "stateCode", "reportQuarter", "federalFiscalYear", "softwareVendorName",
        "softwareVendorEmail", "softwareProductName", "softwareProductVersion"]
    assert [header.findtext(t) for t in ("reportQuarter", "federalFiscalYear")] == ["1", "2027"]
    assert [child.tag for child in root] == ["header", "employees", "staffingHours"]
    assert root.find("staffingHours").get("processType") == "merge"  # type: ignore[union-attr]
    rows = [(s.findtext("employeeId"), d.findtext("date"), e.findtext("hours"),
             e.findtext("jobTitleCode"), e.findtext("payTypeCode"))
            for s in root.iter("staffHours") for d in s.iter("workDay")
            for e in d.iter("hourEntry")]
    assert rows == [
        ("C3", "2026-12-31", "8.00", "9", "3"),
        ("E1", "2026-10-05", "1.00", "7", "2"),
        ("E1", "2026-10-06", "2.00", "6", "2"),
        ("E1", "2026-10-06", "7.00", "7", "2"),
        ("E2", "2026-10-07", "7.22", "10", "2"),
        ("E2", "2026-10-08", "8.13", "10", "2"),
    ]
    e2 = root.findall("employees/employee")[1]
    assert [c.tag for c in e2] == ["employeeId", "hireDate", "terminationDate"]


def test_hours_round_half_up_once_per_employee_date_title_and_pay() -> None:
    # 3 × 2.5 minutes = 7.5 min = 0.125 h → 0.13 (rounding each entry first would
    # give 3 × 0.04 = 0.12).
    entries = [WorkEntry("E1", 10, 2, date(2026, 10, 5), Decimal("2.5"))] * 3
    [line] = hour_lines(entries, QUARTER)
    assert line.hours == Decimal("0.13")


def codes(problems: tuple[object, ...]) -> list[tuple[str, str, str | None, date | None]]:
    return [(p.code, str(p.severity), p.employee_id, p.day)  # type: ignore[attr-defined]
            for p in problems]


def test_more_than_22_5_hours_in_a_day_across_job_titles_is_fatal() -> None:
    # 12 h as an RN + 10.5 h as a CNA = 22.5: accepted; + 10.75 = 22.75: -4025.
    day = date(2026, 10, 6)
    ok = [work("E1", day, "12", code=7), work("E1", day, "10.5")]
    assert pbj_problems(HEADER, EMPLOYEES, ok, process_type=MERGE, today=TODAY) == ()
    over = [work("E1", day, "12", code=7), work("E1", day, "10.75")]
    result = export(HEADER, EMPLOYEES, over, process_type=MERGE, today=TODAY)
    assert codes(result.problems) == [("-4025", "fatal", "E1", day)]
    assert result.problems[0].message == "22.75 hours on 2026-10-06 across job titles: at most 22.5"
    assert result.blocked


def test_a_future_work_date_is_fatal() -> None:
    entries = [work("E1", date(2026, 12, 16), "8")]
    problems = pbj_problems(HEADER, EMPLOYEES, entries, process_type=MERGE,
                            today=date(2026, 12, 15))
    assert codes(problems) == [("-4002", "fatal", "E1", date(2026, 12, 16))]


def test_dates_outside_the_quarter_are_left_out_with_a_warning(
        schema: xmlschema.XMLSchema) -> None:
    entries = [work("E1", date(2026, 9, 30), "8"), work("E1", date(2026, 10, 1), "8")]
    result = export(HEADER, EMPLOYEES, entries, process_type=MERGE, today=TODAY)
    assert codes(result.problems) == [("-1010", "warning", "E1", date(2026, 9, 30))]
    assert "belongs in the 2026Q4 file" in result.problems[0].message
    assert result.xml is not None
    schema.validate(result.xml)
    assert "2026-09-30" not in result.xml
    assert "2026-10-01" in result.xml


def test_every_employee_with_hours_is_listed_or_known() -> None:
    entries = [work("X9", date(2026, 10, 5), "8")]
    assert codes(pbj_problems(HEADER, EMPLOYEES, entries, process_type=MERGE, today=TODAY)) == [
        ("-4016", "error", "X9", None)]
    assert pbj_problems(HEADER, EMPLOYEES, entries, process_type=MERGE, today=TODAY,
                        known_employee_ids=frozenset({"X9"})) == ()


def test_an_employee_known_to_pbj_need_not_be_listed(schema: xmlschema.XMLSchema) -> None:
    entries = [work("X9", date(2026, 10, 5), "8")]
    result = export(HEADER, [], entries, process_type=MERGE, today=TODAY,
                    known_employee_ids=frozenset({"X9"}))
    assert result.xml is not None
    schema.validate(result.xml)


def test_job_titles_1_to_40_and_pay_types_1_to_3_only(schema: xmlschema.XMLSchema) -> None:
    entries = [work("E1", date(2026, 10, 5), "8", code=41),
               work("E2", date(2026, 10, 5), "8", pay=4)]
    problems = pbj_problems(HEADER, EMPLOYEES, entries, process_type=MERGE, today=TODAY)
    assert codes(problems) == [("-3676", "error", "E1", date(2026, 10, 5)),
                               ("-3676", "error", "E2", date(2026, 10, 5))]
    # The schema alone would take them: this is why the edit exists.
    schema.validate(pbj_xml(HEADER, EMPLOYEES, entries, process_type=MERGE))


@pytest.mark.parametrize(("employee_id", "ssn"), [
    ("123-45-6789", True), ("123456789", True), ("123 45 6789", True),
    ("123-456-789", False), ("1234567890", False), ("E-123", False), ("123-45 6789", False),
])
def test_ids_that_look_like_ssns(employee_id: str, ssn: bool) -> None:
    assert looks_like_ssn(employee_id) is ssn


def test_an_ssn_as_employee_id_blocks_the_file() -> None:
    people = [PbjEmployee("123-45-6789")]
    entries = [work("123-45-6789", date(2026, 10, 5), "8")]
    result = export(HEADER, people, entries, process_type=MERGE, today=TODAY)
    assert codes(result.problems) == [("SSN", "error", "123-45-6789", None)]
    assert result.blocked


def test_a_replace_file_with_no_hours_warns_loudly(schema: xmlschema.XMLSchema) -> None:
    result = export(HEADER, EMPLOYEES, [], process_type=ProcessType.REPLACE, today=TODAY)
    [problem] = result.problems
    assert (problem.code, problem.severity) == ("REPLACE-EMPTY", Severity.WARNING)
    assert problem.message.startswith("THIS FILE DELETES EVERY HOUR ALREADY SUBMITTED FOR 2027Q1")
    assert result.xml is not None  # a warning: the clerk decides
    schema.validate(result.xml)
    # Hours only outside the quarter leave the replace file empty too.
    outside = [work("E1", date(2026, 9, 30), "8")]
    result = export(HEADER, EMPLOYEES, outside, process_type=ProcessType.REPLACE, today=TODAY)
    assert [p.code for p in result.problems] == ["-1010", "REPLACE-EMPTY"]


def test_header_and_id_values_the_schema_refuses_are_caught_first() -> None:
    header = PbjHeader("X" * 17, "GU", QUARTER, vendor_name="Chart;keep")
    people = [PbjEmployee("E#1"), PbjEmployee("E2", hire_date=date(1890, 1, 1))]
    problems = pbj_problems(header, people, [], process_type=MERGE, today=TODAY)
    assert [(p.code, p.employee_id) for p in problems] == [
        ("XSD", None), ("XSD", None), ("XSD", None), ("XSD", "E#1"), ("XSD", "E2")]


@pytest.mark.parametrize(("header", "people"), [
    (PbjHeader("X" * 17, "NY", QUARTER), []),
    (PbjHeader("NY1234", "GU", QUARTER), []),
    (PbjHeader("NY1234", "NY", QUARTER, vendor_name="Chart;keep"), []),
    (PbjHeader("NY1234", "NY", QUARTER, vendor_email="a@chartkeep.example"), []),
    (HEADER, [PbjEmployee("E#1")]),
    (HEADER, [PbjEmployee("E2", hire_date=date(1890, 1, 1))]),
])
def test_each_caught_value_is_one_the_schema_refuses(
        schema: xmlschema.XMLSchema, header: PbjHeader, people: list[PbjEmployee]) -> None:
    assert pbj_problems(header, people, [], process_type=MERGE, today=TODAY)
    assert not schema.is_valid(pbj_xml(header, people, [], process_type=MERGE))


@pytest.mark.parametrize(("quarter", "deadline"), [
    ("2027Q1", date(2027, 2, 14)), ("2027Q2", date(2027, 5, 15)),
    ("2027Q3", date(2027, 8, 14)), ("2027Q4", date(2027, 11, 14)),
    ("2028Q2", date(2028, 5, 15)),  # a leap year's March 31 + 45 is still May 15
])
def test_submission_deadlines(quarter: str, deadline: date) -> None:
    assert submission_deadline(Quarter.parse(quarter)) == deadline



@pytest.mark.parametrize(("zone", "day"), [
    ("America/New_York", date(2027, 2, 14)),
    ("America/Los_Angeles", date(2027, 2, 14)),  # 8:59 pm
    ("Pacific/Honolulu", date(2027, 2, 14)),  # 6:59 pm
    ("Pacific/Guam", date(2027, 2, 15)),  # 2:59 pm the next day
])
def test_the_deadline_is_1159_pm_eastern_on_each_facility_calendar(zone: str, day: date) -> None:
    quarter = Quarter.parse("2027Q1")
    at = submission_deadline_at(quarter)
    assert at.isoformat() == "2027-02-14T23:59:00-05:00"  # EST in February
    assert submission_deadline_at(Quarter.parse("2027Q3")).isoformat() == \
        "2027-08-14T23:59:00-04:00"  # EDT in August
    assert local_deadline(quarter, ZoneInfo(zone)) == day


def test_the_compliance_status_counts_the_days_left_on_the_facility_calendar() -> None:
    """On 15 February a Guam facility still has till 2:59 pm to send the file
    that is due 14 February at 11:59 pm Eastern; in Ohio it has passed."""
    def status_pbj(state: str) -> str:
        facility = Row("facility", "FAC", {"name": "Maple", "state_code": state})
        status = compliance_status(FacilityFacts.from_rows(facility, []), date(2027, 2, 15))
        return next(line.text for line in status.lines if line.topic == "PBJ")

    assert status_pbj("GU") == "PBJ file for 2027Q1 due 2027-02-14 11:59 pm ET (0 days left)"
    assert status_pbj("OH") == "Next PBJ file: 2027Q2 due 2027-05-15 11:59 pm ET"


def test_the_bundled_xsd_is_the_reference_copy() -> None:
    if not SHARED_XSD.exists():
        pytest.skip("the shared reference folder is not beside this checkout")
    assert XSD.read_bytes() == SHARED_XSD.read_bytes()
