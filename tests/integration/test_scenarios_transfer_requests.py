"""A request for records about a resident the facility transferred out (docs/rules.md
§5.6 N9): a real server on loopback and real encrypted terminals.

The sending facility still holds the records of the stay it had: a lawyer or a
family asks it for copies after the resident left, the resident asks it for the
accounting of its disclosures. Its records manager logs and works such a request
at its own terminal, offline too, against the identity it kept of the resident
(read-only); the case is the sending facility's, on its due list and its portal
page, and the receiving facility sees it read-only. What needs the chart itself
(an amendment, a legal hold, a destruction) is refused, at the terminal exactly
as at the server (:func:`protocol.rules.residents.transfers.new_case_after_transfer`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from client.errors import InputError

from .conftest import Org, inject_raw_op, op, terminal_records
from .test_scenarios_transfer_casework import _admitted, _portal_due

REQUEST: dict[str, Any] = {"received_at": "2026-11-10T09:30", "requester": "Doe & Roe LLP",
                           "authority": "attorney", "what": "Progress notes, October 2026"}


def _transferred(org: Org) -> tuple[Any, str, str]:
    """A records manager's terminal at the sending facility, and a resident it
    admitted on 1 October and transferred out on 5 November (the stay's id)."""
    manager = org.terminal(org.a, "rm.MG")
    rid, stay = _admitted(org, manager, on="2026-10-01")
    assert manager.sync().error is None
    manager.stays.transfer(stay, to_facility_id=org.b.id, at="2026-11-05")
    assert manager.sync().error is None
    assert manager.casework.residents().get(rid) is None  # the chart has left
    return manager, rid, stay


def test_the_sending_facility_opens_and_works_a_request_after_the_transfer(
        org: Org) -> None:
    manager, rid, _ = _transferred(org)
    mrn = manager.departures.get(rid).mrn
    # Matched by the identity kept of the resident; opened and worked offline.
    request = manager.casework.open_request(rid, **REQUEST)
    accounting = manager.casework.open_request(
        rid, received_at="2026-11-10T10:00", requester="Adaeze Okafor",
        authority="resident", ask="accounting", what="Accounting of disclosures")
    survey = manager.casework.log_disclosure(
        rid, disclosed_on="2026-10-20", basis="state_survey_agency",
        recipient="State survey agency", description="Care plan",
        purpose="Complaint investigation")
    assert manager.casework.case(request).data["current_resident"] is False
    [pending] = [row for row in manager.outbox.operations() if row.record_id == request]
    assert "Okafor, Adaeze" in pending.summary
    assert manager.sync().error is None
    for case in (request, accounting, survey):
        assert op(manager, next(row.seq for row in manager.outbox.operations()
                                if row.record_id == case)).status == "applied"
    at_a = org.server_records(org.a)
    assert {("record_request", request), ("record_request", accounting),
            ("disclosure", survey)} <= set(at_a)
    assert terminal_records(manager) == at_a

    # On the sending facility's due list, named as it kept the resident, with the
    # clock from the day received; on its portal page by record number.
    due = {i.record_id: i for i in manager.casework.due()}
    assert (due[request].resident, due[request].due_text) == (
        "Okafor, Adaeze (transferred out)", "2026-12-10")
    assert (org.a.id, "Request for records", mrn, "2026-12-10") in [
        (r.facility_id, r.work, r.mrn, r.due) for r in _portal_due(org, org.a)]
    # The accounting it answers is of its own disclosures.
    assert [line.first.recipient for line in manager.casework.accounting(
        rid, date(2026, 11, 10)).lines] == ["State survey agency"]

    # The receiving facility sees the new request read-only, naming who answers.
    receiving = org.terminal(org.b, "rm.OH")
    assert receiving.sync().error is None
    shown = receiving.residents.get(rid).open_elsewhere
    assert f"request for records (copies) received 2026-11-10 — {org.a.name} answers it" \
        in shown
    assert receiving.casework.case(request) is None

    # Worked to the end at the sending facility: the authorization, the release.
    manager.casework.command("record_authorization", {
        "request_id": request, "authorization": {
            "information": "Progress notes, October 2026", "disclosers": org.a.name,
            "recipients": "Doe & Roe LLP", "purposes": "at the request of the individual",
            "expires_on": "2027-06-30", "signed_by": "Adaeze Okafor",
            "signed_on": "2026-11-09", "states_right_to_revoke": True,
            "states_conditioning": True, "states_redisclosure": True}})
    disclosure = manager.casework.release_records(
        request, released_on="2026-11-10", parts=["progress notes"],
        description="Progress notes, October 2026 (copies)")
    assert manager.sync().error is None
    at_a = org.server_records(org.a)
    assert at_a[("record_request", request)]["data"]["status"] == "released"
    assert ("disclosure", disclosure) in at_a
    assert receiving.sync().error is None
    assert not [line for line in receiving.residents.get(rid).open_elsewhere
                if "(copies) received 2026-11-10" in line]


REFUSED = ("request_amendment", "place_hold", "propose_destruction")


def _attempts(session: Any, rid: str, mrn: str) -> list[tuple[str, dict[str, Any]]]:
    new = session.casework.new_id
    return [
        ("open_request", {"request_id": new(), "resident_id": rid, **REQUEST}),
        ("log_disclosure", {"disclosure_id": new(), "resident_id": rid,
                            "disclosed_on": "2026-11-01", "basis": "judicial",
                            "recipient": "County court", "purpose": "Subpoena",
                            "description": "Admission record"}),
        ("request_amendment", {"amendment_id": new(), "resident_id": rid,
                               "received_on": "2026-11-09", "entry_ids": [new()],
                               "asked": "I did not fall."}),
        ("place_hold", {"hold_id": new(), "resident_id": rid, "placed_by": "Counsel",
                        "reason": "Litigation", "placed_on": "2026-11-09"}),
        ("propose_destruction", {"destruction_id": new(), "listed_on": "2026-11-09",
                                 "records": [{"resident_id": rid, "name": "Okafor, Adaeze",
                                              "mrn": mrn, "first_date": "2026-10-01",
                                              "last_date": "2026-11-05"}]}),
    ]


def test_the_terminal_refuses_what_the_server_refuses(org: Org) -> None:
    manager, rid, _ = _transferred(org)
    mrn = manager.departures.get(rid).mrn
    at_terminal: dict[str, str] = {}
    sent: dict[str, int] = {}
    for name, args in _attempts(manager, rid, mrn):
        try:
            manager.casework.check(name, args)
            at_terminal[name] = "applied"
        except InputError as refused:
            at_terminal[name] = str(refused.reason)
        # The same command, past the terminal's own check, to the server.
        sent[name] = inject_raw_op(manager, "command", {"name": name, "args": args})
    assert manager.sync().error is None
    at_server = {name: op(manager, seq).status if op(manager, seq).status == "applied"
                 else op(manager, seq).reason for name, seq in sent.items()}
    assert at_terminal == at_server == {
        "open_request": "applied", "log_disclosure": "applied",
        **dict.fromkeys(REFUSED, "out_of_scope")}


@pytest.mark.parametrize("name", REFUSED)
def test_what_needs_the_chart_is_refused_in_words(org: Org, name: str) -> None:
    manager, rid, _ = _transferred(org)
    args = dict(_attempts(manager, rid, manager.departures.get(rid).mrn))[name]
    with pytest.raises(InputError) as refused:
        manager.casework.check(name, args)
    assert refused.value.reason == "out_of_scope"
    assert "Okafor, Adaeze was transferred out" in str(refused.value)
    assert "a request for records or a disclosure can still be logged" in str(refused.value)
