"""The main lists reached by the F-keys never scroll sideways in an 80×24 window
and cut no cell (a long name or job title wraps in its column): census, bed
board, staff, sync, users, duplicates, the compliance due lists (whose reason
leaves the columns for a line under them; a wide window keeps it), the records
department and the department."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, TabbedContent

from client.ui.screens.compliance import ComplianceScreen

from .table_fit import cut_cells, no_sideways_scroll
from .test_staff_narrow import SIZE

pytestmark = pytest.mark.tui


@pytest.fixture
def staffed(offline_terminal):
    """A nurse aide whose license is due in 26 days (the licenses due list), one
    shift entered (a change waiting: the sync screen's list), a resident of a long
    name."""
    session = offline_terminal.session()
    resident = session.residents.register({"family_name": "Vandenberghe-Castellanos",
                                           "given_name": "Maria Dolores",
                                           "birth_date": "1938-07-09", "sex": "female"})
    session.stays.admit(resident, admitted_at="2026-01-10")
    staff_id = session.staff.add({"employee_id": "E-1001", "family_name": "Okafor-Williams",
                                  "given_name": "Adaeze Chiamaka", "job_title_code": 10,
                                  "pay_type_code": 2})
    session.staff.add_license(staff_id, {"license_type": "CNA", "number": "CNA-55123",
                                         "issuing_state": "OH", "expires_on": "2026-02-10"})
    session.staff.add_hours(staff_id, {"work_date": "2026-01-13", "hours": "8", "shift": "day",
                                       "job_title_code": 10, "pay_type_code": 2})
    session.lock()
    return offline_terminal


@pytest.mark.parametrize("key", ["f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10"])
async def test_the_main_lists_never_scroll_sideways_at_80_columns(staffed, make_app, drive,
                                                                  key):
    app = make_app(staffed)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press(key)
        await pilot.pause(1.0)  # the census and bed board are empty: nothing to wait for
        shown = [t for t in app.screen.query(DataTable) if t.display and t.region.width]
        # No duplicates, casework, bulletins or requests here: those lists are hidden.
        assert shown or key in ("f7", "f9", "f10")
        for table in shown:
            assert no_sideways_scroll(table), (table.id, table.virtual_size.width,
                                                table.scrollable_content_region.width)
            assert not cut_cells(table), (table.id, cut_cells(table))


async def test_compliance_lists_fit_80_columns_with_the_reason_under_them(
        staffed, make_app, drive):
    """F8's due lists leave out the reason (a sentence) at 80 columns and show the
    highlighted item's under the lists; a wide window keeps it in a column."""
    app = make_app(staffed)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f8")
        screen = await ui.wait_for_screen(ComplianceScreen)
        await ui.wait_for(lambda: screen.shown.get("licenses"))
        screen.query_one(TabbedContent).active = "due-licenses"
        table = screen.query_one("#list-licenses", DataTable)
        await ui.wait_for(lambda: table.region.width > 0)
        table.focus()
        await pilot.pause(0.2)
        assert no_sideways_scroll(table), (table.virtual_size.width,
                                            table.scrollable_content_region.width)
        assert "Okafor-Williams" in ui.table_text("#list-licenses")
        why = screen.shown["licenses"][0].why
        await ui.wait_for(lambda: ui.text_of("#due-why") == why)
        await pilot.resize_terminal(130, 30)
        await ui.wait_for(lambda: "Why" in [str(c.label) for c in table.columns.values()])
        await ui.wait_for(lambda: why in ui.table_text("#list-licenses"))
        await pilot.pause()
        assert no_sideways_scroll(table)
        assert not screen.query_one("#due-why").display
