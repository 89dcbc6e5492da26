"""Deciding one kept operation: the step the held-operation review
(:mod:`.held_review`) and the cloned-terminal review (:mod:`.clone_review`) share.

Both keep an operation a terminal sent until a person decides on it, and both
decide it the same way, in one transaction under the facility locks (run again
with more locks when the operation turns out to touch another facility): load
the terminal that sent it, read the kept operation, then either apply it through
the dispatch a push uses (with the explanation a push gives of a create rejected
earlier) or answer it without applying it; store the result where the operation
was kept, and append the decision to the facility's audit chain, naming the
reviewer.

A :class:`KeptDecision` says what differs between the two: which terminals may be
reviewed, where the operation is kept, what applying it must also check, what a
refusal answers, where the result goes and how the audit entry is named.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.ops import Operation, OpResult
from server.commands.context import Context
from server.commands.outcomes import Outcome
from server.settings import Settings
from server.storage.batch import Batch, with_facility_locks
from server.storage.db import write_tx
from server.storage.models import T

from .authentication import TerminalInfo
from .dependencies import RejectedCreates
from .dispatch import handle, id_refs, load_users
from .results import audit_fields, result_of

R = TypeVar("R")


@dataclass(frozen=True)
class Kept:
    """A kept operation as the review found it."""

    row: Any
    """Where it was kept (the caller's table); it has the ``payload_hash``."""
    op: Operation


class KeptDecision(ABC, Generic[R]):
    """One person's decision on one kept operation: apply it (``accept``) or not."""

    flag: ClassVar[str]
    """Added to the result's flags: how the terminal tells a reviewed result."""

    def __init__(self, terminal_id: str, *, accept: bool, reviewer: str | None) -> None:
        self.terminal_id = terminal_id
        self.accept = accept
        self.reviewer = reviewer

    @abstractmethod
    def terminal(self, row: Any | None) -> Any:
        """The terminal row if this review may decide on its operations, else
        :class:`~server.errors.NotFound`."""

    @abstractmethod
    def load(self, conn: Connection) -> Kept:
        """The kept operation still open for a decision, else ``NotFound``."""

    @abstractmethod
    def apply(self, conn: Connection, batch: Batch, terminal: Any, op: Operation) -> Outcome:
        """Apply it, normally with :func:`dispatch_kept` and what else this review checks."""

    @abstractmethod
    def refusal(self) -> Outcome:
        """What the operation answers when it is not applied."""

    @abstractmethod
    def store(self, conn: Connection, kept: Kept, result: OpResult, now: int) -> R:
        """Record the decision where the operation was kept; returns the review's answer."""

    @abstractmethod
    def audit(self, fields: dict[str, Any], kept: Kept) -> None:
        """Name the audit entry (``fields``, as for a push) after this review."""


def decide_kept(engine: Engine, settings: Settings, decision: KeptDecision[R]) -> R:
    """Carry out ``decision`` in one transaction under the facility locks it needs."""
    return with_facility_locks(lambda extra: _decide_once(engine, settings, decision, extra),
                               set(), "the review")


def _decide_once(engine: Engine, settings: Settings, decision: KeptDecision[R],
                 extra: set[str]) -> R:
    now = settings.clock()
    with write_tx(engine) as conn:
        term = decision.terminal(conn.execute(sa.select(T.terminals).where(
            T.terminals.c.id == decision.terminal_id)).first())
        batch = Batch(conn, {term.facility_id, *extra}, now)
        kept = decision.load(conn)
        if decision.accept:
            outcome = decision.apply(conn, batch, term, kept.op)
        else:
            outcome = decision.refusal()
        outcome.flags.append(decision.flag)
        answer = decision.store(conn, kept, result_of(kept.op, outcome), now)
        info = TerminalInfo(term.id, term.facility_id, bytes(term.public_key))
        fields = audit_fields(info, kept.op, kept.row.payload_hash, outcome, now)
        decision.audit(fields, kept)
        batch.chain(term.facility_id).append(**fields)
        batch.write()
        return answer


def dispatch_kept(conn: Connection, batch: Batch, terminal: Any, op: Operation, *,
                  reviewed: bool = False) -> Outcome:
    """Apply a kept operation the way a push applies it, under the identity that sent
    it; ``reviewed`` lets an operation of a since deactivated user through."""
    users = load_users(conn, {op.user_id})
    batch.prefetch(id_refs(op.payload))
    return RejectedCreates(batch, terminal.id).explain(op, handle(
        Context(batch, terminal.facility_id), op, users.get(op.user_id), terminal.id,
        reviewed=reviewed))
