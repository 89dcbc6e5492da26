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
SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
"""(columns, lines): a roomy window and the smallest a clerk's terminal must serve."""


class Screen:
    def __init__(self, child: object, columns: int, lines: int) -> None:
        self.child = child
        self.screen = pyte.Screen(columns, lines)
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


@pytest.mark.parametrize("size", SIZES)
def test_clerk_signs_in_and_reads_the_census(org: Org, tmp_path: Path,
                                             size: tuple[int, int]) -> None:
    columns, lines = size
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

    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns),
           "LINES": str(lines), "CHARTKEEP_HOME": str(home)}
    child = pexpect.spawn(sys.executable, ["-m", "client.cli", "--home", str(home)],
                          env=env, dimensions=(lines, columns),
                          cwd=str(Path(__file__).resolve().parents[2]))
    screen = Screen(child, columns, lines)
    try:
        # The terminal lists its users; with one, the name is filled in and the
        # cursor waits in the passphrase field.
        signing_in = screen.wait_for("clerk.MG")
        assert "Passphrase" in signing_in and "Sign in" in signing_in  # in view, even at 80×24
        time.sleep(0.5)
        child.send(PASSWORD + "\r")
        shown = screen.wait_for("Okafor")
        assert "Smith [Jr]" in shown  # patient data exactly as typed, not read as markup
        assert "Maple Grove" in shown or "census" in shown.lower()
        footer = screen.wait_for("f1 Help").splitlines()[-1]
        assert "f1 Help" in footer  # F1, which lists every key, first in the footer
    finally:
        child.sendcontrol("q")
        child.expect(pexpect.EOF, timeout=15)
        child.close()
