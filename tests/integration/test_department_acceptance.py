"""Issue 14's acceptance, end to end through the portal as a person uses it:
a real server on loopback, real encrypted terminals, and the regional manager's
browser over HTTP (sign-in with password and TOTP code, forms with the CSRF
token, the JSON twins).

- A bulletin published with the portal's form reaches two terminals at their
  pull; two people acknowledge it with the link down (nothing reaches the
  server); the region's overdue list changes only after their sync.
- An expenditure above the facility's limit: the records manager cannot approve
  it at the terminal; the regional manager approves it with the portal's form,
  and the decision reaches the terminal at its next pull.
"""

from __future__ import annotations

import pytest

from client.errors import InputError
from client.sync.transport import HttpTransport
from server.portal import accounts

from .conftest import Link, Org
from .portal_client import PortalClient

PASSWORD = "a long walk by the quiet lake"
BULLETIN = {"title": "Revised Release of Information fees [2027]",
            "source": "State Medicaid notice 2026-14", "effective_on": "2026-11-09",
            "due_on": "2026-11-09", "audience": "everyone",
            "text": "Copy fees for residents' own records are capped at cost."}


def _regional_manager(org: Org) -> PortalClient:
    made = accounts.create_account(org.engine, org.settings, username="rm_north",
                                   role="regional_manager", password=PASSWORD,
                                   facilities=[org.a.id])
    browser = PortalClient(org.url)
    browser.sign_in("rm_north", PASSWORD, made.totp_secret or "", org.clock.now)
    return browser


def _overdue(browser: PortalClient) -> list[str]:
    [bulletin] = browser.json("/portal/bulletins.json")["bulletins"]
    return list(bulletin["overdue"])


def test_a_bulletin_published_in_the_portal_acknowledged_offline_by_two(org: Org) -> None:
    region = _regional_manager(org)
    status, text = region.post("/portal/bulletins", {**BULLETIN, "facilities": org.a.id})
    assert status == 200 and "Bulletin published to 1 facilities" in text
    links = {name: Link(HttpTransport(org.url)) for name in ("rm.MG", "clerk.MG")}
    manager = org.terminal(org.a, "rm.MG", transport=links["rm.MG"])
    clerk = org.terminal(org.a, "clerk.MG", transport=links["clerk.MG"])
    for session in (manager, clerk):
        assert session.sync().error is None
        [seen] = session.bulletins.to_acknowledge()
        assert seen["title"] == BULLETIN["title"]
    # Due yesterday (the server's day is 2026-11-10): everyone is overdue.
    assert _overdue(region) == ["clerk.MG", "clerk2.MG", "rm.MG"]

    for name, session in (("rm.MG", manager), ("clerk.MG", clerk)):
        links[name].blocked.add("*")
        session.bulletins.acknowledge(seen["id"])
        assert session.bulletins.to_acknowledge() == []  # shown at once, offline
        assert session.sync().error is not None
        assert session.outbox.status().pending >= 1
    assert _overdue(region) == ["clerk.MG", "clerk2.MG", "rm.MG"]  # nothing reached it

    for name, session in (("rm.MG", manager), ("clerk.MG", clerk)):
        links[name].blocked.clear()
        assert session.sync().error is None
    assert _overdue(region) == ["clerk2.MG"]
    status, page = region.get("/portal/bulletins")
    assert status == 200 and "clerk2.MG" in page


def test_above_the_limit_the_region_approves_with_the_portal_form(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    line = manager.spending.set_line(fiscal_year=2026, department="HIM", account="Scanning",
                                     amount="12000")
    big = manager.spending.request(line, amount="4800", vendor="Iron Mountain",
                                   justification="Closed-chart backlog",
                                   requested_on="2026-11-09")
    assert manager.sync().error is None
    with pytest.raises(InputError, match="regional manager decides it in the portal"):
        manager.spending.decide(big, decision="approved", decided_on="2026-11-10")

    region = _regional_manager(org)
    spending = f"/portal/facilities/{org.a.id}/spending"
    assert [r["id"] for r in region.json(spending + ".json")["requests"]
            if r["status"] == "pending"] == [big]
    status, text = region.post(f"{spending}/{big}", {"decision": "approve",
                                                     "reason": "Before the survey"})
    assert status == 200 and "Expenditure request approved" in text
    assert manager.sync().error is None
    [decided] = [r for r in manager.spending.requests() if r["id"] == big]
    assert decided["status"] == "approved"
    assert [row["vendor"] for row in region.json(spending + ".json")["journal"]] == [
        "Iron Mountain"]
