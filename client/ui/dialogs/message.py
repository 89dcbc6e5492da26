"""Dialogs that tell the clerk something or ask for a yes or no."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ..outliving import OutlivesClosing
from ..widgets.key_footer import KeyFooter


class MessageDialog(OutlivesClosing, ModalScreen[None]):
    """A message the clerk must acknowledge (an error, a notice)."""

    BINDINGS = [
        Binding("escape,enter", "close", "Close", id="message.close",
                tooltip="Close this message"),
    ]

    def __init__(self, title: str, message: str | Text, *, next_step: str = "",
                 severity: str = "error") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.next_step = next_step
        self.severity = severity

    def compose(self) -> ComposeResult:
        with Vertical(classes=f"dialog message-{self.severity}"):
            yield Label(Text(self.title_text), classes="dialog-title")
            body = self.message if isinstance(self.message, Text) else Text(self.message)
            yield Static(body, id="message-body")
            if self.next_step:
                yield Static(Text(self.next_step), id="message-next", classes="dialog-intro")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="message-ok", variant="primary")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#message-ok").focus()

    @on(Button.Pressed, "#message-ok")
    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmDialog(OutlivesClosing, ModalScreen[bool]):
    """Ask before an action that cannot be taken back (entered-in-error, discharge)."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", id="confirm.no", tooltip="Do not do it"),
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Go ahead"),
    ]

    def __init__(self, title: str, question: str | Text, *, yes: str = "Yes") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            body = self.question if isinstance(self.question, Text) else Text(self.question)
            yield Static(body)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, id="confirm-yes", variant="warning")
                yield Button("No", id="confirm-no", variant="primary")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#confirm-no").focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:  # noqa: FBT001  a binding's action(True)
        self.dismiss(answer)
