"""Every stay a resident had at the sending facility counts there for good (docs/rules.md
§4, §5.6 N9): a resident admitted, discharged home, readmitted and then transferred
leaves both stays in the sending facility's census, at its terminal and its server
alike, so a past period's figures do not change after the transfer; the receiving
facility counts only from its own admission. A real server on loopback and real
encrypted terminals.
"""

from __future__ import annotations

from datetime import date

from protocol.reports import residents as resident_reports
from protocol.reports.facts import FacilityFacts

from .conftest import Org, destroy_charts, resident
from .test_scenarios_transfer_casework import _admitted, _server_facts

PERIODS = (("2026-03-01", "2026-03-31"), ("2026-04-01", "2026-06-30"),
           ("2026-09-01", "2026-09-30"), ("2026-10-01", "2026-10-31"))
"""March and the quarter of the first stay, September and October of the second."""


def _figures(facts: FacilityFacts, start: str, end: str) -> tuple[object, ...]:
    figures, _ = resident_reports.stats(facts, date.fromisoformat(start),
                                        date.fromisoformat(end))
    t = figures.totals
    return (t.resident_days, t.admissions, t.discharges, t.leave_days,
            t.length_of_stay_days, tuple(sorted(figures.by_payer)))


def _lists(facts: FacilityFacts, end: str) -> tuple[object, ...]:
    """The admissions (30 days; not the room, which is where the resident is now)
    and discharges (3 months) lists ending ``end``."""
    on = date.fromisoformat(end)
    return (tuple(row[:5] for row in resident_reports.admission_rows(facts, on)[1]),
            resident_reports.discharge_rows(facts, on)[1])


def test_every_stay_at_the_sending_facility_keeps_counting_there(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    rid, first = _admitted(org, manager, on="2026-03-02", payer="medicare")
    manager.stays.discharge(first, discharged_at="2026-04-11", disposition="home",
                            destination="Home with family")
    assert manager.sync().error is None
    second = manager.stays.admit(rid, admitted_at="2026-09-01", bed_id=org.a.beds[0],
                                 payer="medicaid")
    manager.stays.leave(second, leave_type="hospital", at="2026-09-20", bed_hold=True,
                        hospital_admission=False)
    manager.stays.return_from_leave(second, at="2026-09-23")
    assert manager.sync().error is None
    before = {(s, e): _figures(manager.compliance.facts(), s, e) for s, e in PERIODS}
    lists_before = {end: _lists(manager.compliance.facts(), end)
                    for end in ("2026-03-31", "2026-04-30", "2026-09-30")}
    # March 2–31 (30 days), April 1–10 (the discharge day not counted); September
    # 1–30 less the three nights away (20, 21, 22); October 1–10.
    assert before == {
        PERIODS[0]: (30, 1, 0, 0, 0, ("medicare",)),
        PERIODS[1]: (10, 0, 1, 0, 40, ("medicare",)),
        PERIODS[2]: (27, 1, 0, 3, 0, ("medicaid",)),
        PERIODS[3]: (31, 0, 0, 0, 0, ("medicaid",))}
    for start, end in PERIODS:
        assert _figures(_server_facts(org, org.a), start, end) == before[(start, end)]

    manager.stays.transfer(str(second), to_facility_id=org.b.id, at="2026-10-11")
    assert manager.sync().error is None
    receiving = org.terminal(org.b, "rm.OH")
    assert receiving.sync().error is None
    receiving.stays.admit(rid, admitted_at="2026-10-11", bed_id=org.b.beds[0],
                          payer="medicaid")
    assert receiving.sync().error is None
    assert manager.sync().error is None
    enrolled_since = org.terminal(org.a, "clerk2.MG")
    assert enrolled_since.sync().error is None

    # The sending facility's past periods are what they were; October now ends
    # with the transfer (1–10 October, a discharge).
    after = {**before, PERIODS[3]: (10, 0, 1, 0, 40, ("medicaid",))}
    for facts in (manager.compliance.facts(), _server_facts(org, org.a)):
        for start, end in PERIODS:
            assert _figures(facts, start, end) == after[(start, end)], (start, end)
    for end, lists in lists_before.items():
        assert _lists(manager.compliance.facts(), end) == lists, end
        assert _lists(_server_facts(org, org.a), end) == lists, end
    [discharge] = _lists(_server_facts(org, org.a), "2026-04-30")[1]
    assert discharge[3:6] == ("2026-04-11", "home", "Home with family")

    # The receiving facility counts from its own admission only.
    for facts in (receiving.compliance.facts(), _server_facts(org, org.b)):
        for start, end in PERIODS[:3]:
            assert _figures(facts, start, end)[:5] == (0, 0, 0, 0, 0), (start, end)
        assert _figures(facts, "2026-10-01", "2026-10-31") == (
            21, 1, 0, 0, 0, ("medicaid",))
    # A terminal enrolled at the sending facility since the transfer counts the
    # same (its first sync reads the facility's log, where the chart left).
    for start, end in PERIODS:
        assert _figures(enrolled_since.compliance.facts(), start, end) == after[(start, end)]


DESTROYED_PERIODS = (("2019-03-01", "2019-03-31"), ("2019-04-01", "2019-06-30"),
                     ("2019-07-01", "2019-09-30"), ("2019-10-01", "2019-12-31"))
"""The quarters of the sending facility's two stays, and the transfer's."""


def _counts(facts: FacilityFacts, end: str) -> tuple[object, ...]:
    """The discharges list (3 months ending ``end``) without the name, record number
    and free-text destination: what a destruction may take from the list's words,
    never from its rows."""
    return tuple((row[2], row[3], row[4], row[6])
                 for row in resident_reports.discharge_rows(facts, date.fromisoformat(end))[1])


def test_a_chart_destroyed_by_the_receiving_facility_leaves_the_senders_census(
        org: Org) -> None:
    """The receiving facility destroys the chart under its retention rules: the
    sending facility's census of the stays it had (days, leave days, admissions,
    discharges, payers) is what it was, at its server as at its terminal."""
    manager = org.terminal(org.a, "rm.MG")
    rid = manager.residents.register(resident(birth_date="1930-04-04"))
    first = manager.stays.admit(rid, admitted_at="2019-03-02", bed_id=org.a.beds[0],
                                payer="medicare")
    manager.stays.discharge(first, discharged_at="2019-04-11", disposition="home",
                            destination="Home with family")
    assert manager.sync().error is None
    second = manager.stays.admit(rid, admitted_at="2019-09-01", bed_id=org.a.beds[0],
                                 payer="medicaid")
    manager.stays.leave(second, leave_type="hospital", at="2019-09-20", bed_hold=True,
                        hospital_admission=False)
    manager.stays.return_from_leave(second, at="2019-09-23")
    assert manager.sync().error is None
    manager.stays.transfer(str(second), to_facility_id=org.b.id, at="2019-10-11")
    assert manager.sync().error is None
    receiving = org.terminal(org.b, "rm.OH")
    assert receiving.sync().error is None
    third = receiving.stays.admit(rid, admitted_at="2019-10-11", bed_id=org.b.beds[0],
                                  payer="medicaid")
    receiving.stays.discharge(third, discharged_at="2020-06-30", disposition="home")
    assert receiving.sync().error is None
    before = {(s, e): _figures(manager.compliance.facts(), s, e) for s, e in DESTROYED_PERIODS}
    assert before[DESTROYED_PERIODS[2]] == (27, 1, 0, 3, 0, ("medicaid",))
    lists = {e: _counts(manager.compliance.facts(), e) for _, e in DESTROYED_PERIODS}
    assert lists["2019-06-30"] == (("2019-03-02", "2019-04-11", "home", "40"),)
    for start, end in DESTROYED_PERIODS:
        assert _figures(_server_facts(org, org.a), start, end) == before[(start, end)]

    # Kept through 2025-06-30 (5 years after the last discharge), destroyed since.
    destroy_charts(receiving, [rid])
    assert receiving.sync().error is None
    assert org.server_records(org.b)[("stay", str(first))]["status"] == "destroyed"
    assert manager.sync().error is None

    for facts in (_server_facts(org, org.a), manager.compliance.facts()):
        for start, end in DESTROYED_PERIODS:
            assert _figures(facts, start, end) == before[(start, end)], (start, end)
        for end, rows in lists.items():
            assert _counts(facts, end) == rows, end


def test_a_same_day_chain_of_transfers_counts_each_day_once(org: Org) -> None:
    """Admitted at A, sent to B and on to C on one day: each facility counts that
    day once (a same-day stay), and C not A's, at every terminal and server. The
    server records where each transfer came from, which orders the chain."""
    from .test_records_department import _facility_in

    c = _facility_in(org, "WA")
    sending = org.terminal(org.a, "rm.MG")
    rid = sending.residents.register(resident())
    first = sending.stays.admit(rid, admitted_at="2026-11-02", bed_id=org.a.beds[0])
    sending.stays.transfer(str(first), to_facility_id=org.b.id, at="2026-11-02")
    assert sending.sync().error is None
    middle = org.terminal(org.b, "rm.OH")
    assert middle.sync().error is None
    second = middle.stays.admit(rid, admitted_at="2026-11-02", bed_id=org.b.beds[0])
    middle.stays.transfer(str(second), to_facility_id=c.id, at="2026-11-02")
    assert middle.sync().error is None
    last = org.terminal(c, "rm.WA")
    assert last.sync().error is None
    last.stays.admit(rid, admitted_at="2026-11-02", bed_id=c.beds[0])
    for session in (last, middle, sending):
        assert session.sync().error is None
    stays = {k[1]: v["data"] for k, v in org.server_records(c).items() if k[0] == "stay"}
    assert (stays[str(first)]["transferred_from"], stays[str(second)]["transferred_from"]) == (
        org.a.id, org.b.id)
    for session, facility in ((sending, org.a), (middle, org.b), (last, c)):
        for facts in (session.compliance.facts(), _server_facts(org, facility)):
            # A and B: 2 November, a same-day stay, and a discharge; C: 2 and 3 November.
            assert _figures(facts, "2026-11-01", "2026-11-03")[:3] == (
                (2, 1, 0) if facility is c else (1, 1, 1)), facility.name


def test_a_resident_transferred_out_twice_counts_both_residences(org: Org) -> None:
    """Sent from A to B, back to A, then to C: A's terminals keep both of A's
    transfers out (not the latest alone) and count both residences as A's server
    does; a terminal enrolled since counts the same."""
    from .test_records_department import _facility_in

    c = _facility_in(org, "WA")
    sending = org.terminal(org.a, "rm.MG")
    rid = sending.residents.register(resident())
    first = sending.stays.admit(rid, admitted_at="2026-03-02", bed_id=org.a.beds[0],
                                payer="medicare")
    sending.stays.transfer(str(first), to_facility_id=org.b.id, at="2026-04-11")
    assert sending.sync().error is None
    middle = org.terminal(org.b, "rm.OH")
    assert middle.sync().error is None
    between = middle.stays.admit(rid, admitted_at="2026-04-11", bed_id=org.b.beds[0])
    middle.stays.transfer(str(between), to_facility_id=org.a.id, at="2026-05-01")
    assert middle.sync().error is None
    assert sending.sync().error is None
    second = sending.stays.admit(rid, admitted_at="2026-05-01", bed_id=org.a.beds[0],
                                 payer="medicaid")
    assert sending.sync().error is None
    before = {(s, e): _figures(sending.compliance.facts(), s, e) for s, e in PERIODS[:2]}
    assert before[PERIODS[1]] == (10 + 31 + 30, 1, 1, 0, 40, ("medicaid", "medicare"))
    sending.stays.transfer(str(second), to_facility_id=c.id, at="2026-06-01")
    assert sending.sync().error is None
    enrolled_since = org.terminal(org.a, "clerk2.MG")
    assert enrolled_since.sync().error is None

    # March 2 – April 10, then May 1–31: two admissions, two transfers out.
    after = {PERIODS[0]: before[PERIODS[0]],
             PERIODS[1]: (10 + 31, 1, 2, 0, 40 + 31, ("medicaid", "medicare"))}
    for facts in (_server_facts(org, org.a), sending.compliance.facts(),
                  enrolled_since.compliance.facts()):
        for start, end in PERIODS[:2]:
            assert _figures(facts, start, end) == after[(start, end)], (start, end)
        assert [row[3:6] for row in resident_reports.discharge_rows(
            facts, date(2026, 6, 30))[1]] == [
            ("2026-04-11", "transfer", org.b.name), ("2026-06-01", "transfer", c.name)]
    # The terminal's admissions and discharges list (F3) shows both departures.
    assert [(m.kind, m.date, m.destination) for m in sending.stays.movements(days=300)
            if m.kind == "transfer"] == [("transfer", "2026-06-01", c.name),
                                         ("transfer", "2026-04-11", org.b.name)]
