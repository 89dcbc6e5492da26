"""The sync engine: one round pushes the outbox, then pulls the facility's changes.

- :mod:`.push`     pending operations in order, in batches; every answer's results
                   stored in one transaction
- :mod:`.pull`     pages after the cursor, each applied with its cursor in one
                   transaction
- :mod:`.channel`  one signed exchange, verified against the pinned server key,
                   retried with backoff over a bad link

Network trouble that persists ends the round with :attr:`SyncReport.error` set
and the same sentence on the status line; :meth:`SyncEngine.sync` never raises
for it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.engine import Connection

from protocol.errors import ProtocolError
from protocol.hlc import new_epoch_due, wall_ms
from protocol.messages import PullRequest

from ..clock import Clock
from ..errors import SyncError
from ..store import integrity
from ..store.database import Store, audit, get_meta, set_meta
from ..store.offline import record_contact
from ..store.record_numbers import mrn_top
from ..views import SyncProgress, SyncReport
from . import events
from .channel import BAD_ANSWER, MAX_ATTEMPTS, MAX_TIMEOUTS, TIMEOUT_S, Channel
from .counts import Counts
from .pull import PULL_PAGE, Pull
from .push import PUSH_BATCH, Push
from .restore import ANSWERED_RETENTION_DAYS, DAY_MS, SERVER_RESTORED, prune_answered
from .terminal_restore import TERMINAL_RESTORED, renew_record_numbers, renumber
from .transport import Transport


class SyncEngine:
    """Sync of one terminal's store with its server through ``transport``."""

    def __init__(self, store: Store, transport: Transport, *, clock: Clock, terminal_id: str,
                 facility_id: str, sleep: Callable[[float], None],
                 batch_size: int = PUSH_BATCH, page_size: int = PULL_PAGE,
                 max_attempts: int = MAX_ATTEMPTS, timeout: float = TIMEOUT_S,
                 max_timeouts: int = MAX_TIMEOUTS, rng: random.Random | None = None,
                 retention_days: int = ANSWERED_RETENTION_DAYS) -> None:
        self.store = store
        self.clock = clock
        self.facility_id = facility_id
        self.retention_days = retention_days
        self.channel = Channel(store, transport, clock=clock, terminal_id=terminal_id,
                               sleep=sleep, max_attempts=max_attempts, timeout=timeout,
                               max_timeouts=max_timeouts, rng=rng)
        self.push = Push(store, self.channel, clock=clock, facility_id=facility_id,
                         batch_size=batch_size)
        self.pull = Pull(store, self.channel, clock=clock, facility_id=facility_id,
                         page_size=page_size)

    def contact(self) -> bool:
        """One signed exchange that changes nothing here (a pull of one change,
        not applied): proof the server still knows this terminal, which grants a
        new offline window. Whether it got through."""
        with self.store.read() as conn:
            # The very position a pull would send (so the server's restore check
            # sees nothing new), asking for one change it does not apply.
            request = PullRequest(cursor=int(get_meta(conn, "cursor", 0)), limit=1,
                                  mrn_top=mrn_top(conn),
                                  generation=get_meta(conn, "log_generation"))
        try:
            self.channel.exchange("/v1/pull", "pull", request.to_wire(), "pulled")
        except (SyncError, ProtocolError):
            return False
        with self.store.write() as conn:
            record_contact(conn, self.clock.ms(), self.facility_id)
        return True

    def sync(self, on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push everything pending, then pull everything new."""
        counts = Counts()
        told = on_progress or (lambda _p: None)
        last = SyncProgress("push", 0, None)

        def progress(step: SyncProgress) -> None:
            nonlocal last
            last = step
            told(step)

        def retrying(what: str) -> None:
            told(replace(last, retrying=what))  # until the next answered step

        self.channel.on_retry = retrying
        error: str | None = None
        with self.store.read() as conn:
            repull = bool(get_meta(conn, integrity.REPULL_META, False))
        if repull:  # a store page was found rolled back at open: pull everything again
            with self.store.write() as conn:
                integrity.begin_repull(conn)
        try:
            self.push.run(counts, progress)
            behind = self.push.behind
            if behind is None:
                self.pull.run(counts, progress)
                behind = self.pull.behind
                if self.pull.restored:
                    resent = self.pull.resent
                    if resent:  # what the server lost goes again, then comes back
                        self.push.run(counts, progress)
                        self.pull.run(counts, progress)
                    counts.notices.append(SERVER_RESTORED.format(resent=resent))
            if behind is not None:
                self._carry_on_after_restore(behind, counts, progress)
            events.send(self.store, self.channel)  # refused sign-ins, to the server's audit
        except SyncError as exc:
            error = exc.message
        except ProtocolError:
            error = BAD_ANSWER  # a verified answer that does not match the schema
        finally:
            self.channel.on_retry = None
        with self.store.write() as conn:
            # Found at open; told once the records came back from the server.
            rolled_back = integrity.take_notice(conn) if error is None else None
            if rolled_back:
                counts.notices.insert(0, rolled_back)
            self._check_clock(conn)
            set_meta(conn, "online", self.channel.reached)
            set_meta(conn, "last_error", error)
            if counts.notices:
                set_meta(conn, "last_notice", " ".join(counts.notices))
            if error is None:
                set_meta(conn, "last_sync_at", self.clock.ms())
                if self.channel.server_ms is not None:  # a verified answer came
                    record_contact(conn, self.clock.ms(), self.facility_id)
                prune_answered(conn, self.clock.ms(), self.retention_days * DAY_MS)
            else:
                audit(conn, self.clock.ms(), "sync_failed", None, error=error)
        return counts.report(error)

    def _carry_on_after_restore(self, next_seq: int, counts: Counts,
                                progress: Callable[[SyncProgress], None]) -> None:
        """This store is an older copy (:mod:`.terminal_restore`): renumber the
        changes made since, fetch new record numbers, send, and pull."""
        with self.store.write() as conn:
            renumbered = renumber(conn, next_seq, self.clock.ms())
        self.pull.run(counts, progress)  # new record-number pools
        with self.store.write() as conn:
            renew_record_numbers(conn, self.pull.facility_id)
        self.push.run(counts, progress)
        self.pull.run(counts, progress)
        counts.notices.append(TERMINAL_RESTORED.format(renumbered=renumbered))

    def _check_clock(self, conn: Connection) -> None:
        """Start a new clock epoch once the server confirms a clock that had run
        ahead is right again (:func:`protocol.hlc.new_epoch_due`)."""
        offset = self.channel.server_offset
        if offset is None:
            return
        set_meta(conn, "server_offset", offset)
        last = int(get_meta(conn, "hlc_last", 0))
        now = self.clock.ms()
        if new_epoch_due(last, now, offset):
            epoch = int(get_meta(conn, "clock_epoch", 0)) + 1
            set_meta(conn, "clock_epoch", epoch)
            set_meta(conn, "hlc_last", 0)
            audit(conn, now, "clock_epoch", None, epoch=epoch, ahead_ms=wall_ms(last) - now)
