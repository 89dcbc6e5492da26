"""A records manager's review of what the copies of a cloned terminal sent.

When two machines share one terminal identity the server quarantines it and
keeps every operation either copy sends in ``quarantined_ops``
(:mod:`.clones`). This module shows them side by side — one row per record,
one column per copy — and records a decision on each open one:

- **accept**: the operation goes through the very path a push takes
  (:func:`.dispatch.handle`, dependency explanation, change log, audit
  entry), under the identity that sent it. It may still end ``conflict`` or
  ``rejected`` there, like any change; the review keeps that outcome.
- **discard**: nothing is applied; the operation stays kept, marked
  ``discarded``.

Either way the audit entry names the reviewer. An operation that already
arrived again from a re-enrolled copy (``resent``) is not open for a
decision, and one whose operation id the server has already handled is
refused, so a change is never applied twice. A deactivated author's change is
not accepted here (the held-operation review is for that): the reviewer is
told to reactivate the user first or to discard it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol import hlc
from protocol.codec import decode
from protocol.messages import operation_from_wire
from protocol.ops import REASON_TEXT, Operation, OpResult, OpStatus, Reason
from server.commands.outcomes import Outcome
from server.errors import AdminError, NotFound
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.continuity_models import C
from server.storage.db import read_tx
from server.storage.models import T

from .dispatch import id_refs
from .kept_review import Kept, KeptDecision, decide_kept, dispatch_kept

OPEN = "open"
DISCARDED = "discarded"
DECIDED = ("applied", "conflict", "rejected", DISCARDED)
PAGE_SIZE = 100
"""Kept operations the portal shows on one page of a review."""


@dataclass(frozen=True)
class QuarantinedTerminal:
    id: str
    name: str
    quarantined_at: int
    reason: str
    kept: int
    open: int


@dataclass(frozen=True)
class CopyOp:
    """One operation a copy sent, as the reviewer reads it."""

    id: int
    """The kept row's number: what a decision names."""
    seq: int
    op_id: str
    origin: str
    review: str
    received_at: int
    op_type: str
    kind: str
    username: str
    recorded_at: int
    fields: list[tuple[str, str]]


@dataclass(frozen=True)
class RecordSide:
    """What each copy did to one record."""

    record_id: str
    label: str
    by_copy: dict[str, list[CopyOp]] = field(default_factory=dict)


@dataclass(frozen=True)
class CloneReview:
    terminal: QuarantinedTerminal
    copies: list[str]
    """The copies, as the server tells them apart (``epoch N``), in order."""
    records: list[RecordSide]
    page: int = 1
    pages: int = 1
    """The kept operations in pages of :data:`PAGE_SIZE`, in the order of their
    numbers; a record whose changes span two pages shows on both."""


@dataclass(frozen=True)
class Decision:
    id: int
    seq: int
    op_id: str
    review: str
    """``discarded``, or the outcome of applying it: ``applied``, ``conflict``
    or ``rejected``."""
    reason: str | None
    detail: str | None


def quarantined_terminals(conn: Connection, facility_id: str) -> list[QuarantinedTerminal]:
    """The facility's quarantined identities, with how much each copy left to review."""
    term, kept = T.terminals, C.quarantined
    counts = sa.select(kept.c.terminal_id, sa.func.count().label("kept"),
                       sa.func.sum(sa.case((kept.c.review == OPEN, 1), else_=0)).label("open")
                       ).group_by(kept.c.terminal_id).subquery()
    rows = conn.execute(sa.select(term.c.id, term.c.name, term.c.quarantined_at,
                                  term.c.quarantine_reason, counts.c.kept, counts.c.open)
                        .select_from(term.outerjoin(counts, counts.c.terminal_id == term.c.id))
                        .where(term.c.facility_id == facility_id,
                               term.c.quarantined_at.is_not(None))
                        .order_by(term.c.quarantined_at.desc()))
    return [QuarantinedTerminal(r.id, r.name, r.quarantined_at, r.quarantine_reason or "",
                                int(r.kept or 0), int(r.open or 0)) for r in rows]


def review(conn: Connection, facility_id: str, terminal_id: str, *,
           page: int | None = None) -> CloneReview:
    """Both copies' operations of one quarantined identity, record by record;
    not found unless the identity is this facility's and quarantined. ``page``:
    only that page of :data:`PAGE_SIZE` operations (from 1; a page past the last
    is not found), else all of them."""
    found = [t for t in quarantined_terminals(conn, facility_id) if t.id == terminal_id]
    if not found:
        raise NotFound("There is no such quarantined terminal.")
    pages = max(1, -(-found[0].kept // PAGE_SIZE))
    query = (sa.select(C.quarantined).where(C.quarantined.c.terminal_id == terminal_id)
             .order_by(C.quarantined.c.seq, C.quarantined.c.id))
    if page is not None:
        if not 1 <= page <= pages:
            raise NotFound("There is no such page.")
        query = query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    rows = conn.execute(query).all()
    ops = [operation_from_wire(decode(bytes(r.op))) for r in rows]
    names = {r.id: r.username for r in conn.execute(
        sa.select(T.users.c.id, T.users.c.username)
        .where(T.users.c.id.in_(sorted({op.user_id for op in ops}))))}
    copies = sorted(conn.execute(sa.select(C.quarantined.c.origin).distinct().where(
        C.quarantined.c.terminal_id == terminal_id)).scalars(), key=_copy_order)
    known = {r.id: r.data for r in conn.execute(
        sa.select(T.records.c.id, T.records.c.data).where(
            T.records.c.id.in_(sorted({_record_of(op) for op in ops})),
            T.records.c.facility_id == facility_id))}
    records: dict[str, RecordSide] = {}
    for row, op in zip(rows, ops, strict=True):
        record_id = _record_of(op)
        side = records.get(record_id)
        if side is None:
            side = records[record_id] = RecordSide(record_id, _label(op, record_id,
                                                                     known.get(record_id)))
        side.by_copy.setdefault(row.origin, []).append(_copy_op(row, op, names))
    return CloneReview(found[0], copies, list(records.values()), page or 1,
                       pages if page is not None else 1)


def _copy_order(origin: str) -> tuple[int, str]:
    number = origin.rpartition(" ")[2]
    return (int(number) if number.isdigit() else -1, origin)


def _record_of(op: Operation) -> str:
    return op.target_id or next(iter(id_refs(op.payload)), "") or op.op_id


def _label(op: Operation, record_id: str, stored: Any) -> str:
    """The record as a person names it: the name the server holds, else the
    one the operation carries, else its kind and the start of its id."""
    kind = str(op.payload.get("kind") or op.payload.get("name") or "record")
    for fields in (stored, op.payload.get("fields")):
        if isinstance(fields, dict):
            name = ", ".join(str(fields[k]) for k in ("family_name", "given_name")
                             if isinstance(fields.get(k), str))
            if name:
                return f"{kind} {name}"
    return f"{kind} {record_id[:8]}"


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for key in sorted(value, key=str):
            out.extend(_flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out or [(prefix, "")]
    if isinstance(value, list):
        return [(prefix, ", ".join(str(item) for item in value))]
    return [(prefix, "" if value is None else str(value))]


def _copy_op(row: Any, op: Operation, names: dict[str, str]) -> CopyOp:
    payload = dict(op.payload)
    kind = str(payload.pop("kind", payload.get("name", "")))
    payload.pop("id", None)
    return CopyOp(row.id, row.seq, row.op_id, row.origin, row.review, row.received_at,
                  str(op.op_type), kind, names.get(op.user_id, op.user_id),
                  hlc.wall_ms(op.recorded_at), _flatten(payload))


def decide(engine: Engine, settings: Settings, terminal_id: str, kept_id: int, *,
           accept: bool, reviewer: str | None) -> Decision:
    """Accept (apply through the push path) or discard one kept operation."""
    return decide_kept(engine, settings,
                       _CopyDecision(terminal_id, kept_id, accept=accept, reviewer=reviewer))


class _CopyDecision(KeptDecision[Decision]):
    """The operation ``kept_id`` a copy of a quarantined terminal sent, kept in
    ``quarantined_ops``."""

    flag = "clone_review"

    def __init__(self, terminal_id: str, kept_id: int, *, accept: bool,
                 reviewer: str | None) -> None:
        super().__init__(terminal_id, accept=accept, reviewer=reviewer)
        self.kept_id = kept_id

    def terminal(self, row: Any | None) -> Any:
        if row is None or row.quarantined_at is None:
            raise NotFound("There is no such quarantined terminal.")
        return row

    def load(self, conn: Connection) -> Kept:
        row = conn.execute(sa.select(C.quarantined).where(
            C.quarantined.c.id == self.kept_id,
            C.quarantined.c.terminal_id == self.terminal_id)).first()
        if row is None or row.review != OPEN:
            raise NotFound("There is no such operation waiting for review.")
        return Kept(row, operation_from_wire(decode(bytes(row.op))))

    def apply(self, conn: Connection, batch: Batch, terminal: Any, op: Operation) -> Outcome:
        _not_handled_yet(conn, op)
        outcome = dispatch_kept(conn, batch, terminal, op)
        if outcome.status is OpStatus.HELD and outcome.depends_on is not None:
            raise AdminError("This change names a record whose creating change is held for "
                             "a supervisor's review (Held operations): decide that one first, "
                             "or discard this one.")
        if outcome.status is OpStatus.HELD:
            raise AdminError("The user who made this change has been deactivated: make "
                             "them active again to accept it, or discard it.")
        return outcome

    def refusal(self) -> Outcome:
        return Outcome(OpStatus.REJECTED, reason=str(Reason.DISCARDED),
                       detail=REASON_TEXT[Reason.DISCARDED])

    def store(self, conn: Connection, kept: Kept, result: OpResult, _now: int) -> Decision:
        decided = str(result.status) if self.accept else DISCARDED
        conn.execute(sa.update(C.quarantined).where(C.quarantined.c.id == self.kept_id)
                     .values(review=decided))
        return Decision(self.kept_id, kept.row.seq, kept.row.op_id, decided, result.reason,
                        result.detail)

    def audit(self, fields: dict[str, Any], kept: Kept) -> None:
        fields["action"] = ("clone_review:" + fields["action"])[:64]
        fields["purpose"] = "security" if not self.accept else fields["purpose"]
        fields["detail"].update(reviewer=self.reviewer, kept=self.kept_id,
                                origin=kept.row.origin,
                                decision="accept" if self.accept else "discard")


def _not_handled_yet(conn: Connection, op: Operation) -> None:
    """Refuse to apply an operation the server already handled (from the
    other copy, or resent by a re-enrolled one): never twice."""
    handled = conn.execute(sa.select(T.ops.c.terminal_id, T.ops.c.seq).where(
        T.ops.c.op_id == op.op_id).limit(1)).first()
    if handled is not None:
        raise AdminError(f"This change already reached the server (operation {handled.seq} "
                         "of a terminal): there is nothing left to accept; discard it.")
    accepted = conn.execute(sa.select(sa.func.count()).select_from(C.quarantined).where(
        C.quarantined.c.op_id == op.op_id,
        C.quarantined.c.review.in_(("applied", "conflict")))).scalar_one()
    if accepted:
        raise AdminError("The same change was already accepted from the other copy: "
                         "discard this one.")


def open_count(engine: Engine, facility_id: str) -> int:
    """Operations of the facility's cloned terminals still waiting for a decision."""
    with read_tx(engine) as conn:
        return sum(t.open for t in quarantined_terminals(conn, facility_id))
