"""The demo organisation: two facilities with units, beds and people seeded at the
server, then residents, staff and a quarter of work recorded through a real enrolled
terminal, the way a clerk records them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from demo_department import seed as seed_department
from demo_portal import Login
from demo_portal import seed as seed_portal
from demo_records import populate_records

from client import terminal
from client.clock import SystemClock
from client.session import Session
from protocol.rules.calendar import Quarter
from server import admin
from server.admin.compliance import set_facility
from server.settings import Settings
from server.storage.db import make_engine

PASSWORD = "sunrise over the north wing"
CLERK_PASSWORD = "quiet night shift at the desk"
TODAY = SystemClock().today()

RESIDENTS = [
    ("Okafor", "Adaeze", "1941-03-02", "female", "medicare"),
    ("Smith [Jr]", "Walter", "1936-07-19", "male", "medicaid"),
    ("Nguyen", "Thi Lan", "1944-11-30", "female", "medicaid"),
    ("Kowalski", "Irena", "1939-01-08", "female", "private"),
    ("Brennan", "Patrick", "1948-05-22", "male", "medicare"),
    ("Alvarez", "Rosa", "1950-09-14", "female", "medicaid"),
    ("Haddad", "Samir", "1942-02-27", "male", "other"),
    ("Johnson", "Earl", "1937-12-03", "male", "medicaid"),
    ("Lindqvist", "Greta", "1945-06-16", "female", "private"),
]
STAFF = [
    ("E-1001", "Reyes", "Maria", 7, 2, ("RN", "OH", 400)),
    ("E-1002", "Thompson", "Keisha", 9, 2, ("LPN", "OH", 25)),
    ("E-1003", "Park", "Daniel", 10, 2, ("CNA", "OH", -3)),
    ("E-1004", "Osei", "Kwame", 10, 3, ("CNA", "OH", 75)),
    ("E-1005", "Fischer", "Anna", 5, 1, ("RN", "OH", 55)),
    ("E-1006", "Bauer", "Lena", 6, 1, ("RHIA", "OH", 300)),
]


@dataclass
class Demo:
    settings: Settings
    engine: Any
    maple: str
    oak: str
    maple_beds: list[str]
    oak_beds: list[str]
    portal: Login



def seed_server(data_dir: Path) -> Demo:
    """The demo organisation: two facilities, units, beds and people."""
    settings = Settings(data_dir=data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    admin.init(engine, settings)
    maple = admin.create_facility(engine, settings, name="Maple Grove Care Center", state="OH",
                                  mrn_prefix="MG")
    oak = admin.create_facility(engine, settings, name="Oak Hill Nursing", state="OH",
                                mrn_prefix="OH")
    maple_beds = []
    for unit_name, rooms in (("North", range(101, 105)), ("South", range(201, 203))):
        unit = admin.create_unit(engine, settings, facility_id=maple, name=unit_name)
        maple_beds.extend(admin.create_bed(engine, settings, unit_id=unit, label=f"{room}-{side}")
                          for room in rooms for side in "AB")
    unit = admin.create_unit(engine, settings, facility_id=oak, name="Main")
    oak_beds = [admin.create_bed(engine, settings, unit_id=unit, label=f"{room}-A")
                for room in range(1, 5)]
    for facility, users in ((maple, (("dana", "records_manager", "Dana Whitfield"),
                                     ("sam", "clerk", "Sam Ortiz"))),
                            (oak, (("lee", "records_manager", "Lee Nakamura"),))):
        for username, role, display in users:
            admin.create_user(engine, settings, facility_id=facility, username=username,
                              role=role, display_name=display)
    admin.create_user(engine, settings, facility_id=None, username="regional.morgan",
                      role="regional_manager", display_name="Morgan Ellis")
    set_facility(engine, settings, facility_id=maple, pbj_facility_id="OH-MG-0001",
                 licensed_beds=((TODAY - timedelta(days=400)).isoformat(), 12))
    portal = seed_portal(engine, settings, [maple, oak])
    return Demo(settings, engine, maple, oak, maple_beds, oak_beds, portal)


def enroll(demo: Demo, url: str, home: Path, facility: str, username: str, password: str,
           name: str) -> Session:
    code = admin.issue_code(demo.engine, demo.settings, facility_id=facility)
    session = terminal.enroll(home, url, code, name, username, password)
    session.sync()
    return session


def populate(demo: Demo, front: Session) -> dict[str, str]:
    """Residents in beds, staff with licenses and hours, through a real terminal."""
    ids: dict[str, str] = {}
    for i, (family, given, born, sex, payer) in enumerate(RESIDENTS):
        rid = front.residents.register({"family_name": family, "given_name": given,
                                       "birth_date": born, "sex": sex, "payer": payer,
                                       "phone": f"555-01{i:02d}"})
        ids[family] = rid
        if i < len(demo.maple_beds) - 2:  # leave the last bed(s) free to contest
            admitted = (TODAY - timedelta(days=3 + 9 * i)).isoformat()
            front.stays.admit(rid, admitted_at=admitted, bed_id=demo.maple_beds[i], payer=payer)
        front.notes.add(rid, {"category": "admission", "clinical_time":
                             f"{(TODAY - timedelta(days=2)).isoformat()}T09:30",
                             "body": f"Admission note for {given} {family}: oriented, "
                                     "ambulates with a frame."})
    for employee_id, family, given, title, pay, (kind, state, days) in STAFF:
        sid = front.staff.add({"employee_id": employee_id, "family_name": family,
                               "given_name": given, "job_title_code": title,
                               "pay_type_code": pay,
                               "hire_date": (TODAY - timedelta(days=400)).isoformat()})
        front.staff.add_license(sid, {"license_type": kind, "number": f"{kind}-{employee_id[2:]}",
                                "issuing_state": state,
                                "verified_on": (TODAY - timedelta(days=30)).isoformat(),
                                "expires_on": (TODAY + timedelta(days=days)).isoformat()})
        for back in range(1, 4):
            front.staff.add_hours(sid, {"work_date": (TODAY - timedelta(days=back)).isoformat(),
                                  "hours": "7.5", "job_title_code": title,
                                  "pay_type_code": pay, "shift": "day"})
    populate_quarter(front, ids)
    populate_records(front, ids, demo.maple_beds[-3], TODAY)
    report = front.sync()
    if report.error:
        raise SystemExit(f"Seeding the demo facility failed: {report.error}")
    seed_department(demo.engine, demo.settings, [demo.maple, demo.oak], demo.portal.username,
                    front, TODAY)
    return ids


def shift(front: Session, staff_id: str, day: Any, start: str, hours: float, code: int,
          pay: int) -> None:
    """One shift with its clock times and a 30-minute meal; none that has not ended
    yet (last night's, before 07:00): the terminal refuses a clock-out later than now,
    as it would a clerk's."""
    from datetime import datetime

    clock_in = datetime.fromisoformat(f"{day.isoformat()}T{start}")
    clock_out = clock_in + timedelta(hours=hours, minutes=30)
    if clock_out > SystemClock().now().replace(tzinfo=None):
        return
    front.staff.add_hours(staff_id, {
        "work_date": day.isoformat(), "hours": f"{hours:.2f}", "job_title_code": code,
        "pay_type_code": pay, "clock_in": clock_in.isoformat(timespec="minutes"),
        "clock_out": clock_out.isoformat(timespec="minutes"), "meal_minutes": 30})


def populate_quarter(front: Session, residents: dict[str, str]) -> None:
    """Clocked shifts from the start of the last full quarter to yesterday, MDS
    assessments and aide records, with a few deliberate problems: a Sunday with no
    RN, an aide who worked without a registry check, an expired CNA license (above),
    a late and a missing MDS assessment."""
    staff = {row.employee_id: row.id for row in front.staff.roster(limit=100).rows}
    extra = (("E-1007", "Ito", "Hana", 7, 2), ("E-1008", "Novak", "Petra", 10, 2),
             ("E-1009", "Diallo", "Amadou", 10, 2))
    for employee_id, family, given, title, pay in extra:
        staff[employee_id] = front.staff.add({
            "employee_id": employee_id, "family_name": family, "given_name": given,
            "job_title_code": title, "pay_type_code": pay, "registry_states": "OH",
            "hire_date": (TODAY - timedelta(days=700)).isoformat()})
    front.staff.update(staff["E-1005"], {"director_of_nursing": True})
    front.staff.add_license(staff["E-1007"], {"license_type": "RN", "number": "RN-1007",
                                              "issuing_state": "OH", "verified_on":
                                              (TODAY - timedelta(days=200)).isoformat(),
                                              "expires_on": (TODAY + timedelta(days=500)
                                                             ).isoformat()})
    for employee_id in ("E-1003", "E-1008", "E-1009"):
        front.staff.add_registry_check(staff[employee_id], {
            "state": "OH", "checked_on": (TODAY - timedelta(days=720)).isoformat(),
            "in_good_standing": True})
    front.staff.add_training({"held_on": (TODAY - timedelta(days=60)).isoformat(),
                              "minutes": 480, "title": "Dementia care and abuse prevention",
                              "topics": "dementia_management abuse_prevention",
                              "attendees": [staff["E-1003"], staff["E-1008"]]})
    front.staff.add_review(staff["E-1008"], {"reviewed_on": (TODAY - timedelta(days=90)
                                                             ).isoformat(),
                                             "weaknesses": "infection_control"})
    first = Quarter.of(Quarter.of(TODAY).start - timedelta(days=1)).start
    day = first
    missing_rn = TODAY - timedelta(days=(TODAY.weekday() + 1) % 7 + 7)  # a recent Sunday
    while day < TODAY:
        if day != missing_rn:
            shift(front, staff["E-1001"] if day.toordinal() % 2 else staff["E-1007"], day,
                  "07:00", 8, 7, 2)
        shift(front, staff["E-1002"], day, "15:00", 8, 9, 2)
        shift(front, staff["E-1008"], day, "07:00", 8, 10, 2)
        shift(front, staff["E-1009"] if day.toordinal() % 3 else staff["E-1003"], day,
              "23:00", 7.5, 10, 2)
        shift(front, staff["E-1004"], day, "15:00", 8, 10, 3)  # agency aide, never checked
        if day.weekday() < 5:
            shift(front, staff["E-1005"], day, "08:00", 8, 5, 1)
        day += timedelta(days=1)
    for i, family in enumerate(r[0] for r in RESIDENTS):
        admitted = TODAY - timedelta(days=3 + 9 * i)
        if i == 3:
            continue  # admitted 30 days ago: no admission assessment at all (overdue)
        ard = admitted + timedelta(days=5 if i != 2 else 16)  # Nguyen's ARD was late
        fields = {"assessment_type": "admission", "ard": ard.isoformat()}
        if ard < TODAY - timedelta(days=2):
            fields |= {"completed_on": (ard + timedelta(days=2)).isoformat(),
                       "caa_on": (ard + timedelta(days=2)).isoformat()}
        if ard < TODAY - timedelta(days=9):
            fields |= {"care_plan_on": (ard + timedelta(days=6)).isoformat(),
                       "transmitted_on": (ard + timedelta(days=8)).isoformat()}
        if ard <= TODAY:
            front.assessments.add(residents[family], fields)
        front.assessments.add(residents[family], {
            "assessment_type": "entry", "event_on": admitted.isoformat(),
            "completed_on": admitted.isoformat(), "transmitted_on": admitted.isoformat()})
