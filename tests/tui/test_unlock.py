"""Signing in at the terminal, with the right and the wrong passphrase."""

from __future__ import annotations

import pytest
from textual.widgets import Input

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
