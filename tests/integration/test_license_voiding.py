"""A license voided by a later entry that names it entered in error, as a
registry check is: the entry is refused or accepted by the same rule at the
terminal and at the server, and the voided license (and the voiding entry)
counts nowhere — the license roster and standing, the compliance facts, and
the onboarding item it showed, so the first shift is refused again at both."""

from __future__ import annotations

import pytest

from client.errors import InputError
from client.records.staff import ENTERED_IN_ERROR
from protocol.reasons import REASON_TEXT, Reason
from server.reports.compliance import load_facts

from .conftest import Org, inject_raw_op, op

RN = {"license_type": "RN", "number": "RN-4410", "issuing_state": "OH",
      "expires_on": "2028-06-30", "verified_on": "2026-11-08"}
SHIFT = {"work_date": "2026-11-10", "hours": "7.5", "job_title_code": 7, "pay_type_code": 1}


def _licenses_counted(org: Org, manager, facility) -> tuple[set[str], set[str]]:
    """The licenses the compliance facts count: at the terminal, at the server."""
    with org.engine.connect() as conn:
        server = {r.id for r in load_facts(conn, facility.id).licenses}
    return {r.id for r in manager.compliance.facts().licenses}, server


def test_a_license_entered_in_error_counts_nowhere_at_terminal_and_server(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    applicant = manager.hiring.add_applicant(
        position="Charge nurse", department="Nursing", job_title_code=7, pay_type_code=1,
        family_name="Mensah", given_name="Ama", applied_on="2026-11-01",
        checklist=["license_verification"])
    manager.hiring.record_stage(applicant, stage="offered", on="2026-11-03")
    nurse = manager.hiring.hire(applicant, employee_id="E-3001", hire_date="2026-11-09")
    other = manager.staff.add({"employee_id": "E-3002", "family_name": "Berg",
                               "given_name": "Ola", "job_title_code": 7, "pay_type_code": 1})
    shown = manager.staff.add_license(nurse, RN)
    manager.hiring.complete(applicant, item="license_verification", done_on="2026-11-09",
                            evidence_id=shown)
    assert manager.sync().error is None
    assert _licenses_counted(org, manager, org.a) == ({shown}, {shown})

    # Another person's license cannot be voided from this one's page: refused at both.
    with pytest.raises(InputError, match="entered_in_error_of must name a license record "
                                         "of the same staff member") as refused:
        manager.staff.add_license(other, {**RN, "entered_in_error_of": shown})
    assert refused.value.reason == "not_found"
    wrong = inject_raw_op(manager, "create", {"kind": "license", "id": manager.casework.new_id(),
                                              "fields": {**RN, "staff_id": other,
                                                         "entered_in_error_of": shown}})
    manager.sync()
    assert (op(manager, wrong).status, op(manager, wrong).reason) == ("rejected", "not_found")
    assert op(manager, wrong).detail == str(refused.value)

    # The license was another nurse's: a later entry marks it entered in error.
    with pytest.raises(InputError, match="Say why the license was entered in error"):
        manager.staff.void_license(shown, "  ")
    voiding = manager.staff.void_license(shown, "Another nurse's license")
    with pytest.raises(InputError, match="already marked entered in error"):
        manager.staff.void_license(shown, "twice")
    page = manager.staff.get(nurse)
    assert {lic.id: lic.state for lic in page.licenses} == {
        shown: ENTERED_IN_ERROR, voiding: ENTERED_IN_ERROR}
    assert page.license_state == "none"
    assert manager.staff.roster("mensah").rows[0].license_state == "none"
    with pytest.raises(InputError, match="license verification \\(the record that showed "
                                         "it was marked entered in error\\)"):
        manager.staff.add_hours(nurse, SHIFT)
    assert manager.sync().error is None
    voided_at_server = org.server_records(org.a)[("license", voiding)]["data"]
    assert (voided_at_server["entered_in_error_of"], voided_at_server["error_reason"]) == (
        shown, "Another nurse's license")
    assert _licenses_counted(org, manager, org.a) == (set(), set())
    first_shift = inject_raw_op(manager, "create", {
        "kind": "hours", "id": manager.casework.new_id(), "fields": {**SHIFT,
                                                                    "staff_id": nurse}})
    manager.sync()
    assert (op(manager, first_shift).status, op(manager, first_shift).reason) == (
        "rejected", "onboarding_incomplete")


def test_a_license_entered_in_error_is_not_changed_at_terminal_or_server(org: Org) -> None:
    """An edit of a license marked entered in error (or of the entry that marks
    it) is refused at the terminal and at the server by the same rule, in the
    same words; another license of the same person is still changed."""
    manager = org.terminal(org.a, "rm.MG")
    nurse = manager.staff.add({"employee_id": "E-3003", "family_name": "Dahl",
                               "given_name": "Ines", "job_title_code": 7, "pay_type_code": 1})
    wrong = manager.staff.add_license(nurse, RN)
    right = manager.staff.add_license(nurse, {**RN, "number": "RN-4411"})
    assert manager.sync().error is None
    # Another terminal's edit, made before the void reached it, arrives after it.
    late_edit = inject_raw_op(manager, "update", {
        "kind": "license", "id": wrong, "changes": {"expires_on": ["2029-06-30", 1]}})
    voiding = manager.staff.void_license(wrong, "Typed on the wrong person")
    ordered_after = inject_raw_op(manager, "update", {
        "kind": "license", "id": voiding, "changes": {"expires_on": ["2029-06-30", 1]}})

    with pytest.raises(InputError, match=r"this license was marked entered in error "
                                         r"\(Typed on the wrong person\)") as refused:
        manager.staff.update_license(wrong, {"expires_on": "2029-06-30"})
    assert refused.value.reason == "entry_voided"
    with pytest.raises(InputError, match="this entry marks another license entered in error"):
        manager.staff.update_license(voiding, {"expires_on": "2029-06-30"})
    assert manager.staff.update_license(right, {"expires_on": "2029-06-30"})  # its outbox no.
    assert manager.sync().error is None

    # The first edit was decided before the void arrived: applied, and the void
    # still takes the license out of every count. The one after it is refused.
    assert op(manager, late_edit).status == "applied"
    assert (op(manager, ordered_after).status, op(manager, ordered_after).reason) == (
        "rejected", "entry_voided")
    assert op(manager, ordered_after).reason_text == REASON_TEXT[Reason.ENTRY_VOIDED]
    assert "this entry marks another license entered in error" in op(
        manager, ordered_after).detail
    again = inject_raw_op(manager, "update", {
        "kind": "license", "id": wrong, "changes": {"expires_on": ["2030-06-30", 2]}})
    manager.sync()
    assert (op(manager, again).status, op(manager, again).reason) == ("rejected", "entry_voided")
    assert op(manager, again).detail == str(refused.value)
    records = org.server_records(org.a)
    assert records[("license", wrong)]["data"]["expires_on"] == "2029-06-30"
    assert records[("license", right)]["data"]["expires_on"] == "2029-06-30"
    page = manager.staff.get(nurse)
    assert {lic.id: lic.state for lic in page.licenses}[right] != ENTERED_IN_ERROR
    assert {lic.id: lic.error_reason for lic in page.licenses}[wrong] == (
        "Typed on the wrong person")
