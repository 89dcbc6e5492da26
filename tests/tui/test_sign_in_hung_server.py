"""Signing in while the server hangs (takes the connection, never answers): the
census shows from the local store, and the sync's trouble is only on the status
line. Within the offline window the sign-in sends nothing to the server at all;
a sync (ctrl+s, or the background one) runs in its own worker. Past the window
the sign-in must reach the server: it says so while it tries, gives up at the
first timeout (``SIGN_IN_TIMEOUT_S``, tiny here) and refuses, offering emergency
access; what the clerk typed before a lock waits under it.

The server is a loopback socket that listens and never replies; the terminal
uses its real HTTP transport (held until the test lets it go, then with its
timeout shortened from 30 s).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from client import terminal
from client.sync.transport import HttpTransport
from client.ui.app import ChartkeepApp
from client.ui.screens.lock import LockScreen
from client.ui.screens.unlock import UnlockForm, Unlocking, UnlockScreen

pytestmark = pytest.mark.tui

TIMEOUT = 0.5
SIGN_IN_TIMEOUT = 0.2
"""``SIGN_IN_TIMEOUT_S`` in these tests (5 s in use). The old sign-in waited two
30 s timeouts: longer than the tests wait for the refusal (15 s), so they fail."""
HELD_S = 10.0
"""A held request goes on by itself after this (a test that fails does not hang)."""


@pytest.fixture
def silent_listener() -> Iterator[socket.socket]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # the kernel completes the handshakes; nobody ever answers
    listener.setblocking(False)
    try:
        yield listener
    finally:
        listener.close()  # a connection still waiting is reset: its sync ends


def connections_made(listener: socket.socket) -> int:
    """How many connections reached the silent server (taken off its queue)."""
    made = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return made
        conn.close()  # the client sees the link drop, as from a hung server's proxy
        made += 1


class HeldLink:
    """The real HTTP transport to the silent server. Each request first waits for
    ``release`` (so the sync is certainly still waiting while the test looks at
    the census), then for the server, ``TIMEOUT`` seconds instead of 30."""

    def __init__(self, url: str) -> None:
        self.inner = HttpTransport(url)
        self.requests: list[str] = []
        self.release = threading.Event()

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.requests.append(path)
        self.release.wait(HELD_S)
        return self.inner.post(path, body, min(timeout, TIMEOUT))


@pytest.fixture
def terminal_with_resident(offline_terminal):
    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Ada",
                                              "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident_id, admitted_at="2026-01-10")
    session.lock()
    return offline_terminal


async def test_sign_in_shows_the_census_without_asking_a_hung_server(
        terminal_with_resident, silent_listener, drive):
    term = terminal_with_resident
    url = f"http://127.0.0.1:{silent_listener.getsockname()[1]}"
    transport = HeldLink(url)
    app = ChartkeepApp(term.home, clock=term.clock, transport=transport,
                       auto_sync_seconds=0, status_poll_seconds=0)
    async with app.run_test(size=(120, 36)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
        assert transport.requests == []  # the sign-in asked the server nothing
        assert connections_made(silent_listener) == 0

        await pilot.press("ctrl+s")  # a sync now: it hangs in its own worker
        await ui.wait_for(lambda: transport.requests)
        await pilot.press("f4", "f2")  # the clerk goes on meanwhile
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
        assert app.syncing  # the sync is still waiting (held) meanwhile
        assert "Syncing" in ui.text_of(".sync-bar")  # where the clerk sees it

        transport.release.set()  # on to the silent server: it times out, twice
        await ui.wait_for(lambda: not app.syncing, seconds=30)
        await ui.wait_for(lambda: any("The server is not answering" in note.message
                                      for note in app._notifications))
        assert "Okafor" in ui.table_text("#census-table")


REFUSAL = "Connect this terminal to the network to refresh its sign-in."
RENEWING = "Reaching the server to renew this terminal's sign-in"


def _progress_shown(seen: list[object]) -> list[str]:
    return [m.step for m in seen if isinstance(m, Unlocking.Progress)]


async def test_a_sign_in_past_the_window_gives_up_on_a_hung_server_and_offers_emergency(
        terminal_with_resident, silent_listener, drive, monkeypatch):
    monkeypatch.setattr(terminal, "SIGN_IN_TIMEOUT_S", SIGN_IN_TIMEOUT, raising=False)
    term = terminal_with_resident
    term.clock.advance(days=20)  # no contact with the server for 20 days: the window is over
    url = f"http://127.0.0.1:{silent_listener.getsockname()[1]}"
    app = ChartkeepApp(term.home, clock=term.clock, transport=HttpTransport(url),
                       auto_sync_seconds=0, status_poll_seconds=0)
    seen: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        ui = drive(pilot)
        await ui.sign_in(expect_census=False)
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        await ui.wait_for(lambda: screen.query_one("#emergency").display)
        assert any(step.startswith(RENEWING) for step in _progress_shown(seen))
        status = ui.text_of("#unlock-status")
        assert status.startswith(REFUSAL)
        assert "Emergency access (ctrl+g)" in status
        assert not app.unlocked
        assert screen.query_one(UnlockForm).query_one("#username").value == term.username
        assert connections_made(silent_listener) == 1  # reached it, waited once, gave up


async def test_unlocking_past_the_window_keeps_the_form_typed_before_the_lock(
        terminal_with_resident, silent_listener, drive, monkeypatch):
    from textual.widgets import Input

    from client.ui.dialogs.form import FormDialog

    monkeypatch.setattr(terminal, "SIGN_IN_TIMEOUT_S", SIGN_IN_TIMEOUT, raising=False)
    term = terminal_with_resident
    url = f"http://127.0.0.1:{silent_listener.getsockname()[1]}"
    app = ChartkeepApp(term.home, clock=term.clock, transport=HttpTransport(url),
                       auto_sync_seconds=0, status_poll_seconds=0)
    seen: list[object] = []
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        await pilot.press(*"Nakamura")
        await pilot.press("ctrl+l")
        lock = await ui.wait_for_screen(LockScreen)
        await ui.wait_for(lambda: app.locked_session.locked)
        term.clock.advance(days=20)  # the window runs out while the terminal is locked
        await pilot.press(*term.password, "enter")
        await ui.wait_for(lambda: lock.query_one("#emergency").display)
        assert any(step.startswith(RENEWING) for step in _progress_shown(seen))
        assert ui.text_of("#unlock-status").startswith(REFUSAL)
        assert app.screen is lock and not app.unlocked
        assert form in app.screen_stack  # under the lock, with what was typed
        assert "Nakamura" in [w.value for w in form.query(Input)]
        assert connections_made(silent_listener) == 1


class TricklingServer:
    """Answers every request, one byte at a time, each a little sooner than the
    terminal's wait for the next piece runs out: a link that never stops, never
    ends. Counts what it sent before the terminal hung up."""

    LENGTH = 400
    PAUSE_S = 0.05

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sent: list[int] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)  # the request (small; it is not read further)
                sent = 0
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-msgpack\r\n"
                                 b"Content-Length: %d\r\n\r\n" % self.LENGTH)
                    while sent < self.LENGTH and not self.done.is_set():
                        conn.sendall(b"\x00")
                        sent += 1
                        self.done.wait(self.PAUSE_S)
                except OSError:
                    pass  # the terminal hung up
                self.sent.append(sent)

    def close(self) -> None:
        self.done.set()
        self.listener.close()
        self.thread.join(5)


async def test_a_sign_in_past_the_window_cuts_a_server_that_trickles_its_answer(
        terminal_with_resident, drive, monkeypatch):
    """Each piece of the answer comes within the wait for it, so only a bound
    on the whole request ends it: the clerk is refused (emergency offered)
    once ``SIGN_IN_TIMEOUT_S`` is up, not when the server is done (20 s here,
    any length on a real link)."""
    monkeypatch.setattr(terminal, "SIGN_IN_TIMEOUT_S", 0.5, raising=False)
    term = terminal_with_resident
    term.clock.advance(days=20)
    server = TricklingServer()
    try:
        app = ChartkeepApp(term.home, clock=term.clock, transport=HttpTransport(server.url),
                           auto_sync_seconds=0, status_poll_seconds=0)
        async with app.run_test(size=(80, 24)) as pilot:
            ui = drive(pilot)
            await ui.sign_in(expect_census=False)
            screen = app.screen
            assert isinstance(screen, UnlockScreen)
            await ui.wait_for(lambda: screen.query_one("#emergency").display, seconds=15)
            assert ui.text_of("#unlock-status").startswith(REFUSAL)
            assert not app.unlocked
            await ui.wait_for(lambda: server.sent, seconds=5)
        assert len(server.sent) == 1  # one request, given up while the answer trickled
        assert server.sent[0] < TricklingServer.LENGTH
    finally:
        server.close()
