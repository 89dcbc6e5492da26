"""Signing in at the terminal, with the right and the wrong passphrase."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, Static

from client import terminal
from client.store.keyslots import DISABLE_AFTER, SLOTS_FILE, SlotFile
from client.ui.screens.unlock import UnlockScreen

pytestmark = pytest.mark.tui


async def test_right_passphrase_lands_on_census(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in(offline_terminal.password)
        assert app.unlocked
        assert app.session.user.username == "alice"
        assert "Maple Grove Care Center" in app.sub_title


async def test_wrong_passphrase_says_so_and_keeps_user(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in("not the passphrase at all", expect_census=False)
        await ui.wait_for(lambda: "not correct" in ui.text_of("#unlock-status"))
        assert isinstance(app.screen, UnlockScreen)
        assert not app.unlocked
        assert app.screen.query_one("#username", Input).value == "alice"
        assert app.screen.query_one("#password", Input).value == ""


class NoWaitTerminal:
    """The real engine (``client.terminal``), its throttle's waits remembered
    instead of slept, so ten failed sign-ins take seconds, not minutes."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __getattr__(self, name: str) -> object:
        return getattr(terminal, name)

    def unlock(self, *args: object, **kwargs: object) -> object:
        return terminal.unlock(*args, sleep=self.waits.append, **kwargs)  # type: ignore[arg-type]


async def test_ten_failures_answer_alike_for_a_known_and_an_unknown_name(
        offline_terminal, make_app, drive):
    """security.md case 1 at the terminal: after ten failed sign-ins the known
    name is locked out, and what the screen says (and how long the throttle
    waits) is the same as for a name nobody has here, so a person at a shared
    terminal cannot tell which names exist."""
    engine = NoWaitTerminal()
    app = make_app(offline_terminal, terminal=engine)
    seen: dict[str, list[str]] = {}
    waits: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        screen = await ui.wait_for_screen(UnlockScreen)
        for name in ("alice", "nobody.here"):
            seen[name], engine.waits[:] = [], []
            for attempt in range(DISABLE_AFTER + 1):
                passphrase = (offline_terminal.password if attempt == DISABLE_AFTER
                              else f"not the passphrase, try {attempt}")
                status = screen.query_one("#unlock-status", Static)
                status.update("")
                screen.query_one("#username", Input).value = name
                screen.query_one("#password", Input).value = passphrase
                await pilot.click("#unlock")
                await ui.wait_for(lambda: ui.text_of("#unlock-status").strip()
                                  and not screen.query_one("#unlock", Button).disabled)
                seen[name].append(ui.text_of("#unlock-status"))
            waits[name] = list(engine.waits)
        assert not app.unlocked
        assert isinstance(app.screen, UnlockScreen)
    assert seen["alice"] == seen["nobody.here"]
    assert "not correct" in seen["alice"][0]
    assert "alice" not in "".join(seen["alice"])
    assert waits["alice"] == waits["nobody.here"] and waits["alice"]
    # the known name is locked out as before: even its right passphrase is refused
    assert [u.disabled for u in terminal.list_users(offline_terminal.home)] == [True]
    recorded = SlotFile.load(offline_terminal.home / SLOTS_FILE).failed_attempts
    assert len(recorded) == 2 * (DISABLE_AFTER + 1)
    assert "nobody.here" not in (offline_terminal.home / SLOTS_FILE).read_text()
