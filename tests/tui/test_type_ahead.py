"""Keys typed ahead land in the field the clerk meant.

A terminal delivers keys typed ahead (or sent while the app was busy) in one
read. Driven in tmux at 80×24, ``Testperson`` Enter ``Alma`` Enter ``1940-02-28``
typed at once into the new-resident form put ``TestpersonAlma1940-02-28`` in the
family name and left the other two empty: Enter moved the cursor only after the
field had taken the letters behind it. Keys are posted here as one read delivers
them (all queued at once, no pause between them).
"""

from __future__ import annotations

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from client.ui.dialogs.form import FormDialog
from client.ui.screens.census import CensusScreen
from client.ui.screens.unlock import UnlockScreen

pytestmark = pytest.mark.tui


def keys_of(*parts: str) -> list[str]:
    """Each part: a key name ("enter", "tab", "shift+tab", "ctrl+s") or text typed
    letter by letter."""
    keys: list[str] = []
    for part in parts:
        keys.extend([part] if part in {"enter", "tab", "shift+tab", "ctrl+s"} else list(part))
    return keys


def post_read(app: object, keys: list[str]) -> None:
    """The keys as one read of the terminal delivers them: queued all at once."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))  # type: ignore[attr-defined]
        else:
            app.post_message(events.Key(key, None))  # type: ignore[attr-defined]


def value(form: FormDialog[object], name: str) -> str:
    return form.query_one(f"#field-{name}", Input).value


@pytest.mark.parametrize("between", ["enter", "tab"])
async def test_fields_typed_ahead_land_each_in_its_own_field(offline_terminal, make_app,
                                                             drive, between):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        post_read(app, keys_of("Testperson", between, "Alma", between, "1940-02-28"))
        await ui.wait_for(lambda: value(form, "birth_date") or
                          len(value(form, "family_name")) > len("Testperson"), seconds=5)
        await pilot.pause()
        assert (value(form, "family_name"), value(form, "given_name"),
                value(form, "birth_date")) == ("Testperson", "Alma", "1940-02-28")


async def test_shift_tab_typed_ahead_goes_back_a_field(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        post_read(app, keys_of("Testp", "tab", "Alma", "shift+tab", "erson"))
        await ui.wait_for(lambda: value(form, "family_name") == "Testperson"
                          or "erson" in value(form, "given_name"), seconds=5)
        await pilot.pause()
        assert (value(form, "family_name"), value(form, "given_name")) == ("Testperson",
                                                                             "Alma")


async def test_user_name_and_passphrase_typed_ahead_sign_in(offline_terminal, make_app,
                                                            drive):
    """Switching user, the next clerk types their name, Enter, their passphrase,
    Enter at once: the passphrase used to land in the user name (and the sign-in
    failed, counting towards the lockout)."""
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await ui.wait_for_screen(UnlockScreen)
        await ui.wait_for(lambda: screen.query_one("#username", Input).value)
        username = screen.query_one("#username", Input)
        username.value = ""
        username.focus()
        await pilot.pause()
        post_read(app, keys_of(offline_terminal.username, "enter",
                               offline_terminal.password, "enter"))
        await ui.wait_for_screen(CensusScreen)


async def test_enrollment_typed_ahead_fills_each_field(tmp_path, enroll_transport, drive):
    from client.ui.app import ChartkeepApp
    from client.ui.screens.enroll import EnrollScreen

    app = ChartkeepApp(tmp_path / "new-terminal", transport=enroll_transport,
                       auto_sync_seconds=0, status_poll_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await ui.wait_for_screen(EnrollScreen)
        post_read(app, keys_of("http://127.0.0.1:9", "enter", "K7P-2QX", "tab", "Desk 2"))
        terminal_name = screen.query_one("#enroll-terminal_name", Input)
        await ui.wait_for(lambda: terminal_name.value == "Desk 2"
                          or "Desk" in screen.query_one("#enroll-server_url", Input).value,
                          seconds=5)
        assert [screen.query_one(f"#enroll-{name}", Input).value
                for name in ("server_url", "code", "terminal_name")] == [
            "http://127.0.0.1:9", "K7P-2QX", "Desk 2"]


@pytest.fixture
def with_a_phone(offline_terminal):
    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Ada",
                                             "birth_date": "1941-03-02", "sex": "female",
                                             "phone": "555-0100"})
    session.stays.admit(resident_id, admitted_at="2026-01-02")
    session.lock()
    return offline_terminal, resident_id


async def open_phone_form(ui, pilot):
    from textual.widgets import DataTable

    from client.ui.screens.resident import ResidentScreen

    await ui.sign_in()
    await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
    ui.app.screen.query_one("#census-table", DataTable).focus()
    await pilot.press("enter")
    screen = await ui.wait_for_screen(ResidentScreen)
    await ui.wait_for(lambda: screen.view is not None)
    screen.query_one("#demographics", DataTable).focus()
    await pilot.press(*["down"] * 6, "e")
    form = await ui.wait_for_screen(FormDialog)
    assert form.form_title == "Change phone"
    return screen, form


async def test_ctrl_s_typed_right_after_the_entry_saves_the_whole_entry(with_a_phone, make_app,
                                                                        drive):
    """ctrl+s is acted on as the app reads it, before the letters read with it reach
    the field: ``12`` ctrl+s in one read saved the old number (nothing changed) and
    closed the form, the digits lost."""
    term, resident_id = with_a_phone
    app = make_app(term)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen, _form = await open_phone_form(ui, pilot)
        post_read(app, keys_of("12", "ctrl+s"))
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "555-010012" in ui.table_text("#demographics"))
    session = term.session()
    try:
        assert session.residents.get(resident_id).fields["phone"] == "555-010012"
    finally:
        session.lock()


async def test_ctrl_s_after_enter_and_more_typing_waits_for_the_next_field(
        offline_terminal, make_app, drive):
    """Enter, the given name and ctrl+s in one read: the form is saved with the
    given name typed into the next field (it was checked before the letters came,
    refused as missing, and the form stayed open)."""
    from client.ui.screens.resident import ResidentScreen

    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(family_name="Testperson", birth_date="1940-02-28", sex="female")
        form.query_one("#field-family_name", Input).focus()
        await pilot.pause()
        post_read(app, keys_of("enter", "Alma", "ctrl+s"))
        screen = await ui.wait_for_screen(ResidentScreen)
        await ui.wait_for(lambda: screen.view is not None)
        assert screen.view.fields["given_name"] == "Alma"


async def test_corrections_typed_ahead_apply_where_they_were_typed(offline_terminal, make_app,
                                                                   drive):
    """Backspace and the arrows travelled up to the app's bindings while the field
    took the letters behind them: ``ab`` backspace ``cd`` left ``x`` typed at once
    gave ``abcd`` (the x deleted, the b kept) instead of ``acxd``."""
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        post_read(app, ["a", "b", "backspace", "c", "d", "left", "x", "end", "e"])
        await ui.wait_for(lambda: value(form, "family_name").endswith("e"), seconds=5)
        assert value(form, "family_name") == "acxde"
