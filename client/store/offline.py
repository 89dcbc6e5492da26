"""The offline window at this terminal (the rule: :mod:`protocol.rules.offline_access`).

Kept in the encrypted store's ``meta``: ``offline_until`` (the end of the window
the last successful sync granted) and ``latest_seen`` (the latest time this
terminal's clock has shown, at each contact and each sign-in).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.records import RecordKind
from protocol.rules import offline_access as rule

from .database import RECORDS, get_meta, loads, set_meta


def record_contact(conn: Connection, now_ms: int, facility_id: str) -> None:
    """A successful sync (the server answered, signed) at ``now_ms``: a new window,
    by the facility's setting."""
    raw = conn.execute(sa.select(RECORDS.c.data).where(
        RECORDS.c.id == facility_id, RECORDS.c.kind == str(RecordKind.FACILITY))).scalar()
    facility = loads(raw) if raw else None
    days = rule.window_days(facility if isinstance(facility, dict) else None)
    set_meta(conn, "offline_until", rule.granted_until(now_ms, days))
    set_meta(conn, "latest_seen", max(int(get_meta(conn, "latest_seen", 0)), now_ms))


def sign_in_refusal(conn: Connection, now_ms: int) -> str | None:
    """Why an offline sign-in is refused now, or None (then the time is noted)."""
    until = get_meta(conn, "offline_until")
    refusal = rule.sign_in_refusal(now_ms, None if until is None else int(until),
                                   int(get_meta(conn, "latest_seen", 0)))
    if refusal is None:
        set_meta(conn, "latest_seen", max(int(get_meta(conn, "latest_seen", 0)), now_ms))
    return refusal
