"""Scenarios 16 and 26 across terminals and sign-ins, as clerks live them: a
terminal whose clock was reset to 2000 while others keep the right time, and a
terminal that stays locked and offline for 120 days before a clerk signs in
again with the link back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from client import terminal
from client.clock import ManualClock
from client.sync.transport import HttpTransport

from .conftest import PASSWORD, START, Link, Org, op, resident, terminal_records


def test_scenario_16_a_clock_reset_to_2000_does_not_reorder_changes_across_terminals(
        org: Org) -> None:
    reset = ManualClock(START)
    a = org.terminal(org.a, "clerk.MG", clock=reset)
    b = org.terminal(org.a, "clerk2.MG", clock=ManualClock(START))
    rid = b.residents.register(resident())
    assert b.sync().error is None and a.sync().error is None
    b.residents.update(rid, {"phone": "555-0001"})
    assert b.sync().error is None and a.sync().error is None
    # A saw B's edit, then its clock went back 26 years: its next edit still
    # comes after B's (its clock stays monotonic) and wins without a conflict.
    reset.set(datetime(2000, 1, 1, tzinfo=UTC))
    later = a.residents.update(rid, {"phone": "555-0002"})
    aside = b.residents.update(rid, {"address": "9 Side Street"})  # another field, meanwhile
    assert a.sync().error is None and b.sync().error is None and a.sync().error is None
    assert op(a, later).status == "applied" and "clock_skew" in op(a, later).flags
    assert op(b, aside).status == "applied"
    # B, on the right time, edits after seeing A's change: B's comes last.
    last = b.residents.update(rid, {"phone": "555-0003"})
    assert b.sync().error is None and a.sync().error is None
    assert op(b, last).status == "applied"
    server = org.server_records(org.a)
    assert server[("resident", rid)]["data"]["phone"] == "555-0003"
    assert server[("resident", rid)]["data"]["address"] == "9 Side Street"
    for session in (a, b):
        view = session.residents.get(rid)
        assert view.fields["phone"] == "555-0003" and not view.conflicts
        assert terminal_records(session) == server
    assert b.conflicts.unresolved() == [] and a.conflicts.unresolved() == []


def test_scenario_26_locked_and_offline_for_120_days_then_signed_in_with_the_link_back(
        org: Org) -> None:
    clock = ManualClock(START)
    link = Link(HttpTransport(org.url))
    away = org.terminal(org.a, "clerk.MG", clock=clock, transport=link)
    home = org.terminal(org.a, "rm.MG")
    rid = home.residents.register(resident())
    assert home.sync().error is None and away.sync().error is None
    link.blocked.add("*")
    note = away.notes.add(rid, {"category": "social", "clinical_time": "2026-11-03T10:00",
                                "body": "Daughter called."})
    edit = away.residents.update(rid, {"address": "4 Long Road"})
    assert away.sync().error is not None  # offline: kept, pending
    where = away.home
    away.lock()
    clock.advance(timedelta(days=120))
    org.clock.advance_days(120)
    later = [home.residents.register(resident(family_name=f"Later{i}")) for i in range(20)]
    assert home.sync().error is None
    link.blocked.clear()
    # Past the offline window: the sign-in reaches the server and goes through.
    away = terminal.unlock(where, "clerk.MG", PASSWORD, transport=link, clock=clock)
    assert away.sync().error is None
    assert op(away, edit).status == "applied"
    assert next(r for r in away.outbox.operations() if r.record_id == note).status \
        == "applied"
    assert away.outbox.status().pending == 0
    assert set(later) <= {r.id for r in away.residents.census(limit=100).rows}
    assert terminal_records(away) == org.server_records(org.a)
    assert org.server_records(org.a)[("resident", rid)]["data"]["address"] == "4 Long Road"
