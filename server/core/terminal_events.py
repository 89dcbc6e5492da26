"""Security events a terminal recorded while it could not reach the server,
kept in the server's audit once the terminal reaches it (:mod:`protocol.terminal_events`).

Each event becomes one entry in the facility's audit chain, purpose
``security`` (``emergency`` for an emergency access), the user as actor, the
terminal's own number and clock time in the detail, so regional managers see
them with the facility's other security events:

- ``terminal:sign_in_refused`` / ``terminal:sign_in_failed``, the reason as outcome;
- ``terminal:emergency_access`` (break the glass, :mod:`protocol.rules.emergency_access`):
  the actor ``emergency:<user id>`` (the user acting under emergency access, as
  ``portal:`` and ``inspector:`` name other principals; and the audit's one index is on
  the actor, so these few entries are found without reading the chain), the resident
  as target, the reason typed and ``priority: high`` in the detail; a regional manager
  reviews each (:mod:`server.portal.emergency_access`).

The message counter is checked and advanced in the same transaction (a replay
is refused). Numbers are kept per group (sign-ins, emergency accesses): events at
or below the highest number already kept for the terminal in their group are
skipped, so a resend after a lost answer keeps nothing twice, and a terminal
whose emergency access an older server refused can still send it later, after
sign-in events with higher numbers.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.rules.emergency_access import PRIORITY, PURPOSE
from protocol.signing import Envelope
from protocol.terminal_events import EMERGENCY_ACCESS, SIGN_IN_KINDS, EventsRequest, TerminalEvent
from server.errors import ReplayedMessage
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import write_tx
from server.storage.models import LOOKED_UP_ACTOR, T

from .authentication import TerminalInfo, audit_replay, consume_counter

ACTIONS = tuple(f"terminal:{kind}" for kind in sorted(SIGN_IN_KINDS))
"""The sign-in events (refused, failed)."""
EMERGENCY_ACTION = f"terminal:{EMERGENCY_ACCESS}"
EMERGENCY_ACTOR = "emergency:"


def emergency_actors(conn: Connection, facility_ids: list[str]) -> list[str]:
    """The actors emergency accesses at ``facility_ids`` are recorded under: one per
    user of those facilities (an indexed lookup each, instead of reading the chains)."""
    return [EMERGENCY_ACTOR + user_id for user_id in conn.execute(
        sa.select(T.users.c.id).where(T.users.c.facility_id.in_(sorted(facility_ids))))
        .scalars()]


def _group(kind: str) -> tuple[str, ...]:
    return (EMERGENCY_ACTION,) if kind == EMERGENCY_ACCESS else ACTIONS


def keep(engine: Engine, settings: Settings, terminal: TerminalInfo, envelope: Envelope,
         request: EventsRequest) -> int:
    """Audit the events not kept yet; return the highest number now kept (of the
    groups the request's events belong to; of sign-ins when it had none)."""
    now = settings.clock()
    try:
        with write_tx(engine) as conn:
            consume_counter(conn, terminal, envelope.counter)
            groups = {_group(e.kind) for e in request.events} or {ACTIONS}
            kept = {group: kept_through(conn, terminal, group) for group in groups}
            fresh = [e for e in request.events if e.n > kept[_group(e.kind)]]
            if fresh:
                batch = Batch(conn, [terminal.facility_id], now)
                chain = batch.chain(terminal.facility_id)
                for event in fresh:
                    chain.append(at=now, terminal_id=terminal.id,
                                 facility_id=terminal.facility_id, **_entry(event))
                    kept[_group(event.kind)] = event.n
                batch.write()
    except ReplayedMessage:
        audit_replay(engine, settings, terminal, envelope)
        raise
    return max(kept.values())


def _entry(event: TerminalEvent) -> dict[str, Any]:
    detail: dict[str, Any] = {"n": event.n, "terminal_at": event.at}
    if event.kind == EMERGENCY_ACCESS:
        return {"action": EMERGENCY_ACTION, "outcome": EMERGENCY_ACCESS, "purpose": PURPOSE,
                "actor": f"{EMERGENCY_ACTOR}{event.user_id}", "target": event.resident_id,
                "detail": {**detail, "reason": event.reason, "priority": PRIORITY}}
    return {"action": f"terminal:{event.kind}", "outcome": event.reason or event.kind,
            "actor": event.user_id, "purpose": "security", "detail": detail}


def kept_through(conn: Connection, terminal: TerminalInfo,
                 actions: tuple[str, ...] = ACTIONS) -> int:
    """The highest event number of this terminal already in the audit among
    ``actions`` (0: none)."""
    audit = T.audit
    if actions == (EMERGENCY_ACTION,):  # by the actor index, the chain checked here: not read
        rows = conn.execute(sa.select(audit.c.chain, audit.c.detail).where(
            audit.c.actor.in_(emergency_actors(conn, [terminal.facility_id])), LOOKED_UP_ACTOR,
            audit.c.terminal_id == terminal.id, audit.c.action == EMERGENCY_ACTION))
        details = [r.detail for r in rows if r.chain == terminal.facility_id]
    else:
        details = list(conn.execute(sa.select(audit.c.detail).where(
            audit.c.chain == terminal.facility_id, audit.c.terminal_id == terminal.id,
            audit.c.action.in_(actions)).order_by(audit.c.seq.desc()).limit(1)).scalars())
    return max((int(d["n"]) for d in details
                if isinstance(d, dict) and isinstance(d.get("n"), int)), default=0)
