"""A server that takes the connection and never answers (hung, stopped with
kill -STOP): the status line says so after the first timeout, and the sync gives
up after the second instead of five timeouts and their backoff (about three
minutes at "Syncing").

The server here is a real loopback socket that listens and never replies; the
terminal talks to it over its real HTTP transport, with the timeout shortened
from 30 s so the test does not wait minutes.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from client.sync.transport import HttpTransport
from client.ui.app import ChartkeepApp

pytestmark = pytest.mark.tui

TIMEOUT = 0.5


@pytest.fixture
def silent_server() -> Iterator[str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # the kernel completes the handshakes; nobody ever answers
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


class ShortTimeout:
    """The real HTTP transport, waiting ``TIMEOUT`` seconds instead of 30."""

    def __init__(self, url: str) -> None:
        self.inner = HttpTransport(url)

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        return self.inner.post(path, body, min(timeout, TIMEOUT))


async def test_a_server_that_never_answers_is_named_and_given_up_on(
        offline_terminal, silent_server, drive):
    app = ChartkeepApp(offline_terminal.home, clock=offline_terminal.clock,
                       transport=ShortTimeout(silent_server), auto_sync_seconds=0,
                       status_poll_seconds=0)
    seen: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()

        def status_line() -> str:
            line = ui.text_of(".sync-bar")
            seen.append(line)
            return line

        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "Server not answering — retrying (2 of 2)" in status_line())
        assert status_line().startswith("⟳ Server not answering")  # the first words, at 80
        await ui.wait_for(lambda: not app.syncing, seconds=30)
        await ui.wait_for(lambda: any("The server is not answering" in note.message
                                      for note in app._notifications))
    assert not any("(3 of" in line for line in seen)  # two timeouts, not five
