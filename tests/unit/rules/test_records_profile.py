"""The records part of a state profile: defaults, JSON round trip, validation."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from protocol.errors import ValidationError
from protocol.rules.records.profile import (
    FEDERAL_FALLBACK,
    DeadlineUnit,
    MinorRule,
    RecordsProfile,
    StartEvent,
    StateDeadline,
    default_profile,
)


def test_washington_keeps_8_years_and_minors_18_plus_3_or_10_years() -> None:
    wa = default_profile("WA")
    assert wa.retention_years == 8
    assert wa.retention_start is StartEvent.LAST_DISCHARGE
    assert wa.minor_rule == MinorRule(until_age=18, years_after_age=3, years_after_discharge=10)
    assert wa.age_of_majority == 18
    assert wa.retention_citation == "RCW 18.51.300"


def test_utah_keeps_7_years_and_minors_until_22_never_less_than_7_years() -> None:
    ut = default_profile("ut")
    assert ut.retention_years == 7
    assert ut.minor_rule == MinorRule(until_age=22, years_after_age=0, years_after_discharge=7)


@pytest.mark.parametrize(("state", "age"), [("AL", 19), ("NE", 19), ("MS", 21), ("TX", 18),
                                            ("NY", 18)])
def test_other_states_take_the_federal_fallback_with_their_age_of_majority(
        state: str, age: int) -> None:
    profile = default_profile(state)
    assert profile.state == state
    assert profile.retention_years is None  # state law silent: federal 5 years only
    assert profile.minor_rule is None
    assert profile.age_of_majority == age
    assert profile.delinquent_after_days == 30
    assert profile.retention_citation == "42 CFR 483.70(h)(4)"


def test_federal_fallback_is_its_own_profile() -> None:
    assert default_profile("US") is FEDERAL_FALLBACK
    assert FEDERAL_FALLBACK.inspection_deadline is None
    assert FEDERAL_FALLBACK.holidays == frozenset()


CUSTOM = RecordsProfile(
    state="OR", retention_years=10, minor_rule=MinorRule(until_age=21),
    age_of_majority=18, retention_citation="made-up rule for the test",
    inspection_deadline=StateDeadline(12, DeadlineUnit.WORKING_HOURS),
    copies_deadline=StateDeadline(1, DeadlineUnit.WORKING_DAYS, "state copies rule"),
    hipaa_access_deadline=StateDeadline(15, DeadlineUnit.CALENDAR_DAYS),
    delinquent_after_days=14, holidays=frozenset({date(2026, 12, 24), date(2026, 11, 27)}),
    federal_holidays=True)


@pytest.mark.parametrize("profile", [CUSTOM, FEDERAL_FALLBACK, default_profile("WA"),
                                     default_profile("UT"), default_profile("MS")])
def test_profiles_survive_json_round_trips(profile: RecordsProfile) -> None:
    wire = json.loads(json.dumps(profile.to_dict()))
    assert RecordsProfile.from_dict(wire) == profile


def test_to_dict_shape() -> None:
    assert CUSTOM.to_dict() == {
        "state": "OR",
        "retention": {"adult_years": 10, "start": "last_discharge",
                      "minor": {"until_age": 21, "years_after_age": 0,
                                "years_after_discharge": None},
                      "age_of_majority": 18, "citation": "made-up rule for the test"},
        "access": {"inspection": {"amount": 12, "unit": "working_hours", "citation": ""},
                   "copies": {"amount": 1, "unit": "working_days",
                              "citation": "state copies rule"},
                   "hipaa": {"amount": 15, "unit": "calendar_days", "citation": ""}},
        "delinquent_after_days": 14,
        "holidays": {"federal": True, "extra": ["2026-11-27", "2026-12-24"]},
    }


def test_missing_keys_take_the_federal_defaults() -> None:
    profile = RecordsProfile.from_dict({"state": "wa"})
    assert profile == RecordsProfile(state="WA")
    assert profile.retention_years is None
    assert profile.delinquent_after_days == 30


def test_the_calendar_adds_the_profiles_holidays_to_the_federal_ones() -> None:
    calendar = CUSTOM.calendar
    assert not calendar.is_working_day(date(2026, 12, 24))  # the profile's own day
    assert not calendar.is_working_day(date(2026, 11, 26))  # Thanksgiving (federal)
    assert calendar.is_working_day(date(2026, 12, 23))
    no_federal = RecordsProfile(state="OR", federal_holidays=False).calendar
    assert no_federal.is_working_day(date(2026, 11, 26))


def _with(change: dict[str, Any]) -> dict[str, Any]:
    raw = CUSTOM.to_dict()
    for dotted, value in change.items():
        *path, last = dotted.split(".")
        target = raw
        for key in path:
            target = target[key]
        target[last] = value
    return raw


@pytest.mark.parametrize(("change", "field", "detail"), [
    ({"state": "Washington"}, "state", "must be a two-letter state code"),
    ({"state": 12}, "state", "must be text"),
    ({"retention.adult_years": 0}, "retention.adult_years", "must be between 1 and 100"),
    ({"retention.adult_years": True}, "retention.adult_years", "must be a whole number"),
    ({"retention.adult_years": "8"}, "retention.adult_years", "must be a whole number"),
    ({"retention.start": "admission"}, "retention.start", "must be one of: last_discharge"),
    ({"retention.age_of_majority": 12}, "retention.age_of_majority", "must be between 14"),
    ({"retention.minor": {"years_after_age": 3}}, "retention.minor", "needs an age or a period"),
    ({"retention.minor": {"until_age": 18, "years": 3}}, "retention.minor",
     "unknown setting years"),
    ({"access.copies": {"amount": 0, "unit": "working_days"}}, "access.copies.amount",
     "must be between"),
    ({"access.copies": {"amount": 2, "unit": "fortnights"}}, "access.copies.unit",
     "must be one of"),
    ({"delinquent_after_days": 0}, "delinquent_after_days", "must be between 1 and 365"),
    ({"holidays.extra": ["2026-02-30"]}, "holidays.extra", "is not a date"),
    ({"holidays.extra": "2026-12-24"}, "holidays.extra", "must be a list"),
    ({"holidays.federal": "yes"}, "holidays.federal", "must be true or false"),
    ({"colour": "blue"}, "profile", "unknown setting colour"),
])
def test_from_dict_refuses_what_it_cannot_use_and_names_the_field(
        change: dict[str, Any], field: str, detail: str) -> None:
    with pytest.raises(ValidationError) as refused:
        RecordsProfile.from_dict(_with(change))
    assert refused.value.field == field
    assert detail in refused.value.reason


def test_constructing_an_invalid_profile_directly_is_refused_too() -> None:
    with pytest.raises(ValidationError, match="delinquent_after_days"):
        RecordsProfile(state="WA", delinquent_after_days=-1)
    with pytest.raises(ValidationError, match="amount"):
        StateDeadline(0, DeadlineUnit.CALENDAR_DAYS)


def test_posted_staffing_is_kept_as_long_as_the_state_asks() -> None:
    # Reference §1: posted daily staffing is kept 18 months, or longer by state law.
    from datetime import date

    from protocol.reports.catalog import build_report
    from protocol.reports.facts import FacilityFacts, Row
    from protocol.reports.model import ReportMeta

    def retention(facility: dict[str, object]) -> str:
        facts = FacilityFacts.from_rows(Row("facility", "A", facility), [])
        report = build_report("posted-staffing", facts, date(2026, 3, 1), date(2026, 3, 31),
                              today=date(2026, 4, 2), meta=ReportMeta("now", "now"))
        return dict(report.summary)["Retention"]

    longer = RecordsProfile(state="NY", posted_staffing_months=36)
    assert RecordsProfile.from_dict(longer.to_dict()) == longer
    assert retention({"state_code": "NY", "records_profile": longer.to_dict()}) == (
        "keep these postings through 2029-03-31 (36 months under state law (federal: 18))")
    assert retention({"state_code": "NY"}) == (
        "keep these postings through 2027-10-01 (18 months (42 CFR 483.35(g)))")  # no 31 Sep
    assert "posted_staffing_months" not in RecordsProfile(state="NY").to_dict()
    with pytest.raises(ValidationError):
        RecordsProfile(state="NY", posted_staffing_months=12)  # never less than federal
