"""The app's own workers, and what a clerk is told when one fails.

A screen's or dialog's worker that fails reaches the clerk through
:class:`.workers.WorkerErrorsToApp`. The app's own workers (reading the sync
status, the sync, dropping the key at the lock, counting the changes before
quitting, the start, the navigation) end at the app, where Textual sends their
``Worker.StateChanged`` (it does not bubble), and nothing handled it: with
``exit_on_error=False`` their failures vanished. The sync status stayed as it
was, a lock whose store did not close said nothing.

Each of them is named in :data:`APP_WORKERS` with the words the clerk reads. A
failure is written to the terminal's error log without the error's message (it
may name a resident: a database error quotes the values it was given), only its
type and where it happened; the clerk gets a short notice with the reason, never
a traceback. A failure the lock caused (the session closed under the work)
stays quiet, as it did: logged only. A status read that fails at every poll is
told (and logged) once, until it has succeeded again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from .engine import SessionLocked, TerminalError, clerk_message
from .errors import SessionLockedError
from .lock_guard import LockGuardApp
from .unexpected import append_to_error_log
from .unexpected import log_entry as unexpected_entry

log = logging.getLogger(__name__)

REASON_CHARS = 160
"""The most of an unexpected error's first line a notice shows."""


@dataclass(frozen=True)
class AppWorker:
    """One of the app's workers (by its group), as the clerk hears of its failure."""

    notice: str
    """What did not happen, in the clerk's words, with ``{reason}`` where the reason
    goes (:func:`reason`)."""
    reads_session: bool = True
    """It works on the signed-in session: failing while the terminal is locked is
    the lock's doing (the store closed under it), logged and not shown."""
    at_the_lock: bool = False
    """The lock's own work: told at the lock screen, whose clerk it concerns."""
    polled: bool = False
    """It runs on a timer, unasked: the same failure is told once, until it succeeds
    (work the clerk asked for, a sync, says every time it failed)."""


APP_WORKERS: dict[str, AppWorker] = {
    "start": AppWorker("Could not check whether this terminal is enrolled: {reason}",
                       reads_session=False),
    "navigate": AppWorker("Could not open that screen: {reason}", reads_session=False),
    "sync-status": AppWorker("Could not read the sync status: {reason}", polled=True),
    "sync": AppWorker("The sync stopped: {reason}"),
    "lock": AppWorker("The terminal is locked, but its store did not close ({reason}). "
                      "Quit Chartkeep (ctrl+q) when you can.", reads_session=False,
                      at_the_lock=True),
    "quit": AppWorker("Could not count the changes not yet sent ({reason}); press ctrl+q "
                      "to try again."),
}
"""Every worker the app itself starts (``@work`` on the app's classes), by group."""


def reason(error: BaseException, *, at_the_lock: bool = False) -> str:
    """The reason a notice gives: the engine's sentence, or what kind of error it was
    (its first line; only the kind at the lock screen, which shows no one's data)."""
    if isinstance(error, TerminalError):
        return clerk_message(error)
    kind = type(error).__name__
    lines = str(error).strip().splitlines()
    if at_the_lock or not lines:
        return kind
    first = lines[0]
    return f"{kind}: {first[:REASON_CHARS]}{'…' if len(first) > REASON_CHARS else ''}"


def log_entry(worker_name: str, group: str, error: BaseException) -> str:
    """The error log's entry for a failed worker: the error's types and where they
    were raised, not their messages (they may name a resident)."""
    return unexpected_entry(f"The app's worker {worker_name} ({group}) failed", error)


class AppWorkersApp(LockGuardApp):
    """The app's handler for its own workers' failures (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._failing: dict[str, str] = {}
        """A worker group whose last run failed, and the notice it gave."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.SUCCESS:
            self._failing.pop(worker.group, None)
        elif event.state is WorkerState.ERROR and worker.error is not None:
            self.app_worker_failed(worker.group, worker.name, worker.error)

    def app_worker_failed(self, group: str, worker_name: str, error: BaseException) -> None:
        """Log the failure, and tell the clerk unless the lock caused it."""
        known = APP_WORKERS.get(group, AppWorker("Something in the background failed: "
                                                 "{reason}", reads_session=False))
        if isinstance(error, SessionLockedError | SessionLocked) or (
                known.reads_session and not self.unlocked):
            log.info("worker %s stopped by the lock: %s", worker_name, type(error).__name__)
            return
        notice = known.notice.format(reason=reason(error, at_the_lock=known.at_the_lock))
        if known.polled and self._failing.get(group) == notice:
            log.info("worker %s failed again: %s", worker_name, type(error).__name__)
            return
        self._failing[group] = notice
        log.warning("worker %s failed: %s", worker_name, type(error).__name__)
        try:
            append_to_error_log(self.home, log_entry(worker_name, group, error))
        except OSError:
            log.exception("could not write the error log")
        severity: SeverityLevel = "error" if known.at_the_lock else "warning"
        if known.at_the_lock:
            with self.over_the_lock():
                self.notify(notice, severity=severity, markup=False, timeout=20)
        else:
            self.notify(notice, severity=severity, markup=False, timeout=15)
