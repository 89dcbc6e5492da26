"""Pull: a page of the facility's change log after the terminal's cursor, the
results of operations it holds as ``held``, a new record-number pool when it
asks for one, and the facility's latest published audit checkpoint with the
proof that it extends the one the terminal holds (the terminal checks it with
:func:`protocol.audit_log.accept_checkpoint`). The time of each pull is kept
for the regional dashboard.

The message counter is checked and advanced (and a new pool issued) in one
transaction with the read. A page holds at most ``limit`` changes and fits in
one message the terminal will accept; ``more`` says whether to ask again.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.codec import MAX_MESSAGE_BYTES
from protocol.messages import (
    MIN_PROTOCOL_VERSION,
    SERVED_PULL_PAGE,
    EncodedSnapshots,
    LogPosition,
    PullRequest,
    PullResponse,
    change_mark,
    served_snapshot,
)
from protocol.signing import Envelope
from server.errors import ReplayedMessage, TerminalTooOld
from server.settings import Settings
from server.storage.db import write_tx
from server.storage.models import T
from server.storage.pulls import note_pull

from . import continuity
from .audit_log import for_terminal
from .authentication import TerminalInfo, audit_replay
from .mrn_pools import top_up
from .results import result_from_row

PULL_PAGE_BYTES = MAX_MESSAGE_BYTES * 3 // 4
"""Snapshot bytes in one pull page: room is left for the envelope and the
per-change framing, so an answer never exceeds what a terminal decodes."""
SNAPSHOT_OVERHEAD = 32


def pull(engine: Engine, settings: Settings, terminal: TerminalInfo, envelope: Envelope,
         request: PullRequest) -> PullResponse:
    now = settings.clock()
    if request.protocol < MIN_PROTOCOL_VERSION:
        raise TerminalTooOld
    try:
        with write_tx(engine) as conn:
            last_seq = _advance(conn, terminal, envelope.counter, request)
            head, generation, mrn_next = conn.execute(
                _POSITION, {"facility": terminal.facility_id}).one()
            generation = continuity.known(generation)
            mrns_behind = _raise_mrn_counter(conn, terminal, request, int(mrn_next))
            rows, more = _page(conn, terminal.facility_id, request)
            at = _mark_at(conn, terminal.facility_id, request.cursor)
            results = []
            if request.held:
                held_rows = conn.execute(sa.select(T.ops).where(
                    T.ops.c.terminal_id == terminal.id,
                    T.ops.c.seq.in_(request.held))).all()
                results = [result_from_row(row).for_protocol(request.protocol)
                           for row in held_rows]
            pool = None
            if request.want_mrns:
                pool = top_up(conn, terminal.id, terminal.facility_id, settings.mrn_pool_size)
            checkpoint, proof = for_terminal(conn, terminal.facility_id, request.audit_size)
            note_pull(conn, terminal.id, now)
    except ReplayedMessage:
        audit_replay(engine, settings, terminal, envelope)
        raise
    knows_current = request.generation in (None, generation)
    if knows_current and (request.cursor > head or mrns_behind or request.answered > last_seq):
        # This terminal saw more of the log, holds numbers the counter has not
        # reached, or holds answers to operations this server has no record of
        # handling: the database came back from an older copy. (The head alone
        # can pass a cursor again before anyone pulls: the lost positions are
        # reused, and only a new generation makes the terminals that pulled
        # them pull again.)
        generation = continuity.start(engine, settings, "detected", {
            "terminal": terminal.id, "cursor": request.cursor, "head": head,
            "mrn_top": request.mrn_top, "answered": request.answered,
            "last_seq": last_seq})
    log = LogPosition(generation, head, last_seq + 1, at)
    # The stored snapshots are the server's own bytes: sent as they are (with
    # their log position added), not decoded and encoded again.
    changes = EncodedSnapshots([served_snapshot(snapshot, seq) for seq, snapshot in rows])
    cursor = rows[-1][0] if rows else request.cursor
    return PullResponse(changes, cursor, more, now, results, pool, log=log,
                        checkpoint=checkpoint, audit_proof=proof, page=SERVED_PULL_PAGE)


def _page(conn: Connection, facility_id: str, request: PullRequest
          ) -> tuple[list[tuple[int, bytes]], bool]:
    """The changes after the request's cursor, at most ``limit``, and whether
    more follow. A page must fit in one message the terminal will accept: it
    stops early (always taking at least one change) when the snapshots grow
    large, and rows are fetched in steps, so a page of large snapshots never
    holds ``limit`` of them in memory."""
    result = conn.execute(_PAGE, {"facility": facility_id, "cursor": request.cursor,
                                  "limit": request.limit + 1})
    rows: list[tuple[int, bytes]] = []
    size = 0
    try:
        while batch := result.fetchmany(_FETCH_STEP):
            for seq, snapshot in batch:
                size += len(snapshot) + SNAPSHOT_OVERHEAD
                if len(rows) == request.limit or (rows and size > PULL_PAGE_BYTES):
                    return rows, True
                rows.append((seq, bytes(snapshot)))
        return rows, False
    finally:
        result.close()


_FETCH_STEP = 1000
"""Rows read from the change log at a time while a page fills."""


_TERMINALS = T.terminals
_CTR = sa.bindparam("ctr", type_=sa.BigInteger)
_CURSOR = sa.bindparam("cursor", type_=sa.BigInteger)
_MRN_TOP = sa.bindparam("mrn_top", type_=sa.BigInteger)
_ADVANCE = (
    sa.update(_TERMINALS)
    .where(_TERMINALS.c.id == sa.bindparam("terminal"), _TERMINALS.c.last_msg_ctr < _CTR,
           _TERMINALS.c.revoked_at.is_(None))
    .values(last_msg_ctr=_CTR,
            last_cursor=sa.case((_TERMINALS.c.last_cursor < _CURSOR, _CURSOR),
                                else_=_TERMINALS.c.last_cursor),
            mrn_used=sa.case((_TERMINALS.c.mrn_used < _MRN_TOP, _MRN_TOP),
                             else_=_TERMINALS.c.mrn_used))
    .returning(_TERMINALS.c.last_seq))
"""The message counter (a replay moves no row) and the terminal's high-water
marks (pull cursor, record numbers), in one statement."""

_POSITION = (
    sa.select(T.heads.c.change_seq, continuity.CURRENT.scalar_subquery(),
              T.facilities.c.mrn_next)
    .select_from(T.heads.join(T.facilities, T.facilities.c.id == T.heads.c.facility_id))
    .where(T.heads.c.facility_id == sa.bindparam("facility")))
"""The facility's log head, the log's generation and the facility's record-number
counter, in one read."""

_PAGE = (
    sa.select(T.changes.c.seq, T.changes.c.snapshot)
    .where(T.changes.c.facility_id == sa.bindparam("facility"),
           T.changes.c.seq > sa.bindparam("cursor", type_=sa.BigInteger))
    .order_by(T.changes.c.seq).limit(sa.bindparam("limit", type_=sa.Integer)))


_AT = (
    sa.select(T.changes.c.snapshot)
    .where(T.changes.c.facility_id == sa.bindparam("facility"),
           T.changes.c.seq == sa.bindparam("cursor", type_=sa.BigInteger)))


def _mark_at(conn: Connection, facility_id: str, cursor: int) -> str | None:
    """The mark of the change at the terminal's cursor, read as the terminal read
    it (:func:`~protocol.messages.change_mark`); None at 0 or where the log keeps
    no change any more (a destruction removes a record's earlier changes): no
    position is taken for a lost one on that account."""
    if cursor <= 0:
        return None
    stored = conn.execute(_AT, {"facility": facility_id, "cursor": cursor}).scalar()
    if stored is None:
        return None
    return change_mark(EncodedSnapshots([served_snapshot(bytes(stored), cursor)])[0])


def _advance(conn: Connection, terminal: TerminalInfo, counter: int,
             request: PullRequest) -> int:
    """Check and advance the message counter and record the terminal's
    high-water marks; return its last handled operation. A counter not above
    the last one seen (or a terminal revoked since it was authenticated) is a
    replay, as :func:`~.authentication.consume_counter` says."""
    last_seq = conn.execute(_ADVANCE, {"terminal": terminal.id, "ctr": counter,
                                       "cursor": request.cursor,
                                       "mrn_top": request.mrn_top}).scalar()
    if last_seq is None:
        raise ReplayedMessage
    return int(last_seq)


def _raise_mrn_counter(conn: Connection, terminal: TerminalInfo, request: PullRequest,
                       mrn_next: int) -> bool:
    """Raise the facility's record-number counter above the numbers the terminal
    holds; whether it was behind. The counter only grows, so one read at or
    above them settles it without a write."""
    if mrn_next >= request.mrn_top:
        return False
    behind = conn.execute(sa.update(T.facilities).where(
        T.facilities.c.id == terminal.facility_id,
        T.facilities.c.mrn_next < request.mrn_top).values(mrn_next=request.mrn_top))
    return behind.rowcount > 0
