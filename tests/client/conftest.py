"""Fixtures for the terminal's engine: a manual clock, a recording sleep, an
in-process fake server speaking the real protocol, and enrolled terminals with
real encrypted stores in temporary directories."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

# The fake server lives beside this file; test modules import it by name.
sys.path.insert(0, str(Path(__file__).parent))

from fake_server import FakeServer
from terminal_helpers import MANAGER_PASSWORD

from client.clock import ManualClock
from client.session import Session
from client.terminal import enroll


class Sleeps(list[float]):
    """An injectable sleep that only remembers how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 1, 15, 9, 30, tzinfo=UTC))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def server() -> FakeServer:
    fake = FakeServer()
    fake.facility_id = fake.add_facility("Maple Grove Care Center")  # type: ignore[attr-defined]
    fake.add_user(fake.facility_id, "mrivera", "records_manager")  # type: ignore[attr-defined]
    fake.add_user(fake.facility_id, "jchen", "clerk")  # type: ignore[attr-defined]
    return fake


@pytest.fixture
def make_terminal(server: FakeServer, clock: ManualClock, sleeps: Sleeps, tmp_path: Path
                  ) -> Callable[..., Session]:
    """Enroll a fresh terminal directory against the fake server."""
    count = 0

    def make(username: str = "mrivera", password: str = MANAGER_PASSWORD,
             transport: Any = None, name: str | None = None) -> Session:
        nonlocal count
        count += 1
        home = tmp_path / (name or f"terminal{count}")
        code = server.issue_code(server.facility_id, username)  # type: ignore[attr-defined]
        return enroll(home, "http://127.0.0.1:1", code, f"Station {count}", username,
                      password, transport=transport or server, clock=clock, sleep=sleeps)

    return make


@pytest.fixture
def session(make_terminal: Callable[..., Session]) -> Session:
    s = make_terminal()
    yield s
    if not s.locked:
        s.lock()
