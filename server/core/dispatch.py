"""Deciding one pushed operation: the checks every operation passes, in order,
then the handler :mod:`server.commands.registry` names for its type.

Every operation ends in exactly one :class:`~server.commands.outcomes.Outcome`;
nothing here raises for a bad operation. Order of checks: facility scope of the
operation itself, the user (unknown or foreign → ``not_permitted``; deactivated
→ ``held`` for a supervisor), immutability, payload validation
(:func:`protocol.ops.check_payload`), role, then the change itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol import merge
from protocol.errors import SchemaError, ValidationError
from protocol.ops import Operation, OpStatus, OpType, Reason, check_payload
from server.commands.context import Context
from server.commands.outcomes import Outcome, rejected
from server.commands.records import IMMUTABLE_KINDS
from server.commands.registry import OPERATIONS
from server.storage.models import T

from .permissions import acts_for, decide


@dataclass(frozen=True)
class UserInfo:
    id: str
    facility_id: str | None
    role: str
    active: bool


def load_users(conn: Connection, user_ids: set[str]) -> dict[str, UserInfo]:
    rows = conn.execute(sa.select(T.users.c.id, T.users.c.facility_id, T.users.c.role,
                                  T.users.c.active).where(T.users.c.id.in_(list(user_ids))))
    return {row.id: UserInfo(row.id, row.facility_id, row.role, row.active) for row in rows}


def id_refs(raw: Any) -> Iterable[str]:
    """Record ids an operation's payload names (for one prefetch per batch)."""
    if not isinstance(raw, dict):
        return
    for key in ("id", "survivor_id", "duplicate_id"):
        if isinstance(raw.get(key), str):
            yield raw[key]
    for inner in (raw.get("fields"), raw.get("args")):
        if isinstance(inner, dict):
            for key in ("resident_id", "stay_id", "staff_id", "bed_id", "amends",
                        "entered_in_error_of", "corrects"):
                if isinstance(inner.get(key), str):
                    yield inner[key]
            if isinstance(inner.get("attendees"), list):  # a training's staff
                yield from (i for i in inner["attendees"] if isinstance(i, str))


Checked = dict[str, Any] | ValidationError | SchemaError
"""An operation's payload as :func:`check` left it: cleaned, or why it is not valid."""


def check(op: Operation) -> Checked:
    """Validate a payload (pure: a push does it before taking any lock)."""
    try:
        return check_payload(op.op_type, op.payload)
    except (ValidationError, SchemaError) as exc:
        return exc


def handle(ctx: Context, op: Operation, user: UserInfo | None, terminal_id: str, *,
           reviewed: bool = False, checked: Checked | None = None) -> Outcome:
    """Decide one operation. ``reviewed``: a supervisor approved a held one.
    ``checked``: :func:`check` of it, done ahead (used once: the handlers may
    change the cleaned payload)."""
    if op.facility_id != ctx.facility_id:
        return rejected(Reason.NOT_PERMITTED, "the operation names another facility")
    if user is None or not acts_for(user.facility_id, user.role, ctx.facility_id):
        return rejected(Reason.NOT_PERMITTED, "the user is not a clerk or records manager "
                        "of this facility")
    if not user.active and not reviewed:
        return Outcome(OpStatus.HELD, reason=str(Reason.USER_INACTIVE))
    kind_raw = op.payload.get("kind")
    if (op.op_type in (OpType.UPDATE, OpType.RESOLVE, OpType.VOID)
            and isinstance(kind_raw, str) and kind_raw in IMMUTABLE_KINDS):
        return rejected(Reason.IMMUTABLE, f"a {kind_raw} cannot be changed once recorded",
                        target=op.target_id)
    payload = check(op) if checked is None else checked
    if isinstance(payload, ValidationError | SchemaError):
        return rejected(Reason.INVALID, payload.detail, target=op.target_id)
    decision = decide(user.role, op.op_type, payload.get("kind"),
                      command=str(payload["name"]) if op.op_type is OpType.COMMAND else None)
    if not decision.allowed:
        return rejected(decision.reason or Reason.NOT_PERMITTED, decision.detail,
                        target=op.target_id)
    author = merge.Author(op.op_id, op.user_id, terminal_id, op.recorded_at)
    return OPERATIONS[op.op_type](ctx, payload, author)
