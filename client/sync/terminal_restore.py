"""Noticing that this terminal's store was restored from an older copy (a disk
image, a backup), and carrying on without losing anything.

The server keeps this terminal's high-water marks. When it answers that it
handled operation numbers this store no longer holds (a push answer
``behind``, or a pull answer whose next expected number is past this store's
last operation), the store is an older copy. Then, in one local transaction:

* the changes made since the restore (still pending) are **renumbered** to
  follow what the server has, in a new **epoch** the server records (a copy
  still sending under the old epoch is then a clone, quarantined);
* later numbers continue from there;
* the record-number pools are dropped (the lost copy may have used their
  numbers): new ones are fetched, and pending registrations get new numbers.

The event is audited here and at the server, and the clerk is told in words
(:data:`TERMINAL_RESTORED`). The message counter, also behind, is moved past
the server's in steps the server audits (:mod:`.channel`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.codec import encode
from protocol.ops import OpType
from protocol.records import RecordKind

from ..store.database import OUTBOX, audit, get_meta, set_meta, unpack_payload
from ..store.overlay import records_touched
from ..store.record_numbers import mrn_top, take_mrn
from ..store.search import refresh_many

TERMINAL_RESTORED = ("This terminal's store was restored from an older copy. The server "
                     "already holds the changes this copy forgot; {renumbered} change(s) made "
                     "since the restore were renumbered and sent, and new record numbers "
                     "were fetched. Nothing was lost.")


def is_behind(conn: Connection, next_seq: int) -> bool:
    """Whether the server handled numbers this store never wrote."""
    top = conn.execute(sa.select(sa.func.max(OUTBOX.c.seq))).scalar() or 0
    return next_seq - 1 > max(top, int(get_meta(conn, "seq_floor", 0)))


def renumber(conn: Connection, next_seq: int, now: int) -> int:
    """Move this store's unanswered operations to start at ``next_seq`` in a new
    epoch; drop the record-number pools. Returns how many were renumbered."""
    first = conn.execute(sa.select(sa.func.min(OUTBOX.c.seq)).where(
        OUTBOX.c.status == "pending")).scalar()
    moved = 0
    if first is not None and first < next_seq:
        delta = next_seq - first
        tail = OUTBOX.c.seq >= first
        moved = conn.execute(sa.select(sa.func.count()).select_from(OUTBOX)
                             .where(tail)).scalar() or 0
        conn.execute(OUTBOX.update().where(tail).values(seq=-OUTBOX.c.seq))
        conn.execute(OUTBOX.update().where(OUTBOX.c.seq < 0)
                     .values(seq=-OUTBOX.c.seq + delta))
    epoch = int(get_meta(conn, "epoch", 0)) + 1
    set_meta(conn, "epoch", epoch)
    set_meta(conn, "seq_floor", max(int(get_meta(conn, "seq_floor", 0)), next_seq - 1))
    set_meta(conn, "mrn_top", mrn_top(conn))  # still reported: never issued again
    set_meta(conn, "mrn_pools", [])
    set_meta(conn, "mrn_renew", True)
    audit(conn, now, "terminal_restored", None, epoch=epoch, next_seq=next_seq,
          renumbered=moved, first_pending=first)
    return moved


def renew_record_numbers(conn: Connection, facility_id: str) -> int:
    """Give pending registrations numbers from the fresh pools (their old ones
    came from pools the lost copy may have used). Returns how many."""
    if not get_meta(conn, "mrn_renew", False):
        return 0
    if not get_meta(conn, "mrn_pools", []):
        return 0  # no pool yet: at the next round
    rows = conn.execute(sa.select(OUTBOX).where(
        OUTBOX.c.status == "pending", OUTBOX.c.op_type == str(OpType.CREATE),
        OUTBOX.c.kind == str(RecordKind.RESIDENT))).all()
    for row in rows:
        payload = unpack_payload(row.payload)
        payload["fields"]["mrn"] = take_mrn(conn)
        conn.execute(OUTBOX.update().where(OUTBOX.c.seq == row.seq)
                     .values(payload=encode(payload)))
    refresh_many(conn, [t for row in rows for t in records_touched(row)], facility_id)
    set_meta(conn, "mrn_renew", False)
    return len(rows)
