"""Forms for staff: a staff member, a license, worked hours for a shift."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rich.text import Text

from protocol.pbj import DAY_LIMIT_HOURS, JOB_TITLES, PAY_TYPES, RN_CODES
from protocol.records import RecordKind
from protocol.records.codes import US_STATES

from ..engine import HoursView, LicenseView, StaffView
from .form import FormDialog
from .form_fields import FormField, whole_number
from .resident_forms import YES_NO, drop_empty

JOB_TITLE_CHOICES = tuple((f"{code:>2} {title}", str(code)) for code, title in JOB_TITLES.items())
PAY_TYPE_CHOICES = tuple((f"{code} {title}", str(code)) for code, title in PAY_TYPES.items())
SHIFTS = (("Day", "day"), ("Evening", "evening"), ("Night", "night"))
LICENSE_TYPES = tuple((t, t) for t in ("RN", "LPN", "LVN", "CNA", "APRN", "RHIA", "RHIT", "CCS",
                                        "CTR", "NHA", "other"))
STATE_CHOICES = tuple((s, s) for s in US_STATES)

HOURS_HINT = f"e.g. 7.5 — more than 0, at most {DAY_LIMIT_HOURS}, two decimals"
"""The hours field's hint: the day limit as the check applies it (protocol.pbj)."""


RN_UNTIMED_HINT = (". An RN's hours without clock times count toward HPRD but cannot "
                   "show the RN 8 consecutive hours: enter the shift with its clock times "
                   "(k) for that")
"""Shown under an RN's hours (docs/rules.md §2.6: the 8-hour rule reads clock times)."""


def _bool(text: str) -> bool:
    return text == "true"


def add_hours(today: date, staff: StaffView,
              submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    """Hours for one shift; job title and pay type default to the staff member's."""
    job = str(staff.fields.get("job_title_code") or "")
    pay = str(staff.fields.get("pay_type_code") or "")
    hint = HOURS_HINT
    if job.isdigit() and int(job) in RN_CODES:
        hint += RN_UNTIMED_HINT
    fields = [
        FormField("work_date", "Work date", today.isoformat(), kind=RecordKind.HOURS,
                  hint="YYYY-MM-DD; not in the future"),
        FormField("shift", "Shift", "day", kind=RecordKind.HOURS, choices=SHIFTS),
        FormField("hours", "Hours", kind=RecordKind.HOURS, hint=hint),
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


def add_license(staff: StaffView, submit: Callable[[dict[str, Any]], str], *,
                facility_state: str | None = None) -> FormDialog[str]:
    """A new license; its issuing state starts at the facility's (most licenses are
    issued where the facility is), or on "Choose…" until the server has sent it."""
    fields = [
        FormField("license_type", "Type", kind=RecordKind.LICENSE, choices=LICENSE_TYPES),
        FormField("number", "Number", kind=RecordKind.LICENSE),
        FormField("issuing_state", "Issuing state", facility_state or "",
                  kind=RecordKind.LICENSE, choices=STATE_CHOICES, no_default=True),
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


def _shown(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _changes(current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Fields the form changed; an emptied optional field is left as it was."""
    return {name: value for name, value in values.items()
            if value is not None and value != current.get(name)}


def _changed_only(current: dict[str, Any],
                  submit: Callable[[dict[str, Any]], int]) -> Callable[[dict[str, Any]], int]:
    """Send only the changed fields; 0 (nothing written) when none changed."""

    def send(values: dict[str, Any]) -> int:
        changes = _changes(current, values)
        return submit(changes) if changes else 0

    return send


def edit_staff(staff: StaffView, submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    """Every editable field of a staff member; only the changed ones are sent."""
    current = staff.fields

    def field(name: str, label: str, **kwargs: Any) -> FormField:
        return FormField(name, label, _shown(current, name), kind=RecordKind.STAFF, **kwargs)

    fields = [
        field("employee_id", "Employee id (PBJ)",
              hint="letters, digits, space and _ , . - \\ — never a Social Security number"),
        field("family_name", "Family name"),
        field("given_name", "Given name"),
        field("job_title_code", "PBJ job title", choices=JOB_TITLE_CHOICES, parse=whole_number),
        field("pay_type_code", "Pay type", choices=PAY_TYPE_CHOICES, parse=whole_number),
        field("department", "Department", required=False),
        field("hire_date", "Hire date", required=False, hint="YYYY-MM-DD"),
        field("termination_date", "Termination date", required=False, hint="YYYY-MM-DD"),
        field("phone", "Phone", required=False),
    ]
    return FormDialog(f"Edit staff member — {staff.display_name}", fields,
                      _changed_only(current, submit))


def edit_license(staff: StaffView, license_view: LicenseView,
                 submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    """A license's fields (renewed expiry, verification); only changes are sent."""
    current = license_view.fields

    def field(name: str, label: str, **kwargs: Any) -> FormField:
        return FormField(name, label, _shown(current, name), kind=RecordKind.LICENSE,
                         **kwargs)

    fields = [
        field("license_type", "Type", choices=LICENSE_TYPES),
        field("number", "Number"),
        field("issuing_state", "Issuing state", choices=STATE_CHOICES),
        field("expires_on", "Expires on", hint="YYYY-MM-DD — a renewal moves it on"),
        field("multistate", "Multistate (NLC)", choices=YES_NO, parse=_bool, required=False),
        field("verified_on", "Verified on", required=False, hint="YYYY-MM-DD"),
        field("verification_source", "Verified with", required=False,
              placeholder="e.g. Nursys QuickConfirm"),
    ]
    return FormDialog(f"Edit license — {staff.display_name}", fields,
                      _changed_only(current, submit))


def correct_hours(staff: StaffView, entry: HoursView,
                  submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    """A correction of one hours entry: a new entry that names the original."""
    current = entry.fields

    def field(name: str, label: str, **kwargs: Any) -> FormField:
        return FormField(name, label, _shown(current, name), kind=RecordKind.HOURS, **kwargs)

    fields = [
        field("work_date", "Work date", hint="YYYY-MM-DD; not in the future"),
        field("shift", "Shift", choices=SHIFTS, required=False),
        field("hours", "Hours", hint=HOURS_HINT),
        field("job_title_code", "PBJ job title", choices=JOB_TITLE_CHOICES, parse=whole_number),
        field("pay_type_code", "Pay type", choices=PAY_TYPE_CHOICES, parse=whole_number),
    ]
    intro = ("Worked hours are never changed in place: the correction is a new entry "
             "that names this one, and the original stays, marked corrected.")
    return FormDialog(f"Correct hours — {staff.display_name}", fields,
                      lambda values: submit(drop_empty(values)), intro=intro,
                      submit_label="Save correction")


def void_license(staff: StaffView, license_view: LicenseView,
                 submit: Callable[[str], str]) -> FormDialog[str]:
    """Mark a license entered in error; ``submit`` gets why. The form is the
    confirmation: nothing is written until it is saved."""
    intro = Text("Mark ")
    intro.append(f"{license_view.license_type or ''} {license_view.number or ''} "
                 f"({license_view.issuing_state or ''})", style="bold")
    intro.append(" of ")
    intro.append(staff.display_name, style="bold")
    intro.append(" entered in error? It stays on file, marked so, with your reason, and no "
                 "longer counts anywhere: the license roster, the staff member's standing, "
                 "an onboarding item it showed (which opens again). Esc: keep it.")
    fields = [FormField("reason", "Why was it entered in error?",
                        placeholder="e.g. another nurse's license")]
    return FormDialog(f"License entered in error — {staff.display_name}", fields,
                      lambda values: submit(values["reason"]), intro=intro,
                      submit_label="Mark entered in error")
