"""The sign-in box at a shared 80×24 terminal, in every state a clerk meets: the
first sign-in, a wrong passphrase, the throttle's wait after a few, a locked-out
name, emergency access offered, a damaged store; each with the demo's hint under
it. The fields, the message and the buttons are all in view, nothing scrolled.
The button says "Sign in" here and "Unlock" on the lock screen."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.widgets import Button, Input, Static

from client import terminal
from client.store.keyslots import DELAY_AFTER, DISABLE_AFTER
from client.ui.screens.lock import LockScreen
from client.ui.screens.unlock import UnlockScreen

from .screen_fit import fully_shown, screen_lines

pytestmark = pytest.mark.tui

SIZE = (80, 24)
HINT = ("Demo: user dana, passphrase sunrise over the north wing\n"
        "Portal http://127.0.0.1:8471/portal, login in var/demo/portal-login.json")
"""What scripts/demo shows (``demo_running.sign_in_hint``) when run from its checkout."""


class HeldTerminal:
    """The real engine (``client.terminal``), its throttle's wait held until the
    test lets it go (and not slept at all before that is asked for)."""

    def __init__(self) -> None:
        self.hold = False
        self.waiting = threading.Event()
        self.go_on = threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(terminal, name)

    def _sleep(self, seconds: float) -> None:
        del seconds
        if self.hold:
            self.waiting.set()
            self.go_on.wait(30)

    def unlock(self, *args: object, **kwargs: object) -> object:
        return terminal.unlock(*args, sleep=self._sleep, **kwargs)  # type: ignore[arg-type]


def _damage(home) -> None:
    path = home / "store.db"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def box_problems(app: Any, *selectors: str) -> list[str]:
    """Whatever of the sign-in box is not in view at once: the box itself (above
    the footer, the screen not scrolled) and each widget ``selectors`` names."""
    screen = app.screen
    box = screen.query_one(".start-box")
    footer_top = SIZE[1] - 1
    problems = []
    if box.region.bottom > footer_top or box.outer_size.height > footer_top:
        problems.append(f"the box is {box.outer_size.height} rows, {footer_top} fit")
    if screen.query_one(".start-scroll").max_scroll_y:
        problems.append("the box scrolls")
    problems += [f"{selector} is not in view" for selector in selectors
                 if not fully_shown(screen.query_one(selector))]
    return problems


async def _failed_sign_in(ui, screen, passphrase: str = "not the passphrase at all") -> None:
    screen.query_one("#unlock-status", Static).update("")  # the last failure's words gone
    screen.query_one("#password", Input).value = passphrase
    screen.query_one("#unlock", Button).press()
    await ui.wait_for(lambda: not screen.query_one("#unlock", Button).disabled
                      and "not correct" in ui.text_of("#unlock-status"))


SHOWN = ("#username", "#password", "#unlock", "#demo-hint")


async def test_first_sign_in_and_a_wrong_passphrase_fit(offline_terminal, make_app, drive):
    app = make_app(offline_terminal, demo_hint=HINT)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        screen = await ui.wait_for_screen(UnlockScreen)
        await ui.wait_for(lambda: screen.query_one("#username", Input).value)
        await pilot.pause(0.1)
        assert box_problems(app, *SHOWN, "#users") == [], screen_lines(app)
        assert str(screen.query_one("#unlock", Button).label) == "Sign in"
        await _failed_sign_in(ui, screen)
        await pilot.pause(0.1)
        assert box_problems(app, *SHOWN, "#unlock-status") == [], screen_lines(app)


async def test_the_throttles_wait_and_a_locked_out_name_fit(offline_terminal, make_app,
                                                            drive):
    engine = HeldTerminal()
    app = make_app(offline_terminal, terminal=engine, demo_hint=HINT)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        screen = await ui.wait_for_screen(UnlockScreen)
        await ui.wait_for(lambda: screen.query_one("#username", Input).value)
        for _ in range(DELAY_AFTER):
            await _failed_sign_in(ui, screen)
        engine.hold = True  # the next attempt waits first
        screen.query_one("#password", Input).value = "one more wrong one"
        screen.query_one("#unlock", Button).press()
        await ui.wait_for(engine.waiting.is_set)
        await pilot.pause(0.1)
        try:
            assert screen.query_one("#unlock-progress").display
            assert box_problems(app, *SHOWN, "#unlock-progress",
                                "#unlock-status") == [], screen_lines(app)
        finally:
            engine.go_on.set()
        await ui.wait_for(lambda: not screen.query_one("#unlock", Button).disabled)
        engine.hold = False
        for _ in range(DISABLE_AFTER - DELAY_AFTER - 1):
            await _failed_sign_in(ui, screen)
        screen.action_reload_users()
        await ui.wait_for(lambda: "locked out" in "\n".join(screen_lines(app)))
        assert box_problems(app, *SHOWN, "#unlock-status", "#users") == [], screen_lines(app)


async def test_emergency_access_offered_fits(offline_terminal, make_app, drive):
    offline_terminal.clock.advance(days=20)  # no server contact for 20 days: expired
    app = make_app(offline_terminal, demo_hint=HINT)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in(expect_census=False)
        screen = app.screen
        await ui.wait_for(lambda: screen.query_one("#emergency", Button).display)
        await pilot.pause(0.1)
        assert box_problems(app, *SHOWN, "#unlock-status", "#emergency") == [], \
            screen_lines(app)


async def test_a_damaged_store_fits(offline_terminal, make_app, drive):
    _damage(offline_terminal.home)
    app = make_app(offline_terminal, demo_hint=HINT)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in(expect_census=False)
        screen = app.screen
        await ui.wait_for(lambda: screen.query_one("#damaged-actions").display
                          and screen.query_one("#set-aside").region.height > 0)
        await pilot.pause(0.1)
        assert box_problems(app, *SHOWN, "#unlock-status", "#set-aside") == [], \
            screen_lines(app)


async def test_the_lock_screen_says_unlock_and_fits(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+l")
        lock = await ui.wait_for_screen(LockScreen)
        assert str(lock.query_one("#unlock", Button).label) == "Unlock"
        await _failed_sign_in(ui, lock)
        await pilot.pause(0.1)
        assert box_problems(app, "#password", "#unlock", "#unlock-status",
                            "#switch-user") == [], screen_lines(app)
