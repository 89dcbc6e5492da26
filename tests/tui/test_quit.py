"""ctrl+q with changes waiting asks first: sync then quit, quit now, or stay."""

from __future__ import annotations

import pytest

from client.ui.dialogs.choice import ChoiceDialog

pytestmark = pytest.mark.tui


@pytest.fixture
def with_pending(offline_terminal):
    session = offline_terminal.session()
    session.residents.register({"family_name": "Okafor", "given_name": "Ada",
                                "birth_date": "1941-03-02", "sex": "female"})
    session.lock()
    return offline_terminal


async def test_nothing_waiting_quits_at_once(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+q")
        await ui.wait_for(lambda: not app.is_running)


async def test_changes_waiting_ask_and_a_failed_sync_asks_again(with_pending, make_app,
                                                                drive):
    app = make_app(with_pending)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+q")
        dialog = await ui.wait_for_screen(ChoiceDialog)
        await pilot.pause()
        assert "1 change made at this terminal has not reached the server" in ui.screen_text()
        await pilot.press("escape")  # stay
        await ui.wait_for(lambda: dialog not in app.screen_stack)
        assert app.is_running

        await pilot.press("ctrl+q")
        dialog = await ui.wait_for_screen(ChoiceDialog)
        await pilot.press("enter")  # the first choice: sync, then quit
        await ui.wait_for(lambda: isinstance(app.screen, ChoiceDialog)
                          and app.screen is not dialog, seconds=60)  # the sync retries first
        await ui.wait_for(lambda: "The sync did not finish" in ui.screen_text())
        assert "could not be reached" in ui.screen_text()
        assert app.is_running  # the change is still here, and the clerk was told

        await pilot.press("tab", "enter")  # quit now; send them next time
        await ui.wait_for(lambda: not app.is_running)
    session = with_pending.session()
    try:
        assert session.outbox.status().pending == 1  # kept for the next sync
    finally:
        session.lock()
