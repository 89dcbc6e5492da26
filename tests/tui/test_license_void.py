"""A license entered in error is marked so from the staff screen (F4) with the
keyboard, at 80×24: `x` on the highlighted license asks why, the form is the
confirmation (nothing is written until it is saved), and the license then shows
"Entered in error" and counts nowhere; a license already voided is not offered
again. The key is listed in F1."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from client.ui.dialogs.form import FormDialog
from client.ui.screens.help import HelpScreen

from .test_staff import open_staff

pytestmark = pytest.mark.tui

SIZE = (80, 24)


@pytest.fixture
def licensed(offline_terminal):
    session = offline_terminal.session()
    staff_id = session.staff.add({"employee_id": "E-1001", "family_name": "Reyes",
                                  "given_name": "Marisol", "job_title_code": 7,
                                  "pay_type_code": 2})
    license_id = session.staff.add_license(staff_id, {
        "license_type": "RN", "number": "RN-55123", "issuing_state": "OH",
        "expires_on": "2027-02-10"})
    session.lock()
    return offline_terminal, staff_id, license_id


def _notified(app, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def test_a_license_marked_entered_in_error_with_a_reason(licensed, make_app, drive):
    term, staff_id, license_id = licensed
    app = make_app(term)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        screen = await open_staff(ui, pilot)
        await pilot.press("f1")
        help_screen = await ui.wait_for_screen(HelpScreen)
        keys = ui.table_text("#help-keys")
        assert any(row.startswith("x | ") for row in keys.splitlines())
        # Its details (shown under the list when highlighted) say what it does.
        assert any(row.key == "x" and "entered in error" in f"{row.description} {row.tooltip}"
                   for row in help_screen.rows)
        await pilot.press("escape")
        await ui.wait_for(lambda: app.screen is screen)

        await pilot.press("x")  # from the roster: the highlighted license is the one
        form = await ui.wait_for_screen(FormDialog)
        assert "RN RN-55123 (OH)" in ui.text_of(".dialog-intro")
        await pilot.press("escape")  # changed their mind: nothing written
        await ui.wait_for(lambda: app.screen is screen)
        assert "Entered in error" not in ui.table_text("#licenses")

        await pilot.press("x")
        form = await ui.wait_for_screen(FormDialog)
        await pilot.press("ctrl+s")  # no reason: refused in the form
        await ui.wait_for(lambda: "required" in ui.text_of("#error-reason"))
        assert app.screen is form
        await ui.fill(reason="Another nurse's license, typed on the wrong person")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "Entered in error" in ui.table_text("#licenses"))

        # Both rows (the license and the entry that voids it) count nowhere now: the
        # key says so instead of writing a second voiding entry.
        table = screen.query_one("#licenses", DataTable)
        table.focus()
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await pilot.press("x")
            await ui.wait_for(lambda: _notified(app, "already marked entered in error"))
            assert not isinstance(app.screen, FormDialog)

    page = term.session().staff.get(staff_id)
    voiding = next(lic for lic in page.licenses if lic.id != license_id)
    assert voiding.fields["entered_in_error_of"] == license_id
    assert voiding.fields["error_reason"] == "Another nurse's license, typed on the wrong person"
    assert page.license_state == "none"



async def test_a_voided_license_shows_its_reason_and_e_refuses_it(licensed, make_app, drive):
    """The voided license is listed once, "Entered in error", with the reason under
    the table; `e` on it says why it cannot be changed instead of opening the
    form (the server would refuse the edit by the same rule)."""
    term, staff_id, license_id = licensed
    session = term.session()
    right = session.staff.add_license(staff_id, {
        "license_type": "RN", "number": "RN-55124", "issuing_state": "OH",
        "expires_on": "2027-02-10"})
    session.staff.void_license(license_id, "Typed on [the] wrong person")
    session.lock()
    app = make_app(term)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        screen = await open_staff(ui, pilot)
        await ui.wait_for(lambda: "Entered in error" in ui.table_text("#licenses"))
        rows = ui.table_text("#licenses").splitlines()
        assert len(rows) == 2  # the license and the right one; not the marking entry
        assert sum("Entered in error" in row for row in rows) == 1
        await ui.wait_for(lambda: "Typed on [the] wrong person" in ui.text_of(
            "#licenses-voided"))
        assert "RN RN-55123 entered in error" in ui.text_of("#licenses-voided")

        table = screen.query_one("#licenses", DataTable)
        table.focus()
        table.move_cursor(row=next(i for i, row in enumerate(rows)
                                   if "Entered in error" in row))
        await pilot.press("e")
        await ui.wait_for(lambda: _notified(app, "marked entered in error (Typed on [the] "
                                                 "wrong person), so it cannot be changed"))
        await pilot.pause()
        assert not isinstance(app.screen, FormDialog)

        table.move_cursor(row=next(i for i, row in enumerate(rows) if "RN-55124" in row))
        await pilot.press("e")  # the right license is still edited as before
        await ui.wait_for_screen(FormDialog)
        await pilot.press("escape")
    assert right in {lic.id for lic in term.session().staff.get(staff_id).licenses}
