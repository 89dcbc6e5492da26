"""Another facility's records: an operation naming one is rejected ``not_owner``
(sync scenario 11), one naming an id that exists nowhere ``not_found``; the other
facility's records are untouched either way."""

from typing import Any

from protocol.ids import new_id


def answers(response: Any) -> list[tuple[str, str | None, str | None]]:
    return [(r.status, r.reason, r.detail) for r in response.results]


def staff_op(t: Any, staff_id: str) -> Any:
    return t.op("create", {"kind": "staff", "id": staff_id, "fields": {
        "employee_id": "E-9", "family_name": "Ng", "given_name": "Lee",
        "job_title_code": 7, "pay_type_code": 2}})


def license_op(t: Any, staff_id: str) -> Any:
    return t.op("create", {"kind": "license", "id": new_id(), "fields": {
        "staff_id": staff_id, "license_type": "RN", "number": "9", "issuing_state": "OH",
        "expires_on": "2027-01-01"}})


def test_another_facilitys_ids_are_not_owner_and_missing_ones_not_found(terminal, h, world,
                                                                         engine):
    a, b = terminal("a"), terminal("b")
    manager_a, manager_b = terminal("a", "rm_MG"), terminal("b", "rm_OK")
    # Facility B's records: a resident with a stay in a bed, and a staff member.
    rb, create_b = h.new_resident(b)
    sb, admit_b = h.admit(b, rb, world.b.beds[0])
    staff_b = new_id()
    assert [r.status for r in b.push([create_b, admit_b]).results] == ["applied"] * 2
    assert manager_b.push([staff_op(manager_b, staff_b)]).results[0].status == "applied"
    ra, create_a = h.new_resident(a)
    sa_, admit_a = h.admit(a, ra)
    waiting = [h.new_resident(a) for _ in range(2)]
    assert [r.status for r in a.push([create_a, admit_a, *(c for _, c in waiting)]).results] \
        == ["applied"] * 4

    def probe(make):
        """The answers for B's id and for an id that exists nowhere."""
        foreign = make(rb=rb, sb=sb, bed=world.b.beds[0], staff=staff_b)
        missing = make(rb=new_id(), sb=new_id(), bed=new_id(), staff=new_id())
        return answers(a.push([foreign, missing]))

    probes = {
        "update": lambda rb, **_: a.op("update", {"kind": "resident", "id": rb,
                                                  "changes": {"phone": ["555-0100", 0]}}),
        "note": lambda rb, **_: h.note(a, rb)[1],
        "discharge": lambda sb, **_: a.op("command", {"name": "discharge", "args": {
            "stay_id": sb, "discharged_at": "2026-01-05", "disposition": "home"}}),
        "assign_bed": lambda bed, **_: a.op("command", {"name": "assign_bed", "args": {
            "stay_id": sa_, "bed_id": bed}}),
        "admit_into_bed": lambda bed, **_: h.admit(a, waiting.pop()[0], bed)[1],
    }
    for name, make in probes.items():
        foreign, missing = probe(make)
        assert foreign[:2] == ("rejected", "not_owner"), name
        assert missing[:2] == ("rejected", "not_found"), name
    # What only a records manager may do: void a record, record a staff member's license.
    for foreign_op, missing_op in (
            (manager_a.op("void", {"kind": "resident", "id": rb, "reason": "wrong person"}),
             manager_a.op("void", {"kind": "resident", "id": new_id(),
                                   "reason": "wrong person"})),
            (license_op(manager_a, staff_b), license_op(manager_a, new_id()))):
        foreign, missing = answers(manager_a.push([foreign_op, missing_op]))
        assert (foreign[:2], missing[:2]) == (("rejected", "not_owner"),
                                              ("rejected", "not_found"))
    # The audit says the same, for every refusal.
    reasons = [row.detail.get("reason") for row in h.audit_rows(engine)
               if row.outcome == "rejected" and row.terminal_id in (a.info.id,
                                                                    manager_a.info.id)]
    assert reasons.count("not_owner") == len(probes) + 2
    assert reasons.count("not_found") >= len(probes) + 2
    # B's records are untouched.
    assert h.record(engine, rb).data.get("phone") is None
    assert h.record(engine, rb).status == "active"
