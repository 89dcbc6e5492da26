"""Send the server what happened at this terminal's sign-in while it was
offline: sign-ins it refused (outside the offline window, a clock set back, a
user deactivated at the server) and failed attempts, from the local audit
(:mod:`protocol.terminal_events`). Sent after each successful sync, oldest
first, in signed messages like push and pull; the server answers with the
highest number it keeps, and the terminal sends only later ones next time.
An older server that does not take them, or a link that drops, leaves them
for the next sync: the sync itself still succeeds.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from protocol.errors import ProtocolError
from protocol.ids import is_id
from protocol.terminal_events import (
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
KINDS = {"unlock_refused": SIGN_IN_REFUSED, "unlock_failed": SIGN_IN_FAILED}


def unsent(store: Store) -> list[TerminalEvent]:
    with store.read() as conn:
        through = int(get_meta(conn, SENT_META, 0))
        rows = conn.execute(sa.select(AUDIT).where(AUDIT.c.id > through,
                                                   AUDIT.c.event.in_(list(KINDS)))
                            .order_by(AUDIT.c.id).limit(MAX_EVENTS)).all()
    events = []
    for row in rows:
        detail = json.loads(row.detail or "{}")
        reason = detail.get("reason") if row.event == "unlock_refused" else "wrong_password"
        events.append(TerminalEvent(int(row.id), int(row.at), KINDS[row.event],
                                    row.user_id if row.user_id and is_id(row.user_id) else None,
                                    str(reason)[:64] if reason else None))
    return events


def send(store: Store, channel: Channel) -> int:
    """Send what the server does not have yet; how many were sent (0 when
    there was nothing, or the server could not take them now)."""
    events = unsent(store)
    sent = 0
    while events:
        try:
            answer = channel.exchange("/v1/events", "events",
                                      EventsRequest(events).to_wire(), "events_kept")
            through = kept_from_wire(answer)
        except (SyncError, ProtocolError):
            return sent  # kept here; the next sync tries again
        with store.write() as conn:
            set_meta(conn, SENT_META, through)
        sent += len(events)
        if through < events[-1].n:
            return sent  # the server kept fewer: try again next time, not in a loop
        events = unsent(store)
    return sent
