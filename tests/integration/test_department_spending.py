"""The department's budget and spending end to end: a real server on loopback,
real encrypted terminals and the portal's core. An expenditure above the
facility's limit is refused to the records manager at the terminal (before it
is saved) and at the server (when a terminal sends it anyway); the regional
manager approves it from the portal; the decision reaches the terminals at
their next pull, is audited with who, when and why, and lands in the journal
and in budget against actual."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from client.errors import InputError, NotPermitted
from protocol.records import RecordKind
from server.errors import NotFound
from server.portal import spending
from server.portal.errors import InputInvalid
from server.portal.principals import PortalRole, Principal
from server.storage.db import read_tx

from .conftest import Org, inject_raw_op, op


def _regional(org: Org, *facilities: str) -> Principal:
    return Principal("account", "01J0000000000000000000RM01", "rm_north",
                     PortalRole.REGIONAL_MANAGER, frozenset(facilities or (org.a.id,)))


def test_above_the_limit_the_records_manager_cannot_approve_and_the_region_can(
        org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    assert manager.spending.limit() == Decimal("2500.00")  # no limit set: the default
    with pytest.raises(NotPermitted):
        clerk.spending.set_line(fiscal_year=2026, department="HIM", account="Scanning",
                                amount="12000")
    line = manager.spending.set_line(fiscal_year=2026, department="HIM", account="Scanning",
                                     amount="12000")
    manager.sync()
    clerk.sync()
    big = clerk.spending.request(line, amount="4,800.00", vendor="Iron Mountain",
                                 justification="Retrieve and scan 40 boxes of closed charts",
                                 requested_on="2026-11-09", attachments=["quote-1187.pdf"])
    small = clerk.spending.request(line, amount="180", vendor="Staples",
                                   justification="Folders and labels",
                                   requested_on="2026-11-09")
    clerk.sync()
    manager.sync()
    shown = {r["id"]: r for r in manager.spending.requests()}
    assert (shown[big]["status"], shown[big]["_decider"]) == ("pending", "regional_manager")
    assert shown[small]["_decider"] == "records_manager"

    # At the terminal: refused at entry, nothing saved.
    before = len(manager.outbox.operations())
    with pytest.raises(InputError) as refused:
        manager.spending.decide(big, decision="approved", decided_on="2026-11-10")
    assert refused.value.reason == "not_permitted"
    assert "regional manager decides it in the portal" in str(refused.value)
    assert len(manager.outbox.operations()) == before
    # Within the limit, the region may not decide it: it is the records manager's.
    region = _regional(org)
    with pytest.raises(InputInvalid, match="within the records manager's limit"):
        spending.decide(org.engine, org.settings, region, facility_id=org.a.id,
                        expenditure_id=small, decision="refused", reason="no")
    manager.spending.decide(small, decision="approved", decided_on="2026-11-10")

    # At the server: the same rule, for a terminal that sends it anyway.
    seq = inject_raw_op(manager, "command", {"name": "decide_expenditure", "args": {
        "expenditure_id": big, "decision": "approved", "decided_on": "2026-11-10"}})
    manager.sync()
    assert (op(manager, seq).status, op(manager, seq).reason) == ("rejected", "not_permitted")
    assert org.server_records(org.a)[("expenditure", big)]["data"]["status"] == "pending"

    # The regional manager, from the portal.
    with read_tx(org.engine) as conn:
        page = spending.spending(conn, region, org.a.id)
    assert [r["id"] for r in page.awaiting_region] == [big]
    assert spending.decide(org.engine, org.settings, region, facility_id=org.a.id,
                           expenditure_id=big, decision="approved",
                           reason="Closed-chart backlog before the survey") == "approved"
    with pytest.raises(NotFound):  # another region's facility: not found
        spending.decide(org.engine, org.settings, _regional(org, org.b.id),
                        facility_id=org.a.id, expenditure_id=big, decision="approved",
                        reason="")

    stored = org.server_records(org.a)[("expenditure", big)]["data"]
    assert (stored["status"], stored["decided_by"], stored["decided_on"],
            stored["decision_reason"]) == ("approved", "portal:rm_north", "2026-11-10",
                                           "Closed-chart backlog before the survey")
    [entry] = [a for a in org.audit_actions(big) if a.action.startswith("portal:")]
    assert (entry.action, entry.outcome) == ("portal:decide_expenditure_above_limit", "applied")
    detail = json.loads(entry.detail) if isinstance(entry.detail, str) else entry.detail
    assert detail["reason"] == "Closed-chart backlog before the survey"

    clerk.sync()
    assert {r["id"]: r["status"] for r in clerk.spending.requests()} == {
        big: "approved", small: "approved"}
    journal = clerk.spending.journal()
    assert [(s.id, s.amount) for s in journal] == sorted(
        [(big, Decimal("4800.00")), (small, Decimal("180.00"))])
    november = next(m for m in clerk.spending.budget_vs_actual() if m.month == "2026-11")
    assert (november.budget, november.actual) == (Decimal("1000.00"), Decimal("4980.00"))
    [line_shown] = clerk.spending.lines()
    assert line_shown["remaining"] == Decimal("7020.00")
    cases = {k for k in org.server_records(org.a) if k[0] in (
        RecordKind.BUDGET_LINE, RecordKind.EXPENDITURE)}
    assert len(cases) == 3
