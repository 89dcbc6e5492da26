"""Push: send the outbox's pending operations in order, and record the answers.

Operations go in sequence order, in batches that fit one message; every result
of an answer is stored in one transaction. The server's ``next_seq`` says where
to resume (it may ask for earlier operations again); ``upgrade_required`` (this
terminal is too old) and ``server_too_old`` (its changes need a newer server)
stop the round with the operations kept, pending, for the next sync.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.codec import MAX_MESSAGE_BYTES
from protocol.messages import MAX_OPS_PER_PUSH, PushRequest, PushResponse, encoded_operation
from protocol.ops import REASON_TEXT, SCHEMA_VERSION, OpResult, OpType, Reason
from protocol.signing import Envelope

from ..clock import Clock
from ..errors import SyncError
from ..store.database import OUTBOX, Store, audit, get_meta
from ..store.outbox import merged_flags
from ..store.overlay import ANSWERED_STATUSES, records_touched
from ..store.search import refresh_many
from ..views import SyncProgress
from .channel import Channel
from .counts import Counts, Progress
from .pull import drop_gone

PUSH_BATCH = 1000
PUSH_BATCH_BYTES = MAX_MESSAGE_BYTES * 3 // 4
"""Payload bytes in one push, leaving room for the envelope and operation fields."""
OP_OVERHEAD = 160
_OP_TYPES = frozenset(str(t) for t in OpType)
"""Each operation type's stored name (a set look-up per operation sent)."""


class Push:
    """The push half of a round."""

    def __init__(self, store: Store, channel: Channel, *, clock: Clock, facility_id: str,
                 batch_size: int = PUSH_BATCH) -> None:
        self.store = store
        self.channel = channel
        self.clock = clock
        self.facility_id = facility_id
        self.batch_size = max(1, min(batch_size, MAX_OPS_PER_PUSH))
        self.behind: int | None = None
        """Set when the server said this store is behind it (restored from an
        older copy): the operation number it expects next."""
        self.epoch = 0
        self.generation: str | None = None

    def run(self, counts: Counts, progress: Progress) -> None:
        """Send pending operations in order, one batch at a time. While the
        server works on batch k+1 this thread records the results of batch k
        (the next batch is read and launched as soon as k's answer arrives, so
        the server still sees the batches strictly in order)."""
        self.behind = None
        with self.store.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(OUTBOX)
                                 .where(OUTBOX.c.status == "pending")).scalar() or 0
            self.epoch = int(get_meta(conn, "epoch", 0))
            self.generation = get_meta(conn, "log_generation")
        if total == 0:
            return
        progress(SyncProgress("push", 0, total))
        stalls = 0
        sent: set[int] = set()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chartkeep-push") as pool:
            # Every batch is sealed on this thread, in order, so a batch sealed
            # ahead always holds a higher counter than the one before it.
            ops = self._batch(None)
            inflight = pool.submit(self._send, *self._sealed(ops)) if ops else None
            while inflight is not None:
                following = self._batch(None, after=ops[-1].seq)
                # Sealed while the server works on this batch, so the next one
                # leaves as soon as the answer comes; unused if it says stop.
                ready = self._sealed(following) if following else None
                reply = inflight.result()
                gap = reply.next_seq < ops[0].seq
                inflight = None
                stop = reply.upgrade_required or reply.server_too_old or reply.behind
                if ready is not None and not gap and not stop:
                    inflight = pool.submit(self._send, *ready)
                sent.update(op.seq for op in ops)
                counts.pushed = len(sent)
                handled = self._record_results(reply.results, counts)
                if reply.upgrade_required:
                    raise SyncError(REASON_TEXT[Reason.UPGRADE_REQUIRED], retry=False)
                if reply.server_too_old:
                    raise SyncError(REASON_TEXT[Reason.SERVER_TOO_OLD], retry=False)
                if reply.behind:
                    self.behind = reply.next_seq  # the engine renumbers, then sends again
                    return
                progress(SyncProgress("push", min(len(sent), total), total))
                stalls = 0 if handled else stalls + 1
                if stalls >= 2:
                    raise SyncError("The server did not take this terminal's changes; they "
                                    "are kept and will be sent at the next sync.")
                resume = False
                if gap:
                    # The server wants earlier operations again (it lost track of
                    # them, or a previous answer never arrived): resend from there.
                    ops = self._batch(reply.next_seq)
                    # Those before the first one left here were forgotten after
                    # the retention window: say so, or the server waits for them.
                    resume = bool(ops) and ops[0].seq > reply.next_seq
                elif inflight is None:
                    ops = self._batch(None)  # anything recorded while we were pushing
                else:
                    ops = following
                    continue
                if ops:
                    inflight = pool.submit(self._send, *self._sealed(ops, resume=resume))

    def _body(self, rows: list[_Sendable], *, resume: bool = False) -> bytes:
        """A batch's push body: each operation's payload goes as the outbox
        stores it (msgpack, written by this terminal), spliced into the body,
        never decoded and encoded again; the body is the same bytes either way."""
        request = PushRequest(ops=[], schema=SCHEMA_VERSION, epoch=self.epoch,
                              resume=resume, generation=self.generation)
        facility = self.facility_id
        return request.encoded_with([
            encoded_operation(r.op_id, r.seq, r.op_type, facility, r.user_id, r.recorded_at,
                              r.schema_version, r.payload) for r in rows])

    def _sealed(self, rows: list[_Sendable], *, resume: bool = False
                ) -> tuple[bytes, Envelope]:
        """A batch's body and its envelope, its message counter committed now."""
        body = self._body(rows, resume=resume)
        return body, self.channel.seal("push", body, encoded=True)

    def _send(self, body: bytes, sealed: Envelope) -> PushResponse:
        """Send a sealed batch (sealed again by the channel if it must retry)."""
        return PushResponse.from_wire(self.channel.exchange(
            "/v1/push", "push", body, "pushed", sealed=sealed, encoded=True))

    def _batch(self, resend_from: int | None, *, after: int | None = None
               ) -> list[_Sendable]:
        """The next batch: everything from ``resend_from`` (answered or not), or
        the run of pending operations starting at the first one after ``after``."""
        with self.store.read() as conn:
            if resend_from is not None:
                rows = _sendable(conn, resend_from, self.batch_size)
            else:
                first = (_driver(conn).execute(_FIRST_PENDING).fetchone()[0] if after is None
                         else _driver(conn).execute(_FIRST_PENDING_AFTER, (after,)).fetchone()[0])
                if first is None or (after is not None and first != after + 1):
                    return []
                rows = _sendable(conn, first, self.batch_size)
                run: list[_Sendable] = []
                for row in rows:
                    if row.status != "pending" or (run and row.seq != run[-1].seq + 1):
                        break
                    run.append(row)
                rows = run
        # One push must fit in a message the server accepts: long notes make
        # batches short (always at least one operation).
        size = 0
        for taken, row in enumerate(rows):
            size += len(row.payload) + OP_OVERHEAD
            if taken and size > PUSH_BATCH_BYTES:
                rows = rows[:taken]
                break
        for row in rows:
            if row.op_type not in _OP_TYPES:
                OpType(row.op_type)  # a type this terminal does not know: ValueError
        return rows

    def _record_results(self, results: list[OpResult], counts: Counts) -> int:
        """Store every result of one answer in one transaction; return how many
        named an operation of ours."""
        handled = 0
        with self.store.write() as conn:
            touched: list[tuple[str, str]] = []
            cursor = int(get_meta(conn, "cursor", 0))
            rows = _outbox_heads(conn, [r.seq for r in results])
            updates = []
            plain = []
            settled: list[int] = []
            for result in results:
                row = rows.get(result.seq)
                if row is None:
                    continue
                handled += 1
                counts.count(result)
                if row.op_id != result.op_id:
                    self._alarm(conn, row.seq)
                    continue
                if result.reason is None and result.detail is None and row.clear:
                    plain.append((str(result.status), result.server_seq,
                                  merged_flags(row.flags, result), row.seq))
                else:
                    updates.append((str(result.status), result.reason, result.detail,
                                    result.server_seq, merged_flags(row.flags, result),
                                    row.seq))
                # An answered operation whose effect the terminal has not pulled
                # yet keeps overlaying exactly as it did while pending, so the
                # records it touches look the same: nothing to recompute.
                if not (str(result.status) in ANSWERED_STATUSES
                        and result.server_seq is not None and result.server_seq > cursor):
                    settled.append(row.seq)
            # Only the operations that stop overlaying are read whole (their
            # payload says which records they touch); the rest need three columns.
            for row in _outbox_rows(conn, settled).values():
                touched += records_touched(row)
            if updates:
                _driver(conn).executemany(_RECORD_RESULT, updates)
            if plain:
                _driver(conn).executemany(_RECORD_PLAIN_RESULT, plain)
            refresh_many(conn, touched, self.facility_id)
            drop_gone(conn)
        return handled

    def _alarm(self, conn: Connection, seq: int) -> None:
        conn.execute(OUTBOX.update().where(OUTBOX.c.seq == seq).values(
            status="rejected", reason=Reason.SEQ_MISMATCH,
            detail="The server holds a different change under this number."))
        audit(conn, self.clock.ms(), "seq_mismatch", None, seq=seq)


_RECORD_RESULT = ("UPDATE outbox SET status = ?, reason = ?, detail = ?, server_seq = ?, "
                  "flags = ? WHERE seq = ?")
"""One result into its outbox row (through the driver: an answer holds up to a
thousand, and SQLAlchemy's per-row parameter processing cost more than the
update)."""
_RECORD_PLAIN_RESULT = "UPDATE outbox SET status = ?, server_seq = ?, flags = ? WHERE seq = ?"
"""A result with no reason or detail into a row that has none: the same row as
:data:`_RECORD_RESULT` writes, and most results. Naming ``reason`` and
``detail`` in the update cost more than its indexes (SQLCipher store, 1,000
rows: 4.8–5.5 ms with them, 2.6–3.1 ms without)."""
_FIRST_PENDING = "SELECT min(seq) FROM outbox WHERE status = 'pending'"
_FIRST_PENDING_AFTER = _FIRST_PENDING + " AND seq > ?"


def _driver(conn: Connection) -> Any:
    """The DB-API connection under ``conn`` (in its transaction): a batch reads
    and writes a thousand rows, and SQLAlchemy's work per row and per
    statement cost more than SQLite's."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    return raw


class _Sendable(NamedTuple):
    seq: int
    op_id: str
    op_type: str
    user_id: str
    recorded_at: int
    payload: bytes
    schema_version: int
    status: str


def _sendable(conn: Connection, first: int, limit: int) -> list[_Sendable]:
    """Up to ``limit`` outbox rows from ``first`` on, with what a push sends:
    through the driver, only those columns (a batch reads a thousand rows)."""
    return list(map(_Sendable._make, _driver(conn).execute(_SENDABLE, (first, limit))))


_SENDABLE = ("SELECT seq, op_id, op_type, user_id, recorded_at, payload, schema_version, "
             "status FROM outbox WHERE seq >= ? ORDER BY seq LIMIT ?")


class _Head(NamedTuple):
    seq: int
    op_id: str
    flags: str | None
    clear: bool
    """Whether the row holds no reason and no detail (a pending one never does)."""


def _outbox_heads(conn: Connection, seqs: list[int]) -> dict[int, _Head]:
    """seq, op_id and flags of the outbox rows ``seqs`` name. An answer's
    results are usually one unbroken run of numbers: one range read then.
    Read through the driver: a thousand SQLAlchemy rows cost more than the read."""
    if not seqs:
        return {}
    raw = _driver(conn)
    low, high = min(seqs), max(seqs)
    if high - low < 2 * len(seqs):
        wanted = set(seqs)
        found = raw.execute(_HEADS + "seq BETWEEN ? AND ?", (low, high))
        return {row[0]: _Head._make(row) for row in found if row[0] in wanted}
    rows: dict[int, _Head] = {}
    for start in range(0, len(seqs), 500):
        chunk = seqs[start:start + 500]
        found = raw.execute(_HEADS + f"seq IN ({', '.join('?' * len(chunk))})", tuple(chunk))
        rows.update((row[0], _Head._make(row)) for row in found)
    return rows


_HEADS = ("SELECT seq, op_id, flags, reason IS NULL AND detail IS NULL "
          "FROM outbox WHERE ")


def _outbox_rows(conn: Connection, seqs: list[int]) -> dict[int, Any]:
    rows: dict[int, Any] = {}
    for start in range(0, len(seqs), 500):
        for row in conn.execute(sa.select(OUTBOX).where(
                OUTBOX.c.seq.in_(seqs[start:start + 500]))):
            rows[row.seq] = row
    return rows
