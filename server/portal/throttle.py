"""Failed sign-ins, counted per account name and per source address.

Counts live in the database (``sign_in_throttles``), so every server process
sees the same ones. An account name is blocked for :data:`BLOCK_MS` after
:data:`ACCOUNT_LIMIT` failures inside :data:`WINDOW_MS`; a source address after
:data:`SOURCE_LIMIT` (it may be an office behind one address, so the limit is
higher). A success clears the account's count, never the source's. Blocking
is audited by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from server.storage.portal_models import P

from .errors import SignInThrottled

WINDOW_MS = 15 * 60 * 1000
BLOCK_MS = 15 * 60 * 1000
ACCOUNT_LIMIT = 5
SOURCE_LIMIT = 20


def account_key(username: str) -> str:
    return "account:" + username.strip().casefold()[:150]


def source_key(source: str) -> str:
    return "source:" + (source or "unknown")[:150]


def _limit(key: str) -> int:
    return ACCOUNT_LIMIT if key.startswith("account:") else SOURCE_LIMIT


def check(conn: Connection, keys: Iterable[str], now: int) -> None:
    """Raise :class:`SignInThrottled` if any of ``keys`` is blocked now."""
    rows = conn.execute(sa.select(P.throttles.c.blocked_until).where(
        P.throttles.c.key.in_(list(keys)), P.throttles.c.blocked_until > now)).all()
    if rows:
        raise SignInThrottled((max(row.blocked_until for row in rows) - now + 999) // 1000)


def fail(conn: Connection, keys: Iterable[str], now: int) -> list[str]:
    """Count one failure against each key; return the keys that just became blocked."""
    table = P.throttles
    blocked = []
    for key in keys:
        insert = (postgresql.insert(table) if conn.dialect.name == "postgresql"
                  else sqlite.insert(table))
        conn.execute(insert.values(key=key, failures=0, window_start=now, blocked_until=0)
                     .on_conflict_do_nothing())
        row = conn.execute(sa.select(table).where(table.c.key == key).with_for_update()).one()
        failures, start = row.failures, row.window_start
        if now - start > WINDOW_MS:
            failures, start = 0, now
        failures += 1
        until = row.blocked_until
        if failures >= _limit(key):
            until, failures, start = now + BLOCK_MS, 0, now
            blocked.append(key)
        conn.execute(sa.update(table).where(table.c.key == key).values(
            failures=failures, window_start=start, blocked_until=until))
    return blocked


def clear(conn: Connection, key: str) -> None:
    conn.execute(sa.delete(P.throttles).where(P.throttles.c.key == key))
