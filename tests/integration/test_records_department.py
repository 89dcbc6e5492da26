"""The records department's work end to end: a real server on loopback and real
encrypted terminals. Requests for records with their authorization, extension
and release (logged as a disclosure); amendments whose links travel with a
later release; completeness reviews; legal holds that stop a destruction; and
the roles that may do each, refused alike at the terminal and at the server."""

from __future__ import annotations

from typing import Any

import pytest

from client.errors import InputError, NotPermitted

from .conftest import Org, inject_raw_op, op, resident

VALID_AUTHORIZATION: dict[str, Any] = {
    "information": "Progress notes, March 2026", "disclosers": "Maple Grove Care Center",
    "recipients": "Doe & Roe LLP", "purposes": "at the request of the individual",
    "expires_on": "2027-06-30", "signed_by": "Adaeze Okafor", "signed_on": "2026-11-01",
    "states_right_to_revoke": True, "states_conditioning": True, "states_redisclosure": True,
}


def _admitted(org: Org, session: Any, **fields: Any) -> str:
    rid = session.residents.register(resident(**fields))
    session.stays.admit(rid, admitted_at="2026-10-01", bed_id=org.a.beds[0])
    return str(rid)


def test_a_request_is_refused_without_every_authorization_element_then_released(
        org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    rid = _admitted(org, manager)
    note = manager.notes.add(rid, {"category": "progress", "clinical_time": "2026-11-02T09:00",
                                   "body": "Walked to the dining room."})
    manager.sync()
    clerk.sync()
    incomplete = {k: v for k, v in VALID_AUTHORIZATION.items() if k != "states_redisclosure"}
    with pytest.raises(InputError) as refused:
        clerk.casework.open_request(rid, received_at="2026-11-09T10:00",
                                    requester="Doe & Roe LLP", authority="attorney",
                                    what="Progress notes", authorization=incomplete)
    assert "164.508(c)(2)(iii)" in str(refused.value)
    request = clerk.casework.open_request(rid, received_at="2026-11-09T10:00",
                                          requester="Doe & Roe LLP", authority="attorney",
                                          what="Progress notes", why="litigation")
    with pytest.raises(NotPermitted):
        clerk.casework.release_records(request, released_on="2026-11-10",
                                       parts=["progress notes"], description="notes")
    clerk.casework.command("record_authorization", {"request_id": request,
                                                    "authorization": VALID_AUTHORIZATION})
    clerk.sync()
    manager.sync()
    # Received Monday 9 November: 30 calendar days → Wednesday 9 December.
    [item] = [i for i in manager.casework.due() if i.area == "request"]
    assert item.due_text == "2026-12-09"
    manager.casework.command("extend_request", {
        "request_id": request, "given_on": "2026-11-10", "reason": "records in storage",
        "new_due_on": "2027-01-08"})
    with pytest.raises(InputError) as second:
        manager.casework.command("extend_request", {
            "request_id": request, "given_on": "2026-11-10", "reason": "again",
            "new_due_on": "2027-01-07"})
    assert second.value.reason == "extension_already_given"
    disclosure = manager.casework.release_records(
        request, released_on="2026-11-10", parts=["progress notes"], entry_ids=[note],
        description="Progress notes of March 2026")
    [shown] = manager.casework.disclosures(rid)  # offline, before the pull
    assert shown["id"] == disclosure and shown["basis"] == "authorization"
    manager.sync()
    clerk.sync()
    server = org.server_records(org.a)
    assert server[("record_request", request)]["data"]["status"] == "released"
    assert server[("record_request", request)]["data"]["extensions"][0]["new_due_on"] \
        == "2027-01-08"
    logged = server[("disclosure", disclosure)]["data"]
    assert (logged["recipient"], logged["basis"], logged["request_id"]) == \
        ("Doe & Roe LLP", "authorization", request)
    assert [d["id"] for d in clerk.casework.disclosures(rid)] == [disclosure]
    # Under an authorization: excluded from the accounting (164.528(a)(1)(iv)).
    assert clerk.casework.accounting(rid, org_today()).lines == ()
    actions = [(row.action, row.outcome) for row in org.audit_actions(request)]
    assert ("command:record_authorization", "applied") in actions
    assert ("command:extend_request", "applied") in actions
    assert ("command:release_records", "applied") in actions


def org_today() -> Any:
    from datetime import date

    return date(2026, 11, 10)


def test_the_server_refuses_what_the_terminal_refuses(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    rid = _admitted(org, manager)
    manager.sync()
    clerk.sync()
    request = clerk.casework.open_request(rid, received_at="2026-11-09T10:00",
                                          requester="Doe & Roe LLP", authority="attorney",
                                          what="Progress notes")
    clerk.sync()
    manager.sync()
    raw = {"name": "release_records", "args": {
        "request_id": request, "disclosure_id": clerk.casework.new_id(),
        "released_on": "2026-11-10", "parts": ["all"], "description": "everything"}}
    seq = inject_raw_op(clerk, "command", raw)
    clerk.sync()
    assert (op(clerk, seq).status, op(clerk, seq).reason) == ("rejected", "not_permitted")
    raw["args"]["disclosure_id"] = manager.casework.new_id()
    seq = inject_raw_op(manager, "command", raw)
    manager.sync()
    assert (op(manager, seq).status, op(manager, seq).reason) == \
        ("rejected", "authorization_invalid")

