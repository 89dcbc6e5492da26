"""Every table of the resident's record, the bed board (F3), the possible
duplicates (F7), the records department (F9), the MDS assessments and the help
(F1) shows all it holds in an 80×24 window: no column runs past the edge, no
cell is cut (long text wraps onto a further line), and the columns follow what
the table shows now, not what it showed before."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, TabbedContent

from client.ui.dialogs.assessment_forms import AssessmentList
from client.ui.dialogs.diagnosis_form import CodeSearchDialog
from client.ui.dialogs.form import FormDialog
from client.ui.dialogs.message import ConfirmDialog
from client.ui.dialogs.resident_picker import ResidentPickerDialog
from client.ui.screens.beds import BedsScreen
from client.ui.screens.duplicates import DuplicatesScreen
from client.ui.screens.help import HelpScreen
from client.ui.screens.records import RecordsScreen
from client.ui.screens.records_lists import LISTS
from client.ui.screens.resident import ResidentScreen
from client.ui.widgets.fitted_columns import content_widths

from .table_fit import fits, no_sideways_scroll, wider_than_content

pytestmark = pytest.mark.tui

SIZE = (80, 24)
LONG_NOTE = ("Admission note: arrived by ambulance from Riverside General after a fall at "
             "home; alert, oriented, walks with a frame; daughter is the contact.")


@pytest.fixture
def charted(offline_terminal):
    """A resident with two stays (the first discharged, the second on leave in
    hospital), a diagnosis with a long description, a long note, an assessment,
    and a request for records."""
    session = offline_terminal.session()
    rid = session.residents.register({"family_name": "Okafor-Williams",
                                      "given_name": "Adaeze Chiamaka",
                                      "birth_date": "1941-03-02", "sex": "female",
                                      "address": "4471 Old Mill Creek Road, Apartment 12, "
                                                 "Chillicothe, Ohio 45601"})
    first = session.stays.admit(rid, admitted_at="2025-06-02", payer="medicare")
    session.stays.discharge(session.residents.get(rid).stays[0].id,
                            discharged_at="2025-07-30", disposition="home")
    session.stays.admit(rid, admitted_at="2025-11-02", payer="medicaid")
    stay = next(s for s in session.residents.get(rid).stays if not s.discharged_at)
    session.stays.leave(stay.id, leave_type="hospital", at="2026-01-10")
    session.residents.add_diagnosis(rid, {
        "code": "E11.9", "description": "Type 2 diabetes mellitus without complications, "
                                        "managed with diet and oral medication",
        "rank": "principal", "status": "active"})
    session.notes.add(rid, {"category": "admission", "clinical_time": "2025-11-02T14:30",
                            "body": LONG_NOTE})
    session.assessments.add(rid, {"assessment_type": "admission", "ard": "2025-11-08"})
    session.casework.open_request(rid, received_at="2025-12-10T10:00",
                                  requester="Hartley, Lowenstein & Abernathy LLP",
                                  authority="attorney",
                                  what="Progress notes and medication administration records",
                                  current_resident=False)
    session.casework.open_request(rid, received_at="2026-01-15T08:00",
                                  requester="Adaeze Okafor-Williams", authority="resident",
                                  ask="inspect", what="Her chart")
    del first
    session.lock()
    return offline_terminal


def _problems(screen, *selectors: str) -> dict[str, list[str]]:
    found = {}
    for selector in selectors:
        table = screen.query_one(selector, DataTable)
        found[selector] = fits(table)
    return {k: v for k, v in found.items() if v}


async def _open_resident(ui, pilot) -> ResidentScreen:
    await ui.sign_in()
    await pilot.press("enter")
    screen = await ui.wait_for_screen(ResidentScreen)
    await ui.wait_for(lambda: screen.query_one("#stays", DataTable).row_count == 2)
    return screen


async def test_the_residents_record_fits_80_columns(charted, make_app, drive):
    app = make_app(charted)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        screen = await _open_resident(ui, pilot)
        tabs = screen.query_one(TabbedContent)
        for tab, table_id in (("tab-demographics", "#demographics"), ("tab-stays", "#stays"),
                              ("tab-diagnoses", "#diagnoses"), ("tab-notes", "#notes"),
                              ("tab-changes", "#changes")):
            tabs.active = tab
            table = screen.query_one(table_id, DataTable)
            await ui.wait_for(lambda table=table: table.region.width > 0)
            await pilot.pause()
            assert table.row_count, table_id
            assert table.region.right <= SIZE[0]
            assert not fits(table), (table_id, fits(table))
        stays = ui.table_text("#stays")
        assert "On leave" in stays and "2025-07-30" in stays
        assert "Okafor-Williams" in ui.text_of("#resident-title")


async def test_the_assessments_and_help_fit_80_columns(charted, make_app, drive):
    app = make_app(charted)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await _open_resident(ui, pilot)
        await pilot.press("s")
        dialog = await ui.wait_for_screen(AssessmentList)
        table = dialog.query_one("#assessment-table", DataTable)
        await ui.wait_for(lambda: table.row_count == 1 and bool(dialog.rows))
        await pilot.pause()
        assert not fits(table), fits(table)
        await pilot.press("escape")
        await pilot.press("f1")
        help_screen = await ui.wait_for_screen(HelpScreen)
        await pilot.pause()
        keys = help_screen.query_one("#help-keys", DataTable)
        assert keys.row_count > 10
        assert not fits(keys), fits(keys)


async def test_the_assessments_columns_follow_the_list_not_its_empty_sentence(
        offline_terminal, make_app, drive):
    """The empty list's sentence sits in the type column; once an assessment is
    recorded the columns fit it (they kept the sentence's width and the dates
    ran past the dialog's edge)."""
    session = offline_terminal.session()
    rid = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                      "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(rid, admitted_at="2026-01-10")
    session.lock()
    app = make_app(offline_terminal)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("enter")
        await ui.wait_for_screen(ResidentScreen)
        await pilot.press("s")
        dialog = await ui.wait_for_screen(AssessmentList)
        await ui.wait_for(lambda: "No assessments" in ui.table_text("#assessment-table"))
        table = dialog.query_one("#assessment-table", DataTable)
        assert not fits(table), fits(table)
        app.session.assessments.add(rid, {"assessment_type": "admission",
                                          "ard": "2026-01-13"})
        dialog.load()
        await ui.wait_for(lambda: "admission" in ui.table_text("#assessment-table"))
        await pilot.pause()
        assert not fits(table), fits(table)
        assert not wider_than_content(table), wider_than_content(table)
        assert "2026-01-13" in ui.table_text("#assessment-table")


async def test_the_diagnosis_code_list_fits_80_columns(charted, make_app, drive):
    """The codes found by words (i, then ctrl+f): long descriptions wrap within
    the dialog (the description column was as wide as its longest one and the
    list scrolled sideways); a wider window gives them more room."""
    app = make_app(charted)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await _open_resident(ui, pilot)
        await pilot.press("i")
        await ui.wait_for_screen(FormDialog)
        await pilot.press("ctrl+f")
        dialog = await ui.wait_for_screen(CodeSearchDialog)
        await pilot.press(*"diabetes type 2 hyperosmolarity")
        table = dialog.query_one("#code-table", DataTable)
        await ui.wait_for(lambda: "E11.00" in ui.table_text("#code-table"))
        await pilot.pause()
        assert table.region.right <= SIZE[0]
        assert no_sideways_scroll(table), (table.virtual_size, table.scrollable_content_region)
        assert not fits(table), fits(table)
        assert [str(c.label) for c in table.columns.values()] == ["Code", "Description"]
        await pilot.resize_terminal(130, 30)
        await ui.wait_for(lambda: table.size.width > SIZE[0] - 8)
        await pilot.pause()
        assert not fits(table), fits(table)
        await pilot.resize_terminal(*SIZE)
        await ui.wait_for(lambda: table.region.right <= SIZE[0])
        await pilot.pause()
        assert not fits(table), fits(table)


async def test_every_records_list_fits_80_columns(charted, make_app, drive):
    app = make_app(charted)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        screen = await ui.wait_for_screen(RecordsScreen)
        table = screen.query_one("#records-table", DataTable)
        seen = set()
        for which, _ in LISTS:
            await ui.wait_for(lambda which=which: screen.which == which and not table.loading)
            await pilot.pause()
            if table.row_count and table.display:
                seen.add(which)
                assert not fits(table), (which, fits(table))
                assert not wider_than_content(table), (which, wider_than_content(table))
            title = screen.query_one("#records-title")
            line = ui.text_of("#records-title")
            assert "ctrl+t next list" in line
            # The line is longer than the window: it wraps (padding: a cell each side).
            assert title.region.right <= SIZE[0], (line, title.region)
            assert title.region.height * (title.region.width - 2) >= len(line), (line,
                                                                                title.region)
            table.focus()
            await pilot.press("ctrl+t")
        assert {"due", "requests", "completeness"} <= seen
        assert len(line) > SIZE[0]
        # Back on the due list: at 80 columns the work and what is due share a
        # column; a wide window gives each its own.
        while screen.which != "due":
            await pilot.press("ctrl+t")
            await ui.wait_for(lambda: not table.loading)
        await ui.wait_for(lambda: table.row_count > 0)
        assert [str(c.label) for c in table.columns.values()] == ["Due", "Resident", "Work"]
        assert "Request for records: copies for Hartley" in ui.table_text("#records-table")
        await pilot.resize_terminal(130, 30)
        await ui.wait_for(lambda: len(table.columns) == 4)
        await pilot.pause()
        assert not fits(table), fits(table)
        assert "Request for records | Okafor-Williams" in ui.table_text("#records-table")


def test_columns_follow_their_content_and_share_what_is_left():
    columns = (("Date", False), ("Note", True), ("", True))
    short = [("2026-01-14", "Walked to breakfast.", "")]
    assert content_widths(columns, short, 80, 2) == [10, 20, 1]
    long = [("2026-01-14", "Alert and oriented; walked to breakfast with a frame. " * 2,
             "amended ×1 ⟳ pending")]
    widths = content_widths(columns, long, 80, 2)
    assert widths[0] == 10 and sum(widths) == 80 - 2 - 6  # the scrollbar and padding
    assert widths[1] > widths[2] >= len("amended")
    # Too little room for the columns that do not wrap: the widest of them wraps.
    wide = (("Code", False), ("Description", False))
    widths = content_widths(wide, [("E11.9", "Type 2 diabetes mellitus " * 5)], 40, 2)
    assert widths == [5, 40 - 2 - 4 - 5]


@pytest.mark.e2e
@pytest.mark.filterwarnings(
    "ignore:shutdown_timeout should be set on BaseRunner:DeprecationWarning")
async def test_the_bed_board_puts_the_movements_under_it_at_80_columns(facility, make_app,
                                                                      drive):
    """At 80 columns the movements go under the board, and both fit; a wide window
    keeps them side by side. A change waiting on a bed widens its column, and the
    column narrows again when nothing waits."""
    term = facility.enroll(facility.add_user("mrivera", "records_manager"), "Records office")
    session = term.session()
    today = facility.clock.today().isoformat()
    for bed, family in (("101A", "Okafor-Williams"), ("101B", "Vandenberghe-Castellanos")):
        rid = session.residents.register({"family_name": family,
                                          "given_name": "Adaeze Chiamaka",
                                          "birth_date": "1941-03-02", "sex": "female"})
        session.stays.admit(rid, admitted_at=today, bed_id=facility.beds[bed])
    assert session.sync().error is None
    session.lock()
    app = make_app(term)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f3")
        screen = await ui.wait_for_screen(BedsScreen)
        beds = screen.query_one("#beds", DataTable)
        moves = screen.query_one("#movements", DataTable)
        await ui.wait_for(lambda: beds.row_count == 3 and moves.row_count == 2)
        await pilot.pause()
        board, pane = screen.query_one("#bed-board"), screen.query_one("#movements-pane")
        assert pane.region.y >= board.region.bottom
        for table in (beds, moves):
            assert table.region.right <= SIZE[0]
            assert not fits(table), (table.id, fits(table))
            assert not wider_than_content(table), (table.id, wider_than_content(table))
        assert "Vandenberghe-Castellanos" in ui.table_text("#movements")
        # Every column has a heading (a blank one beside "Date" made the date
        # look as if it spanned two columns).
        assert [str(c.label) for c in moves.columns.values()] == [
            "Date", "Movement", "Resident", "Sync"]
        assert all(str(c.label).strip() for c in beds.columns.values())
        # Tab goes from the board to the movements under it and back.
        assert app.focused is beds
        await pilot.press("tab")
        assert app.focused is moves
        await pilot.press("tab")
        assert app.focused is beds
        # A bed taken out of service: its change waits, then is sent.
        beds.move_cursor(row=2)
        await pilot.press("o")
        await ui.wait_for_screen(ConfirmDialog)
        await pilot.press("y")
        await ui.wait_for(lambda: "pending" in ui.table_text("#beds"))
        await pilot.pause()
        assert not fits(beds), fits(beds)
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "pending" not in ui.table_text("#beds"))
        await pilot.pause()
        assert not wider_than_content(beds), wider_than_content(beds)
        await pilot.resize_terminal(160, 40)
        await ui.wait_for(lambda: pane.region.x >= board.region.right)
        await pilot.pause()
        for table in (beds, moves):
            assert not fits(table), (table.id, fits(table))


@pytest.mark.e2e
@pytest.mark.filterwarnings(
    "ignore:shutdown_timeout should be set on BaseRunner:DeprecationWarning")
async def test_possible_duplicates_fit_80_columns(facility, make_app, drive):
    """A pair of long names registered at two terminals (F7): both records' names
    and facts wrap in their columns instead of running past the edge."""
    manager = facility.enroll(facility.add_user("mrivera", "records_manager"), "Records")
    clerk = facility.enroll(facility.add_user("bwong", "clerk"), "Nurses' station")
    first, second = manager.session(), clerk.session()
    person = {"family_name": "Vandenberghe-Castellanos", "given_name": "Maria Dolores",
              "birth_date": "1938-07-09", "sex": "female"}
    first.residents.register(person)
    facility.clock.advance(seconds=1)
    second.residents.register(person)
    for session in (first, second, first):
        assert session.sync().error is None
    first.lock()
    second.lock()
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f7")
        screen = await ui.wait_for_screen(DuplicatesScreen)
        table = screen.query_one("#duplicates", DataTable)
        await ui.wait_for(lambda: table.row_count == 1)
        await pilot.pause()
        assert table.region.right <= SIZE[0]
        assert not fits(table), fits(table)
        assert ui.table_text("#duplicates").count("Vandenberghe-Castellanos") == 2


async def test_the_resident_picker_fits_its_dialog_at_80_columns(charted, make_app, drive):
    """Choosing whose records are asked for (F9, n): the residents found fit the
    dialog (its fixed columns needed 79 cells in 72)."""
    app = make_app(charted)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        await ui.wait_for_screen(RecordsScreen)
        await pilot.press("n")
        picker = await ui.wait_for_screen(ResidentPickerDialog)
        await pilot.press(*"okafor")
        table = picker.query_one("#picker-table", DataTable)
        await ui.wait_for(lambda: table.row_count == 1)
        await pilot.pause()
        assert not fits(table), fits(table)
        assert "Okafor-Williams, Adaeze Chiamaka" in ui.table_text("#picker-table")
