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

from .commands import CommandName, command_spec
from .errors import SchemaError, ValidationError
from .ids import is_id
from .reasons import REASON_TEXT, Reason, understood_by
from .records import CREATABLE, UPDATABLE, RecordKind, validate_fields
from .schema import NUL_REFUSED, nul_at, opt_int, opt_str, req_int, req_str, str_list

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


class OpStatus(StrEnum):
    PENDING = "pending"
    """Only at the terminal: not yet answered by the server."""
    APPLIED = "applied"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    HELD = "held"
    """Held for supervisor review (e.g. the user was deactivated)."""


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
    depends_on: str | None = None
    """For a ``dependency`` rejection: the id of the rejected operation that
    should have created the record this one refers to."""

    def for_protocol(self, protocol: int) -> OpResult:
        """This result as a terminal of sync ``protocol`` reads it: a reason newer
        than that terminal becomes the one it knows (:func:`~protocol.reasons.understood_by`)."""
        reason = understood_by(self.reason, protocol)
        if reason == self.reason:
            return self
        return OpResult(self.seq, self.op_id, self.status, reason, self.detail,
                        self.server_seq, self.flags, self.depends_on)

    def to_wire(self) -> dict[str, Any]:
        wire = {
            "seq": self.seq, "id": self.op_id, "status": str(self.status),
            "reason": self.reason, "detail": self.detail, "sseq": self.server_seq,
            "flags": list(self.flags),
        }
        if self.depends_on is not None:
            wire["dep"] = self.depends_on
        return wire

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> OpResult:
        """A result from the wire. An answer holds up to a thousand: the usual
        shape (plain text and numbers, within the limits) is checked inline,
        anything else by the accessors, which name what is wrong."""
        seq, op_id, status = raw.get("seq"), raw.get("id"), raw.get("status")
        reason, detail, sseq = raw.get("reason"), raw.get("detail"), raw.get("sseq")
        flags, dep = raw.get("flags", []), raw.get("dep")
        if (type(seq) is int and 0 <= seq <= _MAX_INT
                and type(op_id) is str and 0 < len(op_id) <= 500
                and type(status) is str and status in _STATUS
                and (reason is None or (type(reason) is str and len(reason) <= _MAX_TEXT))
                and (detail is None or (type(detail) is str and len(detail) <= _MAX_TEXT))
                and (sseq is None or (type(sseq) is int and 0 <= sseq <= _MAX_INT))
                and type(flags) is list and (not flags or all(type(f) is str for f in flags))
                and (dep is None or (type(dep) is str and len(dep) <= 64))):
            return cls(seq, op_id, _STATUS[status], reason, detail, sseq, tuple(flags), dep)
        return cls._checked(raw)

    @classmethod
    def _checked(cls, raw: Mapping[str, Any]) -> OpResult:
        return cls(
            seq=req_int(raw, "seq"), op_id=req_str(raw, "id"),
            status=_STATUS[_enum(raw, "status", OpStatus)],
            reason=opt_str(raw, "reason"), detail=opt_str(raw, "detail"),
            server_seq=opt_int(raw, "sseq"), flags=tuple(str_list(raw, "flags")),
            depends_on=opt_str(raw, "dep", 64),
        )


_MEMBERS: dict[type[StrEnum], frozenset[str]] = {}
_STATUS = {str(status): status for status in OpStatus}
"""Each status by its wire name (a dict look-up: an answer holds a thousand)."""
_MAX_INT = 2**63 - 1
_MAX_TEXT = 2000
""":func:`~protocol.schema.req_int`'s and :func:`~protocol.schema.opt_str`'s limits."""


def _enum(raw: Mapping[str, Any], key: str, enum: type[StrEnum]) -> str:
    value = raw.get(key)
    allowed = _MEMBERS.get(enum)
    if allowed is None:
        allowed = _MEMBERS[enum] = frozenset(str(member) for member in enum)
    if not isinstance(value, str) or value not in allowed:
        raise SchemaError(f"{key} must be one of {', '.join(sorted(allowed))}")
    return value


# --- payload validation --------------------------------------------------------

def check_payload(op_type: OpType, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an operation's payload strictly; return a cleaned copy.

    Raises :class:`ValidationError` (a clerk-fixable problem) or
    :class:`SchemaError` (a malformed message). Text holding a NUL anywhere in
    the payload, a key or a value, is invalid (:data:`~protocol.schema.NUL_REFUSED`),
    before anything else reads it: no answer, audit entry or look-up carries one.
    """
    where = nul_at(payload)
    if where is not None:
        raise ValidationError(_field_at(where), NUL_REFUSED)
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
        spec = command_spec(payload.get("name"))
        return {"name": spec.name, "args": spec.clean_args(_map(payload, "args"))}
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


def _field_at(path: str) -> str:
    """The field a payload path names, as the field checks name it: ``family_name``
    for ``fields.family_name`` or ``changes.family_name[0]`` (so the terminal puts
    the message beside the field typed in), the path itself elsewhere."""
    head, _, rest = path.partition(".")
    name = rest if head in ("fields", "changes", "args") and rest else path
    return name.partition("[")[0][:80] or path[:80]


_KINDS = frozenset(str(k) for k in RecordKind)
_KIND = {str(k): k for k in RecordKind}
"""Each kind by its name (a dict look-up: every pushed operation names one)."""


def _kind(payload: Mapping[str, Any], allowed: frozenset[RecordKind]) -> RecordKind:
    raw = payload.get("kind")
    if not isinstance(raw, str) or raw not in _KINDS:
        raise SchemaError("kind must name a record kind")
    kind = _KIND[raw]
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
    if allowed.issuperset(payload):
        return
    extra = set(payload) - allowed
    if extra:
        raise SchemaError(f"unknown field(s): {', '.join(sorted(map(str, extra)))}")


__all__ = [
    "MIN_SCHEMA_VERSION", "REASON_TEXT", "SCHEMA_VERSION", "CommandName", "FieldChange",
    "OpResult", "OpStatus", "OpType", "Operation", "Reason", "check_payload",
]
