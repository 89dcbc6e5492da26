"""The shared transfer rules (docs/rules.md §4, §5.2, §5.6 N9): what a transfer
leaves with the sending facility, which MDS records speak for its stay, and the
stay counted in its census up to the transfer, whether the stay is still on file
(a terminal before its sync) or only what the facility kept of it."""

from __future__ import annotations

from datetime import date

import pytest

from protocol.records import CASE_KINDS, RecordKind
from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.residents import census_rows, mds_items, stats
from protocol.rules.residents.departures import KIND, TransferOut, residence, speaks_for_stay
from protocol.rules.residents.transfers import (
    moves_with_resident,
    open_casework,
    open_elsewhere,
    replace_facility,
)

STAY = {"resident_id": "R1", "admitted_at": "2026-10-01", "discharged_at": "2026-11-05",
        "status": "transferred", "transferred_to": "B", "payer": "medicaid",
        "leaves": [{"left_at": "2026-10-20T09:00", "returned_at": "2026-10-22T10:00",
                    "leave_type": "hospital", "bed_hold": True}]}
MOVED = {"resident_id": "R1", "name": "Kowalski, Irene", "mrn": "MG1",
         "admitted_at": "2026-10-01", "left_on": "2026-11-05", "destination": "Oak Hill",
         "stay": STAY, "assessments": {
             "E1": {"assessment_type": "entry", "event_on": "2026-10-01",
                    "completed_on": "2026-10-03"},
             "E2": {"assessment_type": "entry", "event_on": "2026-11-05"},  # the receiver's
             "D1": {"assessment_type": "discharge", "ard": "2026-11-05"}}}


def test_only_the_records_departments_casework_stays() -> None:
    assert {k for k in map(str, RecordKind) if not moves_with_resident(k)} == {
        str(k) for k in CASE_KINDS}
    for kind in ("resident", "stay", "note", "diagnosis", "assessment"):
        assert moves_with_resident(kind)


def test_what_is_open_in_words() -> None:
    assert open_casework("record_request", {"status": "open", "ask": "inspect",
                                            "received_at": "2026-11-09T10:00"}) == (
        "request for records (inspect) received 2026-11-09")
    assert open_casework("record_request", {"status": "released"}) is None
    assert open_casework("amend_request", {"outcome": "denied"}) is None
    assert open_casework("completeness", {"discharged_on": "2026-11-05", "deficiencies": [
        {"title": "Discharge summary"}, {"title": "MAR", "resolved_on": "2026-11-06"}]}) == (
        "completeness review of the discharge on 2026-11-05: 1 deficiency open")
    assert open_casework("legal_hold", {"placed_on": "2026-01-02", "released_on": None}) \
        == "legal hold placed 2026-01-02"
    assert open_casework("disclosure", {"disclosed_on": "2026-11-01"}) is None
    entries = open_elsewhere("A", "Maple Grove", [
        ("record_request", "C2", {"status": "open", "received_at": "2026-11-09"}),
        ("record_request", "C1", {"status": "released"})])
    assert [e["id"] for e in entries] == ["C2"]
    # One facility's entries are replaced, another's kept.
    kept = replace_facility([*entries, {"facility_id": "Z", "id": "C9"}], "A", [])
    assert kept == [{"facility_id": "Z", "id": "C9"}]


def test_which_mds_records_speak_for_the_senders_stay() -> None:
    first, left = date(2026, 10, 1), date(2026, 11, 5)
    assert speaks_for_stay({"assessment_type": "quarterly", "ard": "2026-10-30"}, first, left)
    assert speaks_for_stay({"assessment_type": "discharge", "ard": "2026-11-05"}, first, left)
    assert not speaks_for_stay({"assessment_type": "entry", "event_on": "2026-11-05"},
                               first, left)
    assert not speaks_for_stay({"assessment_type": "admission", "ard": "2026-11-05"},
                               first, left)
    assert not speaks_for_stay({"assessment_type": "quarterly", "ard": "2026-09-30"},
                               first, left)
    assert not speaks_for_stay({"assessment_type": "quarterly"}, first, left)
    moved = TransferOut.from_row("S1", MOVED)
    assert moved is not None
    assert [rec_id for rec_id, _ in moved.assessments] == ["D1", "E1"]


def _facts(rows: list[Row]) -> FacilityFacts:
    return FacilityFacts.from_rows(Row("facility", "A", {"name": "Maple Grove"}), rows)


def test_the_stay_counts_up_to_the_transfer_once() -> None:
    kept = _facts([Row(KIND, "S1", MOVED)])
    # Still on file at the terminal before its sync: the same stay, counted once.
    on_file = _facts([Row("resident", "R1", {"family_name": "Kowalski", "mrn": "MG1"}),
                      Row("stay", "S1", STAY), Row(KIND, "S1", MOVED)])
    for facts in (kept, on_file):
        october, _ = stats(facts, date(2026, 10, 1), date(2026, 10, 31))
        assert (october.totals.resident_days, october.totals.leave_days,
                october.totals.bed_hold_days) == (29, 2, 2)
        assert list(october.by_payer) == ["medicaid"]
        november, _ = stats(facts, date(2026, 11, 1), date(2026, 11, 30))
        assert (november.totals.resident_days, november.totals.discharges,
                november.totals.length_of_stay_days) == (4, 1, 35)
    [due] = [i for i in mds_items(kept, date(2026, 11, 10))
             if i.rule == "discharge_completion"]
    assert (due.subject, due.due, due.ref) == ("R1", date(2026, 11, 19), "D1")
    assert kept.resident_name("R1") == "Kowalski, Irene" and kept.resident_mrn("R1") == "MG1"


def _stay(admitted: str, left: str | None = None, to: str | None = None) -> dict[str, object]:
    return {"resident_id": "R1", "admitted_at": admitted, "discharged_at": left,
            "status": "transferred" if to else ("discharged" if left else "admitted"),
            "transferred_to": to, "disposition": "home" if left and not to else None}


def test_a_residence_is_the_stays_since_the_chart_came() -> None:
    # Admitted at A, home, back to A, to B (the same day B admits), home, back to
    # B, to A again, then to C.
    chart = {"a1": _stay("2025-03-02", "2025-04-11"), "a2": _stay("2026-09-01", "2026-10-11", "B"),
             "b1": _stay("2026-10-11", "2026-10-20"), "b2": _stay("2026-10-25", "2026-11-01", "A"),
             "a3": _stay("2026-11-01", "2026-11-05", "C"), "c1": _stay("2026-11-05")}
    assert residence(chart, ended_by="a2") == ("a1", "a2")
    assert residence(chart, ended_by="b2") == ("b1", "b2")
    assert residence(chart, ended_by="a3") == ("a3",)
    assert residence(chart, ended_by="gone") == ()
    assert residence(chart, held_by="C") == ("c1",)
    # A terminal before its sync still holds its own transfer out: its residence.
    before = {k: chart[k] for k in ("a1", "a2")}
    assert residence(before, held_by="A") == ("a1", "a2")
    assert residence({k: chart[k] for k in ("a1",)}, held_by="A") == ("a1",)


def test_a_same_day_chain_of_transfers_is_ordered_along_the_chain() -> None:
    # Admitted at A, sent to B, and on to C, all on 1 November: the ids sort the
    # other way round (B's stay first), so only the chain says which came first.
    day = "2026-11-01"
    chart = {"s3-a": {**_stay(day, day, "B"), "transferred_from": "A"},
             "s1-b": {**_stay(day, day, "C"), "transferred_from": "B"},
             "s2-c": _stay(day)}
    assert residence(chart, held_by="C") == ("s2-c",)
    assert residence(chart, ended_by="s1-b") == ("s1-b",)
    assert residence(chart, ended_by="s3-a") == ("s3-a",)
    # A to B to A to C in one day: each of A's transfers ends its own residence.
    back = {"s4-a": {**_stay(day, day, "B"), "transferred_from": "A"},
            "s2-b": {**_stay(day, day, "A"), "transferred_from": "B"},
            "s1-a": {**_stay(day, day, "C"), "transferred_from": "A"}, "s3-c": _stay(day)}
    assert residence(back, held_by="C") == ("s3-c",)
    assert residence(back, ended_by="s1-a") == ("s1-a",)
    assert residence(back, ended_by="s4-a") == ("s4-a",)


def test_every_stay_of_the_residence_counts_for_the_sender_once() -> None:
    earlier = {"resident_id": "R1", "admitted_at": "2026-03-02", "discharged_at": "2026-04-11",
               "status": "discharged", "disposition": "home", "payer": "medicare"}
    moved = {**MOVED, "stays": {"S0": earlier, "S1": STAY,
                                "S2": {"resident_id": "R1", "admitted_at": "2026-11-05",
                                       "status": "admitted"}}}
    kept = _facts([Row(KIND, "S1", moved)])
    march, _ = stats(kept, date(2026, 3, 1), date(2026, 3, 31))
    april, _ = stats(kept, date(2026, 4, 1), date(2026, 4, 30))
    assert (march.totals.resident_days, march.totals.admissions) == (30, 1)
    assert (april.totals.resident_days, april.totals.discharges,
            april.totals.length_of_stay_days) == (10, 1, 40)
    # The receiving facility, holding the chart: only its own stay.
    here = FacilityFacts.from_rows(Row("facility", "B", {}), [
        Row("resident", "R1", {"family_name": "Kowalski"}), Row("stay", "S0", earlier),
        Row("stay", "S1", STAY), Row("stay", "S2", moved["stays"]["S2"])])
    assert set(here.stays) == {"S2"}


def test_which_cases_start_about_a_resident_transferred_out() -> None:
    from protocol.commands import CaseFacts
    from protocol.errors import Refused
    from protocol.rules.records.commands.spec import need_resident
    from protocol.rules.residents.transfers import departed_identity, new_case_after_transfer

    kept = departed_identity({"family_name": "Kowalski", "given_name": "Irene", "mrn": "MG1",
                              "birth_date": "1940-02-03", "diagnoses": ["I10"]})
    assert kept == {"name": "Kowalski, Irene", "mrn": "MG1", "birth_date": "1940-02-03"}
    assert departed_identity({"name": "Kowalski, Irene", "mrn": "MG1"})["name"] \
        == "Kowalski, Irene"
    for command in ("open_request", "log_disclosure"):
        new_case_after_transfer(command, kept)
    facts = CaseFacts(today=date(2026, 11, 10), departed={"R1": kept})
    assert need_resident(facts, "R1", "open_request").data["mrn"] == "MG1"
    for command in ("request_amendment", "open_review", "place_hold", "propose_destruction"):
        with pytest.raises(Refused) as refused:
            need_resident(facts, "R1", command)
        assert refused.value.reason == "out_of_scope"
        assert refused.value.detail.startswith("Kowalski, Irene was transferred out")
    with pytest.raises(Refused) as unknown:
        need_resident(facts, "R2", "open_request")
    assert unknown.value.reason == "not_found"


def _back_at_a() -> FacilityFacts:
    """A transferred the resident to B on 5 Nov (STAY); B sent them back on 8 Nov and
    A readmitted them: the chart, with all three stays, is A's again."""
    b1 = {"resident_id": "R1", "admitted_at": "2026-11-05", "discharged_at": "2026-11-08",
          "status": "transferred", "transferred_to": "A"}
    a2 = {"resident_id": "R1", "admitted_at": "2026-11-08", "status": "admitted"}
    resident = Row("resident", "R1", {"family_name": "Kowalski", "given_name": "Irene",
                                      "mrn": "MG1"})
    moved = {**MOVED, "stays": {"S1": STAY, "B1": b1, "A2": a2}}
    return FacilityFacts.from_rows(Row("facility", "A", {}), [
        resident, Row("stay", "S1", STAY), Row("stay", "B1", b1), Row("stay", "A2", a2),
        Row(KIND, "S1", moved)])


def test_back_after_a_transfer_the_stay_sent_away_still_owes_its_discharge_assessment() -> None:
    items = {(i.rule, i.ref) for i in mds_items(_back_at_a(), date(2026, 11, 10))}
    assert ("discharge_completion", "D1") in items  # the stay A transferred out
    assert ("entry_completion", "E1") in items
    assert any(rule == "entry_completion" and ref is None for rule, ref in items)  # the new stay


def test_back_after_a_transfer_a_past_census_lists_the_stay_sent_away() -> None:
    facts = _back_at_a()
    on = date(2026, 10, 15)  # during the stay A transferred out
    assert [(r[0], r[1], r[5]) for r in census_rows(facts, on)] == [
        ("Kowalski, Irene", "MG1", "in house")]
    october, _ = stats(facts, date(2026, 10, 1), date(2026, 10, 31))
    assert october.totals.resident_days == 29  # the list and the figures agree
    assert [r[5] for r in census_rows(facts, date(2026, 10, 21))] == ["OUT: hospital (bed held)"]
