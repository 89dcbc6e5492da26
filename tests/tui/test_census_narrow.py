"""The census (F2) in an 80×24 window: the list fits the width (it never scrolls
sideways) and still shows who, their record number, bed, status and birth date;
the unit and admission of the highlighted resident, left out of the narrow
columns, show under the list. A wide window keeps every column."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from .table_fit import fits, no_sideways_scroll

pytestmark = [
    pytest.mark.tui,
    pytest.mark.e2e,
    pytest.mark.filterwarnings(
        "ignore:shutdown_timeout should be set on BaseRunner:DeprecationWarning"),
]


@pytest.fixture
def admitted(facility):
    term = facility.enroll(facility.add_user("mrivera", "records_manager"), "Front desk")
    session = term.session()
    for family, given, born, bed in (
            ("Okafor-Williams", "Adaeze Chiamaka", "1941-03-02", "101A"),
            ("Smith [Jr]", "Walter", "1938-07-04", "101B")):
        resident = session.residents.register({"family_name": family, "given_name": given,
                                               "birth_date": born, "sex": "female"})
        session.stays.admit(resident, admitted_at="2026-01-02", bed_id=facility.beds[bed])
    session.lock()
    return term


async def test_the_census_fits_80_columns_with_its_key_facts(admitted, make_app, drive):
    app = make_app(admitted)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        table = app.screen.query_one("#census-table", DataTable)
        await ui.wait_for(lambda: table.row_count == 2)
        await pilot.pause()
        assert no_sideways_scroll(table), (table.virtual_size.width, table.size.width)
        assert not fits(table), fits(table)
        shown = ui.screen_text()
        for fact in ("Smith [Jr], Walter", "101B", "In house", "1938-07-04", "Record no.",
                     "Okafor-Williams,"):
            assert fact in shown, fact
        mrn = admitted.session().residents.census("smith").rows[0].mrn
        assert mrn in shown
        # The facts left out of the narrow columns, for the highlighted resident.
        table.focus()
        await pilot.press("down")
        await ui.wait_for(lambda: "North" in ui.text_of("#census-page"))
        assert "admitted 2026-01-02" in ui.text_of("#census-page")


async def test_a_wide_window_keeps_every_column(admitted, make_app, drive):
    app = make_app(admitted)
    async with app.run_test(size=(130, 30)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        table = app.screen.query_one("#census-table", DataTable)
        await ui.wait_for(lambda: table.row_count == 2)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:7] == ["Name", "Record no.", "Bed", "Unit", "Status", "Admitted", "Born"]
        assert no_sideways_scroll(table), (table.virtual_size.width, table.size.width)
        assert not fits(table), fits(table)
        await pilot.resize_terminal(80, 24)
        await ui.wait_for(lambda: "Unit" not in [str(c.label) for c in table.columns.values()])
        await ui.wait_for(lambda: table.row_count == 2)
        await pilot.pause()
        assert no_sideways_scroll(table), (table.virtual_size.width, table.size.width)
        assert not fits(table), fits(table)
        assert "Smith [Jr], Walter" in ui.screen_text()
