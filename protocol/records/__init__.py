"""Record kinds, their merge class, and the rules for their fields, by topic:

* :mod:`.kinds` — the record kinds, their merge class, the roles, and which kinds a
  terminal may create or change;
* :mod:`.checks` — the checks a field's value goes through, by type of value (text,
  dates, choices, record ids…), also used by commands' arguments;
* :mod:`.codes` — fields checked against an outside code set: ICD-10-CM, US states,
  worked hours and employee ids as PBJ wants them;
* :mod:`.fields` — each kind's fields and the validation of a create or an update.

Every name is importable from ``protocol.records`` itself.
"""

from __future__ import annotations

from .checks import (
    TOPIC,
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
from .codes import (
    ICD10_CM,
    PBJ_EMPLOYEE_ID,
    US_STATES,
    _states,
    check_hours,
    check_icd10,
    check_icd10_shape,
    state_codes,
)
from .fields import (
    ASSESSMENT_TYPES,
    FIELDS,
    PAYERS,
    FieldSpec,
    identity_fields,
    resident_display_name,
    validate_field,
    validate_fields,
)
from .kinds import (
    CASE_KINDS,
    CREATABLE,
    KIND_MAX_LENGTH,
    MERGE_CLASS,
    UPDATABLE,
    MergeClass,
    RecordKind,
    Role,
    merge_class,
)

__all__ = [
    "ASSESSMENT_TYPES",
    "CASE_KINDS",
    "CREATABLE",
    "FIELDS",
    "ICD10_CM",
    "KIND_MAX_LENGTH",
    "MERGE_CLASS",
    "PAYERS",
    "PBJ_EMPLOYEE_ID",
    "TOPIC",
    "UPDATABLE",
    "US_STATES",
    "Check",
    "FieldSpec",
    "MergeClass",
    "RecordKind",
    "Role",
    "_bool",
    "_choice",
    "_date",
    "_datetime",
    "_int_range",
    "_minutes",
    "_pattern",
    "_record_id",
    "_record_ids",
    "_states",
    "_text",
    "_topics",
    "check_hours",
    "check_icd10",
    "check_icd10_shape",
    "identity_fields",
    "merge_class",
    "resident_display_name",
    "state_codes",
    "validate_field",
    "validate_fields",
]
