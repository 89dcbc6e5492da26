"""Two machines using one terminal identity (a cloned disk).

A terminal restored from an older copy renumbers its new changes in a new
epoch (:mod:`client.sync.terminal_restore`); the server records the epoch. A
request that still comes under an older epoch is from another live copy: the
identity is **quarantined**. From then on push and pull refuse it with that
reason (``403 terminal_quarantined``), and every operation either copy sends
is kept in ``quarantined_ops`` with the epoch it came under, for a records
manager to review side by side (:mod:`.clone_review`); nothing is applied,
nothing dropped. Both copies tell their clerks to enroll again, which carries
their pending changes over to a new identity (:func:`client.terminal.reenroll`);
an operation that arrives again that way is marked ``resent`` in the review.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.codec import encode
from protocol.messages import PushRequest
from protocol.ops import REASON_TEXT, OpStatus, Reason
from server.commands.fingerprints import payload_hash
from server.commands.outcomes import Outcome
from server.errors import TerminalQuarantined
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.continuity_models import C
from server.storage.db import read_tx, write_tx
from server.storage.models import T

from .authentication import TerminalInfo


def check(engine: Engine, settings: Settings, terminal: TerminalInfo, epoch: int,
          push: PushRequest | None = None) -> None:
    """Refuse a quarantined identity, or quarantine one whose request comes
    under an epoch older than the server's; keep what a push carried. The
    server's epoch is the one authentication read with the terminal's key (the
    same moment before the request's transaction as a read of its own)."""
    if not terminal.quarantined:
        known = terminal.epoch
        if known is None:  # not read at authentication
            with read_tx(engine) as conn:
                known = conn.execute(sa.select(T.terminals.c.epoch).where(
                    T.terminals.c.id == terminal.id)).scalar_one()
        if epoch >= known:
            return
    now = settings.clock()
    with write_tx(engine) as conn:
        batch = Batch(conn, [terminal.facility_id], now)
        row = conn.execute(sa.select(T.terminals.c.epoch, T.terminals.c.quarantined_at).where(
            T.terminals.c.id == terminal.id)).one()
        chain = batch.chain(terminal.facility_id)
        if row.quarantined_at is None:
            conn.execute(sa.update(T.terminals).where(T.terminals.c.id == terminal.id).values(
                quarantined_at=now,
                quarantine_reason=f"a copy under epoch {epoch} while the terminal is at "
                                  f"epoch {row.epoch}"))
            chain.append(at=now, action="terminal:quarantined", outcome="clone",
                         terminal_id=terminal.id, facility_id=terminal.facility_id,
                         purpose="security", detail={"epoch": epoch, "known": row.epoch})
        if push is not None and push.ops:
            _hold(conn, terminal.id, push, epoch, now)
            chain.append(at=now, action="push:quarantined", outcome="held",
                         terminal_id=terminal.id, facility_id=terminal.facility_id,
                         purpose="security",
                         detail={"epoch": epoch, "seqs": [push.ops[0].seq, push.ops[-1].seq]})
        batch.write()
    raise TerminalQuarantined


def _hold(conn: Connection, terminal_id: str, push: PushRequest, epoch: int, now: int) -> None:
    kept = set(conn.execute(sa.select(C.quarantined.c.op_id).where(
        C.quarantined.c.terminal_id == terminal_id)).scalars())
    # Answered ones a copy sends again (after a lost answer, or a restore) are
    # kept too, but there is nothing to decide: the server has them.
    handled = set(conn.execute(sa.select(T.ops.c.op_id).where(
        T.ops.c.terminal_id == terminal_id,
        T.ops.c.seq.in_([op.seq for op in push.ops]))).scalars())
    rows = [{"terminal_id": terminal_id, "seq": op.seq, "op_id": op.op_id,
             "payload_hash": payload_hash(op), "op": encode(op.to_wire()),
             "received_at": now, "origin": f"epoch {epoch}",
             "review": "handled" if op.op_id in handled else "open"}
            for op in push.ops if op.op_id not in kept]
    if rows:
        conn.execute(sa.insert(C.quarantined), rows)


@dataclass(frozen=True)
class HeldFromCopy:
    seq: int
    op_id: str
    origin: str
    review: str
    received_at: int


def held_from_copies(engine: Engine, terminal_id: str) -> list[HeldFromCopy]:
    """What the copies of a quarantined identity sent, by number then copy:
    the rows a records manager reviews side by side."""
    with read_tx(engine) as conn:
        rows = conn.execute(sa.select(C.quarantined).where(
            C.quarantined.c.terminal_id == terminal_id)
            .order_by(C.quarantined.c.seq, C.quarantined.c.origin)).all()
    return [HeldFromCopy(r.seq, r.op_id, r.origin, r.review, r.received_at) for r in rows]


_DECIDED = {"applied": OpStatus.APPLIED, "conflict": OpStatus.CONFLICT,
            "rejected": OpStatus.REJECTED, "discarded": OpStatus.REJECTED}


def any_kept(conn: Connection) -> bool:
    """Whether any operation was ever kept from a cloned terminal: nearly never,
    so a push asks this one-row question before naming its operations."""
    return conn.execute(sa.select(C.quarantined.c.id).limit(1)).first() is not None


def decided_at_review(conn: Connection, op_ids: list[str]) -> dict[str, Outcome]:
    """Operations a records manager already decided at the review of a cloned
    terminal (:mod:`.clone_review`), by operation id: a re-enrolled copy that
    sends one again gets that decision, and nothing is applied twice."""
    if not op_ids or not any_kept(conn):
        return {}
    rows = conn.execute(sa.select(C.quarantined.c.op_id, C.quarantined.c.review).where(
        C.quarantined.c.op_id.in_(op_ids), C.quarantined.c.review.in_(list(_DECIDED))))
    found: dict[str, Outcome] = {}
    for op_id, review in rows:
        discarded = review == "discarded"
        found[op_id] = Outcome(
            _DECIDED[review], reason=str(Reason.DISCARDED) if discarded else None,
            detail=REASON_TEXT[Reason.DISCARDED] if discarded else
            f"decided ({review}) when a records manager reviewed the copied terminal",
            flags=["clone_review"])
    return found


def mark_resent(conn: Connection, op_ids: list[str]) -> None:
    """Operations that arrived again from a re-enrolled copy are not pending review.
    (Nearly always nothing was ever kept: one cheap look before naming every
    operation; then the look-up goes by operation id, through its index.)"""
    if op_ids and any_kept(conn):
        conn.execute(sa.update(C.quarantined).where(C.quarantined.c.op_id.in_(op_ids),
                                                    C.quarantined.c.review == "open")
                     .values(review="resent"))
