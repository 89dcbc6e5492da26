from __future__ import annotations

from datetime import date

import pytest

from protocol.errors import ValidationError
from protocol.rules.dates import (
    check_record_dates,
    latest_facility_date,
    out_of_order,
)

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(("kind", "fields", "field"), [
    ("resident", {"birth_date": "2026-12-07"}, "birth_date"),
    ("resident", {"birth_date": "1890-01-01"}, "birth_date"),
    ("hours", {"work_date": "2026-12-07"}, "work_date"),
    ("diagnosis", {"onset_date": "2027-01-01"}, "onset_date"),
    ("license", {"issued_on": "2026-12-07", "expires_on": "2028-01-01"}, "issued_on"),
    ("license", {"verified_on": "2026-12-07", "expires_on": "2028-01-01"}, "verified_on"),
    ("license", {"issued_on": "2026-01-01", "expires_on": "2025-12-31"}, "expires_on"),
    ("staff", {"hire_date": "2026-01-01", "termination_date": "2025-12-31"},
     "termination_date"),
    ("assessment", {"ard": "2026-11-10", "completed_on": "2026-11-09"}, "completed_on"),
    ("assessment", {"event_on": "2026-11-10", "completed_on": "2026-11-09"}, "completed_on"),
    ("assessment", {"completed_on": "2026-11-10", "transmitted_on": "2026-11-09"},
     "transmitted_on"),
    ("assessment", {"ard": "2026-11-10", "transmitted_on": "2026-12-07"}, "transmitted_on"),
])
def test_impossible_dates_are_refused(kind: str, fields: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_record_dates(kind, fields, today=TODAY)
    assert refused.value.field == field


@pytest.mark.parametrize(("kind", "fields"), [
    ("resident", {"birth_date": "2026-12-06"}),
    ("resident", {"birth_date": "1930-02-28"}),
    ("hours", {"work_date": "2026-12-06"}),
    ("license", {"issued_on": "2026-01-01", "expires_on": "2026-01-01"}),
    ("license", {"expires_on": "2020-01-01"}),  # an expired license is a fact, not an error
    ("staff", {"hire_date": "2027-01-04"}),     # a hire who starts next month
    ("note", {"clinical_time": "2026-12-06T10:00"}),
    ("assessment", {"ard": "2026-12-20"}),      # a planned reference date
    ("assessment", {"ard": "2026-11-10", "completed_on": "2026-11-10",
                    "transmitted_on": "2026-11-10"}),
])
def test_possible_dates_pass(kind: str, fields: dict[str, str]) -> None:
    check_record_dates(kind, fields, today=TODAY)


def test_the_server_only_refuses_what_is_certainly_in_the_future() -> None:
    # 2026-12-06 20:00 UTC is already 2026-12-07 in Guam (UTC+10).
    ms = 1796587200000
    assert latest_facility_date(ms) == date(2026, 12, 7)


def test_order_of_dates_and_times() -> None:
    assert out_of_order("2026-11-20T08:00", "2026-11-20T07:59")
    assert not out_of_order("2026-11-20T08:00", "2026-11-20")
    assert not out_of_order("2026-11-20", "2026-11-20T00:00")
    assert out_of_order("2026-11-20", "2026-11-19T23:59")
    assert not out_of_order(None, "2026-11-19")
    assert not out_of_order("garbage", "2026-11-19")


def test_an_update_is_checked_only_against_the_rules_it_touches() -> None:
    old_license = {"issued_on": "2026-01-01", "expires_on": "2025-12-31", "number": "R1"}
    check_record_dates("license", old_license, today=TODAY, changed=["number"])
    with pytest.raises(ValidationError):
        check_record_dates("license", old_license, today=TODAY, changed=["issued_on"])
    with pytest.raises(ValidationError):
        check_record_dates("license", old_license, today=TODAY, changed=["expires_on"])


def test_clocked_hours_cross_midnight_less_the_meal() -> None:
    from datetime import datetime
    from decimal import Decimal

    from protocol.rules.dates import clocked_hours

    # 23:00 to 07:30 the next morning is 8 h 30 min; less a 30-minute meal, 8.00.
    assert clocked_hours(datetime(2026, 12, 5, 23, 0), datetime(2026, 12, 6, 7, 30),
                         30) == Decimal("8.00")
    # 7 h 20 min is 7.333… hours: 7.33 (half up at the third decimal).
    assert clocked_hours(datetime(2026, 12, 5, 7, 0), datetime(2026, 12, 5, 14, 20)
                         ) == Decimal("7.33")
