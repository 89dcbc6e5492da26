"""State staffing profiles as data: the shipped figures, and the dict round trip."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from protocol.rules.staffing.profile import (
    DEFAULT_PROFILES,
    SUNDAY,
    Basis,
    Category,
    Minimum,
    ProfileError,
    StaffingProfile,
)


def minimums(key: str) -> set[tuple[str, str, str]]:
    return {(str(m.category), str(m.hprd), str(m.basis)) for m in DEFAULT_PROFILES[key].minimums}


def test_cms_categories_by_job_title_code() -> None:
    # docs/rules.md §2: RN = 5, 6, 7; LPN = 8, 9; aide = 10, 11, 12; total = 5–12.
    federal = DEFAULT_PROFILES["federal"]
    assert federal.codes(Category.RN) == {5, 6, 7}
    assert federal.codes(Category.LPN) == {8, 9}
    assert federal.codes(Category.AIDE) == {10, 11, 12}
    assert federal.codes(Category.LICENSED) == {5, 6, 7, 8, 9}
    assert federal.codes(Category.TOTAL) == set(range(5, 13))
    for not_nurse in (13, 14, 17):
        assert not any(not_nurse in federal.codes(c) for c in Category)


def test_federal_floor_has_no_hprd_minimum_and_a_40_hour_don() -> None:
    federal = DEFAULT_PROFILES["federal"]
    assert federal.minimums == ()
    assert federal.don_full_time_hours == 40
    assert federal.don_charge_nurse_max_occupancy == 60
    assert federal.week_start == SUNDAY
    assert not federal.rn_24_7
    assert not federal.informational


def test_state_figures_as_the_reference_gives_them() -> None:
    assert minimums("CA") == {("direct_care", "3.5", "day"), ("aide", "2.4", "day")}
    assert minimums("NY") == {("total", "3.5", "day"), ("aide", "2.2", "day"),
                              ("licensed", "1.1", "day")}
    assert minimums("FL") == {("total", "3.6", "week"), ("aide", "2.0", "day"),
                              ("licensed", "1.0", "day")}
    assert minimums("RI") == {("total", "3.81", "day"), ("aide", "2.44", "day")}
    assert minimums("MD") == {("direct_care", "3.0", "day")}
    assert DEFAULT_PROFILES["MD"].rn_24_7


def test_the_2024_benchmark_is_informational_only() -> None:
    benchmark = DEFAULT_PROFILES["benchmark-2024"]
    assert benchmark.informational
    assert benchmark.rn_24_7
    assert minimums("benchmark-2024") == {("total", "3.48", "period"), ("rn", "0.55", "period"),
                                          ("aide", "2.45", "period")}
    assert all(not p.informational for k, p in DEFAULT_PROFILES.items() if k != "benchmark-2024")


@pytest.mark.parametrize("key", sorted(DEFAULT_PROFILES))
def test_every_default_survives_json(key: str) -> None:
    profile = DEFAULT_PROFILES[key]
    text = json.dumps(profile.to_dict())
    assert StaffingProfile.from_dict(json.loads(text)) == profile


def test_a_new_state_needs_no_code() -> None:
    data = {
        "format": 1, "key": "ZZ", "name": "A state of our own", "state": "TX",
        "categories": {"direct_care": [7, 9, 10]},
        "minimums": [{"category": "direct_care", "hprd": "2.75", "basis": "week"},
                     {"category": "rn", "hprd": 0.3, "basis": "period"}],
        "week_start": "monday", "rn_24_7": True, "don_full_time_hours": "35",
    }
    profile = StaffingProfile.from_dict(data)
    assert profile.codes(Category.DIRECT_CARE) == {7, 9, 10}
    assert profile.codes(Category.RN) == {5, 6, 7}  # untouched categories keep CMS's codes
    assert profile.minimums == (Minimum(Category.DIRECT_CARE, Decimal("2.75"), Basis.WEEK),
                                Minimum(Category.RN, Decimal("0.3"), Basis.PERIOD))
    assert profile.week_start == 0
    assert profile.don_full_time_hours == 35
    assert profile.rn_24_7


@pytest.mark.parametrize(("change", "field"), [
    ({"format": 2}, "format"),
    ({"key": "has space!"}, "key"),
    ({"name": ""}, "name"),
    ({"colour": "red"}, "colour"),
    ({"state": "Texas"}, "state"),
    ({"categories": {"rn": [5, 41]}}, "categories.rn"),
    ({"categories": {"rn": ["5"]}}, "categories.rn"),
    ({"categories": {"doctors": [2]}}, "categories.doctors"),
    ({"minimums": [{"category": "rn", "hprd": "-1", "basis": "day"}]}, "minimums[0].hprd"),
    ({"minimums": [{"category": "rn", "hprd": "abc", "basis": "day"}]}, "minimums[0].hprd"),
    ({"minimums": [{"category": "rn", "hprd": "1", "basis": "month"}]}, "minimums[0].basis"),
    ({"minimums": [{"category": "rn", "hprd": "1"}]}, "minimums[0]"),
    ({"minimums": [{"category": "rn", "hprd": "1", "basis": "day"},
                   {"category": "rn", "hprd": "2", "basis": "day"}]}, "minimums[1]"),
    ({"categories": {"direct_care": []},
      "minimums": [{"category": "direct_care", "hprd": "3", "basis": "day"}]},
     "minimums[0].category"),
    ({"week_start": "someday"}, "week_start"),
    ({"informational": "yes"}, "informational"),
    ({"don_full_time_hours": "0"}, "don_full_time_hours"),
])
def test_bad_profiles_name_the_bad_value(change: dict[str, object], field: str) -> None:
    data = {**DEFAULT_PROFILES["FL"].to_dict(), **change}
    with pytest.raises(ProfileError) as caught:
        StaffingProfile.from_dict(data)
    assert caught.value.field == field


def test_missing_required_key() -> None:
    data = DEFAULT_PROFILES["NY"].to_dict()
    del data["name"]
    with pytest.raises(ProfileError, match="name: is required"):
        StaffingProfile.from_dict(data)
