"""At 80×24 nothing is cut and the keys shown are the right ones: the footer
shows only whole keys (and a form's own keys inside a form), the status line and
the census's lists fit the width, a form opens at its first label, the ICD
search wraps long descriptions, the staff roster keeps most of the screen, F1
lists Chartkeep's keys only, and the terminal says "passphrase" throughout."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Label, Tab, Tabs
from textual.widgets._footer import FooterKey

from client.ui.dialogs.choice import ChoiceDialog
from client.ui.dialogs.diagnosis_form import CodeSearchDialog
from client.ui.dialogs.form import FormDialog
from client.ui.screens.help import EVERYWHERE, THIS_SCREEN, HelpScreen
from client.ui.screens.lock import LockScreen
from client.ui.screens.resident import ResidentScreen
from client.ui.screens.staff import StaffScreen
from client.ui.widgets.sync_bar import SyncBar

from .screen_fit import fully_shown, row_of, screen_lines
from .table_fit import fits

pytestmark = pytest.mark.tui

SIZE = (80, 24)
PALETTE = "-command-palette"
"""Textual's class for the palette key, docked at the footer's right end."""
RECORDS_DUE = "records: 5 due · 1 overdue · next 2026-01-20"


@pytest.fixture
def busy(offline_terminal):
    """A resident, and eight staff with long job titles (rows of two lines at 80
    columns), licenses and hours: what a facility's terminal holds."""
    session = offline_terminal.session()
    rid = session.residents.register({"family_name": "Okafor-Williams",
                                      "given_name": "Adaeze Chiamaka",
                                      "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(rid, admitted_at="2026-01-10")
    for number, title in enumerate((6, 8, 12, 19, 22, 25, 27, 28)):
        staff_id = session.staff.add({"employee_id": f"E-{1001 + number}",
                                      "family_name": f"Vandenberghe-Castellanos {number}",
                                      "given_name": "Marisol Anne", "job_title_code": title,
                                      "pay_type_code": 2})
        session.staff.add_hours(staff_id, {"work_date": "2026-01-14", "hours": "8",
                                           "shift": "day", "job_title_code": title,
                                           "pay_type_code": 2})
    session.lock()
    return offline_terminal


def footer_problems(app) -> list[str]:
    """Every key the footer shows that is not whole, or that runs under the
    palette key; an empty list when every shown key reads whole."""
    keys = [key for key in app.screen.query(FooterKey) if key.display]
    palette = [key for key in keys if key.has_class(PALETTE)]
    edge = min([key.region.x for key in palette], default=SIZE[0])
    problems = []
    for key in keys:
        if key in palette:
            continue
        words = f"{key.key_display} {key.description}"
        if key.region.right > edge:
            problems.append(f"{words!r} ends at {key.region.right}, the footer's room at {edge}")
        elif words not in row_of(app, key):
            problems.append(f"{words!r} is not shown whole")
    return problems


def footer_words(app) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey) if key.display]


async def _settle(pilot, ui) -> None:
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.2)


@pytest.mark.parametrize("where", ["census", "staff", "staff-roster", "resident", "beds",
                                   "compliance"])
async def test_the_footer_shows_whole_keys_only(busy, make_app, drive, where):
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        if where.startswith("staff"):
            await pilot.press("f4")
            staff = await ui.wait_for_screen(StaffScreen)
            if where == "staff-roster":
                staff.query_one("#roster").focus()
        elif where == "resident":
            await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
            app.screen.query_one("#census-table", DataTable).focus()
            await pilot.press("enter")
            await ui.wait_for_screen(ResidentScreen)
        elif where == "beds":
            await pilot.press("f3")
        elif where == "compliance":
            await pilot.press("f8")
        await _settle(pilot, ui)
        assert footer_problems(app) == []
        assert footer_words(app)[0] == "Help"


async def test_the_status_line_fits_80_columns(busy, make_app, drive):
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        app.records_line = RECORDS_DUE  # what the app's due-list reading sets
        bar = app.screen.query_one(SyncBar)
        await ui.wait_for(lambda: "overdue" in str(bar.render()))
        shown = bar.render()
        assert cell_len(str(shown)) <= bar.content_region.width, str(shown)
        line = row_of(app, bar)
        for words in ("Offline", "18 to send", "records: 5 due", "1 overdue"):
            assert words in line, (words, line)


async def test_every_census_list_has_a_whole_tab(busy, make_app, drive):
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await _settle(pilot, ui)
        tabs = app.screen.query_one("#census-status", Tabs)
        row = row_of(app, tabs)
        for tab in tabs.query(Tab):
            assert fully_shown(tab), tab.label_text
            assert tab.label_text in row
        assert "Out" in row and row.rstrip().endswith("All")
        # The full name is one hover away.
        assert tabs.query_one("#tab-transferred_out", Tab).tooltip == "Transferred out"


@pytest.mark.parametrize("keys", [("ctrl+n",), ("f4", "h"), ("f4", "c")])
async def test_a_form_opens_with_its_first_label_in_view(busy, make_app, drive, keys):
    """Register a resident, hours and a license: the first field's label shows
    above its input when the form opens, and the footer shows the form's keys."""
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        if keys[0] == "f4":
            await pilot.press("f4")
            staff = await ui.wait_for_screen(StaffScreen)
            await ui.wait_for(lambda: staff.detail is not None)
            staff.query_one("#roster").focus()
        await pilot.press(keys[-1])
        form = await ui.wait_for_screen(FormDialog)
        await _settle(pilot, ui)
        first = form.query_one("#form-fields").query(Label).first()
        assert fully_shown(first), (first.render(), screen_lines(app)[:8])
        assert fully_shown(form.query_one(f"#field-{form.fields[0].name}"))
        words = footer_words(app)
        assert "Save" in words and "Cancel" in words, words
        assert not {"Filter", "New resident", "Hours", "Edit field"} & set(words), words
        assert footer_problems(app) == []


async def test_dialogs_show_their_own_keys(busy, make_app, drive):
    """The quit question and F1 show their own keys in the footer, whole."""
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+q")  # changes wait to be sent: Chartkeep asks first
        await ui.wait_for(lambda: isinstance(app.screen, ChoiceDialog))
        await _settle(pilot, ui)
        words = footer_words(app)
        assert "Cancel" in words, words
        assert "New resident" not in words
        assert footer_problems(app) == []
        await pilot.press("escape")
        await ui.wait_for(lambda: not isinstance(app.screen, ChoiceDialog))
        await pilot.press("f1")
        await ui.wait_for_screen(HelpScreen)
        await _settle(pilot, ui)
        assert footer_words(app) and "New resident" not in footer_words(app)
        assert "Close" in footer_words(app)


async def test_the_icd_search_wraps_long_descriptions(busy, make_app, drive):
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
        app.screen.query_one("#census-table", DataTable).focus()
        await pilot.press("enter")
        await ui.wait_for_screen(ResidentScreen)
        await pilot.press("i")
        await ui.wait_for_screen(FormDialog)
        await pilot.press("ctrl+f")
        search = await ui.wait_for_screen(CodeSearchDialog)
        await pilot.press(*"diabetes type 2")
        table = search.query_one("#code-table", DataTable)
        await ui.wait_for(lambda: table.row_count > 3)
        await _settle(pilot, ui)
        descriptions = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert any(cell_len(text) > 60 for text in descriptions)  # some are long
        assert fits(table) == []
        assert "Cancel" in footer_words(app)


async def test_the_roster_keeps_most_of_the_staff_screen(busy, make_app, drive):
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f4")
        staff = await ui.wait_for_screen(StaffScreen)
        roster = staff.query_one("#roster", DataTable)
        await ui.wait_for(lambda: roster.row_count == 8 and staff.detail is not None)
        await _settle(pilot, ui)
        room = roster.scrollable_content_region.height
        heights = [row.height for row in roster.ordered_rows]
        assert max(heights) >= 2  # the long names and titles wrap
        shown, used = 0, 0
        for height in heights:
            used += height
            if used > room:
                break
            shown += 1
        assert shown >= 4, (shown, room, heights, screen_lines(app))
        assert staff.query_one("#staff-detail").region.height >= 5


async def test_help_lists_chartkeeps_keys_only(busy, make_app, drive):
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f1")
        help_screen = await ui.wait_for_screen(HelpScreen)
        screens = {row.description for row in help_screen.rows
                   if row.group in (THIS_SCREEN, EVERYWHERE)}
        assert not {"Copy selected text", "Focus Next", "Focus Previous"} & screens, screens
        assert "super+c" not in {row.key for row in help_screen.rows}
        assert "Quit" in screens  # Textual's key, but Chartkeep asks before quitting
        assert "New resident" in screens


async def test_the_lock_screen_says_passphrase(busy, make_app, drive):
    app = make_app(busy)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+l")
        lock = await ui.wait_for_screen(LockScreen)
        lock.query_one("#password").focus()
        await pilot.press(*"not the right one at all", "enter")
        await ui.wait_for(lambda: "not correct" in "\n".join(screen_lines(app)))
        text = "\n".join(screen_lines(app)).lower()
        assert "passphrase is not correct" in text
        assert "password" not in text
