"""What a regional manager sees of the facilities in scope: terminals, held
and rejected operations, open conflicts and users. Read-only queries, a few
per page whatever the number of facilities (grouped in SQL).

What the server knows of a terminal is what it received: the last operation
handled and when, the results it gave, and when it last pulled. Work still
waiting on a terminal (pending, quarantined) is known only to the terminal
until it reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol import hlc
from protocol.codec import decode
from protocol.messages import operation_from_wire
from protocol.ops import Operation
from protocol.reasons import REASON_TEXT
from server.errors import NotFound
from server.storage import checkpoints
from server.storage.dashboard_models import D
from server.storage.models import T

from . import emergency_access
from .principals import Principal
from .scope import facilities as facilities_in_scope

DAY_MS = 24 * 3600 * 1000
RECENT_DAYS = 30


@dataclass(frozen=True)
class FacilitySummary:
    id: str
    name: str
    state_code: str
    terminals: int
    last_received: int | None
    held: int
    rejected: int
    """Rejected operations in the last :data:`RECENT_DAYS` days."""
    conflicts: int
    last_pull: int | None = None
    """The last time one of its terminals pulled."""
    emergency_to_review: int = 0
    """Emergency ("break the glass") accesses no regional manager has reviewed yet."""


@dataclass(frozen=True)
class TerminalView:
    id: str
    name: str
    enrolled_at: int
    revoked_at: int | None
    last_seq: int
    last_received: int | None
    held: int
    rejected: int
    last_pull: int | None = None
    quarantined_at: int | None = None
    """Two machines were found using this identity: its copies' changes wait on
    the facility's Copied terminals page."""


@dataclass(frozen=True)
class OpView:
    terminal_id: str
    terminal_name: str
    seq: int
    op_id: str
    status: str
    reason: str | None
    reason_text: str
    detail: str | None
    handled_at: int


@dataclass(frozen=True)
class HeldOp:
    terminal_id: str
    terminal_name: str
    seq: int
    op_id: str
    op_type: str
    kind: str
    username: str
    recorded_at: int
    """Wall-clock milliseconds at the terminal."""
    handled_at: int
    fields: list[tuple[str, str]]
    """The operation's content, flattened for display."""


@dataclass(frozen=True)
class ConflictView:
    kind: str
    record_id: str
    label: str
    fields: list[str]


@dataclass(frozen=True)
class UserView:
    id: str
    username: str
    display_name: str
    role: str
    active: bool


def _counts(conn: Connection, stmt: Any) -> dict[str, int]:
    return {row[0]: int(row[1]) for row in conn.execute(stmt)}


def summaries(conn: Connection, principal: Principal, now: int,
              only: str | None = None) -> list[FacilitySummary]:
    """Each facility in scope (or just ``only``) with its counts: five grouped queries."""
    refs = [ref for ref in facilities_in_scope(conn, principal) if only in (None, ref.id)]
    ids = [ref.id for ref in refs]
    term, ops, rec = T.terminals, T.ops, T.records
    joined = ops.join(term, term.c.id == ops.c.terminal_id)
    terminals = _counts(conn, sa.select(term.c.facility_id, sa.func.count()).where(
        term.c.facility_id.in_(ids), term.c.revoked_at.is_(None)).group_by(term.c.facility_id))
    last = _counts(conn, sa.select(term.c.facility_id, sa.func.max(ops.c.handled_at))
                   .select_from(joined).where(term.c.facility_id.in_(ids))
                   .group_by(term.c.facility_id))
    held = _counts(conn, sa.select(term.c.facility_id, sa.func.count()).select_from(joined)
                   .where(term.c.facility_id.in_(ids), ops.c.status == "held")
                   .group_by(term.c.facility_id))
    rejected = _counts(conn, sa.select(term.c.facility_id, sa.func.count()).select_from(joined)
                       .where(term.c.facility_id.in_(ids), ops.c.status == "rejected",
                              ops.c.handled_at >= now - RECENT_DAYS * DAY_MS)
                       .group_by(term.c.facility_id))
    conflicts = _counts(conn, sa.select(rec.c.facility_id, sa.func.count()).where(
        rec.c.facility_id.in_(ids), _has_conflicts()).group_by(rec.c.facility_id))
    pulls = _counts(conn, sa.select(term.c.facility_id, sa.func.max(D.pulls.c.last_pull_at))
                    .select_from(D.pulls.join(term, term.c.id == D.pulls.c.terminal_id))
                    .where(term.c.facility_id.in_(ids)).group_by(term.c.facility_id))
    emergency = emergency_access.to_review_counts(conn, ids)
    return [FacilitySummary(r.id, r.name, r.state_code, terminals.get(r.id, 0),
                            last.get(r.id), held.get(r.id, 0), rejected.get(r.id, 0),
                            conflicts.get(r.id, 0), pulls.get(r.id),
                            emergency.get(r.id, 0)) for r in refs]


def _has_conflicts() -> Any:
    return sa.cast(T.records.c.conflicts, sa.Text) != "{}"


def terminals(conn: Connection, facility_id: str) -> list[TerminalView]:
    term, ops = T.terminals, T.ops
    stats = (sa.select(ops.c.terminal_id,
                       sa.func.max(ops.c.handled_at).label("last"),
                       sa.func.sum(sa.case((ops.c.status == "held", 1), else_=0)).label("held"),
                       sa.func.sum(sa.case((ops.c.status == "rejected", 1), else_=0))
                       .label("rejected"))
             .group_by(ops.c.terminal_id).subquery())
    rows = conn.execute(sa.select(term, stats.c.last, stats.c.held, stats.c.rejected,
                                  D.pulls.c.last_pull_at)
                        .select_from(term.outerjoin(stats, stats.c.terminal_id == term.c.id)
                                     .outerjoin(D.pulls, D.pulls.c.terminal_id == term.c.id))
                        .where(term.c.facility_id == facility_id)
                        .order_by(term.c.revoked_at.is_not(None), term.c.name))
    return [TerminalView(r.id, r.name, r.enrolled_at, r.revoked_at, r.last_seq, r.last,
                         int(r.held or 0), int(r.rejected or 0), r.last_pull_at,
                         r.quarantined_at)
            for r in rows]


def _ops(conn: Connection, facility_id: str, *where: Any, limit: int) -> list[Any]:
    term, ops = T.terminals, T.ops
    return list(conn.execute(sa.select(ops, term.c.name.label("terminal_name"))
                             .select_from(ops.join(term, term.c.id == ops.c.terminal_id))
                             .where(term.c.facility_id == facility_id, *where)
                             .order_by(ops.c.handled_at.desc(), ops.c.seq.desc()).limit(limit)))


def rejected(conn: Connection, facility_id: str, now: int, limit: int = 200) -> list[OpView]:
    rows = _ops(conn, facility_id, T.ops.c.status == "rejected",
                T.ops.c.handled_at >= now - RECENT_DAYS * DAY_MS, limit=limit)
    return [OpView(r.terminal_id, r.terminal_name, r.seq, r.op_id, r.status, r.reason,
                   REASON_TEXT.get(r.reason or "", ""), r.detail, r.handled_at) for r in rows]


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict) and value:
        out: list[tuple[str, str]] = []
        for key in sorted(value, key=str):
            out.extend(_flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, dict):
        return [(prefix, "")]
    if isinstance(value, list):
        return [(prefix, ", ".join(str(item) for item in value))]
    return [(prefix, "" if value is None else str(value))]


def _held(row: Any, op: Operation, users: dict[str, str]) -> HeldOp:
    payload = dict(op.payload)
    kind = str(payload.pop("kind", payload.get("name", "")))
    return HeldOp(row.terminal_id, row.terminal_name, row.seq, row.op_id, str(op.op_type),
                  kind, users.get(op.user_id, op.user_id), hlc.wall_ms(op.recorded_at),
                  row.handled_at, _flatten(payload))


def _usernames(conn: Connection, user_ids: set[str]) -> dict[str, str]:
    return {row.id: row.username for row in conn.execute(
        sa.select(T.users.c.id, T.users.c.username).where(T.users.c.id.in_(sorted(user_ids))))}


def held(conn: Connection, facility_id: str, limit: int = 200) -> list[HeldOp]:
    rows = _ops(conn, facility_id, T.ops.c.status == "held", T.ops.c.held_op.is_not(None),
                limit=limit)
    ops = [operation_from_wire(decode(bytes(r.held_op))) for r in rows]
    users = _usernames(conn, {op.user_id for op in ops})
    return [_held(row, op, users) for row, op in zip(rows, ops, strict=True)]


def held_one(conn: Connection, facility_id: str, terminal_id: str, seq: int) -> HeldOp:
    rows = _ops(conn, facility_id, T.ops.c.terminal_id == terminal_id, T.ops.c.seq == seq,
                T.ops.c.status == "held", T.ops.c.held_op.is_not(None), limit=1)
    if not rows:
        raise NotFound("There is no such held operation.")
    op = operation_from_wire(decode(bytes(rows[0].held_op)))
    return _held(rows[0], op, _usernames(conn, {op.user_id}))


def conflicts(conn: Connection, facility_id: str, limit: int = 200) -> list[ConflictView]:
    rec = T.records
    rows = conn.execute(sa.select(rec.c.id, rec.c.kind, rec.c.data, rec.c.conflicts).where(
        rec.c.facility_id == facility_id, _has_conflicts()).order_by(rec.c.kind, rec.c.id)
        .limit(limit))
    return [ConflictView(r.kind, r.id, _label(r.kind, r.data or {}), sorted(r.conflicts))
            for r in rows]


def _label(kind: str, data: dict[str, Any]) -> str:
    if kind == "resident":
        return f"{data.get('family_name', '')}, {data.get('given_name', '')}".strip(", ")
    if kind == "staff":
        return f"{data.get('family_name', '')}, {data.get('given_name', '')}".strip(", ")
    return str(data.get("name") or data.get("label") or data.get("code") or "")


def users(conn: Connection, facility_id: str) -> list[UserView]:
    rows = conn.execute(sa.select(T.users).where(T.users.c.facility_id == facility_id)
                        .order_by(T.users.c.username))
    return [UserView(r.id, r.username, r.display_name, r.role, r.active) for r in rows]


@dataclass(frozen=True)
class AuditState:
    entries: int
    checkpoint_size: int | None
    checkpoint_at: int | None
    checkpoint_root: str | None


def audit_state(conn: Connection, facility_id: str) -> AuditState:
    """How long the facility's audit log is and its latest published checkpoint."""
    entries = conn.execute(sa.select(T.heads.c.audit_seq).where(
        T.heads.c.facility_id == facility_id)).scalar() or 0
    published = checkpoints.latest(conn, facility_id)
    if published is None:
        return AuditState(int(entries), None, None, None)
    return AuditState(int(entries), published.checkpoint.size, published.published_at,
                      published.checkpoint.root.hex())
