"""Where a worker's unexpected failure goes: one handler, in the app.

Workers post their expected outcomes (a page of residents, an engine error with a
message for the clerk) as typed messages. An exception nobody planned for ends
the worker in the ERROR state; Textual reports that to the node that started it
(the message does not bubble), so every screen and dialog mixes in
:class:`WorkerErrorsToApp`, which hands the error to the app's
``report_worker_error``: a dialog, never a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual.app import App


class WorkerErrorsToApp:
    """Mixin for screens and dialogs: forward failed workers to the app's handler."""

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
