"""Mergeable records across terminals (docs/sync-scenarios.md, scenarios 1, 2, 3, 7,
24, 32), on a real server with real encrypted terminals."""

from __future__ import annotations

import pytest

from client.errors import InputError
from client.views import SyncProgress

from .conftest import Org, op, resident, terminal_records


def _shared_resident(org: Org) -> tuple[object, object, str]:
    a = org.terminal(org.a, "rm.MG")
    b = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident())
    assert a.sync().error is None
    assert b.sync().error is None
    return a, b, rid


def test_scenario_1_same_field_different_values_one_conflict_everywhere(org: Org) -> None:
    a, b, rid = _shared_resident(org)
    seq_a = a.residents.update(rid, {"phone": "555-0001"})
    seq_b = b.residents.update(rid, {"phone": "555-0002"})
    a.sync()
    b.sync()
    a.sync()
    assert op(a, seq_a).status == "applied"
    assert op(b, seq_b).status == "conflict"
    assert op(b, seq_b).reason == "field_conflict"
    view_a, view_b = a.residents.get(rid), b.residents.get(rid)
    assert view_a.fields["phone"] == view_b.fields["phone"]
    assert {v.value for v in view_a.conflicts["phone"]} == {"555-0001", "555-0002"}
    assert view_a.conflicts == view_b.conflicts
    server = org.server_records(org.a)
    assert terminal_records(a) == server == terminal_records(b)
    updates = [row for row in org.audit_actions(rid) if "update" in row.action]
    assert len(updates) == 2


def test_scenario_2_same_value_is_no_conflict(org: Org) -> None:
    a, b, rid = _shared_resident(org)
    seq_a = a.residents.update(rid, {"phone": "555-0003"})
    seq_b = b.residents.update(rid, {"phone": "555-0003"})
    a.sync()
    b.sync()
    assert op(a, seq_a).status == "applied"
    assert op(b, seq_b).status == "applied"
    assert not b.residents.get(rid).conflicts
    assert b.conflicts.unresolved() == []


def test_scenario_3_different_fields_both_apply(org: Org) -> None:
    a, b, rid = _shared_resident(org)
    a.residents.update(rid, {"phone": "555-0004"})
    b.residents.update(rid, {"address": "9 Oak Avenue"})
    a.sync()
    b.sync()
    a.sync()
    for session in (a, b):
        view = session.residents.get(rid)
        assert view.fields["phone"] == "555-0004"
        assert view.fields["address"] == "9 Oak Avenue"
        assert not view.conflicts
    assert terminal_records(a) == org.server_records(org.a) == terminal_records(b)


def test_scenario_7_void_wins_and_the_concurrent_edit_waits_for_review(org: Org) -> None:
    a, b, rid = _shared_resident(org)
    edit = b.residents.update(rid, {"phone": "555-0005"})
    void = a.residents.void(rid, "registered twice by mistake")
    a.sync()
    b.sync()
    a.sync()
    assert op(a, void).status == "applied"
    assert op(b, edit).status == "conflict"
    assert op(b, edit).reason == "record_voided"
    for session in (a, b):
        view = session.residents.get(rid)
        assert view.status == "entered_in_error"
        assert view.fields["phone"] == "555-0100"
        assert [v.value for v in view.conflicts["phone"]][-1] == "555-0005"
    assert terminal_records(a) == org.server_records(org.a) == terminal_records(b)


def test_scenario_7_the_edit_arriving_first_stays_in_history_and_nothing_resurrects(
        org: Org) -> None:
    """Scenario 7 in the other arrival order: B's edit reaches the server before
    A's void. It applies (kept in the record's history and audit), the void then
    applies over it; B's next edit, made offline before it heard of the void,
    does not bring the record back: it waits as a conflict. Once B knows of the
    void, a further edit is refused at entry in words."""
    a, b, rid = _shared_resident(org)
    edit = b.residents.update(rid, {"phone": "555-0007"})
    b.sync()
    a.sync()
    void = a.residents.void(rid, "registered twice by mistake")
    late = b.residents.update(rid, {"phone": "555-0008"})
    a.sync()
    b.sync()
    a.sync()
    assert op(b, edit).status == "applied"
    assert op(a, void).status == "applied"
    assert (op(b, late).status, op(b, late).reason) == ("conflict", "record_voided")
    for session in (a, b):
        view = session.residents.get(rid)
        assert view.status == "entered_in_error"
        assert view.fields["phone"] == "555-0007"
        assert [v.value for v in view.conflicts["phone"]][-1] == "555-0008"
    assert terminal_records(a) == org.server_records(org.a) == terminal_records(b)
    updates = [row for row in org.audit_actions(rid) if "update" in row.action]
    assert len(updates) == 2
    with pytest.raises(InputError, match="entered in error"):
        b.residents.update(rid, {"phone": "555-0009"})


def test_scenario_24_pull_never_hides_pending_local_edits(org: Org) -> None:
    a, b, rid = _shared_resident(org)
    a.residents.update(rid, {"address": "1 Server Road", "phone": "555-0999"})
    a.sync()
    typed: list[int] = []

    def clerk_types_during_sync(progress: SyncProgress) -> None:
        # The clerk saves an edit after B's push finished and before its pull
        # lands: the pull brings A's newer phone number, which must not cover
        # what B's clerk just typed.
        if progress.phase == "pull" and not typed:
            typed.append(b.residents.update(rid, {"phone": "555-0006"}))

    b.sync(on_progress=clerk_types_during_sync)
    assert typed
    view = b.residents.get(rid)
    assert view.fields["phone"] == "555-0006"
    assert "phone" in view.pending_fields
    assert view.fields["address"] == "1 Server Road"
    assert op(b, typed[0]).status == "pending"
    b.sync()
    assert op(b, typed[0]).status == "conflict"  # A's 555-0999 was concurrent


def test_scenario_32_ten_rapid_edits_keep_order_and_all_are_audited(org: Org) -> None:
    a, _b, rid = _shared_resident(org)
    seqs = [a.residents.update(rid, {"phone": f"555-02{i:02d}"}) for i in range(10)]
    assert a.residents.get(rid).fields["phone"] == "555-0209"
    a.sync()
    assert [op(a, s).status for s in seqs] == ["applied"] * 10
    assert a.residents.get(rid).fields["phone"] == "555-0209"
    assert not a.residents.get(rid).conflicts
    updates = [row for row in org.audit_actions(rid) if "update" in row.action]
    assert len(updates) == 10
