"""The records department (F9) at 80×24: the due list with its overdue request
first, a filter, the other lists, a request recorded through the resident
picker and its form, a refusal that keeps the form open, and the empty
states. Offline: every check is the server's rule, at the terminal."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input
from textual.widgets._footer import FooterKey

from client.ui.dialogs.form import FormDialog
from client.ui.dialogs.resident_picker import ResidentPickerDialog
from client.ui.screens.records import RecordsScreen
from protocol.records import RecordKind

pytestmark = pytest.mark.tui

SIZE = (80, 24)


@pytest.fixture
def department(offline_terminal):
    """Thursday 15 January 2026: an attorney's request received 10 December 2025
    (30 days → 9 January: overdue), and the resident's own inspection asked
    today at 08:00 (due Friday 16 January 08:00)."""
    session = offline_terminal.session()
    rid = session.residents.register({"family_name": "Okafor [Jr]", "given_name": "Adaeze",
                                      "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(rid, admitted_at="2025-11-02")
    session.casework.open_request(rid, received_at="2025-12-10T10:00", requester="Doe LLP",
                                  authority="attorney", what="Progress notes",
                                  current_resident=False)
    session.casework.open_request(rid, received_at="2026-01-15T08:00",
                                  requester="Adaeze Okafor", authority="resident",
                                  ask="inspect", what="Her chart")
    session.lock()
    return offline_terminal


async def test_an_empty_department_says_so(offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        await ui.wait_for_screen(RecordsScreen)
        await ui.wait_for(lambda: "Nothing is due" in ui.text_of("#records-empty"))
        assert "records: nothing due" in ui.text_of("#records-title")
        await pilot.press("ctrl+t")
        await ui.wait_for(lambda: "No request for records yet" in ui.text_of("#records-empty"))


async def test_an_empty_list_keeps_its_keys_in_the_footer(offline_terminal, make_app, drive):
    """With nothing to list there is nothing to filter: the cursor is not left in the
    filter (which would take the letter keys and hide them from the footer), so the
    clerk reads the empty state, F1 and the key that records the first item, and
    that key works at once."""
    app = make_app(offline_terminal)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        screen = await ui.wait_for_screen(RecordsScreen)
        for which, words in (("due", "Nothing is due"), ("requests", "Press n")):
            await ui.wait_for(lambda w=words: w in ui.text_of("#records-empty"))
            await pilot.pause(0.2)
            assert screen.which == which
            assert not isinstance(app.focused, Input)
            assert not screen.query_one("#records-filter", Input).display
            keys = [key.key for key in app.screen.query(FooterKey)]
            assert keys[0] == "f1" and "n" in keys, keys
            await pilot.press("ctrl+t")
        await pilot.press("n")
        await ui.wait_for_screen(ResidentPickerDialog)


async def test_the_due_list_filter_lists_and_a_new_request(department, make_app, drive):
    app = make_app(department)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        screen = await ui.wait_for_screen(RecordsScreen)
        table = screen.query_one("#records-table", DataTable)
        await ui.wait_for(lambda: table.row_count == 2)
        rows = ui.table_text("#records-table").splitlines()
        # At 80 columns the kind of work and what is due share the last column.
        assert rows[0].startswith("2026-01-09 overdue | Okafor [Jr], Adaeze | "
                                  "Request for records: copies for Doe LLP")
        assert rows[1].startswith("2026-01-16 08:00 | Okafor [Jr], Adaeze | "
                                  "Request for records")
        assert "records: 2 due · 1 overdue · next 2026-01-16 08:00" in ui.text_of(
            "#records-title")
        # The status line says it on every screen.
        await ui.wait_for(lambda: "1 overdue" in str(screen.query_one(".sync-bar").render()))

        await pilot.press("slash")
        await pilot.press(*"doe llp")
        await ui.wait_for(lambda: table.row_count == 1)
        screen.query_one("#records-filter", Input).value = ""
        await ui.wait_for(lambda: table.row_count == 2)

        screen.query_one("#records-table", DataTable).focus()
        await pilot.press("ctrl+t")
        await ui.wait_for(lambda: screen.which == "requests" and table.row_count == 2)
        assert "Doe LLP" in ui.table_text("#records-table")

        await pilot.press("n")
        picker = await ui.wait_for_screen(ResidentPickerDialog)
        await pilot.press(*"okafor")
        await ui.wait_for(lambda: picker.query_one("#picker-table", DataTable).row_count == 1)
        await pilot.press("enter", "enter")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(requester="Acme Health", authority="insurer", what="Claims file")
        await ui.fill(received_at="2026-01-16 09:00")  # tomorrow: refused, form kept
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "cannot be in the future" in ui.text_of("#error-received_at"))
        assert form.is_attached
        await ui.fill(received_at="2026-01-14 09:00")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
        await ui.wait_for(lambda: table.row_count == 3)
        assert "Acme Health" in ui.table_text("#records-table")


async def test_a_release_without_the_authorization_is_refused_in_the_form(
        department, make_app, drive):
    app = make_app(department)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        screen = await ui.wait_for_screen(RecordsScreen)
        await ui.wait_for(lambda: screen.query_one("#records-table", DataTable).row_count == 2)
        screen.query_one("#records-table", DataTable).focus()
        await pilot.press("r")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(parts="progress notes", description="notes")
        await pilot.press("ctrl+s")
        # The attorney has no authorization on file: the release is refused at entry.
        await ui.wait_for(lambda: "authorization" in ui.text_of("#form-error"))
        assert form.is_attached


async def test_a_limited_data_set_is_written_from_the_form_only_with_its_agreement(
        department, make_app, drive, tmp_path):
    app = make_app(department)
    target = tmp_path / "lds.csv"
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        screen = await ui.wait_for_screen(RecordsScreen)
        await ui.wait_for(lambda: screen.query_one("#records-table", DataTable).row_count == 2)
        await pilot.press("x")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(method="limited_data_set", purpose="falls study",
                      recipient="State University", path=str(target))
        await pilot.press("ctrl+s")
        # No agreement typed: refused at entry with the reason, nothing written.
        await ui.wait_for(lambda: "data-use agreement" in ui.text_of("#form-error"))
        assert form.is_attached and not target.exists()
        await ui.fill(agreement_id="DUA-7", permitted_uses="falls study",
                      permitted_users="the study team", signed_on="2026-01-02",
                      no_other_use_or_disclosure="yes", safeguards="yes",
                      reports_other_use="yes", agents_bound="yes")
        await pilot.press("ctrl+s")
        # One promise is still missing, and the form says which.
        await ui.wait_for(lambda: "identify or contact" in ui.text_of("#form-error"))
        assert form.is_attached and not target.exists()
        await ui.fill(no_identification_or_contact="yes")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
    rows = target.read_text().splitlines()
    assert len(rows) == 2 and "2025-11-02" in rows[1]  # a limited data set keeps dates
    [made] = department.session().casework.cases(RecordKind.EXTRACT)
    assert (made.data["method"], made.data["agreement"]["agreement_id"],
            made.data["agreement"]["recipient"]) == ("limited_data_set", "DUA-7",
                                                     "State University")


async def test_an_accounting_of_disclosures_is_written_from_the_picker(
        department, make_app, drive, tmp_path):
    session = department.session()
    [rid] = list(session.casework.residents())
    session.casework.log_disclosure(rid, disclosed_on="2026-01-05", basis="abuse_neglect",
                                    recipient="County adult protective services",
                                    description="Nursing notes", purpose="abuse report")
    session.lock()
    app = make_app(department)
    target = tmp_path / "acct.pdf"
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        await ui.wait_for_screen(RecordsScreen)
        await pilot.press("d")
        picker = await ui.wait_for_screen(ResidentPickerDialog)
        await pilot.press(*"okafor")
        await ui.wait_for(lambda: picker.query_one("#picker-table", DataTable).row_count == 1)
        await pilot.press("enter", "enter")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(asked_from="2026-01-10", asked_to="2026-01-01", path=str(target))
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "ends before it starts" in ui.text_of("#error-asked_to"))
        assert form.is_attached and not target.exists()
        await ui.fill(asked_from="", asked_to="")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
    assert target.exists()
    assert target.with_suffix(".csv").read_text().splitlines()[1] == (
        "2026-01-05,County adult protective services,,Nursing notes,abuse report,1,")
