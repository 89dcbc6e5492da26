"""An operation that refers to a record whose creation was rejected is rejected
``dependency``, naming that creating operation, never a bare ``not_found``."""

from protocol.ids import new_id


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
