"""Send the server what happened at this terminal's sign-in while it was
offline: sign-ins it refused (outside the offline window, a clock set back, a
user deactivated at the server), failed attempts, and emergency ("break the
glass") accesses, from the local audit (:mod:`protocol.terminal_events`).
Sent after each successful sync, oldest first, in signed messages like push
and pull; the server answers with the highest number it keeps, and the
terminal sends only later ones next time.

Two streams, each with its own "sent through" mark: emergency accesses (sent
first: high priority) and sign-in events. An older server that does not know
the emergency kind refuses its message; the sign-in events still go, and the
emergency accesses wait for a server that takes them (the server keeps numbers
per group, so they are still taken after later sign-in events). A link that
drops leaves everything for the next sync: the sync itself still succeeds.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.errors import ProtocolError
from protocol.ids import is_id
from protocol.terminal_events import (
    EMERGENCY_ACCESS,
    MAX_EVENTS,
    SIGN_IN_FAILED,
    SIGN_IN_REFUSED,
    EventsRequest,
    TerminalEvent,
    kept_from_wire,
)

from ..errors import SyncError
from ..store.database import AUDIT, Store, get_meta, set_meta
from .channel import Channel

SENT_META = "events_sent_through"
EMERGENCY_SENT_META = "emergency_events_sent_through"
EMERGENCY_LAST_META = "emergency_last"
"""The local audit id of the latest emergency access (:func:`note_emergency`): while it
is not above the sent mark there is nothing to look for, so a sync does not scan the
local audit a second time."""
KINDS = {"unlock_refused": SIGN_IN_REFUSED, "unlock_failed": SIGN_IN_FAILED}
EMERGENCY_KINDS = {"emergency_access": EMERGENCY_ACCESS}
STREAMS = ((EMERGENCY_SENT_META, EMERGENCY_KINDS), (SENT_META, KINDS))


def note_emergency(conn: Connection) -> None:
    """Just after an emergency access was audited, in the same transaction."""
    set_meta(conn, EMERGENCY_LAST_META, int(conn.execute(sa.select(sa.func.max(AUDIT.c.id)))
                                            .scalar() or 0))


def unsent(store: Store, meta: str = SENT_META,
           kinds: dict[str, str] | None = None) -> list[TerminalEvent]:
    with store.read() as conn:
        return _unsent(conn, meta, KINDS if kinds is None else kinds)


def _unsent(conn: Connection, meta: str, kinds: dict[str, str]) -> list[TerminalEvent]:
    through = int(get_meta(conn, meta, 0))
    if kinds is EMERGENCY_KINDS and int(get_meta(conn, EMERGENCY_LAST_META, 0)) <= through:
        return []
    rows = conn.execute(sa.select(AUDIT).where(AUDIT.c.id > through,
                                               AUDIT.c.event.in_(list(kinds)))
                        .order_by(AUDIT.c.id).limit(MAX_EVENTS)).all()
    return [_event(row, kinds[row.event]) for row in rows]


def _event(row: Any, kind: str) -> TerminalEvent:
    detail = json.loads(row.detail or "{}")
    user = row.user_id if row.user_id and is_id(row.user_id) else None
    if kind == EMERGENCY_ACCESS:
        return TerminalEvent(int(row.id), int(row.at), kind, user, str(detail["reason"]),
                             str(detail["resident"]))
    reason = detail.get("reason") if kind == SIGN_IN_REFUSED else "wrong_password"
    return TerminalEvent(int(row.id), int(row.at), kind, user,
                         str(reason)[:64] if reason else None)


def send(store: Store, channel: Channel) -> int:
    """Send what the server does not have yet, stream by stream; how many were
    sent (0 when there was nothing, or the server could not take them now)."""
    with store.read() as conn:  # one read for both streams, as for one before
        first = [_unsent(conn, meta, kinds) for meta, kinds in STREAMS]
    return sum(_send_stream(store, channel, meta, kinds, events)
               for (meta, kinds), events in zip(STREAMS, first, strict=True))


def _send_stream(store: Store, channel: Channel, meta: str, kinds: dict[str, str],
                 events: list[TerminalEvent]) -> int:
    sent = 0
    while events:
        try:
            answer = channel.exchange("/v1/events", "events",
                                      EventsRequest(events).to_wire(), "events_kept")
            through = kept_from_wire(answer)
        except (SyncError, ProtocolError):
            return sent  # kept here; the next sync tries again
        with store.write() as conn:
            set_meta(conn, meta, through)
        sent += len(events)
        if through < events[-1].n:
            return sent  # the server kept fewer: try again next time, not in a loop
        events = unsent(store, meta, kinds)
    return sent
