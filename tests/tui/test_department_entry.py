"""Entering the department's spending at the terminal (F10), offline, at 80×24:
an expenditure request against a budget line, the records manager's decision on
one within the facility's limit, and one above it refused in the form with the
reason (the region decides it in the portal)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from client.ui.dialogs.choice import ChoiceDialog
from client.ui.dialogs.form import FormDialog
from client.ui.screens.department import DepartmentScreen

pytestmark = pytest.mark.tui

SIZE = (80, 24)


@pytest.fixture
def budgeted(offline_terminal):
    session = offline_terminal.session()
    session.spending.set_line(fiscal_year=2026, department="HIM", account="Scanning",
                              amount="9000")
    session.lock()
    return offline_terminal


async def _decide(ui, pilot, screen, vendor: str):
    table = screen.query_one("#requests", DataTable)
    table.focus()
    rows = ui.table_text("#requests").splitlines()
    table.move_cursor(row=next(i for i, r in enumerate(rows) if vendor in r))
    await pilot.press("d")
    return await ui.wait_for_screen(FormDialog)


async def test_a_request_entered_then_decided_and_one_above_the_limit_refused(
        budgeted, make_app, drive):
    app = make_app(budgeted)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f10")
        screen = await ui.wait_for_screen(DepartmentScreen)
        await ui.wait_for(lambda: "No expenditure requests" in ui.text_of("#requests-empty"))
        for vendor, amount in (("Staples [HQ]", "186.40"), ("Iron Mountain", "4800")):
            await pilot.press("s")
            form = await ui.wait_for_screen(FormDialog)
            await ui.fill(amount="-5", vendor=vendor, justification="Scanner toner")
            await pilot.press("ctrl+s")
            await ui.wait_for(lambda: ui.text_of("#error-amount") != "")
            assert form.is_attached
            await ui.fill(amount=amount)
            await pilot.press("ctrl+s")
            await ui.wait_for(lambda f=form: not f.is_attached)
            await ui.wait_for(lambda v=vendor: v in ui.table_text("#requests"))
        requests = ui.table_text("#requests")
        assert "$186.40" in requests and "records manager" in requests
        assert "region (portal)" in requests

        form = await _decide(ui, pilot, screen, "Iron Mountain")
        await pilot.press("ctrl+s")
        # Above the facility's $2,500.00 limit: the rule refuses it here, form kept.
        await ui.wait_for(lambda: "regional manager decides it in the portal"
                          in " ".join(ui.text_of("#form-error").split()))
        assert form.is_attached
        await pilot.press("escape")
        await ui.wait_for_screen(DepartmentScreen)

        form = await _decide(ui, pilot, screen, "Staples [HQ]")
        await ui.fill(decision="refused")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "say why" in ui.text_of("#error-reason"))
        await ui.fill(decision="approved")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
        await ui.wait_for(lambda: "approved" in ui.table_text("#requests"))
    [staples] = [r for r in budgeted.session().spending.requests()
                 if r["vendor"] == "Staples [HQ]"]
    assert (staples["status"], staples["amount"]) == ("approved", "186.40")


async def _choose(ui, pilot, key: str, who: str):
    await pilot.press(key)
    picker = await ui.wait_for_screen(ChoiceDialog)
    assert who in ui.screen_text()
    picker.query_one("#choice-0").press()
    return await ui.wait_for_screen(FormDialog)


async def test_an_applicant_hired_and_onboarded_at_the_terminal(budgeted, make_app, drive):
    app = make_app(budgeted)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f10")
        await ui.wait_for_screen(DepartmentScreen)
        await pilot.press("p")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(position="Health information technician", department="HIM",
                      job_title_code="2", family_name="Lindqvist [RHIT]", given_name="Maja",
                      needs_credential="yes")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)

        # Not offered yet: nobody to hire.
        await pilot.press("H")
        await ui.wait_for(lambda: any("No applicant is at that step" in str(n.message)
                                      for n in app._notifications))
        form = await _choose(ui, pilot, "g", "Lindqvist [RHIT]")
        await ui.fill(stage="offered", interviewers="Dana Ruiz, Sam Ortiz")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)

        form = await _choose(ui, pilot, "H", "Lindqvist [RHIT]")
        await ui.fill(employee_id="E-0042")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)

        form = await _choose(ui, pilot, "o", "Lindqvist [RHIT]")
        await ui.fill(item="credential", credential="RHIT")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "expiry" in ui.text_of("#error-credential"))
        await ui.fill(expires_on="2028-06-30")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
    session = budgeted.session()
    [applicant] = session.hiring.applicants()
    assert applicant["stage"] == "hired" and applicant["employee_id"] == "E-0042"
    assert [s["interviewers"] for s in applicant["stages"] if s["stage"] == "offered"] == [
        ["Dana Ruiz", "Sam Ortiz"]]
    assert applicant["checklist"] == ["background_check", "orientation", "credential"]
    assert applicant["open_items"] == ["background_check", "orientation"]
    # The server makes the staff member from these details when the hire reaches it
    # (tests/integration/test_hiring.py); the terminal holds what it will use.
    assert (applicant["family_name"], applicant["job_title_code"],
            applicant["hire_date"]) == ("Lindqvist [RHIT]", 2, "2026-01-15")


async def test_a_job_posted_and_an_applicant_answering_one(budgeted, make_app, drive):
    session = budgeted.session()
    registrar = session.hiring.post_job(position="Cancer registrar", department="HIM",
                                        hours_per_week=32, requirements=["CTR"],
                                        posted_on="2026-01-02")
    session.lock()
    app = make_app(budgeted)
    async with app.run_test(size=SIZE) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f10")
        await ui.wait_for_screen(DepartmentScreen)
        await pilot.press("j")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(position="File clerk", hours_per_week="20",
                      requirements="Filing experience\nLifting 25 lb")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
        await pilot.press("p")
        form = await ui.wait_for_screen(FormDialog)
        # The posting is picked from the open ones; its position is shown, not typed.
        position = form.query_one("#field-position", Input)
        await ui.fill(posting_id=registrar, job_title_code="2",
                      family_name="Berg", given_name="Ola")
        assert (position.value, position.disabled) == ("Cancer registrar", True)
        assert form.query_one("#field-department", Input).value == "HIM"
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
        # No posting: the position and department are typed, and required then (the
        # hire makes the staff member from them: one with no department is refused).
        await pilot.press("p")
        form = await ui.wait_for_screen(FormDialog)
        await ui.fill(posting_id="none", job_title_code="2", family_name="Ruiz",
                      given_name="Ana")
        assert not form.query_one("#field-position", Input).disabled
        assert not form.query_one("#field-department", Input).disabled
        assert "Department (optional)" not in ui.screen_text()
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "required" in ui.text_of("#error-department"))
        await ui.fill(department="Administration")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "Type the position" in ui.text_of("#error-position"))
        await ui.fill(position="Secretary")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not form.is_attached)
    session = budgeted.session()
    postings = {p["position"]: p for p in session.hiring.postings()}
    clerk = postings["File clerk"]
    assert (clerk["department"], clerk["hours_per_week"], clerk["requirements"],
            clerk["status"]) == ("Health information", 20,
                                 ["Filing experience", "Lifting 25 lb"], "open")
    by_name = {a["family_name"]: a for a in session.hiring.applicants()}
    applicant = by_name["Berg"]
    assert (applicant["posting_id"], applicant["position"], applicant["department"]) == (
        registrar, "Cancer registrar", "HIM")
    assert postings["Cancer registrar"]["applicants"] == [applicant["id"]]
    assert (by_name["Ruiz"]["position"], by_name["Ruiz"]["department"],
            by_name["Ruiz"].get("posting_id")) == ("Secretary", "Administration", None)
