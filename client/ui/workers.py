"""Where a worker's unexpected failure goes: one handler, in the app.

Workers post their expected outcomes (a page of residents, an engine error with a
message for the clerk) as typed messages. An exception nobody planned for ends
the worker in the ERROR state; Textual reports that to the node that started it
(the message does not bubble), so every screen and dialog mixes in
:class:`WorkerErrorsToApp`, which hands the error to the app's
``report_worker_error``; that shows it with :func:`show_worker_error`: a
notification for an engine error, a dialog for anything else, never a traceback.
The app's own workers end at the app itself: :mod:`.app_workers`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.worker import Worker, WorkerState

from .dialogs.message import MessageDialog
from .engine import TerminalError, clerk_message
from .outliving import OutlivesClosing

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)


class WorkerErrorsToApp(OutlivesClosing):
    """Mixin for screens and dialogs: forward failed workers to the app's handler
    (and outlive the lock and an early close, :mod:`.outliving`)."""

    app: App[Any]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        handler = getattr(self.app, "report_worker_error", None)
        if handler is not None and error is not None:
            handler(error, event.worker.name)
        hook = getattr(self, "on_worker_failed", None)
        if hook is not None:
            hook()


def show_worker_error(app: App[Any], error: BaseException, worker_name: str = "") -> None:
    """Tell the clerk a worker failed: the engine's sentence in a notification, or
    a dialog for a defect (logged with its traceback)."""
    if isinstance(error, TerminalError):
        app.notify(clerk_message(error), title="Could not do that", severity="error",
                   markup=False, timeout=10)
        return
    log.error("unexpected error in worker %s", worker_name, exc_info=error)
    app.push_screen(MessageDialog(
        "Something went wrong",
        Text(f"{type(error).__name__}: {error}"),
        next_step="Nothing you typed was lost. If this happens again, "
                  "tell your records manager what you were doing.",
    ))
