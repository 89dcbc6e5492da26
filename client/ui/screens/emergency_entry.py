"""Emergency ("break the glass") access from the sign-in and lock screens.

Offered only after the engine refused a sign-in whose passphrase was right
because the offline window ran out (``OfflineExpired.emergency_offered``): the
button and ``ctrl+g`` appear (F1 lists the key then). The reason dialog, then
the engine opens the store for emergency access (the passphrase is derived
again: nothing from the refused attempt is kept but what the clerk typed), then
the resident picker finds the ONE resident by name or record number, as the
census filter does; choosing it records the access and opens the record,
read-only. Cancelling drops the key at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button

from protocol.rules.emergency_access import DURATION_MINUTES

from ..dialogs.emergency import EmergencyReasonDialog
from ..dialogs.resident_picker import ResidentPickerDialog
from ..engine import ResidentRow, Session, TerminalError, clerk_message
from ..messages import SessionOpened
from ..outliving import ClosesOnTop

if TYPE_CHECKING:
    from ..app import ChartkeepApp
    from .unlock import UnlockForm

OFFER_TEXT = (f" Emergency access (ctrl+g) opens one resident's record, read-only, for "
              f"{DURATION_MINUTES} minutes.")


class EmergencyEntry(ClosesOnTop, Screen[None]):
    """The emergency access part of the unlock and lock screens."""

    BINDINGS = [
        Binding("ctrl+g", "emergency", "Emergency access", id="unlock.emergency",
                tooltip="The offline sign-in ran out: open one resident's record, "
                        "read-only, time-boxed; recorded and reviewed"),
    ]

    _emergency_offer: tuple[str, str] | None = None

    class Offered(Message):
        """The passphrase was right; only the offline window ran out."""

        def __init__(self, username: str, password: str, message: str) -> None:
            super().__init__()
            self.username = username
            self.password = password
            self.message = message

    class EmergencyFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class EmergencyReady(Message):
        def __init__(self, session: Session) -> None:
            super().__init__()
            self.session = session

    def unlock_form(self) -> UnlockForm:
        raise NotImplementedError

    def check_action(self, action: str,
                     parameters: tuple[object, ...]) -> bool | None:  # noqa: ARG002  Textual's signature
        if action == "emergency":
            return self._emergency_offer is not None
        return True

    def withdraw_emergency(self) -> None:
        self._emergency_offer = None
        self.unlock_form().offer_emergency(offered=False)
        self.refresh_bindings()

    def on_emergency_entry_offered(self, message: Offered) -> None:
        self._emergency_offer = (message.username, message.password)
        form = self.unlock_form()
        form.show_error(message.message + OFFER_TEXT)
        form.offer_emergency(offered=True)
        self.refresh_bindings()

    @on(Button.Pressed, "#emergency")
    def action_emergency(self) -> None:
        if self._emergency_offer is not None:
            self.app.push_screen(EmergencyReasonDialog(self._emergency_offer[0]),
                                 self._reason_given)

    def _reason_given(self, reason: str | None) -> None:
        if reason is None or self._emergency_offer is None:
            return
        username, password = self._emergency_offer
        self.unlock_form().busy("Opening the store for emergency access…")
        self._open_emergency(username, password, reason)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def _open_emergency(self, username: str, password: str, reason: str) -> None:
        app = cast("ChartkeepApp", self.app)
        try:
            session = app.terminal.emergency_unlock(app.home, username, password, reason,
                                                    transport=app.transport,
                                                    clock=app.engine_clock)
        except TerminalError as error:
            self.post_message(self.EmergencyFailed(clerk_message(error)))
            return
        self.post_message(self.EmergencyReady(session))

    def on_emergency_entry_emergency_failed(self, message: EmergencyFailed) -> None:
        self.unlock_form().show_error(message.message)

    def on_emergency_entry_emergency_ready(self, message: EmergencyReady) -> None:
        session = message.session
        self.unlock_form().show_error("")
        intro = Text(f"Emergency access for {session.user.username}: type part of the "
                     "resident's name or record number, then choose the ONE resident.")
        self.app.push_screen(
            ResidentPickerDialog(session, "Emergency access — find the resident",
                                 intro=intro, placeholder="Name or record number"),
            lambda row: self._resident_chosen(session, row))

    def _resident_chosen(self, session: Session, row: ResidentRow | None) -> None:
        if row is None:
            self._drop(session)
            self.unlock_form().show_error("Emergency access cancelled; nothing was opened.")
            return
        self.unlock_form().busy("Opening the record…")
        self._open_resident(session, row.id)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def _open_resident(self, session: Session, resident_id: str) -> None:
        try:
            session.open_emergency_resident(resident_id)
        except TerminalError as error:
            session.lock()
            self.post_message(self.EmergencyFailed(clerk_message(error)))
            return
        self.app.post_message(SessionOpened(session))

    @work(thread=True, group="lock", exit_on_error=False)
    def _drop(self, session: Session) -> None:
        session.lock()

    def on_unmount(self) -> None:
        self._emergency_offer = None  # what the clerk typed goes with the screen

