"""A note whose clinical time lies after its stay ended is marked, by hand-checked cases."""

from protocol.rules.residents.stays import documented_after_discharge, latest_stay

DISCHARGED = {"status": "discharged", "admitted_at": "2026-01-02", "discharged_at": "2026-03-10"}


def test_after_the_discharge_day_is_marked() -> None:
    assert documented_after_discharge("2026-03-11T08:00", DISCHARGED)


def test_on_the_discharge_day_or_before_is_within_the_stay() -> None:
    assert not documented_after_discharge("2026-03-10T23:59", DISCHARGED)
    assert not documented_after_discharge("2026-02-01T09:00", DISCHARGED)


def test_a_current_stay_or_none_marks_nothing() -> None:
    active = {**DISCHARGED, "status": "active", "discharged_at": None}
    assert not documented_after_discharge("2027-01-01T00:00", active)
    assert not documented_after_discharge("2027-01-01T00:00", None)
    assert not documented_after_discharge(None, DISCHARGED)


def test_a_transfer_ends_the_stay_too() -> None:
    moved = {"status": "transferred", "admitted_at": "2026-01-02",
             "discharged_at": "2026-04-01"}
    assert documented_after_discharge("2026-04-02T00:00", moved)


def test_latest_stay_is_the_latest_admission() -> None:
    older = {"admitted_at": "2025-05-01"}
    assert latest_stay([older, DISCHARGED]) is DISCHARGED
    assert latest_stay([]) is None
