"""An operation that refers to a record whose creating operation was rejected.

"No such resident" hides the real cause when the resident's registration was
itself rejected (an invalid birth date, a duplicate record number): the clerk
must see the two together. Such an operation is rejected ``dependency``, naming
the rejected creating operation, instead of ``not_found``.
"""

from __future__ import annotations

import sqlalchemy as sa

from protocol.ops import Operation, OpStatus, OpType, Reason
from server.commands.outcomes import Outcome, rejected
from server.storage.batch import Batch
from server.storage.models import REJECTED, T

from .dispatch import id_refs


class RejectedCreates:
    """Creates rejected so far: in this batch (by record id), else in the log."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.here: dict[str, tuple[str, int, str | None]] = {}

    def note(self, op: Operation, outcome: Outcome) -> None:
        """Remember a create this batch rejected."""
        if (outcome.status is OpStatus.REJECTED and op.op_type is OpType.CREATE
                and op.target_id is not None):
            self.here[op.target_id] = (op.op_id, op.seq, outcome.reason)

    def explain(self, op: Operation, outcome: Outcome) -> Outcome:
        """``outcome``, or a ``dependency`` rejection when it is ``not_found``
        because a record it names was never created: its create was rejected."""
        if outcome.status is not OpStatus.REJECTED or outcome.reason != Reason.NOT_FOUND:
            return outcome
        own = op.target_id if op.op_type is OpType.CREATE else None
        missing = [ref for ref in dict.fromkeys(id_refs(op.payload))
                   if ref != own and self.batch.get(ref) is None]
        for ref in missing:
            cause = self.here.get(ref) or self._stored(ref)
            if cause is not None:
                op_id, seq, reason = cause
                out = rejected(Reason.DEPENDENCY,
                               f"it refers to {ref}, whose creating change {op_id} (number "
                               f"{seq}) was rejected ({reason})", target=outcome.target)
                out.depends_on = op_id
                return out
        return outcome

    def _stored(self, record_id: str) -> tuple[str, int, str | None] | None:
        row = self.batch.conn.execute(
            sa.select(T.ops.c.op_id, T.ops.c.seq, T.ops.c.reason)
            .where(T.ops.c.target_id == record_id, REJECTED)
            .order_by(T.ops.c.handled_at.desc()).limit(1)).first()
        return (row.op_id, row.seq, row.reason) if row is not None else None
