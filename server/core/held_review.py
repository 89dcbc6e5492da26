"""Review of held operations: a supervisor applies or rejects an operation that
was held because its user had been deactivated.

Applying runs the operation through the same dispatch as a push, marked
``reviewed`` so the inactive user no longer holds it; rejecting answers it
``rejected user_inactive``. An operation that names a record whose creating
change is still held stays held (and kept) until that one is decided. Either
way the stored result is replaced, the result carries the ``reviewed`` flag,
and the terminal learns it through ``PullRequest.held``. The audit entry names the reviewer.
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

    def terminal(self, row: Any | None) -> Any:
        if row is None:
            raise NotFound(f"no terminal {self.terminal_id}")
        return row

    def load(self, conn: Connection) -> Kept:
        row = conn.execute(sa.select(T.ops).where(
            T.ops.c.terminal_id == self.terminal_id, T.ops.c.seq == self.seq)).first()
        if row is None or row.status != OpStatus.HELD or row.held_op is None:
            raise NotFound(f"no held operation {self.seq} from terminal {self.terminal_id}")
        return Kept(row, operation_from_wire(decode(bytes(row.held_op))))

    def apply(self, conn: Connection, batch: Batch, terminal: Any, op: Operation) -> Outcome:
        return dispatch_kept(conn, batch, terminal, op, reviewed=True)

    def refusal(self) -> Outcome:
        return Outcome(OpStatus.REJECTED, reason=str(Reason.USER_INACTIVE),
                       detail="rejected at supervisor review")

    def store(self, conn: Connection, kept: Kept, result: OpResult, now: int) -> OpResult:
        # Still held (it names a record whose creating change awaits review,
        # :mod:`.dependencies`): the operation stays kept for the next review.
        still_held = result.status is OpStatus.HELD
        conn.execute(sa.update(T.ops).where(
            T.ops.c.terminal_id == self.terminal_id, T.ops.c.seq == self.seq).values(
            status=str(result.status), reason=result.reason, detail=result.detail,
            server_seq=result.server_seq, flags=",".join(result.flags),
            depends_on=result.depends_on, held_op=kept.row.held_op if still_held else None,
            handled_at=now))
        return result

    def audit(self, fields: dict[str, Any], _kept: Kept) -> None:
        fields["action"] = "review:" + fields["action"]
        fields["detail"]["reviewer"] = self.reviewer
