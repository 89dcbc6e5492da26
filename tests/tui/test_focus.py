"""The cursor is where the work is: forms open in their first field, F4 lands on
the roster (``/`` filters), keys act on the row the clerk chose, and the cursor stays there."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from client.ui.dialogs.form import FormDialog
from client.ui.screens.resident import ResidentScreen
from client.ui.screens.staff import StaffScreen

pytestmark = pytest.mark.tui


@pytest.fixture
def two_staff(offline_terminal):
    session = offline_terminal.session()
    for employee, family, given in (("E-1001", "Adams", "Bea"), ("E-1002", "Parker", "Lou"),
                                    ("E-1003", "Zeller", "Kim")):
        session.staff.add({"employee_id": employee, "family_name": family,
                           "given_name": given, "job_title_code": 7, "pay_type_code": 2})
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Ada",
                                              "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident_id, admitted_at="2026-01-02")
    session.lock()
    return offline_terminal


async def test_a_form_opens_with_the_cursor_in_its_first_field(two_staff, make_app, drive):
    app = make_app(two_staff)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        await pilot.press(*"Nakamura")
        assert form.query_one("#field-family_name", Input).value == "Nakamura"


async def test_f4_filters_and_h_records_for_the_chosen_person(two_staff, make_app, drive):
    app = make_app(two_staff)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f4")
        screen = await ui.wait_for_screen(StaffScreen)
        await ui.wait_for(lambda: "Zeller" in ui.table_text("#roster"))
        assert app.focused is screen.query_one("#roster", DataTable)  # letters act here
        await pilot.press("slash", *"park", "enter", "h")  # typed ahead, as clerks do
        form = await ui.wait_for_screen(FormDialog)
        assert "Parker" in form.form_title
        await ui.fill(hours="8")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: isinstance(app.screen, StaffScreen))
        await ui.wait_for(lambda: "8" in ui.table_text("#hours"))
        session = two_staff.session()
        try:
            parker = session.staff.roster("parker").rows[0].id
            assert len(session.staff.get(parker).hours) == 1
            adams = session.staff.roster("adams").rows[0].id
            assert session.staff.get(adams).hours == []
        finally:
            session.lock()


async def test_the_cursor_stays_on_the_row_after_a_save(two_staff, make_app, drive):
    app = make_app(two_staff)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f4")
        screen = await ui.wait_for_screen(StaffScreen)
        roster = screen.query_one("#roster", DataTable)
        await ui.wait_for(lambda: roster.row_count == 3)
        roster.focus()
        await pilot.press("down", "down")
        await ui.wait_for(lambda: screen.detail is not None
                          and screen.detail.display_name.startswith("Zeller"))
        await pilot.press("h")
        await ui.wait_for_screen(FormDialog)
        await ui.fill(hours="7.5")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: isinstance(app.screen, StaffScreen))
        await ui.wait_for(lambda: "7.5" in ui.table_text("#hours"))
        await pilot.pause(0.2)
        assert roster.cursor_row == 2
        assert screen.detail.display_name.startswith("Zeller")


async def test_one_enter_in_the_census_filter_opens_the_match(two_staff, make_app, drive):
    app = make_app(two_staff)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press(*"okaf", "enter")
        screen = await ui.wait_for_screen(ResidentScreen)
        await ui.wait_for(lambda: screen.view is not None)
        assert "Okafor" in ui.text_of("#resident-title")


async def test_census_starts_on_the_list_and_slash_filters(two_staff, make_app, drive):
    from client.ui.screens.census import CensusScreen
    from client.ui.screens.lock import LockScreen

    app = make_app(two_staff)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        screen = app.screen
        box = screen.query_one("#census-filter", Input)
        assert app.focused is screen.query_one("#census-table", DataTable)
        await pilot.press("slash", *"oka")
        assert box.value == "oka"  # not "/oka"
        await pilot.press("escape")  # back to the list, the filter kept
        assert app.focused is screen.query_one("#census-table", DataTable)
        assert box.value == "oka"

        await pilot.press("ctrl+l")
        await ui.wait_for_screen(LockScreen)
        await pilot.press(*two_staff.password, "enter")
        await ui.wait_for(lambda: isinstance(app.screen, CensusScreen) and app.unlocked)
        await pilot.press("slash", *"smi")
        assert box.value == "smi"  # "/" replaced the old filter; no "/" typed


async def test_census_letters_typed_on_the_list_start_the_filter(two_staff, make_app, drive):
    app = make_app(two_staff)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
        await pilot.press(*"okaf", "enter")
        form_or_resident = await ui.wait_for_screen(ResidentScreen)
        assert "Okafor" in ui.screen_text()
        assert form_or_resident is app.screen


async def test_staff_letters_act_on_the_roster_at_once(two_staff, make_app, drive):
    app = make_app(two_staff)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f4")
        screen = await ui.wait_for_screen(StaffScreen)
        await ui.wait_for(lambda: "Zeller" in ui.table_text("#roster"))
        await pilot.press("h")  # the first key of the staff screen's key table
        form = await ui.wait_for_screen(FormDialog)
        assert "Adams" in form.form_title
        assert screen.query_one("#staff-filter", Input).value == ""
        await pilot.press("escape")
        await ui.wait_for(lambda: app.screen is screen)
        await pilot.press("slash", *"zel", "escape")  # filter, then back to the roster
        assert app.focused is screen.query_one("#roster", DataTable)
        await ui.wait_for(lambda: ui.table_text("#roster").count("\n") == 0
                          and "Zeller" in ui.table_text("#roster"))
        await pilot.press("h")
        form = await ui.wait_for_screen(FormDialog)
        assert "Zeller" in form.form_title
