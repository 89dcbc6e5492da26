"""Users of this terminal: who can sign in here, adding one, changing one's passphrase.

The list comes from the terminal's key slots (``terminal.list_users``: user
name, role, disabled; no secrets). Adding a user is a records manager's job
(the engine refuses others); anyone changes their own passphrase.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from ..dialogs import user_forms
from ..display import plain
from ..engine import SlotInfo, TerminalAction
from ..permissions import permitted_or_told
from ..widgets.fitted_columns import fit_columns
from .base import PaletteCommand, WorkScreen

ROLES = {"records_manager": "Records manager", "clerk": "Clerk"}


USER_COLUMNS = (("User name", 24), ("Role", 18), ("Sign-in", None))
"""The sign-in state takes what the window leaves and wraps (the longest says
how a disabled user is reset), so the list never scrolls sideways at 80 columns."""


class UsersScreen(WorkScreen):
    """Who may sign in at this terminal, and their passphrases."""

    AUTO_FOCUS = "#users"

    BINDINGS = [
        Binding("a", "add_user", "Add user", id="users.add",
                tooltip="Let a user of the facility sign in here, or reset a disabled "
                        "sign-in (records managers)"),
        Binding("p", "change_password", "My passphrase", id="users.change_password",
                tooltip="Change your own passphrase at this terminal"),
        Binding("ctrl+r", "reload", "Refresh", id="users.refresh",
                tooltip="Read the list of users again"),
    ]

    class Loaded(Message):
        def __init__(self, users: list[SlotInfo]) -> None:
            super().__init__()
            self.users = users

    def compose_body(self) -> ComposeResult:
        with Vertical(id="users-body"):
            yield Static("", id="users-title", classes="record-title")
            yield Static("", id="users-role-note", classes="role-note")
            yield Label("Users who can sign in at this terminal", classes="section-label")
            yield DataTable(id="users", cursor_type="row", zebra_stripes=True)
            yield Static("", id="users-empty", classes="empty-state")
            yield Static(Text(user_forms.GUIDANCE), id="users-guidance", classes="role-note")

    def on_mount(self) -> None:
        self._fit()
        session = self.session
        self.query_one("#users-title", Static).update(Text(
            f"{session.facility_name} · you are {session.user.username}"))
        note = self.query_one("#users-role-note", Static)
        note.display = not session.permits(TerminalAction.ADD_USER)
        note.update(Text("Signed in as a clerk: you can change your own passphrase (p); "
                         "adding users needs a records manager."))
        self.query_one("#users-empty").display = False
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._fetch()

    @work(thread=True, exclusive=True, group="users", exit_on_error=False)
    def _fetch(self) -> None:
        app = self.chartkeep
        self.post_message(self.Loaded(app.terminal.list_users(app.home)))

    _users: list[SlotInfo] | None = None
    _fitted = -1

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted and self._users is not None:
            self._show(self._users)

    def _fit(self) -> None:
        """Columns that fit the window (the sign-in state takes what is left and
        wraps), so the list never scrolls sideways at 80 columns."""
        if self.size.width != self._fitted:
            self._fitted = self.size.width
            fit_columns(self.query_one("#users", DataTable), USER_COLUMNS, self._fitted)

    def on_users_screen_loaded(self, message: Loaded) -> None:
        self._show(message.users)

    def _show(self, users: list[SlotInfo]) -> None:
        self._users = users
        table = self.query_one("#users", DataTable)
        table.clear()
        self._fit()
        for user in users:
            state = (Text("Disabled after failed sign-ins: a records manager resets it (a)",
                          style="bold red") if user.disabled else Text("Active", style="green"))
            table.add_row(plain(user.username), plain(ROLES.get(user.role, user.role)), state,
                          key=user.username, height=None)
        empty = self.query_one("#users-empty", Static)
        empty.display = not users
        empty.update(Text("Nobody can sign in here yet: enroll the terminal first."))

    def action_add_user(self) -> None:
        session = self.session
        if not permitted_or_told(self.app, session, "add users to this terminal",
                                 TerminalAction.ADD_USER):
            return
        self.app.push_screen(user_forms.add_user(session.facility_name, session.users.add),
                             self._after("User added: they can sign in at this terminal now"))

    def action_change_password(self) -> None:
        session = self.session
        self.app.push_screen(user_forms.change_password(
            session.user.username, session.facility_name, session.users.change_password),
            self._after("Passphrase changed: use the new one from now on"))

    def _after(self, done: str) -> Callable[[bool | None], None]:
        def after(result: bool | None) -> None:  # noqa: FBT001  push_screen passes the answer
            if result:
                self.app.notify(done, title="Saved")
                self.reload()

        return after

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Add a user to this terminal", "Or reset a disabled sign-in (records managers)",
             self.action_add_user),
            ("Change my passphrase", "At this terminal", self.action_change_password),
        ]
