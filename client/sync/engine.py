"""The sync engine: push the outbox, then pull the facility's changes.

Push sends pending operations in sequence order, in batches, as signed
``push`` envelopes; the message counter is committed before each send, so a
crash can never reuse one. Every answer is verified against the server key
pinned at enrollment and must name our request (``re``). All results of an
answer are recorded in one transaction. The server's ``next_seq`` says where
to resume; ``upgrade_required`` stops with the operations kept.

Pull asks for pages after the stored cursor; each page's snapshots, the
results of held operations and the new cursor are applied in one transaction,
so an interrupted pull resumes from the last complete page and a page applied
twice changes nothing (scenarios 23, 31).

Network trouble is retried with bounded exponential backoff and jitter; when it
persists, :meth:`SyncEngine.sync` returns a report with ``error`` set — it never
raises for it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from protocol.codec import MAX_MESSAGE_BYTES, decode
from protocol.errors import ProtocolError
from protocol.merge import RecordState
from protocol.messages import (
    MAX_OPS_PER_PUSH,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Snapshot,
    error_from_wire,
)
from protocol.ops import REASON_TEXT, SCHEMA_VERSION, Operation, OpResult, OpType, Reason
from protocol.signing import Envelope, open_envelope, private_from_bytes, seal

from ..clock import Clock
from ..errors import SyncError
from ..records.residents import MRN_LOW_WATER, add_mrn_pool, mrns_left
from ..store.database import (
    OUTBOX,
    RECORDS,
    Store,
    audit,
    dumps,
    get_meta,
    set_meta,
    unpack_payload,
)
from ..store.overlay import (
    ANSWERED_STATUSES,
    OpInfo,
    op_effects,
    overlay_ops,
    refresh_many,
    search_columns,
)
from ..views import SyncProgress, SyncReport
from .transport import TransportError

PUSH_BATCH = 1000
PUSH_BATCH_BYTES = MAX_MESSAGE_BYTES * 3 // 4
"""Payload bytes in one push, leaving room for the envelope and operation fields."""
OP_OVERHEAD = 160
PULL_PAGE = 2500
TIMEOUT_S = 30.0
MAX_ATTEMPTS = 5
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
REPLAY_BUMP = 1000

UNREACHABLE = ("The server could not be reached; your changes are kept and will be sent at "
               "the next sync.")
REVOKED = ("The server does not recognise this terminal (it was revoked or is unknown); "
           "ask a regional manager to enroll it again. Your changes are kept.")
BAD_ANSWER = "The server's answer could not be verified; your changes are kept."


@dataclass
class _Counts:
    pushed: int = 0
    applied: int = 0
    conflicts: int = 0
    rejected: int = 0
    held: int = 0
    pulled: int = 0

    def count(self, result: OpResult) -> None:
        status = str(result.status)
        if status == "applied":
            self.applied += 1
        elif status == "conflict":
            self.conflicts += 1
        elif status == "rejected":
            self.rejected += 1
        elif status == "held":
            self.held += 1


class SyncEngine:
    def __init__(self, store: Store, transport: Any, *, clock: Clock, terminal_id: str,
                 facility_id: str, sleep: Callable[[float], None],
                 batch_size: int = PUSH_BATCH, page_size: int = PULL_PAGE,
                 max_attempts: int = MAX_ATTEMPTS, timeout: float = TIMEOUT_S,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self.transport = transport
        self.clock = clock
        self.terminal_id = terminal_id
        self.facility_id = facility_id
        self.sleep = sleep
        self.batch_size = max(1, min(batch_size, MAX_OPS_PER_PUSH))
        self.page_size = page_size
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.reached = False
        with store.read() as conn:
            self._key = private_from_bytes(bytes.fromhex(get_meta(conn, "terminal_key")))
            self._server_key = bytes.fromhex(get_meta(conn, "server_key"))

    # --- the round -------------------------------------------------------------------

    def sync(self, on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push everything pending, then pull everything new."""
        return self._round((self._push, self._pull), on_progress)

    def push(self, on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Only the push half of a round (the benchmark measures it alone)."""
        return self._round((self._push,), on_progress)

    def pull(self, on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Only the pull half of a round."""
        return self._round((self._pull,), on_progress)

    def _round(self, phases: tuple[Callable[[_Counts, Callable[[SyncProgress], None]], None],
                                   ...],
               on_progress: Callable[[SyncProgress], None] | None) -> SyncReport:
        counts = _Counts()
        progress = on_progress or (lambda _p: None)
        error: str | None = None
        try:
            for phase in phases:
                phase(counts, progress)
        except SyncError as exc:
            error = exc.message
        except ProtocolError:
            error = BAD_ANSWER  # a verified answer that does not match the schema
        with self.store.write() as conn:
            set_meta(conn, "online", self.reached)
            set_meta(conn, "last_error", error)
            if error is None:
                set_meta(conn, "last_sync_at", self.clock.ms())
            else:
                audit(conn, self.clock.ms(), "sync_failed", None, error=error)
        return SyncReport(pushed=counts.pushed, applied=counts.applied,
                          conflicts=counts.conflicts, rejected=counts.rejected,
                          held=counts.held, pulled=counts.pulled, error=error)

    # --- push ---------------------------------------------------------------------------

    def _push(self, counts: _Counts, progress: Callable[[SyncProgress], None]) -> None:
        """Send pending operations in order, one batch at a time. While the
        server works on batch k+1 this thread records the results of batch k
        (the next batch is read and launched as soon as k's answer arrives, so
        the server still sees the batches strictly in order)."""
        with self.store.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(OUTBOX)
                                 .where(OUTBOX.c.status == "pending")).scalar() or 0
        if total == 0:
            return
        progress(SyncProgress("push", 0, total))
        stalls = 0
        sent: set[int] = set()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chartkeep-push") as pool:
            ops = self._batch(None)
            inflight = pool.submit(self._send_push, ops) if ops else None
            while inflight is not None:
                following = self._batch(None, after=ops[-1].seq)
                reply = inflight.result()
                gap = reply.next_seq < ops[0].seq
                inflight = None
                if following and not gap and not reply.upgrade_required:
                    inflight = pool.submit(self._send_push, following)
                sent.update(op.seq for op in ops)
                counts.pushed = len(sent)
                handled = self._record_results(reply.results, counts)
                if reply.upgrade_required:
                    raise SyncError(REASON_TEXT[Reason.UPGRADE_REQUIRED], retry=False)
                progress(SyncProgress("push", min(len(sent), total), total))
                stalls = 0 if handled else stalls + 1
                if stalls >= 2:
                    raise SyncError("The server did not take this terminal's changes; they "
                                    "are kept and will be sent at the next sync.")
                if gap:
                    # The server wants earlier operations again (it lost track of
                    # them, or a previous answer never arrived): resend from there.
                    ops = self._batch(reply.next_seq)
                elif inflight is None:
                    ops = self._batch(None)  # anything recorded while we were pushing
                else:
                    ops = following
                    continue
                if ops:
                    inflight = pool.submit(self._send_push, ops)

    def _send_push(self, ops: list[Operation]) -> PushResponse:
        request = PushRequest(ops=ops, schema=SCHEMA_VERSION)
        return PushResponse.from_wire(self._exchange("/v1/push", "push", request.to_wire(),
                                                     "pushed"))

    def _batch(self, resend_from: int | None, *, after: int | None = None
               ) -> list[Operation]:
        """The next batch: everything from ``resend_from`` (answered or not), or
        the run of pending operations starting at the first one after ``after``."""
        with self.store.read() as conn:
            if resend_from is not None:
                rows = conn.execute(sa.select(OUTBOX).where(OUTBOX.c.seq >= resend_from)
                                    .order_by(OUTBOX.c.seq).limit(self.batch_size)).all()
            else:
                pending = OUTBOX.c.status == "pending"
                if after is not None:
                    pending = sa.and_(pending, OUTBOX.c.seq > after)
                first = conn.execute(sa.select(sa.func.min(OUTBOX.c.seq))
                                     .where(pending)).scalar()
                if first is None or (after is not None and first != after + 1):
                    return []
                rows = conn.execute(sa.select(OUTBOX).where(OUTBOX.c.seq >= first)
                                    .order_by(OUTBOX.c.seq).limit(self.batch_size)).all()
                run = []
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
        return [Operation(op_id=r.op_id, seq=r.seq, op_type=OpType(r.op_type),
                          facility_id=self.facility_id, user_id=r.user_id,
                          recorded_at=r.recorded_at, payload=unpack_payload(r.payload),
                          schema=r.schema_version) for r in rows]

    def _record_results(self, results: list[OpResult], counts: _Counts) -> int:
        """Store every result of one answer in one transaction; return how many
        named an operation of ours."""
        handled = 0
        with self.store.write() as conn:
            touched: list[tuple[str, str]] = []
            cursor = int(get_meta(conn, "cursor", 0))
            rows = _outbox_rows(conn, [r.seq for r in results])
            updates = []
            for result in results:
                row = rows.get(result.seq)
                if row is None:
                    continue
                handled += 1
                counts.count(result)
                if row.op_id != result.op_id:
                    self._alarm(conn, row.seq)
                    continue
                updates.append({
                    "b_seq": row.seq, "status": str(result.status), "reason": result.reason,
                    "detail": result.detail, "server_seq": result.server_seq,
                    "flags": ",".join(sorted({*filter(None, (row.flags or "").split(",")),
                                              *result.flags}))})
                # An answered operation whose effect the terminal has not pulled
                # yet keeps overlaying exactly as it did while pending, so the
                # records it touches look the same: nothing to recompute.
                if not (str(result.status) in ANSWERED_STATUSES
                        and result.server_seq is not None and result.server_seq > cursor):
                    touched += _keys(row)
            if updates:
                conn.execute(OUTBOX.update().where(OUTBOX.c.seq == sa.bindparam("b_seq")),
                             updates)
            refresh_many(conn, touched, self.facility_id)
            self._drop_gone(conn)
        return handled

    def _alarm(self, conn: Connection, seq: int) -> None:
        conn.execute(OUTBOX.update().where(OUTBOX.c.seq == seq).values(
            status="rejected", reason=Reason.SEQ_MISMATCH,
            detail="The server holds a different change under this number."))
        audit(conn, self.clock.ms(), "seq_mismatch", None, seq=seq)

    # --- pull ---------------------------------------------------------------------------

    def _pull(self, counts: _Counts, progress: Callable[[SyncProgress], None]) -> None:
        with self.store.read() as conn:
            held = [r[0] for r in conn.execute(sa.select(OUTBOX.c.seq)
                                               .where(OUTBOX.c.status == "held")
                                               .order_by(OUTBOX.c.seq).limit(1000))]
        asked_mrns = False
        progress(SyncProgress("pull", 0, None))
        while True:
            with self.store.read() as conn:
                cursor = int(get_meta(conn, "cursor", 0))
                want = not asked_mrns and mrns_left(conn) < MRN_LOW_WATER
            request = PullRequest(cursor=cursor, limit=self.page_size, held=held,
                                  want_mrns=want)
            reply = PullResponse.from_wire(self._exchange("/v1/pull", "pull",
                                                          request.to_wire(), "pulled"))
            self._apply_page(reply, cursor, counts)
            held = []
            asked_mrns = asked_mrns or want
            counts.pulled += len(reply.changes)
            progress(SyncProgress("pull", counts.pulled, None))
            if not reply.more or (reply.cursor <= cursor and not reply.changes):
                return

    def _apply_page(self, reply: PullResponse, cursor: int, counts: _Counts) -> None:
        # Everything in a page is the server's and is pulled again if a power
        # cut takes the commit: no need to wait for the disk here.
        with self.store.write(durable=False) as conn:
            if int(get_meta(conn, "cursor", 0)) != cursor:
                return  # another sync applied this page meanwhile
            touched = self._apply_snapshots(conn, reply.changes)
            for result in reply.results:
                row = conn.execute(sa.select(OUTBOX).where(OUTBOX.c.seq == result.seq)).first()
                if (row is None or row.op_id != result.op_id or row.status != "held"
                        or str(result.status) == "held"):
                    continue
                counts.count(result)
                conn.execute(OUTBOX.update().where(OUTBOX.c.seq == row.seq).values(
                    status=str(result.status), reason=result.reason, detail=result.detail,
                    server_seq=result.server_seq))
                touched += _keys(row)
            if reply.mrn_pool is not None:
                add_mrn_pool(conn, reply.mrn_pool)
            new_cursor = max(cursor, reply.cursor)
            set_meta(conn, "cursor", new_cursor)
            # operations whose effect this page carried stop overlaying
            answered = conn.execute(sa.select(OUTBOX).where(
                OUTBOX.c.server_seq > cursor, OUTBOX.c.server_seq <= new_cursor,
                OUTBOX.c.status.in_(("applied", "conflict")))).all()
            for row in answered:
                touched += _keys(row)
            refresh_many(conn, touched, self.facility_id)
            self._drop_gone(conn)

    def _apply_snapshots(self, conn: Connection, snapshots: list[Snapshot]
                         ) -> list[tuple[str, str]]:
        """Upsert a page's snapshots (Core, executemany); return the records
        that also have pending work here, to refresh once the cursor moved."""
        latest: dict[str, Snapshot] = {}
        for snap in snapshots:
            if snap.facility_id != self.facility_id and not snap.gone:
                continue
            previous = latest.get(snap.record_id)
            if previous is None or snap.seq >= previous.seq:
                latest[snap.record_id] = snap
        live = [s for s in latest.values() if not s.gone]
        for snap in latest.values():
            if snap.gone:
                self._gone(conn, snap)
        if not live:
            return []
        pending = _ids_with_work(conn, [s.record_id for s in live])
        rows = []
        with_ops: list[tuple[str, str]] = []
        for snap in live:
            kind = str(snap.kind)
            state = RecordState(dict(snap.data), dict(snap.versions), dict(snap.conflicts),
                                snap.status)
            if snap.record_id in pending:
                with_ops.append((kind, snap.record_id))
            cols = search_columns(kind, snap.record_id, state)
            rows.append({"id": snap.record_id, "kind": kind, "facility_id": snap.facility_id,
                         "data": dumps(dict(snap.data)), "versions": dumps(dict(snap.versions)),
                         "conflicts": dumps(dict(snap.conflicts)), "status": snap.status,
                         "seq": snap.seq, "pending": 0, **cols})
        stmt = sqlite_insert(RECORDS)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RECORDS.c.id],
            set_={c.name: stmt.excluded[c.name] for c in RECORDS.c if c.name != "id"})
        conn.execute(stmt, rows)
        return with_ops

    def _gone(self, conn: Connection, snap: Snapshot) -> None:
        """A record left this facility: forget it and its children, unless this
        terminal still has changes for it to send (then after they are sent)."""
        gone = set(get_meta(conn, "gone_pending", []))
        gone.add(snap.record_id)
        set_meta(conn, "gone_pending", sorted(gone))
        self._drop_gone(conn)

    def _drop_gone(self, conn: Connection) -> None:
        gone = get_meta(conn, "gone_pending", [])
        if not gone:
            return
        keep = []
        for record_id in gone:
            waiting = conn.execute(sa.select(sa.func.count()).select_from(OUTBOX).where(
                sa.or_(OUTBOX.c.record_id == record_id, OUTBOX.c.subject_id == record_id),
                OUTBOX.c.status.in_(("pending", "held")))).scalar()
            if waiting:
                keep.append(record_id)
                continue
            conn.execute(RECORDS.delete().where(RECORDS.c.parent_id == record_id))
            conn.execute(RECORDS.delete().where(RECORDS.c.id == record_id))
        set_meta(conn, "gone_pending", keep)

    # --- one signed exchange --------------------------------------------------------------

    def _exchange(self, path: str, msg_type: str, body: Any, reply_type: str) -> Any:
        failures = 0
        replay_retried = False
        while True:
            request = self._seal(msg_type, body)
            try:
                status, data = self.transport.post(path, request.to_bytes(), self.timeout)
            except (TransportError, OSError) as exc:
                failures += 1
                if failures >= self.max_attempts:
                    raise SyncError(UNREACHABLE) from exc
                self._backoff(failures)
                continue
            self.reached = True
            if status == 200:
                return self._open_reply(data, request, reply_type)
            code, detail = _error_body(data)
            if status == 409 and code == "replayed_message" and not replay_retried:
                replay_retried = True
                self._bump_counter(REPLAY_BUMP)
                continue
            if status == 401:
                raise SyncError(REVOKED, retry=False)
            if status >= 500 or status == 429:
                failures += 1
                if failures >= self.max_attempts:
                    raise SyncError("The server is having trouble; your changes are kept and "
                                    "will be sent at the next sync.")
                self._backoff(failures)
                continue
            raise SyncError(f"The server refused the sync ({code}): {detail}".rstrip(": "),
                            retry=False)

    def _seal(self, msg_type: str, body: Any) -> Envelope:
        counter = self._bump_counter(1)
        return seal(self._key, msg_type, self.terminal_id, counter, body, ts=self.clock.ms())

    def _bump_counter(self, by: int) -> int:
        """Commit the next message counter before anything is sent with it."""
        with self.store.write(durable=False) as conn:
            counter = int(get_meta(conn, "msg_counter", 0)) + by
            set_meta(conn, "msg_counter", counter)
        return counter

    def _open_reply(self, data: bytes, request: Envelope, reply_type: str) -> Any:
        try:
            reply = open_envelope(data)
            reply.verify(self._server_key)
            if reply.reply_to != request.digest or reply.msg_type != reply_type:
                raise SyncError(BAD_ANSWER)
            return reply.decoded_body()
        except ProtocolError as exc:
            raise SyncError(BAD_ANSWER) from exc

    def _backoff(self, failures: int) -> None:
        ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (failures - 1))
        self.sleep(ceiling / 2 + self.rng.uniform(0, ceiling / 2))


def _outbox_rows(conn: Connection, seqs: list[int]) -> dict[int, Any]:
    rows: dict[int, Any] = {}
    for start in range(0, len(seqs), 500):
        for row in conn.execute(sa.select(OUTBOX).where(
                OUTBOX.c.seq.in_(seqs[start:start + 500]))):
            rows[row.seq] = row
    return rows


def _ids_with_work(conn: Connection, ids: list[str]) -> set[str]:
    """Which of ``ids`` have operations of this terminal laid over them."""
    return {i for i, ops in overlay_ops(conn, ids).items() if ops}


def _keys(row: Any) -> list[tuple[str, str]]:
    info = OpInfo(seq=row.seq, op_id=row.op_id, op_type=row.op_type, kind=row.kind,
                  record_id=row.record_id, subject_id=row.subject_id, status=row.status,
                  server_seq=row.server_seq, payload=unpack_payload(row.payload), user_id=row.user_id,
                  recorded_at=row.recorded_at)
    return [(str(e.kind), e.record_id) for e in op_effects(info)]


def _error_body(data: bytes) -> tuple[str, str]:
    try:
        return error_from_wire(decode(data))
    except ProtocolError:
        return "error", ""
