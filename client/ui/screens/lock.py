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
from textual.widgets import Button, Label, Static

from ..widgets.key_footer import KeyFooter
from .unlock import UnlockForm, Unlocking


class LockScreen(Unlocking):
    """Locked: unlock as the same clerk, or let someone else sign in."""

    BINDINGS = [
        Binding("ctrl+o", "switch_user", "Switch user", id="lock.switch_user",
                tooltip="Sign in as someone else; the screens left open are closed"),
    ]

    def __init__(self, username: str, facility_name: str) -> None:
        super().__init__()
        self.username = username
        self.facility_name = facility_name

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="start-scroll"), Center(), Vertical(classes="start-box"):
            yield Label("Chartkeep is locked", classes="start-title")
            intro = Text(f"{self.facility_name} — locked by {self.username}. "
                         "Enter the passphrase to go back to where you were.")
            yield Static(intro, classes="dialog-intro")
            yield UnlockForm(self.username, fixed_user=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Switch user", id="switch-user",
                             tooltip="Sign in as someone else (ctrl+o)")
        yield KeyFooter()

    @on(Button.Pressed, "#switch-user")
    def action_switch_user(self) -> None:
        """Another clerk signs in; a form left open under the lock would close, so
        its entries are not thrown away without asking."""
        self.chartkeep.unless_typed_is_kept(
            self.chartkeep.switch_user, "Letting another clerk sign in",
            "Discard the entries; switch user")
