"""Forms for a staff member's compliance records: a shift by its clock times, an
in-service session, a performance review, a nurse-aide registry check, paid leave.

Each field is checked as typed by the record's own rule (``protocol.records``)
and the shared date rules (:mod:`.date_checks`); the save is checked again by the
engine, which refuses what the server would (clock times that disagree, a
completion in the future) with the field named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from protocol.errors import ValidationError
from protocol.records import RecordKind, validate_field
from protocol.records.codes import US_STATES, state_codes
from protocol.rules.dates import check_record_dates, clocked_hours
from protocol.rules.staffing.nurse_aides import IN_SERVICE_MINUTES, REQUIRED_TOPICS

from ..engine import HoursView, InputError, Session, StaffView
from .attendee_picker import Attendee
from .date_checks import dated
from .form import FormDialog
from .form_fields import FormField, whole_number
from .resident_forms import YES_NO, drop_empty
from .staff_forms import JOB_TITLE_CHOICES, PAY_TYPE_CHOICES, SHIFTS

STATE_CHOICES = tuple((s, s) for s in US_STATES)
LEAVE_TYPES = (("Vacation", "vacation"), ("Sick", "sick"), ("Holiday", "holiday"),
               ("Other", "other"))
TOPICS_HINT = ("topic codes separated by spaces, e.g. " + " ".join(sorted(REQUIRED_TOPICS))
               + f" (both needed in the {IN_SERVICE_MINUTES / 60:.0f} hours a year)")


def _yes(text: str) -> bool:
    return text == "true"


def _staff_default(staff: StaffView, name: str) -> str:
    value = staff.fields.get(name)
    return "" if value is None else str(value)


def training_minutes(name: str, value: Any) -> int:
    """In-service hours as typed ("1.5") to the record's whole minutes (90)."""
    try:
        minutes = Decimal(str(value).strip()) * 60
    except InvalidOperation:
        raise ValidationError(name, "must be hours written like 1.5") from None
    if minutes != minutes.to_integral_value():
        raise ValidationError(name, "must be whole minutes (1.25 is 75 minutes)")
    try:
        return int(validate_field(RecordKind.TRAINING, "minutes", int(minutes)))
    except ValidationError:
        raise ValidationError(name, "must be more than 0 and at most 16 hours") from None


def _shown_time(value: Any) -> str:
    return str(value).replace("T", " ") if value else ""


def _clocked_fields(staff: StaffView, current: Mapping[str, Any], start: str
                    ) -> list[FormField]:
    def code(name: str) -> str:
        value = current.get(name, staff.fields.get(name))
        return "" if value is None else str(value)

    meal = current.get("meal_minutes")
    return [
        FormField("clock_in", "Clocked in", _shown_time(current.get("clock_in")) or start,
                  kind=RecordKind.HOURS, hint="YYYY-MM-DD HH:MM (the facility's time)"),
        FormField("clock_out", "Clocked out", _shown_time(current.get("clock_out")),
                  kind=RecordKind.HOURS,
                  hint="YYYY-MM-DD HH:MM — the next day's date for a night shift"),
        FormField("meal_minutes", "Meal break (minutes)", "0" if meal is None else str(meal),
                  kind=RecordKind.HOURS, required=False,
                  hint="paid or unpaid, it does not count as worked"),
        FormField("shift", "Shift", str(current.get("shift") or ""), kind=RecordKind.HOURS,
                  choices=SHIFTS, required=False),
        FormField("job_title_code", "PBJ job title", code("job_title_code"),
                  kind=RecordKind.HOURS, choices=JOB_TITLE_CHOICES, parse=whole_number),
        FormField("pay_type_code", "Pay type", code("pay_type_code"), kind=RecordKind.HOURS,
                  choices=PAY_TYPE_CHOICES, parse=whole_number),
    ]


def _with_hours(today: date, fields: list[FormField],
                submit: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], str]:
    """Work the hours out from the clock times once the shift rule accepts the times."""
    labels = {spec.name: spec.label for spec in fields}

    def send(values: dict[str, Any]) -> str:
        entry = drop_empty(values)
        entry.setdefault("meal_minutes", 0)
        clock_in = datetime.fromisoformat(entry["clock_in"])
        entry["work_date"] = clock_in.date().isoformat()
        try:  # the times first: the hours are worked out only from times in order
            check_record_dates(RecordKind.HOURS, entry, today=today)
        except ValidationError as exc:
            raise InputError(exc.field, f"{labels.get(exc.field, exc.field)}: {exc.reason}"
                             ) from None
        entry["hours"] = str(clocked_hours(clock_in, datetime.fromisoformat(entry["clock_out"]),
                                           int(entry["meal_minutes"])))
        return submit(entry)

    return send


def add_clocked_hours(today: date, staff: StaffView,
                      submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    """A shift by its clock times (a night shift ends the next day); the work date is
    the clock-in's, the hours are the time on site less the meal (PBJ splits the
    shift at midnight from these times)."""
    fields = _clocked_fields(staff, {}, f"{today.isoformat()} 07:00")
    return FormDialog(f"Shift by clock times — {staff.display_name}", fields,
                      _with_hours(today, fields, submit),
                      intro="The hours are worked out from the times, less the meal.",
                      submit_label="Save shift")


def correct_clocked_hours(today: date, staff: StaffView, entry: HoursView,
                          submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    """The correction of a shift entered by its clock times: the times are corrected
    and the hours worked out again (a new entry naming the original)."""
    fields = _clocked_fields(staff, entry.fields, "")
    intro = ("Worked hours are never changed in place: the correction is a new entry "
             "that names this one, and the original stays, marked corrected. The hours "
             "are worked out from the corrected times.")
    return FormDialog(f"Correct a shift — {staff.display_name}", fields,
                      _with_hours(today, fields, submit), intro=intro,
                      submit_label="Save correction")


def add_training(today: date, staff: StaffView, submit: Callable[[dict[str, Any]], str],
                 attendees: Sequence[Attendee] = ()) -> FormDialog[str]:
    """An in-service session: one record with its attendees (``attendees``, by
    default the staff member alone)."""
    who = list(attendees) or [(staff.id, staff.display_name)]
    fields = [
        FormField("held_on", "Held on", today.isoformat(), kind=RecordKind.TRAINING,
                  check=dated(RecordKind.TRAINING, today), hint="YYYY-MM-DD"),
        FormField("hours", "In-service hours", check=training_minutes,
                  hint="e.g. 1.5 — counts toward 12 hours a year"),
        FormField("title", "Title", kind=RecordKind.TRAINING,
                  placeholder="e.g. Dementia care: responding to distress"),
        FormField("topics", "Topics", kind=RecordKind.TRAINING, hint=TOPICS_HINT),
    ]

    def send(values: dict[str, Any]) -> str:
        record = {"held_on": values["held_on"], "minutes": values["hours"],
                  "title": values["title"], "topics": values["topics"],
                  "attendees": [staff_id for staff_id, _name in who]}
        return submit(record)

    title = who[0][1] if len(who) == 1 else f"{len(who)} attending"
    return FormDialog(f"In-service training — {title}", fields, send,
                      intro="Attending: " + "; ".join(name for _id, name in who),
                      submit_label="Save training")


def add_review(today: date, staff: StaffView,
               submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    """A performance review (at least every 12 months), with the weaknesses the
    in-service training must now address."""
    fields = [
        FormField("reviewed_on", "Reviewed on", today.isoformat(), kind=RecordKind.REVIEW,
                  check=dated(RecordKind.REVIEW, today), hint="YYYY-MM-DD"),
        FormField("weaknesses", "Weaknesses to address in in-service", kind=RecordKind.REVIEW,
                  required=False, hint="topic codes, e.g. infection_control"),
        FormField("reviewer", "Reviewer", kind=RecordKind.REVIEW, required=False),
    ]
    return FormDialog(f"Performance review — {staff.display_name}", fields,
                      lambda values: submit(drop_empty(values)), submit_label="Save review")


def add_registry_check(today: date, staff: StaffView,
                       submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    """A nurse-aide registry verification; needed before the first shift as an aide,
    in every state whose registry may hold information on them."""
    states = sorted(state_codes(staff.fields.get("registry_states")))
    fields = [
        FormField("state", "Registry of", states[0] if states else "",
                  kind=RecordKind.REGISTRY_CHECK, choices=STATE_CHOICES),
        FormField("checked_on", "Checked on", today.isoformat(), kind=RecordKind.REGISTRY_CHECK,
                  check=dated(RecordKind.REGISTRY_CHECK, today), hint="YYYY-MM-DD"),
        FormField("in_good_standing", "Listed, competent, no finding that bars work", "true",
                  kind=RecordKind.REGISTRY_CHECK, choices=YES_NO, parse=_yes),
        FormField("source", "Checked with", kind=RecordKind.REGISTRY_CHECK, required=False,
                  placeholder="e.g. the state registry's website"),
    ]
    intro = ("Check before the first shift as a nurse aide"
             + (f"; registries on file: {' '.join(states)}." if states else "."))
    return FormDialog(f"Registry check — {staff.display_name}", fields,
                      lambda values: submit(drop_empty(values)), intro=intro,
                      submit_label="Save check")


def add_paid_leave(today: date, staff: StaffView,
                   submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    """Paid time off: never counted as worked hours."""
    fields = [
        FormField("leave_date", "Date", today.isoformat(), kind=RecordKind.PAID_LEAVE,
                  hint="YYYY-MM-DD"),
        FormField("hours", "Hours", kind=RecordKind.PAID_LEAVE, hint="e.g. 8"),
        FormField("leave_type", "Kind of leave", "vacation", kind=RecordKind.PAID_LEAVE,
                  choices=LEAVE_TYPES, required=False),
    ]
    return FormDialog(f"Paid leave — {staff.display_name}", fields,
                      lambda values: submit(drop_empty(values)),
                      intro="Paid time off never counts as hours worked.",
                      submit_label="Save leave")


FormBuilder = Callable[[date, StaffView, Callable[[dict[str, Any]], str]], FormDialog[str]]

FORMS: dict[str, tuple[RecordKind, FormBuilder, str]] = {
    "clocked": (RecordKind.HOURS, add_clocked_hours, "Shift saved"),
    "training": (RecordKind.TRAINING, add_training, "In-service training saved"),
    "review": (RecordKind.REVIEW, add_review, "Performance review saved"),
    "registry": (RecordKind.REGISTRY_CHECK, add_registry_check, "Registry check saved"),
    "leave": (RecordKind.PAID_LEAVE, add_paid_leave, "Paid leave saved"),
}
"""The staff screen's compliance forms by name: the record kind each creates (who may,
is :mod:`protocol.rules.permissions`'s), the form, what the clerk is told on save."""


def saver(which: str, session: Session, staff_id: str) -> Callable[[dict[str, Any]], str]:
    """The engine call that saves form ``which`` for staff member ``staff_id``."""
    staff = session.staff
    calls: dict[str, Callable[[dict[str, Any]], str]] = {
        "clocked": lambda values: staff.add_hours(staff_id, values),
        "training": staff.add_training,
        "review": lambda values: staff.add_review(staff_id, values),
        "registry": lambda values: staff.add_registry_check(staff_id, values),
        "leave": lambda values: staff.add_paid_leave(staff_id, values),
    }
    return calls[which]

