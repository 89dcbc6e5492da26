"""Invariant-bearing commands (scenarios 11, 12, 13): the server executes them
against real constraints, and the clerk sees every rejection with its reason."""

from __future__ import annotations

import sqlalchemy as sa

from .conftest import Org, op, resident


def _occupancy_holds(org: Org) -> None:
    """One active stay per resident and one occupant per bed, in the server DB."""
    with org.engine.connect() as conn:
        per_bed = conn.execute(sa.text(
            "SELECT bed_id, count(*) FROM stays WHERE bed_id IS NOT NULL "
            "AND status IN ('active', 'on_leave') GROUP BY bed_id HAVING count(*) > 1")).all()
        per_resident = conn.execute(sa.text(
            "SELECT resident_id, count(*) FROM stays WHERE status IN ('active', 'on_leave') "
            "GROUP BY resident_id HAVING count(*) > 1")).all()
    assert per_bed == []
    assert per_resident == []


def test_scenario_11_only_the_beds_own_facility_can_assign_it(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    b = org.terminal(org.b, "clerk.OH")
    ra = a.residents.register(resident(family_name="Alvarez"))
    rb = b.residents.register(resident(family_name="Brennan"))
    bed = org.a.beds[0]
    stay_a = a.stays.admit(ra, admitted_at="2026-11-02")
    stay_b = b.stays.admit(rb, admitted_at="2026-11-02")
    b.sync()
    a.sync()
    seq_b = b.stays.assign_bed(stay_b, bed)
    seq_a = a.stays.assign_bed(stay_a, bed)
    b.sync()
    a.sync()
    assert op(b, seq_b).status == "rejected"
    assert op(b, seq_b).reason == "not_owner"
    assert op(a, seq_a).status == "applied"
    _occupancy_holds(org)


def test_scenario_12_last_free_bed_assigned_offline_at_two_terminals(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    b = org.terminal(org.a, "clerk2.MG")
    # Fill all but one bed.
    seed = org.terminal(org.a, "rm.MG")
    for i, bed in enumerate(org.a.beds[:-1]):
        rid = seed.residents.register(resident(family_name=f"Seed{i}", given_name="Pat"))
        seed.stays.admit(rid, admitted_at="2026-11-01", bed_id=bed)
    seed.sync()
    last = org.a.beds[-1]
    first = a.residents.register(resident(family_name="First"))
    second = b.residents.register(resident(family_name="Second"))
    a.sync()
    b.sync()
    stay_1 = a.stays.admit(first, admitted_at="2026-11-02", bed_id=last)
    stay_2 = b.stays.admit(second, admitted_at="2026-11-02", bed_id=last)
    a.sync()
    _occupancy_holds(org)
    b.sync()
    _occupancy_holds(org)
    rows = {row.record_id: row for row in b.outbox.operations()}
    assert rows[stay_2].status == "rejected"
    assert rows[stay_2].reason == "bed_occupied"
    assert rows[stay_2].reason_text
    a.sync()
    for session in (a, b):
        assert session.residents.get(first).census_status == "in_house"
        assert session.residents.get(second).census_status == "awaiting_bed"
        beds = {row.bed_id: row for row in session.beds.board()}
        assert beds[last].state == "occupied"
        assert beds[last].resident_id == first
    assert {row.record_id: row for row in a.outbox.operations()}[stay_1].status == "applied"


def test_scenario_13_one_resident_two_beds_concurrently(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    b = org.terminal(org.a, "clerk2.MG")
    rid = a.residents.register(resident())
    stay = a.stays.admit(rid, admitted_at="2026-11-02")
    a.sync()
    b.sync()
    seq_a = a.stays.assign_bed(stay, org.a.beds[0])
    seq_b = b.stays.assign_bed(stay, org.a.beds[1])
    a.sync()
    b.sync()
    assert op(a, seq_a).status == "applied"
    assert op(b, seq_b).status == "rejected"
    assert op(b, seq_b).reason == "already_in_bed"
    _occupancy_holds(org)
    b.sync()
    assert b.residents.get(rid).bed_label == "101-A"
