"""Plain frozen values the engine hands to the UI, the CLI and tests.

Nothing here holds a database session or a key: a view can be kept, passed to
another thread, or shown after the session was locked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    role: str


@dataclass(frozen=True)
class SlotInfo:
    username: str
    role: str
    disabled: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class ResidentRow:
    id: str
    mrn: str
    display_name: str
    birth_date: str | None
    census_status: str
    bed_label: str | None
    unit_name: str | None
    admitted_at: str | None
    pending: bool


@dataclass(frozen=True)
class Departure:
    """A resident transferred out of this facility, as the facility keeps them."""

    resident_id: str
    display_name: str
    mrn: str
    birth_date: str | None
    admitted_at: str | None
    left_on: str | None
    to_facility: str
    """The receiving facility's name (or "another facility" if its name never came)."""


@dataclass(frozen=True)
class BedRow:
    unit_name: str
    bed_id: str
    label: str
    state: str
    """``occupied``, ``free``, ``held`` or ``out_of_service``."""
    resident_id: str | None
    resident_name: str | None
    pending: bool = False


@dataclass(frozen=True)
class Movement:
    kind: str
    """``admission``, ``discharge`` (deaths included) or ``transfer`` (to another
    facility: a discharge for the census, docs/rules.md §4.3)."""
    date: str
    resident_id: str
    """Empty for a chart destroyed here (listed as "record destroyed")."""
    resident_name: str
    pending: bool = False
    destination: str = ""
    """For a transfer: the receiving facility."""
    on_file: bool = True
    """Whether the resident's record is here to open (not transferred out, nor
    destroyed here)."""
    stay_id: str = ""
    """The stay it is a movement of: the list's key (two stays of one resident
    may be admitted on one day; a chart destroyed here names no resident)."""


@dataclass(frozen=True)
class ConflictValue:
    value: Any
    user: str | None
    terminal: str | None
    at: datetime | None
    user_name: str | None = None
    """Who made the change, by name, when the server sent the user's record."""
    terminal_name: str | None = None
    """The terminal's name, when the server sent it (terminals of this facility)."""


@dataclass(frozen=True)
class FacilityInfo:
    """A facility as the terminal names it: this one, or one to transfer to."""

    id: str
    name: str
    state_code: str | None


@dataclass(frozen=True)
class OpRow:
    seq: int
    op_id: str
    op_type: str
    summary: str
    status: str
    reason: str | None
    reason_text: str | None
    created_at: datetime
    record_kind: str | None
    record_id: str | None
    detail: str | None = None
    flags: tuple[str, ...] = ()
    depends_on: OpRow | None = None
    """For a ``dependency`` rejection: this terminal's rejected change that
    should have created the record this one refers to, shown with it."""


@dataclass(frozen=True)
class StayView:
    id: str
    resident_id: str | None
    admitted_at: str | None
    discharged_at: str | None
    bed_id: str | None
    bed_label: str | None
    status: str | None
    leave_type: str | None
    payer: str | None
    admission_type: str | None
    disposition: str | None
    destination: str | None
    pending: bool
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DiagnosisView:
    id: str
    code: str | None
    description: str | None
    onset_date: str | None
    rank: str | None
    status: str | None
    record_status: str
    pending: bool
    fields: dict[str, Any]
    versions: dict[str, int]
    conflicts: dict[str, list[ConflictValue]]


@dataclass(frozen=True)
class NoteView:
    id: str
    category: str | None
    clinical_time: str | None
    body: str | None
    author: str | None
    server_seq: int | None
    pending: bool
    amends: str | None
    entered_in_error_of: str | None
    amendments: list[NoteView]
    entered_in_error: bool
    fields: dict[str, Any]
    author_name: str | None = None
    """The author's display name (else user name), when the server has sent it."""
    documented_after_discharge: bool = False
    """Its clinical time lies after its stay ended; kept, linked, and marked."""
    error_marking: NoteView | None = None
    """The note that marked this one entered in error: its body is the reason,
    its author and time say who marked it and when."""


@dataclass(frozen=True)
class ResidentView:
    id: str
    fields: dict[str, Any]
    versions: dict[str, int]
    conflicts: dict[str, list[ConflictValue]]
    pending_fields: set[str]
    status: str
    replaced_by: str | None
    census_status: str
    stays: list[StayView]
    diagnoses: list[DiagnosisView]
    notes: list[NoteView]
    pending_commands: list[OpRow]
    transferred_from: str | None = None
    """The facility the resident was transferred from, by name ("another facility"
    when its name never came)."""
    open_elsewhere: tuple[str, ...] = ()
    """Records casework still open at a facility that transferred the resident here
    (docs/rules.md §5.6, N9), each in words with that facility's name: read-only
    here, that facility answers it."""
    answers: list[OpRow] = field(default_factory=list)
    """The latest of this resident's changes the server refused, held, found in
    conflict, or applied with a note (its flags), newest first."""
    mrn: str = ""
    display_name: str = ""
    bed_label: str | None = None
    unit_name: str | None = None
    pending: bool = False


@dataclass(frozen=True)
class StaffRow:
    id: str
    employee_id: str
    display_name: str
    job_title_code: int | None
    job_title: str
    pay_type_code: int | None
    next_license_expiry: date | None
    license_state: str
    """The most urgent license band (:class:`protocol.rules.staffing.licenses.Band`:
    ``expired``, ``needs_verification``, ``due_30``, ``due_60``, ``due_90``,
    ``current``), or ``none`` with no license on file."""
    pending: bool = False
    license_days_left: int | None = None


@dataclass(frozen=True)
class LicenseView:
    id: str
    license_type: str | None
    number: str | None
    issuing_state: str | None
    expires_on: date | None
    state: str
    pending: bool
    fields: dict[str, Any]
    versions: dict[str, int]
    conflicts: dict[str, list[ConflictValue]]
    days_left: int | None = None
    """Expiry date − today; None without an expiry date."""
    error_reason: str | None = None
    """Of a license marked entered in error: why, in the words of the entry that
    marked it (that entry carries them; on the entry itself, its own)."""


@dataclass(frozen=True)
class HoursView:
    id: str
    work_date: str | None
    hours: str | None
    job_title_code: int | None
    pay_type_code: int | None
    shift: str | None
    corrects: str | None
    entered_in_error_of: str | None
    pending: bool
    fields: dict[str, Any]


@dataclass(frozen=True)
class StaffView:
    id: str
    fields: dict[str, Any]
    versions: dict[str, int]
    conflicts: dict[str, list[ConflictValue]]
    pending_fields: set[str]
    display_name: str
    job_title: str
    licenses: list[LicenseView]
    hours: list[HoursView]
    license_state: str
    pending: bool = False
    license_days_left: int | None = None


@dataclass(frozen=True)
class ConflictRow:
    kind: str
    record_id: str
    record_label: str
    field: str
    values: list[ConflictValue]
    reason: str | None = None


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    pending: int
    last_sync_at: datetime | None
    last_error: str | None
    rejected: int
    conflicts: int
    held: int


@dataclass(frozen=True)
class SyncProgress:
    phase: str
    """``push`` or ``pull``."""
    done: int
    total: int | None
    retrying: str = ""
    """The last request is being tried again, in words ("Server not answering —
    retrying (2 of 2)"); empty while requests are answered."""


@dataclass(frozen=True)
class SyncReport:
    pushed: int = 0
    applied: int = 0
    conflicts: int = 0
    rejected: int = 0
    held: int = 0
    pulled: int = 0
    error: str | None = None
    notices: tuple[str, ...] = ()
    """What the round found that the clerk should know (in words)."""


@dataclass(frozen=True)
class TaskRow:
    """Work the server raised, e.g. two residents who may be one person."""

    id: str
    task_type: str
    status: str
    resident_ids: list[str]
    label: str
    pending: bool = False
