"""The surveyor's entrance lists (reference §6) at the ends of their windows."""

from __future__ import annotations

from datetime import date

import pytest

from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.residents import admission_rows, discharge_rows


def _facts(admitted: str, discharged: str) -> FacilityFacts:
    stay = {"resident_id": "R1", "admitted_at": admitted, "discharged_at": discharged,
            "status": "discharged", "disposition": "home", "destination": "Home"}
    return FacilityFacts.from_rows(Row("facility", "A", {}), [
        Row("resident", "R1", {"family_name": "Okafor", "given_name": "Ada", "mrn": "M1"}),
        Row("stay", "S1", stay)])


@pytest.mark.parametrize(("end", "first"), [
    (date(2026, 5, 31), date(2026, 3, 1)),    # no 31 February: March, April and May
    (date(2026, 5, 29), date(2026, 3, 1)),    # no 29 February in 2026
    (date(2028, 5, 29), date(2028, 3, 1)),    # 29 February 2028 is 3 months before
    (date(2026, 12, 31), date(2026, 10, 1)),  # no 31 September
    (date(2026, 5, 15), date(2026, 2, 16)),
])
def test_discharges_in_the_last_3_months_start_on_the_right_day(end: date,
                                                                 first: date) -> None:
    # A discharge on the window's first day is listed; one the day before is not.
    assert discharge_rows(_facts("2025-01-01", first.isoformat()), end)[0] == first
    assert len(discharge_rows(_facts("2025-01-01", first.isoformat()), end)[1]) == 1
    before = date.fromordinal(first.toordinal() - 1).isoformat()
    assert discharge_rows(_facts("2025-01-01", before), end)[1] == ()


def test_admissions_in_the_last_30_days_count_the_end_day_and_29_before() -> None:
    facts = _facts("2026-05-02", "2026-05-20")
    assert admission_rows(facts, date(2026, 5, 31))[0] == date(2026, 5, 2)
    assert len(admission_rows(facts, date(2026, 5, 31))[1]) == 1
    assert admission_rows(facts, date(2026, 6, 1))[1] == ()
