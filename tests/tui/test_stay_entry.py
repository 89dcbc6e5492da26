"""The stay's compliance facts entered at the terminal: a dated payer change, a
hospital leave the hospital admitted the resident for, a discharge with return
anticipated; each refused at entry where the shared stay rules refuse it."""

from __future__ import annotations

import pytest

from client.ui.dialogs.form import FormDialog
from client.ui.screens.compliance import ComplianceScreen

from .test_resident import open_first_resident
from .test_sync import register_and_open

pytestmark = pytest.mark.tui


@pytest.fixture
def admitted(offline_terminal):
    """Okafor, admitted 2026-01-10 on Medicare; today is 2026-01-15."""
    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                             "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident_id, admitted_at="2026-01-10", payer="medicare")
    session.lock()
    return offline_terminal


def the_stay(term):
    session = term.session()
    resident = session.residents.census().rows[0]
    [stay] = session.residents.get(resident.id).stays
    session.lock()
    return stay.fields


async def test_admit_with_the_payer(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        screen = await register_and_open(ui, pilot, "Delacroix")
        await pilot.press("a")
        form = await ui.wait_for_screen(FormDialog)
        assert app.focused is form.query_one("#field-admitted_at")
        await ui.fill(admitted_at="2026-01-16", payer="medicare")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "cannot be in the future" in ui.text_of("#error-admitted_at"))
        assert app.screen is form
        await ui.fill(admitted_at="2026-01-12")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "medicare" in ui.table_text("#stays"))
    assert the_stay(offline_terminal)["payer"] == "medicare"


async def test_change_the_payer_from_a_date(admitted, make_app, drive):
    app = make_app(admitted)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)
        await pilot.press("P")
        form = await ui.wait_for_screen(FormDialog)
        assert app.focused is form.query_one("#field-payer")
        assert "Payer now: Medicare" in ui.text_of(".dialog-intro")
        await ui.fill(payer="medicaid", on="2026-01-09")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "before the admission date" in ui.text_of("#error-on"))
        assert app.screen is form
        await ui.fill(on="2026-01-14")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "medicaid" in ui.table_text("#stays"))
    fields = the_stay(admitted)
    assert fields["payer"] == "medicare"
    assert fields["payer_changes"] == [{"payer": "medicaid", "on": "2026-01-14"}]


async def test_a_hospital_admission_is_an_mds_discharge(admitted, make_app, drive):
    app = make_app(admitted)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)
        await pilot.press("l")
        form = await ui.wait_for_screen(FormDialog)
        assert app.focused is form.query_one("#field-leave_type")
        await ui.fill(leave_type="therapeutic", at="2026-01-14T08:00",
                      hospital_admission="true")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "only to a hospital leave"
                          in ui.text_of("#error-hospital_admission"))
        assert app.screen is form
        await ui.fill(leave_type="hospital")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "hospital" in ui.table_text("#stays"))

        await pilot.press("f8")
        await ui.wait_for_screen(ComplianceScreen)
        # Admitted to the hospital on 01-14: an MDS discharge (return anticipated).
        await ui.wait_for(lambda: "discharge assessment: completion"
                          in ui.table_text("#list-mds"))
    assert the_stay(admitted)["leaves"][-1]["hospital_admission"] is True


async def test_discharge_with_return_anticipated(admitted, make_app, drive):
    app = make_app(admitted)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)
        await pilot.press("d")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(disposition="death", return_anticipated="true")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "cannot be yes for a death"
                          in ui.text_of("#error-return_anticipated"))
        assert app.screen is form
        await ui.fill(disposition="hospital", destination="Mercy General")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "Discharged" in ui.table_text("#stays"))
    fields = the_stay(admitted)
    assert (fields["disposition"], fields["return_anticipated"]) == ("hospital", True)
