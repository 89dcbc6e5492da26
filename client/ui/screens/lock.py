"""The lock screen: no resident data, only who locked it and how to get back.

It covers the whole terminal (the screens below are not drawn) while the
session's key is dropped; unlocking re-derives it from the passphrase.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ..widgets.key_footer import KeyFooter
from .unlock import UNLOCK, UnlockForm, Unlocking

FINISHING_SAVE = "Finishing the save that was running; your passphrase can be typed now."


class LockScreen(Unlocking):
    """Locked: unlock as the same clerk, or let someone else sign in."""

    BINDINGS = [
        Binding("ctrl+o", "switch_user", "Switch user", id="lock.switch_user",
                tooltip="Sign in as someone else; the screens left open are closed"),
    ]

    def __init__(self, username: str, facility_name: str, *,
                 finishing_save: bool = False) -> None:
        super().__init__()
        self.username = username
        self.facility_name = facility_name
        self.finishing_save = finishing_save
        """A save was running at the lock: its key is dropped when it ends
        (:mod:`..locking`), and an unlock asked for meanwhile waits for that."""
        self._unlock_waiting: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="start-scroll"), Center(), Vertical(classes="start-box") as box:
            box.border_title = "Chartkeep is locked"
            intro = Text(f"{self.facility_name} — locked by {self.username}. "
                         "Enter the passphrase to go back to where you were.")
            yield Static(intro, classes="dialog-intro")
            yield Static(Text(FINISHING_SAVE, style="dim"), id="lock-finishing")
            yield UnlockForm(self.username, fixed_user=True, action=UNLOCK)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Switch user", id="switch-user",
                             tooltip="Sign in as someone else (ctrl+o)")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#lock-finishing").display = self.finishing_save

    def start_unlock(self, username: str, password: str) -> None:
        """The same clerk unlocks: at once, or once the save running at the lock
        has ended (the session it resumes must be locked first)."""
        if self.finishing_save:
            self._unlock_waiting = (username, password)
            self.withdraw_emergency()
            self.unlock_form().busy("Finishing the save first; unlocking when it is done…")
            return
        super().start_unlock(username, password)

    def key_dropped(self) -> None:
        """The save that was running at the lock ended (or the wait did): the key is
        gone, and an unlock asked for meanwhile goes on."""
        self.finishing_save = False
        for note in self.query("#lock-finishing"):  # none yet if it is still opening
            note.display = False
        waiting, self._unlock_waiting = self._unlock_waiting, None
        if waiting is not None:
            super().start_unlock(*waiting)

    @on(Button.Pressed, "#switch-user")
    def action_switch_user(self) -> None:
        """Another clerk signs in; a form left open under the lock would close, so
        its entries are not thrown away without asking."""
        self.chartkeep.unless_typed_is_kept(
            self.chartkeep.switch_user, "Letting another clerk sign in",
            "Discard the entries; switch user")
