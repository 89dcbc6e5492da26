"""The hiring board of the department screen (F10), offline at 80×24: job
postings with their applicants listed under them (with their stage), searched
from the keyboard (/), a clear empty state, and the close of a posting (c)
through a form that asks the outcome and why before anything is saved."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Select

from client.ui.dialogs.choice import ChoiceDialog
from client.ui.dialogs.form import FormDialog
from client.ui.screens.department import DepartmentScreen
from client.ui.widgets.hiring_board import NO_POSTINGS, _posting_row
from protocol.rules.department.postings import group_by_posting

from .table_fit import fits

pytestmark = pytest.mark.tui

SIZE = (80, 24)


async def _department(ui, pilot) -> DepartmentScreen:
    await ui.sign_in()
    await pilot.press("f10")
    return await ui.wait_for_screen(DepartmentScreen)


def _notified(app, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def test_no_postings_say_so_and_close_says_what_to_highlight(
        offline_terminal, make_app, drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await _department(ui, pilot)
        await ui.wait_for(lambda: NO_POSTINGS in ui.text_of("#hiring-empty"))
        assert not app.screen.query_one("#hiring", DataTable).display
        await pilot.press("c")
        await ui.wait_for(lambda: _notified(app, "Highlight a job posting"))
        assert not isinstance(app.screen, FormDialog)


@pytest.fixture
def hiring(offline_terminal):
    session = offline_terminal.session()
    registrar = session.hiring.post_job(position="Cancer registrar", department="HIM",
                                        hours_per_week=32, posted_on="2026-01-02")
    session.hiring.post_job(position="File clerk", department="Records", hours_per_week=20,
                            posted_on="2026-01-05")
    for family, given in (("Berg [Jr]", "Ola"), ("Lind", "Maja")):
        session.hiring.add_applicant(
            posting_id=registrar, job_title_code=2, pay_type_code=2, family_name=family,
            given_name=given, applied_on="2026-01-06", checklist=["orientation"])
    berg = next(a for a in session.hiring.applicants() if a["family_name"] == "Berg [Jr]")
    session.hiring.record_stage(berg["id"], stage="interviewed", on="2026-01-08")
    session.hiring.add_applicant(
        position="Secretary", department="Administration", job_title_code=2,
        pay_type_code=2, family_name="Ruiz", given_name="Ana", applied_on="2026-01-07",
        checklist=["orientation"])
    session.lock()
    return offline_terminal, registrar


async def test_applicants_under_their_posting_searched_and_a_posting_closed(
        hiring, make_app, drive):
    term, registrar = hiring
    app = make_app(term)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await _department(ui, pilot)
        await ui.wait_for(lambda: "Cancer registrar" in ui.table_text("#hiring"))
        rows = ui.table_text("#hiring").splitlines()
        # Open postings newest first, each followed by its applicants with their stage.
        assert [r.split(" | ")[0].strip() for r in rows] == [
            "File clerk — Records, 20 h/week  (no applicants)",
            "Cancer registrar — HIM, 32 h/week  (1 applied, 1 interviewed)",
            "Berg [Jr], Ola", "Lind, Maja",
            "Applicants answering no posting", "Ruiz, Ana"]
        assert rows[2].split(" | ")[1] == "interviewed" and rows[3].split(" | ")[1] == "applied"

        await pilot.press("slash")
        search = app.screen.query_one("#hiring-search", Input)
        await ui.wait_for(lambda: search.has_focus)
        await pilot.press(*"berg")
        await ui.wait_for(lambda: "Lind" not in ui.table_text("#hiring"))
        assert [r.split(" | ")[0].strip() for r in ui.table_text("#hiring").splitlines()] == [
            "Cancer registrar — HIM, 32 h/week  (1 interviewed)", "Berg [Jr], Ola"]
        await pilot.press("x", "y")
        await ui.wait_for(lambda: "Nothing matches “bergxy”" in ui.text_of("#hiring-empty"))
        for _ in range(6):
            await pilot.press("backspace")
        await ui.wait_for(lambda: "Ruiz" in ui.table_text("#hiring"))

        await pilot.press("enter")  # from the search box to the list
        table = app.screen.query_one("#hiring", DataTable)
        await ui.wait_for(lambda: table.has_focus)
        await pilot.press("down", "down")  # Berg, under the registrar posting
        await pilot.press("c")
        form = await ui.wait_for_screen(FormDialog)
        assert "Close the posting Cancer registrar" in ui.screen_text()
        assert "2 applicant(s) keep their stages" in ui.text_of(".dialog-intro")
        await pilot.press("ctrl+s")  # no outcome chosen: nothing saved
        await ui.wait_for(lambda: "Outcome" in ui.text_of("#error-outcome"))
        await ui.fill(outcome="no suitable applicant", reason="Nobody holds a CTR")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
        await ui.wait_for(lambda: "closed · no suitable applicant" in ui.table_text("#hiring"))

        table.focus()
        rows = ui.table_text("#hiring").splitlines()
        table.move_cursor(row=next(i for i, r in enumerate(rows) if "Cancer" in r))
        await pilot.press("c")
        await ui.wait_for(lambda: _notified(app, "This posting was closed on 2026-01-15"))

        await pilot.press("p")  # the closed posting is no longer offered
        form = await ui.wait_for_screen(FormDialog)
        offered = [str(label) for label, _ in form.query_one(
            "#field-posting_id", Select)._options]
        assert not any("Cancer registrar" in o for o in offered)
        assert any("File clerk" in o for o in offered)
    closed = next(p for p in term.session().hiring.postings() if p["id"] == registrar)
    assert (closed["status"], closed["outcome"], closed["close_reason"], closed["closed_on"]
            ) == ("closed", "no suitable applicant", "Nobody holds a CTR", "2026-01-15")


async def test_an_item_shown_by_a_record_since_voided_is_open_again_at_f10(
        facility, make_app, drive):
    """Against the real server: the hire's registry check is marked entered in error
    after it showed the item; F10's onboarding key offers the hire again, says why,
    and no longer offers the voided check as evidence."""
    manager = facility.enroll(facility.add_user("mrivera", "records_manager"), "Records")
    session = manager.session()
    today = facility.clock.today().isoformat()
    applicant = session.hiring.add_applicant(
        position="Nurse aide", department="Nursing", job_title_code=10, pay_type_code=1,
        family_name="Mensah", given_name="Ama", applied_on=today,
        checklist=["registry_verification"])
    session.hiring.record_stage(applicant, stage="offered", on=today)
    aide = session.hiring.hire(applicant, employee_id="E-3001", hire_date=today)
    assert session.sync().error is None
    check = session.staff.add_registry_check(aide, {
        "state": "OH", "checked_on": today, "in_good_standing": True})
    session.hiring.complete(applicant, item="registry_verification", done_on=today,
                            evidence_id=check)
    session.staff.add_registry_check(aide, {"state": "OH", "checked_on": today,
                                            "in_good_standing": True,
                                            "entered_in_error_of": check})
    assert session.sync().error is None
    session.lock()
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await _department(ui, pilot)
        await pilot.press("o")
        picker = await ui.wait_for_screen(ChoiceDialog)
        assert "Mensah" in ui.screen_text()
        picker.query_one("#choice-0").press()
        form = await ui.wait_for_screen(FormDialog)
        assert "Open again: nurse-aide registry verification" in ui.text_of(".dialog-intro")
        evidence = [value for _label, value in form.query_one(
            "#field-evidence_id", Select)._options]
        assert check not in evidence


def test_a_closed_posting_says_closed_once_and_its_outcome_if_it_has_one() -> None:
    """A posting closed before outcomes were recorded has none: "closed", not
    "closed · closed"."""
    postings = [("P1", {"position": "Coder", "department": "HIM", "status": "closed",
                        "posted_on": "2026-10-01", "closed_on": "2026-10-20",
                        "outcome": "filled"}),
                ("P0", {"position": "Typist", "department": "Records", "status": "closed",
                        "posted_on": "2025-01-01", "closed_on": "2025-02-01"}),
                ("P2", {"position": "Registrar", "department": "HIM", "status": "open",
                        "posted_on": "2026-11-02"})]
    rows = {g.id: _posting_row(g)[1].plain for g in group_by_posting(postings, [])}
    assert rows == {"P1": "closed · filled", "P0": "closed", "P2": "open"}


async def test_postings_fit_80_columns_without_scrolling_sideways(hiring, make_app, drive):
    """At 80×24 a posting's row (position, department, hours, how many applicants at
    which stage, its status and date) wraps inside the screen's width instead of
    running past it: nothing on F10 scrolls sideways."""
    term, _registrar = hiring
    session = term.session()
    session.hiring.post_job(position="Health information management director",
                            department="Health information", hours_per_week=40,
                            posted_on="2026-01-09")
    line = session.spending.set_line(fiscal_year=2026, department="HIM", account="Scanning",
                                     amount="90000")
    session.spending.request(line, amount="48000", vendor="Iron Mountain Information "
                             "Management Services", justification="Closed charts",
                             requested_on="2026-01-09")
    session.lock()
    app = make_app(term)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        screen = await _department(ui, pilot)
        await ui.wait_for(lambda: "Cancer registrar" in ui.table_text("#hiring"))
        await ui.wait_for(lambda: "Iron Mountain" in ui.table_text("#requests"))
        await pilot.pause(0.2)
        for selector in ("#hiring", "#requests", "#department-body"):
            widget = screen.query_one(selector)
            assert widget.display and widget.max_scroll_x == 0, selector
        for selector in ("#hiring", "#requests"):  # and no cell is cut
            table = screen.query_one(selector, DataTable)
            assert not fits(table), (selector, fits(table))
        assert "Health information management" in ui.screen_text()
