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
    missing = "the keys table went missing"

    def broken_mount(self) -> None:
        raise RuntimeError(missing)  # the log shows this line, not the message

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
        assert "the keys table went missing" in text  # the clerk reads the message
        log = (offline_terminal.home / ERROR_LOG).read_text()
        assert "Traceback" in log and "RuntimeError" in log and "broken_mount" in log
        assert "the keys table went missing" not in log  # a message may name a resident
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
            raise RuntimeError(f"checking {self.raw_value(spec)!r} failed")  # names her
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
        # Security case 4: no resident's name on disk, the error log included (the
        # error's message named her; the log keeps its type and where it was raised).
        log = (offline_terminal.home / ERROR_LOG).read_text()
        assert "broken_check" in log and "RuntimeError" in log
        assert "Okafor" not in log and "Adaeze" not in log
