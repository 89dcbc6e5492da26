"""Each user sees only the keys their role allows; a hidden key, pressed anyway, says who can."""

from __future__ import annotations

import pytest

from client import terminal
from client.clock import ManualClock
from client.ui.screens.beds import BedsScreen
from client.ui.screens.help import binding_rows
from client.ui.screens.resident import ResidentScreen
from client.ui.screens.staff import StaffScreen

from .conftest import PASSWORD, START, EnrollOnlyTransport, Terminal

pytestmark = pytest.mark.tui


@pytest.fixture
def clerk(tmp_path) -> Terminal:
    link = EnrollOnlyTransport(username="carol", role="clerk",
                               user_id="01KF1A0000000000000000000C")
    home = tmp_path / "clerk-terminal"
    session = terminal.enroll(home, "http://127.0.0.1:9", "ENROLL-CODE-2", "Station 2",
                              "carol", PASSWORD, transport=link, clock=ManualClock(START))
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Ada",
                                              "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident_id, admitted_at="2026-01-02")
    session.lock()
    return Terminal(home, "carol", PASSWORD, ManualClock(START), link)


def keys_offered(screen) -> set[str]:
    return {row.description for row in binding_rows(screen)}


async def test_a_clerk_is_offered_only_clerks_keys(clerk, make_app, drive):
    app = make_app(clerk)
    async with app.run_test(size=(160, 48)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        app.screen.query_one("#census-table").focus()
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
        await pilot.press("enter")
        resident = await ui.wait_for_screen(ResidentScreen)
        offered = keys_offered(resident)
        assert {"Edit field", "Note", "Transfer"} <= offered
        assert not {"Record in error", "Merge duplicate"} & offered
        await pilot.press("escape", "f3")
        beds = await ui.wait_for_screen(BedsScreen)
        assert "Out of service" not in " ".join(keys_offered(beds))
        await pilot.press("f4")
        staff = await ui.wait_for_screen(StaffScreen)
        assert not {"Hours", "License", "New staff"} & keys_offered(staff)


async def test_a_records_manager_is_offered_them(offline_terminal, make_app, drive):
    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Ada",
                                              "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident_id, admitted_at="2026-01-02")
    session.lock()
    app = make_app(offline_terminal)
    async with app.run_test(size=(160, 48)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        app.screen.query_one("#census-table").focus()
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
        await pilot.press("enter")
        resident = await ui.wait_for_screen(ResidentScreen)
        assert {"Record in error", "Merge duplicate", "Transfer"} <= keys_offered(resident)
        await pilot.pause(0.3)
        assert "Transfer" in ui.screen_text()  # in the footer at 160 columns
