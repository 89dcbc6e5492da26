"""Operations a re-enrolled terminal carries over that the server handled already.

Enrolling a terminal again (:func:`client.terminal.reenroll`: revoked, or a copied
disk) gives it a new identity and carries its pending changes over with their
operation ids. A change whose push reached the server before, its answer lost on
the way back, is still pending there. Sent again under the new identity it gets
its original result and takes effect once; decided a second time, an update
based on an older version would conflict with the clerk's own later correction,
and the audit would show it twice.

Operation ids are unique: the look-up goes by id (indexed), within the terminal's
facility, for the same payload. A held original is left out: its review belongs
to the identity that sent it, and the copy is decided as new. The held review
(:mod:`.held_review`) then answers the held row with the copy's result
(:func:`decided_elsewhere`), so whichever is decided first is the only decision.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.ops import Operation, OpResult, OpStatus
from server.commands.fingerprints import payload_hash
from server.commands.outcomes import Outcome
from server.storage.models import T

from .authentication import TerminalInfo
from .results import result_from_row


def handled_before(conn: Connection, terminal: TerminalInfo, ops: list[Operation]
                   ) -> dict[str, Any]:
    """The ``ops`` rows of another terminal of this facility that handled the
    very same operations (under their numbers there), by operation id."""
    if not ops:
        return {}
    # By the op_id index alone: nearly always nothing comes back (a join or a
    # condition on the terminal would let the planner scan ``ops`` instead).
    rows = [row for row in conn.execute(sa.select(T.ops).where(
        T.ops.c.op_id.in_([op.op_id for op in ops]))).all()
        if row.terminal_id != terminal.id and row.status != OpStatus.HELD]
    if not rows:
        return {}
    ours = set(conn.execute(sa.select(T.terminals.c.id).where(
        T.terminals.c.id.in_({row.terminal_id for row in rows}),
        T.terminals.c.facility_id == terminal.facility_id)).scalars())
    rows = sorted((row for row in rows if row.terminal_id in ours),
                  key=lambda row: row.handled_at)
    by_id = {op.op_id: op for op in ops}
    found: dict[str, Any] = {}
    for row in rows:
        if row.op_id not in found and same_change(by_id[row.op_id], row):
            found[row.op_id] = row
    return found


def same_change(op: Operation, row: Any) -> bool:
    """Whether the ``ops`` row stored ``op`` (under the row's own number)."""
    return bool(payload_hash(replace(op, seq=row.seq)) == row.payload_hash)


def other_rows(conn: Connection, held: Any, op: Operation) -> list[Any]:
    """The rows of other terminals of the same facility that stored the held
    operation ``op`` (its row ``held``): a re-enrolled copy, or the identity it
    was carried from; earliest handled first."""
    rows = [row for row in conn.execute(sa.select(T.ops).where(
        T.ops.c.op_id == op.op_id)).all() if row.terminal_id != held.terminal_id]
    if not rows:
        return []
    facility = sa.select(T.terminals.c.facility_id).where(
        T.terminals.c.id == held.terminal_id).scalar_subquery()
    ours = set(conn.execute(sa.select(T.terminals.c.id).where(
        T.terminals.c.id.in_({row.terminal_id for row in rows}),
        T.terminals.c.facility_id == facility)).scalars())
    return sorted((row for row in rows if row.terminal_id in ours and same_change(op, row)),
                  key=lambda row: row.handled_at)


def decided_elsewhere(conn: Connection, held: Any, op: Operation) -> Any | None:
    """The row of :func:`other_rows` that decided ``op`` (applied, conflict or
    rejected: not held), if any."""
    return next((row for row in other_rows(conn, held, op)
                 if row.status != OpStatus.HELD), None)


def original(op: Operation, row: Any) -> tuple[OpResult, Outcome]:
    """The stored result of ``row``, answering ``op`` (its number at the new
    identity), and the same as an outcome for the audit entry."""
    result = replace(result_from_row(row), seq=op.seq)
    outcome = Outcome(result.status, result.reason, result.detail, result.server_seq,
                      list(result.flags), depends_on=result.depends_on,
                      audit={"carried_from": row.terminal_id, "carried_seq": row.seq})
    return result, outcome
