"""Users of this terminal: change one's own passphrase (NIST: 15+ characters, any
characters), add a user; the engine's sentences appear next to the field."""

from __future__ import annotations

import pytest

from client import terminal
from client.ui.dialogs.form import FormDialog
from client.ui.screens.users import UsersScreen

from .conftest import PASSWORD

pytestmark = pytest.mark.tui

NEW_PASSPHRASE = "Ünïcode & spaces are fine here"


async def open_users(ui, pilot) -> UsersScreen:
    await ui.sign_in()
    await pilot.press("f6")
    screen = await ui.wait_for_screen(UsersScreen)
    await ui.wait_for(lambda: "alice" in ui.table_text("#users"))
    return screen


async def test_change_my_passphrase(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        screen = await open_users(ui, pilot)
        assert "Records manager" in ui.table_text("#users")
        await pilot.press("p")
        dialog = await ui.wait_for_screen(FormDialog)
        assert "at least 15 characters" in ui.screen_text()

        await ui.fill(password="short one")
        assert "at least 15" in ui.text_of("#error-password")  # as typed, next to it

        await ui.fill(current_password="not my passphrase at all", password=NEW_PASSPHRASE,
                      confirm=NEW_PASSPHRASE + "!")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "differ" in ui.text_of("#error-confirm"))
        assert app.screen is dialog

        await ui.fill(confirm=NEW_PASSPHRASE)
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: ui.text_of("#error-current_password") != "")
        assert app.screen is dialog  # the wrong current passphrase is named, input kept

        await ui.fill(current_password=PASSWORD)
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)

    session = terminal.unlock(offline_terminal.home, "alice", NEW_PASSPHRASE,
                              transport=offline_terminal.transport,
                              clock=offline_terminal.clock)
    session.lock()


async def test_add_a_user_names_what_is_wrong(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await open_users(ui, pilot)
        await pilot.press("a")
        dialog = await ui.wait_for_screen(FormDialog)
        await ui.fill(username="bob", password="maple grove care center rocks",
                      confirm="maple grove care center rocks")
        assert "facility" in ui.text_of("#error-password")  # not the facility's name
        await ui.fill(password=NEW_PASSPHRASE, confirm=NEW_PASSPHRASE)
        await pilot.press("ctrl+s")
        # Only users the facility's server knows can be added; this one is unknown here.
        await ui.wait_for(lambda: "sync first" in ui.text_of("#form-error"))
        assert app.screen is dialog
        assert dialog.raw_value(dialog.fields[0]) == "bob"  # nothing typed is lost


async def test_help_lists_the_new_keys(offline_terminal, make_app, drive):
    from client.ui.screens.help import HelpScreen
    from client.ui.screens.resident import ResidentScreen

    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Lind", "given_name": "Ada",
                                             "birth_date": "1938-05-05", "sex": "female"})
    session.lock()
    app = make_app(offline_terminal)
    async with app.run_test(size=(120, 50)) as pilot:
        ui = drive(pilot)
        await open_users(ui, pilot)
        await pilot.press("f1")
        await ui.wait_for_screen(HelpScreen)
        keys = ui.table_text("#help-keys")
        assert "My passphrase" in keys
        assert "Add user" in keys
        assert "Users" in keys  # F6, from every screen
        await pilot.press("escape")

        await app.push_screen(ResidentScreen(resident_id))
        screen = await ui.wait_for_screen(ResidentScreen)
        await ui.wait_for(lambda: screen.view is not None)
        await pilot.press("f1")
        await ui.wait_for_screen(HelpScreen)
        keys = ui.table_text("#help-keys")
        assert "Record in error" in keys
        assert "Merge duplicate" in keys
