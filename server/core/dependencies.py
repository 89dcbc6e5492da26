"""An operation that refers to a record whose creating operation was rejected.

"No such resident" hides the real cause when the resident's registration was
itself rejected (an invalid birth date, a duplicate record number): the clerk
must see the two together. Such an operation is rejected ``dependency``, naming
the rejected creating operation, instead of ``not_found``.

A creating operation may also be *held* (its user was deactivated before the
terminal synced): the record does not exist yet, and may once a supervisor
approves it. An operation of the same terminal that refers to it (a colleague's
note on a resident the deactivated clerk registered) is held with it, naming it,
instead of being refused for good as about a record that "does not exist".
"""

from __future__ import annotations

import sqlalchemy as sa

from protocol.ops import Operation, OpStatus, Reason
from server.commands.outcomes import Outcome, rejected
from server.storage.batch import Batch
from server.storage.models import REJECTED, T

from .dispatch import id_refs
from .results import created_id


class RejectedCreates:
    """Creates rejected (or held) so far: in this batch (by record id), else in the log."""

    def __init__(self, batch: Batch, terminal_id: str) -> None:
        self.batch = batch
        self.terminal_id = terminal_id
        self.here: dict[str, tuple[str, int, str | None]] = {}
        self.held: dict[str, tuple[str, int]] = {}
        self._held_before: dict[str, tuple[str, int]] | None = None

    def note(self, op: Operation, outcome: Outcome) -> None:
        """Remember a creating operation (:func:`.results.created_id`) this batch
        rejected or held."""
        made = created_id(op)
        if made is None:
            return
        if outcome.status is OpStatus.REJECTED:
            self.here[made] = (op.op_id, op.seq, outcome.reason)
        elif outcome.status is OpStatus.HELD:
            self.held[made] = (op.op_id, op.seq)

    def explain(self, op: Operation, outcome: Outcome) -> Outcome:
        """``outcome``, or a ``dependency`` rejection when it is ``not_found``
        because a record it names was never created: its create was rejected."""
        if outcome.status is not OpStatus.REJECTED or outcome.reason != Reason.NOT_FOUND:
            return outcome
        own = created_id(op)
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
        for ref in missing:
            waiting = self.held.get(ref) or self._stored_held(ref)
            if waiting is not None:
                op_id, seq = waiting
                return Outcome(OpStatus.HELD, reason=str(Reason.USER_INACTIVE),
                               detail=f"it refers to {ref}, whose creating change {op_id} "
                                      f"(number {seq}) is held for a supervisor's review; "
                                      "approve that one first",
                               target=outcome.target, depends_on=op_id)
        return outcome

    def _stored(self, record_id: str) -> tuple[str, int, str | None] | None:
        row = self.batch.conn.execute(
            sa.select(T.ops.c.op_id, T.ops.c.seq, T.ops.c.reason)
            .where(T.ops.c.target_id == record_id, REJECTED)
            .order_by(T.ops.c.handled_at.desc()).limit(1)).first()
        return (row.op_id, row.seq, row.reason) if row is not None else None

    def _stored_held(self, record_id: str) -> tuple[str, int] | None:
        """A held create of this terminal's (only its own changes can name a
        record no one else has seen)."""
        if self._held_before is None:
            self._held_before = self._held_creates()
        return self._held_before.get(record_id)

    def _held_creates(self) -> dict[str, tuple[str, int]]:
        """This terminal's held creates, by the record they create, read once:
        ``target_id`` is indexed for rejected rows only, so one look per missing
        record would read the terminal's whole history each time. A terminal
        holds few operations (each waits for a person's review)."""
        rows = self.batch.conn.execute(
            sa.select(T.ops.c.target_id, T.ops.c.op_id, T.ops.c.seq)
            .where(T.ops.c.terminal_id == self.terminal_id,
                   T.ops.c.status == str(OpStatus.HELD), T.ops.c.target_id.is_not(None))
            .order_by(T.ops.c.seq))
        return {target: (op_id, seq) for target, op_id, seq in rows}  # the latest wins
