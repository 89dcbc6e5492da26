"""The Payroll-Based Journal file (CMS PBJ file specification 4.10.0) and the
CMS edits the schema does not catch.

- Root ``nursingHomeData`` → ``header`` (``fileSpecVersion="4.10.0"``,
  facilityId, stateCode, reportQuarter, federalFiscalYear, optional software
  vendor and product) → ``employees`` → ``staffingHours@processType`` (merge or
  replace) → ``staffHours`` per employee → ``workDays`` → ``workDay`` (date) →
  ``hourEntries`` → ``hourEntry`` (hours, jobTitleCode, payTypeCode), in that
  element order. No census since 4.00.0: CMS derives it from the MDS.
- Hours = minutes ÷ 60 summed per employee, date, job title and pay type,
  rounded half up to 2 decimals (Chartkeep convention).
- Pre-submission edits, each a problem pointing at the entry: more than 22.5
  hours for one employee on one date across job titles (-4025, fatal); a work
  date in the future (-4002, fatal); a work date outside the header's quarter
  (-1010, warning: CMS skips it, so it is left out of this file and belongs in
  its own quarter's); an employee in the hours neither listed in the file nor
  known to PBJ (-4016); a job title outside 1–40 or a pay type outside 1–3
  (-3676, which the schema alone allows); an employee id that looks like a
  Social Security number; a ``replace`` file with no hours, which deletes the
  quarter's hours at CMS.
- Quarters are federal fiscal; the file is due 45 days after the quarter ends
  (11:59 pm ET on Feb 14, May 15, Aug 14, Nov 14), with no published
  roll-forward.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from protocol.pbj import DAY_LIMIT_HOURS, EMPLOYEE_ID_PATTERN, JOB_TITLES, PAY_TYPES
from protocol.rules.calendar import Quarter, round_half_up
from protocol.rules.staffing.worktime import MINUTES_PER_HOUR, WorkEntry

FILE_SPEC_VERSION = "4.10.0"
DAY_LIMIT = DAY_LIMIT_HOURS
DEADLINE_DAYS = 45
FACILITY_ID_MAX = 16
XSD_STATES = frozenset((
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL",
    "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE",
    "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX",
    "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
))
EMPLOYEE_ID = re.compile(EMPLOYEE_ID_PATTERN)
SSN_LIKE = re.compile(r"\d{3}([- ]?)\d{2}\1\d{4}")
_VENDOR_TEXT = re.compile(r"[a-zA-Z0-9\-.+/@_,' &]*")
_VERSION_TEXT = re.compile(r"[a-zA-Z0-9\-.+/@_,' ]*")
_EMAIL = re.compile(r"[^,;:'\"<>\\()\[\]{} ]+@[\w.-]+\.\w{2,3}")
OLDEST, LATEST = date(1895, 1, 1), date(2050, 12, 31)


class ProcessType(StrEnum):
    MERGE = "merge"
    REPLACE = "replace"


@dataclass(frozen=True)
class PbjHeader:
    facility_id: str
    """State-assigned, 1–16 characters."""
    state_code: str
    quarter: Quarter
    vendor_name: str | None = None
    vendor_email: str | None = None
    product_name: str | None = None
    product_version: str | None = None


@dataclass(frozen=True)
class PbjEmployee:
    employee_id: str
    hire_date: date | None = None
    termination_date: date | None = None


class Severity(StrEnum):
    FATAL = "fatal"
    """CMS rejects the file."""
    ERROR = "error"
    """CMS rejects the records, or the file breaks the schema: fix before writing."""
    WARNING = "warning"


@dataclass(frozen=True)
class PbjProblem:
    code: str
    """The CMS edit (``-4025``), else ``XSD``, ``SSN`` or ``REPLACE-EMPTY``."""
    severity: Severity
    message: str
    employee_id: str | None = None
    day: date | None = None

    @property
    def blocking(self) -> bool:
        return self.severity is not Severity.WARNING


@dataclass(frozen=True)
class HourLine:
    employee_id: str
    work_date: date
    job_title_code: int
    pay_type_code: int
    hours: Decimal
    """Rounded half up to 2 decimals."""


def submission_deadline(quarter: Quarter) -> date:
    """45 days after the quarter ends: Feb 14, May 15, Aug 14 or Nov 14."""
    return quarter.end + timedelta(days=DEADLINE_DAYS)


DEADLINE_CLOCK = time(23, 59)
DEADLINE_ZONE = "America/New_York"
DEADLINE_WORDS = "11:59 pm ET"
"""CMS's cut-off on the deadline day, in Eastern time wherever the facility is."""


def submission_deadline_at(quarter: Quarter) -> datetime:
    """The moment the quarter's file is due: 11:59 pm Eastern on the deadline day."""
    return datetime.combine(submission_deadline(quarter), DEADLINE_CLOCK,
                            ZoneInfo(DEADLINE_ZONE))


def local_deadline(quarter: Quarter, zone: tzinfo) -> date:
    """The day the deadline falls on, on the facility's wall clock: the deadline
    day itself across the states (8:59 pm in California, 6:59 pm in Hawaii), the
    next day west of the date line (Guam, the Northern Marianas: 1:59 or 2:59 pm)."""
    return submission_deadline_at(quarter).astimezone(zone).date()


def hour_lines(entries: Iterable[WorkEntry], quarter: Quarter) -> tuple[HourLine, ...]:
    """The quarter's entries summed per employee, date, job title and pay type."""
    minutes: dict[tuple[str, date, int, int], Decimal] = defaultdict(Decimal)
    for e in entries:
        if quarter.start <= e.work_date <= quarter.end:
            minutes[(e.staff_id, e.work_date, e.job_title_code, e.pay_type_code)] += e.minutes
    lines = (HourLine(*key, round_half_up(total / MINUTES_PER_HOUR))
             for key, total in sorted(minutes.items()))
    return tuple(line for line in lines if line.hours > 0)


def looks_like_ssn(employee_id: str) -> bool:
    return SSN_LIKE.fullmatch(employee_id.strip()) is not None


# --- checks ---------------------------------------------------------------------------------


def _header_problems(header: PbjHeader) -> list[PbjProblem]:
    problems = []

    def bad(message: str) -> None:
        problems.append(PbjProblem("XSD", Severity.ERROR, message))

    if not 1 <= len(header.facility_id.strip()) <= FACILITY_ID_MAX:
        bad("the facility id must be 1–16 characters (state-assigned)")
    if header.state_code not in XSD_STATES:
        bad(f"{header.state_code!r} is not a state code PBJ accepts")
    if header.quarter.fiscal_year < 2016:
        bad("PBJ files start with federal fiscal year 2016")
    for value, name, size, pattern in (
            (header.vendor_name, "software vendor name", 30, _VENDOR_TEXT),
            (header.vendor_email, "software vendor e-mail", 50, _EMAIL),
            (header.product_name, "software product name", 50, _VENDOR_TEXT),
            (header.product_version, "software product version", 20, _VERSION_TEXT)):
        if value is not None and (not 1 <= len(value) <= size or not pattern.fullmatch(value)):
            bad(f"the {name} must be 1–{size} characters PBJ allows")
    return problems


def _id_problems(employee_id: str) -> list[PbjProblem]:
    if not EMPLOYEE_ID.fullmatch(employee_id) or not employee_id.strip():
        return [PbjProblem("XSD", Severity.ERROR, f"employee id {employee_id!r} must be 1–30 "
                           "letters, digits, spaces or _ , . - \\", employee_id)]
    if looks_like_ssn(employee_id):
        return [PbjProblem("SSN", Severity.ERROR, f"employee id {employee_id!r} looks like a "
                           "Social Security number: PBJ ids must never be SSNs", employee_id)]
    return []


def _employee_problems(employees: Iterable[PbjEmployee]) -> list[PbjProblem]:
    problems = []
    for employee in employees:
        problems += _id_problems(employee.employee_id)
        for day, name in ((employee.hire_date, "hire"),
                          (employee.termination_date, "termination")):
            if day is not None and not OLDEST <= day <= LATEST:
                problems.append(PbjProblem("XSD", Severity.ERROR, f"{name} date "
                                f"{day.isoformat()} is outside 1895–2050", employee.employee_id))
    return problems


def _entry_problems(e: WorkEntry, quarter: Quarter, today: date) -> list[PbjProblem]:
    who, day = e.staff_id, e.work_date
    problems = []
    if e.job_title_code not in JOB_TITLES or e.pay_type_code not in PAY_TYPES:
        problems.append(PbjProblem(
            "-3676", Severity.ERROR, f"job title {e.job_title_code} / pay type "
            f"{e.pay_type_code}: PBJ accepts job titles 1–40 and pay types 1–3", who, day))
    if e.minutes < 0:
        problems.append(PbjProblem("XSD", Severity.ERROR, "hours cannot be negative", who, day))
    if day > today:
        problems.append(PbjProblem("-4002", Severity.FATAL, f"work date {day.isoformat()} is "
                                   "in the future", who, day))
    elif not quarter.start <= day <= quarter.end:
        problems.append(PbjProblem(
            "-1010", Severity.WARNING, f"work date {day.isoformat()} is outside {quarter} and "
            f"is left out: it belongs in the {Quarter.of(day)} file", who, day))
    return problems


def _file_problems(lines: tuple[HourLine, ...], listed: set[str], known: frozenset[str],
                   process_type: ProcessType, quarter: Quarter) -> list[PbjProblem]:
    problems = []
    per_day: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for line in lines:
        per_day[(line.employee_id, line.work_date)] += line.hours
    for (who, day), hours in sorted(per_day.items()):
        if hours > DAY_LIMIT:
            problems.append(PbjProblem("-4025", Severity.FATAL, f"{hours} hours on "
                                       f"{day.isoformat()} across job titles: at most "
                                       f"{DAY_LIMIT_HOURS}",
                                       who, day))
    problems.extend(PbjProblem("-4016", Severity.ERROR, f"employee {who} has hours but is "
                               "neither listed in this file nor known to PBJ", who)
                    for who in sorted({line.employee_id for line in lines} - listed - known))
    if process_type is ProcessType.REPLACE and not lines:
        problems.append(PbjProblem(
            "REPLACE-EMPTY", Severity.WARNING, f"THIS FILE DELETES EVERY HOUR ALREADY "
            f"SUBMITTED FOR {quarter}: a replace file with no hours empties the quarter at CMS"))
    return problems


def pbj_problems(header: PbjHeader, employees: Iterable[PbjEmployee],
                 entries: Iterable[WorkEntry], *, process_type: ProcessType, today: date,
                 known_employee_ids: frozenset[str] = frozenset()) -> tuple[PbjProblem, ...]:
    """Every problem CMS would find (or the schema would), each pointing at its entry:
    the header first, then the employees, the entries by employee and date, and
    the file as a whole."""
    employees, entries = list(employees), list(entries)
    listed = {employee.employee_id for employee in employees}
    problems = _header_problems(header) + _employee_problems(employees)
    checked = set(listed)
    for entry in sorted(entries, key=lambda e: (e.staff_id, e.work_date)):
        if entry.staff_id not in checked:
            checked.add(entry.staff_id)
            problems += _id_problems(entry.staff_id)
        problems += _entry_problems(entry, header.quarter, today)
    problems += _file_problems(hour_lines(entries, header.quarter), listed, known_employee_ids,
                               process_type, header.quarter)
    return tuple(problems)


# --- the file -----------------------------------------------------------------------------------


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _header_element(root: ET.Element, header: PbjHeader) -> None:
    head = ET.SubElement(root, "header", fileSpecVersion=FILE_SPEC_VERSION)
    _text(head, "facilityId", header.facility_id.strip())
    _text(head, "stateCode", header.state_code)
    _text(head, "reportQuarter", str(header.quarter.number))
    _text(head, "federalFiscalYear", str(header.quarter.fiscal_year))
    for tag, value in (("softwareVendorName", header.vendor_name),
                       ("softwareVendorEmail", header.vendor_email),
                       ("softwareProductName", header.product_name),
                       ("softwareProductVersion", header.product_version)):
        if value is not None:
            _text(head, tag, value)


def _employees_element(root: ET.Element, employees: Iterable[PbjEmployee]) -> None:
    people = ET.SubElement(root, "employees")
    seen: set[str] = set()
    for employee in employees:
        if employee.employee_id in seen:
            continue
        seen.add(employee.employee_id)
        person = ET.SubElement(people, "employee")
        _text(person, "employeeId", employee.employee_id)
        if employee.hire_date is not None:
            _text(person, "hireDate", employee.hire_date.isoformat())
        if employee.termination_date is not None:
            _text(person, "terminationDate", employee.termination_date.isoformat())


def _hours_element(root: ET.Element, lines: Iterable[HourLine],
                   process_type: ProcessType) -> None:
    hours = ET.SubElement(root, "staffingHours", processType=str(process_type))
    by_person: dict[str, dict[date, list[HourLine]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        by_person[line.employee_id][line.work_date].append(line)
    for employee_id, days in by_person.items():
        staff = ET.SubElement(hours, "staffHours")
        _text(staff, "employeeId", employee_id)
        work_days = ET.SubElement(staff, "workDays")
        for day, day_lines in days.items():
            work_day = ET.SubElement(work_days, "workDay")
            _text(work_day, "date", day.isoformat())
            entries = ET.SubElement(work_day, "hourEntries")
            for line in day_lines:
                entry = ET.SubElement(entries, "hourEntry")
                _text(entry, "hours", f"{line.hours:.2f}")
                _text(entry, "jobTitleCode", str(line.job_title_code))
                _text(entry, "payTypeCode", str(line.pay_type_code))


def pbj_xml(header: PbjHeader, employees: Iterable[PbjEmployee], entries: Iterable[WorkEntry],
            *, process_type: ProcessType) -> str:
    """The file's text (UTF-8 declared), elements in the schema's order; hours
    outside the quarter are left out."""
    root = ET.Element("nursingHomeData")
    _header_element(root, header)
    _employees_element(root, employees)
    _hours_element(root, hour_lines(entries, header.quarter), process_type)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


@dataclass(frozen=True)
class PbjExport:
    problems: tuple[PbjProblem, ...]
    xml: str | None
    """None while any problem blocks the file."""

    @property
    def blocked(self) -> bool:
        return self.xml is None


def export(header: PbjHeader, employees: Iterable[PbjEmployee], entries: Iterable[WorkEntry],
           *, process_type: ProcessType, today: date,
           known_employee_ids: frozenset[str] = frozenset()) -> PbjExport:
    """The problems, and the file only when none of them blocks it."""
    employees, entries = list(employees), list(entries)
    problems = pbj_problems(header, employees, entries, process_type=process_type, today=today,
                            known_employee_ids=known_employee_ids)
    if any(p.blocking for p in problems):
        return PbjExport(problems, None)
    return PbjExport(problems, pbj_xml(header, employees, entries, process_type=process_type))
