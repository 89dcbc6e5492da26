"""Noticing that the server came back from a backup, and putting it right.

Every pull answer says where the server's log stands (:class:`LogPosition`).
This terminal knows the server lost work when

* the log's **generation** differs from the one it last saw (a declared or
  detected restore), or the log's **head** is behind this terminal's cursor:
  its records may hold changes the server no longer has, and the positions
  after its cursor are being reused. It pulls everything again from the start;
  records the server does not send back are dropped (or, when this terminal
  still has changes for them, kept as its own pending work);
* the change the server names **at this terminal's cursor** (its mark,
  ``LogPosition.at``) is not the one this terminal pulled there: the restore
  lost it and a new change took its position (the head alone cannot tell once
  new changes reach the cursor again). It pulls everything again, as above;
* the **operation number the server expects next** is at or below one the
  server once answered: those operations become pending again and are re-sent
  (the outbox keeps answered operations for a retention window).

Each step is one local transaction, audited at the terminal; the clerk is told
in words (:data:`SERVER_RESTORED`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.messages import LogPosition

from ..store.database import OUTBOX, RECORDS, audit, get_meta, set_meta
from ..store.overlay import records_touched
from ..store.search import refresh_many

ANSWERED_RETENTION_DAYS = 60
"""Answered operations stay in the outbox this long (configurable per terminal)."""
DAY_MS = 86_400_000

UNCONFIRMED = -1
"""``records.seq`` of a record the server has not confirmed since a restore."""

SERVER_RESTORED = ("The server was restored from a backup. This terminal re-sent {resent} "
                   "change(s) the server no longer had and pulled its records again; nothing "
                   "was lost.")


def check_log(conn: Connection, log: LogPosition, cursor: int, now: int, facility_id: str
              ) -> tuple[bool, int]:
    """Compare the server's log with what this terminal knows, inside the
    caller's write transaction. Returns (pull again from the start, how many
    operations became pending again to be re-sent)."""
    known = get_meta(conn, "log_generation")
    if known != log.generation:  # every answer carries it: most find it as kept
        set_meta(conn, "log_generation", log.generation)
    top = answered_top(conn)
    resent = 0
    if top and log.next_seq <= top:
        lost = OUTBOX.c.seq >= log.next_seq
        touched = [t for row in conn.execute(sa.select(OUTBOX).where(
            lost, OUTBOX.c.status != "pending")) for t in records_touched(row)]
        resent = conn.execute(OUTBOX.update().where(lost, OUTBOX.c.status != "pending").values(
            status="pending", reason=None, detail=None, server_seq=None)).rowcount
        refresh_many(conn, touched, facility_id)
    mark = get_meta(conn, "cursor_mark")
    moved = log.at is not None and mark is not None and log.at != mark
    repull = (known is not None and known != log.generation) or log.head < cursor or moved
    if repull:
        set_meta(conn, "cursor", 0)
        set_meta(conn, "cursor_mark", None)
        set_meta(conn, "repull", True)
        set_meta(conn, "cursor_marks", [])  # positions of a log that is gone
        conn.execute(RECORDS.update().where(RECORDS.c.data.is_not(None))
                     .values(seq=UNCONFIRMED))
    if repull or resent:
        audit(conn, now, "server_restored", None, generation=log.generation,
              previous=known, head=log.head, cursor=cursor, next_seq=log.next_seq,
              resent=resent, other_change_at_cursor=moved)
    return repull, resent


def answered_top(conn: Connection) -> int:
    """The highest operation number this terminal holds the server's answer to
    (0: none). Sent with every pull: a server whose last handled number is below
    it lost work, and starts a new generation so that every terminal pulls
    again (:mod:`server.core.pull`)."""
    return int(conn.execute(sa.select(sa.func.max(OUTBOX.c.seq)).where(
        OUTBOX.c.status != "pending")).scalar() or 0)


def finish_repull(conn: Connection, facility_id: str) -> None:
    """After pulling everything again: the records the server did not send back
    are gone from it. Drop them, unless this terminal still has changes for
    them (then they stand on those changes alone until the server has them)."""
    if not get_meta(conn, "repull", False):
        return
    stale = conn.execute(sa.select(RECORDS.c.id, RECORDS.c.kind).where(
        RECORDS.c.seq == UNCONFIRMED)).all()
    if stale:
        conn.execute(RECORDS.update().where(RECORDS.c.seq == UNCONFIRMED).values(
            data=None, versions="{}", conflicts="{}", seq=None))
        refresh_many(conn, [(row.kind, row.id) for row in stale], facility_id)
    set_meta(conn, "repull", False)


def prune_answered(conn: Connection, now: int, retention_ms: int) -> int:
    """Forget operations answered (applied, or raised as a conflict) and pulled
    more than ``retention_ms`` ago. Rejected and held ones stay until a person
    acts on them. Numbering goes on from the highest ever written.

    When an operation was answered is told by the cursor: each successful sync
    leaves a mark (time, cursor), at most one a day; an operation whose effect
    lies at or below the cursor of a mark older than the window was answered
    before that mark. A re-pull after a server restore clears the marks."""
    cursor = int(get_meta(conn, "cursor", 0))
    marks = [list(m) for m in get_meta(conn, "cursor_marks", [])]
    if not marks or now - int(marks[-1][0]) >= DAY_MS:
        marks.append([now, cursor])
    old = [m for m in marks if now - int(m[0]) >= retention_ms]
    set_meta(conn, "cursor_marks", (marks[len(old) - 1:] if old else marks)[-400:])
    if not old:
        return 0
    answered = sa.and_(OUTBOX.c.status.in_(("applied", "conflict")),
                       OUTBOX.c.server_seq.is_not(None),
                       OUTBOX.c.server_seq <= int(old[-1][1]))
    top = conn.execute(sa.select(sa.func.max(OUTBOX.c.seq)).where(answered)).scalar()
    if top is None:
        return 0
    set_meta(conn, "seq_floor", max(int(get_meta(conn, "seq_floor", 0)), int(top)))
    return int(conn.execute(OUTBOX.delete().where(answered)).rowcount)
