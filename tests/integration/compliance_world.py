"""A small facility with a quarter's worth of compliance records, entered through a
real terminal and synced to the real server: shared by the compliance tests.

Dates are fixed (the terminal's clock is 2026-11-10): 2027Q1 = October–December
2026, so October 2026 is a full month of the open quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from client.session import Session

TODAY = date(2026, 11, 10)
OCT = date(2026, 10, 1)


@dataclass
class World:
    rn: str
    rn2: str
    lpn: str
    aide: str
    aide_unchecked: str
    don: str
    okafor: str
    brennan: str
    okafor_stay: str
    brennan_stay: str


def shift(session: Session, staff_id: str, day: date, start: str, end_day: int, end: str,
          code: int, *, meal: int = 30) -> str:
    clock_in = f"{day.isoformat()}T{start}"
    out_day = day + timedelta(days=end_day)
    clock_out = f"{out_day.isoformat()}T{end}"
    from datetime import datetime

    minutes = (datetime.fromisoformat(clock_out) - datetime.fromisoformat(clock_in)
               ).total_seconds() / 60 - meal
    return session.staff.add_hours(staff_id, {
        "work_date": day.isoformat(), "hours": f"{minutes / 60:.2f}", "job_title_code": code,
        "pay_type_code": 2, "clock_in": clock_in, "clock_out": clock_out,
        "meal_minutes": meal})


def build(session: Session, beds: list[str]) -> World:
    """Two residents, five staff, October's shifts with a few deliberate problems:
    no RN on Sunday 2026-10-04 (an LPN only), an aide who worked without a registry check,
    an expired LPN license, a late admission assessment."""
    staff = session.staff
    ids = {}
    for key, emp, family, code, hired in (
            ("rn", "E-1", "Reyes", 7, "2020-01-06"), ("rn2", "E-2", "Ito", 7, "2021-03-01"),
            ("lpn", "E-3", "Thompson", 9, "2022-05-02"),
            ("aide", "E-4", "Park", 10, "2025-06-01"),
            ("aide_unchecked", "E-5", "Osei", 10, "2026-09-28"),
            ("don", "E-6", "Fischer", 5, "2019-02-04")):
        ids[key] = staff.add({"employee_id": emp, "family_name": family, "given_name": "Pat",
                              "job_title_code": code, "pay_type_code": 2, "hire_date": hired,
                              **({"director_of_nursing": True} if key == "don" else {}),
                              **({"registry_states": "OH"} if key.startswith("aide") else {})})
    staff.add_license(ids["rn"], {"license_type": "RN", "number": "RN-1", "issuing_state": "OH",
                                  "expires_on": "2027-08-31", "verified_on": "2026-01-05"})
    staff.add_license(ids["rn2"], {"license_type": "RN", "number": "RN-2",
                                   "issuing_state": "OH", "expires_on": "2026-11-30",
                                   "verified_on": "2025-12-01"})
    staff.add_license(ids["lpn"], {"license_type": "LPN", "number": "LPN-3",
                                   "issuing_state": "OH", "expires_on": "2026-10-20",
                                   "verified_on": "2025-10-01"})
    staff.add_license(ids["don"], {"license_type": "RN", "number": "RN-6",
                                   "issuing_state": "OH", "expires_on": "2028-01-31",
                                   "verified_on": "2026-02-01"})
    staff.add_registry_check(ids["aide"], {"state": "OH", "checked_on": "2025-05-30",
                                           "in_good_standing": True})
    staff.add_review(ids["aide"], {"reviewed_on": "2026-05-20",
                                   "weaknesses": "infection_control"})
    staff.add_training({"held_on": "2026-08-14", "minutes": 240, "title": "Dementia care",
                        "topics": "dementia_management abuse_prevention",
                        "attendees": [ids["aide"], ids["aide_unchecked"]]})
    for offset in range(31):
        day = OCT + timedelta(days=offset)
        if day != date(2026, 10, 4):
            shift(session, ids["rn"] if offset % 2 else ids["rn2"], day, "07:00", 0, "15:30", 7)
        shift(session, ids["lpn"], day, "15:00", 0, "23:30", 9)
        shift(session, ids["aide"], day, "23:00", 1, "07:30", 10)
        if day.weekday() < 5:
            shift(session, ids["don"], day, "08:00", 0, "16:30", 5)
        if offset >= 2:
            shift(session, ids["aide_unchecked"], day, "07:00", 0, "15:30", 10)
    okafor = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                         "birth_date": "1941-03-02", "sex": "female"})
    brennan = session.residents.register({"family_name": "Brennan", "given_name": "Patrick",
                                          "birth_date": "1948-05-22", "sex": "male"})
    okafor_stay = session.stays.admit(okafor, admitted_at="2026-09-01", bed_id=beds[0],
                                      payer="medicare")
    brennan_stay = session.stays.admit(brennan, admitted_at="2026-10-03", bed_id=beds[1],
                                       payer="medicaid")
    session.stays.change_payer(okafor_stay, payer="medicaid", on="2026-10-11")
    session.stays.leave(brennan_stay, leave_type="hospital", at="2026-10-20",
                        hospital_admission=True)
    session.stays.return_from_leave(brennan_stay, at="2026-10-23")
    kim = session.residents.register({"family_name": "Kim", "given_name": "Soo",
                                      "birth_date": "1939-12-01", "sex": "female"})
    kim_stay = session.stays.admit(kim, admitted_at="2026-08-15", bed_id=beds[2],
                                   payer="private")
    session.stays.discharge(kim_stay, discharged_at="2026-10-15", disposition="home",
                            destination="Home with her daughter")
    session.assessments.add(okafor, {"assessment_type": "admission", "ard": "2026-09-10",
                                     "completed_on": "2026-09-20", "caa_on": "2026-09-14",
                                     "care_plan_on": "2026-09-20",
                                     "transmitted_on": "2026-09-25"})
    session.assessments.add(okafor, {"assessment_type": "entry", "event_on": "2026-09-01",
                                     "completed_on": "2026-09-05",
                                     "transmitted_on": "2026-09-06"})
    return World(ids["rn"], ids["rn2"], ids["lpn"], ids["aide"], ids["aide_unchecked"],
                 ids["don"], okafor, brennan, okafor_stay, brennan_stay)
