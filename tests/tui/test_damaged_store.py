"""A store that cannot be opened (security case 3): the sign-in screen says so,
offers to set the damaged files aside and re-sync from the server, asks first,
and then opens enrollment; nothing is deleted."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from client.ui.dialogs.message import ConfirmDialog
from client.ui.screens.enroll import EnrollScreen

pytestmark = pytest.mark.tui


def _damage(home) -> None:
    path = home / "store.db"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


async def test_a_damaged_store_is_set_aside_only_when_the_clerk_says_so(
        offline_terminal, make_app, drive):
    _damage(offline_terminal.home)
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in(expect_census=False)
        screen = app.screen
        offer = screen.query_one("#set-aside", Button)
        await ui.wait_for(lambda: screen.query_one("#damaged-actions").display
                          and offer.region.height > 0)
        assert "cannot be opened" in ui.text_of("#unlock-status")
        assert "re-sync from the server" in ui.text_of("#unlock-status")
        offer.press()
        await ui.wait_for_screen(ConfirmDialog)
        await pilot.press("escape")  # no: nothing moves
        await ui.wait_for(lambda: app.screen is screen)
        assert (offline_terminal.home / "store.db").exists()
        offer.press()
        await ui.wait_for_screen(ConfirmDialog)
        await pilot.press("y")
        await ui.wait_for_screen(EnrollScreen)
    kept = [path for path in offline_terminal.home.iterdir() if path.is_dir()
            and path.name.startswith("set-aside-")]
    assert len(kept) == 1 and (kept[0] / "store.db").exists()
    assert not (offline_terminal.home / "store.db").exists()


async def test_a_wrong_passphrase_offers_nothing_to_set_aside(offline_terminal, make_app,
                                                              drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in("not the passphrase at all", expect_census=False)
        await ui.wait_for(lambda: ui.text_of("#unlock-status").strip() != ""
                          and "Checking" not in ui.text_of("#unlock-status"))
        assert not app.screen.query_one("#damaged-actions").display
        assert app.screen.query_one("#set-aside", Button).region.height == 0
