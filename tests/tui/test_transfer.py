"""Transfers pick the receiving facility by name, from the facilities the server
sent, and the sending facility keeps a Transferred out list; new licenses start
at the facility's state."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select, Static, Tabs

from client.ui.dialogs.form import FormDialog
from client.ui.dialogs.message import MessageDialog
from client.ui.screens.beds import BedsScreen
from client.ui.screens.census import CensusScreen
from client.ui.screens.resident import ResidentScreen
from client.ui.screens.staff import StaffScreen
from protocol.records import RecordKind

pytestmark = [
    pytest.mark.tui,
    pytest.mark.e2e,
    # As in test_sync: the server's runner passes an argument aiohttp 3.14 deprecates.
    pytest.mark.filterwarnings(
        "ignore:shutdown_timeout should be set on BaseRunner:DeprecationWarning"),
]


@pytest.fixture
def receiving(facility):
    from server import admin

    return admin.create_facility(facility.engine, facility.settings, name="Oak Hill Nursing",
                                 state="PA", mrn_prefix="OHN")


@pytest.fixture
def manager_terminal(facility, receiving):
    return facility.enroll(facility.add_user("mrivera", "records_manager"), "Records office")


@pytest.fixture
def admitted(facility, manager_terminal):
    session = manager_terminal.session()
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                             "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident_id, admitted_at=facility.clock.today().isoformat(),
                        bed_id=facility.beds["101A"])
    assert session.sync().rejected == 0
    session.lock()
    return resident_id


async def test_transfer_picks_the_receiving_facility_by_name(
        facility, manager_terminal, receiving, admitted, make_app, drive):
    app = make_app(manager_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: app.transfer_facilities)
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
        app.screen.query_one("#census-table", DataTable).focus()
        await pilot.press("enter")
        screen = await ui.wait_for_screen(ResidentScreen)
        await ui.wait_for(lambda: screen.view is not None)
        await pilot.press("t")
        form = await ui.wait_for_screen(FormDialog)
        picker = form.query_one("#field-to_facility_id", Select)
        labels = [str(label) for label, _ in picker._options]
        assert "Oak Hill Nursing (PA)" in labels
        assert not any(facility.facility_id in label for label in labels)  # not itself
        assert picker.value is Select.NULL  # nothing chosen for the clerk
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "required" in ui.text_of("#error-to_facility_id"))
        assert app.screen is form
        await ui.fill(to_facility_id=receiving)
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not app.syncing)
        await ui.wait_for(lambda: app.sync_status is not None and app.sync_status.pending == 0)
        assert app.sync_status.rejected == 0

        # The record moved; this facility keeps a Transferred out list.
        await pilot.press("f2")
        census = await ui.wait_for_screen(CensusScreen)
        await ui.wait_for(lambda: "Okafor" not in ui.table_text("#census-table"))
        census.query_one("#census-status", Tabs).active = "tab-transferred_out"
        await ui.wait_for(lambda: "Okafor, Adaeze" in ui.table_text("#census-table"))
        assert "Transferred" in ui.table_text("#census-table")
        census.query_one("#census-table", DataTable).focus()
        await pilot.press("enter")
        dialog = await ui.wait_for_screen(MessageDialog)
        facts = str(dialog.query_one("#message-body", Static).render())
        assert "1941-03-02" in facts
        assert "To: Oak Hill Nursing" in facts

        # A transfer out is a departure for the census (docs/rules.md §4.3): F3's
        # movements and the discharges report list it, with where she went.
        await pilot.press("escape")
        await ui.wait_for(lambda: app.screen is census)
        await pilot.press("f3")
        await ui.wait_for_screen(BedsScreen)
        await ui.wait_for(lambda: "Transferred" in ui.table_text("#movements"))
        assert "Okafor, Adaeze → Oak Hill Nursing" in ui.table_text("#movements")
        today = facility.clock.today()
        report = census.session.compliance.report("discharges", today, today)
        assert [(row[0], row[4], row[5]) for row in report.rows] == [
            ("Okafor, Adaeze", "transfer", "Oak Hill Nursing")]


async def test_a_new_license_starts_at_the_facilitys_state(facility, manager_terminal,
                                                            make_app, drive):
    session = manager_terminal.session()
    session.staff.add({"employee_id": "E-1001", "family_name": "Reyes",
                       "given_name": "Marisol", "job_title_code": 7, "pay_type_code": 2})
    session.lock()
    app = make_app(manager_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: app.facility is not None)
        assert app.facility.name == "Maple Grove Care Center"
        await pilot.press("f4")
        screen = await ui.wait_for_screen(StaffScreen)
        await ui.wait_for(lambda: "Reyes" in ui.table_text("#roster"))
        screen.query_one("#roster", DataTable).focus()
        await pilot.press("c")
        form = await ui.wait_for_screen(FormDialog)
        assert form.query_one("#field-issuing_state", Select).value == "OH"


async def test_a_request_for_the_records_of_a_resident_transferred_out(
        facility, manager_terminal, receiving, admitted, make_app, drive, tmp_path):
    """The records office picks a resident it transferred out by the identity it kept,
    logs the request for their records, and writes the accounting of its disclosures
    (docs/rules.md §5.6 N9)."""
    from client.ui.dialogs.resident_picker import ResidentPickerDialog
    from client.ui.screens.records import RecordsScreen

    session = manager_terminal.session()
    [stay] = session.residents.get(admitted).stays
    session.casework.log_disclosure(admitted, disclosed_on=facility.clock.today().isoformat(),
                                    basis="abuse_neglect", recipient="County APS",
                                    description="Nursing notes", purpose="abuse report")
    session.stays.transfer(stay.id, to_facility_id=receiving,
                           at=facility.clock.today().isoformat())
    assert session.sync().rejected == 0
    assert admitted not in session.casework.residents()
    session.lock()
    app = make_app(manager_terminal)
    target = tmp_path / "acct.pdf"
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f9")
        screen = await ui.wait_for_screen(RecordsScreen)
        await pilot.press("n")
        picker = await ui.wait_for_screen(ResidentPickerDialog)
        await pilot.press(*"okafor")
        await ui.wait_for(lambda: picker.query_one("#picker-table", DataTable).row_count == 1)
        assert "Transferred" in ui.table_text("#picker-table")
        await pilot.press("enter", "enter")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(requester="Doe & Roe LLP", authority="resident", what="Nursing notes")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
        assert app.screen is screen
        await pilot.press("d")
        picker = await ui.wait_for_screen(ResidentPickerDialog)
        await pilot.press(*"okafor")
        await ui.wait_for(lambda: picker.query_one("#picker-table", DataTable).row_count == 1)
        await pilot.press("enter", "enter")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(path=str(target))
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
    [request] = manager_terminal.session().casework.cases(RecordKind.RECORD_REQUEST)
    assert (request.data["resident_id"], request.data["requester"]) == (
        admitted, "Doe & Roe LLP")
    assert "County APS" in target.with_suffix(".csv").read_text()


async def test_the_bed_boards_movements_of_a_resident_sent_away_and_back(
        facility, manager_terminal, receiving, make_app, drive):
    """Sent to Oak Hill and back: F3 lists this facility's admission, its transfer
    to Oak Hill and its readmission, not Oak Hill's admission nor Oak Hill's
    transfer back here (the chart, back on file, holds Oak Hill's stay too:
    docs/rules.md §4.3)."""
    from dataclasses import replace
    from datetime import timedelta

    def day(back: int) -> str:
        return (facility.clock.today() - timedelta(days=back)).isoformat()

    session = manager_terminal.session()
    rid = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                      "birth_date": "1941-03-02", "sex": "female"})
    first = session.stays.admit(rid, admitted_at=day(10), bed_id=facility.beds["101A"])
    session.stays.transfer(first, to_facility_id=receiving, at=day(6))
    assert session.sync().rejected == 0
    oak_hill = replace(facility, facility_id=receiving, beds={})
    other = oak_hill.enroll(oak_hill.add_user("oh", "records_manager")).session()
    there = other.stays.admit(rid, admitted_at=day(6))
    other.stays.transfer(there, to_facility_id=facility.facility_id, at=day(3))
    assert other.sync().rejected == 0
    assert session.sync().error is None
    session.stays.admit(rid, admitted_at=day(3), bed_id=facility.beds["101A"])
    assert session.sync().rejected == 0
    session.lock()

    app = make_app(manager_terminal)
    async with app.run_test(size=(120, 30)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f3")
        await ui.wait_for_screen(BedsScreen)
        await ui.wait_for(lambda: "Transferred" in ui.table_text("#movements"))
        rows = [row.split(" | ")[:2] for row in ui.table_text("#movements").splitlines()]
        assert rows == [[day(3), "Admitted"], [day(6), "Transferred"], [day(10), "Admitted"]]
        assert "Okafor, Adaeze → Oak Hill Nursing" in ui.table_text("#movements")
        assert "Maple Grove" not in ui.table_text("#movements")

        # She is on file again: the transfer's row opens her record (it said the
        # record had moved with her).
        table = app.screen.query_one("#movements", DataTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await ui.wait_for_screen(ResidentScreen)
        assert "Okafor" in ui.screen_text()
