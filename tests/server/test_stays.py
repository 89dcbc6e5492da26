"""Stay commands against real constraints: scenarios 10–14 and the bed invariant."""

import threading

import pytest

from protocol.ids import new_id


def statuses(response):
    return [(r.status, r.reason) for r in response.results]


def census(engine, h, rid):
    return h.record(engine, rid).data["_census"]


def test_concurrent_admission_one_applies_and_notes_are_relinked(terminal, h, engine):
    a, b = terminal(), terminal(username="clerk2_MG")
    rid, create = h.new_resident(a)
    a.push([create])
    stay_a, admit_a = h.admit(a, rid)
    stay_b, admit_b = h.admit(b, rid)
    nid, n = h.note(b, rid, stay_id=stay_b)
    assert statuses(a.push([admit_a])) == [("applied", None)]
    response = b.push([admit_b, n])
    assert statuses(response) == [("rejected", "already_admitted"), ("applied", None)]
    assert "relinked" in response.results[1].flags
    assert h.record(engine, nid).data["stay_id"] == stay_a
    h.assert_bed_invariants(engine)


def test_two_facilities_one_bed_only_the_owner_assigns(terminal, h, world, engine):
    a, b = terminal("a"), terminal("b")
    bed = world.a.beds[0]
    ra, ca = h.new_resident(a)
    rb, cb = h.new_resident(b)
    _, admit_a = h.admit(a, ra, bed)
    _, admit_b = h.admit(b, rb, bed)
    assert statuses(b.push([cb, admit_b]))[1] == ("rejected", "not_owner")
    assert statuses(a.push([ca, admit_a]))[1] == ("applied", None)
    assert census(engine, h, ra) == "in_house"
    h.assert_bed_invariants(engine)


def test_last_free_bed_first_wins_second_awaits(terminal, h, world, engine):
    a, b = terminal(), terminal(username="clerk2_MG")
    bed = world.a.beds[0]
    r1, c1 = h.new_resident(a, family="One")
    r2, c2 = h.new_resident(b, family="Two")
    s1, ad1 = h.admit(a, r1)
    s2, ad2 = h.admit(b, r2)
    a.push([c1, ad1])
    b.push([c2, ad2])
    assign_a = a.op("command", {"name": "assign_bed", "args": {"stay_id": s1, "bed_id": bed}})
    assign_b = b.op("command", {"name": "assign_bed", "args": {"stay_id": s2, "bed_id": bed}})
    assert statuses(a.push([assign_a])) == [("applied", None)]
    assert statuses(b.push([assign_b])) == [("rejected", "bed_occupied")]
    assert census(engine, h, r1) == "in_house"
    assert census(engine, h, r2) == "awaiting_bed"
    h.assert_bed_invariants(engine)


def test_admission_naming_a_taken_bed_admits_without_it(terminal, h, world, engine):
    a, b = terminal(), terminal(username="clerk2_MG")
    bed = world.a.beds[0]
    r1, c1 = h.new_resident(a, family="One")
    r2, c2 = h.new_resident(b, family="Two")
    _, ad1 = h.admit(a, r1, bed)
    s2, ad2 = h.admit(b, r2, bed)
    a.push([c1, ad1])
    result = b.push([c2, ad2]).results[1]
    assert (result.status, result.reason) == ("rejected", "bed_occupied")
    assert "admitted_without_bed" in result.flags
    assert census(engine, h, r2) == "awaiting_bed"
    assert h.record(engine, s2).data["status"] == "active"
    h.assert_bed_invariants(engine)


def test_one_resident_two_beds_one_assignment(terminal, h, world, engine):
    a, b = terminal(), terminal(username="clerk2_MG")
    rid, create = h.new_resident(a)
    sid, ad = h.admit(a, rid)
    a.push([create, ad])
    one = a.op("command", {"name": "assign_bed", "args": {"stay_id": sid,
                                                          "bed_id": world.a.beds[0]}})
    two = b.op("command", {"name": "assign_bed", "args": {"stay_id": sid,
                                                          "bed_id": world.a.beds[1]}})
    assert statuses(a.push([one])) == [("applied", None)]
    assert statuses(b.push([two])) == [("rejected", "already_in_bed")]
    h.assert_bed_invariants(engine)
    beds = {c.record_id: c for c in a.pull_all()[0] if c.kind == "bed"}
    assert beds[world.a.beds[0]].data["_resident_id"] == rid
    assert beds[world.a.beds[1]].data["_resident_id"] is None


def test_out_of_service_bed_and_leave_with_and_without_hold(terminal, h, world, engine):
    t = terminal(username="rm_MG")
    bed0, bed1 = world.a.beds[0], world.a.beds[1]
    oos = t.op("update", {"kind": "bed", "id": bed1, "changes": {"out_of_service": [True, 0]}})
    rid, create = h.new_resident(t)
    sid, ad = h.admit(t, rid, bed0)
    leave = t.op("command", {"name": "leave", "args": {"stay_id": sid,
                                                       "leave_type": "hospital",
                                                       "at": "2026-01-05", "bed_hold": True}})
    response = t.push([oos, create, ad, leave])
    assert [r.status for r in response.results] == ["applied"] * 4
    assert census(engine, h, rid) == "in_hospital"
    bed = h.record(engine, bed0)
    assert (bed.data["_resident_id"], bed.data["_held"]) == (rid, True)
    back = t.op("command", {"name": "return", "args": {"stay_id": sid, "at": "2026-01-07"}})
    again = t.op("command", {"name": "return", "args": {"stay_id": sid, "at": "2026-01-07"}})
    assert statuses(t.push([back, again])) == [("applied", None), ("rejected", "not_on_leave")]
    assert census(engine, h, rid) == "in_house"
    away = t.op("command", {"name": "leave", "args": {"stay_id": sid,
                                                      "leave_type": "therapeutic",
                                                      "at": "2026-01-08", "bed_hold": False}})
    back2 = t.op("command", {"name": "return", "args": {"stay_id": sid, "at": "2026-01-09"}})
    to_oos = t.op("command", {"name": "assign_bed", "args": {"stay_id": sid, "bed_id": bed1}})
    response = t.push([away, back2, to_oos])
    assert statuses(response) == [("applied", None), ("applied", None),
                                  ("rejected", "bed_out_of_service")]
    assert census(engine, h, rid) == "awaiting_bed"
    assert h.record(engine, bed0).data["_resident_id"] is None
    h.assert_bed_invariants(engine)


def test_discharge_frees_the_bed(terminal, h, world, engine):
    t = terminal()
    rid, create = h.new_resident(t)
    sid, ad = h.admit(t, rid, world.a.beds[0])
    out = t.op("command", {"name": "discharge", "args": {"stay_id": sid,
                                                         "discharged_at": "2026-02-01",
                                                         "disposition": "home"}})
    twice = t.op("command", {"name": "discharge", "args": {"stay_id": sid,
                                                           "discharged_at": "2026-02-01"}})
    assert statuses(t.push([create, ad, out, twice]))[2:] == [("applied", None),
                                                             ("rejected", "not_admitted")]
    assert census(engine, h, rid) == "discharged"
    assert h.record(engine, world.a.beds[0]).data["_resident_id"] is None
    assert h.current_stays(engine) == []


def test_transfer_moves_the_chart_and_scopes_the_old_facility(terminal, h, world, engine):
    a, a2, b = terminal(), terminal(username="clerk2_MG"), terminal("b")
    rid, create = h.new_resident(a)
    sid, ad = h.admit(a, rid, world.a.beds[0])
    nid, n = h.note(a, rid)
    a.push([create, ad, n])
    _, cursor_a2 = a2.pull_all()
    move = a.op("command", {"name": "transfer", "args": {"stay_id": sid,
                                                         "to_facility_id": world.b.id,
                                                         "at": "2026-03-01"}})
    assert statuses(a.push([move])) == [("applied", None)]
    # The offline terminal at A keeps working: clinical facts kept, admin refused.
    late_nid, late_note = h.note(a2, rid, body="Seen before leaving.")
    demo = a2.op("update", {"kind": "resident", "id": rid, "changes": {"phone": ["1", 0]}})
    dis = a2.op("command", {"name": "discharge", "args": {"stay_id": sid,
                                                          "discharged_at": "2026-03-01"}})
    response = a2.push([late_note, demo, dis])
    assert statuses(response) == [("applied", None), ("rejected", "out_of_scope"),
                                  ("rejected", "out_of_scope")]
    changes, _ = a2.pull_all(cursor_a2)
    gone = {c.record_id for c in changes if c.gone}
    assert {rid, nid, sid, late_nid} <= gone
    at_b = {c.record_id: c for c in b.pull_all()[0]}
    assert {rid, nid, sid, late_nid} <= set(at_b)
    assert at_b[rid].data["_transferred_from"] == world.a.id
    assert h.record(engine, rid).facility_id == world.b.id
    assert h.record(engine, world.a.beds[0]).data["_resident_id"] is None
    readmit = b.op("command", {"name": "admit", "args": {
        "stay_id": new_id(), "resident_id": rid, "admitted_at": "2026-03-01",
        "bed_id": world.b.beds[0]}})
    assert statuses(b.push([readmit])) == [("applied", None)]
    h.assert_bed_invariants(engine)


@pytest.mark.slow
def test_concurrent_terminals_never_break_the_bed_invariant(terminal, h, world, engine):
    """Many terminals race for few beds from threads; every committed state
    keeps one occupant per bed and one current stay per resident."""
    terms = [terminal(username=name) for name in ("clerk_MG", "clerk2_MG", "rm_MG")] * 2
    setup = terms[0]
    residents = []
    ops = []
    for i in range(12):
        rid, create = h.new_resident(setup, family=f"R{i}")
        sid, ad = h.admit(setup, rid)
        residents.append(sid)
        ops += [create, ad]
    setup.push(ops)
    errors: list[BaseException] = []
    stop = threading.Event()

    def checker() -> None:
        while not stop.is_set():
            try:
                h.assert_bed_invariants(engine)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    def worker(index: int) -> None:
        t = h.Term(terms[0].service, world.a).enroll(
            engine, terms[0].service.settings, ["clerk_MG", "clerk2_MG", "rm_MG"][index % 3])
        try:
            for round_ in range(4):
                batch = []
                for j in range(3):
                    sid = residents[(index * 3 + j + round_) % len(residents)]
                    bed = world.a.beds[(index + j + round_) % len(world.a.beds)]
                    batch.append(t.op("command", {"name": "assign_bed",
                                                  "args": {"stay_id": sid, "bed_id": bed}}))
                assert len(t.push(batch).results) == 3
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    watch = threading.Thread(target=checker)
    watch.start()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    watch.join()
    assert errors == []
    h.assert_bed_invariants(engine)
    occupied = [s for s in h.current_stays(engine) if s.bed_id]
    assert len(occupied) == len(world.a.beds)


def test_clinical_note_for_a_resident_moved_to_a_lower_id_facility(terminal, h, world, engine):
    """The batch must lock a facility ordered before its own: it starts over
    with both heads locked up front (no lock-order inversion)."""
    (low, _), (high, prefix) = sorted([(world.a, "a"), (world.b, "b")], key=lambda f: f[0].id)
    user = "MG" if prefix == "a" else "OK"
    t, t2 = terminal(prefix), terminal(prefix, username=f"clerk2_{user}")
    rid, create = h.new_resident(t)
    sid, ad = h.admit(t, rid)
    move = t.op("command", {"name": "transfer", "args": {"stay_id": sid,
                                                         "to_facility_id": low.id,
                                                         "at": "2026-03-01"}})
    assert [r.status for r in t.push([create, ad, move]).results] == ["applied"] * 3
    nid, late = h.note(t2, rid)
    result = t2.push([late]).results[0]
    assert (result.status, result.flags) == ("applied", ("moved_with_resident",))
    assert h.record(engine, nid).facility_id == low.id
    assert high.id > low.id
