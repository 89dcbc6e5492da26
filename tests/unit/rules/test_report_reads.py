"""A staffing report from only the records it reads (its kinds, the hours around its
period: ``protocol.reports.catalog.reads``) is the report from every record."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from protocol.reports.catalog import build_report, reads
from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.model import Report, ReportMeta
from protocol.rules.staffing.profile import DEFAULT_PROFILES

META = ReportMeta(produced_at="2026-10-20 09:00", data_as_of="test")
FIRST, LAST = date(2026, 3, 1), date(2026, 12, 31)


def _wednesday_profile() -> dict[str, Any]:
    data = DEFAULT_PROFILES["CA"].to_dict()
    return data | {"key": "CA-wednesday", "week_start": "wednesday"}


SETTINGS: list[dict[str, Any]] = [
    {},
    {"day_start": "19:00", "occupancy_method": "previous_quarter"},
    {"day_start": "07:00", "occupancy_method": "quarter_through_day",
     "profile": _wednesday_profile()},
    {"profile": DEFAULT_PROFILES["MD"].to_dict(), "waivers": [
        {"start": "2026-07-04", "end": "2026-07-05", "note": "holiday"}]},
]
PERIODS = [  # start, end, today
    (date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 20)),
    (date(2026, 8, 3), date(2026, 8, 20), date(2026, 8, 25)),
    (date(2026, 6, 10), date(2026, 7, 20), date(2026, 11, 2)),
    # A Saturday early in a quarter: the first DON week (from Sunday) begins six days
    # before, and the DON's night shift begun the evening before that reaches into it.
    (date(2026, 7, 4), date(2026, 7, 31), date(2026, 8, 5)),
]


def _hours(staff_id: str, code: int, begin: datetime, length: int, meal: int,
           meal_at: int | None = None, **extra: Any) -> dict[str, Any]:
    end = begin + timedelta(minutes=length)
    data = {"staff_id": staff_id, "work_date": begin.date().isoformat(),
            "hours": str((Decimal(length - meal) / 60).quantize(Decimal("0.01"))),
            "job_title_code": code, "pay_type_code": 2,
            "clock_in": begin.isoformat(timespec="minutes"),
            "clock_out": end.isoformat(timespec="minutes"), "meal_minutes": meal}
    if meal_at is not None:
        data["meal_start"] = (begin + timedelta(minutes=meal_at)).isoformat(timespec="minutes")
    return data | extra


def _rows(seed: int) -> list[Row]:
    """Ten months of a small facility's records: day, evening and night shifts (some
    of 12 hours, across midnight), a DON, RN hours without clock times, corrections
    and voids across the periods' edges, paid leave."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for n in range(12):
        admitted = FIRST + timedelta(days=rng.randrange(-200, 200))
        stay: dict[str, Any] = {"resident_id": f"R{n}", "admitted_at": admitted.isoformat(),
                                "status": "active", "payer": "medicaid", "leaves": []}
        if n % 4 == 0:
            stay |= {"status": "discharged", "disposition": "home", "discharged_at": (
                admitted + timedelta(days=rng.randrange(20, 90))).isoformat()}
        rows += [Row("resident", f"R{n}", {"family_name": f"F{n}", "given_name": "Pat",
                                          "birth_date": "1940-01-01", "sex": "female"}),
                 Row("stay", f"S{n}", stay)]
    staff = [("DON", 5), ("RN1", 7), ("RN2", 7), ("RN3", 6), ("LPN1", 9), ("CNA1", 10),
             ("CNA2", 10), ("CNA3", 10)]
    for staff_id, code in staff:
        rows.append(Row("staff", staff_id, {
            "employee_id": staff_id, "family_name": staff_id, "given_name": "Lee",
            "job_title_code": code, "pay_type_code": 2, "hire_date": "2024-01-02",
            "director_of_nursing": code == 5}))
    count = 0
    day = FIRST
    while day <= LAST:
        for staff_id, code in staff:
            if rng.random() < 0.3:
                continue
            count += 1
            start = datetime.combine(day, datetime.min.time())
            if rng.random() < 0.25:  # twelve hours across midnight, meal at a known time
                data = _hours(staff_id, code, start + timedelta(hours=19), 12 * 60, 30,
                              rng.choice([None, 60, 300]))
            else:
                data = _hours(staff_id, code, start + timedelta(hours=rng.choice([7, 15, 23])),
                              8 * 60 + 30, 30)
            if code in (6, 7) and rng.random() < 0.05:  # an RN entry without clock times
                data = {k: v for k, v in data.items()
                        if k not in ("clock_in", "clock_out", "meal_minutes", "meal_start")}
            rows.append(Row("hours", f"H{count}", data))
        day += timedelta(days=1)
    # Corrections and voids reaching across the periods' edges, each way.
    for target, when in (("H40", date(2026, 9, 2)), ("H700", date(2026, 4, 2)),
                         ("H1500", date(2026, 12, 20)), ("H1200", date(2026, 7, 1))):
        staff_id = next(r.data["staff_id"] for r in rows if r.id == target)
        begin = datetime.combine(when, datetime.min.time()) + timedelta(hours=6)
        rows.append(Row("hours", f"C{target}", _hours(staff_id, 7, begin, 600, 0,
                                                      corrects=target)))
        rows.append(Row("hours", f"V{target}", {"entered_in_error_of": f"H{int(target[1:]) + 3}",
                                                "staff_id": staff_id, "hours": "1.00",
                                                "job_title_code": 7, "pay_type_code": 2,
                                                "work_date": (when + timedelta(days=40))
                                                .isoformat()}))
    rows.append(Row("hours", "DON-NIGHT", _hours("DON", 5, datetime(2026, 6, 27, 23, 0),
                                                 8 * 60 + 30, 30)))
    for offset in (0, 1, 2, 3, 4, 95, 96, 130):  # the DON's paid leave
        leave_day = date(2026, 6, 29) + timedelta(days=offset)
        rows.append(Row("paid_leave", f"L{offset}", {"staff_id": "DON", "hours": "8.00",
                                                     "leave_date": leave_day.isoformat()}))
    rows.append(Row("license", "LIC1", {"staff_id": "RN1", "license_type": "RN",
                                        "number": "1", "issuing_state": "CA",
                                        "expires_on": "2027-06-30"}))
    return rows


def _facility(settings: dict[str, Any]) -> Row:
    return Row("facility", "FAC", {"name": "Maple", "state_code": "CA",
                                   "compliance": settings})


def _same(one: Report, other: Report) -> bool:
    return (one.rows, one.summary, one.notes, one.failing) == (
        other.rows, other.summary, other.notes, other.failing)


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("name", ["staffing-quarter", "staffing-days"])
def test_a_staffing_report_from_the_records_it_reads(settings: dict[str, Any],
                                                     name: str) -> None:
    rows = _rows(seed=len(str(settings)))
    facility = _facility(settings)
    everything = FacilityFacts.from_rows(facility, rows)
    read = reads(name)
    assert read.kinds is not None
    for start, end, today in PERIODS:
        some = FacilityFacts.from_rows(facility, [r for r in rows if r.kind in read.kinds],
                                       hours_days=read.hours_days(start, end, today))
        # Fewer hours were read (ten months of them are there), the corrections and
        # voids all kept.
        assert len(some.hours) < len(everything.hours) * 0.7
        assert {r.id for r in some.hours} >= {r.id for r in everything.hours
                                              if r.id.startswith("C")}
        full = build_report(name, everything, start, end, today=today, meta=META)
        assert full.rows
        assert _same(build_report(name, some, start, end, today=today, meta=META), full)


def test_the_hours_just_outside_the_period_matter() -> None:
    """The window is not wider than it needs to be for nothing: read only the period's
    own days and some report of these records changes (DON weeks cut by the period,
    night shifts begun the day before)."""
    name, changed = "staffing-quarter", 0
    for settings in SETTINGS:
        rows, facility = _rows(seed=len(str(settings))), _facility(settings)
        everything = FacilityFacts.from_rows(facility, rows)
        for start, end, today in PERIODS:
            narrow = FacilityFacts.from_rows(facility, rows,
                                             hours_days=lambda _s, a=start, b=end: (a, b))
            full = build_report(name, everything, start, end, today=today, meta=META)
            changed += not _same(build_report(name, narrow, start, end, today=today,
                                              meta=META), full)
    assert changed


def test_an_rn_entry_without_clock_times_early_in_the_quarter_is_still_noted() -> None:
    """The note on RN hours without clock times reads the whole census span (the
    quarter to date), not only the period and its weeks."""
    rows = [r for r in _rows(seed=1) if not (r.kind == "hours" and "clock_in" not in r.data
                                            and "entered_in_error_of" not in r.data)]
    rows.append(Row("hours", "UNTIMED", {"staff_id": "RN1", "work_date": "2026-07-10",
                                        "hours": "8.00", "job_title_code": 7,
                                        "pay_type_code": 2}))
    facility, (start, end, today) = _facility({}), PERIODS[1]
    read = reads("staffing-quarter")
    some = FacilityFacts.from_rows(facility, rows,
                                   hours_days=read.hours_days(start, end, today))
    full = build_report("staffing-quarter", FacilityFacts.from_rows(facility, rows), start,
                        end, today=today, meta=META)
    assert any("without clock times" in note for note in full.notes)
    assert _same(build_report("staffing-quarter", some, start, end, today=today, meta=META),
                 full)


def _with_residents(rows: list[Row]) -> list[Row]:
    """The rows with beds, assessments (on time, late, a discharge) and a leave with
    its bed held: what the resident reports show."""
    extra = [Row("bed", f"B{n}", {"label": f"{n}-A", "unit_id": "U1"}) for n in range(14)]
    for n in range(12):
        stay = next(r for r in rows if r.kind == "stay" and r.data["resident_id"] == f"R{n}")
        admitted = date.fromisoformat(stay.data["admitted_at"])
        extra.append(Row("assessment", f"A{n}", {
            "resident_id": f"R{n}", "assessment_type": "admission",
            "ard": (admitted + timedelta(days=n % 16)).isoformat(),
            "completed_on": (admitted + timedelta(days=n % 16 + 1)).isoformat()}))
        if stay.data["status"] == "discharged":
            extra.append(Row("assessment", f"D{n}", {
                "resident_id": f"R{n}", "assessment_type": "discharge",
                "ard": stay.data["discharged_at"]}))
    extra.append(Row("resident", "R-LEAVE", {"family_name": "Leave", "given_name": "Sam",
                                            "birth_date": "1938-05-05", "sex": "male"}))
    extra.append(Row("stay", "S-LEAVE", {
        "resident_id": "R-LEAVE", "admitted_at": "2026-08-01", "status": "active",
        "payer": "medicare", "leaves": [{"left_at": "2026-08-10", "returned_at": "2026-08-13",
                                         "leave_type": "hospital", "bed_hold": True}]}))
    return rows + extra


@pytest.mark.parametrize("settings", [{}, {"bed_counts": [{"start": "2026-01-01", "beds": 14}]}])
@pytest.mark.parametrize("name", ["mds", "census", "admissions", "discharges", "census-stats"])
def test_a_resident_report_reads_no_staff_records(name: str, settings: dict[str, Any]) -> None:
    """The resident reports read the residents, stays, assessments, beds and the
    facility: never a staff member or an hours entry, and the same report."""
    read = reads(name)
    assert read.kinds is not None and not read.kinds & {"staff", "hours", "paid_leave"}
    rows = _with_residents(_rows(seed=3))
    facility = _facility(settings)
    everything = FacilityFacts.from_rows(facility, rows)
    some = FacilityFacts.from_rows(facility, [r for r in rows if r.kind in read.kinds])
    shown = 0
    for start, end, today in PERIODS:
        want = build_report(name, everything, start, end, today=today, meta=META)
        shown += len(want.rows)
        assert _same(build_report(name, some, start, end, today=today, meta=META), want)
    assert shown, name
