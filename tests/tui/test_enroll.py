"""First run on a new terminal: enroll, create the first user, land on the census."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from client.ui.app import ChartkeepApp
from client.ui.screens.census import CensusScreen
from client.ui.screens.enroll import EnrollScreen

pytestmark = pytest.mark.tui


async def test_enroll_a_new_terminal(tmp_path, enroll_transport, drive):
    home = tmp_path / "new-terminal"
    app = ChartkeepApp(home, transport=enroll_transport, auto_sync_seconds=0,
                       status_poll_seconds=0)
    async with app.run_test(size=(120, 50)) as pilot:
        ui = drive(pilot)
        screen = await ui.wait_for_screen(EnrollScreen)
        values = {"server_url": "http://127.0.0.1:9", "code": "K7P-2QX", "terminal_name":
                  "Nurses' station 2", "username": "alice", "password": "short",
                  "confirm": "short"}
        for name, value in values.items():
            screen.query_one(f"#enroll-{name}", Input).value = value
        await pilot.pause()
        assert "more characters needed" in ui.text_of("#error-password")

        for name in ("password", "confirm"):
            screen.query_one(f"#enroll-{name}", Input).value = "three quiet herons at dawn 🌅"
        await pilot.pause()
        assert ui.text_of("#error-password") == ""
        screen.query_one("#enroll-confirm", Input).focus()
        await pilot.press("enter")  # enter in the last field enrolls
        await ui.wait_for_screen(CensusScreen)
        assert app.session.user.username == "alice"
        assert (home / "slots.json").exists()
