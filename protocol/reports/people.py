"""The staff reports: license and registry roster with expiry, and training and
review status of nurse aides (docs/rules.md §1.1, §7)."""

from __future__ import annotations

from datetime import date

from protocol.pbj import NURSE_AIDE_CODES, job_title
from protocol.rules.due import ACTION, DueItem, DueStatus
from protocol.rules.staffing.license_standing import (
    ROLE_LICENSES,
    license_items,
    standings,
    unlicensed_work,
)
from protocol.rules.staffing.nurse_aides import (
    four_month_items,
    inservice_items,
    registry_items,
    retraining_items,
    review_items,
)

from .facts import FacilityFacts
from .model import Column, day_text

BAD = frozenset({DueStatus.OVERDUE, DueStatus.VIOLATION, DueStatus.LATE})


def aides(facts: FacilityFacts) -> list[str]:
    """Staff hired or working as nurse aides (codes 10–12), by name."""
    worked = {e.staff_id for e in facts.entries if e.job_title_code in NURSE_AIDE_CODES}
    listed = {sid for sid, d in facts.staff.items()
              if d.get("job_title_code") in NURSE_AIDE_CODES}
    return sorted(worked | listed, key=facts.staff_name)


ROSTER_COLUMNS = (
    Column("name", "Name", width=1.6), Column("employee_id", "Employee id"),
    Column("job", "Job title", width=1.6), Column("credential", "License / registry"),
    Column("number", "Number"), Column("state", "State"), Column("expires", "Expires / done"),
    Column("days_left", "Days left", True), Column("status", "Status"),
    Column("why", "Why", width=4.0),
)


def roster_rows(facts: FacilityFacts, start: date, end: date, today: date
                ) -> tuple[tuple[tuple[str, ...], ...], frozenset[int], list[DueItem]]:
    rows: list[tuple[str, ...]] = []
    failing: set[int] = set()
    for s in standings(facts.license_records, today):
        counting = s.counting
        expires = counting.expires_on if counting is not None else None
        bad = s.expiry.band in {"expired", "needs_verification"}
        if bad:
            failing.add(len(rows))
        rows.append((facts.staff_name(s.staff_id), facts.employee_id(s.staff_id),
                     job_title(facts.staff[s.staff_id].get("job_title_code")), s.license_type,
                     counting.number if counting else "", s.issuing_state, day_text(expires),
                     "" if s.expiry.days_left is None else str(s.expiry.days_left),
                     str(s.expiry.band).replace("_", " "), s.words))
    for staff_id in aides(facts):
        for item in registry_items(facts.aide(staff_id), facts.registry_checks,
                                   facts.entries_of(staff_id)):
            if item.status in BAD:
                failing.add(len(rows))
            rows.append((facts.staff_name(staff_id), facts.employee_id(staff_id),
                         job_title(facts.staff[staff_id].get("job_title_code")),
                         item.what, "", "", day_text(item.done_on), "", str(item.status),
                         item.why))
    unlicensed = list(unlicensed_work(
        [e for e in facts.entries if start <= e.work_date <= end], facts.license_records,
        required=ROLE_LICENSES))
    for item in unlicensed:
        failing.add(len(rows))
        rows.append((facts.staff_name(item.subject), facts.employee_id(item.subject),
                     "", "worked unlicensed", "", "", day_text(item.due), "", "violation",
                     item.why))
    items = license_items(facts.license_records, today)
    return tuple(rows), frozenset(failing), [*items, *unlicensed]


TRAINING_COLUMNS = (
    Column("name", "Name", width=1.6), Column("employee_id", "Employee id"),
    Column("what", "What", width=2.2), Column("status", "Status"), Column("due", "Due"),
    Column("done", "Done"), Column("why", "Why", width=4.5),
)


def aide_due_items(facts: FacilityFacts, today: date) -> list[DueItem]:
    """Every in-service, review, 4-month and 24-month item of every aide."""
    items: list[DueItem] = []
    for staff_id in aides(facts):
        aide = facts.aide(staff_id)
        entries = facts.entries_of(staff_id)
        items += inservice_items(aide, facts.in_services, facts.performance_reviews, entries,
                                 today)
        items += review_items(aide, facts.performance_reviews, entries, today)
        items += four_month_items(aide, entries, today)
        items += retraining_items(aide, entries, today)
    return items


def training_rows(facts: FacilityFacts, today: date
                  ) -> tuple[tuple[tuple[str, ...], ...], frozenset[int], list[DueItem]]:
    items = aide_due_items(facts, today)
    rows: list[tuple[str, ...]] = []
    failing: set[int] = set()
    for item in sorted(items, key=lambda i: (facts.staff_name(i.subject), i.due or date.max)):
        if item.status in BAD:
            failing.add(len(rows))
        rows.append((facts.staff_name(item.subject), facts.employee_id(item.subject),
                     item.what, str(item.status).replace("_", " "), day_text(item.due),
                     day_text(item.done_on), item.why))
    return tuple(rows), frozenset(failing), items


def needs_action(items: list[DueItem]) -> list[DueItem]:
    return [i for i in items if i.status in ACTION]
