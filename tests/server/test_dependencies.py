"""An operation that refers to a record whose creation was rejected is rejected
``dependency``, naming that creating operation, never a bare ``not_found``."""

from protocol.ids import new_id
from server import admin

from .test_prefetch import statements_while


def test_edit_and_note_of_a_rejected_registration_name_it(terminal, h):
    t = terminal()
    rid = new_id()
    bad = t.op("create", {"kind": "resident", "id": rid,
                          "fields": {**h.resident_fields(), "birth_date": "1940-02-30"}})
    edit = t.op("update", {"kind": "resident", "id": rid, "changes": {"phone": ["555", 1]}})
    _, note = h.note(t, rid)
    response = t.push([bad, edit, note])
    assert [(r.status, r.reason) for r in response.results] == [
        ("rejected", "invalid"), ("rejected", "dependency"), ("rejected", "dependency")]
    assert [r.depends_on for r in response.results] == [None, bad.op_id, bad.op_id]
    assert bad.op_id in response.results[1].detail
    # A later batch still finds the cause, and a resend returns the same answer.
    _, admit = h.admit(t, rid)
    later = t.push([admit])
    assert (later.results[0].reason, later.results[0].depends_on) == ("dependency", bad.op_id)
    assert t.push([admit]).results == later.results


def test_a_record_that_never_existed_is_still_not_found(terminal, h):
    t = terminal()
    edit = t.op("update", {"kind": "resident", "id": new_id(),
                           "changes": {"phone": ["555", 1]}})
    result = t.push([edit]).results[0]
    assert (result.reason, result.depends_on) == ("not_found", None)


def _note(t, rid, *, user=None):
    return t.op("create", {"kind": "note", "id": new_id(), "fields": {
        "resident_id": rid, "category": "progress", "clinical_time": "2026-01-02T10:00",
        "body": "Settled in."}}, user=user)


def test_a_change_naming_a_create_held_in_an_earlier_push_waits_with_it(
        terminal, h, world, engine, settings):
    t = terminal(username="clerk2_MG")
    rid, create = h.new_resident(t)
    admin.deactivate_user(engine, settings, username="clerk2_MG")
    assert [r.status for r in t.push([create]).results] == ["held"]
    [result] = t.push([_note(t, rid, user=world.a.clerk)]).results  # an active colleague
    assert (result.status, result.depends_on) == ("held", create.op_id)


def test_many_missing_records_cost_one_look_for_held_creates(terminal, engine):
    """The look for a held create goes through no index of its own: it is made
    once per push, not once per change naming a record the server lacks."""
    t = terminal()
    notes = [_note(t, new_id()) for _ in range(30)]
    results = []

    def held_looks(statement):  # the indexed look for a rejected create says status = 'rejected'
        return statement.lstrip().upper().startswith("SELECT") and "ops.status =" in statement

    assert statements_while(engine, held_looks,
                            lambda: results.extend(t.push(notes).results)) <= 1
    assert {(r.status, r.reason) for r in results} == {("rejected", "not_found")}
