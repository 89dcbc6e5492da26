"""The records department's work end to end: a real server on loopback and real
encrypted terminals. Requests for records with their authorization, extension
and release (logged as a disclosure); amendments whose links travel with a
later release; completeness reviews; legal holds that stop a destruction; and
the roles that may do each, refused alike at the terminal and at the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from client.errors import InputError, NotPermitted
from protocol.ids import derived_id
from protocol.records import RecordKind
from server import admin

from .conftest import Facility, Org, inject_raw_op, op, outbox_statuses, resident

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
    # A pending records command is not a stay command: the bed board still reads.
    assert {b.bed_id: b.state for b in clerk.beds.board()}[org.a.beds[0]] == "occupied"
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



def _facility_in(org: Org, state: str) -> Facility:
    fid = admin.create_facility(org.engine, org.settings, name=f"Cedar House {state}",
                                state=state, mrn_prefix=f"C{state}")
    unit = admin.create_unit(org.engine, org.settings, facility_id=fid, name="East")
    beds = [admin.create_bed(org.engine, org.settings, unit_id=unit, label=f"{n}-A")
            for n in (1, 2, 3)]
    users = {name: admin.create_user(org.engine, org.settings, facility_id=fid,
                                     username=name, role=role)
             for name, role in ((f"clerk.{state}", "clerk"), (f"rm.{state}", "records_manager"),
                                (f"rm2.{state}", "records_manager"))}
    return Facility(fid, f"Cedar House {state}", unit, beds, users)


def _closed(session: Any, bed: str, *, born: str, admitted: str, discharged: str,
            family: str) -> str:
    rid = session.residents.register(resident(family_name=family, birth_date=born))
    stay = session.stays.admit(rid, admitted_at=admitted, bed_id=bed)
    session.stays.discharge(stay, discharged_at=discharged, disposition="home")
    return str(rid)


def test_retention_in_washington_a_hold_stops_a_destruction_the_terminal_could_not_see(
        org: Org) -> None:
    wa = _facility_in(org, "WA")
    manager = org.terminal(wa, "rm.WA")
    other = org.terminal(wa, "rm2.WA")
    manager.sync()  # the facility's state (its records profile) comes with the first pull
    # Adult: 8 years after the most recent discharge (RCW 18.51.300): kept through
    # 2026-06-30, may go from 2026-07-01.
    adult = _closed(manager, wa.beds[0], born="1930-04-04", admitted="2016-01-10",
                    discharged="2018-06-30", family="Adams")
    # Minor (admitted at 14): the latest of WA 8 y (2023-02-01), 18 + 3 (2021-05-10),
    # 10 y after discharge (2025-02-01), federal 5 y (2020-02-01) → 2025-02-01.
    minor = _closed(manager, wa.beds[1], born="2000-05-10", admitted="2014-06-01",
                    discharged="2015-02-01", family="Young")
    # Discharged last year: kept through 2033-09-30.
    recent = _closed(manager, wa.beds[2], born="1940-01-01", admitted="2025-01-01",
                     discharged="2025-09-30", family="Recent")
    assert manager.casework.retention(adult).ends_on.isoformat() == "2026-06-30"  # type: ignore[union-attr]
    assert manager.casework.retention(minor).ends_on.isoformat() == "2025-02-01"  # type: ignore[union-attr]
    assert manager.casework.retention(recent).ends_on.isoformat() == "2033-09-30"  # type: ignore[union-attr]
    due = {i.resident_id: i.due_text for i in manager.casework.due() if i.area == "destruction"}
    assert due == {adult: "2026-07-01", minor: "2025-02-02"}
    manager.casework.place_hold(minor, placed_by="County counsel", reason="Young v. Cedar",
                                placed_on="2026-11-01")
    assert {i.resident_id for i in manager.casework.due() if i.area == "destruction"} == {adult}
    with pytest.raises(InputError) as held:
        manager.casework.propose_destruction([adult, minor], listed_on="2026-11-10")
    assert held.value.reason == "on_legal_hold"
    with pytest.raises(InputError) as early:
        manager.casework.propose_destruction([recent], listed_on="2026-11-10")
    assert early.value.reason == "retention_not_ended"
    listing = manager.casework.propose_destruction([adult], listed_on="2026-11-10")
    manager.casework.command("approve_destruction", {"destruction_id": listing,
                                                     "approved_on": "2026-11-10"})
    with pytest.raises(InputError) as witness:
        manager.casework.command("record_destruction", {
            "destruction_id": listing, "destroyed_on": "2026-11-10", "method": "shredding",
            "destroyed_by": "Pat Lee", "witnessed_by": "Pat Lee"})
    assert witness.value.field == "witnessed_by"
    manager.sync()
    other.sync()
    # Another terminal puts the adult on hold; this one has not pulled it yet.
    other.casework.place_hold(adult, placed_by="Risk manager", reason="complaint 26-114",
                              placed_on="2026-11-10")
    other.sync()
    seq = len(manager.outbox.operations()) + 1
    manager.casework.command("record_destruction", {
        "destruction_id": listing, "destroyed_on": "2026-11-10", "method": "shredding",
        "destroyed_by": "Pat Lee", "witnessed_by": "Sam Ortiz"})
    manager.sync()
    assert (op(manager, seq).status, op(manager, seq).reason) == ("rejected", "on_legal_hold")
    server = org.server_records(wa)
    assert server[("destruction", listing)]["data"]["status"] == "approved"
    assert server[("destruction", listing)]["data"]["records"] == [{
        "resident_id": adult, "name": "Adams, Adaeze", "mrn": server[("resident", adult)]
        ["data"]["mrn"], "first_date": "2016-01-10", "last_date": "2018-06-30"}]
    # Released, the record may go the day after the release.
    [hold] = [n for n in other.casework.cases(RecordKind.LEGAL_HOLD)
              if n.data["resident_id"] == adult]
    other.casework.command("release_hold", {"hold_id": hold.id, "released_on": "2026-11-10",
                                            "released_by": "Risk manager"})
    other.sync()
    manager.sync()
    with pytest.raises(InputError):
        manager.casework.command("record_destruction", {
            "destruction_id": listing, "destroyed_on": "2026-11-10", "method": "shredding",
            "destroyed_by": "Pat Lee", "witnessed_by": "Sam Ortiz"})
    actions = [row.action for row in org.audit_actions(listing)]
    assert actions.count("command:record_destruction") == 1  # the rejected one, audited
    assert "command:approve_destruction" in actions


def _letter() -> dict[str, Any]:
    return {"basis_in_plain_language": "The note records what the nurse saw that day.",
            "states_right_to_disagree": True,
            "how_to_disagree": "Write to the records manager within 60 days.",
            "states_request_may_accompany_disclosures": True,
            "complaint_contact": "Privacy officer", "complaint_phone": "555-0199",
            "states_complaint_to_hhs": True}


def test_amendment_links_go_with_a_later_release(org: Org, tmp_path: Path) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    rid = _admitted(org, manager)
    first = manager.notes.add(rid, {"category": "nursing", "clinical_time": "2026-11-02T09:00",
                                    "body": "Refused breakfast."})
    second = manager.notes.add(rid, {"category": "nursing",
                                     "clinical_time": "2026-11-03T09:00", "body": "Fell."})
    manager.sync()
    clerk.sync()
    accepted = clerk.casework.request_amendment(
        rid, received_on="2026-11-04", entry_ids=[first], asked="I ate breakfast.",
        named_parties=["Dr. Ruiz"])
    denied = clerk.casework.request_amendment(
        rid, received_on="2026-11-04", entry_ids=[second], asked="I did not fall.")
    clerk.sync()
    manager.sync()
    # Received 4 November: decide within 60 days → 3 January 2027.
    due = {i.record_id: i.due_text for i in manager.casework.due() if i.area == "amendment"}
    assert due == {accepted: "2027-01-03", denied: "2027-01-03"}
    with pytest.raises(InputError) as original:
        manager.casework.command("accept_amendment", {
            "amendment_id": accepted, "decided_on": "2026-11-05", "amendment_entry_id": first})
    assert original.value.field == "amendment_entry_id"
    amendment_note = manager.notes.amend(first, "Ate half of breakfast (amended at the "
                                                "resident's request).")
    manager.casework.command("accept_amendment", {
        "amendment_id": accepted, "decided_on": "2026-11-05",
        "amendment_entry_id": amendment_note, "known_holders": ["Lakeside Pharmacy"]})
    without_letter = {"amendment_id": denied, "decided_on": "2026-11-05",
                      "ground": "accurate_and_complete"}
    with pytest.raises(InputError):
        manager.casework.command("deny_amendment", without_letter)
    manager.casework.command("deny_amendment", {**without_letter, **_letter()})
    manager.sync()
    clerk.sync()
    clerk.casework.command("file_disagreement", {"amendment_id": denied,
                                                 "filed_on": "2026-11-06",
                                                 "statement": "I was helped to the floor."})
    clerk.sync()
    manager.sync()
    manager.casework.command("file_rebuttal", {"amendment_id": denied,
                                               "filed_on": "2026-11-07",
                                               "text": "Two staff saw the fall."})
    notify = manager.casework.case(accepted).data["notify"]  # type: ignore[union-attr]
    assert [p["name"] for p in notify] == ["the resident", "Dr. Ruiz", "Lakeside Pharmacy"]
    request = manager.casework.open_request(rid, received_at="2026-11-09T10:00",
                                            requester="Adaeze Okafor", authority="resident",
                                            what="Nursing notes of November")
    packet = manager.casework.release_packet(request, tmp_path / "packet.pdf",
                                             parts=["notes", "diagnoses"],
                                             entry_ids=[first, second, amendment_note])
    text = " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(str(packet)).pages)
    assert "Release of information — cover sheet" in text
    assert "Requested by Adaeze Okafor" in text
    assert "Accepted amendment" in text
    assert "The resident's statement of disagreement — I was helped to the floor." in text
    assert "The facility's rebuttal — Two staff saw the fall." in text
    assert "Refused breakfast." in text and "Ate half of breakfast" in text
    manager.casework.release_records(request, released_on="2026-11-10", parts=["nursing"],
                                     entry_ids=[first, second], description="Nursing notes")
    manager.sync()
    release = org.server_records(org.a)[("record_request", request)]["data"]["releases"][0]
    kinds = sorted((a["request_id"], a["kind"]) for a in release["_attachments"])
    assert kinds == sorted([(accepted, "amendment"), (denied, "amendment_request"),
                            (denied, "denial"), (denied, "statement_of_disagreement"),
                            (denied, "rebuttal")])
    original_note = org.server_records(org.a)[("note", first)]["data"]
    assert original_note["body"] == "Refused breakfast."  # never changed
    # To the resident: excluded from the accounting (164.528(a)(1)(ii)).
    assert manager.casework.accounting(rid, org_today()).lines == ()


CHECKLIST_AT_DEATH = ["discharge_summary", "discharge_order", "final_progress_note",
                      "medication_reconciliation", "discharge_mds", "care_plan",
                      "death_certificate"]


def test_a_discharge_opens_its_completeness_review_which_becomes_delinquent(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    rid = manager.residents.register(resident())
    stay = manager.stays.admit(rid, admitted_at="2026-09-01", bed_id=org.a.beds[0])
    manager.stays.discharge(stay, discharged_at="2026-10-09", disposition="death")
    # Opened at once at the discharging terminal, offline: every document the
    # checklist requires at a death is a deficiency until someone finds it.
    [opened] = manager.casework.cases(RecordKind.COMPLETENESS_REVIEW)
    review = opened.id
    assert [d["code"] for d in opened.data["deficiencies"]] == CHECKLIST_AT_DEATH
    assert not [i for i in manager.casework.due() if i.area == "review_to_open"]
    manager.sync()
    # The server opened the same review when it applied the discharge; the
    # terminal's own opening arrived as that one, not as a second review.
    assert set(outbox_statuses(manager).values()) == {"applied"}
    reviews = [k for k in org.server_records(org.a) if k[0] == RecordKind.COMPLETENESS_REVIEW]
    assert reviews == [(RecordKind.COMPLETENESS_REVIEW, review)]
    clerk.sync()
    found = ["discharge_summary", "discharge_order", "final_progress_note", "discharge_mds",
             "care_plan"]
    for code in found:
        clerk.casework.command("resolve_deficiency", {"review_id": review, "code": code,
                                                      "resolved_on": "2026-10-09"})
    clerk.casework.command("assign_deficiency", {"review_id": review, "code":
                                                 "death_certificate", "assignee": "Dr. Ruiz"})
    clerk.sync()
    manager.sync()
    # Discharged 9 October: delinquent from 9 November (discharge + 30 + 1), so on
    # 10 November the review is overdue.
    [item] = [i for i in manager.casework.due() if i.area == "completeness"]
    assert (item.due_text, item.overdue) == ("2026-11-08", True)
    # November so far: one record delinquent against 1 discharge in 12 months
    # (1/12 a month on average): 1200 %, far over the 50 % benchmark.
    month = manager.casework.delinquency(2026, 11)
    assert (month.delinquent, month.discharges_averaged, month.meets_benchmark) == (1, 1, False)
    assert month.rate_percent == 1200
    for code in ("medication_reconciliation", "death_certificate"):
        manager.casework.command("resolve_deficiency", {"review_id": review, "code": code,
                                                        "resolved_on": "2026-11-10"})
    manager.sync()
    assert not [i for i in manager.casework.due() if i.area == "completeness"]
    server = org.server_records(org.a)[(RecordKind.COMPLETENESS_REVIEW, review)]["data"]
    assert [d["assignee"] for d in server["deficiencies"]] == [None] * 6 + ["Dr. Ruiz"]
    assert [d["resolved_on"] for d in server["deficiencies"]] == \
        ["2026-10-09"] * 3 + ["2026-11-10", "2026-10-09", "2026-10-09", "2026-11-10"]


def test_the_server_opens_the_review_of_a_discharge_sent_without_one(org: Org) -> None:
    """An older terminal sends the discharge alone: the server's rule opens the review."""
    manager = org.terminal(org.a, "rm.MG")
    rid = manager.residents.register(resident())
    stay = manager.stays.admit(rid, admitted_at="2026-09-01", bed_id=org.a.beds[0])
    manager.sync()
    inject_raw_op(manager, "command", {"name": "discharge", "args": {
        "stay_id": stay, "discharged_at": "2026-10-09", "disposition": "hospital"}})
    manager.sync()
    [(key, record)] = [(k, r) for k, r in org.server_records(org.a).items()
                       if k[0] == RecordKind.COMPLETENESS_REVIEW]
    assert key[1] == derived_id(stay, "completeness_review")
    assert (record["data"]["stay_id"], record["data"]["discharged_on"]) == (stay, "2026-10-09")
    assert [d["code"] for d in record["data"]["deficiencies"]] == [
        "discharge_summary", "discharge_order", "final_progress_note",
        "medication_reconciliation", "discharge_mds", "care_plan", "transfer_form"]
    assert manager.casework.case(key[1]) is not None
    # A review that names a stay not discharged on that date is refused.
    with pytest.raises(InputError) as refused:
        manager.casework.open_review(rid, discharged_on="2026-10-08", stay_id=stay)
    assert refused.value.reason == "not_discharged"


AGREEMENT = {"agreement_id": "DUA-7", "recipient": "State University", "purpose": "research",
             "permitted_uses": "falls study", "permitted_users": "study team",
             "signed_on": "2026-10-01", "no_other_use_or_disclosure": True,
             "safeguards": True, "reports_other_use": True, "agents_bound": True,
             "no_identification_or_contact": True}


def test_a_safe_harbor_extract_field_by_field_and_a_limited_data_set_only_under_agreement(
        org: Org, tmp_path: Any) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    old = manager.residents.register(resident(
        family_name="Okafor", given_name="Adaeze", birth_date="1931-05-06",
        address="12 Elm Street, Dayton, OH 45402", phone="937-555-0100",
        emergency_contact="Chidi Okafor (son)"))
    manager.stays.admit(old, admitted_at="2026-10-01", bed_id=org.a.beds[0], payer="medicare")
    manager.residents.add_diagnosis(old, {"code": "I10", "description": "Hypertension"})
    young = manager.residents.register(resident(
        family_name="Lund", given_name="Erik", birth_date="1946-02-11", sex="male",
        address="4 Mill Road, Keene, NH 03601"))
    stay = manager.stays.admit(young, admitted_at="2025-12-30", bed_id=org.a.beds[1])
    manager.stays.discharge(stay, discharged_at="2026-01-04", disposition="hospital")
    # Died at 89 on 2026-07-01; on the extract date she would be 90: aged at death.
    died = manager.residents.register(resident(
        family_name="Brennan", given_name="Rose", birth_date="1936-08-01",
        address="7 Oak Lane, Dayton, OH 45402"))
    last = manager.stays.admit(died, admitted_at="2026-06-01", bed_id=org.a.beds[1])
    manager.stays.discharge(last, discharged_at="2026-07-01", disposition="death")
    with pytest.raises(NotPermitted):
        clerk.extracts.write("safe_harbor", tmp_path / "x.csv", purpose="falls study",
                             recipient="State University")
    result = manager.extracts.write("safe_harbor", tmp_path / "falls.csv",
                                    purpose="falls study", recipient="State University")
    assert result.columns == ("birth_date", "sex", "state", "zip", "payer", "admitted_on",
                              "discharged_on", "disposition", "diagnoses", "age", "note")
    lines = (tmp_path / "falls.csv").read_text().splitlines()
    assert lines == [
        ("birth_date,sex,state,zip,payer,admitted_on,discharged_on,disposition,diagnoses,age,"
         "note"),
        # 80 on the extract date: birth year kept; NH 036 is a restricted ZIP3 → 000.
        "1946,male,NH,000,,2025,2026,hospital,,80,",
        # Died at 89: the age at death, and the birth year stays.
        "1936,female,OH,454,,2026,2026,death,,89,",
        # 95: "90 or older", no birth year; ZIP 45402 → 454; dates → the year.
        ",female,OH,454,medicare,2026,,,I10,90 or older,",
    ]
    text = (tmp_path / "falls.csv").read_text()
    for identifier in ("Okafor", "Adaeze", "Chidi", "Elm", "Dayton", "937-555", "45402",
                       "1931", "2026-10-01", "101-A", "MG-"):
        assert identifier not in text
    with pytest.raises(InputError) as no_agreement:
        manager.extracts.write("limited_data_set", tmp_path / "lds.csv", purpose="falls",
                               recipient="State University")
    assert no_agreement.value.reason == "no_data_use_agreement"
    assert not (tmp_path / "lds.csv").exists()
    lds = manager.extracts.write("limited_data_set", tmp_path / "lds.csv", purpose="falls",
                                 recipient="State University", agreement=AGREEMENT)
    rows = (tmp_path / "lds.csv").read_text().splitlines()
    assert "2026-10-01" in rows[3] and "Dayton" in rows[3] and "45402" in rows[3]
    assert "Okafor" not in rows[3] and "Elm" not in rows[3]
    manager.sync()
    server = org.server_records(org.a)
    recorded = server[("extract", lds.extract_id)]["data"]
    assert (recorded["method"], recorded["recipient"], recorded["purpose"], recorded["rows"]) \
        == ("limited_data_set", "State University", "falls", 3)
    assert [(r.action, r.outcome) for r in org.audit_actions(result.extract_id)] == \
        [("command:record_extract", "applied")]
