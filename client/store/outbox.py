"""Recording a change: validation, then one local transaction that appends the
operation to the gapless outbox and refreshes what the screen shows.

There is no separate "local copy" of a change: the pending operation is the
overlay (:mod:`client.store.overlay`), so a change and its operation cannot exist
without each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.codec import encode
from protocol.commands import records_command
from protocol.errors import SchemaError, ValidationError
from protocol.hlc import HybridClock
from protocol.ids import new_id
from protocol.ops import SCHEMA_VERSION, FieldChange, OpResult, OpType, check_payload
from protocol.records import RecordKind, validate_fields
from protocol.rules.dates import check_record_dates
from protocol.rules.permissions import decide

from ..clock import Clock
from ..errors import InputError, NotPermitted
from ..views import UserInfo
from .database import OUTBOX, Store, get_meta, set_meta
from .overlay import OpInfo, op_effects
from .search import refresh_many

FIELD_LABELS = {
    "family_name": "Family name", "given_name": "Given name", "birth_date": "Date of birth",
    "clinical_time": "Clinical time", "employee_id": "Employee id",
    "job_title_code": "Job title", "pay_type_code": "Pay type", "expires_on": "Expiry date",
    "issuing_state": "Issuing state", "work_date": "Work date", "admitted_at": "Admission date",
    "discharged_at": "Discharge date", "bed_id": "Bed", "at": "Date",
    "onset_date": "Onset date", "issued_on": "Issue date", "verified_on": "Verification date",
    "hire_date": "Hire date", "termination_date": "Termination date",
}


@dataclass
class Actor:
    """Who is writing, where: everything a write needs besides its values."""

    store: Store
    clock: Clock
    facility_id: str
    terminal_id: str
    user: UserInfo


def input_error(exc: ValidationError | SchemaError) -> InputError:
    if isinstance(exc, ValidationError):
        label = FIELD_LABELS.get(exc.field, exc.field.replace("_", " ").capitalize())
        return InputError(exc.field, f"{label} {exc.reason}.")
    return InputError("", f"The entry is not valid: {exc.detail}.")


def check_dates(kind: RecordKind, fields: Mapping[str, Any], clock: Clock, *,
                changed: Iterable[str] | None = None) -> None:
    """The shared date rules (:mod:`protocol.rules.dates`): refused here, with
    the field named, as the server would refuse them (with the terminal's own
    date and time, never later than the server's bound)."""
    try:
        check_record_dates(kind, fields, today=clock.today(),
                           now=clock.now().replace(tzinfo=None), changed=changed)
    except ValidationError as exc:
        raise input_error(exc) from None


def clean_fields(kind: RecordKind, values: Mapping[str, Any], *, creating: bool
                 ) -> dict[str, Any]:
    try:
        return validate_fields(kind, values, creating=creating)
    except ValidationError as exc:
        raise input_error(exc) from None


def wire_payload(op_type: OpType, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validate with the shared rules and return the payload as it travels."""
    try:
        cleaned = check_payload(op_type, payload)
    except (ValidationError, SchemaError) as exc:
        raise input_error(exc) from None
    plain: dict[str, Any] = _plain(cleaned)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, FieldChange):
        return [_plain(value.value), value.base_version]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


PayloadSource = Mapping[str, Any] | Callable[[Connection], Mapping[str, Any]]


def record_op(actor: Actor, op_type: OpType, payload: PayloadSource, *, summary: str,
              subject_id: str | None = None,
              also_refresh: tuple[tuple[str, str], ...] = ()) -> tuple[int, str]:
    """Append one operation and refresh the records it touches, in one
    transaction. ``payload`` may be a function of the open connection, for
    values (base versions) that must be read in the same transaction.

    Deny by default: the role rule the server applies
    (:mod:`protocol.rules.permissions`) is asked here too, so nothing it refuses
    is ever recorded, whichever write path forgot to ask first
    (:class:`~client.errors.NotPermitted`)."""
    if not callable(payload):
        payload = wire_payload(op_type, payload)
    with actor.store.write() as conn:
        body = payload if not callable(payload) else wire_payload(op_type, payload(conn))
        seq = next_seq(conn)
        ms = actor.clock.ms()
        hlc = HybridClock(physical=actor.clock.ms, last=get_meta(conn, "hlc_last", 0))
        stamp = hlc.now()
        set_meta(conn, "hlc_last", hlc.last)
        op_id = new_id(ms)
        kind = body.get("kind")
        record_id = body.get("id")
        if op_type is OpType.COMMAND:
            case = records_command(body["name"])
            kind, record_id = ((case.kind, body["args"][case.target]) if case is not None
                               else (RecordKind.STAY, body["args"]["stay_id"]))
        elif op_type is OpType.MERGE:
            kind, record_id = RecordKind.RESIDENT, body["duplicate_id"]
        decision = decide(actor.user.role, op_type, kind,
                          command=body["name"] if op_type is OpType.COMMAND else None)
        if not decision:
            raise NotPermitted(f"{decision.detail[:1].upper()}{decision.detail[1:]}.")
        conn.execute(OUTBOX.insert().values(
            seq=seq, op_id=op_id, op_type=str(op_type),
            kind=str(kind) if kind else None, record_id=record_id, subject_id=subject_id,
            user_id=actor.user.id, recorded_at=stamp, schema_version=SCHEMA_VERSION,
            payload=encode(body), created_at=ms, status="pending",
            flags="clock_skew" if hlc.skewed else "", summary=summary[:200],
        ))
        info = OpInfo(seq=seq, op_id=op_id, op_type=str(op_type), kind=kind,
                      record_id=record_id, subject_id=subject_id, status="pending",
                      server_seq=None, payload=body, user_id=actor.user.id, recorded_at=stamp)
        keys = [(e.kind, e.record_id) for e in op_effects(info)]
        refresh_many(conn, [*keys, *also_refresh], actor.facility_id)
    return seq, op_id


def next_seq(conn: Connection) -> int:
    """Gapless: one more than the highest ever written (writers are serialised
    by ``BEGIN IMMEDIATE``; a rolled-back write leaves no number behind), or
    than the highest the server handled when this store is a restored copy
    (:mod:`client.sync.terminal_restore`)."""
    top = conn.execute(sa.select(sa.func.max(OUTBOX.c.seq))).scalar()
    return max(top or 0, int(get_meta(conn, "seq_floor", 0))) + 1


DEPENDS_ON = "depends_on="
"""A flag naming the rejected operation a ``dependency`` rejection points to."""


def merged_flags(stored: str | None, result: OpResult) -> str:
    """The outbox row's flags with the result's, and its dependency if any."""
    if not result.flags and result.depends_on is None and (not stored or "," not in stored):
        return stored or ""  # most results: none or one flag stays as it is
    flags = {*filter(None, (stored or "").split(",")), *result.flags}
    if result.depends_on:
        flags.add(DEPENDS_ON + result.depends_on)
    return ",".join(sorted(flags))
