"""A facility's PBJ file for one quarter, from its records (docs/rules.md §3).

Employees are the staff with hours in the quarter, by their PBJ employee id;
every problem CMS (or the schema) would find is listed first, each pointing at
the staff member and the day, and the file is produced only when none blocks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from protocol.rules.calendar import Quarter
from protocol.rules.dates import day_of
from protocol.rules.staffing.pbj import (
    PbjEmployee,
    PbjExport,
    PbjHeader,
    PbjProblem,
    ProcessType,
    export,
)
from protocol.rules.staffing.worktime import WorkEntry

from .facts import FacilityFacts

PRODUCT = "Chartkeep"


@dataclass(frozen=True)
class PbjResult:
    export: PbjExport
    quarter: Quarter
    employees: int
    problems: tuple[str, ...]
    """Every problem in words, pointing at the entry."""

    @property
    def blocked(self) -> bool:
        return self.export.blocked


def problem_words(problem: PbjProblem, facts: FacilityFacts,
                  by_employee: dict[str, str]) -> str:
    where = []
    if problem.employee_id:
        staff_id = by_employee.get(problem.employee_id)
        who = facts.staff_name(staff_id) if staff_id else "unknown staff member"
        where.append(f"{who} ({problem.employee_id})")
    if problem.day:
        where.append(problem.day.isoformat())
    place = (" · ".join(where) + ": ") if where else ""
    return f"[{problem.code} {problem.severity}] {place}{problem.message}"


def pbj_for(facts: FacilityFacts, quarter: Quarter, *, today: date,
            process_type: ProcessType = ProcessType.MERGE, version: str = "0.1.0"
            ) -> PbjResult:
    in_quarter = [e for e in facts.entries if quarter.start <= e.work_date <= quarter.end
                  or e.work_date > today]
    staff_ids = sorted({e.staff_id for e in in_quarter})
    by_employee = {facts.employee_id(s): s for s in staff_ids}
    employees = [PbjEmployee(facts.employee_id(s), day_of(facts.staff[s].get("hire_date")),
                             day_of(facts.staff[s].get("termination_date")))
                 for s in staff_ids]
    entries = [WorkEntry(facts.employee_id(e.staff_id), e.job_title_code, e.pay_type_code,
                         e.work_date, e.minutes) for e in in_quarter]
    header = PbjHeader(facts.settings.pbj_facility_id or "", facts.state_code, quarter,
                       product_name=PRODUCT, product_version=version)
    result = export(header, employees, entries, process_type=process_type, today=today)
    words = tuple(problem_words(p, facts, by_employee) for p in result.problems)
    if not facts.settings.pbj_facility_id:
        words = (("No PBJ facility id is recorded for this facility: the regional manager "
                 "records it centrally (chartkeep-server set-facility --pbj-id)."), *words)
    return PbjResult(result, quarter, len(employees), words)
