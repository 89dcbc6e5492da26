from __future__ import annotations

import pytest

from protocol.rules.residents.census import (
    EMPTY_RESIDENT_VIEW,
    BedState,
    Census,
    bed_state,
    bed_view,
    census_of,
    may_take_out_of_service,
    resident_view,
)


@pytest.mark.parametrize(("stay", "census"), [
    (None, Census.PRE_ADMISSION),
    ({"status": "active", "bed_id": "B"}, Census.IN_HOUSE),
    ({"status": "active", "bed_id": None}, Census.AWAITING_BED),
    ({"status": "on_leave", "leave_type": "hospital", "bed_id": "B"}, Census.IN_HOSPITAL),
    ({"status": "on_leave", "leave_type": "therapeutic", "bed_id": None}, Census.ON_LEAVE),
    ({"status": "discharged", "bed_id": "B"}, Census.DISCHARGED),
    ({"status": "transferred", "bed_id": "B"}, Census.TRANSFERRED),
])
def test_census_from_the_stay(stay: dict[str, object] | None, census: Census) -> None:
    assert census_of(stay) is census


def test_resident_view_shows_the_bed_only_while_the_stay_is_current() -> None:
    bed = {"label": "101-A", "unit_name": "North"}
    active = {"status": "active", "bed_id": "B", "admitted_at": "2026-01-02"}
    assert resident_view("S", active, bed) == {
        "_census": "in_house", "_stay_id": "S", "_bed_id": "B", "_bed_label": "101-A",
        "_unit_name": "North", "_admitted_at": "2026-01-02"}
    gone = {**active, "status": "discharged"}
    assert resident_view("S", gone, bed)["_bed_id"] is None
    assert resident_view("S", gone, bed)["_bed_label"] is None
    assert resident_view(None, None, None) == dict(EMPTY_RESIDENT_VIEW)


def test_bed_view_and_state() -> None:
    assert bed_view(None) == {"_resident_id": None, "_held": False}
    assert bed_view({"status": "on_leave", "resident_id": "R"}) == {"_resident_id": "R",
                                                                    "_held": True}
    assert bed_view({"status": "discharged", "resident_id": "R"})["_resident_id"] is None
    assert bed_state(out_of_service=True, occupied=False, held=False) is BedState.OUT_OF_SERVICE
    assert bed_state(out_of_service=False, occupied=True, held=True) is BedState.HELD
    assert bed_state(out_of_service=False, occupied=True, held=False) is BedState.OCCUPIED
    assert bed_state(out_of_service=False, occupied=False, held=False) is BedState.FREE


def test_only_a_free_bed_goes_out_of_service() -> None:
    assert may_take_out_of_service(BedState.FREE)
    for state in (BedState.OCCUPIED, BedState.HELD, BedState.OUT_OF_SERVICE):
        assert not may_take_out_of_service(state)
