"""A store that cannot be opened (security case 3): the sign-in screen says so,
offers to set the damaged files aside and re-sync from the server, asks first,
and then opens enrollment; nothing is deleted."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from client.ui.dialogs.message import ConfirmDialog
from client.ui.screens.enroll import EnrollScreen
from client.ui.screens.unlock import UnlockScreen

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


def _cut_store(home) -> None:
    path = home / "store.db"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _cut_slots(home) -> None:
    path = home / "slots.json"
    path.write_bytes(path.read_bytes()[:40])


def _edit_slots(home) -> None:
    import json

    path = home / "slots.json"
    data = json.loads(path.read_text())
    data["slots"][0]["kdf"]["lanes"] = 0
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("damage", [_cut_store, _cut_slots, _edit_slots],
                         ids=["store cut short", "sign-in file cut short",
                              "sign-in file edited"])
async def test_a_cut_or_edited_file_gets_the_damaged_screen_not_an_error(
        offline_terminal, make_app, drive, damage):
    """Security cases 2 and 3 at the screen for the other files a terminal opens:
    the store cut short, and the key slots' file (without it there is no key)
    cut short or edited. The sign-in screen says the terminal cannot be opened
    and offers to set it aside; no "Something went wrong" dialog, no data."""
    damage(offline_terminal.home)
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await ui.wait_for_screen(UnlockScreen)
        if damage is _cut_store:  # the slots open; the store is found damaged
            await ui.sign_in(expect_census=False)
        await ui.wait_for(lambda: screen.query_one("#damaged-actions").display)
        status = ui.text_of("#unlock-status")
        assert "cannot be" in status and ("re-sync" in status or "re-enroll" in status)
        assert app.screen is screen and not app.unlocked
        assert "Something went wrong" not in ui.screen_text()
