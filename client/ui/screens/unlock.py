"""Sign in at the terminal: pick or type a user, enter the passphrase.

Unlocking derives the key slot's key with Argon2id (deliberately slow, about a
second), so it runs in a thread worker while a progress bar moves; the engine
gives one message for unknown users and wrong passphrases, and this screen
shows it as is. The passphrase field is cleared after a failure; the user name
is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from ..engine import OfflineExpired, SlotInfo, StoreUnreadable, TerminalError, clerk_message
from ..messages import SessionOpened
from ..widgets.demo_hint import DemoHint
from ..widgets.field_input import FieldInput
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp
from .emergency_entry import EmergencyEntry

if TYPE_CHECKING:
    from ..app import ChartkeepApp

ROLE_NAMES = {"clerk": "Clerk", "records_manager": "Records manager"}

SIGN_IN = "Sign in"
UNLOCK = "Unlock"
ACTION_TOOLTIPS = {
    SIGN_IN: "Sign in with your user name and passphrase (enter)",
    UNLOCK: "Go back to where you were with your passphrase (enter)",
}


class UnlockForm(Vertical):
    """User, passphrase, progress and message: shared by the unlock and lock screens."""

    class Submitted(Message):
        def __init__(self, username: str, password: str) -> None:
            super().__init__()
            self.username = username
            self.password = password

    def __init__(self, username: str = "", *, fixed_user: bool = False,
                 action: str = SIGN_IN,
                 id: str | None = None) -> None:  # noqa: A002  Textual's name
        super().__init__(id=id, classes="unlock-form")
        self.username = username
        self.fixed_user = fixed_user
        self.action = action
        """The button's word: "Sign in" at the sign-in screen, "Unlock" at the lock."""

    def compose(self) -> ComposeResult:
        # Each field's name beside it, not above: two rows fewer, so the sign-in
        # box fits 80×24 with a message and the demo's hint under it.
        with Horizontal(classes="unlock-field"):
            yield Label("User name", classes="field-label")
            # Enter in the user name goes on to the passphrase at once: a name and
            # passphrase typed ahead land each in its own field.
            yield FieldInput(self.username, id="username", placeholder="your user name",
                             disabled=self.fixed_user, advance_on_enter=True)
        with Horizontal(classes="unlock-field"):
            yield Label("Passphrase", classes="field-label")
            yield FieldInput(id="password", password=True, placeholder="your passphrase")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="unlock-progress")
        yield Static("", id="unlock-status", classes="field-error")
        with Horizontal(classes="dialog-buttons"):
            yield Button("Emergency access", id="emergency", variant="error",
                         tooltip="One resident, read-only, time-boxed, audited (ctrl+g)")
            yield Button(self.action, id="unlock", variant="primary",
                         tooltip=ACTION_TOOLTIPS.get(self.action, ""))

    def on_mount(self) -> None:
        self.query_one("#unlock-progress").display = False
        self.query_one("#unlock-status").display = False  # no room taken until it speaks
        self.offer_emergency(offered=False)
        self.query_one("#password" if self.username else "#username", Input).focus()

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#unlock")
    def submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.show_error("Type your user name or choose it from the list.")
            self.query_one("#username", Input).focus()
            return
        if not password:
            self.show_error("Type your passphrase.")
            self.query_one("#password", Input).focus()
            return
        self.post_message(self.Submitted(username, password))

    def set_username(self, username: str) -> None:
        self.query_one("#username", Input).value = username
        self.query_one("#password", Input).focus()

    def offer_emergency(self, *, offered: bool) -> None:
        self.query_one("#emergency", Button).display = offered

    def busy(self, step: str) -> None:
        self.query_one("#unlock-progress").display = True
        self.query_one("#unlock", Button).disabled = True
        self.query_one("#password", Input).disabled = True
        self._say(Text(step, style="dim"))

    def show_error(self, message: str) -> None:
        self.query_one("#unlock-progress").display = False
        self.query_one("#unlock", Button).disabled = False
        password = self.query_one("#password", Input)
        password.disabled = False
        password.value = ""
        password.focus()
        self._say(Text(message))

    def _say(self, text: Text) -> None:
        status = self.query_one("#unlock-status", Static)
        status.update(text)
        status.display = bool(text.plain)


class Unlocking(WorkerErrorsToApp, EmergencyEntry):
    """The unlock and lock screens' shared part: unlock a key slot in a thread
    worker, report the outcome; after an offline-window refusal of the right
    passphrase, offer emergency access (:class:`EmergencyEntry`)."""

    @property
    def chartkeep(self) -> ChartkeepApp:
        return cast("ChartkeepApp", self.app)

    class Progress(Message):
        def __init__(self, step: str) -> None:
            super().__init__()
            self.step = step

    class Failed(Message):
        def __init__(self, message: str, *, damaged: bool = False) -> None:
            super().__init__()
            self.message = message
            self.damaged = damaged
            """The store or its files cannot be read (not a wrong passphrase)."""

    def on_unlock_form_submitted(self, event: UnlockForm.Submitted) -> None:
        self.start_unlock(event.username, event.password)

    def start_unlock(self, username: str, password: str) -> None:
        self.withdraw_emergency()
        self.query_one(UnlockForm).busy("Checking the passphrase…")
        self.unlock(username, password)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def unlock(self, username: str, password: str) -> None:
        app = self.chartkeep

        def progressed(step: str) -> None:
            self.post_message(Unlocking.Progress(step))

        try:
            session = app.terminal.unlock(
                app.home, username, password, transport=app.transport,
                clock=app.engine_clock, on_progress=progressed)
        except OfflineExpired as error:
            if error.emergency_offered:
                self.post_message(EmergencyEntry.Offered(username, password,
                                                         clerk_message(error)))
            else:
                self.post_message(Unlocking.Failed(clerk_message(error)))
            return
        except TerminalError as error:
            self.post_message(Unlocking.Failed(clerk_message(error),
                                               damaged=isinstance(error, StoreUnreadable)))
            return
        app.post_message(SessionOpened(session))

    def on_unlocking_progress(self, message: Progress) -> None:
        self.query_one(UnlockForm).busy(message.step)

    def on_unlocking_failed(self, message: Failed) -> None:
        self.query_one(UnlockForm).show_error(message.message)

    def on_worker_failed(self) -> None:
        self.query_one(UnlockForm).show_error("The terminal could not be unlocked.")

    def unlock_form(self) -> UnlockForm:
        return self.query_one(UnlockForm)


class UnlockScreen(Unlocking):
    """Who is at the terminal: choose a user, then the passphrase."""

    BINDINGS = [
        Binding("ctrl+r", "reload_users", "Reload users", id="unlock.reload",
                tooltip="Read the list of users at this terminal again"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="start-scroll"), Center(), Vertical(classes="start-box") as box:
            # The title in the box's border: one row more for the message and the hint.
            box.border_title = "Chartkeep — sign in to open this terminal's records"
            yield Label("Users at this terminal", classes="field-label")
            yield OptionList(id="users")
            yield UnlockForm()
            if self.chartkeep.demo_hint:
                yield DemoHint(self.chartkeep.demo_hint)
            with Horizontal(classes="dialog-buttons", id="damaged-actions"):
                yield Button("Set aside and enroll again", id="set-aside", variant="warning",
                             tooltip="Keep the damaged files aside, still encrypted, and "
                                     "enroll this terminal again to fetch its records")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#damaged-actions").display = False
        self.action_reload_users()

    def on_unlocking_failed(self, message: Unlocking.Failed) -> None:
        super().on_unlocking_failed(message)
        if message.damaged:
            self._offer_set_aside()

    def _offer_set_aside(self) -> None:
        """A store that cannot be read: offer to start over from the server."""
        self.query_one("#damaged-actions").display = True

    @on(Button.Pressed, "#set-aside")
    def _ask_set_aside(self) -> None:
        from ..dialogs.message import ConfirmDialog

        question = ("This terminal's store cannot be opened. Its files will be kept, still "
                    "encrypted, in a folder under the terminal's directory, and the terminal "
                    "enrolled again with a new code from your regional manager: its first "
                    "sync brings back every record the server holds. Changes made here and "
                    "never sent cannot be read from the damaged store.")
        def answered(answer: bool | None) -> None:  # noqa: FBT001  the dialog's result
            if answer:
                self._set_aside()

        self.app.push_screen(ConfirmDialog("Set the damaged store aside?", question,
                                           yes="Set aside"), answered)

    @work(thread=True, exclusive=True, group="set-aside", exit_on_error=False)
    def _set_aside(self) -> None:
        app = self.chartkeep
        folder = app.terminal.set_aside(app.home, app.clock.ms())
        self.app.call_from_thread(self._enroll_again, folder.name)

    def _enroll_again(self, folder: str) -> None:
        from .enroll import EnrollScreen

        self.app.notify(f"The damaged files are kept in {folder}. Enroll this terminal "
                        "with a new code.", timeout=15)
        self.app.switch_screen(EnrollScreen())

    def action_reload_users(self) -> None:
        self._load_users()

    @work(thread=True, exclusive=True, group="users", exit_on_error=False)
    def _load_users(self) -> None:
        try:
            users = self.chartkeep.terminal.list_users(self.chartkeep.home)
        except StoreUnreadable as error:
            self.app.call_from_thread(self._damaged, clerk_message(error))
            return
        self.app.call_from_thread(self._show_users, users)

    def _damaged(self, message: str) -> None:
        self.query_one(UnlockForm).show_error(message)
        self._offer_set_aside()

    def _show_users(self, users: list[SlotInfo]) -> None:
        options = self.query_one("#users", OptionList)
        options.clear_options()
        for user in users:
            label = Text(user.username)
            label.append(f"  {ROLE_NAMES.get(user.role, user.role)}", style="dim")
            if user.disabled:
                label.append("  locked out — ask a records manager", style="red")
            options.add_option(Option(label, id=user.username, disabled=user.disabled))
        if not users:
            options.add_option(Option(Text("No users at this terminal yet", style="dim"),
                                      disabled=True))
            return
        options.highlighted = 0
        usable = [user for user in users if not user.disabled]
        form = self.query_one(UnlockForm)
        if len(usable) == 1 and not form.query_one("#username", Input).value:
            form.set_username(usable[0].username)

    @on(OptionList.OptionSelected, "#users")
    def _choose(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.query_one(UnlockForm).set_username(event.option.id)
