"""Sync as the app runs it: the status line every screen shows, the names the
server sent (this facility, the facilities a resident may be transferred to),
sync on ctrl+s and in the background, and what the clerk is told after it.

A sync running when the terminal locks cannot be stopped: its thread waits for
the server's answer (with a hung server, two timeouts: about a minute), and then
finds the store closed under it. Meanwhile a ctrl+s after the unlock used to do
nothing at all. Now the clerk is told that the sync from before the lock is still
ending and that theirs starts when it has, and it does; the old sync's failure
on the closed store is logged, not shown (it says nothing about this store).
"""

from __future__ import annotations

import logging

from textual import work
from textual.reactive import var

from client.errors import SessionLocked, StoreUnreadable
from client.store.database import DB_ERRORS

from .engine import FacilityInfo, Session, SyncProgress, SyncStatus
from .messages import SyncFinished, SyncProgressed, SyncStatusRead
from .quitting import QuittingApp

log = logging.getLogger(__name__)

SYNC_STILL_ENDING = ("The sync that was running when the terminal locked is still "
                     "waiting for the server. Your sync starts as soon as it has ended.")


class SyncingApp(QuittingApp):
    """The app's sync: status, progress, the result in words."""

    sync_status: var[SyncStatus | None] = var(None)
    syncing: var[bool] = var(False)
    sync_progress: var[SyncProgress | None] = var(None)
    records_line: var[str] = var("")
    """The records department's due clocks, for the status line."""
    facility: var[FacilityInfo | None] = var(None)
    """This facility as the server sent it (its state: new licenses default to it)."""
    transfer_facilities: var[tuple[FacilityInfo, ...]] = var(())
    """The other facilities, by name: where a resident may be transferred to."""

    def __init__(self) -> None:
        super().__init__()
        self._locks = 0
        """How many times the terminal locked: a sync started before the last lock
        outlived its store."""
        self._sync_started_at_lock = 0
        self._sync_when_ended = False
        """The clerk asked for a sync while one from before the lock was ending."""
        self._sync_runs = 0
        """Syncs started so far: each knows its number (quitting waits for one)."""

    @property
    def unlocked(self) -> bool:
        raise NotImplementedError

    def reload_screens(self) -> None:
        raise NotImplementedError

    def refresh_sync_status(self) -> None:
        if self.unlocked:
            self._read_sync_status(self.session)

    @work(thread=True, exclusive=True, group="sync-status", exit_on_error=False)
    def _read_sync_status(self, session: Session) -> None:
        directory = session.directory
        try:
            read = SyncStatusRead(session.outbox.status(), session.casework.status_line(),
                                  facility=directory.facility(),
                                  facilities=tuple(directory.other_facilities()))
        except (StoreUnreadable, SessionLocked, *DB_ERRORS) as error:
            if not session.locked:
                raise  # the app tells the clerk (:mod:`.app_workers`)
            # The lock closed the store under the read: nothing to tell (the lock
            # cleared the status line; the next clerk's session reads its own).
            log.info("a sync status read cut by the lock ended: %s", type(error).__name__)
            return
        self.post_message(read)

    def on_sync_status_read(self, message: SyncStatusRead) -> None:
        if self.unlocked:
            self.records_line = message.records_line
            self.sync_status = message.status
            self.facility = message.facility
            self.transfer_facilities = message.facilities

    def action_sync_now(self) -> None:
        self.sync_now(background=False)

    def _background_sync(self) -> None:
        self.sync_now(background=True)

    def sync_now(self, *, background: bool) -> None:
        if not self.unlocked or self.session.emergency is not None:
            return  # emergency access reads one resident: it does not sync
        if self.syncing:
            if not background and self.sync_outlived_lock:
                self._sync_when_ended = True
                self.notify(SYNC_STILL_ENDING, title="Sync waits", markup=False)
            return
        self.syncing = True
        self.sync_progress = None
        self._sync_started_at_lock = self._locks
        self._sync_runs += 1
        self._sync(self.session, background=background, locks=self._locks,
                   run=self._sync_runs)

    def awaited_sync_run(self) -> int:
        """The sync a clerk's ctrl+s just started, or the one queued behind a sync
        from before the lock (it starts when that one has ended)."""
        return self._sync_runs + 1 if self._sync_when_ended else self._sync_runs

    @property
    def sync_outlived_lock(self) -> bool:
        """The sync running now was started before the terminal last locked."""
        return self.syncing and self._sync_started_at_lock != self._locks

    def sync_cut_by_lock(self) -> None:
        """The terminal locks: a sync running now goes on against a closed store."""
        self._locks += 1

    @work(thread=True, group="sync", exit_on_error=False)
    def _sync(self, session: Session, *, background: bool, locks: int, run: int) -> None:
        def progressed(progress: SyncProgress) -> None:
            self.post_message(SyncProgressed(progress))

        try:
            report = session.sync(on_progress=progressed)
        except (StoreUnreadable, SessionLocked, *DB_ERRORS) as error:
            if locks == self._locks:
                self.call_from_thread(self.sync_broke, error, run)
                raise  # as before: the worker ends in the ERROR state
            # The store closed under it at the lock: nothing to tell the clerk. Any
            # other error takes the usual path (the clerk is told).
            log.info("a sync cut by the lock ended: %r", error)
            self.call_from_thread(self.sync_broke, None, run)
            return
        except Exception as error:
            self.call_from_thread(self.sync_broke, error, run)
            raise
        finally:
            self.call_from_thread(self._sync_ended)
        self.post_message(SyncFinished(report, background=background, run=run))

    def _sync_ended(self) -> None:
        self.syncing = False
        wanted, self._sync_when_ended = self._sync_when_ended, False
        if wanted:
            self.sync_now(background=False)

    def on_sync_progressed(self, message: SyncProgressed) -> None:
        self.sync_progress = message.progress

    def on_sync_finished(self, message: SyncFinished) -> None:
        report = message.report
        if not self.unlocked or self.quit_after_sync(report, message.run):
            return
        if report.error:
            if not message.background:
                # The engine's sentence already says the changes are kept: said once.
                self.notify(report.error,
                            title="Sync did not finish", severity="warning", markup=False)
        else:
            summary = f"{report.pushed} sent, {report.pulled} received"
            problems = [f"{report.rejected} rejected"] if report.rejected else []
            problems += [f"{report.conflicts} conflicts"] if report.conflicts else []
            if problems or not message.background:
                self.notify(summary + ("; " + ", ".join(problems) if problems else ""),
                            title="Synced", severity="warning" if problems else "information",
                            markup=False)
        for notice in report.notices:  # a restored server or store, an audit log that no
            # longer extends ours: said in words, always, and kept on screen a while
            self.notify(notice, title="From the last sync", severity="warning", markup=False,
                        timeout=30)
        self.reload_screens()
        self.refresh_sync_status()
