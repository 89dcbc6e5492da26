"""The stay commands' checks and effects, and their date rules, by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from protocol.errors import Refused, ValidationError
from protocol.rules.residents.census import Census, census_of
from protocol.rules.residents.stays import TRANSITIONS, Facts, close_for_record_error

TODAY = date(2026, 12, 6)
FACTS = Facts(today=TODAY)


def run(name: str, stay: dict[str, Any] | None, facts: Facts = FACTS, **args: Any
        ) -> dict[str, Any]:
    return TRANSITIONS[name].apply(stay, args, facts)


def admitted(**over: Any) -> dict[str, Any]:
    stay = run("admit", None, resident_id="R", admitted_at="2026-11-01", bed_id="B")
    stay.update(over)
    return stay


def test_admit_starts_a_current_stay_in_its_bed() -> None:
    stay = admitted()
    assert stay["status"] == "active"
    assert stay["bed_id"] == "B"
    assert stay["admission_type"] == "new"
    assert census_of(stay) is Census.IN_HOUSE
    assert census_of(run("admit", None, resident_id="R", admitted_at="2026-11-01")) \
        is Census.AWAITING_BED


def test_admit_refuses_a_second_current_stay_a_future_date_and_before_birth() -> None:
    with pytest.raises(Refused) as refused:
        run("admit", None, Facts(TODAY, current_stay=admitted()), resident_id="R",
            admitted_at="2026-11-02")
    assert refused.value.reason == "already_admitted"
    with pytest.raises(ValidationError) as invalid:
        run("admit", None, resident_id="R", admitted_at="2026-12-07")
    assert invalid.value.field == "admitted_at"
    assert invalid.value.reason == "cannot be in the future"
    with pytest.raises(ValidationError) as before_birth:
        run("admit", None, Facts(TODAY, birth_date="1950-03-01"), resident_id="R",
            admitted_at="1949-12-31")
    assert before_birth.value.reason == "cannot be before the date of birth (1950-03-01)"
    # a discharged earlier stay is no obstacle; admission on the day of birth is in order
    run("admit", None, Facts(TODAY, current_stay=admitted(status="discharged"),
                             birth_date="2026-11-01"), resident_id="R", admitted_at="2026-11-01")


def test_discharge_before_admission_is_refused_same_day_is_fine() -> None:
    with pytest.raises(ValidationError) as invalid:
        run("discharge", admitted(), discharged_at="2026-10-31")
    assert invalid.value.field == "discharged_at"
    assert invalid.value.reason == "cannot be before the admission date (2026-11-01)"
    stay = run("discharge", admitted(), discharged_at="2026-11-01", disposition="home")
    assert stay["status"] == "discharged"
    assert census_of(stay) is Census.DISCHARGED
    with pytest.raises(ValidationError):
        run("discharge", admitted(), discharged_at="2026-12-07")


def test_discharge_needs_a_current_stay() -> None:
    with pytest.raises(Refused) as refused:
        run("discharge", admitted(status="discharged"), discharged_at="2026-11-05")
    assert refused.value.reason == "not_admitted"
    with pytest.raises(Refused):
        run("discharge", None, discharged_at="2026-11-05")


def test_discharge_while_on_leave_not_before_the_leave_began() -> None:
    away = run("leave", admitted(), leave_type="hospital", at="2026-11-20T08:00")
    with pytest.raises(ValidationError) as invalid:
        run("discharge", away, discharged_at="2026-11-19")
    assert "start of the leave" in invalid.value.reason
    assert run("discharge", away, discharged_at="2026-11-20")["status"] == "discharged"


def test_leave_and_return_order() -> None:
    away = run("leave", admitted(), leave_type="therapeutic", at="2026-11-20T08:00")
    assert census_of(away) is Census.ON_LEAVE
    assert away["bed_id"] == "B"  # held by default
    with pytest.raises(ValidationError) as early:
        run("return", away, at="2026-11-20T07:59")
    assert early.value.reason == "cannot be before the start of the leave (2026-11-20 08:00)"
    back = run("return", away, at="2026-11-20")  # a plain date compares by day
    assert census_of(back) is Census.IN_HOUSE
    again = run("return", run("leave", back, leave_type="hospital", at="2026-11-25",
                              bed_hold=False), at="2026-11-28")
    assert again["leaves"] == [
        {"leave_type": "therapeutic", "left_at": "2026-11-20T08:00",
         "returned_at": "2026-11-20", "bed_hold": True},
        {"leave_type": "hospital", "left_at": "2026-11-25", "returned_at": "2026-11-28",
         "bed_hold": False}]
    with pytest.raises(ValidationError) as before_return:
        run("leave", back, leave_type="hospital", at="2026-11-19")
    assert "return from the last leave" in before_return.value.reason
    with pytest.raises(ValidationError):
        run("leave", admitted(), leave_type="hospital", at="2026-10-30")


def test_return_without_a_held_bed_is_awaiting_a_bed() -> None:
    away = run("leave", admitted(), leave_type="hospital", at="2026-11-20", bed_hold=False)
    assert away["bed_id"] is None
    assert census_of(away) is Census.IN_HOSPITAL
    back = run("return", away, at="2026-11-25")
    assert census_of(back) is Census.AWAITING_BED


def test_leave_and_return_need_the_right_status() -> None:
    away = run("leave", admitted(), leave_type="hospital", at="2026-11-20")
    with pytest.raises(Refused) as twice:
        run("leave", away, leave_type="hospital", at="2026-11-21")
    assert twice.value.reason == "not_admitted"
    with pytest.raises(Refused) as not_away:
        run("return", admitted(), at="2026-11-21")
    assert not_away.value.reason == "not_on_leave"


def test_assign_bed_and_transfer() -> None:
    waiting = admitted(bed_id=None)
    assert run("assign_bed", waiting, bed_id="C")["bed_id"] == "C"
    assert run("assign_bed", admitted(), bed_id="B")["bed_id"] == "B"  # the same bed: no change
    with pytest.raises(Refused) as in_bed:
        run("assign_bed", admitted(), bed_id="C")
    assert in_bed.value.reason == "already_in_bed"
    moved = run("transfer", admitted(), to_facility_id="F2", at="2026-11-30T10:00")
    assert moved["status"] == "transferred"
    assert moved["transferred_to"] == "F2"
    assert moved["discharged_at"] == "2026-11-30"
    assert census_of(moved) is Census.TRANSFERRED
    with pytest.raises(ValidationError):
        run("transfer", admitted(), to_facility_id="F2", at="2026-10-01")


def test_close_for_record_error() -> None:
    closed = close_for_record_error(admitted(), day=TODAY, disposition="entered_in_error")
    assert closed["status"] == "discharged"
    assert closed["discharged_at"] == "2026-12-06"
    assert census_of(closed) is Census.DISCHARGED


def test_a_residents_page_predicts_the_census_the_server_will_derive() -> None:
    from protocol.rules.residents.census import EMPTY_RESIDENT_VIEW
    from protocol.rules.residents.stays import predict_resident_view

    view = {"family_name": "Okafor", **EMPTY_RESIDENT_VIEW}
    admitted_view = predict_resident_view(view, "admit", {
        "stay_id": "S", "resident_id": "R", "admitted_at": "2026-11-01", "bed_id": "B"})
    assert admitted_view["_census"] == "in_house"
    assert admitted_view["family_name"] == "Okafor"
    shown = {**admitted_view, "_bed_label": "101-A", "_unit_name": "North"}
    away = predict_resident_view(shown, "leave", {"stay_id": "S", "leave_type": "hospital",
                                                  "at": "2026-11-05", "bed_hold": False})
    assert (away["_census"], away["_bed_id"], away["_bed_label"]) == ("in_hospital", None, None)
    back = predict_resident_view(away, "return", {"stay_id": "S", "at": "2026-11-07"})
    assert back["_census"] == "awaiting_bed"
    held = predict_resident_view(shown, "leave", {"stay_id": "S", "leave_type": "therapeutic",
                                                  "at": "2026-11-05"})
    assert (held["_census"], held["_bed_label"]) == ("on_leave", "101-A")
    assert predict_resident_view(held, "return", {"stay_id": "S", "at": "2026-11-06"}
                                 )["_census"] == "in_house"


def test_the_mds_flags_only_where_they_mean_something() -> None:
    with pytest.raises(ValidationError) as invalid:
        run("leave", admitted(), leave_type="therapeutic", at="2026-11-20",
            hospital_admission=True)
    assert invalid.value.field == "hospital_admission"
    left = run("leave", admitted(), leave_type="hospital", at="2026-11-20",
               hospital_admission=True)
    assert left["leaves"][-1]["hospital_admission"] is True
    with pytest.raises(ValidationError) as invalid:
        run("discharge", admitted(), discharged_at="2026-11-20", disposition="death",
            return_anticipated=True)
    assert invalid.value.field == "return_anticipated"
    ended = run("discharge", admitted(), discharged_at="2026-11-20", disposition="hospital",
                return_anticipated=True)
    assert ended["return_anticipated"] is True
