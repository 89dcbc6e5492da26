"""Medical record numbers: each terminal gets a pool of its own from the
facility's counter, so residents registered offline at two terminals never
share a number."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.messages import MrnPool
from server.storage.models import T


def allocate_pool(conn: Connection, facility_id: str, size: int) -> MrnPool:
    """Take the next ``size`` numbers from the facility's counter."""
    # FOR NO KEY UPDATE: foreign-key checks of concurrent inserts take KEY
    # SHARE on this row and must not be blocked by (or deadlock with) it.
    facility = conn.execute(sa.select(T.facilities).where(
        T.facilities.c.id == facility_id).with_for_update(key_share=True)).one()
    conn.execute(sa.update(T.facilities).where(T.facilities.c.id == facility_id)
                 .values(mrn_next=facility.mrn_next + size))
    return MrnPool(facility.mrn_prefix, facility.mrn_next, facility.mrn_next + size)


def top_up(conn: Connection, terminal_id: str, facility_id: str, size: int) -> MrnPool:
    """A fresh pool for an enrolled terminal, remembered as its latest."""
    pool = allocate_pool(conn, facility_id, size)
    conn.execute(sa.update(T.terminals).where(T.terminals.c.id == terminal_id)
                 .values(mrn_start=pool.start, mrn_next=pool.end))
    return pool
