"""The Chartkeep terminal app: start, unlock, lock, and the sections of the work.

The app owns the session (the unlocked store) and everything that outlives one
screen: the idle lock, the sync status every screen shows, background sync and
the central handler for worker failures. Screens ask the app for the session and
call the engine from thread workers; the event loop never waits on the store or
the network.

Screen stack: Textual's blank default screen, then the section the clerk is in
(census, beds, staff, sync), then whatever was opened from it (a resident, a
dialog). Locking pushes the lock screen on top so nothing below is drawn, and
drops the key (once a save in flight has ended); unlocking as the same clerk
pops it again, so a half-typed note survives an idle lock. Nothing else takes the
lock screen off or shows above it (:mod:`.lock_guard`). Switching user clears
the stack.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from protocol.ops import OpType
from protocol.records import RecordKind

from .commands import NavigationCommands, ResidentSearchCommands, ScreenCommands
from .engine import (
    Clock,
    Session,
    SystemClock,
    TerminalAPI,
    Transport,
    UserInfo,
)
from .errors import SessionLockedError
from .locking import LockingApp
from .messages import DataChanged, SessionOpened
from .permissions import EMERGENCY_REFUSED
from .settings import UISettings

if TYPE_CHECKING:

    from .screens.lock import LockScreen

log = logging.getLogger(__name__)


class ChartkeepApp(LockingApp):
    """The clerk's terminal: one encrypted store, one clerk at a time."""

    TITLE = "Chartkeep"
    CSS_PATH = "chartkeep.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {NavigationCommands, ScreenCommands,
                                         ResidentSearchCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", id="app.help",
                tooltip="Show every key of the current screen"),
        Binding("f2", "section('census')", "Census", id="app.census",
                tooltip="Residents in house, on leave and in hospital"),
        Binding("f3", "section('beds')", "Beds", id="app.beds",
                tooltip="The bed board and the last 30 days of movements"),
        Binding("f4", "section('staff')", "Staff", id="app.staff",
                tooltip="Roster, licenses and worked hours"),
        Binding("f5", "section('sync')", "Sync", id="app.sync",
                tooltip="Pending, rejected and conflicting changes"),
        Binding("f6", "section('users')", "Users", id="app.users",
                tooltip="Who can sign in here; add a user; change your passphrase"),
        Binding("f7", "duplicates", "Duplicates", id="app.duplicates", show=False,
                tooltip="Possible duplicate records to merge or dismiss (records managers)"),
        Binding("f8", "section('compliance')", "Compliance", id="app.compliance",
                tooltip="Staffing, licenses, MDS and PBJ: today's status, due lists, exports"),
        Binding("f9", "section('records')", "Records", id="app.records", show=False,
                tooltip="The records department: due list, requests, amendments, reviews, "
                        "retention, extracts"),
        Binding("f10", "section('department')", "Department", id="app.department", show=False,
                tooltip="Regulation bulletins to acknowledge; expenditure requests"),
        Binding("ctrl+s", "sync_now", "Sync now", id="app.sync_now",
                tooltip="Send pending changes and fetch others' now"),
        # A priority key: a form or question is a modal screen, where Textual
        # stops the app's ordinary keys, and a clerk called away mid-entry locks.
        Binding("ctrl+l", "lock", "Lock", id="app.lock", priority=True,
                tooltip="Lock the terminal now; unlocking needs your passphrase"),
        Binding("ctrl+o", "switch_user", "Switch user", id="app.switch_user",
                tooltip="Lock and let another clerk sign in"),
    ]

    def __init__(self, home: Path, *, clock: Clock | None = None,
                 transport: Transport | None = None,
                 terminal: TerminalAPI | None = None, settings: UISettings | None = None,
                 idle_lock_seconds: float | None = None,
                 auto_sync_seconds: float | None = None,
                 status_poll_seconds: float | None = None, demo_hint: str = "") -> None:
        super().__init__()
        self.demo_hint = demo_hint
        """The demo's login and portal address for the sign-in screen (scripts/demo
        only; empty in a deployment: :mod:`.widgets.demo_hint`)."""
        self.settings = (settings or UISettings.from_env()).with_overrides(
            idle_lock_seconds=idle_lock_seconds, auto_sync_seconds=auto_sync_seconds,
            status_poll_seconds=status_poll_seconds)
        self.home = Path(home)
        self.engine_clock = clock
        """Given to the engine as is (``None``: the engine's own clock)."""
        self.clock: Clock = clock or SystemClock()
        self.transport = transport
        self._terminal = terminal
        self._session: Session | None = None
        self.locked_username: str | None = None
        self.locked_session: Session | None = None
        self.last_activity_ms = self.clock.ms()
        self._wanted_section: object = _ARRIVED
        self._navigating = False
        self._help_wanted = False

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, less "Screenshot": it would write resident data to an
        unencrypted file in the Downloads folder, and exports happen only on purpose;
        less "Keys": Textual's own key panel, a second help beside F1's that took
        half an 80-column screen, listed Textual's names for the keys, and stayed
        (esc did not close it; it was the only help the palette offered at the lock
        screen). Quit says that it asks first, as ctrl+q does."""
        for command in super().get_system_commands(screen):
            if command.title == "Quit":
                yield command._replace(help="Quit Chartkeep (asks first when changes wait "
                                            "to be sent or a form has entries)")
            elif command.title not in {"Screenshot", "Keys"}:
                yield command

    # --- the engine ---------------------------------------------------------

    @property
    def terminal(self) -> TerminalAPI:
        if self._terminal is None:
            from .engine import default_terminal

            self._terminal = default_terminal()
        return self._terminal

    @property
    def session(self) -> Session:
        """The unlocked session; :class:`SessionLockedError` while locked."""
        if self._session is None:
            raise SessionLockedError
        return self._session

    @property
    def signed_in_user(self) -> UserInfo | None:
        """Who is signed in; ``None`` while locked (no session needed to ask)."""
        return self._session.user if self._session is not None else None

    @property
    def unlocked(self) -> bool:
        return self._session is not None

    def today(self) -> date:
        return self.clock.today()

    def now(self) -> datetime:
        return self.clock.now()

    # --- start ----------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(1.0, self.check_idle_lock, name="idle-lock")
        if self.settings.status_poll_seconds > 0:
            self.set_interval(self.settings.status_poll_seconds, self.refresh_sync_status,
                              name="sync-status")
        if self.settings.auto_sync_seconds > 0:
            self.set_interval(self.settings.auto_sync_seconds, self._background_sync,
                              name="auto-sync")
        self._check_enrolled()

    @work(thread=True, exclusive=True, group="start", exit_on_error=False)
    def _check_enrolled(self) -> None:
        enrolled = self.terminal.is_enrolled(self.home)
        self.call_from_thread(self._show_start, enrolled=enrolled)

    def _show_start(self, *, enrolled: bool) -> None:
        from .screens.enroll import EnrollScreen
        from .screens.unlock import UnlockScreen

        self.push_screen(UnlockScreen() if enrolled else EnrollScreen())

    def on_session_opened(self, message: SessionOpened) -> None:
        self.open_session(message.session)
        if message.sync_first:
            self.sync_now(background=False)

    def open_session(self, session: Session) -> None:
        """The clerk is in: resume under the lock screen, or start at the census."""
        resuming = (self.locked_username is not None and session.emergency is None
                    and session.user.username == self.locked_username
                    and any(isinstance(s, _lock_screen_type()) for s in self.screen_stack))
        previous, self.locked_session = self.locked_session, None
        if resuming and previous is not None and previous.locked \
                and previous.user.id == session.user.id:
            # Forms left open under the lock hold the old session's methods.
            previous.take_over(session)
            session = previous
        self._session = session
        self.locked_username = None
        self.touch()
        self.sub_title = f"{session.facility_name} · {session.user.username}"
        if resuming:
            self.lift_lock()
            self.reload_screens()
        else:
            self.forget_lock()  # emergency access from the lock screen: a fresh stack
            self.navigate("census")
        self.refresh_sync_status()

    def on_unmount(self) -> None:
        """Leaving the app drops the key, as locking does (and the key a lock kept
        for a save still running)."""
        session, self._session = self._session, None
        for open_session in (session, self.drop_kept_key()):
            if open_session is not None:
                open_session.lock()

    # --- navigation -------------------------------------------------------------

    def _modal_open(self) -> bool:
        return isinstance(self.screen, ModalScreen)

    def check_action(self, action: str,
                     parameters: tuple[object, ...]) -> bool | None:  # noqa: ARG002  Textual's signature
        if self.in_emergency() and (action in EMERGENCY_REFUSED or (
                action == "pop_screen" and not self._modal_open())):
            return False  # one resident's record, read-only: nowhere else to go
        if action in {"section", "duplicates", "sync_now", "lock", "switch_user"}:
            if not self.unlocked:
                return False
            # A form is open: leaving it would throw away what the clerk typed.
            if action in {"section", "duplicates", "switch_user"} and self._modal_open():
                return False
        return True

    def in_emergency(self) -> bool:
        """Emergency ("break the glass") access: one resident, read-only."""
        return self._session is not None and self._session.emergency is not None

    def _screen_for(self, section: str | None) -> Screen[Any]:
        """Under emergency access every section is the one resident's record."""
        session = self._session
        if section is not None and session is not None and session.emergency is not None \
                and session.emergency.resident_id is not None:
            from .screens.resident import ResidentScreen

            return ResidentScreen(session.emergency.resident_id)
        return _screen_for(section)

    def action_section(self, section: str) -> None:
        self.navigate(section)

    def action_duplicates(self) -> None:
        """Possible duplicates are a records manager's work; a clerk is told so."""
        from .permissions import permitted_or_told

        if permitted_or_told(self, self.session, "review possible duplicates", OpType.MERGE,
                             RecordKind.RESIDENT):
            self.action_section("duplicates")

    def navigate(self, section: str | None) -> None:
        """Show ``section`` (``None``: the sign-in screen) on a fresh stack.

        Keys arrive in bursts (type-ahead, F4 F1 typed at once). Screens are
        popped and pushed by one navigator at a time, never cancelled halfway: a
        request while it runs only changes where it ends, and help asked for
        meanwhile opens on the screen it ends on.
        """
        self._wanted_section = section
        if not self._navigating:
            self._navigating = True
            self._navigate()

    @work(group="navigate", exit_on_error=False)
    async def _navigate(self) -> None:
        try:
            # Nothing is drawn until the new screen is on: each pop reveals the
            # screen under it, which would be drawn for a frame (after a switch
            # user, the record the clerk who locked had open).
            with self.batch_update():
                while self._wanted_section is not _ARRIVED:
                    wanted, self._wanted_section = self._wanted_section, _ARRIVED
                    screen = self._screen_for(wanted if isinstance(wanted, str) else None)
                    # The lock may go on between two pops: the lock screen stays (only
                    # the unlock takes it off) and the section's screen waits under it.
                    while len(self.screen_stack) > 1 and not self.lock_on:
                        await self.pop_screen()
                    await self.push_screen(screen, wait_for_dismiss=False)
        finally:
            self._navigating = False
        if self._help_wanted:
            self._help_wanted = False
            self.action_help()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if self._navigating:
            self._help_wanted = True  # shown on the screen the navigation ends on
        elif not isinstance(self.screen, HelpScreen) and self.screen.is_mounted:
            with self.over_the_lock():  # the keys of the screen on top: the lock's, if locked
                self.push_screen(HelpScreen(self.screen))

    def reload_screens(self) -> None:
        """Ask every screen that shows data to read it again."""
        from .screens.base import WorkScreen

        for screen in self.screen_stack:
            if isinstance(screen, WorkScreen) and screen.is_mounted:
                screen.reload()

    def on_data_changed(self, _message: DataChanged) -> None:
        self.reload_screens()
        self.refresh_sync_status()

_ARRIVED = object()
"""The navigator has no section left to show."""


def _screen_for(section: str | None) -> Screen[Any]:
    from .screens.sections import section_screen
    from .screens.unlock import UnlockScreen

    return UnlockScreen() if section is None else section_screen(section)


def _lock_screen_type() -> type[LockScreen]:
    from .screens.lock import LockScreen

    return LockScreen


def run(home: Path, *, clock: Clock | None = None, transport: Transport | None = None,
        demo_hint: str = "") -> None:
    """Run the terminal app on the terminal stored in ``home`` (``chartkeep``)."""
    ChartkeepApp(home, clock=clock, transport=transport, demo_hint=demo_hint).run()
