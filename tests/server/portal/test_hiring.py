"""Hiring in the portal, read-only, over HTTP: the region's open postings per
facility with the applicants' stage counts, and the hires whose first shift
still waits for onboarding — by the rule the server refuses the shift with,
a registry check since marked entered in error included. Only the manager's
facilities; another facility's page answers 404; nothing is written here."""

from __future__ import annotations

import pytest

from protocol.ids import new_id

pytestmark = pytest.mark.usefixtures("world")


def _command(term, name: str, args: dict) -> None:
    [result] = term.push([term.op("command", {"name": name, "args": args})]).results
    assert result.status == "applied", (name, result)


def _applicant(term, posting: str | None, family: str, **extra) -> tuple[str, str]:
    applicant, staff = new_id(), new_id()
    args = {"applicant_id": applicant, "staff_id": staff, "job_title_code": 10,
            "pay_type_code": 1, "family_name": family, "given_name": "Ana",
            "applied_on": "2026-09-02", "checklist": ["registry_verification", "orientation"],
            **extra}
    if posting:
        args["posting_id"] = posting
    _command(term, "add_applicant", args)
    return applicant, staff


def _region(terminal) -> dict[str, str]:
    manager = terminal("a", "rm_MG")
    aides = new_id()
    _command(manager, "post_job", {"posting_id": aides, "position": "Nurse aide <nights>",
                                   "department": "Nursing", "hours_per_week": 36,
                                   "posted_on": "2026-09-01"})
    filled = new_id()
    _command(manager, "post_job", {"posting_id": filled, "position": "Coder",
                                   "department": "HIM", "hours_per_week": 40,
                                   "posted_on": "2026-08-01"})
    _command(manager, "close_posting", {"posting_id": filled, "closed_on": "2026-09-10",
                                        "outcome": "withdrawn", "reason": "Budget"})
    _applicant(manager, aides, "Lind", position="Nurse aide <nights>", department="Nursing")
    hired, staff = _applicant(manager, aides, "Okafor", position="Nurse aide <nights>",
                               department="Nursing")
    _command(manager, "record_stage", {"applicant_id": hired, "stage": "offered",
                                       "on": "2026-09-05"})
    _command(manager, "hire_applicant", {"applicant_id": hired, "employee_id": "E-77",
                                         "hire_date": "2026-09-08"})
    check = new_id()
    [made] = manager.push([manager.op("create", {"kind": "registry_check", "id": check,
                                                 "fields": {"staff_id": staff, "state": "OH",
                                                            "checked_on": "2026-09-08",
                                                            "in_good_standing": True}})]
                          ).results
    assert made.status == "applied"
    _command(manager, "complete_onboarding", {"applicant_id": hired,
                                              "item": "registry_verification",
                                              "done_on": "2026-09-09", "evidence_id": check})
    other = terminal("b", "rm_OK")
    _command(other, "post_job", {"posting_id": new_id(), "position": "Night clerk",
                                 "department": "Records", "hours_per_week": 20,
                                 "posted_on": "2026-09-01"})
    return {"manager_term": manager, "staff": staff, "check": check, "hired": hired}


async def test_the_regions_postings_and_hires_waiting_for_onboarding(
        visitor, manager, world, terminal):
    made = _region(terminal)
    await visitor.sign_in(manager)
    _, body = await visitor.json("/portal/hiring.json")
    [facility] = body["facilities"]  # the manager's region: Maple Grove only
    assert facility["facility"]["id"] == world.a.id
    [posting] = facility["postings"]  # open ones only: the closed Coder is left out
    assert (posting["position"], posting["hours_per_week"], posting["status"]) == (
        "Nurse aide <nights>", 36, "open")
    assert (posting["stage_counts"]["applied"], posting["stage_counts"]["hired"]) == (1, 1)
    [hire] = facility["hires"]
    assert (hire["name"], hire["missing"], hire["reopened"], hire["ready"]) == (
        "Okafor, Ana", ["orientation"], [], False)
    status, text = await visitor.get("/portal/hiring")
    assert status == 200 and "Nurse aide &lt;nights&gt;" in text and "Night clerk" not in text
    assert "1 applied, 1 hired" in text and "Read-only" in text

    # The registry check is marked entered in error by a later entry: the item is
    # missing again, as the server's first-shift rule has it.
    term = made["manager_term"]
    [voided] = term.push([term.op("create", {"kind": "registry_check", "id": new_id(),
                                             "fields": {"staff_id": made["staff"],
                                                        "state": "OH",
                                                        "checked_on": "2026-09-08",
                                                        "in_good_standing": True,
                                                        "entered_in_error_of": made["check"]}})]
                         ).results
    assert voided.status == "applied"
    _, body = await visitor.json(f"/portal/facilities/{world.a.id}/hiring.json")
    [hire] = body["hires"]
    assert hire["missing"] == ["nurse-aide registry verification", "orientation"]
    assert hire["reopened"] == ["nurse-aide registry verification"]
    assert [p["position"] for p in body["postings"]] == ["Nurse aide <nights>", "Coder"]
    assert body["postings"][1]["outcome"] == "withdrawn"
    status, text = await visitor.get(f"/portal/facilities/{world.a.id}/hiring")
    assert status == 200 and "marked entered in error" in text
    assert "closed (withdrawn)" in text and "Lind, Ana" in text


async def test_another_facilitys_hiring_answers_as_one_that_does_not_exist(
        visitor, manager, world, terminal):
    _region(terminal)
    await visitor.sign_in(manager)
    for facility_id in (world.b.id, new_id()):
        for suffix in ("", ".json"):
            status, _ = await visitor.get(f"/portal/facilities/{facility_id}/hiring{suffix}")
            assert status == 404
    status, _ = await visitor.post("/portal/hiring", {})
    assert status in (404, 405)  # nothing is written here
