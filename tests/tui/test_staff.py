"""Staff: hours entered per shift; a license turns expired as the date passes."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from client.ui.dialogs.form import FormDialog
from client.ui.screens.staff import StaffScreen

pytestmark = pytest.mark.tui


@pytest.fixture
def staff_terminal(offline_terminal):
    session = offline_terminal.session()
    staff_id = session.add_staff({"employee_id": "E-1001", "family_name": "Reyes",
                                  "given_name": "Marisol", "job_title_code": 7,
                                  "pay_type_code": 2})
    session.add_license(staff_id, {"license_type": "RN", "number": "RN-55123",
                                   "issuing_state": "OH", "expires_on": "2026-02-10"})
    session.lock()
    return offline_terminal


async def open_staff(ui, pilot):
    await ui.sign_in()
    await pilot.press("f4")
    screen = await ui.wait_for_screen(StaffScreen)
    await ui.wait_for(lambda: "Reyes" in ui.table_text("#roster"))
    await ui.wait_for(lambda: screen.detail is not None)
    screen.query_one("#roster", DataTable).focus()
    return screen


async def test_license_turns_expired_as_the_date_passes(staff_terminal, make_app, drive):
    app = make_app(staff_terminal)
    async with app.run_test(size=(140, 40)) as pilot:
        ui = drive(pilot)
        await open_staff(ui, pilot)
        roster = ui.table_text("#roster")
        assert "Registered Nurse" in roster
        assert "Due in 30 days" in roster
        assert "EXPIRED" not in roster

        staff_terminal.clock.advance(days=27)  # 2026-02-11, the day after expiry
        await pilot.press("ctrl+r")
        await ui.wait_for(lambda: "EXPIRED" in ui.table_text("#roster"))
        await ui.wait_for(lambda: "EXPIRED" in ui.table_text("#licenses"))


async def test_enter_hours_for_a_shift(staff_terminal, make_app, drive):
    app = make_app(staff_terminal)
    async with app.run_test(size=(140, 40)) as pilot:
        ui = drive(pilot)
        screen = await open_staff(ui, pilot)
        await pilot.press("h")
        dialog = await ui.wait_for_screen(FormDialog)
        await ui.fill(hours="23")
        assert "at most 22.5" in ui.text_of("#error-hours")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # refused before saving; nothing lost

        await ui.fill(hours="7.5", shift="evening")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "7.50" in ui.table_text("#hours"))
        hours = ui.table_text("#hours")
        assert "2026-01-15" in hours
        assert "evening" in hours
        assert "Registered Nurse" in hours
