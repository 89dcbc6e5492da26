"""An error nobody planned for: the app stays up, says so, logs it, keeps what was typed."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from client.ui.dialogs.form import FormDialog
from client.ui.dialogs.message import MessageDialog
from client.ui.screens.census import CensusScreen
from client.ui.screens.help import HelpScreen
from client.ui.unexpected import ERROR_LOG

pytestmark = pytest.mark.tui


async def test_a_dialog_that_fails_to_open_is_closed_and_reported(
        offline_terminal, make_app, drive, monkeypatch):
    def broken_mount(self) -> None:
        raise RuntimeError("the keys table went missing")

    monkeypatch.setattr(HelpScreen, "on_mount", broken_mount)
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f1")
        dialog = await ui.wait_for_screen(MessageDialog)
        assert app.is_running
        assert not any(isinstance(s, HelpScreen) for s in app.screen_stack)
        text = ui.screen_text()
        assert "Something went wrong" in text
        assert "Chartkeep is still running" in text
        log = (offline_terminal.home / ERROR_LOG).read_text()
        assert "the keys table went missing" in log and "Traceback" in log
        await pilot.press("enter")
        await ui.wait_for(lambda: dialog not in app.screen_stack)
        assert isinstance(app.screen, CensusScreen)
        await pilot.press("f1")  # the app still answers keys
        assert [type(e) for e in app.unexpected_errors] == [RuntimeError, RuntimeError]


async def test_a_form_that_breaks_shows_what_was_typed(offline_terminal, make_app, drive,
                                                        monkeypatch):
    original = FormDialog._check

    def broken_check(self, spec):
        if self.raw_value(spec) == "Okafor!":
            raise RuntimeError("checking the field failed")
        return original(self, spec)

    monkeypatch.setattr(FormDialog, "_check", broken_check)
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        form.query_one("#field-given_name", Input).value = "Adaeze"
        form.query_one("#field-family_name", Input).value = "Okafor!"
        await ui.wait_for_screen(MessageDialog)
        assert app.is_running and form not in app.screen_stack
        text = ui.screen_text()
        assert "What you had typed" in text
        assert "given_name: Adaeze" in text and "family_name: Okafor!" in text
