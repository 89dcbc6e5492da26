"""Record kinds, their merge class, and the rules for their fields.

The merge class decides how concurrent offline changes combine:

* ``IMMUTABLE`` facts (notes, worked hours) are inserted once and never
  change; a correction is a new record linked to the original.
* ``MERGEABLE`` records (residents, diagnoses, staff, licenses) change field
  by field; each change names the field version it was based on.
* ``COMMAND`` records (stays) change only through server-executed commands
  that check invariants (one active stay per resident, one resident per bed).
* ``REFERENCE`` records (facilities, units, beds, users, tasks) are written by
  the server; terminals receive them and may change only what a spec allows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from .errors import ValidationError
from .rules.residents import diagnosis_codes

KIND_MAX_LENGTH = 16
"""The longest a record kind's name may be: the server stores it in 16-character
columns (``records.kind``, ``changes.kind``), which PostgreSQL enforces and SQLite
does not, so a longer name works against SQLite and fails every push on PostgreSQL."""


class RecordKind(StrEnum):
    FACILITY = "facility"
    UNIT = "unit"
    BED = "bed"
    USER = "user"
    RESIDENT = "resident"
    STAY = "stay"
    DIAGNOSIS = "diagnosis"
    NOTE = "note"
    STAFF = "staff"
    LICENSE = "license"
    HOURS = "hours"
    TASK = "task"
    ASSESSMENT = "assessment"
    """An MDS assessment or tracking record of a resident."""
    TRAINING = "training"
    """An in-service training session and who attended it."""
    REVIEW = "review"
    """A nurse aide's performance review."""
    REGISTRY_CHECK = "registry_check"
    """A nurse-aide registry verification."""
    PAID_LEAVE = "paid_leave"
    """Paid time off of a staff member (never worked hours)."""
    RECORD_REQUEST = "record_request"
    """A request for a resident's records (release of information)."""
    DISCLOSURE = "disclosure"
    """A disclosure of a resident's information, logged for the accounting."""
    ACCOUNTING_SUSPENSION = "acct_suspension"
    """An agency's statement suspending the accounting of its disclosures."""
    AMENDMENT_REQUEST = "amend_request"
    """A resident's request to amend their record, and its decision."""
    COMPLETENESS_REVIEW = "completeness"
    """The completeness review of a discharge and its deficiencies."""
    LEGAL_HOLD = "legal_hold"
    """A legal hold on a resident's record."""
    DESTRUCTION = "destruction"
    """A destruction list, its approval and its certificate."""
    EXTRACT = "extract"
    """A research or statistics extract: how, for whom, why (the file stays local)."""
    BUDGET_LINE = "budget_line"
    """A department's budget for one account and fiscal year."""
    EXPENDITURE = "expenditure"
    """A request to spend against a budget line, and its decision."""
    APPLICANT = "applicant"
    """An applicant for a position, their stages, hire and onboarding checklist."""
    BULLETIN = "bulletin"
    """A regulation bulletin the region published to a facility, and who acknowledged it."""


class MergeClass(StrEnum):
    IMMUTABLE = "immutable"
    MERGEABLE = "mergeable"
    COMMAND = "command"
    REFERENCE = "reference"


class Role(StrEnum):
    CLERK = "clerk"
    RECORDS_MANAGER = "records_manager"
    REGIONAL_MANAGER = "regional_manager"
    INSPECTOR = "inspector"


# --- field types -----------------------------------------------------------

Check = Callable[[str, Any], Any]


def _text(max_len: int, *, allow_empty: bool = False) -> Check:
    def check(name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(name, "must be text")
        if "\x00" in value:
            raise ValidationError(name, "must not contain NUL characters")
        stripped = value.strip()
        if not stripped and not allow_empty:
            raise ValidationError(name, "must not be empty")
        if len(value) > max_len:
            raise ValidationError(name, f"must be at most {max_len} characters")
        return stripped

    return check


def _pattern(regex: str, explain: str, *, upper: bool = False) -> Check:
    compiled = re.compile(regex)

    def check(name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(name, "must be text")
        cleaned = value.strip().upper() if upper else value.strip()
        if not compiled.fullmatch(cleaned):
            raise ValidationError(name, explain)
        return cleaned

    return check


def _date(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValidationError(name, "must be a real date written YYYY-MM-DD") from None


def _datetime(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, "must be a date and time written YYYY-MM-DDTHH:MM")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(name, "must be a date and time written YYYY-MM-DDTHH:MM") from None
    return parsed.isoformat(timespec="minutes")


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(name, "must be true or false")
    return value


def _choice(*options: str) -> Check:
    allowed = frozenset(options)

    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise ValidationError(name, "must be one of " + ", ".join(sorted(allowed)))
        return str(value)

    return check


def _int_range(low: int, high: int) -> Check:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(name, "must be a whole number")
        if not low <= value <= high:
            raise ValidationError(name, f"must be between {low} and {high}")
        return value

    return check


def _record_id(name: str, value: Any) -> str:
    from .ids import is_id

    if not is_id(value):
        raise ValidationError(name, "must be a record id")
    return str(value)


def _record_ids(name: str, value: Any) -> list[str]:
    """A list of 1–500 record ids, each once (the attendees of a training)."""
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 500:
        raise ValidationError(name, "must list 1–500 records")
    ids = [_record_id(name, item) for item in value]
    return sorted(set(ids))


def _minutes(low: int, high: int) -> Check:
    """A whole number of minutes, given as a number or as text."""

    def check(name: str, value: Any) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        return int(_int_range(low, high)(name, value))

    return check


TOPIC = re.compile(r"[a-z][a-z0-9_]{1,39}")


def _topics(name: str, value: Any) -> list[str]:
    """Training topics as codes (``dementia_management``, ``abuse_prevention``):
    a list, or text separated by commas or spaces."""
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or len(items) > 40:
        raise ValidationError(name, "must list topic codes such as dementia_management")
    out = []
    for item in items:
        code = str(item).strip().lower().replace("-", "_")
        if not TOPIC.fullmatch(code):
            raise ValidationError(name, f"{item!r} is not a topic code (letters, digits, _)")
        out.append(code)
    return sorted(set(out))


def _states(name: str, value: Any) -> str:
    """Two-letter state codes separated by spaces or commas, kept as ``"OH PA"``."""
    if not isinstance(value, str):
        raise ValidationError(name, "must be state codes such as OH PA")
    codes = value.replace(",", " ").upper().split()
    bad = [code for code in codes if code not in US_STATES]
    if bad:
        raise ValidationError(name, f"{bad[0]} is not a US state or territory code")
    return " ".join(sorted(set(codes)))


ICD10_CM = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?")


def check_icd10(name: str, value: Any) -> str:
    """ICD-10-CM: shaped like one (:func:`check_icd10_shape`) and a billable code
    of the real code set (:mod:`protocol.rules.residents.diagnosis_codes`)."""
    code = check_icd10_shape(name, value)
    problem = diagnosis_codes.problem(code)
    if problem is not None:
        raise ValidationError(name, problem)
    return code


def check_icd10_shape(name: str, value: Any) -> str:
    """The shape of an ICD-10-CM code: 3–7 characters, a letter first, a dot after
    the third (checked at once, before the code set is read)."""
    if not isinstance(value, str):
        raise ValidationError(name, "must be an ICD-10-CM code such as E11.9")
    code = value.strip().upper()
    if len(code) > 3 and "." not in code:
        raise ValidationError(name, "needs a dot after the third character, e.g. E11.9")
    if not ICD10_CM.fullmatch(code):
        raise ValidationError(
            name, "must be an ICD-10-CM code: a letter, a digit, a character, then an "
            "optional dot and 1–4 characters (e.g. I10, E11.9, S72.001A)"
        )
    return code


def check_hours(name: str, value: Any) -> str:
    """Worked hours as PBJ wants them: 0–22.5, at most two decimals."""
    if not isinstance(value, str):
        raise ValidationError(name, "must be hours written like 7.5")
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ValidationError(name, "must be hours written like 7.5") from None
    exponent = amount.as_tuple().exponent  # a letter for NaN and infinity
    if not isinstance(exponent, int) or exponent < -2:
        raise ValidationError(name, "may have at most two decimals")
    if not Decimal(0) < amount <= Decimal("22.5"):
        raise ValidationError(name, "must be more than 0 and at most 22.5 hours")
    return f"{amount:.2f}"


PBJ_EMPLOYEE_ID = r"[A-Za-z0-9_,.\- \\]{1,30}"
US_STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA",
    "VI", "WA", "WV", "WI", "WY", "GU",
]

def state_codes(value: Any) -> frozenset[str]:
    """The codes of a :func:`_states` field (empty when not set)."""
    return frozenset(value.split()) if isinstance(value, str) else frozenset()


# --- field specs -------------------------------------------------------------


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

CASE_KINDS = frozenset({
    RecordKind.RECORD_REQUEST, RecordKind.DISCLOSURE, RecordKind.ACCOUNTING_SUSPENSION,
    RecordKind.AMENDMENT_REQUEST, RecordKind.COMPLETENESS_REVIEW, RecordKind.LEGAL_HOLD,
    RecordKind.DESTRUCTION, RecordKind.EXTRACT, RecordKind.BUDGET_LINE, RecordKind.EXPENDITURE,
    RecordKind.BULLETIN, RecordKind.APPLICANT,
})
"""The records department's case records: changed only by records commands
(:mod:`protocol.rules.records.commands`)."""

MERGE_CLASS: dict[RecordKind, MergeClass] = {
    RecordKind.FACILITY: MergeClass.REFERENCE,
    RecordKind.UNIT: MergeClass.REFERENCE,
    RecordKind.BED: MergeClass.REFERENCE,
    RecordKind.USER: MergeClass.REFERENCE,
    RecordKind.TASK: MergeClass.REFERENCE,
    RecordKind.RESIDENT: MergeClass.MERGEABLE,
    RecordKind.DIAGNOSIS: MergeClass.MERGEABLE,
    RecordKind.STAFF: MergeClass.MERGEABLE,
    RecordKind.LICENSE: MergeClass.MERGEABLE,
    RecordKind.STAY: MergeClass.COMMAND,
    RecordKind.NOTE: MergeClass.IMMUTABLE,
    RecordKind.HOURS: MergeClass.IMMUTABLE,
    RecordKind.ASSESSMENT: MergeClass.MERGEABLE,
    RecordKind.TRAINING: MergeClass.IMMUTABLE,
    RecordKind.REVIEW: MergeClass.IMMUTABLE,
    RecordKind.REGISTRY_CHECK: MergeClass.IMMUTABLE,
    RecordKind.PAID_LEAVE: MergeClass.IMMUTABLE,
    **dict.fromkeys(CASE_KINDS, MergeClass.COMMAND),
}

CREATABLE = frozenset({RecordKind.RESIDENT, RecordKind.DIAGNOSIS, RecordKind.NOTE,
                       RecordKind.STAFF, RecordKind.LICENSE, RecordKind.HOURS,
                       RecordKind.ASSESSMENT, RecordKind.TRAINING, RecordKind.REVIEW,
                       RecordKind.REGISTRY_CHECK, RecordKind.PAID_LEAVE})
"""Kinds a terminal may create. Stays are created by the ``admit`` command."""

UPDATABLE = frozenset({RecordKind.RESIDENT, RecordKind.DIAGNOSIS, RecordKind.STAFF,
                       RecordKind.LICENSE, RecordKind.BED, RecordKind.TASK,
                       RecordKind.ASSESSMENT})
"""Kinds a terminal may change field by field. Who may do either is
:mod:`protocol.rules.permissions`."""


def merge_class(kind: RecordKind) -> MergeClass:
    return MERGE_CLASS[kind]


def identity_fields(kind: RecordKind) -> frozenset[str]:
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
