"""The real ``chartkeep`` program in a pseudo-terminal against a real server:
a clerk types a login and reads the census off the screen.

The screen is what a terminal emulator (pyte) makes of the program's output,
so this checks what a person would see, not the app's internals."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

from client import terminal
from server import admin

from .conftest import PASSWORD, Org, resident

pytestmark = pytest.mark.e2e
COLUMNS, LINES = 120, 40


class Screen:
    def __init__(self, child: object) -> None:
        self.child = child
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)

    def pump(self) -> None:
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.05)  # type: ignore[attr-defined]
            except pexpect.TIMEOUT:
                return
            except pexpect.EOF:
                return
            self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pump()
            if needle in self.text():
                return self.text()
        raise AssertionError(f"{needle!r} never appeared on screen:\n{self.text()}")


def test_clerk_signs_in_and_reads_the_census(org: Org, tmp_path: Path) -> None:
    writer = org.terminal(org.a, "rm.MG")
    for family, given in (("Okafor", "Adaeze"), ("Smith [Jr]", "Walter")):
        rid = writer.residents.register(resident(family_name=family, given_name=given))
        writer.stays.admit(rid, admitted_at="2026-11-01")
    assert writer.sync().error is None
    code = admin.issue_code(org.engine, org.settings, facility_id=org.a.id)
    home = tmp_path / "desk"
    session = terminal.enroll(home, org.url, code, "Desk", "clerk.MG", PASSWORD)
    session.sync()
    session.lock()

    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS),
           "LINES": str(LINES), "CHARTKEEP_HOME": str(home)}
    child = pexpect.spawn(sys.executable, ["-m", "client.cli", "--home", str(home)],
                          env=env, dimensions=(LINES, COLUMNS),
                          cwd=str(Path(__file__).resolve().parents[2]))
    screen = Screen(child)
    try:
        # The terminal lists its users; with one, the name is filled in and the
        # cursor waits in the passphrase field.
        screen.wait_for("clerk.MG")
        time.sleep(0.5)
        child.send(PASSWORD + "\r")
        shown = screen.wait_for("Okafor")
        assert "Smith [Jr]" in shown  # patient data exactly as typed, not read as markup
        assert "Maple Grove" in shown or "census" in shown.lower()
    finally:
        child.sendcontrol("q")
        child.expect(pexpect.EOF, timeout=15)
        child.close()
