"""Review of held operations: a supervisor applies or rejects an operation that
was held because its user had been deactivated.

Applying runs the operation through the same dispatch as a push, marked
``reviewed`` so the inactive user no longer holds it; rejecting answers it
``rejected user_inactive``. An operation that names a record whose creating
change is still held stays held (and kept) until that one is decided. Either
way the stored result is replaced, the result carries the ``reviewed`` flag,
and the terminal learns it through ``PullRequest.held``. The audit entry names the reviewer.

The same operation may sit in more than one row (:mod:`.carried`: a terminal
enrolled again resends it under its new identity). It is decided once: a row
whose operation another row already decided is answered with that row's result
(applied or refused alike, nothing runs again), and a decision settles the other
held rows of the operation, so each identity's terminal learns it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.codec import decode
from protocol.messages import operation_from_wire
from protocol.ops import Operation, OpResult, OpStatus, Reason
from server.commands.outcomes import Outcome
from server.errors import NotFound
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.models import T

from . import carried
from .kept_review import Kept, KeptDecision, decide_kept, dispatch_kept


def review_held(engine: Engine, settings: Settings, terminal_id: str, seq: int, *,
                apply: bool, reviewer: str | None = None) -> OpResult:
    return decide_kept(engine, settings,
                       _HeldDecision(terminal_id, seq, accept=apply, reviewer=reviewer))


class _HeldDecision(KeptDecision[OpResult]):
    """The held operation ``seq`` of a terminal, kept in its row of ``ops``."""

    flag = "reviewed"

    def __init__(self, terminal_id: str, seq: int, *, accept: bool,
                 reviewer: str | None) -> None:
        super().__init__(terminal_id, accept=accept, reviewer=reviewer)
        self.seq = seq
        self.answered: Outcome | None = None
        """The result of another row that decided the same operation already."""

    def terminal(self, row: Any | None) -> Any:
        if row is None:
            raise NotFound(f"no terminal {self.terminal_id}")
        return row

    def load(self, conn: Connection) -> Kept:
        row = conn.execute(sa.select(T.ops).where(
            T.ops.c.terminal_id == self.terminal_id, T.ops.c.seq == self.seq)).first()
        if row is None or row.status != OpStatus.HELD or row.held_op is None:
            raise NotFound(f"no held operation {self.seq} from terminal {self.terminal_id}")
        op = operation_from_wire(decode(bytes(row.held_op)))
        earlier = carried.decided_elsewhere(conn, row, op)
        self.answered = carried.original(op, earlier)[1] if earlier is not None else None
        if self.answered is not None and self.flag in self.answered.flags:
            self.answered.flags.remove(self.flag)  # flagged again as this review's
        return Kept(row, op)

    def apply(self, conn: Connection, batch: Batch, terminal: Any, op: Operation) -> Outcome:
        if self.answered is not None:
            return self.answered
        return dispatch_kept(conn, batch, terminal, op, reviewed=True)

    def refusal(self) -> Outcome:
        if self.answered is not None:
            return self.answered
        return Outcome(OpStatus.REJECTED, reason=str(Reason.USER_INACTIVE),
                       detail="rejected at supervisor review")

    def store(self, conn: Connection, kept: Kept, result: OpResult, now: int) -> OpResult:
        # Still held (it names a record whose creating change awaits review,
        # :mod:`.dependencies`): the operation stays kept for the next review.
        still_held = result.status is OpStatus.HELD
        decided = {"status": str(result.status), "reason": result.reason,
                   "detail": result.detail, "server_seq": result.server_seq,
                   "flags": ",".join(result.flags), "depends_on": result.depends_on,
                   "handled_at": now}
        conn.execute(sa.update(T.ops).where(
            T.ops.c.terminal_id == self.terminal_id, T.ops.c.seq == self.seq).values(
            **decided, held_op=kept.row.held_op if still_held else None))
        if not still_held:  # the same operation held under another identity: settled too
            for row in carried.other_rows(conn, kept.row, kept.op):
                if row.status == OpStatus.HELD:
                    conn.execute(sa.update(T.ops).where(
                        T.ops.c.terminal_id == row.terminal_id, T.ops.c.seq == row.seq)
                        .values(**decided, held_op=None))
        return result

    def audit(self, fields: dict[str, Any], _kept: Kept) -> None:
        answered = "carried:" if self.answered is not None else ""
        fields["action"] = ("review:" + answered + fields["action"])[:64]
        fields["detail"]["reviewer"] = self.reviewer
