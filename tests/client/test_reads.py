from datetime import date, timedelta

import pytest
from terminal_helpers import resident_fields

from protocol.ids import new_id
from protocol.records import RecordKind

FAMILY = ["Okafor", "Lindqvist", "García", "Nguyen", "O'Brien", "Smith [Jr]", "Kowalski",
          "Haddad", "Tanaka", "Mbeki"]
CENSUS = ["in_house", "in_house", "in_house", "on_leave", "in_hospital", "discharged",
          "awaiting_bed", "pre_admission", "in_house", "transferred"]


@pytest.fixture
def big_facility(session, server):
    """10,000 residents arrive from the server (ten pull pages)."""
    fac = server.facility_id
    for i in range(10_000):
        server.put(RecordKind.RESIDENT, new_id(), fac, {
            "mrn": f"MG{i:06d}", "family_name": FAMILY[i % 10], "given_name": f"Given{i:05d}",
            "birth_date": "1940-01-01", "sex": "female", "_census": CENSUS[i % 10],
            "_bed_label": f"R{i % 400:03d}", "_unit_name": "North" if i % 2 else "South"})
    report = session.sync()
    assert report.error is None
    assert report.pulled >= 10_000
    return session


def test_paging_walks_every_resident_once_in_name_order(big_facility):
    seen = []
    offset = 0
    while True:
        page = big_facility.residents.census(offset=offset, limit=700)
        assert page.total == 10_000
        seen += page.rows
        offset += 700
        if offset >= page.total:
            break
    assert len(seen) == 10_000
    assert len({r.id for r in seen}) == 10_000
    keys = [(r.display_name.casefold()) for r in seen]
    assert keys == sorted(keys)


def test_filter_by_name_mrn_room_and_status(big_facility):
    assert big_facility.residents.census("garcía").total == 1000
    assert big_facility.residents.census("GARCÍA given00002").total == 1  # words combine
    by_mrn = big_facility.residents.census("MG004321")
    assert [r.mrn for r in by_mrn.rows] == ["MG004321"]
    assert big_facility.residents.census("r007").total == 25  # bed label, 10,000 / 400
    assert big_facility.residents.census("smith [jr]").total == 1000
    assert big_facility.residents.census("100%").total == 0  # LIKE wildcards are literal
    assert big_facility.residents.census("o'brien", statuses={"in_hospital"}).total == 1000
    assert big_facility.residents.census(statuses={"in_house"}).total == 4000
    assert big_facility.residents.census(statuses={"on_leave", "in_hospital"}).total == 2000
    page = big_facility.residents.census("okafor", offset=990, limit=50)
    assert (page.total, len(page.rows), page.offset) == (1000, 10, 990)


def test_local_registration_joins_the_big_list_in_order(big_facility):
    rid = big_facility.residents.register(resident_fields(family_name="Aaberg"))
    first = big_facility.residents.census(limit=1).rows[0]
    assert (first.id, first.pending) == (rid, True)
    assert big_facility.residents.census().total == 10_001


def _staff_with_license(session, expires_on):
    sid = session.staff.add({"employee_id": f"E-{expires_on}", "family_name": "Ng",
                             "given_name": expires_on, "job_title_code": 7,
                             "pay_type_code": 2})
    session.staff.add_license(sid, {"license_type": "RN", "number": "RN123", "issuing_state": "OH",
                              "expires_on": expires_on, "verified_on": "2026-01-02"})
    return sid


def test_the_staff_lists_license_state_is_the_newest_verified_record(session):
    """docs/rules.md §7.3, as the compliance screen counts it: the old license a
    verified renewal replaced no longer makes the nurse "expired", and a renewal
    recorded but not verified extends nothing (today is 15 January 2026)."""
    sid = _staff_with_license(session, "2026-01-10")  # expired 5 days ago
    assert session.staff.roster().rows[0].license_state == "expired"
    unverified = session.staff.add_license(sid, {
        "license_type": "RN", "number": "RN123", "issuing_state": "OH",
        "expires_on": "2028-01-10"})
    row, page = session.staff.roster().rows[0], session.staff.get(sid)
    assert (row.license_state, row.license_days_left) == ("expired", -5)
    assert (page.license_state, page.license_days_left) == ("expired", -5)
    session.staff.update_license(unverified, {"verified_on": "2026-01-14"})
    row, page = session.staff.roster().rows[0], session.staff.get(sid)
    assert (row.license_state, row.next_license_expiry) == ("current", date(2028, 1, 10))
    assert page.license_state == "current"
    # each record still shows its own expiry on the staff member's page
    assert sorted(lic.state for lic in page.licenses) == ["current", "expired"]


def test_a_license_never_verified_needs_verification(session):
    sid = session.staff.add({"employee_id": "E-NV", "family_name": "Ng", "given_name": "Nv",
                             "job_title_code": 7, "pay_type_code": 2})
    session.staff.add_license(sid, {"license_type": "RN", "number": "RN9", "issuing_state": "OH",
                              "expires_on": "2027-06-30"})
    assert session.staff.roster().rows[0].license_state == "needs_verification"
    assert session.staff.get(sid).license_state == "needs_verification"


@pytest.mark.parametrize(("days", "state"), [(-1, "expired"), (0, "due_30"), (30, "due_30"),
                                              (31, "due_60"), (60, "due_60"), (61, "due_90"),
                                              (90, "due_90"), (91, "current")])
def test_license_states_follow_the_clock(session, clock, days, state):
    expires = (clock.today() + timedelta(days=days)).isoformat()
    sid = _staff_with_license(session, expires)
    row = session.staff.roster().rows[0]
    assert (row.license_state, row.job_title) == (state, "Registered Nurse")
    assert session.staff.get(sid).licenses[0].state == state


def test_license_expires_as_time_passes(session, clock):
    sid = _staff_with_license(session, "2026-03-01")
    assert session.staff.get(sid).license_state == "due_60"
    clock.advance(days=20)
    assert session.staff.get(sid).license_state == "due_30"
    clock.advance(days=30)
    assert session.staff.get(sid).license_state == "expired"
    assert session.staff.roster().rows[0].license_state == "expired"


def test_staff_without_license_and_hours(session):
    sid = session.staff.add({"employee_id": "E9", "family_name": "Diallo", "given_name": "Awa",
                             "job_title_code": 10, "pay_type_code": 3})
    hid = session.staff.add_hours(sid, {"work_date": "2026-01-14", "hours": "7.5",
                                  "job_title_code": 10, "pay_type_code": 3})
    session.staff.correct_hours(hid, {"hours": "8"})
    view = session.staff.get(sid)
    assert view.license_state == "none"
    assert view.job_title == "Certified Nurse Aide"
    assert sorted(h.hours for h in view.hours) == ["7.50", "8.00"]
    assert [h.corrects for h in view.hours if h.hours == "8.00"] == [hid]
    assert session.staff.roster("diallo").rows[0].license_state == "none"
    assert session.staff.roster("E9").total == 1
