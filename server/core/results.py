"""What a handled operation leaves behind: its stored result (the ``ops`` row,
so a resend gets the very same answer) and its audit entry."""

from __future__ import annotations

from typing import Any

from protocol.codec import encode
from protocol.commands import CommandName, records_command
from protocol.ids import is_id
from protocol.ops import Operation, OpResult, OpStatus, OpType
from server.commands.outcomes import Outcome

from .authentication import TerminalInfo


def result_of(op: Operation, outcome: Outcome) -> OpResult:
    return OpResult(op.seq, op.op_id, outcome.status, outcome.reason, outcome.detail,
                    outcome.server_seq, tuple(outcome.flags), outcome.depends_on)


def result_from_row(row: Any) -> OpResult:
    return OpResult(row.seq, row.op_id, OpStatus(row.status), row.reason, row.detail,
                    row.server_seq, tuple(row.flags.split(",")) if row.flags else (),
                    row.depends_on)


def op_row(terminal_id: str, op: Operation, phash: str, result: OpResult, now: int, *,
           held: bool) -> dict[str, Any]:
    """The ``ops`` row; a held operation keeps the operation itself for review."""
    return {"terminal_id": terminal_id, "seq": op.seq, "op_id": op.op_id,
            "payload_hash": phash, "status": str(result.status), "reason": result.reason,
            "detail": result.detail, "server_seq": result.server_seq,
            "flags": ",".join(result.flags), "handled_at": now,
            "held_op": encode(op.to_wire()) if held else None,
            "target_id": created_id(op),
            "depends_on": result.depends_on}


def created_id(op: Operation) -> str | None:
    """The record ``op`` creates, if it creates one: a create's id, an admission's
    stay, the case a records command opens. A change that names it after its
    creating operation was rejected is rejected ``dependency`` (:mod:`.dependencies`)."""
    ref: Any = None
    if op.op_type is OpType.CREATE:
        ref = op.target_id
    elif op.op_type is OpType.COMMAND and isinstance(args := op.payload.get("args"), dict):
        name = op.payload.get("name")
        case = records_command(name)
        if name == CommandName.ADMIT:
            ref = args.get("stay_id")
        elif case is not None and case.creates:
            ref = args.get(case.target)
    return ref if isinstance(ref, str) and is_id(ref) else None


def audit_fields(terminal: TerminalInfo, op: Operation, phash: str, outcome: Outcome,
                 now: int) -> dict[str, Any]:
    """The audit entry of one handled operation (for :meth:`ChainWriter.append`)."""
    payload = op.payload
    what = payload.get("kind") or payload.get("name") or ""
    if isinstance(what, str):  # a hostile payload's: its NUL shown, never stored
        what = what.replace("\x00", "\u2400")
    detail: dict[str, Any] = {"op": op.op_id, "seq": op.seq, "hash": phash[:32],
                              "at": op.recorded_at}
    if outcome.reason:
        detail["reason"] = outcome.reason
    if outcome.server_seq is not None:
        detail["server_seq"] = outcome.server_seq
    if outcome.depends_on is not None:
        detail["depends_on"] = outcome.depends_on
    if outcome.flags:
        detail["flags"] = list(outcome.flags)
    detail.update(outcome.audit)
    target = outcome.target or op.target_id
    return {"at": now, "action": f"{op.op_type}:{what}"[:64], "outcome": str(outcome.status),
            "actor": op.user_id, "terminal_id": terminal.id,
            "facility_id": terminal.facility_id,
            # Only a well-formed id: a hostile payload's "id" can be anything.
            "target": target if is_id(target) else None,
            "purpose": "treatment" if what in ("note", "diagnosis") else "operations",
            "detail": detail}
