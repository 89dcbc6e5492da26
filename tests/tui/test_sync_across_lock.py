"""A sync running when the terminal locks cannot be stopped (its thread waits for
the server); after the unlock, ctrl+s says so and syncs once it has ended, where
it used to do nothing at all until the old sync gave up (about a minute with a
hung server).
"""

from __future__ import annotations

import threading

import pytest

from client.session import Session
from client.sync.transport import TransportError
from client.ui.app import ChartkeepApp
from client.ui.screens.census import CensusScreen
from client.ui.screens.lock import LockScreen
from client.ui.syncing import SYNC_STILL_ENDING

pytestmark = pytest.mark.tui

HELD_S = 20.0
"""A held request goes on by itself after this (a test that fails does not hang)."""


class HungServer:
    """The first request hangs until released (a server that stopped answering),
    then fails as a timeout; the ones after fail at once (the server is away)."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.requests = 0
        self.syncs = 0
        """Syncs started so far (counted by the test)."""
        self.sent_by: list[int] = []
        """For each request, which sync (1, 2, …) was running when it was sent."""

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:  # noqa: ARG002  Transport's signature
        self.requests += 1
        self.sent_by.append(self.syncs)
        if self.requests == 1:
            self.released.wait(HELD_S)
        raise TransportError("the server could not be reached (timeout)")


def _told(app, text: str) -> bool:
    return any(text in note.message for note in app._notifications)


async def test_ctrl_s_after_the_unlock_says_the_old_sync_is_ending_then_syncs(
        offline_terminal, drive, monkeypatch):
    server = HungServer()
    sync = Session.sync

    def counted(self, *args, **kwargs):
        server.syncs += 1
        return sync(self, *args, **kwargs)

    monkeypatch.setattr(Session, "sync", counted)
    app = ChartkeepApp(offline_terminal.home, clock=offline_terminal.clock, transport=server,
                       idle_lock_seconds=300, auto_sync_seconds=0, status_poll_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: server.requests == 1)  # the sync waits for the server
        await pilot.press("ctrl+l")
        await ui.wait_for_screen(LockScreen)
        await ui.wait_for(lambda: app.locked_session.locked)  # its store is closed
        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and isinstance(app.screen, CensusScreen))
        assert app.syncing  # the sync from before the lock is still waiting

        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: _told(app, SYNC_STILL_ENDING))  # not a silent no-op

        server.released.set()  # the old sync gives up; the clerk's starts
        await ui.wait_for(lambda: _told(app, "could not be reached"))
        await ui.wait_for(lambda: 2 in server.sent_by)  # the clerk's own sync reached out
        await ui.wait_for(lambda: not app.syncing)
        assert app.unexpected_errors == []
