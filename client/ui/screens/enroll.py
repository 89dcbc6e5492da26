"""First run on a new terminal: enroll it with the server and create the first user.

The regional manager hands over a one-time enrollment code; the terminal proves
its new key to the server at the URL given, pins the server's key, and wraps the
store's key in the first user's key slot. Passphrase guidance follows NIST SP
800-63B-4: at least 15 characters, any characters (spaces and emoji welcome), no
composition rules. The engine makes the final check and names the field it
refuses; the form stays as typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from ..engine import InputError, TerminalError, clerk_message
from ..messages import SessionOpened
from ..widgets.field_input import FieldInput
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp

if TYPE_CHECKING:
    from ..app import ChartkeepApp

MIN_PASSPHRASE = 15
MAX_PASSPHRASE = 256

PASSPHRASE_GUIDANCE = (
    "At least 15 characters. Any characters count — spaces, punctuation, emoji. "  # noqa: S105  advice, not a passphrase
    "A few unrelated words make a good passphrase; avoid the facility's name and "
    "your user name."
)

FIELDS = (
    ("server_url", "Server address", "https://chartkeep.example.org", False),
    ("code", "Enrollment code", "from your regional manager", False),
    ("terminal_name", "Name of this terminal", "e.g. Nurses' station 2", False),
    ("username", "Your user name", "as the server knows you", False),
    ("password", "New passphrase", "at least 15 characters", True),
    ("confirm", "Passphrase again", "the same passphrase", True),
)


def check(name: str, value: str, values: dict[str, str]) -> str:
    """What is wrong with ``value`` in field ``name`` ("" when nothing is)."""
    text = value.strip()
    if name == "server_url":
        if not text.startswith(("https://", "http://")):
            return "Server address must start with https:// (http:// only on this machine)."
    elif name == "password":
        if len(value) < MIN_PASSPHRASE:
            missing = MIN_PASSPHRASE - len(value)
            return f"Passphrase: {missing} more character{'s' if missing != 1 else ''} needed."
        if len(value) > MAX_PASSPHRASE:
            return f"Passphrase: at most {MAX_PASSPHRASE} characters."
    elif name == "confirm":
        if value != values.get("password", ""):
            return "The two passphrases differ."
    elif not text:
        return "Required."
    return ""


class EnrollScreen(WorkerErrorsToApp, Screen[None]):
    """Enroll this terminal and create the first local user."""

    app: ChartkeepApp

    class Failed(Message):
        def __init__(self, error: TerminalError) -> None:
            super().__init__()
            self.error = error

    def compose(self) -> ComposeResult:
        with Center(), VerticalScroll(classes="start-box enroll-box"):
            yield Label("Set up this terminal", classes="start-title")
            yield Static("This terminal is not enrolled yet. Enter the server address and "
                         "the one-time code from your regional manager, then choose the "
                         "passphrase you will sign in with.", classes="dialog-intro")
            for name, label, placeholder, secret in FIELDS:
                yield Label(label, classes="field-label")
                # Enter goes on to the next field at once (typed ahead, the next
                # field's keys land there); in the last it enrolls.
                yield FieldInput(id=f"enroll-{name}", placeholder=placeholder,
                                 password=secret, select_on_focus=False,
                                 advance_on_enter=name != FIELDS[-1][0])
                if name == "password":
                    yield Static(PASSPHRASE_GUIDANCE, classes="field-hint")
                yield Static("", id=f"error-{name}", classes="field-error")
            with Vertical():
                yield ProgressBar(total=None, show_eta=False, show_percentage=False,
                                  id="enroll-progress")
                yield Static("", id="enroll-status", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Enroll", id="enroll", variant="primary",
                             tooltip="Enroll the terminal and create your user")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#enroll-progress").display = False
        self.query_one("#enroll-server_url", Input).focus()

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#enroll-{name}", Input).value for name, *_ in FIELDS}

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("enroll-")
        if event.value:
            self._show(name, check(name, event.value, self.values()))

    def _show(self, name: str, message: str) -> None:
        self.query_one(f"#error-{name}", Static).update(Text(message))

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        if event.input.id == "enroll-confirm":
            self.enroll()
        else:
            self.focus_next()

    @on(Button.Pressed, "#enroll")
    def enroll(self) -> None:
        values = self.values()
        first_bad = None
        for name, *_ in FIELDS:
            message = check(name, values[name], values)
            self._show(name, message)
            if message and first_bad is None:
                first_bad = name
        if first_bad:
            self.query_one(f"#enroll-{first_bad}", Input).focus()
            return
        self.query_one("#enroll-progress").display = True
        self.query_one("#enroll", Button).disabled = True
        self.query_one("#enroll-status", Static).update("Enrolling with the server…")
        self._enroll(values)

    @work(thread=True, exclusive=True, group="enroll", exit_on_error=False)
    def _enroll(self, values: dict[str, str]) -> None:
        app = self.app
        try:
            session = app.terminal.enroll(
                app.home, values["server_url"].strip(), values["code"].strip(),
                values["terminal_name"].strip(), values["username"].strip(),
                values["password"], transport=app.transport, clock=app.engine_clock)
        except TerminalError as error:
            self.post_message(self.Failed(error))
            return
        app.post_message(SessionOpened(session, sync_first=True))

    def on_enroll_screen_failed(self, message: Failed) -> None:
        self._idle()
        error = message.error
        field = getattr(error, "field", None) if isinstance(error, InputError) else None
        names = [name for name, *_ in FIELDS]
        if field in names:
            self._show(field, clerk_message(error))
            self.query_one(f"#enroll-{field}", Input).focus()
        else:
            self.query_one("#enroll-status", Static).update(Text(clerk_message(error)))

    def on_worker_failed(self) -> None:
        self._idle()

    def _idle(self) -> None:
        self.query_one("#enroll-progress").display = False
        self.query_one("#enroll", Button).disabled = False
        self.query_one("#enroll-status", Static).update("")
