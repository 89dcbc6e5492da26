"""Forms for staff: a staff member, a license, worked hours for a shift."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from protocol.pbj import JOB_TITLES, PAY_TYPES
from protocol.records import US_STATES, RecordKind

from .form import FormDialog, FormField, whole_number
from .resident_forms import YES_NO, drop_empty

JOB_TITLE_CHOICES = tuple((f"{code:>2} {title}", str(code)) for code, title in JOB_TITLES.items())
PAY_TYPE_CHOICES = tuple((f"{code} {title}", str(code)) for code, title in PAY_TYPES.items())
SHIFTS = (("Day", "day"), ("Evening", "evening"), ("Night", "night"))
LICENSE_TYPES = tuple((t, t) for t in ("RN", "LPN", "LVN", "CNA", "APRN", "RHIA", "RHIT", "CCS",
                                        "CTR", "NHA", "other"))
STATE_CHOICES = tuple((s, s) for s in US_STATES)


def _bool(text: str) -> bool:
    return text == "true"


def add_hours(today: date, staff: Any,
              submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    """Hours for one shift; job title and pay type default to the staff member's."""
    job = str(staff.fields.get("job_title_code") or "")
    pay = str(staff.fields.get("pay_type_code") or "")
    fields = [
        FormField("work_date", "Work date", today.isoformat(), kind=RecordKind.HOURS,
                  hint="YYYY-MM-DD; not in the future"),
        FormField("shift", "Shift", "day", kind=RecordKind.HOURS, choices=SHIFTS),
        FormField("hours", "Hours", kind=RecordKind.HOURS,
                  hint="e.g. 7.5 — more than 0, at most 22.5, two decimals"),
        FormField("job_title_code", "PBJ job title", job, kind=RecordKind.HOURS,
                  choices=JOB_TITLE_CHOICES, parse=whole_number),
        FormField("pay_type_code", "Pay type", pay, kind=RecordKind.HOURS,
                  choices=PAY_TYPE_CHOICES, parse=whole_number),
    ]
    return FormDialog(f"Hours worked — {staff.display_name}", fields,
                      lambda values: submit(drop_empty(values)), submit_label="Save hours")


def add_staff(submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    fields = [
        FormField("employee_id", "Employee id (PBJ)", kind=RecordKind.STAFF,
                  hint="letters, digits, space and _ , . - \\ — never a Social Security number"),
        FormField("family_name", "Family name", kind=RecordKind.STAFF),
        FormField("given_name", "Given name", kind=RecordKind.STAFF),
        FormField("job_title_code", "PBJ job title", kind=RecordKind.STAFF,
                  choices=JOB_TITLE_CHOICES, parse=whole_number),
        FormField("pay_type_code", "Pay type", "2", kind=RecordKind.STAFF,
                  choices=PAY_TYPE_CHOICES, parse=whole_number),
        FormField("hire_date", "Hire date", kind=RecordKind.STAFF, required=False,
                  hint="YYYY-MM-DD"),
    ]
    return FormDialog("Add a staff member", fields, lambda v: submit(drop_empty(v)))


def add_license(staff: Any, submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    fields = [
        FormField("license_type", "Type", kind=RecordKind.LICENSE, choices=LICENSE_TYPES),
        FormField("number", "Number", kind=RecordKind.LICENSE),
        FormField("issuing_state", "Issuing state", kind=RecordKind.LICENSE,
                  choices=STATE_CHOICES),
        FormField("expires_on", "Expires on", kind=RecordKind.LICENSE, hint="YYYY-MM-DD"),
        FormField("multistate", "Multistate (NLC)", "false", kind=RecordKind.LICENSE,
                  choices=YES_NO, parse=_bool),
        FormField("verified_on", "Verified on", kind=RecordKind.LICENSE, required=False,
                  hint="YYYY-MM-DD"),
        FormField("verification_source", "Verified with", kind=RecordKind.LICENSE,
                  required=False, placeholder="e.g. Nursys QuickConfirm"),
    ]
    return FormDialog(f"Add a license — {staff.display_name}", fields,
                      lambda v: submit(drop_empty(v)))
