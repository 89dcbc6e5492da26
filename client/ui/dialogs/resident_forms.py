"""Forms for a resident's record: register, edit a field, stay commands, diagnoses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from rich.text import Text

from protocol.commands import DISPOSITIONS, LEAVE_TYPES
from protocol.errors import ValidationError
from protocol.ids import is_id
from protocol.records import FIELDS, PAYERS, RecordKind

from ..engine import FacilityInfo
from .form import FormDialog
from .form_fields import FormField

SEX = (("Female", "female"), ("Male", "male"), ("Unknown", "unknown"))
PAYER_CHOICES = tuple((p.capitalize(), p) for p in PAYERS)
YES_NO = (("Yes", "true"), ("No", "false"))

RESIDENT_LABELS = {
    "mrn": "Medical record number",
    "family_name": "Family name",
    "given_name": "Given name",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "preferred_name": "Preferred name",
    "phone": "Phone",
    "address": "Address",
    "emergency_contact": "Emergency contact",
    "language": "Language",
    "payer": "Payer",
    "smoker": "Smoker",
}


def check_date(name: str, value: Any) -> str:
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValidationError(name, "must be a real date written YYYY-MM-DD") from None


def check_datetime(name: str, value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value).strip()).isoformat(timespec="minutes")
    except ValueError:
        raise ValidationError(name, "must be a date and time written YYYY-MM-DDTHH:MM") from None


def check_record_id(name: str, value: Any) -> str:
    if not is_id(str(value).strip().upper()):
        raise ValidationError(name, "must be a record id of 26 letters and digits")
    return str(value).strip().upper()


def _bool(text: str) -> bool:
    return text == "true"


def drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def resident_field(name: str, value: Any) -> FormField:
    """The form field for one resident field, checked by the protocol's rule."""
    label = RESIDENT_LABELS.get(name, name.replace("_", " ").capitalize())
    spec = FIELDS[RecordKind.RESIDENT][name]
    shown = "" if value is None else ("true" if value is True else
                                      "false" if value is False else str(value))
    if name == "sex":
        return FormField(name, label, shown, kind=RecordKind.RESIDENT, choices=SEX)
    if name == "payer":
        return FormField(name, label, shown, kind=RecordKind.RESIDENT, choices=PAYER_CHOICES,
                         required=False)
    if name == "smoker":
        return FormField(name, label, shown, kind=RecordKind.RESIDENT, choices=YES_NO,
                         parse=_bool, required=False)
    hint = "YYYY-MM-DD" if name == "birth_date" else ""
    return FormField(name, label, shown, kind=RecordKind.RESIDENT, required=spec.required,
                     hint=hint)


def register_resident(submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    names = ("family_name", "given_name", "birth_date", "sex", "preferred_name", "payer")
    return FormDialog(
        "Register a resident", [resident_field(name, None) for name in names],
        lambda values: submit(drop_empty(values)),
        intro="A medical record number is assigned from this terminal's pool.",
        submit_label="Register")


def edit_resident_field(name: str, value: Any,
                        submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    field = resident_field(name, value)
    intro = ""
    if FIELDS[RecordKind.RESIDENT][name].identity:
        intro = ("This is an identity field: if someone else changes it at the same time, "
                 "both values are kept until a records manager chooses.")
    return FormDialog(f"Change {field.label.lower()}", [field],
                      lambda values: submit({name: values[name]}), intro=intro)


def admit(today: date, beds: list[tuple[Text, str]],
          submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    fields = [
        FormField("admitted_at", "Admission date", today.isoformat(), check=check_date,
                  hint="YYYY-MM-DD"),
        FormField("bed_id", "Bed", choices=beds, required=False,
                  hint="Free beds only; leave empty to admit awaiting a bed."),
        FormField("admission_type", "Admission type", "new",
                  choices=(("New admission", "new"), ("Readmission", "readmission"))),
        FormField("payer", "Payer", choices=PAYER_CHOICES, required=False),
    ]
    return FormDialog("Admit", fields, submit, submit_label="Admit",
                      intro="Saved at this terminal now; the server checks the bed when "
                            "the terminal syncs.")


def assign_bed(beds: list[tuple[Text, str]],
               submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    return FormDialog("Assign a bed", [FormField("bed_id", "Bed", choices=beds)], submit,
                      submit_label="Assign")


def discharge(today: date, submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    fields = [
        FormField("discharged_at", "Discharge date", today.isoformat(), check=check_date,
                  hint="YYYY-MM-DD"),
        FormField("disposition", "Discharged to",
                  choices=tuple((d.replace("_", " ").capitalize(), d) for d in DISPOSITIONS),
                  required=False),
        FormField("destination", "Destination (name, address)", required=False),
        FormField("return_anticipated", "Return anticipated", "false", choices=YES_NO,
                  parse=_bool, hint="MDS: a return within 30 days continues the "
                                    "assessment schedule (a re-entry)"),
    ]
    return FormDialog("Discharge", fields, submit, submit_label="Discharge")


def leave(now: str, submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    fields = [
        FormField("leave_type", "Leave", choices=tuple((t.capitalize(), t) for t in LEAVE_TYPES)),
        FormField("at", "Left at", now, check=check_datetime,
                  hint="YYYY-MM-DDTHH:MM"),
        FormField("bed_hold", "Hold the bed", "true", choices=YES_NO, parse=_bool),
        FormField("hospital_admission", "Admitted to the hospital", "false", choices=YES_NO,
                  parse=_bool, hint="hospital leave: admitted, not kept for observation "
                                    "(an MDS discharge and re-entry)"),
    ]
    return FormDialog("Leave of absence", fields, submit, submit_label="Start leave")


def return_from_leave(now: str, submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    fields = [FormField("at", "Returned at", now, check=check_datetime,
                        hint="YYYY-MM-DDTHH:MM")]
    return FormDialog("Return from leave", fields, submit, submit_label="Record return")


def transfer(now: str, facilities: Sequence[FacilityInfo],
             submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    """The receiving facility is picked by name (the server sent the list); no
    facility is chosen for the clerk."""
    choices = [(Text(f"{f.name} ({f.state_code})" if f.state_code else f.name), f.id)
               for f in facilities]
    fields = [
        FormField("to_facility_id", "Receiving facility", choices=choices, no_default=True),
        FormField("at", "Transferred at", now, check=check_datetime,
                  hint="YYYY-MM-DDTHH:MM"),
    ]
    intro = Text("The resident's whole record moves to the receiving facility; this "
                 "facility keeps them in its Transferred out list.")
    return FormDialog("Transfer to another facility", fields, submit, intro=intro,
                      submit_label="Transfer")
