"""Sign-ins a terminal refused or saw fail while offline, kept in the server's
audit once the terminal reaches it (:mod:`protocol.terminal_events`).

Each event becomes one entry in the facility's audit chain
(``terminal:sign_in_refused`` or ``terminal:sign_in_failed``, purpose
``security``, the user as actor, the reason as outcome, the terminal's own
number and clock time in the detail), so regional managers see them with the
facility's other security events. The message counter is checked and
advanced in the same transaction (a replay is refused); events at or below
the highest number already kept for the terminal are skipped, so a resend
after a lost answer keeps nothing twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.signing import Envelope
from protocol.terminal_events import KINDS, EventsRequest
from server.errors import ReplayedMessage
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import write_tx
from server.storage.models import T

from .authentication import TerminalInfo, audit_replay, consume_counter

ACTIONS = tuple(f"terminal:{kind}" for kind in sorted(KINDS))


def keep(engine: Engine, settings: Settings, terminal: TerminalInfo, envelope: Envelope,
         request: EventsRequest) -> int:
    """Audit the events not kept yet; return the highest number now kept."""
    now = settings.clock()
    try:
        with write_tx(engine) as conn:
            consume_counter(conn, terminal, envelope.counter)
            through = kept_through(conn, terminal)
            fresh = [e for e in request.events if e.n > through]
            if fresh:
                batch = Batch(conn, [terminal.facility_id], now)
                chain = batch.chain(terminal.facility_id)
                for event in fresh:
                    chain.append(at=now, action=f"terminal:{event.kind}",
                                 outcome=event.reason or event.kind, actor=event.user_id,
                                 terminal_id=terminal.id, facility_id=terminal.facility_id,
                                 purpose="security",
                                 detail={"n": event.n, "terminal_at": event.at})
                batch.write()
                through = fresh[-1].n
    except ReplayedMessage:
        audit_replay(engine, settings, terminal, envelope)
        raise
    return through


def kept_through(conn: Connection, terminal: TerminalInfo) -> int:
    """The highest event number of this terminal already in the audit (0: none)."""
    detail = conn.execute(sa.select(T.audit.c.detail).where(
        T.audit.c.chain == terminal.facility_id, T.audit.c.terminal_id == terminal.id,
        T.audit.c.action.in_(ACTIONS)).order_by(T.audit.c.seq.desc()).limit(1)).scalar()
    if isinstance(detail, dict) and isinstance(detail.get("n"), int):
        return int(detail["n"])
    return 0
