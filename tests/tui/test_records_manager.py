"""Records-manager actions on a whole resident record: entered in error with a
reason, merge of a duplicate into the record that stays; clerks are told why
they cannot."""

from __future__ import annotations

import pytest
from textual.notifications import Notify
from textual.widgets import DataTable

from client import terminal
from client.clock import ManualClock
from client.ui.dialogs.form import FormDialog
from client.ui.dialogs.resident_picker import ResidentPickerDialog
from client.ui.screens.resident import ResidentScreen

from .conftest import PASSWORD, START, EnrollOnlyTransport, Terminal

pytestmark = pytest.mark.tui

SURVIVOR = {"family_name": "Okafor", "given_name": "Adaeze", "birth_date": "1941-03-02",
            "sex": "female"}
DUPLICATE = {"family_name": "Okafor", "given_name": "Adaze [dup]", "birth_date": "1941-03-02",
             "sex": "female"}


def arrange(term: Terminal) -> dict[str, str]:
    session = term.session()
    ids = {"survivor": session.residents.register(SURVIVOR),
           "duplicate": session.residents.register(DUPLICATE)}
    for resident_id in ids.values():
        session.stays.admit(resident_id, admitted_at="2026-01-10")
    session.lock()
    return ids


async def open_resident(ui, resident_id: str) -> ResidentScreen:
    await ui.sign_in()
    await ui.app.push_screen(ResidentScreen(resident_id))
    screen = await ui.wait_for_screen(ResidentScreen)
    await ui.wait_for(lambda: screen.view is not None)
    return screen


async def test_mark_a_record_entered_in_error_needs_a_reason(offline_terminal, make_app,
                                                            drive):
    ids = arrange(offline_terminal)
    app = make_app(offline_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        screen = await open_resident(ui, ids["duplicate"])
        await pilot.press("X")
        dialog = await ui.wait_for_screen(FormDialog)
        assert "Adaze [dup]" in ui.screen_text()  # the name as typed, not markup
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert "is required" in ui.text_of("#error-reason")

        await ui.fill(reason="Registered twice at admission")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "marked entered in error" in ui.text_of("#resident-alerts"))

        await pilot.press("X")  # already marked: no second dialog
        await pilot.pause()
        assert app.screen is screen


async def test_merge_a_duplicate_into_the_record_that_stays(offline_terminal, make_app,
                                                          drive):
    ids = arrange(offline_terminal)
    app = make_app(offline_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        screen = await open_resident(ui, ids["duplicate"])
        await pilot.press("M")
        picker = await ui.wait_for_screen(ResidentPickerDialog)
        assert "at least two letters" in ui.text_of("#picker-empty")
        await pilot.press(*"okafor")
        await ui.wait_for(lambda: picker.query_one("#picker-table", DataTable).row_count == 1)
        table_text = ui.table_text("#picker-table")
        assert "Adaeze" in table_text
        assert "[dup]" not in table_text  # the duplicate cannot survive into itself
        await pilot.press("enter")  # from the search box to the matches
        await pilot.press("enter")  # choose the highlighted one

        confirm = await ui.wait_for_screen(FormDialog)
        intro = ui.screen_text()
        assert "Okafor, Adaze [dup]" in intro
        assert "Okafor, Adaeze" in intro
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        assert confirm is not app.screen
        await ui.wait_for(lambda: "merged into another resident" in ui.text_of(
            "#resident-alerts"))
        view = offline_terminal  # the store agrees, read through a second session
        session = terminal.unlock(view.home, view.username, view.password,
                                  transport=view.transport, clock=view.clock)
        try:
            assert session.residents.get(ids["duplicate"]).replaced_by == ids["survivor"]
        finally:
            session.lock()


@pytest.fixture
def clerk_terminal(tmp_path) -> Terminal:
    link = EnrollOnlyTransport(username="carol", role="clerk",
                               user_id="01KF1A0000000000000000000C")
    home = tmp_path / "clerk-terminal"
    session = terminal.enroll(home, "http://127.0.0.1:9", "ENROLL-CODE-2", "Station 2",
                              "carol", PASSWORD, transport=link, clock=ManualClock(START))
    session.residents.register(SURVIVOR)
    session.lock()
    return Terminal(home, "carol", PASSWORD, ManualClock(START), link)


async def test_a_clerk_is_told_why_record_actions_are_not_offered(clerk_terminal, make_app,
                                                                 drive):
    session = clerk_terminal.session()
    resident_id = session.residents.census("okafor", statuses=None).rows[0].id
    session.lock()
    app = make_app(clerk_terminal)
    seen: list[object] = []
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        ui = drive(pilot)
        screen = await open_resident(ui, resident_id)
        await pilot.press("X")
        await ui.wait_for(lambda: told(seen, "mark a resident entered in error"))
        await pilot.press("M")
        await ui.wait_for(lambda: told(seen, "merge duplicate records"))
        assert app.screen is screen  # no form to fill in for nothing
        assert "signed in as a clerk" in told(seen, "merge")


def told(seen: list[object], what: str) -> str:
    """The text of the notification that says only a records manager can ``what``."""
    for message in seen:
        if isinstance(message, Notify) and f"records manager can {what}" in (
                message.notification.message):
            return message.notification.message
    return ""


async def test_a_clerk_reads_staff_and_is_told_who_changes_them(clerk_terminal, make_app,
                                                                drive):
    from client.ui.screens.staff import StaffScreen

    app = make_app(clerk_terminal)
    seen: list[object] = []
    async with app.run_test(size=(140, 40), message_hook=seen.append) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f4")
        screen = await ui.wait_for_screen(StaffScreen)
        note = screen.query_one("#staff-role-note")
        assert note.display
        assert "hours, staff and license changes are entered by a records manager" in \
            ui.text_of("#staff-role-note")
        await ui.wait_for(lambda: "No staff on the roster yet" in ui.text_of("#roster-empty"))
        assert "Nobody highlighted" in ui.text_of("#staff-title")
        await pilot.press("ctrl+n")
        await ui.wait_for(lambda: told(seen, "add staff members"))
        assert app.screen is screen


async def test_an_empty_roster_says_so_under_its_header(clerk_terminal, make_app, drive):
    """Side by side with the details (160 columns), the roster fills the pane's
    height; with nobody on it, the sentence stands under its header, where the
    clerk is looking, not at the foot of an empty pane."""
    from client.ui.screens.staff import StaffScreen

    app = make_app(clerk_terminal)
    async with app.run_test(size=(160, 40)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f4")
        screen = await ui.wait_for_screen(StaffScreen)
        await ui.wait_for(lambda: "No staff on the roster yet" in ui.text_of("#roster-empty"))
        roster, empty = screen.query_one("#roster"), screen.query_one("#roster-empty")
        await ui.wait_for(lambda: empty.region.y <= roster.region.y + 3)
