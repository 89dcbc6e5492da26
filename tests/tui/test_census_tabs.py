"""Enter after fast tab switching acts on the list shown, never on the one before.

The census reads each list in a thread worker. Seen once at 80x24: ctrl+t eight
times at 0.7 s, then Enter, opened a resident who was not in the list on screen.
Here the store is made slow (each census read waits, as a busy store does), so
the table still holds the previous list's rows when Enter comes.
"""

from __future__ import annotations

import time

import pytest
from textual import events
from textual.widgets import DataTable

from client.ui.screens.census import CensusScreen
from client.ui.screens.resident import ResidentScreen

pytestmark = pytest.mark.tui

SLOW = 0.3


@pytest.fixture
def one_resident(offline_terminal):
    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Alvarez", "given_name": "Rosa",
                                              "birth_date": "1940-02-03", "sex": "female"})
    session.stays.admit(resident_id, admitted_at="2026-01-02")
    session.lock()
    return offline_terminal


def _slowed(read):
    def slow(*args, **kwargs):
        time.sleep(SLOW)
        return read(*args, **kwargs)

    return slow


async def test_enter_typed_ahead_of_a_tab_change_opens_no_one_from_the_old_list(
        one_resident, make_app, drive):
    app = make_app(one_resident)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        screen = app.screen
        table = screen.query_one("#census-table", DataTable)
        await ui.wait_for(lambda: "Alvarez" in ui.table_text("#census-table"))
        session = app.session
        session.residents.census = _slowed(session.residents.census)
        session.departures.page = _slowed(session.departures.page)

        # Seven lists on: "Transferred out", where nobody is. Enter comes while the
        # table still shows the "Current" list with Alvarez.
        # Typed ahead: the keys reach the app at once (the pilot would wait for the
        # workers between keys).
        for key in ["ctrl+t"] * 7:
            app.post_message(events.Key(key, None))
        app.post_message(events.Key("enter", "\r"))
        await ui.wait_for(lambda: screen.status_key == "transferred_out"
                          and not screen._fetching and not screen._fetch_again)
        await ui.wait_for(lambda: table.row_count == 0)
        await pilot.pause(SLOW)
        assert app.screen is screen  # nobody opened, nothing read for a wrong list
        assert any("press Enter again" in note.message
                   for note in app._notifications)  # what the clerk was told

        # On a list that has finished loading, Enter opens the highlighted resident.
        await pilot.press("ctrl+t")  # "All"
        await ui.wait_for(lambda: "Alvarez" in ui.table_text("#census-table")
                          and not screen._fetching and not screen._fetch_again)
        await pilot.press("enter")
        resident = await ui.wait_for_screen(ResidentScreen)
        assert "Alvarez" in ui.screen_text()
        assert isinstance(app.screen_stack[-2], CensusScreen) and resident is app.screen
