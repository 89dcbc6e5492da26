"""The two screens with the most keys, the records department (F9) and the
department (F10), at 80×24: the footer shows F1 and the screen's main keys whole,
none of the screen's keys is cut off, the command palette offers the ones the
footer leaves out, and F1 lists every key of the screen."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from client.ui.screens.department import DepartmentScreen
from client.ui.screens.help import HelpScreen
from client.ui.screens.records import RecordsScreen

pytestmark = pytest.mark.tui

SIZE = (80, 24)

SCREENS = {
    "f9": (RecordsScreen, "#records-table",
           {"help", "next_list", "filter", "new_request", "release"}),
    "f10": (DepartmentScreen, "#bulletins",
            {"help", "acknowledge", "new_request", "decide", "post_job"}),
}


@pytest.fixture
def with_a_request(offline_terminal):
    """A request for records, so the records department's list has a row to act on."""
    session = offline_terminal.session()
    rid = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                      "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(rid, admitted_at="2025-11-02")
    session.casework.open_request(rid, received_at="2026-01-15T08:00",
                                  requester="Adaeze Okafor", authority="resident",
                                  ask="inspect", what="Her chart")
    session.lock()
    return offline_terminal


@pytest.mark.parametrize("key", sorted(SCREENS))
async def test_the_footer_shows_the_main_keys_whole_and_help_lists_every_key(
        with_a_request, make_app, drive, key):
    screen_type, table_id, main = SCREENS[key]
    app = make_app(with_a_request)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press(key)
        screen = await ui.wait_for_screen(screen_type)
        screen.query_one(table_id, DataTable).focus()  # the keys act on the list
        await pilot.pause(0.3)
        # The footer is rebuilt once per burst of focus changes: on a busy machine it
        # can still be empty after the pause, so wait for it to be drawn again.
        await ui.wait_for(lambda: any(k.action == "help" for k in screen.query(FooterKey)))

        shown = [k for k in screen.query(FooterKey) if k.action != "command_palette"]
        palette = [k for k in screen.query(FooterKey) if k.action == "command_palette"]
        right_edge = min([k.region.x for k in palette] + [SIZE[0]])
        assert shown[0].action == "help"
        own = {b.action for b in screen.BINDINGS if not isinstance(b, tuple)}
        for footer_key in shown:
            if footer_key.action in own or footer_key.action == "help":
                assert footer_key.region.right <= right_edge, footer_key.description
        assert main <= {k.action for k in shown if k.region.right <= right_edge}
        # What the footer leaves out, the command palette offers by name.
        offered = {command.__name__ for _name, _help, command in screen.palette_commands()}
        for binding in screen.BINDINGS:
            assert not isinstance(binding, tuple)
            if not binding.show and binding.key != "enter":
                assert f"action_{binding.action}" in offered, binding.action

        await pilot.press("f1")
        await ui.wait_for_screen(HelpScreen)
        listed = ui.table_text("#help-keys")
        for binding in screen.BINDINGS:
            assert not isinstance(binding, tuple)
            assert binding.description in listed, binding.description
