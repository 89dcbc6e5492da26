"""Retention end dates under WA, UT and the federal fallback; holds; destruction. By hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from protocol.errors import Refused, ValidationError
from protocol.rules.records.profile import FEDERAL_FALLBACK, default_profile
from protocol.rules.records.retention import (
    Candidate,
    ClosedRecord,
    DestroyedRecord,
    DestructionLog,
    DestructionMethod,
    LegalHold,
    check_destruction,
    destroy_from,
    destruction_list,
    hold_problems,
    is_minor_record,
    may_destroy_on,
    record_span,
    retention_schedule,
)

WA = default_profile("WA")
UT = default_profile("UT")
MS = default_profile("MS")

# Adult: two stays, 2015-03-01 → 2018-06-15 and 2019-01-10 → death on 29 Feb 2020.
ADULT = ClosedRecord("r-adult", "Rose Alder", "MRN-100", date(1940, 5, 10),
                     first_admitted_on=date(2015, 3, 1), last_discharged_on=date(2020, 2, 29))
# A child admitted at 7 with a 29 February birthday.
CHILD = ClosedRecord("r-child", "Lily Moss", "MRN-200", date(2012, 2, 29),
                     first_admitted_on=date(2020, 1, 5), last_discharged_on=date(2020, 4, 10))
# A teenager admitted at 16, discharged at 17.
TEEN = ClosedRecord("r-teen", "Sam Reed", "MRN-300", date(2008, 2, 29),
                    first_admitted_on=date(2024, 6, 1), last_discharged_on=date(2025, 8, 20))


def test_record_span_runs_from_the_first_admission_to_the_most_recent_discharge() -> None:
    stays = [
        {"status": "discharged", "admitted_at": "2015-03-01T10:00", "discharged_at": "2018-06-15"},
        {"status": "discharged", "admitted_at": "2019-01-10", "discharged_at": "2020-02-29",
         "disposition": "death"},  # a death ends a stay like a discharge
    ]
    assert record_span(stays) == (date(2015, 3, 1), date(2020, 2, 29))
    assert record_span([*stays, {"status": "active", "admitted_at": "2021-01-01"}]) is None
    assert record_span([{"status": "discharged", "admitted_at": "2019-01-10"}]) is None
    assert record_span([]) is None


def test_adult_under_washington_8_years_after_the_most_recent_discharge() -> None:
    schedule = retention_schedule(ADULT, WA)
    assert schedule.minor is False
    assert [c.ends_on for c in schedule.candidates] == [
        date(2028, 2, 29),  # WA: 29 Feb 2020 + 8 years (2028 is a leap year)
        date(2025, 3, 1),   # federal: + 5 years, 29 Feb → 1 Mar in 2025
    ]
    assert schedule.ends_on == date(2028, 2, 29)
    assert schedule.governing.rule == ("state: 8 years after the most recent discharge "
                                       "(RCW 18.51.300)")
    assert schedule.destroy_from == date(2028, 3, 1)


def test_adult_under_utah_7_years_from_the_last_discharge() -> None:
    schedule = retention_schedule(ADULT, UT)
    # 29 Feb 2020 + 7 years → 1 March 2027 (2027 is common); federal 1 March 2025
    assert schedule.ends_on == date(2027, 3, 1)
    assert schedule.destroy_from == date(2027, 3, 2)


def test_adult_under_the_federal_fallback_5_years() -> None:
    schedule = retention_schedule(ADULT, FEDERAL_FALLBACK)
    assert schedule.candidates == (Candidate("federal: 5 years from discharge "
                                             "(42 CFR 483.70(h)(4))", date(2025, 3, 1)),)
    assert schedule.destroy_from == date(2025, 3, 2)


def test_child_under_utah_until_age_22() -> None:
    schedule = retention_schedule(CHILD, UT)
    assert schedule.minor is True
    assert [c.ends_on for c in schedule.candidates] == [
        date(2027, 4, 10),  # UT adult: 10 Apr 2020 + 7
        date(2034, 3, 1),   # UT minor: 22nd birthday, 29 Feb 2034 → 1 Mar (common year)
        date(2027, 4, 10),  # UT minor: never less than 7 years after discharge
        date(2025, 4, 10),  # federal: + 5
        date(2033, 3, 1),   # federal minor: 18th birthday 1 Mar 2030, + 3 years
    ]
    assert schedule.ends_on == date(2034, 3, 1)
    assert schedule.governing.rule.startswith("state minor: until age 22")
    assert schedule.destroy_from == date(2034, 3, 2)


def test_child_under_washington_age_18_plus_3() -> None:
    schedule = retention_schedule(CHILD, WA)
    assert [c.ends_on for c in schedule.candidates] == [
        date(2028, 4, 10),  # WA adult: + 8
        date(2033, 3, 1),   # WA minor: 18th birthday 1 Mar 2030 + 3 years
        date(2030, 4, 10),  # WA minor: 10 years after discharge
        date(2025, 4, 10),  # federal
        date(2033, 3, 1),   # federal minor: the same date
    ]
    assert schedule.ends_on == date(2033, 3, 1)
    assert schedule.governing.rule == "state minor: until age 18 + 3 years (RCW 18.51.300)"


def test_teen_under_washington_10_years_after_discharge_is_longer() -> None:
    schedule = retention_schedule(TEEN, WA)
    # 18 + 3: 18th birthday 1 Mar 2026, + 3 = 1 Mar 2029; 10 years: 20 Aug 2035
    assert schedule.ends_on == date(2035, 8, 20)
    assert schedule.governing.rule.startswith("state minor: 10 years after")


def test_child_under_the_federal_fallback_and_mississippis_age_of_majority() -> None:
    assert retention_schedule(CHILD, FEDERAL_FALLBACK).ends_on == date(2033, 3, 1)
    # MS: 21st birthday 29 Feb 2033 → 1 Mar 2033 (common), + 3 years = 1 Mar 2036
    # (not 29 Feb 2036, which "age 24" counted in one step would give)
    schedule = retention_schedule(CHILD, MS)
    assert schedule.ends_on == date(2036, 3, 1)
    assert "age of majority (21)" in schedule.governing.rule


def test_a_minor_is_one_admitted_before_the_age_of_majority() -> None:
    # born 29 Feb 2008: 18 on 1 March 2026
    born_29_feb = replace(TEEN, first_admitted_on=date(2026, 2, 28))
    assert is_minor_record(born_29_feb, 18) is True
    assert is_minor_record(replace(born_29_feb, first_admitted_on=date(2026, 3, 1)), 18) is False
    assert is_minor_record(replace(TEEN, birth_date=None), 18) is None
    adult_at_admission = replace(born_29_feb, first_admitted_on=date(2026, 3, 1),
                                 last_discharged_on=date(2026, 9, 1))
    # no minors' rules: WA 8 years only (1 Sep 2034) — not 10 years (2036)
    assert retention_schedule(adult_at_admission, WA).ends_on == date(2034, 9, 1)


# --- legal holds -----------------------------------------------------------------------------

HOLD = LegalHold("r-adult", "Counsel J. Ortiz", "Alder v. Maple Grove (wrongful death)",
                 placed_on=date(2027, 6, 1))


def test_an_unreleased_hold_blocks_destruction_regardless() -> None:
    schedule = retention_schedule(ADULT, WA)  # kept through 29 Feb 2028
    assert destroy_from(schedule, [HOLD]) is None
    assert not may_destroy_on(schedule, [HOLD], date(2028, 3, 1))
    assert not may_destroy_on(schedule, [HOLD], date(2040, 1, 1))


def test_destruction_may_start_the_day_after_release() -> None:
    schedule = retention_schedule(ADULT, WA)
    released = replace(HOLD, released_on=date(2029, 1, 15), released_by="Counsel J. Ortiz")
    assert destroy_from(schedule, [released]) == date(2029, 1, 16)
    assert not may_destroy_on(schedule, [released], date(2029, 1, 15))
    assert may_destroy_on(schedule, [released], date(2029, 1, 16))
    # a hold released long before the end date changes nothing
    old = LegalHold("r-adult", "Counsel", "old claim", date(2021, 1, 1), date(2022, 1, 1), "C")
    assert destroy_from(schedule, [old]) == date(2028, 3, 1)
    assert may_destroy_on(schedule, [old], date(2028, 3, 1))
    assert not may_destroy_on(schedule, [], date(2028, 2, 29))  # kept through the end date


def test_hold_problems() -> None:
    assert hold_problems(HOLD) == ()
    bad = LegalHold("r", " ", "", date(2027, 6, 1), released_on=date(2027, 5, 1))
    assert [p.field for p in hold_problems(bad)] == ["placed_by", "reason", "released_on",
                                                     "released_by"]


# --- destruction ---------------------------------------------------------------------------------

HELD = replace(ADULT, resident_id="r-held", name="Ann Held", mrn="MRN-400")
NO_BIRTH = replace(ADULT, resident_id="r-nobirth", name="Bo Unknown", mrn="MRN-500",
                   birth_date=None)


def test_the_destruction_list() -> None:
    hold = replace(HOLD, resident_id="r-held")
    listed = destruction_list([TEEN, HELD, ADULT, NO_BIRTH], WA, [hold], date(2028, 3, 1))
    assert [item.record.mrn for item in listed.due] == ["MRN-100"]
    assert [item.record.mrn for item in listed.on_hold] == ["MRN-400"]
    assert listed.on_hold[0].holds == (hold,)
    assert [item.record.mrn for item in listed.needs_review] == ["MRN-500"]
    # the day before, nothing is due yet
    earlier = destruction_list([TEEN, HELD, ADULT], WA, [hold], date(2028, 2, 29))
    assert earlier.due == ()
    assert earlier.on_hold == ()


def log(*records: ClosedRecord, on: date = date(2028, 3, 1), **more: str) -> DestructionLog:
    fields = {"destroyed_by": "Records clerk A. Kim", "witnessed_by": "RHIT P. Shah",
              "approved_by": "Records manager L. Ruiz", **more}
    return DestructionLog(on, DestructionMethod.SHREDDING,
                          tuple(DestroyedRecord.of(r) for r in records), **fields)


def test_what_the_destruction_log_records() -> None:
    entry = log(ADULT)
    assert entry.records == (DestroyedRecord("r-adult", "Rose Alder", "MRN-100",
                                             date(2015, 3, 1), date(2020, 2, 29)),)
    records = {r.resident_id: r for r in (ADULT, HELD, NO_BIRTH)}
    hold = replace(HOLD, resident_id="r-held")
    check_destruction(entry, records, WA, [hold])
    with pytest.raises(ValidationError) as same_person:
        check_destruction(log(ADULT, witnessed_by="Records clerk A. Kim"), records, WA, [])
    assert same_person.value.field == "witnessed_by"
    with pytest.raises(ValidationError) as unapproved:
        check_destruction(log(ADULT, approved_by=""), records, WA, [])
    assert unapproved.value.field == "approved_by"


@pytest.mark.parametrize(("record", "on", "reason", "words"), [
    (ADULT, date(2028, 2, 29), "retention_not_ended", "must be kept through 2028-02-29"),
    (HELD, date(2028, 3, 1), "on_legal_hold", "Ann Held (MRN-400) is on legal hold"),
    (NO_BIRTH, date(2030, 1, 1), "retention_not_ended", "no birth date"),
])
def test_nothing_early_and_nothing_on_hold_can_be_destroyed(
        record: ClosedRecord, on: date, reason: str, words: str) -> None:
    records = {r.resident_id: r for r in (ADULT, HELD, NO_BIRTH)}
    with pytest.raises(Refused) as refused:
        check_destruction(log(record, on=on), records, WA, [replace(HOLD, resident_id="r-held")])
    assert refused.value.reason == reason
    assert words in refused.value.detail
