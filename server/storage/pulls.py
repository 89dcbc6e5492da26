"""When each terminal last pulled (the regional dashboard's "last sync")."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .dashboard_models import D


def note_pull(conn: Connection, terminal_id: str, now: int) -> None:
    """Record a pull, in the pull's own transaction (which holds the terminal's
    counter row, so no two pulls of one terminal race here)."""
    done = conn.execute(sa.update(D.pulls).where(D.pulls.c.terminal_id == terminal_id)
                        .values(last_pull_at=now))
    if done.rowcount == 0:
        conn.execute(sa.insert(D.pulls).values(terminal_id=terminal_id, last_pull_at=now))
