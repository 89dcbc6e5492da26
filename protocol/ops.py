"""Operations: what a terminal records offline and pushes to the server.

Each operation carries a time-sortable id, the terminal's gapless sequence
number, the user who made it, a hybrid-clock stamp, the schema version it was
written under, and a typed payload:

* ``create``  — a new record (``{kind, id, fields}``)
* ``update``  — field changes with the version each was based on
                (``{kind, id, changes: {field: [value, base_version]}}``)
* ``command`` — an invariant-bearing stay command (``{name, args}``)
* ``resolve`` — closes a field conflict with a chosen value
* ``void``    — marks a resident record entered in error
* ``merge``   — links a duplicate resident to the surviving record

Every pushed operation ends with exactly one :class:`OpResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import SchemaError, ValidationError
from .ids import is_id
from .records import CREATABLE, UPDATABLE, RecordKind, validate_fields

SCHEMA_VERSION = 1
MIN_SCHEMA_VERSION = 1
"""Operations written under an older schema than this are not applied; the
terminal is told to upgrade and keeps them in its outbox."""


class OpType(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    COMMAND = "command"
    RESOLVE = "resolve"
    VOID = "void"
    MERGE = "merge"


class CommandName(StrEnum):
    ADMIT = "admit"
    DISCHARGE = "discharge"
    TRANSFER = "transfer"
    ASSIGN_BED = "assign_bed"
    LEAVE = "leave"
    RETURN = "return"


class OpStatus(StrEnum):
    PENDING = "pending"
    """Only at the terminal: not yet answered by the server."""
    APPLIED = "applied"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    HELD = "held"
    """Held for supervisor review (e.g. the user was deactivated)."""


FINAL_STATUSES = frozenset({OpStatus.APPLIED, OpStatus.CONFLICT, OpStatus.REJECTED})


class Reason(StrEnum):
    """Why an operation was rejected or raised a conflict. Each has a sentence
    for the clerk in :data:`REASON_TEXT`.
    """

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    NOT_PERMITTED = "not_permitted"
    NOT_OWNER = "not_owner"
    OUT_OF_SCOPE = "out_of_scope"
    IMMUTABLE = "immutable"
    ALREADY_ADMITTED = "already_admitted"
    NOT_ADMITTED = "not_admitted"
    BED_OCCUPIED = "bed_occupied"
    BED_OUT_OF_SERVICE = "bed_out_of_service"
    ALREADY_IN_BED = "already_in_bed"
    NOT_ON_LEAVE = "not_on_leave"
    RECORD_VOIDED = "record_voided"
    FIELD_CONFLICT = "field_conflict"
    NO_CONFLICT = "no_conflict"
    USER_INACTIVE = "user_inactive"
    SEQ_MISMATCH = "seq_mismatch"
    UPGRADE_REQUIRED = "upgrade_required"


REASON_TEXT: dict[str, str] = {
    Reason.INVALID: "The entry breaks a rule; correct the field named and enter it again.",
    Reason.NOT_FOUND: "The record it refers to does not exist on the server.",
    Reason.ALREADY_EXISTS: "A record with this id already exists.",
    Reason.NOT_PERMITTED: "Your role does not allow this change; ask a records manager.",
    Reason.NOT_OWNER: "That bed or record belongs to another facility.",
    Reason.OUT_OF_SCOPE: "The resident is no longer at this facility (transferred); "
                         "clinical notes were kept, administrative changes were not.",
    Reason.IMMUTABLE: "Signed entries cannot be changed; add an amendment instead.",
    Reason.ALREADY_ADMITTED: "The resident was already admitted (another terminal was first); "
                             "open the resident to see the active stay.",
    Reason.NOT_ADMITTED: "The resident has no active stay for this command.",
    Reason.BED_OCCUPIED: "Another resident took that bed first; the resident is awaiting a "
                         "bed — choose a free bed.",
    Reason.BED_OUT_OF_SERVICE: "That bed is out of service; choose another bed.",
    Reason.ALREADY_IN_BED: "The resident already has a bed; transfer them instead.",
    Reason.NOT_ON_LEAVE: "The resident is not on leave.",
    Reason.RECORD_VOIDED: "The record was marked entered-in-error; your change is kept for "
                          "review.",
    Reason.FIELD_CONFLICT: "Someone else changed this field at the same time; both values are "
                           "kept until a records manager chooses.",
    Reason.NO_CONFLICT: "There is no open conflict on that field any more.",
    Reason.USER_INACTIVE: "The user's account was deactivated; the change waits for a "
                          "supervisor's review.",
    Reason.SEQ_MISMATCH: "The server already holds a different change under this number; "
                         "the terminal's store may have been restored from an old copy.",
    Reason.UPGRADE_REQUIRED: "This terminal's software is too old for the server; upgrade it. "
                             "Your changes are kept and will be sent after the upgrade.",
}


@dataclass(frozen=True, slots=True)
class FieldChange:
    value: Any
    base_version: int


@dataclass(frozen=True, slots=True)
class Operation:
    op_id: str
    seq: int
    op_type: OpType
    facility_id: str
    user_id: str
    recorded_at: int
    payload: Mapping[str, Any]
    schema: int = SCHEMA_VERSION

    @property
    def kind(self) -> RecordKind | None:
        raw = self.payload.get("kind")
        return RecordKind(raw) if raw is not None else None

    @property
    def target_id(self) -> str | None:
        value = self.payload.get("id")
        return str(value) if value is not None else None

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.op_id, "seq": self.seq, "type": str(self.op_type),
            "fac": self.facility_id, "user": self.user_id, "at": self.recorded_at,
            "schema": self.schema, "p": dict(self.payload),
        }


@dataclass(frozen=True, slots=True)
class OpResult:
    seq: int
    op_id: str
    status: OpStatus
    reason: str | None = None
    detail: str | None = None
    server_seq: int | None = None
    """The change-log position of the operation's effect, when it had one."""
    flags: tuple[str, ...] = field(default=())

    def to_wire(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "id": self.op_id, "status": str(self.status),
            "reason": self.reason, "detail": self.detail, "sseq": self.server_seq,
            "flags": list(self.flags),
        }

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> OpResult:
        from .schema import opt_int, opt_str, req_int, req_str, str_list

        return cls(
            seq=req_int(raw, "seq"), op_id=req_str(raw, "id"),
            status=OpStatus(_enum(raw, "status", OpStatus)),
            reason=opt_str(raw, "reason"), detail=opt_str(raw, "detail"),
            server_seq=opt_int(raw, "sseq"), flags=tuple(str_list(raw, "flags")),
        )


_MEMBERS: dict[type[StrEnum], frozenset[str]] = {}
_COMMANDS = frozenset(str(c) for c in CommandName)


def _enum(raw: Mapping[str, Any], key: str, enum: type[StrEnum]) -> str:
    value = raw.get(key)
    allowed = _MEMBERS.get(enum)
    if allowed is None:
        allowed = _MEMBERS[enum] = frozenset(str(member) for member in enum)
    if not isinstance(value, str) or value not in allowed:
        raise SchemaError(f"{key} must be one of {', '.join(sorted(allowed))}")
    return value


# --- payload validation --------------------------------------------------------

_COMMAND_ARGS: dict[CommandName, dict[str, bool]] = {
    # argument -> required
    CommandName.ADMIT: {"stay_id": True, "resident_id": True, "admitted_at": True,
                        "bed_id": False, "admission_type": False, "payer": False},
    CommandName.DISCHARGE: {"stay_id": True, "discharged_at": True, "disposition": False,
                            "destination": False},
    CommandName.TRANSFER: {"stay_id": True, "to_facility_id": True, "at": True},
    CommandName.ASSIGN_BED: {"stay_id": True, "bed_id": True},
    CommandName.LEAVE: {"stay_id": True, "leave_type": True, "at": True, "bed_hold": False},
    CommandName.RETURN: {"stay_id": True, "at": True},
}

DISPOSITIONS = ("home", "hospital", "other_facility", "death", "other")
LEAVE_TYPES = ("hospital", "therapeutic")


def check_payload(op_type: OpType, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an operation's payload strictly; return a cleaned copy.

    Raises :class:`ValidationError` (a clerk-fixable problem) or
    :class:`SchemaError` (a malformed message).
    """
    if op_type is OpType.CREATE:
        kind = _kind(payload, CREATABLE)
        _only(payload, {"kind", "id", "fields"})
        fields = _map(payload, "fields")
        return {"kind": kind, "id": _id(payload, "id"),
                "fields": validate_fields(kind, fields, creating=True)}
    if op_type is OpType.UPDATE:
        kind = _kind(payload, UPDATABLE)
        _only(payload, {"kind", "id", "changes"})
        raw_changes = _map(payload, "changes")
        if not raw_changes:
            raise SchemaError("changes must name at least one field")
        values: dict[str, Any] = {}
        bases: dict[str, int] = {}
        for name, pair in raw_changes.items():
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise SchemaError(f"change to {name} must be [value, base_version]")
            base = pair[1]
            if isinstance(base, bool) or not isinstance(base, int) or base < 0:
                raise SchemaError(f"base version of {name} must be a whole number ≥ 0")
            values[name] = pair[0]
            bases[name] = base
        cleaned = validate_fields(kind, values, creating=False)
        return {"kind": kind, "id": _id(payload, "id"),
                "changes": {n: FieldChange(cleaned[n], bases[n]) for n in cleaned}}
    if op_type is OpType.COMMAND:
        _only(payload, {"name", "args"})
        name_raw = payload.get("name")
        if not isinstance(name_raw, str) or name_raw not in _COMMANDS:
            raise SchemaError("unknown command")
        name = CommandName(name_raw)
        args = _map(payload, "args")
        return {"name": name, "args": _command_args(name, args)}
    if op_type is OpType.RESOLVE:
        kind = _kind(payload, UPDATABLE)
        _only(payload, {"kind", "id", "field", "value"})
        field_name = payload.get("field")
        if not isinstance(field_name, str):
            raise SchemaError("field must be a field name")
        value = validate_fields(kind, {field_name: payload.get("value")}, creating=False)
        return {"kind": kind, "id": _id(payload, "id"), "field": field_name,
                "value": value[field_name]}
    if op_type is OpType.VOID:
        _only(payload, {"kind", "id", "reason"})
        _kind(payload, frozenset({RecordKind.RESIDENT, RecordKind.DIAGNOSIS}))
        reason = payload.get("reason")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
            raise ValidationError("reason", "say why the record was entered in error")
        return {"kind": RecordKind(str(payload["kind"])), "id": _id(payload, "id"),
                "reason": reason.strip()}
    if op_type is OpType.MERGE:
        _only(payload, {"survivor_id", "duplicate_id"})
        survivor, duplicate = _id(payload, "survivor_id"), _id(payload, "duplicate_id")
        if survivor == duplicate:
            raise ValidationError("duplicate_id", "must differ from the surviving record")
        return {"survivor_id": survivor, "duplicate_id": duplicate}
    raise SchemaError(f"unknown operation type {op_type}")


def _command_args(name: CommandName, args: Mapping[str, Any]) -> dict[str, Any]:
    from .records import PAYERS, _choice, _date, _datetime, _record_id

    spec = _COMMAND_ARGS[name]
    unknown = set(args) - set(spec)
    if unknown:
        raise SchemaError(f"unknown argument(s) for {name}: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for arg, required in spec.items():
        value = args.get(arg)
        if value is None:
            if required:
                raise ValidationError(arg, "is required")
            continue
        if arg.endswith("_id"):
            out[arg] = _record_id(arg, value)
        elif arg in ("admitted_at", "discharged_at"):
            out[arg] = _date(arg, value)
        elif arg == "at":
            out[arg] = _datetime(arg, value) if "T" in str(value) else _date(arg, value)
        elif arg == "admission_type":
            out[arg] = _choice("new", "readmission")(arg, value)
        elif arg == "payer":
            out[arg] = _choice(*PAYERS)(arg, value)
        elif arg == "disposition":
            out[arg] = _choice(*DISPOSITIONS)(arg, value)
        elif arg == "leave_type":
            out[arg] = _choice(*LEAVE_TYPES)(arg, value)
        elif arg == "bed_hold":
            if not isinstance(value, bool):
                raise ValidationError(arg, "must be true or false")
            out[arg] = value
        else:
            if not isinstance(value, str) or len(value) > 200:
                raise ValidationError(arg, "must be text of at most 200 characters")
            out[arg] = value.strip()
    return out


_KINDS = frozenset(str(k) for k in RecordKind)


def _kind(payload: Mapping[str, Any], allowed: frozenset[RecordKind]) -> RecordKind:
    raw = payload.get("kind")
    if not isinstance(raw, str) or raw not in _KINDS:
        raise SchemaError("kind must name a record kind")
    kind = RecordKind(raw)
    if kind not in allowed:
        raise ValidationError("kind", f"a terminal cannot do that to a {kind} record")
    return kind


def _id(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not is_id(value):
        raise SchemaError(f"{key} must be a record id")
    return str(value)


def _map(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise SchemaError(f"{key} must be a map")
    return value


def _only(payload: Mapping[str, Any], allowed: set[str]) -> None:
    extra = set(payload) - allowed
    if extra:
        raise SchemaError(f"unknown field(s): {', '.join(sorted(map(str, extra)))}")
