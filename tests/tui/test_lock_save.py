"""A save in flight when the terminal locks: the lock waits for it before the key
goes (bounded), the saved record is there after the unlock, and a save that
could not finish keeps its form and entries with a sentence saying so.

The save is held in its worker by a gate (a store busy with a sync's write, a
slow disk), so the lock comes while it runs; the store is the real encrypted one.
"""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Input, Static

from client.ui.screens.resident import ResidentScreen

pytestmark = pytest.mark.tui

HELD_S = 10.0
"""A held save goes on by itself after this (a test that fails does not hang)."""


async def _saving_held(app, pilot, ui, gate: threading.Event):
    """Sign in, type a new resident and press ctrl+s; the save waits on ``gate``."""
    from client.ui.dialogs.form import FormDialog

    await ui.sign_in()
    await pilot.press("ctrl+n")
    form = await ui.wait_for_screen(FormDialog)
    await pilot.press(*"Nakamura")
    await ui.fill(given_name="Aiko", birth_date="1938-05-06", sex="female")
    real_submit = form.submit

    def held_submit(values):
        gate.wait(HELD_S)
        return real_submit(values)

    form.submit = held_submit
    await pilot.press("ctrl+s")
    await ui.wait_for(lambda: form.saving)
    return form


def _registered(term) -> list[str]:
    session = term.session()
    try:
        rows = session.residents.census("Nakamura", statuses=None, offset=0, limit=10).rows
        return [row.display_name for row in rows]
    finally:
        session.lock()


def _key_gone_or_kept_for_the_save(app, lock) -> bool:
    """The lock has either dropped the key, or says it waits for the save."""
    notes = lock.query("#lock-finishing")
    return app.locked_session.locked or bool(notes and notes.first().display)


async def test_a_save_running_at_the_idle_lock_lands_and_its_form_closes_after_unlock(
        offline_terminal, make_app, drive):
    from client.ui.screens.lock import LockScreen

    app = make_app(offline_terminal, idle_lock_seconds=300)
    gate = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        form = await _saving_held(app, pilot, ui, gate)
        offline_terminal.clock.advance(seconds=301)
        app.check_idle_lock()
        lock = await ui.wait_for_screen(LockScreen)
        await ui.wait_for(lambda: _key_gone_or_kept_for_the_save(app, lock))
        assert "Nakamura" not in ui.screen_text()  # the lock hides the form at once

        gate.set()  # the save goes on, with the terminal locked
        await ui.wait_for(lambda: not form.saving and app.locked_session.locked)
        assert app.screen is lock  # the save landing does not uncover the terminal
        assert "Nakamura" not in ui.screen_text()

        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and form not in app.screen_stack)
        # The form's result goes on as a save's always does: said, and the record opened.
        await ui.wait_for_screen(ResidentScreen)
        assert any("Resident registered" in note.message for note in app._notifications)
    assert _registered(offline_terminal) == ["Nakamura, Aiko"]


async def test_the_passphrase_typed_while_the_save_finishes_unlocks_after_it(
        offline_terminal, make_app, drive):
    from client.ui.screens.lock import LockScreen

    app = make_app(offline_terminal, idle_lock_seconds=300)
    gate = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        form = await _saving_held(app, pilot, ui, gate)
        app.action_lock()
        await ui.wait_for_screen(LockScreen)
        await pilot.press(*offline_terminal.password, "enter")  # before the save ends
        await ui.wait_for(lambda: "Finishing the save first" in ui.text_of("#unlock-status"))
        assert app.locked_session is not None and not app.locked_session.locked
        gate.set()
        await ui.wait_for(lambda: app.unlocked and form not in app.screen_stack)
        await ui.wait_for_screen(ResidentScreen)  # the saved record opens, as after any save
    assert _registered(offline_terminal) == ["Nakamura, Aiko"]


async def test_a_save_that_cannot_finish_does_not_hold_the_lock_and_keeps_the_entries(
        offline_terminal, make_app, drive):
    from client.ui.screens.lock import LockScreen

    app = make_app(offline_terminal, idle_lock_seconds=300)
    app.save_wait_seconds = 0.3  # instead of 20 s
    gate = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        form = await _saving_held(app, pilot, ui, gate)
        offline_terminal.clock.advance(seconds=301)
        app.check_idle_lock()
        lock = await ui.wait_for_screen(LockScreen)
        await ui.wait_for(lambda: app.locked_session.locked)  # the wait ran out: locked
        assert app.screen is lock
        assert any("did not finish in time" in note.message for note in app._notifications)

        gate.set()  # the save ends after the key went: it fails, the form keeps it
        await ui.wait_for(lambda: not form.saving)
        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and app.screen is form)
        assert form.query_one("#field-family_name", Input).value == "Nakamura"
        assert "locked before this save finished" in str(
            form.query_one("#form-error", Static).render())

        await pilot.press("ctrl+s")  # saved again, as the form says
        await ui.wait_for(lambda: form not in app.screen_stack)
    assert _registered(offline_terminal) == ["Nakamura, Aiko"]
