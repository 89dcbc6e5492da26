"""Hand-computed cases for the rules compliance added: posted daily staffing,
MDS movements from stays, shift clock times, the dated payer change, the DON
occupancy methods and facility settings (docs/rules.md §1.2, §2.6, §4.5, §5.2)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from protocol.errors import ValidationError
from protocol.reports.settings import FacilitySettings
from protocol.rules.dates import check_record_dates
from protocol.rules.residents.census_stats import BedCount, StayFacts, census_statistics
from protocol.rules.residents.mds import MovementKind
from protocol.rules.residents.mds_movements import resident_movements
from protocol.rules.residents.stays import TRANSITIONS, Facts
from protocol.rules.staffing.posting import PostedWork, daily_posting, keep_until, shift_of
from protocol.rules.staffing.rn_coverage import OccupancyMethod, average_occupancy

D = date.fromisoformat


def test_posting_counts_people_and_hours_per_shift_and_category() -> None:
    day = D("2026-10-04")
    work = [PostedWork("a", 7, day, "day", Decimal(480)),
            PostedWork("b", 7, day, "day", Decimal(240)),
            PostedWork("a", 6, day, "day", Decimal(60)),   # same RN twice: one person
            PostedWork("c", 11, day, "night", Decimal(450)),  # aide in training counts
            PostedWork("d", 17, day, "day", Decimal(300)),   # feeding assistant: not posted
            PostedWork("e", 9, D("2026-10-05"), "day", Decimal(480))]  # another day
    sheet = daily_posting(work, day, census=42)
    rn = sheet.line("day", "RN")
    assert (rn.people, rn.hours) == (2, Decimal("13.00"))
    assert sheet.line("night", "CNA").people == 1
    assert sheet.line("night", "CNA").hours == Decimal("7.50")
    assert sheet.line("day", "LPN/LVN").people == 0
    assert sheet.census == 42 and len(sheet.lines) == 9


def test_posting_shift_from_clock_in_and_retention() -> None:
    assert shift_of(None, datetime(2026, 10, 4, 6, 59)) == "night"
    assert shift_of(None, datetime(2026, 10, 4, 7, 0)) == "day"
    assert shift_of(None, datetime(2026, 10, 4, 15, 0)) == "evening"
    assert shift_of(None, datetime(2026, 10, 4, 23, 0)) == "night"
    assert shift_of("evening", datetime(2026, 10, 4, 7, 0)) == "evening"
    # 18 months after 31 August 2026 is "31 February 2028": the 1st of the next month
    assert keep_until(D("2026-08-31")) == D("2028-03-01")
    assert keep_until(D("2024-02-29")) == D("2025-08-29")


def test_hospital_admission_is_an_mds_discharge_and_reentry() -> None:
    stay = {"admitted_at": "2026-09-01", "status": "discharged", "discharged_at": "2026-11-02",
            "disposition": "death", "leaves": [
                {"leave_type": "hospital", "left_at": "2026-10-20T14:00",
                 "returned_at": "2026-10-23", "hospital_admission": True},
                {"leave_type": "hospital", "left_at": "2026-10-25",  # observation only
                 "returned_at": "2026-10-25"},
                {"leave_type": "therapeutic", "left_at": "2026-10-28",
                 "returned_at": "2026-10-29"}]}
    moves = resident_movements([stay])
    assert [(m.kind, m.on.isoformat(), m.return_anticipated) for m in moves] == [
        (MovementKind.ENTRY, "2026-09-01", False),
        (MovementKind.DISCHARGE, "2026-10-20", True),
        (MovementKind.ENTRY, "2026-10-23", False),
        (MovementKind.DEATH, "2026-11-02", False)]


def test_discharge_return_anticipated_and_record_error_stays() -> None:
    first = {"admitted_at": "2026-01-05", "status": "discharged",
             "discharged_at": "2026-02-01", "return_anticipated": True}
    voided = {"admitted_at": "2026-03-01", "status": "discharged",
              "discharged_at": "2026-03-02", "disposition": "entered_in_error"}
    moves = resident_movements([voided, first])
    assert [(m.kind, m.return_anticipated) for m in moves] == [
        (MovementKind.ENTRY, False), (MovementKind.DISCHARGE, True)]


def test_shift_times_must_agree_with_the_hours() -> None:
    night = {"work_date": "2026-10-31", "hours": "11.50", "clock_in": "2026-10-31T19:00",
             "clock_out": "2026-11-01T07:00", "meal_minutes": 30}
    check_record_dates("hours", night, today=D("2026-11-01"))
    with pytest.raises(ValidationError) as wrong:
        check_record_dates("hours", {**night, "hours": "12.00"}, today=D("2026-11-01"))
    assert wrong.value.field == "hours" and "11.50" in wrong.value.reason
    with pytest.raises(ValidationError) as future:
        check_record_dates("hours", night, today=D("2026-10-31"))
    assert future.value.field == "clock_out"
    with pytest.raises(ValidationError) as day:
        check_record_dates("hours", {**night, "work_date": "2026-11-01"},
                           today=D("2026-11-02"))
    assert day.value.field == "work_date"
    with pytest.raises(ValidationError) as half:
        check_record_dates("hours", {"work_date": "2026-10-31", "hours": "8.00",
                                     "clock_in": "2026-10-31T07:00"}, today=D("2026-11-02"))
    assert half.value.field == "clock_out"
    # 7:00 to 15:20 less 20 minutes = 8 h; a third of an hour rounds half up
    check_record_dates("hours", {"work_date": "2026-10-31", "hours": "7.67",
                                 "clock_in": "2026-10-31T07:00",
                                 "clock_out": "2026-10-31T15:00", "meal_minutes": 20},
                       today=D("2026-11-02"))


def test_change_payer_counts_days_to_the_payer_in_force() -> None:
    stay = TRANSITIONS["admit"].apply(None, {"resident_id": "R", "admitted_at": "2026-10-01",
                                             "payer": "medicare"}, Facts(today=D("2026-11-10")))
    changed = TRANSITIONS["change_payer"].apply(stay, {"payer": "medicaid", "on": "2026-10-21"},
                                                Facts(today=D("2026-11-10")))
    assert changed["payer"] == "medicare"  # the payer at admission stays
    with pytest.raises(ValidationError):
        TRANSITIONS["change_payer"].apply(changed, {"payer": "private", "on": "2026-10-20"},
                                          Facts(today=D("2026-11-10")))
    with pytest.raises(ValidationError):
        TRANSITIONS["change_payer"].apply(stay, {"payer": "private", "on": "2026-09-30"},
                                          Facts(today=D("2026-11-10")))
    facts = StayFacts.from_stay("S", changed)
    stats = census_statistics([facts], [BedCount(D("2026-01-01"), 10)], D("2026-10-01"),
                              D("2026-10-31"))
    # 1–20 October medicare (20 days), 21–31 medicaid (11 days)
    assert stats.by_payer["medicare"].resident_days == 20
    assert stats.by_payer["medicaid"].resident_days == 11
    assert stats.by_payer["medicare"].admissions == 1


def test_occupancy_methods() -> None:
    # 2027Q1 = Oct–Dec 2026. October: 70 residents a day; November: 50.
    census = {}
    for day in (date(2026, 7, 1) + __import__("datetime").timedelta(days=i)
                for i in range(184)):
        census[day] = 70 if day.month in (7, 8, 9, 10) else 50
    day, today = D("2026-10-31"), D("2026-11-30")
    assert average_occupancy(census, day, today) == Decimal(70 * 31 + 50 * 30) / 61
    assert average_occupancy(census, day, today,
                             OccupancyMethod.QUARTER_THROUGH_DAY) == Decimal(70)
    assert average_occupancy(census, D("2026-11-15"), today,
                             OccupancyMethod.PREVIOUS_QUARTER) == Decimal(70)


def test_facility_settings_round_trip_and_refuse_bad_values() -> None:
    settings = FacilitySettings.from_dict({"day_start": "19:00", "pbj_facility_id": "OH1",
                                           "occupancy_method": "previous_quarter",
                                           "bed_counts": [{"start": "2026-01-01", "beds": 120}],
                                           "waivers": [{"start": "2026-10-01",
                                                        "end": "2026-10-31", "note": "x"}]},
                                          state="CA")
    assert settings.day_start == time(19, 0) and settings.profile.key == "CA"
    assert FacilitySettings.from_dict(settings.to_dict()) == settings
    assert FacilitySettings.from_dict(None, state="OH").profile.key == "federal"
    for bad in ({"day_start": "25:00"}, {"occupancy_method": "mean"}, {"colour": "red"},
                {"bed_counts": [{"start": "2026-01-01", "beds": -1}]},
                {"pbj_facility_id": "X" * 17}):
        with pytest.raises(ValidationError):
            FacilitySettings.from_dict(bad)


def test_a_clock_out_later_today_than_now_is_refused() -> None:
    """A shift ending at 15:30 entered at 10:10 has not been worked yet: the day alone
    let it through. The server checks against the latest time any facility can have."""
    from datetime import UTC

    from protocol.rules.dates import latest_facility_time

    shift = {"work_date": "2026-12-07", "hours": "8.00", "clock_in": "2026-12-07T07:00",
             "clock_out": "2026-12-07T15:30", "meal_minutes": 30}
    today = D("2026-12-07")
    check_record_dates("hours", shift, today=today)  # the day alone: accepted
    with pytest.raises(ValidationError) as future:
        check_record_dates("hours", shift, today=today, now=datetime(2026, 12, 7, 10, 10))
    assert future.value.field == "clock_out" and "future" in future.value.reason
    check_record_dates("hours", shift, today=today, now=datetime(2026, 12, 7, 15, 30))
    # An update that does not touch the clock-out is not refused for it.
    check_record_dates("hours", shift, today=today, now=datetime(2026, 12, 7, 10, 10),
                       changed=["shift"])
    # The server: 10:10 in New York is 15:10 UTC, at most 01:10 the next day anywhere.
    bound = latest_facility_time(int(datetime(2026, 12, 7, 15, 10, tzinfo=UTC).timestamp()
                                     * 1000))
    assert bound == datetime(2026, 12, 8, 1, 10)
    check_record_dates("hours", shift, today=bound.date(), now=bound)  # maybe worked, there
    with pytest.raises(ValidationError):
        check_record_dates("hours", {**shift, "work_date": "2026-12-08",
                                     "clock_in": "2026-12-08T01:00",
                                     "clock_out": "2026-12-08T09:30"},
                           today=bound.date(), now=bound)
