"""The department screen (F10) against the real server: a bulletin the region
published arrives at the pull; the records manager reads it, sees who is
overdue, acknowledges it with one key (saved offline, shown at once), and sees
the expenditure requests with who decides each. An empty facility says so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from client.ui.dialogs.message import MessageDialog
from client.ui.screens.department import NO_BULLETINS, NO_REQUESTS, DepartmentScreen
from server.portal import bulletins
from server.portal.principals import PortalRole, Principal

pytestmark = [
    pytest.mark.tui,
    pytest.mark.e2e,
    pytest.mark.filterwarnings(
        "ignore:shutdown_timeout should be set on BaseRunner:DeprecationWarning"),
]


def _publish(facility, *, days_ago: int) -> None:
    day = (facility.clock.today() - timedelta(days=days_ago)).isoformat()
    region = Principal("account", "01J0000000000000000000RM01", "rm_north",
                       PortalRole.REGIONAL_MANAGER, frozenset({facility.facility_id}))
    bulletins.publish(facility.engine, facility.settings, region,
                      facility_ids=[facility.facility_id], fields={
                          "title": "Copy fees [2027]", "source": "State Medicaid notice 14",
                          "effective_on": day, "due_on": day, "audience": "everyone",
                          "text": "Fees for a resident's own copies are capped."})


async def test_the_records_manager_reads_and_acknowledges_a_bulletin(facility, make_app,
                                                                      drive):
    manager = facility.enroll(facility.add_user("mrivera", "records_manager"), "Records")
    facility.add_user("bwong", "clerk")
    _publish(facility, days_ago=3)
    session = manager.session()
    line = session.spending.set_line(fiscal_year=facility.clock.today().year,
                                     department="HIM", account="Scanning", amount="9000")
    session.spending.request(line, amount="4800", vendor="Iron Mountain",
                             justification="Closed charts",
                             requested_on=facility.clock.today().isoformat())
    assert session.sync().error is None
    session.lock()
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f10")
        screen = await ui.wait_for_screen(DepartmentScreen)
        await ui.wait_for(lambda: "Copy fees [2027]" in ui.table_text("#bulletins"))
        assert "to acknowledge" in ui.table_text("#bulletins")
        overdue = ui.text_of("#bulletins-overdue")
        assert "Overdue: Copy fees [2027]" in overdue and "bwong" in overdue
        assert "mrivera" in overdue
        # In line with the section labels and the table text (it began a cell
        # further left).
        label = screen.query_one(".section-label")
        shown = screen.query_one("#bulletins-overdue")
        assert shown.content_region.x == label.content_region.x
        assert shown.content_region.height == 1
        requests = ui.table_text("#requests")
        assert "Iron Mountain" in requests and "$4,800.00" in requests
        assert "region (portal)" in requests
        screen.query_one("#bulletins").focus()
        await pilot.press("enter")
        dialog = await ui.wait_for_screen(MessageDialog)
        assert "capped" in ui.screen_text()
        dialog.dismiss()
        await ui.wait_for_screen(DepartmentScreen)
        await pilot.press("a")
        await ui.wait_for(lambda: "acknowledged" in ui.table_text("#bulletins"))
        await ui.wait_for(lambda: "mrivera" not in ui.text_of("#bulletins-overdue"))
        assert "bwong" in ui.text_of("#bulletins-overdue")


async def test_an_empty_department_says_so(facility, make_app, drive):
    clerk = facility.enroll(facility.add_user("bwong", "clerk"), "Station")
    app = make_app(clerk)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f10")
        await ui.wait_for_screen(DepartmentScreen)
        await ui.wait_for(lambda: NO_BULLETINS in ui.text_of("#bulletins-empty"))
        assert NO_REQUESTS in ui.text_of("#requests-empty")
        await pilot.press("a")  # nothing to acknowledge: told, nothing saved
        await ui.wait_for(lambda: any(NO_BULLETINS in str(n.message)
                                      for n in app._notifications))
