"""Locking the terminal: after the idle time, on ctrl+l, and when another clerk
signs in (ctrl+o). The lock screen goes on top so nothing below is drawn and
the store's key is dropped; unlocking as the same clerk pops it again, so a
half-typed note survives an idle lock.
"""

from __future__ import annotations

from textual import events, work

from .engine import Clock, Session
from .settings import UISettings
from .syncing import SyncingApp


class LockingApp(SyncingApp):
    """The app's idle lock, lock and switch user."""

    settings: UISettings
    clock: Clock
    _session: Session | None
    locked_username: str | None
    locked_session: Session | None
    """The session the lock dropped the key of; unlocking as the same clerk takes
    it up again (:meth:`Session.take_over`), so what was open keeps working."""
    last_activity_ms: int

    def navigate(self, section: str | None) -> None:
        raise NotImplementedError

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown
                      | events.MouseScrollUp | events.Paste):
            self.touch()
        await super().on_event(event)

    def touch(self) -> None:
        self.last_activity_ms = self.clock.ms()

    def check_idle_lock(self) -> None:
        """Lock when nobody has touched the terminal for the idle-lock time, or
        when an emergency access's time box has ended."""
        session = self._session
        if session is not None and session.emergency is not None \
                and session.emergency.over(self.clock.ms()):
            self.lock()
            return
        if not self.unlocked or self.settings.idle_lock_seconds <= 0:
            return
        idle = (self.clock.ms() - self.last_activity_ms) / 1000
        if idle >= self.settings.idle_lock_seconds:
            self.lock()

    def action_lock(self) -> None:
        self.lock()

    def lock(self) -> None:
        """Hide everything behind the lock screen and drop the session's key."""
        session = self._session
        if session is None:
            return
        if session.emergency is not None:
            self._end_emergency()
            return
        from .screens.lock import LockScreen

        self._session = None
        self.locked_username = session.user.username
        self.locked_session = session
        self.sync_status = None
        self.push_screen(LockScreen(session.user.username, session.facility_name))
        self._drop_session(session)

    def _end_emergency(self) -> None:
        """Emergency access ends (time box, lock key, idle lock): the key is dropped
        and the screens closed; nothing resumes it."""
        self.switch_user()
        self.notify("Emergency access ended; the terminal is locked.", title="Locked",
                    timeout=10)

    @work(thread=True, group="lock", exit_on_error=False)
    def _drop_session(self, session: Session) -> None:
        session.lock()

    def action_switch_user(self) -> None:
        self.switch_user()

    def switch_user(self) -> None:
        """Lock, forget the screens of the clerk who was here, show the user list."""
        session = self._session
        self._session = None
        self.locked_username = None
        self.locked_session = None
        self.sync_status = None
        self.sub_title = ""
        if session is not None:
            self._drop_session(session)
        self.navigate(None)
