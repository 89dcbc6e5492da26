"""The demo's sign-in hint: scripts/demo gives the app its login and the portal's
address, shown on the sign-in screen as typed; a terminal given none shows none."""

from __future__ import annotations

import pytest

from client.ui.screens.unlock import UnlockScreen

pytestmark = pytest.mark.tui

HINT = ("Demo: user dana, passphrase correct horse [battery]\n"
        "Portal http://127.0.0.1:8471/portal (its login: var/demo/portal-login.json)")


async def test_the_demo_shows_its_login_and_the_portal_at_sign_in(offline_terminal, make_app,
                                                                  drive):
    app = make_app(offline_terminal, demo_hint=HINT)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.wait_for_screen(UnlockScreen)
        assert ui.text_of("#demo-hint") == HINT  # brackets shown as typed
        shown = ui.screen_text()
        assert "passphrase correct horse [battery]" in shown
        assert "http://127.0.0.1:8471/portal" in shown
        unlock = app.screen.query_one("#unlock")
        assert unlock.region.height and unlock.region.bottom <= 24  # still on screen
        await ui.sign_in(offline_terminal.password)
        assert app.unlocked


async def test_a_terminal_without_a_hint_shows_none(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.wait_for_screen(UnlockScreen)
        assert not app.screen.query("#demo-hint")
        assert "Demo:" not in ui.screen_text()
