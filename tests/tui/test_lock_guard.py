"""Only the unlock takes the lock screen off, and nothing shows above it
(client/ui/lock_guard.py).

A worker's result arrives whenever it does: under the lock, a dialog it opens
waits for the unlock, and a dialog it closes closes after the unlock, its answer
delivered then. Another clerk signing in at the lock screen never sees either.
"""

from __future__ import annotations

import _thread
import threading
from collections.abc import Callable
from typing import Any

import pytest

from client.ui.dialogs.message import MessageDialog
from client.ui.screens.census import CensusScreen
from client.ui.screens.lock import LockScreen
from client.ui.screens.unlock import UnlockScreen

pytestmark = pytest.mark.tui

SECRET = "Smith [Jr] moved to bed 12"
"""What the dialogs show: resident data, never for the lock screen."""


def _in_a_worker(screen, call: Callable[[], Any], *, via: str):
    """Run ``call`` on the event loop as a thread worker's result arrives: through
    ``call_from_thread`` (the app runs it) or a message to the screen (the screen's
    handler runs it)."""

    def work() -> None:
        if via == "app":
            screen.app.call_from_thread(call)
        else:
            screen.call_later(call)  # post_message: the screen's own loop runs it

    return screen.run_worker(work, thread=True, group="test-worker")


async def _locked_at_the_census(pilot, ui):
    await ui.sign_in()
    census = await ui.wait_for_screen(CensusScreen)
    await pilot.press("ctrl+l")
    lock = await ui.wait_for_screen(LockScreen)
    return census, lock


@pytest.mark.parametrize("via", ["app", "screen"])
async def test_a_dialog_a_worker_opens_under_the_lock_shows_after_the_unlock(
        offline_terminal, make_app, drive, via):
    app = make_app(offline_terminal, idle_lock_seconds=300)
    answers: list[object] = []
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        census, lock = await _locked_at_the_census(pilot, ui)

        dialog = MessageDialog("Bed change", SECRET)
        worker = _in_a_worker(census, lambda: app.push_screen(dialog, answers.append), via=via)
        await ui.wait_for(lambda: worker.is_finished)
        await pilot.pause()
        assert app.screen is lock
        assert dialog not in app.screen_stack
        assert "bed 12" not in ui.screen_text()

        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and app.screen is dialog)
        assert app.screen_stack[-2] is census  # over the screen it was opened from
        await pilot.press("enter")
        await ui.wait_for(lambda: answers == [None] and app.screen is census)


@pytest.mark.parametrize("via", ["app", "screen"])
async def test_a_dialog_a_worker_closes_under_the_lock_leaves_the_lock_on(
        offline_terminal, make_app, drive, via):
    app = make_app(offline_terminal, idle_lock_seconds=300)
    answers: list[object] = []
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        census = await ui.wait_for_screen(CensusScreen)
        dialog = MessageDialog("Bed change", SECRET)
        app.push_screen(dialog, answers.append)
        await ui.wait_for_screen(MessageDialog)
        offline_terminal.clock.advance(seconds=301)
        app.check_idle_lock()  # the idle lock comes while the dialog is open
        lock = await ui.wait_for_screen(LockScreen)

        worker = _in_a_worker(dialog, lambda: dialog.dismiss("closed"), via=via)
        await ui.wait_for(lambda: worker.is_finished)
        await pilot.pause()
        assert app.screen is lock  # Textual's dismiss would have popped the lock
        assert "bed 12" not in ui.screen_text()
        assert answers == []  # the caller's follow-up waits for the clerk too

        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and answers == ["closed"])
        await ui.wait_for(lambda: app.screen is census)
        assert dialog not in app.screen_stack


async def test_nothing_but_the_unlock_pops_the_lock_screen(offline_terminal, make_app, drive):
    """A pop from anywhere (a recovery from an error, a late callback) is refused."""
    app = make_app(offline_terminal, idle_lock_seconds=300)
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        census, lock = await _locked_at_the_census(pilot, ui)
        app.pop_screen()
        lock.dismiss()
        await pilot.pause()
        assert app.screen is lock
        assert app.screen_stack[-2] is census

        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and app.screen is census)


async def test_what_was_held_for_a_clerk_is_dropped_when_another_signs_in(
        offline_terminal, make_app, drive):
    app = make_app(offline_terminal, idle_lock_seconds=300)
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        census, _lock = await _locked_at_the_census(pilot, ui)
        dialog = MessageDialog("Bed change", SECRET)
        worker = _in_a_worker(census, lambda: app.push_screen(dialog), via="app")
        await ui.wait_for(lambda: worker.is_finished)
        noted = _in_a_worker(census, lambda: app.notify(SECRET), via="app")
        await ui.wait_for(lambda: noted.is_finished)

        await pilot.press("ctrl+o")  # switch user at the lock screen
        await ui.wait_for_screen(UnlockScreen)
        await ui.sign_in()  # the next clerk (here the same name: a fresh stack all the same)
        census = await ui.wait_for_screen(CensusScreen)
        await pilot.pause()
        assert dialog not in app.screen_stack
        assert "bed 12" not in ui.screen_text()
        # The next clerk's own lock and unlock bring none of it back.
        await pilot.press("ctrl+l")
        await ui.wait_for_screen(LockScreen)
        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and app.screen is census)
        await pilot.pause()
        assert dialog not in app.screen_stack
        assert not any(SECRET in note.message for note in app._notifications)


async def test_help_and_the_palette_still_open_at_the_lock_screen(
        offline_terminal, make_app, drive):
    """What the clerk at the lock screen asks for is not held."""
    from textual.command import CommandPalette

    from client.ui.screens.help import HelpScreen

    app = make_app(offline_terminal, idle_lock_seconds=300)
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        _census, lock = await _locked_at_the_census(pilot, ui)
        await pilot.press("f1")
        await ui.wait_for_screen(HelpScreen)
        await pilot.press("escape")
        await ui.wait_for(lambda: app.screen is lock)
        await pilot.press("ctrl+p")
        await ui.wait_for(lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("escape")
        await ui.wait_for(lambda: app.screen is lock)


def test_every_screen_of_the_app_closes_through_the_guard():
    """A screen with Textual's own dismiss would pop the lock screen from under it."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import client.ui.dialogs
    import client.ui.screens
    from client.ui.outliving import ClosesOnTop

    for package in (client.ui.screens, client.ui.dialogs):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")

    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found))

    ours = [cls for cls in subclasses(Screen) if cls.__module__.startswith("client.")]
    assert len(ours) > 20  # every screen and dialog was found
    assert [cls.__qualname__ for cls in ours if not issubclass(cls, ClosesOnTop)] == []


@pytest.mark.parametrize("via", ["app", "screen"])
async def test_a_notification_asked_for_under_the_lock_shows_after_the_unlock(
        offline_terminal, make_app, drive, via):
    """A worker's notice ("Saved: Smith moved to bed 12") may speak of the record:
    at the lock screen it would show it to whoever is at the terminal."""
    app = make_app(offline_terminal, idle_lock_seconds=300)
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        census, lock = await _locked_at_the_census(pilot, ui)

        worker = _in_a_worker(census, lambda: app.notify(SECRET, title="Saved"), via=via)
        await ui.wait_for(lambda: worker.is_finished)
        await pilot.pause()
        assert app.screen is lock
        assert not any(SECRET in note.message for note in app._notifications)
        assert "bed 12" not in ui.screen_text()

        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and app.screen is census)
        await ui.wait_for(lambda: any(SECRET in note.message for note in app._notifications))


async def test_a_notice_on_show_when_the_terminal_locks_leaves_with_the_screens(
        offline_terminal, make_app, drive):
    """A notice shown a moment before the lock ("Saved: Smith moved to bed 12") stays
    on screen for its timeout, and Textual draws notices over whatever screen is on
    top: it was read at the lock screen by whoever came to the terminal. It is
    taken off with the clerk's screens and shown again after the unlock."""
    app = make_app(offline_terminal, idle_lock_seconds=300)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:  # toasts drawn
        ui = drive(pilot)
        await ui.sign_in()
        census = await ui.wait_for_screen(CensusScreen)
        app.notify(SECRET, title="Saved", timeout=60)
        await ui.wait_for(lambda: "bed 12" in ui.screen_text())
        await pilot.press("ctrl+l")
        await ui.wait_for_screen(LockScreen)
        await pilot.pause()
        assert "bed 12" not in ui.screen_text()

        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.unlocked and app.screen is census)
        await ui.wait_for(lambda: "bed 12" in ui.screen_text())


async def test_a_notice_on_show_is_not_left_for_the_next_clerk(offline_terminal, make_app,
                                                                drive):
    app = make_app(offline_terminal, idle_lock_seconds=300)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:  # toasts drawn
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for_screen(CensusScreen)
        app.notify(SECRET, title="Saved", timeout=60)
        await ui.wait_for(lambda: "bed 12" in ui.screen_text())
        await pilot.press("ctrl+o")  # switch user, straight from the census
        await ui.wait_for_screen(UnlockScreen)
        await pilot.pause()
        assert "bed 12" not in ui.screen_text()


async def test_a_section_change_the_lock_interrupts_waits_under_the_lock(
        offline_terminal, make_app, drive):
    """The lock lands while a section change is closing screens: the change stops
    at the lock screen (no pop of it, no endless retry) and ends after the unlock."""
    from client.ui.screens.beds import BedsScreen

    # The fault was a loop that never yields: the event loop blocks and no await
    # times out. A watchdog interrupts the test instead of letting it hang.
    watchdog = threading.Timer(60, _thread.interrupt_main)
    watchdog.start()
    app = make_app(offline_terminal, idle_lock_seconds=300)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            ui = drive(pilot)
            await ui.sign_in()
            await ui.wait_for_screen(CensusScreen)
            app.navigate("beds")
            app.lock()
            lock = await ui.wait_for_screen(LockScreen)
            await ui.wait_for(lambda: not app._navigating)
            assert app.screen is lock
            await pilot.press(*offline_terminal.password, "enter")
            await ui.wait_for(lambda: app.unlocked and isinstance(app.screen, BedsScreen))
            assert lock not in app.screen_stack
    finally:
        watchdog.cancel()
