"""Review of held operations: a supervisor applies or rejects an operation that
was held because its user had been deactivated.

Applying runs the operation through the same dispatch as a push, marked
``reviewed`` so the inactive user no longer holds it; rejecting answers it
``rejected user_inactive``. Either way the stored result is replaced, the
result carries the ``reviewed`` flag, and the terminal learns it through
``PullRequest.held``. The audit entry names the reviewer.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from protocol.codec import decode
from protocol.messages import operation_from_wire
from protocol.ops import OpResult, OpStatus, Reason
from server.commands.context import Context
from server.commands.outcomes import Outcome
from server.errors import NotFound
from server.settings import Settings
from server.storage.batch import Batch, with_facility_locks
from server.storage.db import write_tx
from server.storage.models import T

from .authentication import TerminalInfo
from .dependencies import RejectedCreates
from .dispatch import handle, id_refs, load_users
from .results import audit_fields, result_of


def review_held(engine: Engine, settings: Settings, terminal_id: str, seq: int, *,
                apply: bool, reviewer: str | None = None) -> OpResult:
    return with_facility_locks(
        lambda facilities: _review_once(engine, settings, terminal_id, seq, facilities,
                                        apply=apply, reviewer=reviewer),
        set(), "the review")


def _review_once(engine: Engine, settings: Settings, terminal_id: str, seq: int,
                 extra: set[str], *, apply: bool, reviewer: str | None) -> OpResult:
    now = settings.clock()
    with write_tx(engine) as conn:
        term = conn.execute(sa.select(T.terminals).where(
            T.terminals.c.id == terminal_id)).first()
        if term is None:
            raise NotFound(f"no terminal {terminal_id}")
        batch = Batch(conn, {term.facility_id, *extra}, now)
        row = conn.execute(sa.select(T.ops).where(
            T.ops.c.terminal_id == terminal_id, T.ops.c.seq == seq)).first()
        if row is None or row.status != OpStatus.HELD or row.held_op is None:
            raise NotFound(f"no held operation {seq} from terminal {terminal_id}")
        op = operation_from_wire(decode(bytes(row.held_op)))
        info = TerminalInfo(term.id, term.facility_id, bytes(term.public_key))
        if apply:
            users = load_users(conn, {op.user_id})
            batch.prefetch(id_refs(op.payload))
            outcome = RejectedCreates(batch).explain(op, handle(
                Context(batch, term.facility_id), op, users.get(op.user_id), term.id,
                reviewed=True))
        else:
            outcome = Outcome(OpStatus.REJECTED, reason=str(Reason.USER_INACTIVE),
                              detail="rejected at supervisor review")
        outcome.flags.append("reviewed")
        result = result_of(op, outcome)
        conn.execute(sa.update(T.ops).where(
            T.ops.c.terminal_id == terminal_id, T.ops.c.seq == seq).values(
            status=str(result.status), reason=result.reason, detail=result.detail,
            server_seq=result.server_seq, flags=",".join(result.flags),
            depends_on=result.depends_on, held_op=None, handled_at=now))
        fields = audit_fields(info, op, row.payload_hash, outcome, now)
        fields["action"] = "review:" + fields["action"]
        fields["detail"]["reviewer"] = reviewer
        batch.chain(term.facility_id).append(**fields)
        batch.write()
        return result
