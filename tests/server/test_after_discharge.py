"""A note written after the resident's discharge: kept, linked to the stay, flagged."""

from protocol.ops import OpStatus


def _discharged(t, h, world):
    rid, create = h.new_resident(t)
    sid, admit = h.admit(t, rid, world.a.beds[0])
    discharge = t.op("command", {"name": "discharge", "args": {
        "stay_id": sid, "discharged_at": "2026-01-10", "disposition": "home"}})
    assert all(r.status == OpStatus.APPLIED for r in t.push([create, admit, discharge]).results)
    return rid, sid


def test_note_after_discharge_is_kept_linked_and_flagged(terminal, h, world, engine):
    t = terminal()
    rid, sid = _discharged(t, h, world)
    late_id, late = h.note(t, rid, clinical_time="2026-01-12T09:00")
    named_id, named = h.note(t, rid, stay_id=sid, clinical_time="2026-01-13T09:00")
    within_id, within = h.note(t, rid, clinical_time="2026-01-10T16:00")
    results = t.push([late, named, within]).results
    assert [r.status for r in results] == ["applied"] * 3
    assert ["documented_after_discharge" in r.flags for r in results] == [True, True, False]
    for note_id, flagged in ((late_id, True), (named_id, True), (within_id, False)):
        data = h.record(engine, note_id).data
        assert data["stay_id"] == sid
        assert bool(data.get("_documented_after_discharge")) is flagged


def test_stays_written_within_a_batch_are_seen_by_its_later_notes(terminal, h, world, engine):
    """A push batch reads a resident's stays once and again after a stay command
    writes them: a note before the admission has no stay, one after the discharge
    in the same batch is linked to it."""
    t = terminal()
    rid, create = h.new_resident(t)
    early_id, early = h.note(t, rid, clinical_time="2026-01-01T09:00")
    sid, admit = h.admit(t, rid, world.a.beds[0])
    discharge = t.op("command", {"name": "discharge", "args": {
        "stay_id": sid, "discharged_at": "2026-01-10", "disposition": "home"}})
    late_id, late = h.note(t, rid, clinical_time="2026-01-12T09:00")
    results = t.push([create, early, admit, discharge, late]).results
    assert [r.status for r in results] == ["applied"] * 5
    assert "stay_id" not in h.record(engine, early_id).data
    late_data = h.record(engine, late_id).data
    assert late_data["stay_id"] == sid
    assert late_data["_documented_after_discharge"] is True
