"""A field conflict: both values side by side, the clerk keeps one.

Resolving is itself a synced change (``session.conflicts.resolve``): the choice is
saved at this terminal and sent at the next sync, like any other edit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ..display import when
from ..engine import ConflictValue, TerminalError, clerk_message
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp


def _who(value: ConflictValue) -> Text:
    """Who changed the value, where and when, in words: a name the server sent,
    else "a user of another facility" (never an id)."""
    who = Text("Changed by ", style="dim")
    if value.user_name:
        who.append(value.user_name, style="bold")
    elif value.user:
        who.append("a user this terminal does not know (another facility's?)")
    else:
        who = Text("The value the record held (who set it is not recorded)", style="dim")
    if value.terminal_name:
        who.append(" at ")
        who.append(value.terminal_name, style="bold")
    elif value.terminal:
        who.append(" at another terminal")
    if value.at:
        who.append(f", {when(value.at)}")
    return who


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


class ConflictDialog(WorkerErrorsToApp, ModalScreen[int | None]):
    """Both values of a conflicting field; dismisses with the resolve's outbox number."""

    BINDINGS = [
        Binding("escape", "cancel", "Decide later", id="conflict.cancel",
                tooltip="Leave the conflict open; both values stay kept"),
        Binding("left", "focus_previous", "Previous value", show=False,
                id="conflict.previous", tooltip="Move to the value on the left"),
        Binding("right", "focus_next", "Next value", show=False, id="conflict.next",
                tooltip="Move to the value on the right"),
    ]

    class Resolved(Message):
        def __init__(self, seq: int) -> None:
            super().__init__()
            self.seq = seq

    class Failed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, record_label: str, field: str, values: list[ConflictValue],
                 resolve: Callable[[Any], int]) -> None:
        super().__init__()
        self.record_label = record_label
        self.field = field
        self.values = values
        self.resolve = resolve

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog conflict-dialog"):
            title = Text("Conflict: ")
            title.append(self.field.replace("_", " "), style="bold")
            title.append(" of ")
            title.append(self.record_label, style="bold")
            yield Label(title, classes="dialog-title")
            yield Static("Two people changed this field at the same time. Both values are "
                         "kept until you choose; your choice is sent at the next sync.",
                         classes="dialog-intro")
            with Horizontal(id="conflict-values"):
                for index, value in enumerate(self.values):
                    with Vertical(classes="conflict-value"):
                        yield Static(Text(_shown(value.value), style="bold"),
                                     classes="conflict-text")
                        yield Static(_who(value), classes="conflict-who")
                        yield Button("Keep this", id=f"keep-{index}", variant="primary")
            yield Static("", id="conflict-error", classes="form-error")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#keep-0", Button).focus()

    @on(Button.Pressed)
    def _keep(self, event: Button.Pressed) -> None:
        if not (event.button.id or "").startswith("keep-"):
            return
        index = int((event.button.id or "keep-0").removeprefix("keep-"))
        for button in self.query(Button):
            button.disabled = True
        self._resolve(self.values[index].value)

    @work(thread=True, exclusive=True, group="resolve", exit_on_error=False)
    def _resolve(self, value: Any) -> None:
        try:
            seq = self.resolve(value)
        except TerminalError as error:
            self.post_message(self.Failed(clerk_message(error)))
            return
        self.post_message(self.Resolved(seq))

    def on_conflict_dialog_resolved(self, message: Resolved) -> None:
        # Resolved under the lock screen, the dialog closes after the unlock (the
        # app's guard, .lock_guard).
        self.dismiss(message.seq)

    def on_conflict_dialog_failed(self, message: Failed) -> None:
        for button in self.query(Button):
            button.disabled = False
        self.query_one("#conflict-error", Static).update(Text(message.message))

    def on_worker_failed(self) -> None:
        for button in self.query(Button):
            button.disabled = False

    def action_cancel(self) -> None:
        self.dismiss(None)
