"""Locking the terminal: after the idle time, on ctrl+l, and when another clerk
signs in (ctrl+o). The lock screen goes on top so nothing below is drawn and
the store's key is dropped; unlocking as the same clerk pops it again, so a
half-typed note survives an idle lock.

A save still running when the terminal locks is waited for before the key is
dropped (the lock screen shows at once): dropping it under the save's worker
failed the save, and the clerk had to save again after unlocking. The wait is
bounded (:data:`SAVE_WAIT_S`): a save that cannot finish by then is told about,
the key goes anyway, and the form keeps the entries. A passphrase entered while
the save finishes unlocks once the key is dropped.
"""

from __future__ import annotations

from textual import events, work
from textual.timer import Timer

from .engine import Clock, Session
from .settings import UISettings
from .syncing import SyncingApp

SAVE_WAIT_S = 20.0
"""How long locking waits for a save in flight before it drops the key anyway:
longer than the store's busy timeout (15 s), so a save waiting for a sync's
write still lands."""

SAVE_NOT_FINISHED = ("A save was still running when the terminal locked and did not "
                     "finish in time. The terminal is locked; after unlocking, the form "
                     "is there with your entries: save it again if it says so.")


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
    save_wait_seconds: float = SAVE_WAIT_S

    def __init__(self) -> None:
        super().__init__()
        self._key_waits_for: Session | None = None
        """A locked session whose key is kept until the save running at the lock ends."""
        self._save_wait: Timer | None = None

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
        """Hide everything behind the lock screen and drop the session's key (once
        a save in flight has ended)."""
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
        self.sync_cut_by_lock()
        saving = self._saves_running()
        self.put_lock_on(LockScreen(session.user.username, session.facility_name,
                                    finishing_save=saving))
        if saving:
            self._key_waits_for = session
            self._save_wait = self.set_timer(self.save_wait_seconds, self._save_wait_over,
                                             name="lock-save-wait")
        else:
            self._drop_session(session)

    @property
    def key_waits_for_save(self) -> bool:
        """Locked, with the key kept until the save running at the lock ends."""
        return self._key_waits_for is not None

    def _saves_running(self) -> bool:
        return any(form.saving for form in self.open_forms())

    def save_settled(self) -> None:
        """A form's save ended: the quit that waited goes on, and the key a lock
        kept for it is dropped."""
        super().save_settled()
        if self._key_waits_for is not None and not self._saves_running():
            self._drop_waiting_key()

    def _save_wait_over(self) -> None:
        """The save did not end in time: lock anyway (never hang the lock); the
        form keeps the entries, and its save fails or lands when it ends."""
        if self._key_waits_for is None:
            return
        with self.over_the_lock():  # for the clerk at the lock screen
            self.notify(SAVE_NOT_FINISHED, title="Save not finished", severity="warning",
                        timeout=20, markup=False)
        self._drop_waiting_key()

    def _drop_waiting_key(self) -> None:
        session, self._key_waits_for = self._key_waits_for, None
        if self._save_wait is not None:
            self._save_wait.stop()
            self._save_wait = None
        if session is not None:
            self._drop_session(session, then_unlock=True)

    def _end_emergency(self) -> None:
        """Emergency access ends (time box, lock key, idle lock): the key is dropped
        and the screens closed; nothing resumes it."""
        self.switch_user()
        self.notify("Emergency access ended; the terminal is locked.", title="Locked",
                    timeout=10)

    @work(thread=True, group="lock", exit_on_error=False)
    def _drop_session(self, session: Session, *, then_unlock: bool = False) -> None:
        """Drop the key. A failure is told at the lock screen (:mod:`.app_workers`);
        an unlock waiting for the drop goes on all the same (it used to wait forever)."""
        try:
            session.lock()
        finally:
            if then_unlock:
                self.call_from_thread(self._key_dropped)

    def _key_dropped(self) -> None:
        """The key the lock kept for a save is gone: the lock screen may unlock."""
        from .screens.lock import LockScreen

        for screen in self.screen_stack:
            if isinstance(screen, LockScreen):
                screen.key_dropped()

    def action_switch_user(self) -> None:
        self.switch_user()

    def switch_user(self) -> None:
        """Lock, forget the screens of the clerk who was here, show the user list.
        A key kept for a save goes now: the clerk chose to discard its form."""
        session = self._session
        self._session = None
        self.locked_username = None
        self.locked_session = None
        self.sync_status = None
        self.sync_cut_by_lock()
        self.sub_title = ""
        if session is not None:
            self._drop_session(session)
        self._drop_waiting_key()
        self.forget_lock()
        self.navigate(None)

    def drop_kept_key(self) -> Session | None:
        """Leaving the app: the key a lock kept for a save, to drop at once."""
        session, self._key_waits_for = self._key_waits_for, None
        return session
