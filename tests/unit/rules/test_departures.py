"""A transfer to another facility is a departure of the facility that sent the
resident (docs/rules.md §4.3): the discharges list shows it as a transfer with its
destination, whether the stay is still on file (not yet synced) or only the facts
the facility kept of it; the receiving facility does not count the stay it got."""

from __future__ import annotations

from datetime import date

from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.residents import discharge_rows
from protocol.rules.residents.departures import KIND, DepartureKind, departure_kind

RESIDENT = Row("resident", "R1", {"family_name": "Kowalski", "given_name": "Irene",
                                  "mrn": "MG1", "birth_date": "1940-01-01", "sex": "female"})


def test_how_a_stay_ended() -> None:
    assert departure_kind({"admitted_at": "2026-01-02"}) is None
    assert departure_kind({"discharged_at": "2026-03-01", "disposition": "home"}) is (
        DepartureKind.DISCHARGE)
    assert departure_kind({"discharged_at": "2026-03-01", "disposition": "death"}) is (
        DepartureKind.DEATH)
    assert departure_kind({"discharged_at": "2026-03-01", "status": "transferred",
                           "disposition": "other_facility"}) is DepartureKind.TRANSFER
    # A bed move changes the bed, never the discharge date: no departure.
    assert departure_kind({"admitted_at": "2026-01-02", "bed_id": "B2"}) is None


def _facts(facility_id: str, rows: list[Row]) -> FacilityFacts:
    return FacilityFacts.from_rows(Row("facility", facility_id, {"name": "Maple"}), rows)


STAY = {"resident_id": "R1", "admitted_at": "2026-01-02", "discharged_at": "2026-03-01",
        "status": "transferred", "transferred_to": "OAK", "disposition": "other_facility",
        "payer": "medicaid", "leaves": []}
KEPT = Row(KIND, "S1", {"resident_id": "R1", "name": "Kowalski, Irene", "mrn": "MG1",
                        "admitted_at": "2026-01-02", "left_on": "2026-03-01",
                        "destination": "Oak Hill"})


def test_the_sending_facility_lists_the_transfer_with_its_destination() -> None:
    expected = (("Kowalski, Irene", "MG1", "2026-01-02", "2026-03-01", "transfer",
                 "Oak Hill", "58"),)
    # Only the kept facts (the record moved): listed from them.
    assert discharge_rows(_facts("MAPLE", [KEPT]), date(2026, 3, 31))[1] == expected
    # The stay still on file too (not yet synced): listed once.
    both = _facts("MAPLE", [RESIDENT, Row("stay", "S1", STAY), KEPT])
    assert discharge_rows(both, date(2026, 3, 31))[1] == expected
    # Outside the 3 months: not listed.
    assert discharge_rows(_facts("MAPLE", [KEPT]), date(2026, 7, 1))[1] == ()


def test_the_receiving_facility_does_not_count_the_stay_it_received() -> None:
    facts = _facts("OAK", [RESIDENT, Row("stay", "S1", STAY)])
    assert facts.stays == {}
    assert discharge_rows(facts, date(2026, 3, 31))[1] == ()
