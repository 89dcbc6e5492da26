"""The region's records requests in a real browser: a regional manager signs in,
follows "Records requests", and reads the overdue request first, the other
one after it, and nothing from outside the region."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from protocol import hlc
from protocol.ids import new_id
from protocol.messages import EnrollRequest, PushRequest
from protocol.ops import Operation, OpType
from protocol.rules.calendar import add_days
from protocol.signing import new_private_key, prove_possession, public_bytes, seal
from server import admin
from server.core.authentication import TerminalInfo
from server.core.service import SyncService

pytestmark = pytest.mark.browser



def push_requests(portal, facility_id: str, username: str, mrn: str,
                  received: list[tuple[str, str]]) -> None:
    """A records manager's terminal sends a resident and requests for their records."""
    engine, settings = portal.engine, portal.settings
    admin.create_user(engine, settings, facility_id=facility_id, username=username,
                      role="records_manager")
    service = SyncService(engine, settings)
    key = new_private_key()
    code = admin.issue_code(engine, settings, facility_id=facility_id)
    request = EnrollRequest(code, "records office", public_bytes(key),
                            prove_possession(key, code), username)
    enrolled = service.enroll(seal(key, "enroll", "new", 0, request.to_wire()), request)
    terminal = TerminalInfo(enrolled.terminal_id, facility_id, public_bytes(key))
    now = settings.clock()
    rid = new_id()
    payloads = [(OpType.CREATE, {"kind": "resident", "id": rid, "fields": {
        "mrn": mrn, "family_name": "Okafor", "given_name": "Adaeze",
        "birth_date": "1941-03-02", "sex": "female"}})]
    payloads += [(OpType.COMMAND, {"name": "open_request", "args": {
        "request_id": new_id(), "resident_id": rid, "received_at": at, "requester": who,
        "authority": "attorney", "what": "the chart"}}) for at, who in received]
    ops = [Operation(new_id(), n, kind, facility_id, enrolled.user_id, hlc.pack(now, 0),
                     payload, 1) for n, (kind, payload) in enumerate(payloads, start=1)]
    push = PushRequest(ops, 1)
    results = service.push(terminal, seal(key, "push", terminal.id, 1, push.to_wire(), ts=now),
                           push).results
    assert [r.status for r in results] == ["applied"] * len(ops)


def test_the_managers_region_due_and_overdue_requests(signed_in: Page, portal):
    page = signed_in
    today = datetime.fromtimestamp(portal.settings.clock() / 1000, UTC).date()
    late, recent = today - timedelta(days=45), today - timedelta(days=1)
    push_requests(portal, portal.facility_a, "rm_a", "MG0042",
                  [(f"{late.isoformat()}T09:00", "Doe LLP"),
                   (f"{recent.isoformat()}T09:00", "Roe LLP")])
    push_requests(portal, portal.facility_b, "rm_b", "OK0007",
                  [(f"{late.isoformat()}T09:00", "Far Away LLP")])
    page.get_by_role("link", name="Records requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Records requests due")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)  # the header and two requests
    expect(rows.nth(1)).to_contain_text(f"{add_days(late, 30).isoformat()} — overdue")
    expect(rows.nth(1)).to_contain_text("Doe LLP")
    expect(rows.nth(2)).to_contain_text(add_days(recent, 30).isoformat())
    expect(page.get_by_role("table")).not_to_contain_text("Far Away")
    expect(page.get_by_role("table")).not_to_contain_text("Okafor")
    page.get_by_role("link", name="this page as JSON").click()
    expect(page).to_have_url(re.compile(r"/portal/records\.json$"))
