"""Regulation bulletins end to end: a real server on loopback, real encrypted
terminals and the portal's core. A regional manager publishes a bulletin to a
facility; two terminals receive it at their pull; two people acknowledge it
offline, each signed in as themselves; after their sync the region's list
shows the one person still to acknowledge as overdue, and so does the records
manager's terminal. A facility not named never receives it."""

from __future__ import annotations

from datetime import date

import pytest

from client.errors import InputError
from server.portal import bulletins
from server.portal.errors import InputInvalid
from server.portal.principals import PortalRole, Principal
from server.reports.compliance import facility_report
from server.storage.db import read_tx

from .conftest import Org

BULLETIN = {"title": "Revised Release of Information fees",
            "source": "State Medicaid notice 2026-14", "effective_on": "2026-11-10",
            "text": "Copy fees for residents' own records are capped at [cost].",
            "audience": "everyone", "due_on": "2026-11-13"}


def _region(org: Org) -> Principal:
    return Principal("account", "01J0000000000000000000RM01", "rm_north",
                     PortalRole.REGIONAL_MANAGER, frozenset({org.a.id}))


def _overdue_names(org: Org, today: date) -> dict[str, list[str]]:
    with read_tx(org.engine) as conn:
        return {b.title: b.overdue for b in bulletins.bulletins(conn, _region(org), today)}


def test_published_pulled_acknowledged_offline_and_overdue_after_sync(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    elsewhere = org.terminal(org.b, "clerk.OH")
    with pytest.raises(InputInvalid, match="Choose one or more of your facilities"):
        bulletins.publish(org.engine, org.settings, _region(org), facility_ids=[org.b.id],
                          fields=BULLETIN)
    with pytest.raises(InputInvalid, match="cannot be before the effective date"):
        bulletins.publish(org.engine, org.settings, _region(org), facility_ids=[org.a.id],
                          fields={**BULLETIN, "due_on": "2026-11-01"})
    bulletins.publish(org.engine, org.settings, _region(org), facility_ids=[org.a.id],
                      fields=BULLETIN)
    for session in (manager, clerk, elsewhere):
        session.sync()
    [seen] = clerk.bulletins.to_acknowledge()
    assert (seen["title"], seen["due_on"], seen["mine"]) == (BULLETIN["title"], "2026-11-13",
                                                             None)
    assert elsewhere.bulletins.received() == []

    # Offline: each acknowledges at their own terminal, nothing synced yet.
    clerk.bulletins.acknowledge(seen["id"])
    manager.bulletins.acknowledge(seen["id"])
    assert clerk.bulletins.to_acknowledge() == []  # shown at once, pending
    with pytest.raises(InputError, match="not at this terminal"):
        elsewhere.bulletins.acknowledge(seen["id"])
    after_due = date(2026, 11, 16)
    assert _overdue_names(org, after_due)[BULLETIN["title"]] == [
        "clerk.MG", "clerk2.MG", "rm.MG"]  # the server has heard nothing yet

    clerk.sync()
    manager.sync()
    assert _overdue_names(org, after_due)[BULLETIN["title"]] == ["clerk2.MG"]
    assert _overdue_names(org, date(2026, 11, 13))[BULLETIN["title"]] == []  # due day: in time
    clerk.sync()
    stored = next(b for b in clerk.bulletins.received() if b["id"] == seen["id"])
    assert {a["user_id"] for a in stored["acknowledgements"]} == {
        org.a.users["clerk.MG"], org.a.users["rm.MG"]}
    assert stored["mine"] == "2026-11-10"

    # The acknowledgement record is a compliance report: the same at the records
    # manager's terminal and the server, and after the due day it names who is overdue.
    manager.sync()
    nov, end = date(2026, 11, 1), date(2026, 11, 30)
    here = manager.compliance.report("bulletin-acknowledgements", nov, end)
    there = facility_report(org.engine, "bulletin-acknowledgements", org.a.id, nov, end,
                            today=manager.clock.today(), produced_at="x")
    assert (here.rows, here.summary) == (there.rows, there.summary)
    late = facility_report(org.engine, "bulletin-acknowledgements", org.a.id, nov, end,
                           today=after_due, produced_at="x")
    assert [(r[4], r[6], r[7]) for r in late.rows] == [
        ("clerk.MG", "2026-11-10", "acknowledged"), ("clerk2.MG", "", "overdue"),
        ("rm.MG", "2026-11-10", "acknowledged")]

    # The records manager's own list at the terminal, by the same rule.
    manager.clock.advance(days=6)
    [(bulletin, late)] = manager.bulletins.overdue()
    assert bulletin["id"] == seen["id"] and [p.name for p in late] == ["clerk2.MG"]
    actions = [(a.action, a.outcome) for a in org.audit_actions(seen["id"])]
    assert ("portal:publish_bulletin", "applied") in actions
    assert actions.count(("command:acknowledge_bulletin", "applied")) == 2
