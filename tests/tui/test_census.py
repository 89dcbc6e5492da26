"""The census: filter as you type, clear empty states, paging, names as typed;
the command palette and the help screen reach everything from the keyboard."""

from __future__ import annotations

import pytest
from textual.command import CommandList
from textual.widgets import DataTable, Input

from client.ui.screens.census import PAGE_SIZE
from client.ui.screens.help import HelpScreen
from client.ui.screens.resident import ResidentScreen
from client.ui.screens.staff import StaffScreen

pytestmark = pytest.mark.tui

RESIDENTS = 120


def palette_offers(app, text: str) -> bool:
    """The command palette's first hit mentions ``text``."""
    results = app.screen.query_one(CommandList)
    return results.option_count > 0 and text in str(results.get_option_at_index(0).prompt)


@pytest.fixture
def busy_terminal(offline_terminal):
    session = offline_terminal.session()
    names = [f"Family{i:03d}" for i in range(RESIDENTS - 2)] + ["Smith [Jr]", "[bold]Okafor"]
    for name in names:
        resident_id = session.residents.register({"family_name": name, "given_name": "Ada",
                                                 "birth_date": "1940-01-01", "sex": "female"})
        session.stays.admit(resident_id, admitted_at="2026-01-02")
    session.lock()
    return offline_terminal


async def test_filter_as_you_type_and_page(busy_terminal, make_app, drive):
    app = make_app(busy_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        table = app.screen.query_one("#census-table", DataTable)
        await ui.wait_for(lambda: table.row_count == PAGE_SIZE)
        assert f"Residents 1–{PAGE_SIZE} of {RESIDENTS}" in ui.text_of("#census-page")

        await pilot.press("pagedown")
        await ui.wait_for(lambda: f"Residents {PAGE_SIZE + 1}–" in ui.text_of("#census-page"))
        assert table.row_count == PAGE_SIZE  # one page at a time, never all rows

        await pilot.press(*"family10")
        await ui.wait_for(lambda: table.row_count == 10)  # Family100 … Family109
        assert "of 10" in ui.text_of("#census-page")

        app.screen.query_one("#census-filter", Input).value = "xyz"
        await ui.wait_for(lambda: "No residents match 'xyz'" in ui.text_of("#census-empty"))
        assert not table.display or table.row_count == 0
        # The message stands right under the list's header, where the clerk is
        # looking, not at the foot of an empty 40-line pane.
        empty = app.screen.query_one("#census-empty")
        await ui.wait_for(lambda: empty.region.y <= table.region.y + 3)

        app.screen.query_one("#census-filter", Input).value = ""  # and back again: rows fill
        await ui.wait_for(lambda: table.row_count == PAGE_SIZE)
        await ui.wait_for(lambda: table.region.height > PAGE_SIZE // 2)


async def test_names_show_exactly_as_typed(busy_terminal, make_app, drive):
    app = make_app(busy_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        app.screen.query_one("#census-filter", Input).value = "["
        await ui.wait_for(lambda: app.screen.query_one("#census-table", DataTable).row_count == 2)
        cells = ui.table_text("#census-table")
        assert "Smith [Jr], Ada" in cells
        assert "[bold]Okafor, Ada" in cells
        # The rows are in the table before the screen paints them: wait for the paint.
        await ui.wait_for(lambda: "Smith [Jr]" in ui.screen_text())
        assert "[bold]Okafor" in ui.screen_text()


async def test_command_palette_and_help(busy_terminal, make_app, drive):
    app = make_app(busy_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()

        await pilot.press("f1")
        await ui.wait_for_screen(HelpScreen)
        keys = ui.table_text("#help-keys")
        for description in ("Switch user", "Lock", "New resident", "Sync now", "Filter"):
            assert description in keys
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pilot.press(*"Staff")
        await ui.wait_for(lambda: palette_offers(app, "Staff"))
        await pilot.press("enter")
        await ui.wait_for_screen(StaffScreen)

        await pilot.press("ctrl+p")
        await pilot.press(*"Family042")
        await ui.wait_for(lambda: palette_offers(app, "Open Family042"))
        await pilot.press("enter")
        screen = await ui.wait_for_screen(ResidentScreen)
        await ui.wait_for(lambda: screen.view is not None)
        assert "Family042" in ui.text_of("#resident-title")


async def test_the_last_filter_typed_wins(busy_terminal, make_app, drive):
    """Keys typed while a query runs are folded into one query for the newest text."""
    app = make_app(busy_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        screen = app.screen
        await ui.wait_for(lambda: screen.page is not None)
        await pilot.press(*"family01", "backspace")  # no pause between keys
        await ui.wait_for(lambda: "of 100" in ui.text_of("#census-page"))
        assert screen.query_text == "family0"
        assert screen.page.total == 100
        table = screen.query_one("#census-table", DataTable)
        assert table.row_count == PAGE_SIZE
        await pilot.press("backspace", "backspace")  # "famil": every Family again
        await ui.wait_for(lambda: screen.page.total == RESIDENTS - 2)
        assert screen.query_text == "famil"
