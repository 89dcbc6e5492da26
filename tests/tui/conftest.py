"""Fixtures for the terminal app's tests: real encrypted terminals in temp dirs.

- ``offline_terminal``: a terminal enrolled against a stand-in for the server's
  enrollment answer (:class:`EnrollOnlyTransport`); every later request fails as a
  lost link, so the terminal is a real store that stays offline.
- ``make_app``: a :class:`ChartkeepApp` on such a terminal with a manual clock,
  no background sync and no status polling, so nothing happens unless the test
  makes it happen.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.widgets import DataTable, Input, Select, Static, TextArea

from client import terminal
from client.clock import ManualClock
from client.sync.transport import TransportError
from client.ui.app import ChartkeepApp
from protocol.ids import new_id
from protocol.messages import EnrollRequest, EnrollResponse, MrnPool
from protocol.signing import new_private_key, open_envelope, public_bytes, seal

PASSWORD = "the quiet ward at dawn, tea."
START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


@dataclass
class EnrollOnlyTransport:
    """Answers the enrollment like the server; every other request is a lost link."""

    facility_name: str = "Maple Grove Care Center"
    username: str = "alice"
    role: str = "records_manager"
    # Fixed ids keep snapshots the same from run to run.
    facility_id: str = "01KF1A0000000000000000000F"
    user_id: str = "01KF1A0000000000000000000A"
    server_time: int = 1_768_467_600_000
    online: bool = False

    def __post_init__(self) -> None:
        self._key = new_private_key()

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:  # noqa: ARG002  Transport's signature
        if path != "/v1/enroll":
            raise TransportError("no network in this test")
        envelope = open_envelope(body)
        request = EnrollRequest.from_wire(envelope.decoded_body())
        reply = EnrollResponse(
            terminal_id=new_id(), facility_id=self.facility_id,
            facility_name=self.facility_name, server_public_key=public_bytes(self._key),
            user_id=self.user_id, username=request.username, role=self.role,
            mrn_pool=MrnPool("MG", 1, 1000), server_time=self.server_time)
        answer = seal(self._key, "enrolled", "server", 1, reply.to_wire(),
                      reply_to=envelope.digest, ts=self.server_time)
        return 200, answer.to_bytes()


@dataclass
class Terminal:
    home: Path
    username: str
    password: str
    clock: ManualClock
    transport: Any

    def session(self) -> Any:
        """A second session on the same store, for arranging data before the app runs."""
        return terminal.unlock(self.home, self.username, self.password,
                               transport=self.transport, clock=self.clock)


@pytest.fixture
def offline_terminal(tmp_path: Path) -> Terminal:
    clock = ManualClock(START)
    transport = EnrollOnlyTransport()
    home = tmp_path / "terminal"
    session = terminal.enroll(home, "http://127.0.0.1:9", "ENROLL-CODE-1", "Station 1",
                              "alice", PASSWORD, transport=transport, clock=clock)
    session.lock()
    return Terminal(home, "alice", PASSWORD, clock, transport)


@pytest.fixture
def make_app() -> Callable[..., ChartkeepApp]:
    def make(term: Terminal, **kwargs: Any) -> ChartkeepApp:
        kwargs.setdefault("auto_sync_seconds", 0)
        kwargs.setdefault("status_poll_seconds", 0)
        return ChartkeepApp(term.home, clock=term.clock, transport=term.transport, **kwargs)

    return make


class Driver:
    """Steps every test takes with the app: wait for a state, sign in, open things."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.app = pilot.app

    async def wait_for(self, predicate: Callable[[], object], *, seconds: float = 15.0) -> None:
        """Let the app run until ``predicate()`` holds; workers finish in their own time."""
        step = 0.02
        for _ in range(int(seconds / step)):
            try:
                if predicate():
                    return
            except NoMatches:
                pass  # the screen is still being composed
            await self.pilot.pause(step)
        raise AssertionError("the app never reached the expected state")

    async def wait_for_screen(self, screen_type: type) -> Any:
        await self.wait_for(lambda: isinstance(self.app.screen, screen_type)
                            and self.app.screen.is_mounted)
        await self.pilot.pause()
        return self.app.screen

    async def sign_in(self, password: str = PASSWORD, *, expect_census: bool = True) -> None:
        from client.ui.screens.census import CensusScreen
        from client.ui.screens.unlock import UnlockScreen

        screen = await self.wait_for_screen(UnlockScreen)
        await self.wait_for(lambda: screen.query_one("#username", Input).value)
        screen.query_one("#password", Input).focus()
        await self.pilot.press(*password)
        await self.pilot.press("enter")
        if expect_census:
            await self.wait_for_screen(CensusScreen)

    def text_of(self, selector: str) -> str:
        """What a Static shows, as plain text."""
        return str(self.app.screen.query_one(selector, Static).render())

    def screen_text(self) -> str:
        """Everything the screen shows, as the clerk would read it (from the SVG export)."""
        return html.unescape(self.app.export_screenshot()).replace("\xa0", " ")

    def table_text(self, selector: str) -> str:
        """Every cell of a DataTable on the current screen, one row per line."""
        table = self.app.screen.query_one(selector, DataTable)
        return "\n".join(" | ".join(str(cell) for cell in table.get_row_at(index))
                         for index in range(table.row_count))

    async def fill(self, **fields: str) -> None:
        """Type into the open form's fields (``Input``, ``TextArea`` or ``Select``)."""
        form = self.app.screen
        for name, value in fields.items():
            widget = form.query_one(f"#field-{name}")
            if isinstance(widget, Input):
                widget.value = value
            elif isinstance(widget, TextArea):
                widget.text = value
            elif isinstance(widget, Select):
                widget.value = value
            await self.pilot.pause()


@pytest.fixture
def drive() -> Callable[[Any], Driver]:
    return Driver


# --- the real server, in a background thread ------------------------------------


class SwitchableTransport:
    """The real HTTP link to the test server, with a switch to cut it ("offline")."""

    def __init__(self, url: str) -> None:
        from client.sync.transport import HttpTransport

        self.inner = HttpTransport(url)
        self.online = True

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        if not self.online:
            raise TransportError("the network cable is out")
        return self.inner.post(path, body, timeout)


@dataclass
class Facility:
    """A facility on the test server, with beds, users and a way to enroll terminals."""

    server: Any
    engine: Any
    settings: Any
    facility_id: str
    beds: dict[str, str]
    """Bed label -> bed id."""
    tmp: Path
    clock: ManualClock

    def add_user(self, name: str, role: str = "clerk") -> str:
        """A server user of this facility; user names are unique across the server."""
        from server import admin

        username = f"{name}.{self.facility_id[-6:].lower()}"
        admin.create_user(self.engine, self.settings, facility_id=self.facility_id,
                          username=username, role=role)
        return username

    def enroll(self, username: str, name: str = "Station") -> Terminal:
        """A real terminal enrolled over HTTP with a one-time code; locked, ready to unlock."""
        from server import admin

        code = admin.issue_code(self.engine, self.settings, facility_id=self.facility_id)
        home = self.tmp / f"terminal-{username}"
        link = SwitchableTransport(self.server.url)
        session = terminal.enroll(home, self.server.url, code, name, username, PASSWORD,
                                  clock=self.clock, transport=link)
        report = session.sync()
        assert report.error is None, report.error
        session.lock()
        return Terminal(home, username, PASSWORD, self.clock, link)


@pytest.fixture(scope="module")
def server_thread(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One real server per test module; each test gets a facility of its own."""
    from server.http.runner import ServerThread
    from server.settings import Settings

    # Module-scoped: made before the per-test environment, so the passphrase is given here.
    settings = Settings(data_dir=tmp_path_factory.mktemp("server"),
                        key_passphrase="test passphrase for the server key")
    with ServerThread(settings) as running:
        yield running


@pytest.fixture
def facility(server_thread: Any, tmp_path: Path) -> Any:
    from server import admin
    from server.storage.db import make_engine

    settings = server_thread.settings
    engine = make_engine(settings.database_url)
    facility_id = admin.create_facility(engine, settings, name="Maple Grove Care Center",
                                        state="OH", mrn_prefix=f"T{new_id()[-4:]}")
    unit_id = admin.create_unit(engine, settings, facility_id=facility_id, name="North")
    beds = {label: admin.create_bed(engine, settings, unit_id=unit_id, label=label)
            for label in ("101A", "101B", "102A")}
    try:
        # The server keeps real time; terminals that talk to it start at the same time.
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        yield Facility(server_thread, engine, settings, facility_id, beds, tmp_path,
                       ManualClock(now))
    finally:
        engine.dispose()


@pytest.fixture
def enroll_transport() -> EnrollOnlyTransport:
    """The server's enrollment answer without a server, for a terminal enrolled in the UI."""
    return EnrollOnlyTransport()
