"""A staff member's compliance records entered at the terminal: a registry check and
in-service training (the compliance lists clear), a review, paid leave, a night
shift by its clock times; refusals by the shared rules at entry; the keys shown
only to the roles that may use them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textual.widgets import DataTable, SelectionList, TabbedContent

from client import terminal
from client.clock import ManualClock
from client.ui.dialogs.attendee_picker import AttendeePicker
from client.ui.dialogs.form import FormDialog
from client.ui.dialogs.staff_status import StaffCompliance
from client.ui.screens.compliance import ComplianceScreen
from client.ui.screens.staff import StaffScreen

from .conftest import PASSWORD, START, EnrollOnlyTransport, Terminal
from .table_fit import fits

pytestmark = pytest.mark.tui


@pytest.fixture
def aide_and_nurse(offline_terminal):
    """Osei, a nurse aide hired 2025-12-01, worked 2026-01-13 never checked on a
    registry, with no in-service yet; Reyes, an RN. Today is 2026-01-15."""
    session = offline_terminal.session()
    aide = session.staff.add({"employee_id": "E-3", "family_name": "Osei",
                              "given_name": "Kwame", "job_title_code": 10, "pay_type_code": 2,
                              "hire_date": "2025-12-01"})
    session.staff.add_hours(aide, {"work_date": "2026-01-13", "hours": "7.50",
                                   "job_title_code": 10, "pay_type_code": 2})
    session.staff.add({"employee_id": "E-1", "family_name": "Reyes", "given_name": "Marisol",
                       "job_title_code": 7, "pay_type_code": 2})
    session.lock()
    return offline_terminal


async def open_staff(ui, pilot, name: str) -> StaffScreen:
    await pilot.press("f4")
    screen = await ui.wait_for_screen(StaffScreen)
    await ui.wait_for(lambda: name in ui.table_text("#roster"))
    roster = screen.query_one("#roster", DataTable)
    roster.focus()
    row = next(i for i, line in enumerate(ui.table_text("#roster").splitlines()) if name in line)
    roster.move_cursor(row=row)
    await ui.wait_for(lambda: screen.detail is not None and name in screen.detail.display_name)
    return screen


async def open_compliance(ui, pilot) -> ComplianceScreen:
    await pilot.press("f8")
    screen = await ui.wait_for_screen(ComplianceScreen)
    await ui.wait_for(lambda: "Nothing" in ui.table_text("#list-registry")
                      or "Osei" in ui.table_text("#list-registry"))
    return screen


async def test_registry_check_and_in_service_clear_the_lists(aide_and_nurse, make_app, drive):
    app = make_app(aide_and_nurse)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await open_compliance(ui, pilot)
        assert "violation" in ui.table_text("#list-registry")
        await ui.wait_for(lambda: "Osei" in ui.table_text("#list-in_service"))

        staff = await open_staff(ui, pilot, "Osei")
        await pilot.press("g")
        form = await ui.wait_for_screen(FormDialog)
        assert app.focused is form.query_one("#field-state")
        await ui.fill(state="OH", checked_on="2026-01-16")
        assert "cannot be in the future" in ui.text_of("#error-checked_on")
        await ui.fill(checked_on="2026-01-12")  # checked before the first shift
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is staff)

        await pilot.press("t")
        picker = await ui.wait_for_screen(AttendeePicker)
        assert app.focused is picker.query_one("#attendee-filter")
        await ui.wait_for(lambda: "1 chosen: Osei, Kwame" in ui.text_of("#attendee-count"))
        await pilot.press("ctrl+s")
        form = await ui.wait_for_screen(FormDialog)
        assert app.focused is form.query_one("#field-held_on")
        await ui.fill(hours="20", title="Annual in-service day",
                      topics="dementia_management abuse_prevention")
        assert "at most 16 hours" in ui.text_of("#error-hours")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # refused; what was typed is kept
        await ui.fill(hours="12")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is staff)

        await open_compliance(ui, pilot)
        await ui.wait_for(lambda: "Osei" not in ui.table_text("#list-registry"))
        await ui.wait_for(lambda: "Osei" not in ui.table_text("#list-in_service"))

        # And on the staff screen, the aide's own compliance, done and due.
        await open_staff(ui, pilot, "Osei")
        await pilot.press("s")
        await ui.wait_for_screen(StaffCompliance)
        await ui.wait_for(lambda: "in-service" in ui.table_text("#staff-status"))
        mine = ui.table_text("#staff-status")
        assert "verify a nurse aide registry | done | 2026-01-13 | 2026-01-12" in mine
        assert "12 hours of in-service training | done | 2026-11-30 | 2026-01-15" in mine
        assert "performance review | due | 2026-12-01" in mine
        # The highlighted item's rule in full below the table.
        assert "42 CFR 483.35(d)" in ui.text_of("#staff-status-why")
        table = app.screen.query_one("#staff-status", DataTable)
        assert not fits(table), fits(table)  # at 80 columns, the rule only under it
        assert "Why" not in [str(c.label) for c in table.columns.values()]


async def test_review_weakness_becomes_an_in_service_item(aide_and_nurse, make_app, drive):
    app = make_app(aide_and_nurse)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        staff = await open_staff(ui, pilot, "Osei")
        await pilot.press("v")
        await ui.wait_for_screen(FormDialog)
        await ui.fill(reviewed_on="2026-01-14", weaknesses="infection control!")
        assert "is not a topic code" in ui.text_of("#error-weaknesses")
        await ui.fill(weaknesses="infection_control", reviewer="D. Adeyemi")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is staff)
        await open_compliance(ui, pilot)
        await ui.wait_for(lambda: "in-service on infection control"
                          in ui.table_text("#list-in_service"))


async def test_a_night_shift_by_clock_times_and_paid_leave(aide_and_nurse, make_app, drive):
    app = make_app(aide_and_nurse)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        staff = await open_staff(ui, pilot, "Reyes")
        await pilot.press("k")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(clock_in="2026-01-13 23:00", clock_out="2026-01-13 07:30",
                      meal_minutes="30")
        await pilot.press("ctrl+s")
        # Out before in: the shared shift rule names the clock-out, the form stays.
        await ui.wait_for(lambda: "must be after the clock-in" in ui.text_of("#error-clock_out"))
        assert app.screen is form
        await ui.fill(clock_out="2026-01-14 07:30")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is staff)
        await ui.wait_for(lambda: "8.00" in ui.table_text("#hours"))
        assert "2026-01-13" in ui.table_text("#hours")  # the day the shift began

        # Corrected by its times: the clock-out was 08:00, so 8.50 hours.
        staff.query_one("#hours", DataTable).focus()
        await pilot.press("e")
        form = await ui.wait_for_screen(FormDialog)
        assert form.query_one("#field-clock_in").value == "2026-01-13 23:00"
        await ui.fill(clock_out="2026-01-14 08:00")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is staff)
        await ui.wait_for(lambda: "8.50" in ui.table_text("#hours"))
        assert "corrected" in ui.table_text("#hours")
        staff.query_one("#roster", DataTable).focus()

        await pilot.press("p")
        await ui.wait_for_screen(FormDialog)
        await ui.fill(leave_date="2026-01-20", hours="8", leave_type="holiday")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is staff)

    session = aide_and_nurse.session()
    facts = session.compliance.facts()
    reyes = next(sid for sid in facts.staff if facts.staff_name(sid) == "Reyes, Marisol")
    shifts = {(h.fields["clock_out"], h.hours, bool(h.corrects))
              for h in session.staff.get(reyes).hours}
    leave = [(p.day, p.minutes) for p in facts.paid_leave if p.staff_id == reyes]
    session.lock()
    assert shifts == {("2026-01-14T07:30", "8.00", False), ("2026-01-14T08:00", "8.50", True)}
    assert leave == [(date(2026, 1, 20), Decimal(480))]


@pytest.fixture
def clerk_terminal(tmp_path):
    clock = ManualClock(START)
    transport = EnrollOnlyTransport(username="bwong", role="clerk")
    home = tmp_path / "clerk"
    session = terminal.enroll(home, "http://127.0.0.1:9", "ENROLL-CODE-2", "Station 2",
                              "bwong", PASSWORD, transport=transport, clock=clock)
    session.lock()
    return Terminal(home, "bwong", PASSWORD, clock, transport)


async def test_a_clerk_does_not_see_the_records_managers_keys(clerk_terminal, aide_and_nurse,
                                                              make_app, drive):
    for term, shown in ((clerk_terminal, False), (aide_and_nurse, True)):
        app = make_app(term)
        async with app.run_test(size=(240, 30)) as pilot:
            ui = drive(pilot)
            await ui.sign_in()
            await pilot.press("f4")
            staff: StaffScreen = await ui.wait_for_screen(StaffScreen)
            if shown:
                await ui.wait_for(lambda s=staff: s.detail is not None)
            staff.query_one("#roster", DataTable).focus()  # F4 opens in the filter
            # The footer is redrawn once per burst of binding changes: wait for a key
            # every role has, and for a records manager the keys they are given.
            await ui.wait_for(lambda u=ui: "Status" in u.screen_text())
            if shown:
                await ui.wait_for(lambda u=ui: "Paid leave" in u.screen_text())
            footer = ui.screen_text()
            for key in ("In-service", "Registry", "Paid leave", "Clock times"):
                assert (key in footer) is shown, (term.username, key)
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, AttendeePicker) is shown  # t: who attended first


async def test_a_due_item_opens_the_form_for_that_person(aide_and_nurse, make_app, drive):
    app = make_app(aide_and_nurse)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        screen = await open_compliance(ui, pilot)
        screen.query_one(TabbedContent).active = "due-registry"
        await pilot.pause()
        screen.query_one("#list-registry", DataTable).focus()
        await pilot.press("enter")
        form = await ui.wait_for_screen(FormDialog)
        assert "Registry check — Osei, Kwame" in form.form_title
        await ui.fill(state="OH", checked_on="2026-01-12")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "Osei" not in ui.table_text("#list-registry"))

        # An in-service item opens the training form for the aide.
        screen.query_one(TabbedContent).active = "due-in_service"
        await pilot.pause()
        screen.query_one("#list-in_service", DataTable).focus()
        await pilot.press("enter")
        form = await ui.wait_for_screen(FormDialog)
        assert "In-service training — Osei, Kwame" in form.form_title
        await pilot.press("escape")
        await ui.wait_for(lambda: app.screen is screen)


async def test_one_in_service_session_with_several_attendees(aide_and_nurse, make_app, drive):
    app = make_app(aide_and_nurse)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        staff = await open_staff(ui, pilot, "Osei")
        await pilot.press("t")
        picker = await ui.wait_for_screen(AttendeePicker)
        await ui.wait_for(lambda: "1 chosen" in ui.text_of("#attendee-count"))
        await pilot.press(*"reyes")
        listing = picker.query_one("#attendees", SelectionList)
        await ui.wait_for(lambda: listing.option_count == 1)
        listing.focus()
        listing.highlighted = 0
        await pilot.press("space")
        await ui.wait_for(lambda: "2 chosen: Osei, Kwame; Reyes, Marisol"
                          in ui.text_of("#attendee-count"))
        await pilot.press("ctrl+s")
        form = await ui.wait_for_screen(FormDialog)
        assert form.form_title == "In-service training — 2 attending"
        await ui.fill(hours="1.25", title="Hand hygiene", topics="infection_control")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is staff)

    session = aide_and_nurse.session()
    facts = session.compliance.facts()
    attended = sorted((facts.staff_name(t.staff_id), t.minutes) for t in facts.in_services)
    session.lock()
    assert attended == [("Osei, Kwame", 75), ("Reyes, Marisol", 75)]

