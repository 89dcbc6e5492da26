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
    """Each part: a key name ("enter", "tab", "shift+tab") or text typed letter by letter."""
    keys: list[str] = []
    for part in parts:
        keys.extend([part] if part in {"enter", "tab", "shift+tab"} else list(part))
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
