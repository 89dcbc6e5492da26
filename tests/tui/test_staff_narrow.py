"""The staff screen (F4) in an 80×24 window: nothing scrolls sideways. The roster
keeps what a clerk looks a person up by — name, job title, license standing —
with the highlighted person's employee id and next expiry under it; the detail
pane goes under the roster and its tables fit the width. Hours entries are
listed with each entry's correction right after it. A wide window keeps every
roster column and the detail pane beside the roster."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from client.ui.screens.staff import StaffScreen

from .table_fit import no_sideways_scroll

pytestmark = pytest.mark.tui

SIZE = (80, 24)


@pytest.fixture
def staffed(offline_terminal):
    session = offline_terminal.session()
    staff_id = session.staff.add({"employee_id": "E-1001", "family_name": "Okafor-Williams",
                                  "given_name": "Adaeze Chiamaka", "job_title_code": 10,
                                  "pay_type_code": 2})
    session.staff.add_license(staff_id, {"license_type": "CNA", "number": "CNA-55123",
                                         "issuing_state": "OH", "expires_on": "2026-02-10",
                                         "verified_on": "2026-01-14"})
    shift = {"hours": "8", "shift": "day", "job_title_code": 10, "pay_type_code": 2}
    # Entered a minute apart (ids sort by when they were made): the day shift, the
    # evening shift, the day shift's correction, the next day's shift.
    first = session.staff.add_hours(staff_id, {**shift, "work_date": "2026-01-13"})
    for enter in (
            lambda: session.staff.add_hours(staff_id, {**shift, "work_date": "2026-01-13",
                                                       "shift": "evening"}),
            lambda: session.staff.correct_hours(first, {"work_date": "2026-01-13",
                                                        "hours": "7.5"}),
            lambda: session.staff.add_hours(staff_id, {**shift, "work_date": "2026-01-14"})):
        offline_terminal.clock.advance(minutes=1)
        enter()
    session.lock()
    return offline_terminal


async def _open_staff(ui, pilot) -> StaffScreen:
    await ui.sign_in()
    await pilot.press("f4")
    screen = await ui.wait_for_screen(StaffScreen)
    await ui.wait_for(lambda: screen.detail is not None and len(screen.detail.hours) == 4)
    await pilot.pause()
    return screen


async def test_the_staff_screen_fits_80_columns_with_its_key_facts(staffed, make_app, drive):
    app = make_app(staffed)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        screen = await _open_staff(ui, pilot)
        for table_id in ("#roster", "#licenses", "#hours"):
            table = screen.query_one(table_id, DataTable)
            assert table.region.right <= SIZE[0]
            assert no_sideways_scroll(table), (table_id, table.virtual_size.width,
                                                table.scrollable_content_region.width)
        roster = ui.table_text("#roster")
        for fact in ("Okafor-Williams, Adaeze Chiamaka", "Certified Nurse Aide", "26 days left"):
            assert fact in roster, fact
        await ui.wait_for(lambda: "E-1001" in ui.text_of("#roster-page"))
        assert "next expiry 2026-02-10" in ui.text_of("#roster-page")
        # The detail pane is under the roster, and scrolls to a table tabbed into.
        detail, roster_pane = screen.query_one("#staff-detail"), screen.query_one("#roster-pane")
        assert detail.region.y >= roster_pane.region.bottom
        screen.query_one("#hours", DataTable).focus()
        await pilot.pause(0.2)
        hours = screen.query_one("#hours", DataTable)
        assert detail.region.contains_region(hours.region.intersection(detail.region))
        assert "2026-01-14" in ui.screen_text()


async def test_a_correction_follows_the_entry_it_corrects(staffed, make_app, drive):
    app = make_app(staffed)
    async with app.run_test(size=(160, 40)) as pilot:
        ui = drive(pilot)
        await _open_staff(ui, pilot)
        rows = ui.table_text("#hours").splitlines()
        # Newest day first; within a day in the order entered, each correction
        # right under the entry it corrects (it was entered after the evening shift).
        assert [(row.split(" | ")[0], row.split(" | ")[1], row.split(" | ")[2].strip())
                for row in rows] == [
            ("2026-01-14", "8.00", "⟳ pending"),
            ("2026-01-13", "8.00", "corrected ⟳ pending"),
            ("2026-01-13", "7.50", "correction ⟳ pending"),
            ("2026-01-13", "8.00", "⟳ pending"),
        ]
        assert "evening" in rows[3]


async def test_a_wide_window_keeps_every_roster_column_beside_the_detail(
        staffed, make_app, drive):
    app = make_app(staffed)
    async with app.run_test(size=(190, 40)) as pilot:
        ui = drive(pilot)
        screen = await _open_staff(ui, pilot)
        table = screen.query_one("#roster", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["Name", "Employee id", "PBJ job title", "License", "Next expiry"]
        detail, roster_pane = screen.query_one("#staff-detail"), screen.query_one("#roster-pane")
        assert detail.region.x >= roster_pane.region.right
        for table_id in ("#roster", "#licenses", "#hours"):
            assert no_sideways_scroll(screen.query_one(table_id, DataTable)), table_id
        await pilot.resize_terminal(*SIZE)
        await ui.wait_for(lambda: "Employee id" not in [str(c.label)
                                                       for c in table.columns.values()])
        await ui.wait_for(lambda: table.row_count == 1)
        await pilot.pause()
        assert no_sideways_scroll(table)
        assert detail.region.y >= roster_pane.region.bottom
