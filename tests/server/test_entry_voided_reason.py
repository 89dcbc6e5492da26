"""A change to a license marked entered in error is answered ``entry_voided``
(its own reason, with the clerk's sentence) by a server of sync protocol 3; a
terminal of an older protocol, which does not know that reason, is answered
``invalid`` with the same detail, on a first answer, a resent one and a held
one's result alike."""

from __future__ import annotations

from protocol.ids import new_id
from protocol.messages import PROTOCOL_VERSION, PullRequest, PushRequest
from protocol.reasons import REASON_TEXT, Reason, understood_by

RN = {"license_type": "RN", "number": "RN-4410", "issuing_state": "OH",
      "expires_on": "2028-06-30"}


def _voided_license(term):
    """A staff member, a license, and the entry that marks it entered in error."""
    staff, lic, voiding = new_id(), new_id(), new_id()
    made = term.push([
        term.op("create", {"kind": "staff", "id": staff, "fields": {
            "employee_id": "E-1", "family_name": "Dahl", "given_name": "Ines",
            "job_title_code": 7, "pay_type_code": 1}}),
        term.op("create", {"kind": "license", "id": lic,
                           "fields": {**RN, "staff_id": staff}}),
        term.op("create", {"kind": "license", "id": voiding, "fields": {
            **RN, "staff_id": staff, "entered_in_error_of": lic,
            "error_reason": "Typed on the wrong person"}})])
    assert [r.status for r in made.results] == ["applied"] * 3, made.results
    return lic, voiding


def _edit(term, lic):
    return term.op("update", {"kind": "license", "id": lic,
                              "changes": {"expires_on": ["2029-06-30", 1]}})


def _push(term, ops, protocol):
    request = PushRequest(ops, 1, protocol=protocol)
    return term.service.push(term.info, term.envelope("push", request.to_wire()), request)


def test_an_edit_of_a_voided_license_has_its_own_reason(terminal):
    rm = terminal(username="rm_MG")
    lic, voiding = _voided_license(rm)
    answer = _push(rm, [_edit(rm, lic), _edit(rm, voiding)], PROTOCOL_VERSION)
    assert [(r.status, r.reason) for r in answer.results] == [
        ("rejected", "entry_voided"), ("rejected", "entry_voided")]
    assert "this license was marked entered in error (Typed on the wrong person)" \
        in (answer.results[0].detail or "")
    assert "this entry marks another license entered in error" in (answer.results[1].detail
                                                                   or "")
    assert "entered in error" in REASON_TEXT[Reason.ENTRY_VOIDED]


def test_an_older_terminal_is_answered_with_the_reason_it_knows(terminal):
    rm = terminal(username="rm_MG")
    lic, _ = _voided_license(rm)
    edit = _edit(rm, lic)
    older = _push(rm, [edit], 2)
    assert [(r.status, r.reason) for r in older.results] == [("rejected", "invalid")]
    assert "marked entered in error" in (older.results[0].detail or "")
    # The same operation resent by a terminal that knows the reason: the stored
    # result, told as that terminal reads it.
    resent = _push(rm, [edit], PROTOCOL_VERSION)
    assert [(r.status, r.reason, r.detail) for r in resent.results] == [
        ("rejected", "entry_voided", older.results[0].detail)]
    again = _push(rm, [edit], 1)  # a terminal of protocol 1 did not say its version
    assert [r.reason for r in again.results] == ["invalid"]


def test_a_held_result_pulled_by_an_older_terminal_is_told_as_it_knows(terminal):
    rm = terminal(username="rm_MG")
    lic, _ = _voided_license(rm)
    edit = _edit(rm, lic)
    _push(rm, [edit], PROTOCOL_VERSION)
    for protocol, reason in ((PROTOCOL_VERSION, "entry_voided"), (2, "invalid")):
        request = PullRequest(0, 10, [edit.seq], False, protocol=protocol)
        pulled = rm.service.pull(rm.info, rm.envelope("pull", request.to_wire()), request)
        assert [(r.seq, r.reason) for r in pulled.results] == [(edit.seq, reason)]


def test_every_newer_reason_falls_back_to_one_known_before_it():
    for reason in Reason:
        assert understood_by(reason, PROTOCOL_VERSION) == reason
        assert understood_by(reason, 1) in REASON_TEXT
    assert understood_by(Reason.ENTRY_VOIDED, 2) == Reason.INVALID
    assert understood_by(None, 1) is None
    assert understood_by("a_reason_from_a_newer_server", 1) == "a_reason_from_a_newer_server"
