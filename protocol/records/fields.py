"""Each record kind's fields and their rules, and the validation of a create or an
update against them (the same code at the terminal, as typed, and at the server)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..errors import ValidationError
from .checks import (
    Check,
    _bool,
    _choice,
    _date,
    _datetime,
    _int_range,
    _minutes,
    _pattern,
    _record_id,
    _record_ids,
    _text,
    _topics,
)
from .codes import PBJ_EMPLOYEE_ID, US_STATES, _states, check_hours, check_icd10
from .kinds import RecordKind


@dataclass(frozen=True)
class FieldSpec:
    name: str
    check: Check
    required: bool = False
    identity: bool = False
    """Identity fields (legal name, date of birth, sex) never resolve
    automatically: a concurrent change leaves the value as it was and waits
    for review."""
    editable: bool = True
    """False for fields set once at creation or only by the server."""


def _specs(*specs: FieldSpec) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in specs}


PAYERS = ("medicare", "medicaid", "private", "other")
ASSESSMENT_TYPES = (
    "admission", "quarterly", "annual", "significant_change",
    "significant_correction_comprehensive", "significant_correction_quarterly", "discharge",
    "entry", "death",
)
"""MDS assessment and tracking record types (``protocol.rules.residents.mds``)."""

FIELDS: dict[RecordKind, dict[str, FieldSpec]] = {
    RecordKind.RESIDENT: _specs(
        FieldSpec("mrn", _text(40), required=True, editable=False),
        FieldSpec("family_name", _text(80), required=True, identity=True),
        FieldSpec("given_name", _text(80), required=True, identity=True),
        FieldSpec("birth_date", _date, required=True, identity=True),
        FieldSpec("sex", _choice("female", "male", "unknown"), required=True, identity=True),
        FieldSpec("preferred_name", _text(80, allow_empty=True)),
        FieldSpec("phone", _pattern(r"[0-9+()\-. ]{0,30}", "must be a phone number")),
        FieldSpec("address", _text(200, allow_empty=True)),
        FieldSpec("emergency_contact", _text(200, allow_empty=True)),
        FieldSpec("language", _text(40, allow_empty=True)),
        FieldSpec("payer", _choice(*PAYERS)),
        FieldSpec("smoker", _bool),
    ),
    RecordKind.DIAGNOSIS: _specs(
        FieldSpec("resident_id", _record_id, required=True, editable=False),
        FieldSpec("code", check_icd10, required=True),
        FieldSpec("description", _text(200), required=True),
        FieldSpec("onset_date", _date),
        FieldSpec("rank", _choice("principal", "secondary")),
        FieldSpec("status", _choice("active", "resolved")),
    ),
    RecordKind.NOTE: _specs(
        FieldSpec("resident_id", _record_id, required=True),
        FieldSpec("stay_id", _record_id),
        FieldSpec("category", _choice("progress", "nursing", "social", "dietary",
                                      "therapy", "physician", "admission", "other"),
                  required=True),
        FieldSpec("clinical_time", _datetime, required=True),
        FieldSpec("body", _text(20_000), required=True),
        FieldSpec("amends", _record_id),
        FieldSpec("entered_in_error_of", _record_id),
    ),
    RecordKind.STAFF: _specs(
        FieldSpec("employee_id", _pattern(PBJ_EMPLOYEE_ID, "may use letters, digits, space "
                                          "and _ , . - \\ (1–30 characters), never an SSN"),
                  required=True),
        FieldSpec("family_name", _text(80), required=True),
        FieldSpec("given_name", _text(80), required=True),
        FieldSpec("job_title_code", _int_range(1, 40), required=True),
        FieldSpec("pay_type_code", _int_range(1, 3), required=True),
        FieldSpec("department", _text(80, allow_empty=True)),
        FieldSpec("hire_date", _date),
        FieldSpec("termination_date", _date),
        FieldSpec("phone", _pattern(r"[0-9+()\-. ]{0,30}", "must be a phone number")),
        # The designated RN Director of Nursing (full-time DON rule).
        FieldSpec("director_of_nursing", _bool),
        # Every state whose nurse-aide registry is believed to hold information.
        FieldSpec("registry_states", _states),
        # The last nurse-aide training and competency evaluation passed.
        FieldSpec("competent_on", _date),
        # The last day of paid nursing work before this facility, if known.
        FieldSpec("paid_nursing_before_hire", _date),
    ),
    RecordKind.LICENSE: _specs(
        FieldSpec("staff_id", _record_id, required=True, editable=False),
        FieldSpec("license_type", _choice("RN", "LPN", "LVN", "CNA", "APRN", "RHIA", "RHIT",
                                          "CCS", "CTR", "NHA", "other"), required=True),
        FieldSpec("number", _text(40), required=True),
        FieldSpec("issuing_state", _choice(*US_STATES), required=True),
        FieldSpec("issued_on", _date),
        FieldSpec("expires_on", _date, required=True),
        FieldSpec("multistate", _bool),
        FieldSpec("verified_on", _date),
        FieldSpec("verification_source", _text(80, allow_empty=True)),
        FieldSpec("verifier", _text(80, allow_empty=True)),
        FieldSpec("discipline_flag", _bool),
        # A later license entry voids one entered in error (it no longer counts)...
        FieldSpec("entered_in_error_of", _record_id, editable=False),
        # ... and says why, in the words of the records manager who voided it.
        FieldSpec("error_reason", _text(400), editable=False),
    ),
    RecordKind.HOURS: _specs(
        FieldSpec("staff_id", _record_id, required=True),
        FieldSpec("work_date", _date, required=True),
        FieldSpec("hours", check_hours, required=True),
        FieldSpec("job_title_code", _int_range(1, 40), required=True),
        FieldSpec("pay_type_code", _int_range(1, 3), required=True),
        FieldSpec("shift", _choice("day", "evening", "night")),
        # On site from (facility wall-clock time); with ``clock_out`` the shift is split at
        # midnight and judged for RN coverage.
        FieldSpec("clock_in", _datetime),
        FieldSpec("clock_out", _datetime),
        FieldSpec("meal_minutes", _minutes(0, 240)),
        FieldSpec("meal_start", _datetime),
        FieldSpec("corrects", _record_id),
        FieldSpec("entered_in_error_of", _record_id),
    ),
    RecordKind.ASSESSMENT: _specs(
        FieldSpec("resident_id", _record_id, required=True, editable=False),
        FieldSpec("assessment_type", _choice(*ASSESSMENT_TYPES), required=True),
        # A2300, the assessment reference date (a discharge assessment: the discharge date).
        FieldSpec("ard", _date),
        # A1600 entry date or A2000 death date of a tracking record.
        FieldSpec("event_on", _date),
        # When a significant change or error was determined.
        FieldSpec("determination_on", _date),
        # Z0500B.
        FieldSpec("completed_on", _date),
        # V0200B2.
        FieldSpec("caa_on", _date),
        # V0200C2.
        FieldSpec("care_plan_on", _date),
        FieldSpec("transmitted_on", _date),
        FieldSpec("note", _text(400, allow_empty=True)),
    ),
    RecordKind.TRAINING: _specs(
        FieldSpec("held_on", _date, required=True),
        FieldSpec("minutes", _minutes(1, 960), required=True),
        FieldSpec("topics", _topics, required=True),
        FieldSpec("title", _text(200), required=True),
        # Staff record ids.
        FieldSpec("attendees", _record_ids, required=True),
        FieldSpec("entered_in_error_of", _record_id),
    ),
    RecordKind.REVIEW: _specs(
        FieldSpec("staff_id", _record_id, required=True),
        FieldSpec("reviewed_on", _date, required=True),
        # Topics the in-service training must now address.
        FieldSpec("weaknesses", _topics),
        FieldSpec("reviewer", _text(80, allow_empty=True)),
        FieldSpec("entered_in_error_of", _record_id),
    ),
    RecordKind.REGISTRY_CHECK: _specs(
        FieldSpec("staff_id", _record_id, required=True),
        FieldSpec("state", _choice(*US_STATES), required=True),
        FieldSpec("checked_on", _date, required=True),
        # Listed as competent, with no finding that bars work as an aide.
        FieldSpec("in_good_standing", _bool, required=True),
        FieldSpec("source", _text(80, allow_empty=True)),
        FieldSpec("entered_in_error_of", _record_id),
    ),
    RecordKind.PAID_LEAVE: _specs(
        FieldSpec("staff_id", _record_id, required=True),
        FieldSpec("leave_date", _date, required=True),
        FieldSpec("hours", check_hours, required=True),
        FieldSpec("leave_type", _choice("vacation", "sick", "holiday", "other")),
        FieldSpec("entered_in_error_of", _record_id),
    ),
    RecordKind.BED: _specs(
        FieldSpec("out_of_service", _bool),
    ),
    RecordKind.TASK: _specs(
        FieldSpec("status", _choice("open", "dismissed", "done")),
    ),
}


@cache
def identity_fields(kind: RecordKind) -> frozenset[str]:
    """The fields that identify a record of ``kind`` (asked by every merge)."""
    return frozenset(name for name, spec in FIELDS.get(kind, {}).items() if spec.identity)


def validate_fields(kind: RecordKind, values: Mapping[str, Any], *,
                    creating: bool) -> dict[str, Any]:
    """Check and normalise the fields of a create (all required present) or an
    update (only editable fields). Returns cleaned values; raises
    :class:`ValidationError` naming the first bad field.
    """
    specs = FIELDS.get(kind)
    if specs is None:
        raise ValidationError("kind", f"{kind} records cannot be written from a terminal")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        spec = specs.get(name)
        if spec is None:
            raise ValidationError(name, f"is not a field of a {kind} record")
        if not creating and not spec.editable:
            raise ValidationError(name, "cannot be changed after the record is created")
        if value is None:
            if spec.required:
                raise ValidationError(name, "is required")
            cleaned[name] = None
            continue
        cleaned[name] = spec.check(name, value)
    if creating:
        for name, spec in specs.items():
            if spec.required and cleaned.get(name) is None:
                raise ValidationError(name, "is required")
    return cleaned


def validate_field(kind: RecordKind, name: str, value: Any) -> Any:
    """Check one field as typed, for input validation at the terminal."""
    return validate_fields(kind, {name: value}, creating=False)[name]


def resident_display_name(fields: Mapping[str, Any]) -> str:
    family = fields.get("family_name") or ""
    given = fields.get("given_name") or ""
    return f"{family}, {given}".strip(", ")
