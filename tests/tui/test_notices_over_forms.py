"""Notices at a shared 80×24 terminal: over a form they show at the top, so the
form's Save and Cancel stay in view for the seconds a notice lasts (at the bottom
right, where Textual puts them, an error's notice hid Save for 10 s, and the last
save's "Resident registered" hid the next form's buttons); over the lists they
stay at the bottom right, and each is shown whole."""

from __future__ import annotations

import pytest
from textual.widgets._toast import Toast

from client.ui.dialogs.form import FormDialog
from client.ui.locking import SAVE_NOT_FINISHED
from client.ui.screens.census import CensusScreen
from client.ui.screens.lock import LockScreen

from .screen_fit import screen_lines

pytestmark = pytest.mark.tui

SIZE = (80, 24)
ERROR = ("The change could not be written to this terminal's store; nothing you typed "
         "was lost. Try Save again.")


def toasts(screen) -> list[Toast]:
    return [toast for toast in screen.query(Toast) if toast.region.area]


def hidden(screen, *selectors: str) -> list[str]:
    """Which of ``selectors`` a notice covers (any part of it)."""
    return [selector for selector in selectors
            if any(toast.region.overlaps(screen.query_one(selector).region)
                   for toast in toasts(screen))]


async def test_notices_leave_a_forms_buttons_in_view(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        # What a failed save says (``workers.show_worker_error``), and a sync's notice.
        app.notify(ERROR, title="Could not do that", severity="error", timeout=10)
        app.notify("Sync: 3 changes sent, 2 received.", timeout=10)
        await ui.wait_for(lambda: len(toasts(form)) == 2)
        await pilot.pause(0.2)
        assert hidden(form, "#form-save", "#form-cancel") == [], screen_lines(app)
        for toast in toasts(form):  # each read whole
            assert form.region.contains_region(toast.region), screen_lines(app)

        await pilot.press("escape")  # nothing typed: the form closes
        census = await ui.wait_for_screen(CensusScreen)
        await ui.wait_for(lambda: len(toasts(census)) == 2)
        await pilot.pause(0.2)
        # Over the lists the notices keep Textual's place, the bottom right.
        assert max(toast.region.bottom for toast in toasts(census)) >= SIZE[1] - 3


async def test_a_notice_at_the_lock_leaves_unlock_in_view(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+l")
        lock = await ui.wait_for_screen(LockScreen)
        # What the lock screen says when a save running at the lock could not end
        # in time (``locking``), for the clerk about to unlock.
        with app.over_the_lock():
            app.notify(SAVE_NOT_FINISHED, title="Save not finished", severity="warning",
                       timeout=20, markup=False)
        await ui.wait_for(lambda: toasts(lock))
        await pilot.pause(0.2)
        assert hidden(lock, "#password", "#unlock", "#switch-user") == [], screen_lines(app)
