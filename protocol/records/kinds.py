"""Record kinds, their merge class, and which kinds a terminal may write.

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

from enum import StrEnum

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
    JOB_POSTING = "job_posting"
    """An open position: title, department, hours a week, requirements; closed once."""
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


CASE_KINDS = frozenset({
    RecordKind.RECORD_REQUEST, RecordKind.DISCLOSURE, RecordKind.ACCOUNTING_SUSPENSION,
    RecordKind.AMENDMENT_REQUEST, RecordKind.COMPLETENESS_REVIEW, RecordKind.LEGAL_HOLD,
    RecordKind.DESTRUCTION, RecordKind.EXTRACT, RecordKind.BUDGET_LINE, RecordKind.EXPENDITURE,
    RecordKind.BULLETIN, RecordKind.APPLICANT, RecordKind.JOB_POSTING,
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
