"""The department's portal pages in a real browser (Chromium, no JavaScript): a
regional manager publishes a regulation bulletin with the form and finds it on
the bulletins list; then approves, on a facility's Spending tab, an expenditure
request above the facility's limit that a terminal's records manager could not, and
sees their own name as the decider."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from protocol import hlc
from protocol.ids import new_id
from protocol.messages import EnrollRequest, PushRequest
from protocol.ops import Operation, OpType
from protocol.signing import new_private_key, prove_possession, public_bytes, seal
from server import admin
from server.core.authentication import TerminalInfo
from server.core.service import SyncService

pytestmark = pytest.mark.browser


def request_above_limit(portal) -> str:
    """A records manager's terminal at Maple Grove sets a budget line and asks for
    4,800.00 against it (the limit is 2,500.00)."""
    engine, settings = portal.engine, portal.settings
    admin.create_user(engine, settings, facility_id=portal.facility_a, username="rm_a",
                      role="records_manager")
    service = SyncService(engine, settings)
    key = new_private_key()
    code = admin.issue_code(engine, settings, facility_id=portal.facility_a)
    request = EnrollRequest(code, "records office", public_bytes(key),
                            prove_possession(key, code), "rm_a")
    enrolled = service.enroll(seal(key, "enroll", "new", 0, request.to_wire()), request)
    terminal = TerminalInfo(enrolled.terminal_id, enrolled.facility_id, public_bytes(key))
    now = settings.clock()
    line, wanted = new_id(), new_id()
    commands = [("set_budget_line", {"line_id": line, "fiscal_year": 2026, "department": "HIM",
                                     "account": "Scanning", "amount": "12000"}),
                ("request_expenditure", {"expenditure_id": wanted, "line_id": line,
                                         "amount": "4800", "vendor": "Iron Mountain",
                                         "justification": "Closed-chart backlog",
                                         "requested_on": "2026-01-05"})]
    ops = [Operation(new_id(), seq, OpType.COMMAND, portal.facility_a, enrolled.user_id,
                     hlc.pack(now, seq), {"name": name, "args": args}, 1)
           for seq, (name, args) in enumerate(commands, start=1)]
    push = PushRequest(ops, 1)
    results = service.push(terminal, seal(key, "push", terminal.id, 1, push.to_wire(), ts=now),
                           push).results
    assert [r.status for r in results] == ["applied", "applied"]
    return wanted


def test_a_bulletin_is_published_and_listed(signed_in: Page, portal):
    page = signed_in
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bulletins").click()
    expect(page.get_by_text("No bulletins yet.")).to_be_visible()
    page.get_by_role("link", name="Publish a regulation bulletin").click()
    # A NUL pasted into the title: the form comes back with the field named and
    # everything typed still there (the NUL shown as ␀, to delete).
    page.get_by_label("Title").fill("Copy fees\x00 for residents' own records")
    page.get_by_label("Source").fill("State Medicaid notice 14")
    page.get_by_label("Effective date").fill("2026-01-05")
    page.get_by_label("Acknowledge by").fill("2026-01-20")
    page.get_by_label("Text").fill("Charge at cost only.")
    page.get_by_label("Maple Grove").check()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_have_text("Title must not contain NUL characters.")
    expect(page.get_by_label("Title")).to_have_value("Copy fees\u2400 for residents' own records")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Source")).to_have_value("State Medicaid notice 14")
    expect(page.get_by_label("Acknowledge by")).to_have_value("2026-01-20")
    expect(page.get_by_label("Text")).to_have_value("Charge at cost only.")
    expect(page.get_by_label("Maple Grove")).to_be_checked()
    page.get_by_label("Title").fill("Copy fees for residents' own records")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Bulletin published to 1 facilities")
    expect(page.get_by_role("table")).to_contain_text("Copy fees for residents' own records")
    expect(page.get_by_role("table")).to_contain_text("0 of 0")


def test_the_region_approves_a_request_above_the_limit(signed_in: Page, portal):
    page = signed_in
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    request_above_limit(portal)
    page.get_by_role("link", name="Maple Grove").click()
    page.get_by_role("navigation", name="Maple Grove").get_by_role(
        "link", name="Spending").click()
    expect(page.get_by_role("heading", name="Iron Mountain — $4,800.00")).to_be_visible()
    page.get_by_role("radio", name="Approve").check()
    page.get_by_label("Reason (needed to refuse)").fill("Before the survey")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("Expenditure request approved")
    expect(page.get_by_text("No request above the limit is waiting.")).to_be_visible()
    journal = page.get_by_role("table", name="Journal of approved spending")
    expect(journal).to_contain_text("Iron Mountain")
    expect(journal).to_contain_text("Robin North")  # the person, not portal:rm_north
    expect(page.get_by_role("table", name="Expenditure requests")).to_contain_text(
        "Robin North on ")
    assert missing == []  # not even /favicon.ico
