"""A resident transferred to another facility, end to end (docs/rules.md §5.6 N9, §4,
§5.2): a real server on loopback and real encrypted terminals.

- The records department's casework about the resident (a request for records,
  an amendment request) stays with the facility that received it: on its server
  records, its terminals (the one that transferred, one that was offline, one
  enrolled afterwards), its due list with the same deadline and its portal
  records page; only it acts on it. The receiving facility sees what is open
  there, read-only, on the resident's record, kept up to date as the sending
  facility works.
- A transfer out is a discharge of the sending facility: its census statistics
  keep the stay's days up to the transfer, and its MDS due list the discharge
  assessment the stay owes (ARD = the transfer date, completion ≤ ARD + 14), at
  the terminal and at the server alike.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from protocol.reports import residents as resident_reports
from protocol.reports.facts import FacilityFacts
from protocol.rules.residents.transfers import OPEN_ELSEWHERE
from server.portal.principals import PortalRole, Principal
from server.portal.records_due import region_due
from server.reports.compliance import load_facts

from .conftest import Org, inject_raw_op, op, resident, terminal_records

TODAY = date(2026, 11, 10)  # the org's clock (conftest.START)
AUTHORIZATION: dict[str, Any] = {
    "information": "Progress notes, November 2026", "disclosers": "Maple Grove Care Center",
    "recipients": "Doe & Roe LLP", "purposes": "at the request of the individual",
    "expires_on": "2027-06-30", "signed_by": "Adaeze Okafor", "signed_on": "2026-11-01",
    "states_right_to_revoke": True, "states_conditioning": True, "states_redisclosure": True,
}


def _server_facts(org: Org, facility: Any) -> FacilityFacts:
    with org.engine.connect() as conn:
        return load_facts(conn, facility.id)


def _portal_due(org: Org, facility: Any) -> list[Any]:
    """The portal's records page for a regional manager of ``facility`` alone."""
    principal = Principal("account", "region", "region.rm", PortalRole.REGIONAL_MANAGER,
                          frozenset({facility.id}))
    with org.engine.connect() as conn:
        return region_due(conn, principal, org.clock())


def _admitted(org: Org, session: Any, *, on: str, payer: str | None = None) -> tuple[str, str]:
    rid = session.residents.register(resident())
    stay = session.stays.admit(rid, admitted_at=on, bed_id=org.a.beds[0], payer=payer)
    return str(rid), str(stay)


def test_open_casework_stays_with_the_facility_that_received_it(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    offline = org.terminal(org.a, "clerk.MG")
    rid, stay = _admitted(org, manager, on="2026-10-01")
    entry = manager.notes.add(rid, {"category": "nursing", "clinical_time": "2026-11-02T09:00",
                                    "body": "Fell in the hallway."})
    request = manager.casework.open_request(
        rid, received_at="2026-11-09T10:00", requester="Doe & Roe LLP", authority="attorney",
        what="Progress notes")
    amendment = manager.casework.request_amendment(
        rid, received_on="2026-11-04", entry_ids=[entry], asked="I did not fall.")
    assert manager.sync().error is None
    assert offline.sync().error is None
    # While the resident is transferred, a clerk offline works on the request.
    offline.casework.command("record_authorization", {
        "request_id": request, "authorization": AUTHORIZATION})
    manager.stays.transfer(stay, to_facility_id=org.b.id, at="2026-11-10")
    assert manager.sync().error is None

    # The server keeps the cases with the sending facility; the chart moved.
    at_a, at_b = org.server_records(org.a), org.server_records(org.b)
    assert ("record_request", request) in at_a and ("amend_request", amendment) in at_a
    assert ("record_request", request) not in at_b and ("amend_request", amendment) not in at_b
    assert ("resident", rid) in at_b and ("resident", rid) not in at_a

    # Every terminal of the sending facility keeps them on its due list, with the
    # same deadline: the one that transferred, one offline during the transfer
    # (its work on the request applied), one enrolled since.
    assert offline.sync().error is None
    assert [row.status for row in offline.outbox.operations() if row.record_id == request] \
        == ["applied"]
    on_file = org.server_records(org.a)[("record_request", request)]["data"]["authorization"]
    assert on_file["signed_by"] == AUTHORIZATION["signed_by"]
    fresh = org.terminal(org.a, "clerk2.MG")
    assert fresh.sync().error is None
    for session in (manager, offline, fresh):
        assert session.sync().error is None  # the facility's list of stations, since
        due = {i.record_id: i for i in session.casework.due()}
        assert due[request].due_text == "2026-12-09"  # received 9 Nov + 30 days
        assert due[amendment].due_text == "2027-01-03"  # received 4 Nov + 60 days
        assert due[request].resident == "Okafor, Adaeze (transferred out)"
        assert rid not in {r.id for r in session.residents.census().rows}
        assert terminal_records(session) == org.server_records(org.a)

    # The sending facility's portal records page lists them, the resident by record
    # number; a region of the receiving facility alone has nothing to answer.
    mrn = org.server_records(org.b)[("resident", rid)]["data"]["mrn"]
    assert [(r.facility_id, r.work, r.mrn, r.due) for r in _portal_due(org, org.a)] == [
        (org.a.id, "Request for records", mrn, "2026-12-09"),
        (org.a.id, "Amendment request", mrn, "2027-01-03")]
    assert _portal_due(org, org.b) == []

    # The receiving facility sees both, read-only, naming who answers them.
    receiving = org.terminal(org.b, "rm.OH")
    assert receiving.sync().error is None
    shown = receiving.residents.get(rid).open_elsewhere
    assert set(shown) == {
        f"request for records (copies) received 2026-11-09 — {org.a.name} answers it",
        f"amendment request received 2026-11-04 — {org.a.name} answers it"}
    assert receiving.casework.case(request) is None
    assert not [i for i in receiving.casework.due() if i.record_id == request]
    refused = inject_raw_op(receiving, "command", {"name": "close_request", "args": {
        "request_id": request, "outcome": "withdrawn", "reason": "asked here",
        "closed_on": "2026-11-10"}})
    assert receiving.sync().error is None
    assert (op(receiving, refused).status, op(receiving, refused).reason) == (
        "rejected", "not_owner")

    # The sending facility answers; the receiving facility's view follows.
    manager.casework.command("close_request", {
        "request_id": request, "outcome": "withdrawn", "reason": "requester withdrew",
        "closed_on": "2026-11-10"})
    assert manager.sync().error is None
    assert org.server_records(org.a)[("record_request", request)]["data"]["status"] \
        == "withdrawn"
    assert receiving.sync().error is None
    assert receiving.residents.get(rid).open_elsewhere == (
        f"amendment request received 2026-11-04 — {org.a.name} answers it",)
    assert org.server_records(org.b)[("resident", rid)]["data"][OPEN_ELSEWHERE][0]["id"] \
        == amendment
    assert terminal_records(receiving) == org.server_records(org.b)


def _stats(facts: FacilityFacts, start: str, end: str) -> tuple[int, int, int, int]:
    figures, _ = resident_reports.stats(facts, date.fromisoformat(start),
                                        date.fromisoformat(end))
    t = figures.totals
    return t.resident_days, t.admissions, t.discharges, t.leave_days


def _discharge_due(facts: FacilityFacts, rid: str) -> list[tuple[str, str, str | None]]:
    return [(item.rule, item.due.isoformat() if item.due else "",
             item.done_on.isoformat() if item.done_on else None)
            for item in resident_reports.mds_items(facts, TODAY)
            if item.subject == rid and item.rule == "discharge_completion"]


def test_the_sending_facility_keeps_the_stay_in_its_census_and_mds_due_list(
        org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    rid, stay = _admitted(org, manager, on="2026-10-01", payer="medicare")
    manager.assessments.add(rid, {"assessment_type": "entry", "event_on": "2026-10-01",
                                  "completed_on": "2026-10-03"})
    manager.stays.leave(stay, leave_type="hospital", at="2026-10-20", bed_hold=True,
                        hospital_admission=False)
    manager.stays.return_from_leave(stay, at="2026-10-22")
    assert manager.sync().error is None
    manager.stays.transfer(stay, to_facility_id=org.b.id, at="2026-11-05")
    assert manager.sync().error is None
    receiving = org.terminal(org.b, "rm.OH")
    assert receiving.sync().error is None

    # October: 31 days less the 2 nights away (20, 21), reported apart; November:
    # the 1st to the 4th, the transfer day not counted; the transfer a discharge.
    server_a = _server_facts(org, org.a)
    for facts in (manager.compliance.facts(), server_a):
        assert _stats(facts, "2026-10-01", "2026-10-31") == (29, 1, 0, 2)
        assert _stats(facts, "2026-11-01", "2026-11-10") == (4, 0, 1, 0)
        [payer] = resident_reports.stats(facts, date(2026, 10, 1), date(2026, 10, 31)
                                         )[0].by_payer
        assert payer == "medicare"
    # The receiving facility counts none of the sending facility's stay.
    for facts in (receiving.compliance.facts(), _server_facts(org, org.b)):
        assert _stats(facts, "2026-10-01", "2026-11-10") == (0, 0, 0, 0)

    # The discharge assessment is the sending facility's: due ARD 5 Nov + 14.
    assert _discharge_due(manager.compliance.facts(), rid) == [
        ("discharge_completion", "2026-11-19", None)]
    assert _discharge_due(server_a, rid) == [("discharge_completion", "2026-11-19", None)]
    rows, _, _ = resident_reports.mds_rows(server_a, TODAY, TODAY, TODAY)
    mrn = org.server_records(org.b)[("resident", rid)]["data"]["mrn"]
    assert ("Okafor, Adaeze", mrn, "discharge assessment: completion (Z0500B)", "due",
            "2026-11-19") in [row[:5] for row in rows]
    assert not _discharge_due(receiving.compliance.facts(), rid)

    # Completed at the sending facility after the transfer: done there.
    done = manager.assessments.add(rid, {"assessment_type": "discharge", "ard": "2026-11-05",
                                         "completed_on": "2026-11-09"})
    assert manager.sync().error is None
    sent = next(row for row in manager.outbox.operations() if row.record_id == done)
    assert (sent.status, tuple(sent.flags)) == ("applied", ("moved_with_resident",))
    for facts in (manager.compliance.facts(), _server_facts(org, org.a)):
        assert _discharge_due(facts, rid) == [
            ("discharge_completion", "2026-11-19", "2026-11-09")]


def test_a_resident_transferred_back_is_counted_once(org: Org) -> None:
    """Back at the sending facility, its stays on file and the one it transferred
    out are the same stay: counted once."""
    manager = org.terminal(org.a, "rm.MG")
    rid, stay = _admitted(org, manager, on="2026-10-01")
    assert manager.sync().error is None
    manager.stays.transfer(stay, to_facility_id=org.b.id, at="2026-10-11")
    assert manager.sync().error is None
    receiving = org.terminal(org.b, "rm.OH")
    assert receiving.sync().error is None
    back = receiving.stays.admit(rid, admitted_at="2026-10-11", bed_id=org.b.beds[0])
    assert receiving.sync().error is None
    receiving.stays.transfer(back, to_facility_id=org.a.id, at="2026-10-21")
    assert receiving.sync().error is None
    assert manager.sync().error is None
    manager.stays.admit(rid, admitted_at="2026-10-21", bed_id=org.a.beds[0])
    assert manager.sync().error is None
    for facts in (manager.compliance.facts(), _server_facts(org, org.a)):
        # 1–10 October, then from the 21st: 10 + 11 days; two admissions, one discharge.
        assert _stats(facts, "2026-10-01", "2026-10-31") == (21, 2, 1, 0)
    for facts in (receiving.compliance.facts(), _server_facts(org, org.b)):
        assert _stats(facts, "2026-10-01", "2026-10-31") == (10, 1, 1, 0)
