"""Who is asking: a known, unrevoked terminal whose key signed the envelope,
and whose message counter is above every one it sent before.

Every refusal is a security event and goes to the audit log: a bad signature
of any kind (unknown terminal, revoked terminal, wrong key) is one identical
:class:`~protocol.errors.SignatureError` to the sender, with the reason kept
only in the audit entry; a replayed message is
:class:`~server.errors.ReplayedMessage`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.errors import SignatureError
from protocol.signing import Envelope
from server.errors import ReplayedMessage
from server.settings import Settings
from server.storage import audit
from server.storage.db import single_read, write_tx
from server.storage.models import T


@dataclass(frozen=True)
class TerminalInfo:
    id: str
    facility_id: str
    public_key: bytes
    quarantined: bool = False
    """Two machines were seen using this identity (:mod:`.clones`): push and
    pull refuse it with that reason, keeping what it sends."""
    epoch: int | None = None
    """The numbering epoch the server held when it authenticated the request
    (:mod:`.clones` compares the request's with it); None: not read."""


_SIGNER = sa.select(
    T.terminals.c.id, T.terminals.c.facility_id, T.terminals.c.public_key,
    T.terminals.c.revoked_at, T.terminals.c.quarantined_at, T.terminals.c.epoch,
).where(T.terminals.c.id == sa.bindparam("sender"))
"""What authentication reads of the signer, built once: every terminal request
runs it, and building the statement cost more than running it."""

Refusal = Callable[[str | None, str | None, dict[str, Any]], None]
"""Audits a refused request: (chain, terminal id, detail)."""


def authenticate(engine: Engine, settings: Settings, envelope: Envelope,
                 refuse: Refusal | None = None) -> TerminalInfo:
    """The terminal that signed ``envelope``, or an audited :class:`SignatureError`
    (through ``refuse``, which the HTTP edge aggregates per source)."""
    with single_read(engine) as conn:
        row = conn.execute(_SIGNER, {"sender": envelope.sender}).first()
    if row is None:
        why = "unknown terminal"
    elif row.revoked_at is not None:
        why = "revoked terminal"
    else:
        try:
            envelope.verify(bytes(row.public_key))
        except SignatureError:
            why = "bad signature"
        else:
            return TerminalInfo(row.id, row.facility_id, bytes(row.public_key),
                                row.quarantined_at is not None, int(row.epoch))
    chain = row.facility_id if row else None
    detail = {"why": why, "type": envelope.msg_type}
    if refuse is not None:
        refuse(chain, envelope.sender, detail)
    else:
        audit_rejection(engine, settings, chain, "auth:rejected", "bad_signature",
                        terminal_id=envelope.sender, detail=detail)
    raise SignatureError


def audit_rejection(engine: Engine, settings: Settings, chain: str | None, action: str,
                    outcome: str, *, terminal_id: str | None = None,
                    detail: dict[str, Any] | None = None, actor: str | None = None) -> None:
    """Record a refused request in its own transaction (``_system`` when the
    facility is unknown)."""
    with write_tx(engine) as conn:
        audit.record_event(conn, chain, at=settings.clock(), action=action, outcome=outcome,
                           terminal_id=terminal_id, actor=actor, facility_id=chain,
                           purpose="security", detail=detail or {})


def consume_counter(conn: Connection, terminal: TerminalInfo, counter: int) -> None:
    """Advance the terminal's message counter inside the caller's transaction;
    a counter not above the last one seen is a replay."""
    result = conn.execute(sa.update(T.terminals).where(
        T.terminals.c.id == terminal.id, T.terminals.c.last_msg_ctr < counter,
        T.terminals.c.revoked_at.is_(None)).values(last_msg_ctr=counter))
    if result.rowcount == 0:
        raise ReplayedMessage


_CTR = sa.bindparam("ctr", type_=sa.BigInteger)
_CONSUME_FOR_PUSH = (
    sa.update(T.terminals)
    .where(T.terminals.c.id == sa.bindparam("terminal"), T.terminals.c.last_msg_ctr < _CTR,
           T.terminals.c.revoked_at.is_(None))
    .values(last_msg_ctr=_CTR)
    .returning(T.terminals.c.last_seq, T.terminals.c.epoch))


def consume_counter_for_push(conn: Connection, terminal: TerminalInfo, counter: int
                             ) -> tuple[int, int]:
    """:func:`consume_counter`, returning in the same statement what a push reads
    next of the terminal's row (locked by it): its last handled operation and
    its numbering epoch."""
    row = conn.execute(_CONSUME_FOR_PUSH, {"terminal": terminal.id, "ctr": counter}).first()
    if row is None:
        raise ReplayedMessage
    return int(row.last_seq), int(row.epoch)


def audit_replay(engine: Engine, settings: Settings, terminal: TerminalInfo,
                 envelope: Envelope) -> None:
    audit_rejection(engine, settings, terminal.facility_id, "auth:replay", "replayed_message",
                    terminal_id=terminal.id,
                    detail={"counter": envelope.counter, "type": envelope.msg_type})
