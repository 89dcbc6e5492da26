"""Handling one pushed operation: permission, validation, and its merge class.

Every operation ends in exactly one :class:`~server.outcomes.Outcome`; nothing
here raises for a bad operation. Order of checks: facility scope of the
operation itself, the user (unknown or foreign → ``not_permitted``; deactivated
→ ``held`` for a supervisor), immutability, payload validation
(:func:`protocol.ops.check_payload`), role, then the change itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from protocol import merge
from protocol.codec import canonical
from protocol.errors import SchemaError, ValidationError
from protocol.ids import new_id
from protocol.ops import CommandName, Operation, OpStatus, OpType, Reason, check_payload
from protocol.records import (
    MERGE_CLASS,
    NEEDS_RECORDS_MANAGER,
    STAFF_KINDS,
    TERMINAL_ROLES,
    MergeClass,
    RecordKind,
    Role,
    identity_fields,
)

from . import stays
from .storage.batch import Rec
from .outcomes import Outcome, applied, rejected
from .stays import EMPTY_RESIDENT_VIEW, Context

RECORDS_MANAGER_KINDS = frozenset(STAFF_KINDS | NEEDS_RECORDS_MANAGER)
RECORDS_MANAGER_TYPES = frozenset({OpType.RESOLVE, OpType.MERGE, OpType.VOID})
IMMUTABLE_KINDS = frozenset(k for k, c in MERGE_CLASS.items() if c is MergeClass.IMMUTABLE)
RESIDENT_LINKED = frozenset({RecordKind.NOTE, RecordKind.DIAGNOSIS})
STAFF_LINKED = frozenset({RecordKind.LICENSE, RecordKind.HOURS})


@dataclass(frozen=True)
class UserInfo:
    id: str
    facility_id: str | None
    role: str
    active: bool


def stable_hash(value: Any) -> str:
    """SHA-256 of a deterministic encoding, for the server's own comparisons
    (a resent operation, a repeated create). Sorted-key JSON is several times
    faster than canonical msgpack; values JSON cannot hold (bytes) fall back.
    """
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
    except (TypeError, ValueError):
        return hashlib.sha256(b"m" + canonical(value)).hexdigest()
    return hashlib.sha256(b"j" + text.encode()).hexdigest()


def payload_hash(op: Operation) -> str:
    return stable_hash(op.to_wire())


def match_key(fields: Mapping[str, Any]) -> str | None:
    """Folded family name, given name and birth date: the duplicate check's key."""
    try:
        return "|".join(str(fields[name]).strip().casefold()
                        for name in ("family_name", "given_name", "birth_date"))
    except KeyError:
        return None


def handle(ctx: Context, op: Operation, user: UserInfo | None, terminal_id: str, *,
           reviewed: bool = False) -> Outcome:
    """Decide one operation. ``reviewed``: a supervisor approved a held one."""
    if op.facility_id != ctx.facility_id:
        return rejected(Reason.NOT_PERMITTED, "the operation names another facility")
    if (user is None or user.facility_id != ctx.facility_id
            or user.role not in TERMINAL_ROLES):
        return rejected(Reason.NOT_PERMITTED, "the user is not a clerk or records manager "
                        "of this facility")
    if not user.active and not reviewed:
        return Outcome(OpStatus.HELD, reason=str(Reason.USER_INACTIVE))
    kind_raw = op.payload.get("kind")
    if (op.op_type in (OpType.UPDATE, OpType.RESOLVE, OpType.VOID)
            and isinstance(kind_raw, str) and kind_raw in IMMUTABLE_KINDS):
        return rejected(Reason.IMMUTABLE, f"a {kind_raw} cannot be changed once recorded",
                        target=op.target_id)
    try:
        payload = check_payload(op.op_type, op.payload)
    except (ValidationError, SchemaError) as exc:
        return rejected(Reason.INVALID, exc.detail, target=op.target_id)
    if not _role_allows(user.role, op.op_type, payload.get("kind")):
        return rejected(Reason.NOT_PERMITTED, "this needs a records manager",
                        target=op.target_id)
    author = merge.Author(op.op_id, op.user_id, terminal_id, op.recorded_at)
    if op.op_type is OpType.CREATE:
        return _create(ctx, payload, author)
    if op.op_type is OpType.UPDATE:
        return _update(ctx, payload, author)
    if op.op_type is OpType.COMMAND:
        outcome = stays.run(ctx, CommandName(payload["name"]), payload["args"])
        outcome.audit.setdefault("command", str(payload["name"]))
        return outcome
    if op.op_type is OpType.RESOLVE:
        return _resolve(ctx, payload)
    if op.op_type is OpType.VOID:
        return _void(ctx, payload)
    return _merge(ctx, payload)


def _role_allows(role: str, op_type: OpType, kind: RecordKind | None) -> bool:
    if role == Role.RECORDS_MANAGER:
        return True
    return op_type not in RECORDS_MANAGER_TYPES and kind not in RECORDS_MANAGER_KINDS


# --- create --------------------------------------------------------------------------


def _create(ctx: Context, payload: Mapping[str, Any], author: merge.Author) -> Outcome:
    b = ctx.b
    kind: RecordKind = payload["kind"]
    rec_id: str = payload["id"]
    fields: dict[str, Any] = dict(payload["fields"])
    created_hash = stable_hash([str(kind), fields])
    existing = b.get(rec_id)
    if existing is not None:
        if existing.created_hash == created_hash and existing.kind == kind:
            return applied(existing.seq, target=rec_id, repeated=True)
        return rejected(Reason.ALREADY_EXISTS, target=rec_id)
    flags: list[str] = []
    facility_id = ctx.facility_id
    subject_id: str | None = rec_id if kind in (RecordKind.RESIDENT, RecordKind.STAFF) else None
    if kind in RESIDENT_LINKED:
        resident = b.get(fields["resident_id"], RecordKind.RESIDENT)
        if resident is None:
            return rejected(Reason.NOT_FOUND, "no such resident", target=rec_id)
        problem = ctx.scope_error(resident)
        if problem is Reason.NOT_OWNER:
            return rejected(problem, target=rec_id)
        # Clinical facts follow a resident who moved away; never lost.
        facility_id, subject_id = resident.facility_id, resident.id
        if kind is RecordKind.NOTE:
            problem_text = _check_note(ctx, fields, resident, flags)
            if problem_text is not None:
                return rejected(Reason.NOT_FOUND, problem_text, target=rec_id)
    elif kind in STAFF_LINKED:
        staff = b.get(fields["staff_id"], RecordKind.STAFF)
        if staff is None or staff.facility_id != ctx.facility_id:
            reason = Reason.NOT_FOUND if staff is None else Reason.NOT_OWNER
            return rejected(reason, "no such staff member here", target=rec_id)
        subject_id = staff.id
        for link in ("corrects", "entered_in_error_of"):
            target = b.get(fields.get(link), RecordKind.HOURS) if fields.get(link) else None
            if fields.get(link) and (target is None or target.data["staff_id"] != staff.id):
                return rejected(Reason.NOT_FOUND, f"{link} must name hours of the same "
                                "staff member", target=rec_id)
    state = merge.new_record(fields)
    if kind in IMMUTABLE_KINDS:
        # A signed entry names who wrote it and when they recorded it.
        state.data["_author"] = author.user_id
        state.data["_recorded_at"] = author.recorded_at
    key = match_key(fields) if kind is RecordKind.RESIDENT else None
    rec = Rec(id=rec_id, kind=str(kind), facility_id=facility_id, data=state.data,
              versions=state.versions, created_hash=created_hash, match_key=key,
              subject_id=subject_id)
    if kind is RecordKind.RESIDENT:
        rec.data.update(EMPTY_RESIDENT_VIEW)
        duplicates = [r for r in b.by_match_key(facility_id, key, str(kind))
                      if r.status == merge.ACTIVE] if key else []
    b.add(rec)
    seq = b.emit(rec)
    if facility_id != ctx.facility_id:
        b.emit(rec, facility_id=ctx.facility_id, gone=True)
        flags.append("moved_with_resident")
    if kind is RecordKind.RESIDENT and duplicates:
        _raise_duplicate_task(ctx, rec, duplicates)
        flags.append("possible_duplicate")
    return applied(seq, target=rec_id, flags=flags)


def _check_note(ctx: Context, fields: dict[str, Any], resident: Rec,
                flags: list[str]) -> str | None:
    b = ctx.b
    for link in ("amends", "entered_in_error_of"):
        if fields.get(link):
            target = b.get(fields[link], RecordKind.NOTE)
            if target is None or target.data.get("resident_id") != resident.id:
                return f"{link} must name a note of the same resident"
    stay_id = fields.get("stay_id")
    if stay_id:
        stay = b.get(stay_id, RecordKind.STAY)
        if stay is None or stay.data.get("resident_id") != resident.id:
            fields["stay_id"] = resident.data.get("_stay_id")
            fields["_original_stay_id"] = stay_id
            flags.append("relinked")
    return None


def _raise_duplicate_task(ctx: Context, rec: Rec, duplicates: list[Rec]) -> None:
    ids = sorted([rec.id, *(d.id for d in duplicates)])
    task = ctx.b.add(Rec(
        id=new_id(ctx.b.now), kind=str(RecordKind.TASK), facility_id=rec.facility_id,
        data={"type": "possible_duplicate", "resident_ids": ids, "status": "open"},
        versions={"status": 1}, match_key=f"dup:{rec.match_key}"))
    ctx.b.emit(task)


# --- update, resolve, void, merge ----------------------------------------------------------


def _target(ctx: Context, payload: Mapping[str, Any]) -> tuple[Rec | None, Outcome | None]:
    rec = ctx.b.get(payload["id"], str(payload["kind"]))
    if rec is None:
        return None, rejected(Reason.NOT_FOUND, target=payload["id"])
    problem = ctx.scope_error(rec)
    if problem is not None:
        return None, rejected(problem, target=rec.id)
    return rec, None


def _update(ctx: Context, payload: Mapping[str, Any], author: merge.Author) -> Outcome:
    rec, problem = _target(ctx, payload)
    if rec is None:
        return problem  # type: ignore[return-value]
    kind: RecordKind = payload["kind"]
    result = merge.apply_update(kind, rec.state(), payload["changes"], author)
    fields = sorted(payload["changes"])
    if not result.changed:
        return Outcome(result.status, reason=result.reason, server_seq=rec.seq, target=rec.id,
                       audit={"fields": fields})
    rec.set_state(result.state)
    if kind is RecordKind.RESIDENT and identity_fields(kind) & set(fields):
        rec.match_key = match_key(rec.data)
    seq = ctx.b.emit(rec)
    return Outcome(result.status, reason=result.reason, server_seq=seq, target=rec.id,
                   audit={"fields": fields})


def _resolve(ctx: Context, payload: Mapping[str, Any]) -> Outcome:
    rec, problem = _target(ctx, payload)
    if rec is None:
        return problem  # type: ignore[return-value]
    result = merge.resolve_conflict(rec.state(), payload["field"], payload["value"])
    if result.status is OpStatus.REJECTED:
        return rejected(result.reason or Reason.NO_CONFLICT, target=rec.id)
    rec.set_state(result.state)
    if payload["kind"] is RecordKind.RESIDENT and payload["field"] in identity_fields(
            RecordKind.RESIDENT):
        rec.match_key = match_key(rec.data)
    return applied(ctx.b.emit(rec), target=rec.id, fields=[payload["field"]])


def _void(ctx: Context, payload: Mapping[str, Any]) -> Outcome:
    rec, problem = _target(ctx, payload)
    if rec is None:
        return problem  # type: ignore[return-value]
    if rec.status == merge.VOIDED:
        return applied(rec.seq, target=rec.id, repeated=True)
    rec.set_state(merge.void(rec.state()))
    rec.data["_void_reason"] = payload["reason"]
    seq = ctx.b.emit(rec)
    if rec.kind == RecordKind.RESIDENT:
        stays.close_for_record_error(ctx, rec.id, "entered_in_error")
    return applied(seq, target=rec.id)


def _merge(ctx: Context, payload: Mapping[str, Any]) -> Outcome:
    survivor, problem = _target(ctx, {"id": payload["survivor_id"], "kind": RecordKind.RESIDENT})
    if survivor is None:
        return problem  # type: ignore[return-value]
    duplicate, problem = _target(ctx, {"id": payload["duplicate_id"],
                                       "kind": RecordKind.RESIDENT})
    if duplicate is None:
        return problem  # type: ignore[return-value]
    if duplicate.status == merge.REPLACED and duplicate.data.get("_replaced_by") == survivor.id:
        return applied(duplicate.seq, target=duplicate.id, repeated=True)
    if survivor.status != merge.ACTIVE or duplicate.status != merge.ACTIVE:
        return rejected(Reason.RECORD_VOIDED, "both records must be active to merge",
                        target=duplicate.id)
    duplicate.status = merge.REPLACED
    duplicate.data["_replaced_by"] = survivor.id
    duplicate.dirty = True
    survivor.data["_merged_from"] = sorted({*survivor.data.get("_merged_from", []),
                                           duplicate.id})
    seq = ctx.b.emit(duplicate)
    ctx.b.emit(survivor)
    stays.close_for_record_error(ctx, duplicate.id, "merged_duplicate")
    if duplicate.match_key:
        for task in ctx.b.by_match_key(duplicate.facility_id, f"dup:{duplicate.match_key}",
                                       str(RecordKind.TASK)):
            if duplicate.id in task.data.get("resident_ids", ()) \
                    and task.data.get("status") == "open":
                task.data["status"] = "done"
                task.versions["status"] = task.versions.get("status", 0) + 1
                ctx.b.emit(task)
    return applied(seq, target=duplicate.id, survivor=survivor.id)
