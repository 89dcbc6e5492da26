"""The portal's hiring pages in a real browser (Chromium, no JavaScript): a
regional manager finds the region's open posting with its applicants at each
stage and a hire whose first shift waits for onboarding, follows the facility's
link to its Hiring tab (every posting, each applicant's stage, what the hire
still lacks), and finds no form there: hiring is written at the terminal."""

from __future__ import annotations

from typing import Any

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


def records_manager_sends(portal, commands: list[tuple[str, dict[str, Any]]]) -> None:
    """A records manager's terminal at Maple Grove sends these commands."""
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
    ops = [Operation(new_id(), seq, OpType.COMMAND, portal.facility_a, enrolled.user_id,
                     hlc.pack(now, seq), {"name": name, "args": args}, 1)
           for seq, (name, args) in enumerate(commands, start=1)]
    push = PushRequest(ops, 1)
    results = service.push(terminal, seal(key, "push", terminal.id, 1, push.to_wire(), ts=now),
                           push).results
    assert [r.status for r in results] == ["applied"] * len(commands), results


def _applicant(posting: str, family: str) -> tuple[str, dict[str, Any]]:
    return ("add_applicant", {
        "applicant_id": new_id(), "staff_id": new_id(), "posting_id": posting,
        "position": "Cancer registrar", "department": "HIM", "job_title_code": 17,
        "pay_type_code": 1, "family_name": family, "given_name": "Ola",
        "applied_on": "2026-01-03", "checklist": ["background_check", "orientation"]})


def test_the_region_sees_postings_applicants_and_onboarding(signed_in: Page, portal):
    page = signed_in
    posting, hired = new_id(), _applicant("", "Berg [Jr]")
    hired[1]["posting_id"] = posting
    records_manager_sends(portal, [
        ("post_job", {"posting_id": posting, "position": "Cancer registrar",
                      "department": "HIM", "hours_per_week": 32, "posted_on": "2026-01-02"}),
        _applicant(posting, "Lind"), hired,
        ("record_stage", {"applicant_id": hired[1]["applicant_id"], "stage": "offered",
                          "on": "2026-01-04"}),
        ("hire_applicant", {"applicant_id": hired[1]["applicant_id"], "employee_id": "E-12",
                            "hire_date": "2026-01-05"}),
        ("complete_onboarding", {"applicant_id": hired[1]["applicant_id"],
                                 "item": "background_check", "done_on": "2026-01-05"}),
    ])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Hiring").click()
    postings = page.get_by_role("table", name="Open job postings at Maple Grove")
    expect(postings).to_contain_text("Cancer registrar")
    expect(postings).to_contain_text("1 applied, 1 hired")
    hires = page.get_by_role("table", name="Hires at Maple Grove whose first shift")
    expect(hires).to_contain_text("Berg [Jr], Ola")
    expect(hires).to_contain_text("orientation")
    expect(page.get_by_text("Read-only")).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(1)  # signing out only: no form here
    expect(page.get_by_text("Oak Hill")).to_have_count(0)

    page.get_by_role("link", name="Maple Grove").click()
    page.get_by_role("navigation", name="Maple Grove").get_by_role("link", name="Hiring").click()
    every = page.get_by_role("table", name="Every job posting here")
    expect(every).to_contain_text("Lind, Ola")
    expect(every).to_contain_text("applied")
    onboarding = page.get_by_role("table", name="Hires and what their first shift")
    expect(onboarding).to_contain_text("missing: orientation")
    page.get_by_role("link", name="this page as JSON").click()
    expect(page.locator("body")).to_contain_text('"missing": ["orientation"]')
