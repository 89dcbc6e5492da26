"""Registry and license onboarding items are shown by records that pass the
staffing rules (protocol.rules.department.onboarding.evidence_problem)."""

from __future__ import annotations

from datetime import date

import pytest

from protocol.errors import Refused
from protocol.rules.department.onboarding import (
    check_first_shift,
    evidence_problem,
    open_items,
    reopened_items,
    voided_evidence,
)

DAY = date(2026, 11, 9)
LICENSE = {"staff_id": "S1", "license_type": "LPN", "number": "L1", "issuing_state": "OH",
           "expires_on": "2027-06-30", "verified_on": "2026-11-08"}
CHECK = {"staff_id": "S1", "state": "OH", "checked_on": "2026-11-08", "in_good_standing": True}


def problem(item: str, code: int, kind: str | None, data: dict | None, status: str = "active"):
    return evidence_problem(item, "S1", code, DAY, kind, data, status)


def test_other_items_need_no_record():
    assert problem("orientation", 9, None, None) is None


def test_a_verified_license_of_a_type_the_position_needs_valid_that_day():
    assert problem("license_verification", 9, "license", LICENSE) is None  # LPN role
    assert problem("license_verification", 9, "license",
                   {**LICENSE, "license_type": "RN"}) is None  # an RN covers it
    assert "needs RN" in problem("license_verification", 7, "license", LICENSE)  # RN role
    assert "not valid" in problem("license_verification", 9, "license",
                                  {**LICENSE, "expires_on": "2026-11-08"})
    assert "not been verified" in problem("license_verification", 9, "license",
                                          {**LICENSE, "verified_on": "2026-11-10"})
    assert "another person" in problem("license_verification", 9, "license",
                                       {**LICENSE, "staff_id": "S2"})


def test_a_registry_check_in_good_standing_on_or_before_the_day():
    assert problem("registry_verification", 10, "registry_check", CHECK) is None
    assert "after the item" in problem("registry_verification", 10, "registry_check",
                                       {**CHECK, "checked_on": "2026-11-10"})
    assert "good standing" in problem("registry_verification", 10, "registry_check",
                                      {**CHECK, "in_good_standing": False})
    assert "is not a registry check" in problem("registry_verification", 10, "license",
                                                LICENSE)


def test_missing_or_voided_records_show_nothing():
    assert "name a registry check" in problem("registry_verification", 10, None, None)
    assert "entered in error" in problem("registry_verification", 10, "registry_check",
                                         CHECK, status="void")
    assert "entered in error" in problem("registry_verification", 10, "registry_check",
                                         {**CHECK, "entered_in_error_of": "R0"})


def test_a_record_voided_by_a_later_entry_shows_nothing():
    assert "entered in error" in problem_voided("registry_verification", 10,
                                                "registry_check", CHECK)


def problem_voided(item: str, code: int, kind: str, data: dict):
    return evidence_problem(item, "S1", code, DAY, kind, data, voided=True)


HIRED = {"staff_id": "S1", "stage": "hired",
         "checklist": ["registry_verification", "orientation"],
         "completed": [{"item": "registry_verification", "evidence_id": "R1"},
                       {"item": "orientation"}]}


def test_voided_evidence_names_records_voided_by_status_or_by_a_later_entry():
    rows = [("R1", CHECK, "active"), ("R2", {**CHECK, "entered_in_error_of": "R1"}, "active"),
            ("R3", CHECK, "active"), ("L1", LICENSE, "void")]
    assert voided_evidence(rows) == {"R1", "R2", "L1"}


def test_an_item_shown_by_a_voided_record_is_open_again_and_the_shift_refused():
    assert open_items(HIRED, voided_evidence([("R1", CHECK, "active")])) == []
    check_first_shift("S1", [HIRED], frozenset())
    voided = voided_evidence([("R1", CHECK, "active"),
                              ("R2", {**CHECK, "entered_in_error_of": "R1"}, "active")])
    assert open_items(HIRED, voided) == ["registry_verification"]
    assert reopened_items(HIRED, voided) == ["registry_verification"]
    with pytest.raises(Refused, match="registry verification \\(the record that showed it"):
        check_first_shift("S1", [HIRED], voided)
    check_first_shift("S2", [HIRED], voided)  # another staff member's checklist
