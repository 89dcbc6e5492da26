"""Which stays a facility's census lists and figures count as its own (docs/rules.md
§4.3, §5.13): the bed board's movements (F3) of a resident sent away and back, and
the stays of a chart the facility destroyed (what the purge kept of them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.residents import admission_rows, census_rows, discharge_rows, stats
from protocol.rules.records.destruction import purged
from protocol.rules.residents.departures import KIND

MARK = {"destruction_id": "D1", "destroyed_on": "2026-11-10"}


def _stay(admitted: str, left: str | None = None, **more: Any) -> dict[str, Any]:
    return {"resident_id": "R1", "admitted_at": admitted, "discharged_at": left,
            "status": "discharged" if left else "admitted", **more}


def test_the_movements_of_a_resident_sent_away_and_back_are_this_facilitys() -> None:
    from protocol.reports.movements import recent_movements

    # A admitted R1 on 20 Oct and sent them to B on 25 Oct; B sent them back on
    # 2 Nov, and A readmitted them: the chart, with B's stay, is A's again.
    a1 = _stay("2026-10-20", "2026-10-25", status="transferred", transferred_to="B",
               transferred_from="A", destination="")
    b1 = _stay("2026-10-25", "2026-11-02", status="transferred", transferred_to="A",
               transferred_from="B")
    a2 = _stay("2026-11-02")
    chart = {"A1": a1, "B1": b1, "A2": a2}
    facts = FacilityFacts.from_rows(Row("facility", "A", {}), [
        Row("resident", "R1", {"family_name": "Kowalski", "given_name": "Irene"}),
        *(Row("stay", i, s) for i, s in chart.items()),
        Row(KIND, "A1", {"resident_id": "R1", "name": "Kowalski, Irene", "mrn": "MG1",
                         "admitted_at": "2026-10-20", "left_on": "2026-10-25",
                         "destination": "Oak Hill", "stay": a1, "stays": {"A1": a1}})])
    moves = recent_movements(facts, date(2026, 10, 12), date(2026, 11, 10))
    assert [(m.kind, m.on.isoformat(), m.stay_id, m.destination) for m in moves] == [
        ("admission", "2026-11-02", "A2", ""), ("transfer", "2026-10-25", "A1", "Oak Hill"),
        ("admission", "2026-10-20", "A1", "")]
    assert {m.name for m in moves} == {"Kowalski, Irene"}
    # Before the transfer's record arrived, a stay on file names its destination
    # from the facilities the terminal knows.
    sent = FacilityFacts.from_rows(Row("facility", "A", {}), [
        Row("resident", "R1", {"family_name": "Kowalski"}), Row("stay", "A1", a1)])
    [transfer] = [m for m in recent_movements(sent, date(2026, 10, 12), date(2026, 11, 10),
                                              {"B": "Oak Hill"}) if m.kind == "transfer"]
    assert transfer.destination == "Oak Hill"


def _destroyed(stay_id: str, stay: dict[str, Any]) -> Row:
    return Row("stay", stay_id, purged("stay", stay, resident_id="R1", destruction_id="D1",
                                       destroyed_on="2026-11-10"), "destroyed")


def test_a_chart_destroyed_here_counts_in_this_facilitys_census_as_before() -> None:
    # Came from C (C's stay moved with the chart), then A's stays: one home, one a
    # death, with three nights in hospital.
    c1 = _stay("2019-01-05", "2019-03-02", status="transferred", transferred_to="A",
               transferred_from="C")
    a1 = _stay("2019-03-02", "2019-04-11", disposition="home", payer="medicare",
               destination="Home with her daughter", bed_id="BED1")
    a2 = _stay("2019-09-01", "2019-10-11", disposition="death", payer="medicaid",
               leaves=[{"left_at": "2019-09-20T09:00", "returned_at": "2019-09-23T10:00",
                        "leave_type": "hospital", "bed_hold": True}])
    chart = {"C1": c1, "A1": a1, "A2": a2}
    resident = {"family_name": "Zabriskie", "given_name": "Ida", "mrn": "MG7"}
    on_file = FacilityFacts.from_rows(Row("facility", "A", {}), [
        Row("resident", "R1", resident), *(Row("stay", i, s) for i, s in chart.items())])
    destroyed = FacilityFacts.from_rows(Row("facility", "A", {}), [
        Row("resident", "R1", {"resident_id": "R1", "_destroyed": MARK}, "destroyed"),
        *(_destroyed(i, s) for i, s in chart.items())])

    def figures(facts: FacilityFacts, start: str, end: str) -> tuple[object, ...]:
        s, _ = stats(facts, date.fromisoformat(start), date.fromisoformat(end))
        return (s.totals.resident_days, s.totals.admissions, s.totals.discharges,
                s.totals.deaths, s.totals.leave_days, tuple(sorted(s.by_payer)))

    year = [("2019-01-01", "2019-03-31"), ("2019-04-01", "2019-06-30"),
            ("2019-07-01", "2019-09-30"), ("2019-10-01", "2019-12-31")]
    expected = [(30, 1, 0, 0, 0, ("medicare",)), (10, 0, 1, 0, 0, ("medicare",)),
                (27, 1, 0, 0, 3, ("medicaid",)), (10, 0, 1, 1, 0, ("medicaid",))]
    for facts in (on_file, destroyed):
        assert [figures(facts, *q) for q in year] == expected  # C's days are C's
    # The lists keep every row, named by nothing.
    [(name, mrn, *rest)] = discharge_rows(destroyed, date(2019, 6, 30))[1]
    assert (name, mrn, rest) == ("record destroyed", "", [
        "2019-03-02", "2019-04-11", "home", "", "40"])
    assert [r[:5] for r in admission_rows(destroyed, date(2019, 9, 30))[1]] == [
        ("record destroyed", "", "2019-09-01", "new", "medicaid")]
    assert [(r[0], r[1], r[3], r[5]) for r in census_rows(destroyed, date(2019, 9, 21))] == [
        ("record destroyed", "", "", "OUT: hospital (bed held)")]
    assert discharge_rows(destroyed, date(2019, 3, 31))[1] == ()  # C's transfer is C's
    # A resident merely entered in error is not a destruction: still left out.
    voided = FacilityFacts.from_rows(Row("facility", "A", {}), [
        Row("resident", "R1", resident, "entered_in_error"),
        *(Row("stay", i, s) for i, s in chart.items())])
    assert figures(voided, *year[0])[:3] == (0, 0, 0)


def test_a_chart_sent_away_back_and_destroyed_here_counts_each_stay_once() -> None:
    # A sent R1 to B on 11 Apr; B sent them back on 1 May; A discharged them on 30
    # Jun and destroyed the chart. A terminal enrolled since has only the purged
    # stays; the server and the terminals that kept A's transfer have it too.
    a1 = _stay("2019-03-02", "2019-04-11", status="transferred", transferred_to="B",
               transferred_from="A", payer="medicare")
    b1 = _stay("2019-04-11", "2019-05-01", status="transferred", transferred_to="A",
               transferred_from="B", payer="medicare")
    a2 = _stay("2019-05-01", "2019-06-30", disposition="home", payer="medicare")
    purged_chart = [_destroyed(i, s) for i, s in (("A1", a1), ("B1", b1), ("A2", a2))]
    transfer = Row(KIND, "A1", {"resident_id": "R1", "name": "", "mrn": "",
                                "admitted_at": "2019-03-02", "left_on": "2019-04-11",
                                "destination": "Oak Hill", "stay": a1, "stays": {"A1": a1}})
    for rows in (purged_chart, [*purged_chart, transfer]):
        facts = FacilityFacts.from_rows(Row("facility", "A", {}), rows)
        s, _ = stats(facts, date(2019, 1, 1), date(2019, 6, 30))
        # 2 Mar – 10 Apr and 1 May – 29 Jun; B's stay is B's.
        assert (s.totals.resident_days, s.totals.admissions, s.totals.discharges) == (
            40 + 60, 2, 2)
        assert {r[0] for r in discharge_rows(facts, date(2019, 6, 30))[1]} == {
            "record destroyed"}
        assert facts.moved_out == ()  # nothing is owed of a chart destroyed here
