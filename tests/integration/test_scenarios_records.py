"""Notes, duplicates, admissions and transfers across terminals
(docs/sync-scenarios.md, scenarios 4, 5, 6, 9, 10, 14)."""

from __future__ import annotations

from .conftest import Org, inject_raw_op, op, resident, terminal_records


def _synced_pair(org: Org, user_a: str = "rm.MG", user_b: str = "clerk.MG"):
    a = org.terminal(org.a, user_a)
    b = org.terminal(org.a, user_b)
    rid = a.residents.register(resident())
    a.sync()
    b.sync()
    return a, b, rid


def note(body: str, when: str) -> dict[str, str]:
    return {"category": "progress", "clinical_time": when, "body": body}


def test_scenario_4_offline_notes_from_two_terminals_are_both_kept_in_clinical_order(
        org: Org) -> None:
    a, b, rid = _synced_pair(org)
    b.notes.add(rid, note("Evening: settled, slept well.", "2026-11-02T20:00"))
    a.notes.add(rid, note("Morning: ate breakfast.", "2026-11-02T08:00"))
    a.notes.add(rid, note("Evening, second entry.", "2026-11-02T20:00"))
    b.sync()
    a.sync()
    b.sync()
    for session in (a, b):
        bodies = [n.body for n in session.residents.get(rid).notes]
        # Clinical time first; the two 20:00 notes by server sequence (B pushed first).
        assert bodies == ["Morning: ate breakfast.", "Evening: settled, slept well.",
                          "Evening, second entry."]
    assert terminal_records(a) == org.server_records(org.a) == terminal_records(b)


def test_scenario_5_two_amendments_of_one_note_are_both_kept_and_linked(org: Org) -> None:
    a, b, rid = _synced_pair(org, "rm.MG", "rm.MG")
    original = a.notes.add(rid, note("Weight 61 kg.", "2026-11-02T09:00"))
    a.sync()
    b.sync()
    first = a.notes.amend(original, "Weight 61.5 kg (scale recalibrated).")
    second = b.notes.amend(original, "Weight 61 kg, taken after breakfast.")
    a.sync()
    b.sync()
    a.sync()
    for session in (a, b):
        notes = session.residents.get(rid).notes
        top = next(n for n in notes if n.id == original)
        assert top.body == "Weight 61 kg."
        assert {n.id for n in top.amendments} == {first, second}
        assert all(n.amends == original for n in top.amendments)


def test_scenario_6_changing_a_signed_note_is_rejected_and_shown(org: Org) -> None:
    a, _b, rid = _synced_pair(org)
    original = a.notes.add(rid, note("Fell in the bathroom, no injury.", "2026-11-02T10:00"))
    a.sync()
    seq = inject_raw_op(a, "update", {"kind": "note", "id": original,
                                      "changes": {"body": ["No fall occurred.", 1]}})
    report = a.sync()
    assert report.rejected == 1
    row = op(a, seq)
    assert row.status == "rejected"
    assert row.reason == "immutable"
    assert row.reason_text  # a sentence the clerk can read
    assert [n.body for n in a.residents.get(rid).notes] == ["Fell in the bathroom, no injury."]
    stored = org.server_records(org.a)[("note", original)]["data"]
    assert stored["body"] == "Fell in the bathroom, no injury."  # unchanged at the server too
    assert any(r.outcome == "rejected" for r in org.audit_actions(original))


def test_scenario_9_same_person_registered_twice_raises_a_task_and_merges(org: Org) -> None:
    a = org.terminal(org.a, "rm.MG")
    b = org.terminal(org.a, "clerk.MG")
    first = a.residents.register(resident(phone="555-0001"))
    second = b.residents.register(resident(phone="555-0002"))
    a.notes.add(first, note("Admitted from home.", "2026-11-02T09:00"))
    b.notes.add(second, note("Family visited.", "2026-11-02T15:00"))
    a.sync()
    b.sync()
    a.sync()
    tasks = [r for (kind, _), r in org.server_records(org.a).items() if kind == "task"]
    assert len(tasks) == 1
    assert set(tasks[0]["data"]["resident_ids"]) == {first, second}
    assert tasks[0]["data"]["status"] == "open"
    a.residents.merge(first, second)
    a.sync()
    b.sync()
    for session in (a, b):
        duplicate = session.residents.get(second)
        assert duplicate.replaced_by == first
        survivor = session.residents.get(first)
        assert {n.body for n in survivor.notes} == {"Admitted from home.", "Family visited."}
    tasks = [r for (kind, _), r in org.server_records(org.a).items() if kind == "task"]
    assert tasks[0]["data"]["status"] == "done"


def test_scenario_10_concurrent_admissions_one_applies_and_notes_are_relinked(
        org: Org) -> None:
    a, b, rid = _synced_pair(org)
    stay_a = a.stays.admit(rid, admitted_at="2026-11-02")
    stay_b = b.stays.admit(rid, admitted_at="2026-11-02")
    note_b = b.notes.add(rid, {**note("Admission assessment started.", "2026-11-02T11:00"),
                              "stay_id": stay_b})
    a.sync()
    b.sync()
    rows = {row.record_id: row for row in b.outbox.operations()}
    assert rows[stay_b].status == "rejected"
    assert rows[stay_b].reason == "already_admitted"
    kept = next(n for n in b.residents.get(rid).notes if n.id == note_b)
    assert kept.body == "Admission assessment started."
    assert kept.fields.get("stay_id") == stay_a
    stays = [s for s in b.residents.get(rid).stays if s.status == "active"]
    assert [s.id for s in stays] == [stay_a]
    # Re-linked at the server, so every terminal sees the note on the stay that applied.
    assert org.server_records(org.a)[("note", note_b)]["data"]["stay_id"] == stay_a
    a.sync()
    assert next(n for n in a.residents.get(rid).notes if n.id == note_b).fields.get(
        "stay_id") == stay_a
    assert terminal_records(a) == org.server_records(org.a) == terminal_records(b)


def test_scenario_14_transfer_while_another_terminal_keeps_editing(org: Org) -> None:
    a, b, rid = _synced_pair(org, "rm.MG", "clerk.MG")
    stay = a.stays.admit(rid, admitted_at="2026-11-01", bed_id=org.a.beds[0])
    a.sync()
    b.sync()
    a.stays.transfer(stay, to_facility_id=org.b.id, at="2026-11-03")
    a.sync()
    # B, offline, keeps working on the resident.
    clinical = b.notes.add(rid, note("Ate lunch.", "2026-11-03T12:00"))
    admin_cmd = b.stays.leave(stay, leave_type="hospital", at="2026-11-03T14:00")
    b.sync()
    rows = {row.seq: row for row in b.outbox.operations()}
    assert next(r for r in rows.values() if r.record_id == clinical).status == "applied"
    assert rows[admin_cmd].status == "rejected"
    assert rows[admin_cmd].reason == "out_of_scope", rows[admin_cmd].detail
    # After its pending changes are pushed, the resident leaves B's terminal.
    assert rid not in {r.id for r in b.residents.census().rows}
    assert all(key[1] != rid for key in terminal_records(b))
    # The sending facility keeps who left and where to, by name.
    a.sync()
    departure = a.departures.get(rid)
    assert departure.to_facility == org.b.name
    assert departure.left_on == "2026-11-03" and departure.admitted_at == "2026-11-01"
    assert [r.id for r in a.departures.page().rows] == [rid]
    c = org.terminal(org.b, "clerk.OH")
    c.sync()
    moved = c.residents.get(rid)
    assert "Ate lunch." in [n.body for n in moved.notes]
    assert moved.transferred_from == org.a.name  # a name, never the facility's id


def test_changes_depending_on_a_rejected_registration_are_shown_with_it(org: Org) -> None:
    from protocol.ids import new_id

    a = org.terminal(org.a, "clerk.MG")
    rid = new_id()
    registration = inject_raw_op(a, "create", {"kind": "resident", "id": rid, "fields": {
        **resident(), "mrn": "MG999001", "birth_date": "1941-02-30"}})
    edit = inject_raw_op(a, "update", {"kind": "resident", "id": rid,
                                       "changes": {"phone": ["555-0101", 1]}})
    assert a.sync().error is None
    first, second = op(a, registration), op(a, edit)
    assert (first.status, first.reason) == ("rejected", "invalid")
    assert (second.status, second.reason) == ("rejected", "dependency")
    assert second.depends_on is not None and second.depends_on.seq == registration
    assert second.depends_on.reason == "invalid"
    assert "rejected" in (second.reason_text or "")


def test_note_written_after_the_discharge_is_kept_linked_and_marked(org: Org) -> None:
    a = org.terminal(org.a, "rm.MG")
    rid = a.residents.register(resident())
    stay = a.stays.admit(rid, admitted_at="2026-11-01", bed_id=org.a.beds[0])
    a.stays.discharge(stay, discharged_at="2026-11-05", disposition="home")
    assert a.sync().error is None
    late = a.notes.add(rid, note("Family called after discharge.", "2026-11-07T10:00"))
    assert a.sync().error is None
    sent = next(r for r in a.outbox.operations() if r.record_id == late)
    assert sent.status == "applied"
    assert "documented_after_discharge" in sent.flags
    shown = next(n for n in a.residents.get(rid).notes if n.id == late)
    assert shown.documented_after_discharge
    assert shown.fields["stay_id"] == stay


def test_scenario_10_changes_to_the_rejected_admission_name_it(org: Org) -> None:
    """B's bed assignment and leave for its own admission, rejected
    ``already_admitted``, depend on that admission: they are rejected
    ``dependency`` naming it (the clerk sees the two together), not ``not_found``
    as if the stay had never been entered; also when the admission was answered
    in an earlier push."""
    a, b, rid = _synced_pair(org)
    a.stays.admit(rid, admitted_at="2026-11-02")
    stay_b = b.stays.admit(rid, admitted_at="2026-11-02")
    bed = b.stays.assign_bed(stay_b, org.a.beds[1])
    assert a.sync().error is None and b.sync().error is None
    admission = next(r for r in b.outbox.operations() if r.record_id == stay_b
                     and r.op_type == "command" and r.reason == "already_admitted")
    # One recorded before the answer came, sent in a later push (the terminal
    # itself now refuses a change to a stay it no longer has).
    later = inject_raw_op(b, "command", {"name": "leave", "args": {
        "stay_id": stay_b, "leave_type": "hospital", "at": "2026-11-03T10:00"}})
    assert b.sync().error is None
    for seq in (bed, later):
        row = op(b, seq)
        assert (row.status, row.reason) == ("rejected", "dependency"), (seq, row.detail)
        assert row.depends_on is not None and row.depends_on.seq == admission.seq
