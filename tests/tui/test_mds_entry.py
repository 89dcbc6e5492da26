"""MDS assessments entered at the terminal: from the resident's record and from the
compliance screen's MDS due list, refused at entry by the shared date rules, and
the due list clearing once the assessment is recorded."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select

from client.ui.dialogs.assessment_forms import AssessmentList
from client.ui.dialogs.form import FormDialog
from client.ui.screens.compliance import ComplianceScreen

from .test_resident import open_first_resident

pytestmark = pytest.mark.tui


@pytest.fixture
def admitted(offline_terminal):
    """Okafor, admitted 2026-01-10 (today is 2026-01-15): her entry tracking record is
    due by 01-17 and her admission assessment's ARD by 01-23 (day 14)."""
    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                             "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident_id, admitted_at="2026-01-10")
    session.lock()
    return offline_terminal


async def test_record_an_assessment_and_its_dates_from_the_resident(admitted, make_app, drive):
    app = make_app(admitted)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await open_first_resident(ui, pilot)
        await pilot.press("s")
        listing = await ui.wait_for_screen(AssessmentList)
        await ui.wait_for(lambda: "No assessments" in ui.table_text("#assessment-table"))

        await pilot.press("n")
        form = await ui.wait_for_screen(FormDialog)
        assert app.focused is form.query_one("#field-assessment_type")
        # Nine fields on 24 lines: they scroll, and the Save button stays in view.
        await pilot.pause()
        save = form.query_one("#form-save").region
        assert save.height and save.bottom <= app.size.height
        await ui.fill(assessment_type="admission", ard="2026-01-13",
                      completed_on="2026-01-12")
        await pilot.press("ctrl+s")
        # Completion before the reference date: the shared rule refuses it at the terminal.
        await ui.wait_for(lambda: "cannot be before the assessment reference date"
                          in ui.text_of("#error-completed_on"))
        assert app.screen is form
        await ui.fill(completed_on="2026-01-14")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is listing)
        await ui.wait_for(lambda: "admission assessment" in ui.table_text("#assessment-table"))
        assert "2026-01-13 | 2026-01-14 | —" in ui.table_text("#assessment-table")

        listing.query_one("#assessment-table", DataTable).focus()
        await pilot.press("enter")
        form = await ui.wait_for_screen(FormDialog)
        assert form.query_one("#field-assessment_type", Select).value == "admission"
        await ui.fill(transmitted_on="2026-01-16")
        assert "cannot be in the future" in ui.text_of("#error-transmitted_on")
        await ui.fill(transmitted_on="2026-01-15")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is listing)
        await ui.wait_for(lambda: "2026-01-14 | 2026-01-15" in ui.table_text("#assessment-table"))

    session = admitted.session()
    resident = session.residents.census().rows[0]
    [assessment] = session.assessments.of_resident(resident.id)
    session.lock()
    assert (assessment["assessment_type"], assessment["ard"], assessment["completed_on"],
            assessment["transmitted_on"]) == ("admission", "2026-01-13", "2026-01-14",
                                              "2026-01-15")


async def test_the_mds_due_list_opens_a_prefilled_form_and_clears(admitted, make_app, drive):
    app = make_app(admitted)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f8")
        screen = await ui.wait_for_screen(ComplianceScreen)
        await ui.wait_for(lambda: "entry tracking record: completion"
                          in ui.table_text("#list-mds"))
        assert "Okafor, Adaeze" in ui.table_text("#list-mds")
        table = screen.query_one("#list-mds", DataTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        form = await ui.wait_for_screen(FormDialog)
        assert form.query_one("#field-assessment_type", Select).value == "entry"
        assert form.query_one("#field-event_on").value == "2026-01-10"
        await ui.fill(completed_on="2026-01-15")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "entry tracking record: completion"
                          not in ui.table_text("#list-mds"))

        rows = ui.table_text("#list-mds").splitlines()
        admission = next(i for i, row in enumerate(rows) if "admission assessment: ARD" in row)
        table.focus()
        table.move_cursor(row=admission)
        await pilot.press("enter")
        form = await ui.wait_for_screen(FormDialog)
        assert form.query_one("#field-assessment_type", Select).value == "admission"
        assert form.query_one("#field-ard").value == "2026-01-23"  # entry + 13
        await ui.fill(ard="2026-01-14")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "admission assessment: ARD" not in ui.table_text("#list-mds"))
        # Now the admission assessment's own steps are what is due.
        assert "admission assessment: completion (Z0500B)" in ui.table_text("#list-mds")
