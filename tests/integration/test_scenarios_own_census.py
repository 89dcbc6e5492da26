"""A facility's own census lists and figures are its own, for good (docs/rules.md §4.3,
§5.13): the bed board's admissions and discharges (F3) of a resident sent away and
back list this facility's movements only, as the server's facts give them; and a
chart the facility destroys under its retention schedule leaves its past census
days, admissions and discharges as they were, at the server and every terminal,
with nothing that says who the resident was. A real server on loopback and real
encrypted terminals.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa

from client.store.database import META
from protocol.reports import residents as resident_reports
from protocol.reports.facts import FacilityFacts
from protocol.reports.movements import recent_movements

from .conftest import Org, destroy_charts, resident, terminal_records
from .test_scenarios_transfer_casework import _server_facts
from .test_scenarios_transfer_stays import _figures

TODAY = date(2026, 11, 10)


def test_the_bed_boards_movements_of_a_resident_sent_away_and_back_are_this_facilitys(
        org: Org) -> None:
    """Admitted at A, sent to B, sent back to A: A's F3 list holds A's admission, A's
    transfer to B and A's readmission, not B's admission nor B's transfer back (the
    chart, back on file, holds B's stay too). A's server gives the same list."""
    sending = org.terminal(org.a, "rm.MG")
    rid = sending.residents.register(resident())
    first = sending.stays.admit(rid, admitted_at="2026-10-20", bed_id=org.a.beds[0])
    sending.stays.transfer(str(first), to_facility_id=org.b.id, at="2026-10-25")
    assert sending.sync().error is None
    receiving = org.terminal(org.b, "rm.OH")
    assert receiving.sync().error is None
    between = receiving.stays.admit(rid, admitted_at="2026-10-25", bed_id=org.b.beds[0])
    receiving.stays.transfer(str(between), to_facility_id=org.a.id, at="2026-11-02")
    assert receiving.sync().error is None
    assert sending.sync().error is None
    assert ("stay", str(between)) in terminal_records(sending)  # the chart is back
    second = sending.stays.admit(rid, admitted_at="2026-11-02", bed_id=org.a.beds[0])
    assert sending.sync().error is None

    expected = [("admission", "2026-11-02", str(second), ""),
                ("transfer", "2026-10-25", str(first), org.b.name),
                ("admission", "2026-10-20", str(first), "")]
    listed = sending.stays.movements(30)
    assert [(m.kind, m.date, m.destination) for m in listed] == [
        (kind, day, to) for kind, day, _, to in expected]
    assert [m.stay_id for m in listed] == [stay for _, _, stay, _ in expected]
    assert {m.resident_name for m in listed} == {"Okafor, Adaeze"}
    served = recent_movements(_server_facts(org, org.a), TODAY - timedelta(days=29), TODAY)
    assert [(m.kind, m.on.isoformat(), m.stay_id, m.destination, m.name) for m in served] == [
        (*row, "Okafor, Adaeze") for row in expected]
    # B's list is B's own: its admission and its transfer to A.
    assert [(m.kind, m.date, m.destination) for m in receiving.stays.movements(30)] == [
        ("transfer", "2026-11-02", org.a.name), ("admission", "2026-10-25", "")]


QUARTERS = (("2019-01-01", "2019-03-31"), ("2019-04-01", "2019-06-30"),
            ("2019-07-01", "2019-09-30"), ("2019-10-01", "2019-12-31"))


def _lists(facts: FacilityFacts) -> tuple[object, ...]:
    """The 2019 admissions and discharges lists and a past day's census list, without
    the name and record number (a destruction takes them; never a row)."""
    ends = [date.fromisoformat(end) for _, end in QUARTERS]
    return (
        [row[2:5] for end in ends for row in resident_reports.admission_rows(facts, end)[1]],
        [row[2:7] for end in ends for row in resident_reports.discharge_rows(facts, end)[1]],
        [row[4:7] for row in resident_reports.census_rows(facts, date(2019, 9, 21))])


def test_a_chart_the_facility_destroys_leaves_its_own_census_as_it_was(org: Org) -> None:
    """Admitted in March 2019, home in April, readmitted in September (three nights in
    hospital), died in October; destroyed in November 2026 under the facility's
    schedule (5 years from the last discharge). 2019's resident days, admissions,
    discharges, leave days and payers, and the lists' rows, are the same before and
    after at the server, the terminal that destroyed it and one enrolled since; the
    lists name the stays "record destroyed", with no record number, and no terminal
    keeps anything that says who the resident was."""
    manager = org.terminal(org.a, "rm.MG")
    rid = manager.residents.register(resident(family_name="Zabriskie",
                                              birth_date="1930-04-04"))
    first = manager.stays.admit(rid, admitted_at="2019-03-02", bed_id=org.a.beds[0],
                                payer="medicare")
    manager.stays.discharge(first, discharged_at="2019-04-11", disposition="home",
                            destination="Home with her daughter")
    assert manager.sync().error is None
    second = manager.stays.admit(rid, admitted_at="2019-09-01", bed_id=org.a.beds[0],
                                 payer="medicaid")
    manager.stays.leave(second, leave_type="hospital", at="2019-09-20", bed_hold=True,
                        hospital_admission=False)
    manager.stays.return_from_leave(second, at="2019-09-23")
    manager.stays.discharge(second, discharged_at="2019-10-11", disposition="death")
    assert manager.sync().error is None
    mrn = manager.residents.get(rid).fields["mrn"]

    before = {q: _figures(manager.compliance.facts(), *q) for q in QUARTERS}
    assert before == {
        QUARTERS[0]: (30, 1, 0, 0, 0, ("medicare",)),
        QUARTERS[1]: (10, 0, 1, 0, 40, ("medicare",)),
        QUARTERS[2]: (27, 1, 0, 3, 0, ("medicaid",)),
        QUARTERS[3]: (10, 0, 1, 0, 40, ("medicaid",))}
    lists = _lists(manager.compliance.facts())
    assert lists[1] == [("2019-03-02", "2019-04-11", "home", "Home with her daughter", "40"),
                        ("2019-09-01", "2019-10-11", "death", "", "40")]
    for q in QUARTERS:
        assert _figures(_server_facts(org, org.a), *q) == before[q], q
    assert _lists(_server_facts(org, org.a)) == lists

    destroy_charts(manager, [rid])
    assert manager.sync().error is None
    assert org.server_records(org.a)[("stay", str(first))]["status"] == "destroyed"
    enrolled_since = org.terminal(org.a, "clerk2.MG")
    assert enrolled_since.sync().error is None

    # The free-text destination went with the purge; every row, date and figure stays.
    purged = (lists[0], [(*row[:3], "", row[4]) for row in lists[1]], lists[2])
    for facts in (_server_facts(org, org.a), manager.compliance.facts(),
                  enrolled_since.compliance.facts()):
        for q in QUARTERS:
            assert _figures(facts, *q) == before[q], q
        assert _lists(facts) == purged
        shown = [*resident_reports.discharge_rows(facts, date(2019, 12, 31))[1],
                 *resident_reports.census_rows(facts, date(2019, 9, 21))]
        assert {row[:2] for row in shown} == {("record destroyed", "")}
        assert "Zabriskie" not in repr(shown) and mrn not in repr(shown)
    for session in (manager, enrolled_since):
        assert not [k for k in terminal_records(session) if k[1] in {rid, first, second}]
        with session.store.read() as conn:
            kept = json.loads(conn.execute(sa.select(META.c.value).where(
                META.c.key == "destroyed_stays")).scalar_one())
            meta = " ".join(conn.execute(sa.select(META.c.value)).scalars())
        assert set(kept) == {str(first), str(second)}
        assert "Zabriskie" not in meta and mrn not in meta and "daughter" not in meta
        assert {"destination", "bed_id"}.isdisjoint(kept[str(first)])


def test_a_chart_sent_away_back_and_destroyed_here_keeps_both_facilities_census(
        org: Org) -> None:
    """A discharged the resident home, readmitted and sent them to B; B sent them back;
    A discharged them (a death) and, years on, destroyed the chart. A's 2019 and B's
    are as they were, at both servers and A's terminals; A's terminals keep nothing
    of who the resident was (the transfer's kept identity, the free-text
    destination of the earlier stay) and list no one as transferred out."""
    manager = org.terminal(org.a, "rm.MG")
    rid = manager.residents.register(resident(family_name="Zabriskie",
                                              birth_date="1930-04-04"))
    home = manager.stays.admit(rid, admitted_at="2019-01-05", bed_id=org.a.beds[0])
    manager.stays.discharge(home, discharged_at="2019-02-01", disposition="home",
                            destination="Home with her daughter")
    assert manager.sync().error is None
    sent = manager.stays.admit(rid, admitted_at="2019-03-02", bed_id=org.a.beds[0])
    manager.stays.transfer(str(sent), to_facility_id=org.b.id, at="2019-04-11")
    assert manager.sync().error is None
    receiving = org.terminal(org.b, "rm.OH")
    assert receiving.sync().error is None
    between = receiving.stays.admit(rid, admitted_at="2019-04-11", bed_id=org.b.beds[0])
    receiving.stays.transfer(str(between), to_facility_id=org.a.id, at="2019-05-01")
    assert receiving.sync().error is None
    assert manager.sync().error is None
    last = manager.stays.admit(rid, admitted_at="2019-05-01", bed_id=org.a.beds[0])
    manager.stays.discharge(last, discharged_at="2019-06-30", disposition="death")
    assert manager.sync().error is None
    mrn = manager.residents.get(rid).fields["mrn"]
    assert [d.id for d in manager.departures.page().rows] == [rid]  # sent away once

    def figures(facts: FacilityFacts) -> list[tuple[object, ...]]:
        return [_figures(facts, *q) for q in QUARTERS[:2]]

    a_before = figures(manager.compliance.facts())
    # Jan 5 – Feb 1 and Mar 2–31; Apr 1–10 and May 1 – Jun 29.
    assert a_before == [(27 + 30, 2, 1, 0, 27, ("unknown",)),
                        (10 + 60, 1, 2, 0, 40 + 60, ("unknown",))]
    b_before = figures(_server_facts(org, org.b))
    assert b_before[1][:3] == (20, 1, 1)
    assert figures(_server_facts(org, org.a)) == a_before

    destroy_charts(manager, [rid])
    assert manager.sync().error is None
    enrolled_since = org.terminal(org.a, "clerk2.MG")
    assert enrolled_since.sync().error is None

    assert figures(_server_facts(org, org.b)) == b_before
    for facts in (_server_facts(org, org.a), manager.compliance.facts(),
                  enrolled_since.compliance.facts()):
        assert figures(facts) == a_before
        shown = [*resident_reports.discharge_rows(facts, date(2019, 6, 30))[1],
                 *resident_reports.admission_rows(facts, date(2019, 5, 30))[1]]
        assert {row[:2] for row in shown} == {("record destroyed", "")}, shown
        assert "daughter" not in repr(shown)
    for session in (manager, enrolled_since):
        with session.store.read() as conn:
            meta = " ".join(conn.execute(sa.select(META.c.value)).scalars())
        assert "Zabriskie" not in meta and mrn not in meta and "daughter" not in meta
        assert session.departures.page().rows == []
