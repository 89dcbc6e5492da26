"""Emergency ("break the glass") access at an 80×24 terminal whose offline
sign-in ran out: offered after the right passphrase is refused (button and
ctrl+g), the reason is required, ONE resident is found and opened read-only
under a banner, every other key is refused with a message, and the session
locks when the 30 minutes end."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.widgets import Button, DataTable, Input

from client.ui.dialogs.emergency import EmergencyReasonDialog
from client.ui.dialogs.resident_picker import ResidentPickerDialog
from client.ui.screens.help import HelpScreen
from client.ui.screens.resident import ResidentScreen
from client.ui.screens.unlock import UnlockScreen

pytestmark = pytest.mark.tui

REASON = "Fell at 2am; allergy list"


@pytest.fixture
def expired_terminal(offline_terminal):
    session = offline_terminal.session()
    ids = [session.residents.register({"family_name": family, "given_name": given,
                                       "birth_date": "1941-03-02", "sex": "female"})
           for family, given in (("Quillfeather", "Ada"), ("Brightwater", "Bea"))]
    session.lock()
    offline_terminal.clock.advance(days=20)  # no server contact for 20 days: expired
    offline_terminal.resident_ids = ids
    return offline_terminal


def _told(app, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def test_emergency_access_opens_one_resident_read_only_until_the_time_box_ends(
        expired_terminal, make_app, drive):
    app = make_app(expired_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in(expect_census=False)
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        await ui.wait_for(lambda: screen.query_one("#emergency", Button).display)
        assert "refresh its sign-in" in ui.text_of("#unlock-status")
        assert "Emergency access (ctrl+g)" in ui.text_of("#unlock-status")
        assert not app.unlocked

        await pilot.press("ctrl+g")
        dialog = await ui.wait_for_screen(EmergencyReasonDialog)
        await pilot.press(*"urgent", "enter")  # too short: the dialog stays
        await ui.wait_for(lambda: "at least 10 characters" in ui.text_of("#emergency-error"))
        assert app.screen is dialog
        dialog.query_one("#emergency-reason", Input).value = REASON
        await pilot.press("enter")

        picker = await ui.wait_for_screen(ResidentPickerDialog)
        await pilot.press(*"Quill")
        await ui.wait_for(lambda: "Quillfeather" in ui.table_text("#picker-table"))
        assert "Brightwater" not in ui.table_text("#picker-table")
        picker.query_one("#picker-table", DataTable).focus()
        await pilot.press("enter")

        resident = await ui.wait_for_screen(ResidentScreen)
        await ui.wait_for(lambda: resident.view is not None)
        ada = expired_terminal.resident_ids[0]
        assert app.session.emergency.resident_id == ada
        ends = datetime.fromtimestamp(app.session.emergency.ends_ms / 1000).astimezone()
        assert ui.text_of("#emergency-banner") == (
            f"Emergency access — alice, {REASON}, ends {ends:%H:%M} · read-only")
        assert "Quillfeather" in ui.screen_text()

        for key in ("n", "f2", "escape", "ctrl+p", "ctrl+s"):  # no change, no other screen
            app._notifications.clear()
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is resident, key
        await pilot.press("n")
        await ui.wait_for(lambda: _told(app, "Emergency access is read-only"))
        app.sync_now(background=True)  # the background sync's timer: not under emergency
        assert not app.syncing

        expired_terminal.clock.advance(minutes=30)
        await ui.wait_for(lambda: not app.unlocked and isinstance(app.screen, UnlockScreen))
        assert _told(app, "Emergency access ended")
        assert "Quillfeather" not in ui.screen_text()


async def test_help_lists_the_key_once_offered_and_the_lock_key_ends_the_access(
        expired_terminal, make_app, drive):
    app = make_app(expired_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in(expect_census=False)
        screen = app.screen
        await ui.wait_for(lambda: screen.query_one("#emergency", Button).display)
        await pilot.press("f1")
        help_screen = await ui.wait_for_screen(HelpScreen)
        assert "Emergency access" in ui.table_text("#help-keys")
        help_screen.dismiss()
        await ui.wait_for(lambda: app.screen is screen)
        screen.query_one("#emergency", Button).press()
        dialog = await ui.wait_for_screen(EmergencyReasonDialog)
        dialog.query_one("#emergency-reason", Input).value = REASON
        await pilot.press("enter")
        picker = await ui.wait_for_screen(ResidentPickerDialog)
        await pilot.press(*"Brightw")
        await ui.wait_for(lambda: "Brightwater" in ui.table_text("#picker-table"))
        picker.query_one("#picker-table", DataTable).focus()
        await pilot.press("enter")
        await ui.wait_for_screen(ResidentScreen)
        assert app.session.emergency.resident_id == expired_terminal.resident_ids[1]
        await pilot.press("ctrl+l")
        await ui.wait_for(lambda: not app.unlocked and isinstance(app.screen, UnlockScreen))
        assert "Brightwater" not in ui.screen_text()


async def test_no_emergency_access_for_a_wrong_passphrase(expired_terminal, make_app, drive):
    app = make_app(expired_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in("not the passphrase at all", expect_census=False)
        await ui.wait_for(lambda: "not correct" in ui.text_of("#unlock-status"))
        assert not app.screen.query_one("#emergency", Button).display
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
