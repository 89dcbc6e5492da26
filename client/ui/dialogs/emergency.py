"""Emergency ("break the glass") access: the reason, asked before the store opens.

Offered on the sign-in screen only when the passphrase was right and the
terminal's offline window has run out (:mod:`protocol.rules.emergency_access`).
The dialog says what it allows (one resident, read-only, for the time box) and
that the access is recorded and reviewed; the reason is checked by the rule
here, so a short one is refused before the slow key derivation runs again.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from protocol.errors import ValidationError
from protocol.rules import emergency_access as rule

from ..outliving import ClosesOnTop
from ..widgets.key_footer import KeyFooter

INTRO = (f"This terminal could not reach the server for too long to sign you in. In an "
         f"emergency you may open ONE resident's record, read-only, for "
         f"{rule.DURATION_MINUTES} minutes. The access is recorded at once, sent to the "
         f"server at the next sync and reviewed by your regional manager.")


class EmergencyReasonDialog(ClosesOnTop, ModalScreen[str | None]):
    """Returns the reason (as the rule records it), or ``None`` on cancel."""

    AUTO_FOCUS = "#emergency-reason"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="emergency.cancel",
                tooltip="Back to the sign-in without emergency access"),
    ]

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog emergency-dialog"):
            yield Label(Text(f"Emergency access — {self.username}"), classes="dialog-title")
            yield Static(Text(INTRO), classes="dialog-intro")
            yield Label("Why do you need the record now?", classes="field-label")
            yield Input(id="emergency-reason", max_length=rule.REASON_MAX,
                        placeholder=f"the reason ({rule.REASON_MIN}–{rule.REASON_MAX} "
                                    "characters)")
            yield Static("", id="emergency-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="emergency-cancel")
                yield Button("Find the resident", id="emergency-go", variant="error",
                             tooltip="Open the store read-only and find the one resident")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    @on(Input.Submitted, "#emergency-reason")
    @on(Button.Pressed, "#emergency-go")
    def _submit(self) -> None:
        try:
            reason = rule.clean_reason(self.query_one("#emergency-reason", Input).value)
        except ValidationError as exc:
            self.query_one("#emergency-error", Static).update(Text(f"The reason {exc.reason}."))
            self.query_one("#emergency-reason", Input).focus()
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#emergency-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
