"""Census statistics for November 2026, every figure worked out by hand (docs/rules.md §4).

Six stays, 10 licensed beds from 1 January 2026 and 12 from 16 November:

====  ==========  ==========  ================================================  =========
stay  admitted    ended       leaves, payer                                     Nov days
====  ==========  ==========  ================================================  =========
A     2026-10-20  —           medicare, medicaid from 11-11                      30
B     2026-11-05  11-12 home  private                                            7 (5–11)
C     2026-11-20  11-20 death medicare; same-day admission and death             1
D     2026-09-01  11-03 death medicaid                                           2 (1–2)
E     2026-11-01  —           private; hospital 11-10→11-14 bed held (4 days     26
                              away at midnight: 10, 11, 12, 13), therapeutic
                              11-20→11-20 (back by midnight: counts)
F     2026-10-01  11-28       other; therapeutic leave 11-25, no bed hold,       24 (1–24)
                              discharged on leave (25, 26, 27 = 3 leave days)
====  ==========  ==========  ================================================  =========

Resident days 30 + 7 + 1 + 2 + 26 + 24 = 90; leave days 4 + 3 = 7, of which 4 with
the bed held. Admissions B, C, E = 3 (returns from leave are not admissions).
Discharges B, C, D, F = 4, deaths C, D = 2. Lengths of stay: B 7, C 1 (same
day), D 63 (1 Sep → 3 Nov), F 58 (1 Oct → 28 Nov) = 129; ALOS 129 ÷ 4 = 32.25.
Bed-count days 15 × 10 + 15 × 12 = 330.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from protocol.errors import ValidationError
from protocol.rules.calendar import round_half_up
from protocol.rules.residents.census_stats import (
    BedCount,
    DayState,
    Leave,
    PayerPeriod,
    StayFacts,
    census_statistics,
    daily_census,
    day_state,
    month_and_year_to_date,
)

NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)
BEDS = [BedCount(date(2026, 1, 1), 10), BedCount(date(2026, 11, 16), 12)]


def d(month: int, day: int) -> date:
    return date(2026, month, day)


A = StayFacts("A", d(10, 20), payers=(PayerPeriod("medicare", d(10, 20)),
                                      PayerPeriod("medicaid", d(11, 11))))
B = StayFacts("B", d(11, 5), d(11, 12), payers=(PayerPeriod("private", d(11, 5)),))
C = StayFacts("C", d(11, 20), d(11, 20), death=True,
              payers=(PayerPeriod("medicare", d(11, 20)),))
D = StayFacts("D", d(9, 1), d(11, 3), death=True, payers=(PayerPeriod("medicaid", d(9, 1)),))
E = StayFacts("E", d(11, 1), leaves=(Leave(d(11, 10), d(11, 14), bed_hold=True),
                                     Leave(d(11, 20), d(11, 20), False, "therapeutic")),
              payers=(PayerPeriod("private", d(11, 1)),))
F = StayFacts("F", d(10, 1), d(11, 28), leaves=(Leave(d(11, 25), None, False, "therapeutic"),),
              payers=(PayerPeriod("other", d(10, 1)),))
STAYS = [A, B, C, D, E, F]


def test_the_month_by_hand() -> None:
    stats = census_statistics(STAYS, BEDS, NOV_1, NOV_30)
    t = stats.totals
    assert (t.resident_days, t.leave_days, t.bed_hold_days) == (90, 7, 4)
    assert (t.admissions, t.discharges, t.deaths) == (3, 4, 2)
    assert t.length_of_stay_days == 129
    assert stats.bed_count_days == 330
    assert stats.average_daily_census == 3                      # 90 ÷ 30
    assert stats.average_length_of_stay == Decimal("32.25")     # 129 ÷ 4
    assert round_half_up(stats.occupancy_percent or 0) == Decimal("27.27")  # 9,000 ÷ 330
    assert round_half_up(stats.held_bed_occupancy_percent or 0) == Decimal("28.48")  # 9,400 ÷ 330
    assert stats.average_bed_count == 11                        # 330 ÷ 30
    assert round_half_up(stats.bed_turnover or 0) == Decimal("0.36")  # 4 ÷ 11
    assert stats.gross_death_rate == 50                         # 2 × 100 ÷ 4
    assert stats.leave_days_by_type == {"hospital": 4, "therapeutic": 3}


def test_each_day_goes_to_the_payer_in_force() -> None:
    # medicare: A 1–10 Nov (10) + C (1); medicaid: A 11–30 (20) + D (2);
    # private: B 7 + E 26; other: F 24.
    by_payer = census_statistics(STAYS, BEDS, NOV_1, NOV_30).by_payer
    assert {p: f.resident_days for p, f in by_payer.items()} == {
        "medicare": 11, "medicaid": 22, "private": 33, "other": 24}
    assert (by_payer["private"].bed_hold_days, by_payer["other"].leave_days) == (4, 3)
    assert (by_payer["private"].admissions, by_payer["medicare"].admissions) == (2, 1)
    assert {p: (f.discharges, f.deaths) for p, f in by_payer.items()} == {
        "medicare": (1, 1), "medicaid": (1, 1), "private": (1, 0), "other": (1, 0)}
    stats = census_statistics(STAYS, BEDS, NOV_1, NOV_30)
    assert round_half_up(stats.payer_average_daily_census("private") or 0) == Decimal("1.10")


def test_the_midnight_census_day_by_day() -> None:
    census = daily_census(STAYS, NOV_1, NOV_30)
    assert sum(census.values()) == 90
    assert census[d(11, 3)] == 3    # A, E, F (D's death day does not count)
    assert census[d(11, 10)] == 3   # A, B, F (E away at midnight)
    assert census[d(11, 14)] == 3   # A, E back (the day of return counts), F; B left on the 12th
    assert census[d(11, 20)] == 4   # A, C (same-day), E (back by midnight), F
    assert census[d(11, 25)] == 2   # A, E (F on leave)


@pytest.mark.parametrize(("stay", "day", "state"), [
    (C, d(11, 20), DayState.IN_HOUSE),          # admitted and died the same day: 1 day
    (B, d(11, 5), DayState.IN_HOUSE),           # the admission day counts
    (B, d(11, 12), None),                       # the discharge day does not
    (E, d(11, 10), DayState.BED_HOLD),          # the day a leave begins, away at midnight
    (E, d(11, 14), DayState.IN_HOUSE),          # the day of return
    (E, d(11, 20), DayState.IN_HOUSE),          # back by midnight
    (F, d(11, 27), DayState.LEAVE),             # away without a held bed
    (F, d(11, 28), None),                       # discharged while on leave
])
def test_day_states(stay: StayFacts, day: date, state: DayState | None) -> None:
    assert day_state(stay, day) is state


def test_month_and_year_to_date() -> None:
    # Calendar year: Jan 1 – Nov 30. A 12 + 30 = 42; B 7; C 1; D 30 + 31 + 2 = 63;
    # E 26; F 31 + 24 = 55: 194 resident days; all six admitted in 2026.
    month, year = month_and_year_to_date(STAYS, BEDS, 2026, 11)
    assert month.totals.resident_days == 90
    assert (year.start, year.end) == (date(2026, 1, 1), NOV_30)
    assert (year.totals.resident_days, year.totals.admissions) == (194, 6)
    # Federal fiscal year (from 1 October): D counts from Oct 1 (33 days) and
    # its September admission falls outside: 42 + 7 + 1 + 33 + 26 + 55 = 164.
    _, fiscal = month_and_year_to_date(STAYS, BEDS, 2026, 11, year_start_month=10)
    assert fiscal.start == date(2026, 10, 1)
    assert (fiscal.totals.resident_days, fiscal.totals.admissions) == (164, 5)
    # An open month ends at `through`: 1–15 November.
    open_month, _ = month_and_year_to_date(STAYS, BEDS, 2026, 11, through=date(2026, 11, 15))
    assert (open_month.end, open_month.days) == (date(2026, 11, 15), 15)


def test_no_discharges_leaves_the_ratios_without_value() -> None:
    stats = census_statistics([A], BEDS, NOV_1, NOV_30)
    assert stats.average_length_of_stay is None
    assert stats.gross_death_rate is None
    assert stats.bed_turnover == 0


def test_a_day_without_a_bed_count_is_an_error() -> None:
    with pytest.raises(ValidationError, match="2025-12-31"):
        census_statistics(STAYS, BEDS, date(2025, 12, 31), NOV_30)


def test_from_a_stay_record() -> None:
    record = {
        "admitted_at": "2026-11-01", "discharged_at": None, "disposition": None,
        "payer": "private", "status": "active",
        "leaves": [
            {"leave_type": "hospital", "left_at": "2026-11-10T14:00",
             "returned_at": "2026-11-14T09:30", "bed_hold": True},
            {"leave_type": "therapeutic", "left_at": "2026-11-20T10:00",
             "returned_at": "2026-11-20T18:00", "bed_hold": False},
        ],
    }
    assert StayFacts.from_stay("E", record) == E
    died = StayFacts.from_stay("D", {"admitted_at": "2026-09-01", "discharged_at": "2026-11-03",
                                     "disposition": "death", "payer": "medicaid"})
    assert died == D
    # A payer change inside a stay comes as payer periods.
    assert StayFacts.from_stay("A", {"admitted_at": "2026-10-20", "payer": "medicare"},
                               A.payers) == A
    assert StayFacts.from_stay("X", {"admitted_at": "2026-10-20"}).payer_on(d(11, 1)) \
        == "unknown"


def test_a_discharge_before_the_admission_is_refused() -> None:
    with pytest.raises(ValidationError, match="before the admission"):
        StayFacts("X", d(11, 5), d(11, 4))
