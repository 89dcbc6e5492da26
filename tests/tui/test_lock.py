"""Idle lock: after the idle time the lock screen hides everything and the key is dropped."""

from __future__ import annotations

import pytest

from client.ui.screens.census import CensusScreen
from client.ui.screens.lock import LockScreen
from client.ui.screens.resident import ResidentScreen
from client.ui.screens.unlock import UnlockScreen

pytestmark = pytest.mark.tui

NAME = "Smith [Jr]"


@pytest.fixture
def terminal_with_resident(offline_terminal):
    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Smith [Jr]", "given_name": "Walter",
                                             "birth_date": "1938-07-04", "sex": "male"})
    session.stays.admit(resident_id, admitted_at="2026-01-10")
    session.lock()
    return offline_terminal


async def test_idle_lock_hides_residents_and_drops_the_key(terminal_with_resident, make_app,
                                                           drive):
    term = terminal_with_resident
    app = make_app(term, idle_lock_seconds=300)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: NAME in ui.table_text("#census-table"))
        assert NAME in ui.screen_text()
        session = app.session

        term.clock.advance(seconds=299)
        app.check_idle_lock()
        assert app.unlocked  # not idle long enough yet

        term.clock.advance(seconds=2)
        app.check_idle_lock()
        await ui.wait_for_screen(LockScreen)
        await ui.wait_for(lambda: session.locked)
        assert not app.unlocked
        assert "Smith" not in ui.screen_text()
        assert "Walter" not in ui.screen_text()

        # Unlocking as the same clerk returns to the census, data read again.
        await pilot.press(*term.password, "enter")
        await ui.wait_for(lambda: isinstance(app.screen, CensusScreen) and app.unlocked)
        await ui.wait_for(lambda: NAME in ui.table_text("#census-table"))
        assert app.session is session and not session.locked  # resumed, with a new key


async def test_activity_postpones_the_idle_lock(terminal_with_resident, make_app, drive):
    term = terminal_with_resident
    app = make_app(term, idle_lock_seconds=300)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        term.clock.advance(seconds=200)
        await pilot.press("s")  # the clerk types in the filter
        term.clock.advance(seconds=200)
        app.check_idle_lock()
        assert app.unlocked


async def test_switch_user_from_the_lock_screen(terminal_with_resident, make_app, drive):
    app = make_app(terminal_with_resident)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+l")
        await ui.wait_for_screen(LockScreen)
        await pilot.press("ctrl+o")
        await ui.wait_for_screen(UnlockScreen)
        assert [type(s) for s in app.screen_stack[1:]] == [UnlockScreen]
        assert "Smith" not in ui.screen_text()


async def test_switch_user_from_the_lock_draws_no_screen_of_the_clerk_who_locked(
        terminal_with_resident, make_app, drive):
    """The next person at the terminal never sees a screen of the clerk who locked,
    not even for a frame while the stack is replaced (each pop revealed the screen
    under it: the resident's record, then the census)."""
    app = make_app(terminal_with_resident)
    drawn: list[object] = []
    display = app._display

    def recording(screen, renderable):
        if renderable is not None and not app._batch_count:  # what reaches the terminal
            drawn.append(screen)
        display(screen, renderable)

    app._display = recording
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: NAME in ui.table_text("#census-table"))
        await pilot.press("enter")  # the resident's record
        await ui.wait_for_screen(ResidentScreen)
        await pilot.press("ctrl+l")
        await ui.wait_for_screen(LockScreen)
        await pilot.pause()
        drawn.clear()
        await pilot.press("ctrl+o")
        await ui.wait_for_screen(UnlockScreen)
        await pilot.pause()
        shown = {type(screen).__name__ for screen in drawn}
        assert shown <= {"LockScreen", "UnlockScreen"}, shown


async def test_nothing_gets_past_the_lock_but_the_passphrase(terminal_with_resident, make_app,
                                                             drive):
    """Security case 13, "unlock needs the password": at the lock screen the
    section keys, escape, sync and the command palette show no resident, and a
    wrong passphrase leaves it locked; only the right one opens it again."""
    term = terminal_with_resident
    app = make_app(term, idle_lock_seconds=300)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: NAME in ui.table_text("#census-table"))
        term.clock.advance(seconds=301)
        app.check_idle_lock()
        lock = await ui.wait_for_screen(LockScreen)
        for keys in (["f2"], ["f3"], ["f4"], ["f5"], ["f6"], ["f8"], ["f9"], ["escape"],
                     ["ctrl+s"], ["ctrl+p", *"census", "enter"], ["escape"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert not app.unlocked, keys
            assert "Smith" not in ui.screen_text() and "Walter" not in ui.screen_text(), keys
        while app.screen is not lock:  # a palette left open closes
            await pilot.press("escape")
        lock.query_one("#password").focus()
        await pilot.press(*"not the passphrase at all", "enter")
        await ui.wait_for(lambda: "not correct" in ui.text_of("#unlock-status"))
        assert app.screen is lock and not app.unlocked
        assert "Smith" not in ui.screen_text()
        await pilot.press(*term.password, "enter")
        await ui.wait_for(lambda: isinstance(app.screen, CensusScreen) and app.unlocked)


async def test_ctrl_l_locks_over_an_open_form_and_the_entries_wait(terminal_with_resident,
                                                                   make_app, drive):
    """A clerk called away mid-entry presses ctrl+l: the form is a modal dialog,
    where Textual stops the app's ordinary keys, so the lock must be a priority
    key. The typed entries are still there after the unlock."""
    from textual.widgets import Input

    from client.ui.dialogs.form import FormDialog

    term = terminal_with_resident
    app = make_app(term)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        await pilot.press(*"Nakamura")
        await pilot.press("ctrl+l")
        lock = await ui.wait_for_screen(LockScreen)
        assert not app.unlocked
        assert "Nakamura" not in ui.screen_text() and "Smith" not in ui.screen_text()
        await pilot.press(*term.password, "enter")
        await ui.wait_for(lambda: app.unlocked and app.screen is form)
        assert lock not in app.screen_stack
        assert "Nakamura" in [w.value for w in form.query(Input)]


@pytest.mark.parametrize(("value", "seconds"), [
    (None, 300.0), ("120", 120.0), ("1", 5.0), ("0", 300.0), ("-5", 300.0),
    ("soon", 300.0), ("nan", 300.0), ("inf", 300.0), ("1e400", 300.0), ("-inf", 300.0),
    ("900", 900.0), ("3600", 3600.0), ("7200", 3600.0), ("1e300", 3600.0),  # an hour at most
])
def test_the_idle_lock_is_five_minutes_unless_configured_and_never_switched_off(value,
                                                                               seconds):
    """The automatic logoff: 5 minutes by default, configurable
    (CHARTKEEP_IDLE_LOCK_SECONDS), but no value of the setting turns it off:
    "inf" (or a number too large for a float, read as infinite) used to leave the
    terminal open for ever, and so did a huge finite number: an hour at most."""
    from client.ui.settings import UISettings

    env = {} if value is None else {"CHARTKEEP_IDLE_LOCK_SECONDS": value}
    assert UISettings.from_env(env).idle_lock_seconds == seconds
