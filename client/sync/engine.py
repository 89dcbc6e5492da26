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

from protocol.errors import ProtocolError
from protocol.messages import PullRequest

from ..clock import Clock
from ..errors import SyncError
from ..store.database import Store, audit, get_meta, set_meta
from ..store.offline import record_contact
from ..views import SyncProgress, SyncReport
from .channel import BAD_ANSWER, MAX_ATTEMPTS, TIMEOUT_S, Channel
from .counts import Counts
from .pull import PULL_PAGE, Pull
from .push import PUSH_BATCH, Push
from .transport import Transport


class SyncEngine:
    """Sync of one terminal's store with its server through ``transport``."""

    def __init__(self, store: Store, transport: Transport, *, clock: Clock, terminal_id: str,
                 facility_id: str, sleep: Callable[[float], None],
                 batch_size: int = PUSH_BATCH, page_size: int = PULL_PAGE,
                 max_attempts: int = MAX_ATTEMPTS, timeout: float = TIMEOUT_S,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self.clock = clock
        self.facility_id = facility_id
        self.channel = Channel(store, transport, clock=clock, terminal_id=terminal_id,
                               sleep=sleep, max_attempts=max_attempts, timeout=timeout,
                               rng=rng)
        self.push = Push(store, self.channel, clock=clock, facility_id=facility_id,
                         batch_size=batch_size)
        self.pull = Pull(store, self.channel, facility_id=facility_id, page_size=page_size)

    def contact(self) -> bool:
        """One signed exchange that changes nothing here (a pull of one change,
        not applied): proof the server still knows this terminal, which grants a
        new offline window. Whether it got through."""
        with self.store.read() as conn:
            cursor = int(get_meta(conn, "cursor", 0))
        try:
            self.channel.exchange("/v1/pull", "pull", PullRequest(cursor, 1).to_wire(),
                                  "pulled")
        except (SyncError, ProtocolError):
            return False
        with self.store.write() as conn:
            record_contact(conn, self.clock.ms(), self.facility_id)
        return True

    def sync(self, on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push everything pending, then pull everything new."""
        counts = Counts()
        progress = on_progress or (lambda _p: None)
        error: str | None = None
        try:
            self.push.run(counts, progress)
            self.pull.run(counts, progress)
        except SyncError as exc:
            error = exc.message
        except ProtocolError:
            error = BAD_ANSWER  # a verified answer that does not match the schema
        with self.store.write() as conn:
            set_meta(conn, "online", self.channel.reached)
            set_meta(conn, "last_error", error)
            if error is None:
                set_meta(conn, "last_sync_at", self.clock.ms())
                if self.channel.server_ms is not None:  # a verified answer came
                    record_contact(conn, self.clock.ms(), self.facility_id)
            else:
                audit(conn, self.clock.ms(), "sync_failed", None, error=error)
        return counts.report(error)
