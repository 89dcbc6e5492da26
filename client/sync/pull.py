"""Pull: apply the facility's changes after this terminal's cursor, page by page.

Each page's snapshots, the results of held operations and the new cursor are
applied in one transaction, so an interrupted pull resumes from the last
complete page and a page applied twice changes nothing. A record that left the
facility (``gone``) is forgotten once this terminal has nothing left to send
for it.

Each answer also carries the facility's latest audit checkpoint: the terminal
keeps it only if it extends the one held before
(:func:`protocol.audit_log.accept_checkpoint`). If it does not, the server's
audit history was rewritten or cut: the held checkpoint stays, the alarm is
kept in the store (``audit_alarm``) and the round's notices say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.audit_log import accept_checkpoint, checkpoint_from_json, checkpoint_to_json
from protocol.collector import collector_paused
from protocol.merkle import Checkpoint, ProofError
from protocol.messages import (
    MAX_PULL_PAGE,
    SERVED_PULL_PAGE,
    LogPosition,
    PullRequest,
    PullResponse,
    Snapshot,
    change_mark,
)
from protocol.rules.residents.transfers import STAYS_WITH_SENDER
from protocol.signing import Envelope

from ..clock import Clock
from ..store.bulk_rows import put_rows
from ..store.database import OUTBOX, RECORDS, Store, dumps, get_meta, set_meta
from ..store.departures import note_departures
from ..store.destroyed import note_destroyed
from ..store.overlay import overlay_filter, overlay_ops, records_touched
from ..store.record_numbers import MRN_LOW_WATER, add_mrn_pool, mrn_top, mrns_left
from ..store.search import refresh_many, search_values
from ..views import SyncProgress
from .channel import Channel
from .counts import Counts, Progress
from .restore import answered_top, check_log, finish_repull
from .terminal_restore import is_behind

PULL_PAGE = SERVED_PULL_PAGE
"""Changes asked for per page: as many as the server serves (it also stops a
page at ¾ of a message's bytes). Each page is one commit, and a commit rewrites
every index page the page's records land on; records spread over the whole
index, so fewer, larger pages write far fewer pages in all (at 100,000 records:
apply 68 µs per record at 2,500 a page, 50 at 5,000; docs/performance.md). The
first page of a run asks for :data:`MAX_PULL_PAGE`, which every server serves;
the next ones for what the server's answer says it serves (``page``)."""


class Pull:
    """The pull half of a round."""

    def __init__(self, store: Store, channel: Channel, *, clock: Clock, facility_id: str,
                 page_size: int = PULL_PAGE) -> None:
        self.store = store
        self.channel = channel
        self.clock = clock
        self.facility_id = facility_id
        self.page_size = page_size
        self.resent = 0
        """Operations the server had lost, made pending again by the last run."""
        self.restored = False
        """Whether the last run found the server restored from a backup."""
        self.behind: int | None = None
        """Set when the server handled operation numbers this store never wrote
        (it is a restored copy): the number the server expects next."""

    def run(self, counts: Counts, progress: Progress) -> None:
        with self.store.read() as conn:
            held = [r[0] for r in conn.execute(sa.select(OUTBOX.c.seq)
                                               .where(OUTBOX.c.status == "held")
                                               .order_by(OUTBOX.c.seq).limit(1000))]
        asked_mrns = False
        served = MAX_PULL_PAGE  # until the server says it serves more
        self.resent, self.restored, self.behind = 0, False, None
        progress(SyncProgress("pull", 0, None))
        ahead: _Ahead | None = None
        pages = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull-ahead") as fetcher:
            while True:
                if ahead is not None:  # asked for while the previous page was written
                    cursor, want, reply = ahead.cursor, ahead.want, ahead.answer.result()
                    ahead = None
                else:
                    with self.store.read() as conn:
                        cursor = int(get_meta(conn, "cursor", 0))
                        want = not asked_mrns and mrns_left(conn) < MRN_LOW_WATER
                        request = self._request(conn, cursor, min(self.page_size, served),
                                                held, want=want)
                    reply = self._fetch(request)
                served = reply.page_served
                with collector_paused():  # a page is thousands of short-lived objects
                    if reply.log is not None and self._server_lost_work(reply, reply.log,
                                                                        cursor):
                        asked_mrns = asked_mrns or want
                        continue  # pull again from the start
                    asked_mrns = asked_mrns or want
                    if reply.more and reply.cursor > cursor:
                        ahead = self._ask_ahead(fetcher, reply, min(self.page_size, served),
                                                asked_mrns=asked_mrns)
                    self._apply_page(reply, cursor, counts)
                held = []
                pages += 1
                counts.pulled += len(reply.changes)
                progress(SyncProgress("pull", counts.pulled, None))
                if not reply.more or (reply.cursor <= cursor and not reply.changes):
                    with self.store.write() as conn:
                        finish_repull(conn, self.facility_id)
                    if pages > 1:  # a long pull: leave no WAL behind
                        self.store.trim_wal()
                    return

    def _request(self, conn: Connection, cursor: int, limit: int, held: list[int], *,
                 want: bool, audit_size: int | None = None) -> PullRequest:
        """A pull request from ``cursor``, with what this store holds."""
        if audit_size is None:
            kept = held_checkpoint(conn)
            audit_size = kept.size if kept is not None else 0
        return PullRequest(cursor=cursor, limit=limit, held=held, want_mrns=want,
                           mrn_top=mrn_top(conn), generation=get_meta(conn, "log_generation"),
                           epoch=int(get_meta(conn, "epoch", 0)), audit_size=audit_size,
                           answered=answered_top(conn))

    def _fetch(self, request: PullRequest, sealed: Envelope | None = None) -> PullResponse:
        with collector_paused():
            return PullResponse.from_wire(self.channel.exchange(
                "/v1/pull", "pull", request.to_wire(), "pulled", sealed=sealed))

    def _ask_ahead(self, fetcher: ThreadPoolExecutor, reply: PullResponse, limit: int, *,
                   asked_mrns: bool) -> _Ahead:
        """Ask for the page after ``reply`` while ``reply`` is being written.

        The request is what the sequential loop would send once this page is
        committed: from the page's cursor, holding the audit checkpoint the page
        brings. Its envelope is sealed here, so its message counter is committed
        before the page's write transaction begins; the answer is applied only
        after this page commits, and only if the store's cursor is still the one
        it was asked from (else it is asked for again). A crash in between loses
        nothing: the store's cursor is the last page committed, and the server
        serves that page again."""
        with self.store.read() as conn:
            want = not asked_mrns and mrns_left(conn) < MRN_LOW_WATER
            size = reply.checkpoint.size if reply.checkpoint is not None else None
            request = self._request(conn, reply.cursor, limit, [], want=want, audit_size=size)
        sealed = self.channel.seal("pull", request.to_wire())
        return _Ahead(reply.cursor, want, fetcher.submit(self._fetch, request, sealed))

    def _server_lost_work(self, reply: PullResponse, log: LogPosition, cursor: int) -> bool:
        """Check the answer's log position (:mod:`.restore`); True when this
        terminal must pull again from the start.

        Every answer carries a log position, so this runs once per page, and
        it commits without waiting for the disk, as the page does: a power cut
        that takes it is harmless. WAL commits survive a power cut as a prefix
        (each frame's checksum chains to the one before), so whatever takes
        this commit takes everything after it too (the page it precedes), and
        any later durable commit (a clerk's change, the pull's last write)
        makes it durable first. A lost check leaves the store as before the
        answer arrived, the same as a cut just before a durable commit: the
        same page is pulled again from the same cursor and checked against the
        same generation, cursor mark and answered operations, so a restore it
        saw (a new generation, a head behind the cursor, another change at the
        cursor, operations to re-send) is seen again: what the server did
        (a new generation, a counter moved on) only moves forward. A
        record-number pool it kept may be lost: the server never issues those
        numbers again (its counter is past them); the terminal asks for
        another pool."""
        with self.store.write(durable=False) as conn:
            if int(get_meta(conn, "cursor", 0)) != cursor:
                return True  # another sync moved on meanwhile: ask again
            if reply.mrn_pool is not None:
                add_mrn_pool(conn, reply.mrn_pool)
            if is_behind(conn, log.next_seq):
                self.behind = log.next_seq
            repull, resent = check_log(conn, log, cursor, self.clock.ms(),
                                       self.facility_id)
        self.resent += resent
        self.restored = self.restored or repull or resent > 0
        return repull

    def _apply_page(self, reply: PullResponse, cursor: int, counts: Counts) -> None:
        # Everything in a page is the server's and is pulled again if a power
        # cut takes the commit: no need to wait for the disk here. A WAL grown
        # past its bound waits for the checkpoint instead, here rather than
        # before the next page is asked for: the thread that asks ahead decodes
        # the answer meanwhile.
        self.store.bound_wal()
        with self.store.write(durable=False) as conn:
            if int(get_meta(conn, "cursor", 0)) != cursor:
                return  # another sync applied this page meanwhile
            # The cursor moves first: an operation whose effect this page
            # carries no longer overlays, so a record whose snapshot is here and
            # has nothing else pending gets its search columns from the
            # snapshot alone (a terminal pulling back what it pushed used to
            # recompute every such record a second time).
            new_cursor = max(cursor, reply.cursor)
            set_meta(conn, "cursor", new_cursor)
            if reply.changes and reply.cursor > cursor and reply.changes[-1].seq == reply.cursor:
                # Which change sits at the cursor: the server names its own there
                # on the next pull (:func:`.restore.check_log`).
                set_meta(conn, "cursor_mark", change_mark(reply.changes[-1]))
            touched, applied = self._apply_snapshots(conn, reply.changes)
            for result in reply.results:
                row = conn.execute(sa.select(OUTBOX).where(OUTBOX.c.seq == result.seq)).first()
                if (row is None or row.op_id != result.op_id or row.status != "held"
                        or str(result.status) == "held"):
                    continue
                counts.count(result)
                conn.execute(OUTBOX.update().where(OUTBOX.c.seq == row.seq).values(
                    status=str(result.status), reason=result.reason, detail=result.detail,
                    server_seq=result.server_seq))
                touched += records_touched(row)
            if reply.mrn_pool is not None:
                add_mrn_pool(conn, reply.mrn_pool)
            if reply.checkpoint is not None:
                alarm = check_checkpoint(conn, reply)
                if alarm is not None and alarm not in counts.notices:
                    counts.notices.append(alarm)
            # operations whose effect this page carried stop overlaying: the
            # records they touched that this page did not bring are recomputed
            answered = conn.execute(sa.select(OUTBOX).where(
                OUTBOX.c.server_seq > cursor, OUTBOX.c.server_seq <= new_cursor,
                OUTBOX.c.status.in_(("applied", "conflict")))).all()
            for row in answered:
                touched += [key for key in records_touched(row) if key[1] not in applied]
            refresh_many(conn, touched, self.facility_id)
            drop_gone(conn)

    def _apply_snapshots(self, conn: Connection, snapshots: Sequence[Snapshot]
                         ) -> tuple[list[tuple[str, str]], set[str]]:
        """Upsert a page's snapshots (straight through the driver); return the
        records that also have work of this terminal laid over them (to refresh),
        and the ids of every record written."""
        latest: dict[str, Snapshot] = {}
        for snap in snapshots:
            if snap.facility_id != self.facility_id and not snap.gone:
                continue
            previous = latest.get(snap.record_id)
            if previous is None or snap.seq >= previous.seq:
                latest[snap.record_id] = snap
        live = [s for s in latest.values() if not s.gone]
        # In the log's order: a record keeps the place of its first snapshot in
        # ``latest``, and what a departure keeps depends on it (the server sends a
        # stay's transfer before the chart's MDS records, which are kept only for
        # a resident whose transfer arrived).
        _mark_gone(conn, sorted((s for s in latest.values() if s.gone),
                                key=lambda s: s.seq), self.facility_id)
        if not live:
            return [], set()
        pending = _ids_with_work(conn, [s.record_id for s in live])
        rows = []
        with_ops: list[tuple[str, str]] = []
        for snap in live:
            kind = str(snap.kind)
            if snap.record_id in pending:
                with_ops.append((kind, snap.record_id))
            data = dict(snap.data)
            rows.append((snap.record_id, kind, snap.facility_id, dumps(data),
                         dumps(dict(snap.versions)), dumps(dict(snap.conflicts)), snap.status,
                         snap.seq, *search_values(kind, snap.record_id, data, snap.status), 0))
        # A page is thousands of rows of plain values: straight to the driver's
        # executemany (SQLAlchemy's per-row parameter processing cost as much
        # as the insert), handed to the integrity seal as written.
        put_rows(conn, rows)
        return with_ops, {s.record_id for s in live}


@dataclass(frozen=True)
class _Ahead:
    """The next page, asked for while the previous one is written."""

    cursor: int
    want: bool
    answer: Future[PullResponse]


def held_checkpoint(conn: Connection) -> Checkpoint | None:
    """The facility's audit checkpoint this terminal keeps."""
    wire = get_meta(conn, "audit_checkpoint", None)
    return None if wire is None else checkpoint_from_json(wire)


def check_checkpoint(conn: Connection, reply: PullResponse) -> str | None:
    """Keep the server's checkpoint if it extends the one held; if it does not,
    keep the held one and return (and store) the alarm in words."""
    assert reply.checkpoint is not None
    held = held_checkpoint(conn)
    try:
        kept = accept_checkpoint(held, reply.checkpoint, reply.audit_proof,
                                 bytes.fromhex(get_meta(conn, "server_key")))
    except ProofError as exc:
        alarm = (f"The server's audit log no longer extends the one this terminal saw "
                 f"({held.size if held else 0} entries): its history was rewritten or cut "
                 f"({exc}). Tell a supervisor.")
        set_meta(conn, "audit_alarm", alarm)
        return alarm
    set_meta(conn, "audit_checkpoint", checkpoint_to_json(kept))
    return None


def _mark_gone(conn: Connection, snapshots: Sequence[Snapshot], facility_id: str) -> None:
    """Records that left this facility (a page's, in its order): keep what the
    facility keeps of a transfer and of a chart it destroyed, then forget them
    and their children, unless this terminal still has changes for them to send
    (then after they are sent). The departures and the list of records to
    forget are each read and written once for the page."""
    if not snapshots:
        return
    gone_facts = [(str(s.kind), s.record_id, s.data, s.facility_id) for s in snapshots]
    note_departures(conn, gone_facts)
    note_destroyed(conn, gone_facts, facility_id)
    gone = set(get_meta(conn, "gone_pending", []))
    gone.update(s.record_id for s in snapshots)
    set_meta(conn, "gone_pending", sorted(gone))
    drop_gone(conn)


def drop_gone(conn: Connection) -> None:
    """Forget the records that left the facility and have nothing left to send."""
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
        # Its records go with it, but for the casework that stays with this
        # facility when a resident is transferred out (docs/rules.md §5.6, N9):
        # the server tells of each record that leaves, and not of those.
        conn.execute(RECORDS.delete().where(RECORDS.c.parent_id == record_id,
                                            RECORDS.c.kind.not_in(sorted(STAYS_WITH_SENDER))))
        conn.execute(RECORDS.delete().where(RECORDS.c.id == record_id))
    set_meta(conn, "gone_pending", keep)


def _ids_with_work(conn: Connection, ids: list[str]) -> set[str]:
    """Which of ``ids`` have operations of this terminal laid over them.

    Most pages find none at all (a terminal that sends little, or one pulling
    a whole facility for the first time): one indexed probe says so before
    looking record by record."""
    cursor = int(get_meta(conn, "cursor", 0))
    if conn.execute(sa.select(OUTBOX.c.seq).where(overlay_filter(cursor)).limit(1)).first() \
            is None:
        return set()
    return {i for i, ops in overlay_ops(conn, ids).items() if ops}
