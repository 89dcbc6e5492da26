"""The change log's generations: noticing that the server came back from a
backup, declared or not.

A generation is a random id; the first is made when the schema is created,
a new one by ``chartkeep-server restore`` (declared) or when a terminal shows
the server is behind what it once said (detected: a pull cursor beyond the
facility's log head, record numbers beyond the facility's counter, or answers
to operations past the last one the server handled for it, from a terminal
that knows the current generation; a push past the next expected operation).
Every pull answer carries the generation with the log's head and the
operation number the server expects next from that terminal, so terminals
re-send what the server lost and pull everything again (:mod:`client.sync.pull`).

A new generation also moves every facility's record-number counter on by a
margin, so pools issued after a restore do not repeat numbers terminals took
from pools the backup never saw; each terminal's pull also reports the top of
the numbers it holds and the counter is raised above it.

It also raises every terminal's message counter mark by
:data:`RESTORE_COUNTER_GAP`. The backup put each mark back to what it was when
the copy was taken, so every message a terminal signed after that, if captured,
would be accepted once more (security case 8). Those messages carry counters
between the old mark and the terminal's own counter; the gap puts the mark
above them, so a replay is refused (409 ``replayed_message``, audited). The
terminal's own next message is refused the same way, and it steps its counter
ahead in doubling steps (:mod:`client.sync.channel`): ten refused exchanges, each
audited on both sides, once per terminal after a restore.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.settings import Settings
from server.storage.batch import Batch
from server.storage.continuity_models import C
from server.storage.db import write_tx
from server.storage.models import SYSTEM_CHAIN, T

RESTORE_POOLS_GAP = 20
"""After a restore, each facility's counter moves on by this many pools."""

RESTORE_COUNTER_GAP = 1_000_000
"""After a restore, each terminal's message counter mark moves on by this many.
A terminal signs a few messages per sync round: a million is years of rounds
between a backup and its restore, and the terminal's doubling steps of 1,000
pass it in ten refused exchanges (they reach 16 billion in 24)."""


CURRENT = sa.select(C.generations.c.id).order_by(
    C.generations.c.started_at.desc(), C.generations.c.id.desc()).limit(1)
"""The current generation's id (a pull reads it as a scalar subquery)."""


def current(conn: Connection) -> str:
    """The change log's current generation (made by the migration if missing)."""
    return known(conn.execute(CURRENT).scalar())


def known(gen: object) -> str:
    """The generation read, or the error of a database that has none."""
    if gen is None:
        raise LookupError("the database has no log generation; run chartkeep-server init")
    return str(gen)


def start(engine: Engine, settings: Settings, reason: str, detail: dict[str, Any]) -> str:
    """Begin a new generation (``restore`` declared, or ``detected``); audited
    in every facility's chain and the system chain. Returns its id."""
    now = settings.clock()
    gap = settings.mrn_pool_size * RESTORE_POOLS_GAP
    with write_tx(engine) as conn:
        facilities = list(conn.execute(sa.select(T.facilities.c.id)).scalars())
        batch = Batch(conn, [*facilities, SYSTEM_CHAIN], now)
        previous = current(conn)
        latest = conn.execute(sa.select(sa.func.max(C.generations.c.started_at))).scalar()
        generation = secrets.token_hex(16)
        conn.execute(sa.insert(C.generations).values(
            # started_at only grows, so the newest row stays the current one
            id=generation, started_at=max(now, int(latest or 0) + 1), reason=reason,
            detail=str(detail)[:2000]))
        conn.execute(sa.update(T.facilities).values(mrn_next=T.facilities.c.mrn_next + gap))
        # Messages signed after the backup must not be accepted a second time.
        conn.execute(sa.update(T.terminals).values(
            last_msg_ctr=T.terminals.c.last_msg_ctr + RESTORE_COUNTER_GAP))
        event = {"generation": generation, "previous": previous, "mrn_gap": gap,
                 "counter_gap": RESTORE_COUNTER_GAP, **detail}
        for chain in (*facilities, SYSTEM_CHAIN):
            batch.chain(chain).append(at=now, action="server:restored", outcome=reason,
                                      facility_id=None if chain == SYSTEM_CHAIN else chain,
                                      purpose="security", detail=event)
        batch.write()
    return generation
