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
    staff_id = session.staff.add({"employee_id": "E-1001", "family_name": "Reyes",
                                  "given_name": "Marisol", "job_title_code": 7,
                                  "pay_type_code": 2})
    session.staff.add_license(staff_id, {"license_type": "RN", "number": "RN-55123",
                                   "issuing_state": "OH", "expires_on": "2026-02-10",
                                   "verified_on": "2026-01-14"})
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
        assert "26 days left" in roster  # 2026-01-15 to an expiry on 2026-02-10
        assert "Expired" not in roster

        staff_terminal.clock.advance(days=27)  # 2026-02-11, the day after expiry
        await pilot.press("ctrl+r")
        await ui.wait_for(lambda: "Expired 1 day ago" in ui.table_text("#roster"))
        await ui.wait_for(lambda: "Expired 1 day ago" in ui.table_text("#licenses"))


async def test_enter_hours_for_a_shift(staff_terminal, make_app, drive):
    app = make_app(staff_terminal)
    async with app.run_test(size=(140, 40)) as pilot:
        ui = drive(pilot)
        screen = await open_staff(ui, pilot)
        await pilot.press("h")
        dialog = await ui.wait_for_screen(FormDialog)
        # An RN's hours without clock times cannot show the RN 8-hour run: said here.
        hints = " ".join(str(w.render()) for w in dialog.query(".field-hint"))
        assert "cannot show the RN 8 consecutive hours" in hints
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


async def test_edit_a_staff_member_and_renew_a_license(staff_terminal, make_app, drive):
    app = make_app(staff_terminal)
    async with app.run_test(size=(140, 40)) as pilot:
        ui = drive(pilot)
        screen = await open_staff(ui, pilot)
        await pilot.press("e")
        dialog = await ui.wait_for_screen(FormDialog)
        await pilot.press("ctrl+s")  # nothing changed: nothing is written
        await ui.wait_for(lambda: app.screen is screen)

        await pilot.press("e")
        dialog = await ui.wait_for_screen(FormDialog)
        await ui.fill(given_name="Marisol [Mari]", hire_date="2026-13-01")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # the bad date is named next to its field
        assert "Hire date" in ui.text_of("#error-hire_date")
        await ui.fill(hire_date="2019-04-01")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "Marisol [Mari]" in ui.table_text("#roster"))

        screen.query_one("#licenses", DataTable).focus()
        await pilot.press("e")
        await ui.wait_for_screen(FormDialog)
        await ui.fill(expires_on="2028-02-10", verification_source="Nursys QuickConfirm")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "2028-02-10" in ui.table_text("#licenses"))
        licenses = ui.table_text("#licenses")
        assert "Current" in licenses
        assert "pending" in licenses


async def test_correct_an_hours_entry_keeps_the_original(staff_terminal, make_app, drive):
    session = staff_terminal.session()
    staff_id = session.staff.roster("reyes").rows[0].id
    session.staff.add_hours(staff_id, {"work_date": "2026-01-14", "hours": "8", "shift": "day",
                                 "job_title_code": 7, "pay_type_code": 2})
    session.lock()
    app = make_app(staff_terminal)
    async with app.run_test(size=(140, 40)) as pilot:
        ui = drive(pilot)
        screen = await open_staff(ui, pilot)
        await ui.wait_for(lambda: "8.00" in ui.table_text("#hours"))
        screen.query_one("#hours", DataTable).focus()
        await pilot.press("e")
        dialog = await ui.wait_for_screen(FormDialog)
        assert "never changed in place" in ui.screen_text()
        await ui.fill(hours="6.25")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        assert dialog is not app.screen
        await ui.wait_for(lambda: "correction" in ui.table_text("#hours"))
        hours = ui.table_text("#hours")
        assert "6.25" in hours
        assert "8.00" in hours  # the original stays, marked corrected
        assert "corrected" in hours
