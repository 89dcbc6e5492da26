"""Hiring end to end: a real server on loopback and real encrypted terminals.
An applicant goes through the stages (with interviewers and notes), is hired —
the staff member comes from the applicant, nothing retyped — and their first
shift is refused at the terminal and at the server until every onboarding item
is done; then it is accepted."""

from __future__ import annotations

import pytest

from client.errors import InputError

from .conftest import Org, inject_raw_op, op


def test_a_first_shift_waits_for_the_onboarding_checklist(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    applicant = manager.hiring.add_applicant(
        position="Health information technician", department="HIM", job_title_code=17,
        pay_type_code=1, family_name="Osei", given_name="Kwame", applied_on="2026-11-01",
        checklist=["background_check", "orientation", "credential"])
    manager.hiring.record_stage(applicant, stage="screened", on="2026-11-02")
    manager.hiring.record_stage(applicant, stage="interviewed", on="2026-11-04",
                                interviewers=["Dana Whitfield", "Sam Ortiz"],
                                notes="Strong on release of information")
    with pytest.raises(InputError, match="make an offer before hiring"):
        manager.hiring.hire(applicant, employee_id="E-2044", hire_date="2026-11-09")
    manager.hiring.record_stage(applicant, stage="offered", on="2026-11-05")
    staff_id = manager.hiring.hire(applicant, employee_id="E-2044", hire_date="2026-11-09")
    assert manager.sync().error is None
    staff = manager.staff.get(staff_id)
    assert (staff.fields["family_name"], staff.fields["employee_id"],
            staff.fields["job_title_code"]) == ("Osei", "E-2044", 17)

    shift = {"work_date": "2026-11-10", "hours": "7.5", "job_title_code": 17,
             "pay_type_code": 1}
    with pytest.raises(InputError, match="still open — background check, orientation") as no:
        manager.staff.add_hours(staff_id, shift)
    assert no.value.reason == "onboarding_incomplete"
    seq = inject_raw_op(manager, "create", {"kind": "hours", "id": manager.casework.new_id(),
                                            "fields": {**shift, "staff_id": staff_id}})
    manager.sync()
    assert (op(manager, seq).status, op(manager, seq).reason) == ("rejected",
                                                                   "onboarding_incomplete")
    manager.hiring.complete(applicant, item="background_check", done_on="2026-11-06",
                            detail="State police check clear")
    manager.hiring.complete(applicant, item="orientation", done_on="2026-11-09")
    with pytest.raises(InputError, match="expired"):
        manager.hiring.complete(applicant, item="credential", done_on="2026-11-09",
                                credential="RHIT", expires_on="2026-01-01")
    with pytest.raises(InputError, match="still open — credential"):
        manager.staff.add_hours(staff_id, shift)
    manager.hiring.complete(applicant, item="credential", done_on="2026-11-09",
                            credential="RHIT", expires_on="2028-06-30")
    manager.staff.add_hours(staff_id, shift)
    assert manager.sync().error is None
    assert manager.outbox.status().rejected == 1  # only the injected one
    hours = [k for k, v in org.server_records(org.a).items()
             if k[0] == "hours" and v["data"]["staff_id"] == staff_id]
    assert len(hours) == 1
    assert manager.hiring.applicant(applicant)["open_items"] == []


def test_a_job_posting_syncs_and_its_applicants_reference_it(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    posting = manager.hiring.post_job(
        position="Cancer registrar", department="HIM", hours_per_week=32,
        requirements=["CTR"], posted_on="2026-11-02")
    applicant = manager.hiring.add_applicant(
        posting_id=posting, position="Cancer registrar", department="HIM", job_title_code=17,
        pay_type_code=1, family_name="Lind", given_name="Maja", applied_on="2026-11-05",
        checklist=["orientation"])
    assert manager.sync().error is None
    stored = org.server_records(org.a)
    assert stored[("job_posting", posting)]["data"]["requirements"] == ["CTR"]
    assert stored[("applicant", applicant)]["data"]["posting_id"] == posting

    other = org.terminal(org.a, "rm.MG")  # a second terminal pulls both
    assert other.sync().error is None
    [seen] = other.hiring.postings()
    assert (seen["position"], seen["hours_per_week"], seen["status"], seen["applicants"]) == (
        "Cancer registrar", 32, "open", [applicant])
    other.hiring.close_posting(posting, closed_on="2026-11-09", reason="Filled")
    with pytest.raises(InputError, match="closed"):
        other.hiring.add_applicant(
            posting_id=posting, position="Cancer registrar", job_title_code=17,
            pay_type_code=1, family_name="Berg", given_name="Ola", applied_on="2026-11-09",
            checklist=["orientation"])
    assert other.sync().error is None
    assert org.server_records(org.a)[("job_posting", posting)]["data"]["status"] == "closed"


def _hire(manager, *, job_title_code: int, checklist: list[str]) -> tuple[str, str]:
    applicant = manager.hiring.add_applicant(
        position="Nursing", department="Nursing", job_title_code=job_title_code,
        pay_type_code=1, family_name="Mensah", given_name="Ama", applied_on="2026-11-01",
        checklist=checklist)
    manager.hiring.record_stage(applicant, stage="offered", on="2026-11-03")
    return applicant, manager.hiring.hire(applicant, employee_id="E-3001",
                                          hire_date="2026-11-09")


def test_registry_and_license_items_are_shown_by_records_that_pass_the_staffing_rules(
        org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    aide_applicant, aide = _hire(manager, job_title_code=10,
                                 checklist=["registry_verification"])
    # Not on anyone's word: the item names the record that shows it.
    with pytest.raises(InputError, match="name a registry check") as refused:
        manager.hiring.complete(aide_applicant, item="registry_verification",
                                done_on="2026-11-09")
    assert refused.value.field == "evidence_id"
    barred = manager.staff.add_registry_check(aide, {
        "state": "OH", "checked_on": "2026-11-08", "in_good_standing": False})
    with pytest.raises(InputError, match="did not find the person in good standing"):
        manager.hiring.complete(aide_applicant, item="registry_verification",
                                done_on="2026-11-09", evidence_id=barred)
    listed = manager.staff.add_registry_check(aide, {
        "state": "OH", "checked_on": "2026-11-08", "in_good_standing": True})
    applicant_now = manager.hiring.applicant(aide_applicant)
    assert {rid for _label, rid in manager.hiring.evidence(applicant_now)} == {barred, listed}
    manager.hiring.complete(aide_applicant, item="registry_verification",
                            done_on="2026-11-09", evidence_id=listed)

    nurse_applicant, nurse = _hire(manager, job_title_code=9,
                                   checklist=["license_verification"])
    aide_cert = manager.staff.add_license(nurse, {
        "license_type": "RN", "number": "RN-1", "issuing_state": "OH",
        "expires_on": "2025-06-30", "verified_on": "2026-11-08"})
    with pytest.raises(InputError, match="not valid on that day"):
        manager.hiring.complete(nurse_applicant, item="license_verification",
                                done_on="2026-11-09", evidence_id=aide_cert)
    lpn = manager.staff.add_license(nurse, {
        "license_type": "LPN", "number": "LPN-77", "issuing_state": "OH",
        "expires_on": "2027-06-30"})
    with pytest.raises(InputError, match="not been verified"):
        manager.hiring.complete(nurse_applicant, item="license_verification",
                                done_on="2026-11-09", evidence_id=lpn)
    with pytest.raises(InputError, match="is not a license record"):
        manager.hiring.complete(nurse_applicant, item="license_verification",
                                done_on="2026-11-09", evidence_id=listed)
    manager.staff.update_license(lpn, {"verified_on": "2026-11-09"})
    manager.hiring.complete(nurse_applicant, item="license_verification",
                            done_on="2026-11-09", evidence_id=lpn)
    assert manager.sync().error is None
    assert manager.outbox.status().rejected == 0  # the server found the same records good
    stored = org.server_records(org.a)
    [done] = stored[("applicant", nurse_applicant)]["data"]["completed"]
    assert done["evidence_id"] == lpn

    # At the server: the same rule, for a terminal that sends an item without its record.
    again, _staff = _hire(manager, job_title_code=10, checklist=["registry_verification"])
    assert manager.sync().error is None
    seq = inject_raw_op(manager, "command", {"name": "complete_onboarding", "args": {
        "applicant_id": again, "item": "registry_verification", "done_on": "2026-11-09",
        "evidence_id": listed}})
    manager.sync()
    assert (op(manager, seq).status, op(manager, seq).reason) == ("rejected", "invalid")


def test_a_registry_check_voided_later_reopens_the_item_at_terminal_and_server(
        org: Org) -> None:
    """The item was ticked on a registry check that a separate entry later marks
    entered in error: the item is open again and the first shift is refused at the
    terminal and at the server, until another record shows it."""
    manager = org.terminal(org.a, "rm.MG")
    applicant, aide = _hire(manager, job_title_code=10, checklist=["registry_verification"])
    shown = manager.staff.add_registry_check(aide, {
        "state": "OH", "checked_on": "2026-11-08", "in_good_standing": True})
    manager.hiring.complete(applicant, item="registry_verification", done_on="2026-11-09",
                            evidence_id=shown)
    assert manager.hiring.applicant(applicant)["open_items"] == []
    assert manager.sync().error is None

    # The check was of another person: a correction marks it entered in error.
    voiding = manager.staff.add_registry_check(aide, {
        "state": "OH", "checked_on": "2026-11-08", "in_good_standing": True,
        "entered_in_error_of": shown})
    now = manager.hiring.applicant(applicant)
    assert (now["open_items"], now["reopened"]) == (["registry_verification"],
                                                   ["registry_verification"])
    assert manager.hiring.evidence(now) == []  # neither the voided check nor its voiding
    shift = {"work_date": "2026-11-10", "hours": "7.5", "job_title_code": 10,
             "pay_type_code": 1}
    with pytest.raises(InputError, match="registry verification \\(the record that showed "
                                         "it was marked entered in error\\)") as no:
        manager.staff.add_hours(aide, shift)
    assert no.value.reason == "onboarding_incomplete"
    with pytest.raises(InputError, match="marked entered in error shows nothing"):
        manager.hiring.complete(applicant, item="registry_verification",
                                done_on="2026-11-09", evidence_id=shown)

    # The server: the same rule, for a terminal that sends the shift or the item anyway.
    first_shift = inject_raw_op(manager, "create", {
        "kind": "hours", "id": manager.casework.new_id(),
        "fields": {**shift, "staff_id": aide}})
    ticked_again = inject_raw_op(manager, "command", {"name": "complete_onboarding", "args": {
        "applicant_id": applicant, "item": "registry_verification", "done_on": "2026-11-09",
        "evidence_id": shown}})
    manager.sync()
    assert (op(manager, first_shift).status, op(manager, first_shift).reason) == (
        "rejected", "onboarding_incomplete")
    assert (op(manager, ticked_again).status, op(manager, ticked_again).reason) == (
        "rejected", "invalid")
    stored = org.server_records(org.a)
    assert stored[("registry_check", voiding)]["data"]["entered_in_error_of"] == shown
    assert not [k for k, v in stored.items()
                if k[0] == "hours" and v["data"]["staff_id"] == aide]

    # Another record shows it: the first shift is accepted at both.
    recheck = manager.staff.add_registry_check(aide, {
        "state": "OH", "checked_on": "2026-11-09", "in_good_standing": True})
    manager.hiring.complete(applicant, item="registry_verification", done_on="2026-11-09",
                            evidence_id=recheck)
    manager.staff.add_hours(aide, shift)
    assert manager.sync().error is None
    assert manager.outbox.status().rejected == 2  # only the two injected
    assert len([k for k, v in org.server_records(org.a).items()
                if k[0] == "hours" and v["data"]["staff_id"] == aide]) == 1


def test_an_applicant_answering_a_posting_takes_its_position(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    posting = manager.hiring.post_job(
        position="Coder", department="HIM", hours_per_week=40, posted_on="2026-11-02")
    applicant = manager.hiring.add_applicant(
        posting_id=posting, job_title_code=17, pay_type_code=1, family_name="Ruiz",
        given_name="Ana", applied_on="2026-11-05", checklist=["orientation"])
    assert (manager.hiring.applicant(applicant)["position"],
            manager.hiring.applicant(applicant)["department"]) == ("Coder", "HIM")
    with pytest.raises(InputError, match="is the posting's: Coder") as refused:
        manager.hiring.add_applicant(
            posting_id=posting, position="Cancer registrar", job_title_code=17,
            pay_type_code=1, family_name="Berg", given_name="Ola", applied_on="2026-11-05",
            checklist=["orientation"])
    assert refused.value.field == "position"
    typed = inject_raw_op(manager, "command", {"name": "add_applicant", "args": {
        "applicant_id": manager.casework.new_id(), "staff_id": manager.casework.new_id(),
        "posting_id": posting, "position": "Cancer registrar", "job_title_code": 17,
        "pay_type_code": 1, "family_name": "Berg", "given_name": "Ola",
        "applied_on": "2026-11-05", "checklist": ["orientation"]}})
    manager.sync()
    assert (op(manager, typed).status, op(manager, typed).reason) == ("rejected", "invalid")
    assert org.server_records(org.a)[("applicant", applicant)]["data"]["position"] == "Coder"


def test_an_applicant_without_a_department_is_refused_at_terminal_and_server(org: Org) -> None:
    """The hire makes the staff member from the applicant, department included."""
    manager = org.terminal(org.a, "rm.MG")
    walk_in = {"position": "Nurse aide", "job_title_code": 10, "pay_type_code": 1,
               "family_name": "Berg", "given_name": "Ola", "applied_on": "2026-11-05",
               "checklist": ["orientation"]}
    with pytest.raises(InputError, match="department the applicant would work in") as no:
        manager.hiring.add_applicant(**walk_in)
    assert no.value.field == "department"
    assert manager.hiring.applicants() == []
    typed = inject_raw_op(manager, "command", {"name": "add_applicant", "args": {
        "applicant_id": manager.casework.new_id(), "staff_id": manager.casework.new_id(),
        "department": " ", **walk_in}})
    assert manager.sync().error is None
    assert (op(manager, typed).status, op(manager, typed).reason) == ("rejected", "invalid")
    assert not [key for key in org.server_records(org.a) if key[0] == "applicant"]
