"""Push semantics: idempotency, gaps, permissions, validation and merge classes."""

from dataclasses import replace

import sqlalchemy as sa

from protocol.hlc import MAX_DRIFT_MS
from protocol.ids import new_id
from server import admin
from server.core.continuity import RESTORE_COUNTER_GAP
from server.storage.models import T


def statuses(response):
    return [(r.status, r.reason) for r in response.results]


def test_resend_returns_original_results_and_applies_once(terminal, h, engine):
    t = terminal()
    rid, create = h.new_resident(t)
    _, n = h.note(t, rid)
    first = t.push([create, n])
    assert [r.status for r in first.results] == ["applied", "applied"]
    again = t.push([create, n])
    assert again.results == first.results
    assert again.next_seq == 3
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(T.changes).where(
            T.changes.c.record_id == rid)).scalar_one()
    assert count == 1


def test_resend_with_its_maps_in_another_order_is_the_same_operation(terminal, h):
    """A terminal of another version may write the same operation's maps in
    another order: it is recognised, not taken for a copy that is behind."""
    t = terminal()
    rid, create = h.new_resident(t)
    _, n = h.note(t, rid)
    first = t.push([create, n])
    reordered = [replace(op, payload={k: (dict(reversed(v.items())) if isinstance(v, dict)
                                          else v) for k, v in reversed(op.payload.items())})
                 for op in (create, n)]
    assert list(reordered[1].payload) != list(n.payload)
    again = t.push(reordered)
    assert not again.behind
    assert again.results == first.results


def test_same_seq_other_payload_says_behind_and_decides_nothing(terminal, h, engine):
    """A copy restored from an older backup (or a clone) reuses numbers the
    server handled: nothing is rejected for good; it is told to renumber."""
    t = terminal()
    _rid, create = h.new_resident(t)
    t.push([create])
    t.seq = 0
    _, forged = h.new_resident(t, family="Other")
    response = t.push([forged])
    assert response.behind and response.results == [] and response.next_seq == 2
    with engine.connect() as conn:
        stored = conn.execute(sa.select(T.ops.c.op_id).where(
            T.ops.c.terminal_id == t.info.id)).scalars().all()
    assert stored == [create.op_id]
    assert [a.outcome for a in h.audit_rows(engine, action="push:seq_mismatch")] == ["behind"]


def test_gap_handles_nothing_and_asks_for_the_missing_seq(terminal, h):
    t = terminal()
    _, first = h.new_resident(t)
    _, second = h.new_resident(t)
    _, third = h.new_resident(t)
    response = t.push([second, third])
    assert response.results == []
    assert response.next_seq == 1
    # Answers the server never gave: it takes itself for restored from a
    # backup and raises the counter marks; the terminal steps past its own.
    t.counter += RESTORE_COUNTER_GAP
    resumed = t.push([first, second, third])
    assert [r.seq for r in resumed.results] == [1, 2, 3]
    assert resumed.next_seq == 4


def test_half_received_batch_resumes_without_duplicates(terminal, h):
    t = terminal()
    ops = [h.new_resident(t)[1] for _ in range(6)]
    t.push(ops[:3])
    response = t.push(ops)
    assert [r.seq for r in response.results] == [1, 2, 3, 4, 5, 6]
    assert all(r.status == "applied" for r in response.results)


def test_one_result_per_op_and_failures_do_not_block(terminal, h):
    t = terminal()
    rid, create = h.new_resident(t)
    bad = t.op("create", {"kind": "resident", "id": new_id(),
                          "fields": {**h.resident_fields(), "birth_date": "1940-02-30"}})
    missing = t.op("update", {"kind": "resident", "id": new_id(),
                              "changes": {"phone": ["555", 0]}})
    _, good = h.note(t, rid)
    response = t.push([create, bad, missing, good])
    assert statuses(response) == [("applied", None), ("rejected", "invalid"),
                                  ("rejected", "not_found"), ("applied", None)]
    assert "birth_date" in response.results[1].detail


def test_op_for_another_facility_is_rejected_alone_and_audited(terminal, h, world, engine):
    t = terminal()
    _, mine = h.new_resident(t)
    foreign = t.op("create", {"kind": "resident", "id": new_id(),
                              "fields": h.resident_fields()}, facility=world.b.id)
    _, also_mine = h.new_resident(t)
    response = t.push([mine, foreign, also_mine])
    assert statuses(response) == [("applied", None), ("rejected", "not_permitted"),
                                  ("applied", None)]
    entry = [a for a in h.audit_rows(engine, chain=world.a.id) if a.detail.get("op")
             == foreign.op_id]
    assert entry and entry[0].outcome == "rejected"
    assert entry[0].detail["reason"] == "not_permitted"


def test_clerk_cannot_write_staff_records(terminal, h, world):
    t = terminal()
    staff = {"employee_id": "E-1", "family_name": "Ng", "given_name": "Lee",
             "job_title_code": 7, "pay_type_code": 2}
    by_clerk = t.op("create", {"kind": "staff", "id": new_id(), "fields": staff})
    by_manager = t.op("create", {"kind": "staff", "id": new_id(), "fields": staff},
                      user=world.a.manager)
    assert statuses(t.push([by_clerk, by_manager])) == [("rejected", "not_permitted"),
                                                        ("applied", None)]


def test_user_of_another_facility_is_not_permitted(terminal, h, world):
    t = terminal()
    _, op = h.new_resident(t)
    op = t.op("create", dict(op.payload), user=world.b.clerk)
    t.seq = 1
    op = type(op)(op.op_id, 1, op.op_type, op.facility_id, world.b.clerk, 0, op.payload)
    assert statuses(t.push([op])) == [("rejected", "not_permitted")]


def test_deactivated_user_changes_are_held_then_reviewed(terminal, h, world, engine,
                                                         settings):
    t = terminal()
    other = terminal(username="clerk2_MG")
    rid, create = h.new_resident(other)
    admin.deactivate_user(engine, settings, username="clerk2_MG")
    _, n = h.note(other, rid)
    response = other.push([create, n])
    assert statuses(response) == [("held", "user_inactive"), ("held", "user_inactive")]
    assert t.pull_all()[0] and all(c.record_id != rid for c in t.pull_all()[0])
    assert admin.review_held(engine, settings, terminal_id=other.info.id, seq=1,
                             decision="apply").status == "applied"
    rejected = admin.review_held(engine, settings, terminal_id=other.info.id, seq=2,
                                 decision="reject")
    assert (rejected.status, rejected.reason) == ("rejected", "user_inactive")
    held = other.pull(held=[1, 2]).results
    assert [(r.seq, r.status) for r in held] == [(1, "applied"), (2, "rejected")]
    assert h.record(engine, rid).kind == "resident"
    # A resend still answers with the decided results.
    assert [r.status for r in other.push([create, n]).results] == ["applied", "rejected"]


def test_notes_are_immutable(terminal, h, engine):
    t = terminal()
    rid, create = h.new_resident(t)
    nid, n = h.note(t, rid)
    change = t.op("update", {"kind": "note", "id": nid, "changes": {"body": ["edited", 1]}})
    response = t.push([create, n, change])
    assert statuses(response)[2] == ("rejected", "immutable")
    assert h.record(engine, nid).data["body"] == "Walked to breakfast."
    assert h.audit_rows(engine, target=nid)[-1].outcome == "rejected"


def test_amendments_must_point_at_a_note_of_the_same_resident(terminal, h):
    t = terminal()
    rid, create = h.new_resident(t)
    other, create_other = h.new_resident(t, family="Jones")
    nid, n = h.note(t, rid)
    _, amend_ok = h.note(t, rid, amends=nid)
    _, amend_ok2 = h.note(t, rid, amends=nid)
    _, amend_wrong = h.note(t, other, amends=nid)
    response = t.push([create, create_other, n, amend_ok, amend_ok2, amend_wrong])
    assert statuses(response)[3:] == [("applied", None), ("applied", None),
                                      ("rejected", "not_found")]


def test_repeated_create_is_idempotent_and_a_different_one_already_exists(terminal, h):
    t = terminal()
    _rid, create = h.new_resident(t)
    same = t.op("create", dict(create.payload))
    different = t.op("create", {**create.payload, "fields": h.resident_fields(family="X")})
    assert statuses(t.push([create, same, different])) == [
        ("applied", None), ("applied", None), ("rejected", "already_exists")]


def test_concurrent_edits_of_one_field_conflict_and_keep_both(terminal, h, engine, world):
    a, b = terminal(), terminal(username="clerk2_MG")
    rid, create = h.new_resident(a)
    a.push([create])
    edit_a = a.op("update", {"kind": "resident", "id": rid, "changes": {"phone": ["111", 0]}})
    edit_b = b.op("update", {"kind": "resident", "id": rid, "changes": {"phone": ["222", 0]}})
    same_a = a.op("update", {"kind": "resident", "id": rid,
                             "changes": {"address": ["1 Elm St", 0]}})
    assert statuses(a.push([edit_a, same_a])) == [("applied", None), ("applied", None)]
    assert statuses(b.push([edit_b])) == [("conflict", "field_conflict")]
    rec = h.record(engine, rid)
    values = [v["value"] for v in rec.conflicts["phone"]["values"]]
    assert values == ["111", "222"]
    resolve = a.op("resolve", {"kind": "resident", "id": rid, "field": "phone",
                               "value": "111"}, user=world.a.manager)
    assert statuses(a.push([resolve])) == [("applied", None)]
    assert h.record(engine, rid).conflicts == {}


def test_void_wins_and_later_edits_become_conflicts(terminal, h, engine, world):
    t = terminal()
    rid, create = h.new_resident(t)
    void = t.op("void", {"kind": "resident", "id": rid, "reason": "wrong person"},
                user=world.a.manager)
    edit = t.op("update", {"kind": "resident", "id": rid, "changes": {"phone": ["9", 0]}})
    assert statuses(t.push([create, void, edit])) == [
        ("applied", None), ("applied", None), ("conflict", "record_voided")]
    rec = h.record(engine, rid)
    assert rec.status == "entered_in_error"
    assert rec.conflicts["phone"]["values"][-1]["value"] == "9"


def test_possible_duplicate_raises_a_task_and_merge_closes_it(terminal, h, engine, world):
    a, b = terminal(), terminal(username="clerk2_MG")
    first, create_a = h.new_resident(a, family="Smith [Jr]")
    second, create_b = h.new_resident(b, family="smith [jr]", given="ANN")
    a.push([create_a])
    response = b.push([create_b])
    assert "possible_duplicate" in response.results[0].flags
    _, n = h.note(b, second)
    b.push([n])
    tasks = [c for c in a.pull_all()[0] if c.kind == "task"]
    assert tasks[-1].data["status"] == "open"
    assert sorted(tasks[-1].data["resident_ids"]) == sorted([first, second])
    merge = a.op("merge", {"survivor_id": first, "duplicate_id": second},
                 user=world.a.manager)
    assert statuses(a.push([merge])) == [("applied", None)]
    dup = h.record(engine, second)
    assert (dup.status, dup.data["_replaced_by"]) == ("replaced", first)
    assert second in h.record(engine, first).data["_merged_from"]
    task = h.record(engine, tasks[-1].record_id)
    assert task.data["status"] == "done"


def test_clock_skew_is_flagged_but_applied(terminal, h, clock):
    t = terminal()
    _, create = h.new_resident(t)
    response = t.push([create], ts=clock() - MAX_DRIFT_MS - 1)
    assert response.results[0].status == "applied"
    assert "clock_skew" in response.results[0].flags


def test_old_schema_is_told_to_upgrade_and_nothing_handled(terminal, h):
    t = terminal()
    _, create = h.new_resident(t)
    response = t.push([create], schema=0)
    assert response.upgrade_required
    assert response.results == []
    assert response.next_seq == 1


def test_mergeable_update_of_staff_by_manager_and_license_link(terminal, h, world):
    t = terminal(username="rm_MG")
    sid = new_id()
    staff = t.op("create", {"kind": "staff", "id": sid, "fields": {
        "employee_id": "E-2", "family_name": "Ng", "given_name": "Lee",
        "job_title_code": 7, "pay_type_code": 2}})
    lic = t.op("create", {"kind": "license", "id": new_id(), "fields": {
        "staff_id": sid, "license_type": "RN", "number": "123", "issuing_state": "OH",
        "expires_on": "2027-01-01"}})
    orphan = t.op("create", {"kind": "license", "id": new_id(), "fields": {
        "staff_id": new_id(), "license_type": "RN", "number": "9", "issuing_state": "OH",
        "expires_on": "2027-01-01"}})
    hours = t.op("create", {"kind": "hours", "id": new_id(), "fields": {
        "staff_id": sid, "work_date": "2026-01-02", "hours": "7.5", "job_title_code": 7,
        "pay_type_code": 2}})
    assert statuses(t.push([staff, lic, orphan, hours])) == [
        ("applied", None), ("applied", None), ("rejected", "not_found"), ("applied", None)]


def test_hostile_record_id_is_rejected_not_a_crash(terminal, h):
    t = terminal()
    weird = t.op("create", {"kind": "note", "id": "x" * 500, "fields": {}})
    nested = t.op("update", {"kind": "resident", "id": {"kind": None}, "changes": {}})
    assert statuses(t.push([weird, nested])) == [("rejected", "invalid"),
                                                 ("rejected", "invalid")]
