"""The app's own workers (the sync status read, the lock's key drop, …) used to
fail silently: Textual hands their failure to the app, and nothing there looked.
Now the clerk gets a short notice (never a traceback, never a crash) and the
terminal's error log gets the error's type and where it happened, but not its
message, which may name a resident. What the lock causes stays quiet."""

from __future__ import annotations

import pytest

from client.records.outbox_review import OutboxReview
from client.session import Session
from client.ui.dialogs.message import MessageDialog
from client.ui.screens.census import CensusScreen
from client.ui.screens.lock import LockScreen
from client.ui.unexpected import ERROR_LOG

pytestmark = pytest.mark.tui

RESIDENT = "Quillfeather"
"""A resident's name in the failing work's error: it must reach no log."""


def _status_read_ended(app) -> bool:
    return not any(worker.group == "sync-status" for worker in app.workers)


def _notes(app, words: str) -> list[str]:
    return [str(note.message) for note in app._notifications if words in str(note.message)]


async def test_a_sync_status_read_that_fails_is_told_once_and_logged_without_names(
        offline_terminal, make_app, drive, monkeypatch):
    def broken_status(self):
        raise RuntimeError(f"outbox row for {RESIDENT} could not be decoded")

    monkeypatch.setattr(OutboxReview, "status", broken_status)
    app = make_app(offline_terminal)
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()  # the sign-in reads the sync status
        await ui.wait_for(lambda: _notes(app, "Could not read the sync status"))
        assert _notes(app, "Could not read the sync status") == [
            ("Could not read the sync status: RuntimeError: outbox row for Quillfeather "
             "could not be decoded")]  # on screen, to the clerk who is signed in
        assert isinstance(app.screen, CensusScreen) and app.is_running
        assert not any(isinstance(s, MessageDialog) for s in app.screen_stack)
        assert app.unexpected_errors == []
        log = (offline_terminal.home / ERROR_LOG).read_text()
        assert "_read_sync_status" in log and "RuntimeError" in log
        assert "syncing.py" in log  # where it happened
        assert RESIDENT not in log

        app.refresh_sync_status()  # the next poll fails the same way: not told again
        await ui.wait_for(lambda: _status_read_ended(app))
        await pilot.pause(0.1)  # its state change reaches the app
        assert len(_notes(app, "Could not read the sync status")) == 1
        assert (offline_terminal.home / ERROR_LOG).read_text() == log  # nor logged again

        await pilot.press("ctrl+l")  # a read the lock cuts short stays quiet, as before
        await ui.wait_for_screen(LockScreen)
        locked = app.locked_session
        await ui.wait_for(lambda: locked.locked)
        monkeypatch.undo()
        app._failing.clear()  # as if the last read had gone through
        before, held = len(app._notifications), list(app._held_notes)
        app._read_sync_status(locked)
        await ui.wait_for(lambda: _status_read_ended(app))
        await pilot.pause(0.1)
        assert len(app._notifications) == before and app._held_notes == held


async def test_a_lock_whose_store_does_not_close_says_so_at_the_lock_screen(
        offline_terminal, make_app, drive, monkeypatch):
    closing = Session.lock

    def lock_that_fails(self):
        closing(self)
        raise RuntimeError(f"the lock's audit entry after {RESIDENT}'s note failed")

    app = make_app(offline_terminal)
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        monkeypatch.setattr(Session, "lock", lock_that_fails)
        await pilot.press("ctrl+l")
        lock = await ui.wait_for_screen(LockScreen)
        await ui.wait_for(lambda: _notes(app, "its store did not close"))
        # Shown now, at the lock screen; only the kind of error (it shows no one's data).
        assert _notes(app, "its store did not close") == [
            ("The terminal is locked, but its store did not close (RuntimeError). "
             "Quit Chartkeep (ctrl+q) when you can.")]
        assert app._held_notes == []
        assert app.screen is lock and app.is_running and app.unexpected_errors == []
        log = (offline_terminal.home / ERROR_LOG).read_text()
        assert "_drop_session" in log and "RuntimeError" in log
        assert RESIDENT not in log
        monkeypatch.undo()
        await pilot.press(*offline_terminal.password, "enter")  # the clerk goes on
        await ui.wait_for(lambda: app.unlocked and isinstance(app.screen, CensusScreen))
