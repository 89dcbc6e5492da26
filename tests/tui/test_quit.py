"""ctrl+q with changes waiting asks first: sync then quit, quit now, or stay; with a
form holding typed entries it asks before discarding them, and a save running is
waited for."""

from __future__ import annotations

import threading
import time

import pytest
from textual.widgets import Input

from client.sync.transport import TransportError
from client.ui.app import ChartkeepApp
from client.ui.dialogs.choice import ChoiceDialog
from client.ui.screens.census import CensusScreen
from client.ui.screens.lock import LockScreen

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


class BreakingTransport:
    """A sync that breaks (an error no report carries), then the usual lost link (a
    sync that ends with a report saying so)."""

    def __init__(self, transport) -> None:
        self.transport = transport
        self.broken = True

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        if self.broken:
            raise RuntimeError("the sync broke")
        return self.transport.post(path, body, timeout)


async def test_a_sync_that_breaks_while_quitting_asks_again_and_never_quits_later(
        with_pending, make_app, drive):
    """"Sync, then quit", and the sync breaks (not a failed sync with a report): the
    question comes back. Before, nothing came back and the quit stayed armed: the
    next sync, asked for by the clerk, closed Chartkeep (or asked to quit) unasked."""
    transport = BreakingTransport(with_pending.transport)
    app = make_app(with_pending)
    app.transport = transport
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+q")
        dialog = await ui.wait_for_screen(ChoiceDialog)
        await pilot.press("enter")  # sync, then quit
        await ui.wait_for(lambda: isinstance(app.screen, ChoiceDialog)
                          and app.screen is not dialog)
        await ui.wait_for(lambda: "The sync did not finish" in ui.screen_text())
        await pilot.press("escape")  # stay
        await ui.wait_for(lambda: not isinstance(app.screen, ChoiceDialog))

        transport.broken = False
        await pilot.press("ctrl+s")  # the clerk syncs again, and stays

        def told_or_asked() -> bool:
            told = any("could not be reached" in note.message for note in app._notifications)
            return (told and not app.syncing) or isinstance(app.screen, ChoiceDialog)

        await ui.wait_for(told_or_asked, seconds=60)  # the sync retries first
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ChoiceDialog)


class HeldThenRefused:
    """The first request hangs until released (a sync from before the lock, waiting
    for a server that stopped answering); every request fails."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.requests = 0

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:  # noqa: ARG002  Transport's signature
        self.requests += 1
        if self.requests == 1:
            self.released.wait(20)
        raise TransportError("the server could not be reached (connection refused)")


async def test_sync_then_quit_waits_for_its_own_sync_not_the_one_from_before_the_lock(
        with_pending, drive):
    """"Sync, then quit" chosen after the unlock, while a sync from before the lock
    still waits for the server: the quit waits for the clerk's sync, queued behind
    it. The old sync's end (cut short by the lock) disarmed it, and the clerk's own
    failed sync then left Chartkeep open on the census, unasked."""
    server = HeldThenRefused()
    app = ChartkeepApp(with_pending.home, clock=with_pending.clock, transport=server,
                       idle_lock_seconds=300, auto_sync_seconds=0, status_poll_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: server.requests == 1)  # the sync waits for the server
        await pilot.press("ctrl+l")
        await ui.wait_for_screen(LockScreen)
        await ui.wait_for(lambda: app.locked_session.locked)
        await pilot.press(*with_pending.password, "enter")
        await ui.wait_for(lambda: app.unlocked and isinstance(app.screen, CensusScreen))
        assert app.syncing  # the sync from before the lock is still waiting
        await pilot.press("ctrl+q")
        dialog = await ui.wait_for_screen(ChoiceDialog)
        await pilot.press("enter")  # sync, then quit: queued behind the old sync
        await ui.wait_for(lambda: dialog not in app.screen_stack)

        server.released.set()  # the old sync ends; the clerk's starts, and fails
        await ui.wait_for(lambda: isinstance(app.screen, ChoiceDialog)
                          and app.screen is not dialog, seconds=60)  # asked again
        await ui.wait_for(lambda: "The sync did not finish" in ui.screen_text())
        assert app.is_running


# --- nothing typed is lost: open forms and saves in flight ------------------------


async def _open_register_form(app, pilot, ui):
    from client.ui.dialogs.form import FormDialog

    await ui.sign_in()
    await pilot.press("ctrl+n")
    form = await ui.wait_for_screen(FormDialog)
    await pilot.press(*"Nakamura")
    assert form.query_one("#field-family_name", Input).value == "Nakamura"
    return form


async def test_quit_in_a_form_with_typed_text_asks_and_stay_keeps_it(offline_terminal,
                                                                    make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        form = await _open_register_form(app, pilot, ui)
        await pilot.press("ctrl+q")
        await ui.wait_for_screen(ChoiceDialog)
        assert "Discard what you typed?" in ui.screen_text()
        assert "Register a resident" in ui.screen_text()  # which form would lose it
        await pilot.press("enter")  # the cursor starts on Cancel: Enter keeps the form
        await ui.wait_for(lambda: app.screen is form)
        assert app.is_running
        assert form.query_one("#field-family_name", Input).value == "Nakamura"

        await pilot.press("ctrl+q")
        await ui.wait_for_screen(ChoiceDialog)
        await pilot.press("shift+tab", "enter")  # discard the entries and quit
        await ui.wait_for(lambda: not app.is_running)


async def test_escape_in_a_form_with_typed_text_asks_before_throwing_it_away(
        offline_terminal, make_app, drive):
    """Escape (or Cancel) closes a form at once only when nothing was typed; with
    entries it asks, Escape or Enter on the question keeps the form and its text,
    and only "Discard" closes it."""
    from client.ui.dialogs.form import FormDialog

    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        form = await _open_register_form(app, pilot, ui)
        await pilot.press("escape")
        question = await ui.wait_for_screen(ChoiceDialog)
        assert "Discard what you typed?" in ui.screen_text()
        assert "Register a resident" in ui.screen_text()
        await pilot.press("escape")  # no choice: back to the form
        await ui.wait_for(lambda: app.screen is form)
        await pilot.press("escape")
        await ui.wait_for(lambda: isinstance(app.screen, ChoiceDialog)
                          and app.screen is not question)
        await pilot.press("enter")  # the cursor starts on Cancel
        await ui.wait_for(lambda: app.screen is form)
        assert form.query_one("#field-family_name", Input).value == "Nakamura"

        await pilot.press("escape")
        await ui.wait_for(lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("shift+tab", "enter")  # discard the entries and close
        await ui.wait_for(lambda: not any(isinstance(s, FormDialog) for s in app.screen_stack))
        assert app.is_running

        await pilot.press("ctrl+n")  # an untouched form closes at once
        await ui.wait_for_screen(FormDialog)
        await pilot.press("escape")
        await ui.wait_for(lambda: not any(isinstance(s, FormDialog) for s in app.screen_stack))


async def test_quit_in_an_untouched_form_quits_at_once(offline_terminal, make_app, drive):
    from client.ui.dialogs.form import FormDialog

    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        await ui.wait_for_screen(FormDialog)
        await pilot.press("ctrl+q")
        await ui.wait_for(lambda: not app.is_running)


async def test_quit_right_after_save_waits_for_the_save(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        form = await _open_register_form(app, pilot, ui)
        await ui.fill(given_name="Aiko", birth_date="1938-05-06", sex="female")
        real_submit = form.submit

        def slow_submit(values):  # a store busy with a sync: the write takes a while
            time.sleep(0.5)
            return real_submit(values)

        form.submit = slow_submit
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: form.saving)
        await pilot.press("ctrl+q")  # 0.3 s after ctrl+s, as a clerk leaving does
        await ui.wait_for(lambda: isinstance(app.screen, ChoiceDialog)
                          and "Quit Chartkeep?" in ui.screen_text())  # it waits to be sent
        await pilot.press("tab", "enter")  # quit now; send it next time
        await ui.wait_for(lambda: not app.is_running)
    session = offline_terminal.session()
    try:
        rows = session.residents.census("Nakamura", statuses=None, offset=0, limit=10).rows
        assert [row.display_name for row in rows] == ["Nakamura, Aiko"]
    finally:
        session.lock()


async def test_a_typed_form_survives_the_idle_lock_and_saves_after_unlock(
        offline_terminal, make_app, drive):
    from client.ui.screens.lock import LockScreen

    app = make_app(offline_terminal, idle_lock_seconds=300)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        form = await _open_register_form(app, pilot, ui)
        await ui.fill(given_name="Aiko", birth_date="1938-05-06", sex="female")
        offline_terminal.clock.advance(seconds=301)
        app.check_idle_lock()
        await ui.wait_for_screen(LockScreen)
        await pilot.press(*offline_terminal.password, "enter")
        await ui.wait_for(lambda: app.screen is form and app.unlocked)
        assert form.query_one("#field-family_name", Input).value == "Nakamura"
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: form not in app.screen_stack)
    session = offline_terminal.session()
    try:
        rows = session.residents.census("Nakamura", statuses=None, offset=0, limit=10).rows
        assert [row.display_name for row in rows] == ["Nakamura, Aiko"]
    finally:
        session.lock()


async def test_switch_user_at_the_lock_asks_before_closing_a_typed_form(offline_terminal,
                                                                       make_app, drive):
    from client.ui.screens.lock import LockScreen
    from client.ui.screens.unlock import UnlockScreen

    app = make_app(offline_terminal, idle_lock_seconds=300)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        form = await _open_register_form(app, pilot, ui)
        offline_terminal.clock.advance(seconds=301)
        app.check_idle_lock()  # ctrl+l is not a key inside a form; the idle lock comes
        lock = await ui.wait_for_screen(LockScreen)
        await pilot.press("ctrl+o")
        await ui.wait_for_screen(ChoiceDialog)
        text = ui.screen_text()
        assert "A form left open when the terminal was locked" in text
        assert "Nakamura" not in text and "Register" not in text  # nothing shown while locked
        await pilot.press("enter")  # Cancel: still locked, the form kept underneath
        await ui.wait_for(lambda: app.screen is lock)
        assert form in app.screen_stack

        await pilot.press("ctrl+o")
        await ui.wait_for_screen(ChoiceDialog)
        await pilot.press("shift+tab", "enter")
        await ui.wait_for_screen(UnlockScreen)
        assert form not in app.screen_stack
