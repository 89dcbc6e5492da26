"""Completeness reviews, delinquency and the monthly delinquency rate, by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from protocol.errors import ValidationError
from protocol.rules.records.completeness import (
    Checklist,
    Deficiency,
    RequiredDocument,
    Review,
    complete_by,
    delinquent_from,
    is_delinquent,
    monthly_delinquency,
    open_by_assignee,
    open_review,
)

CHECKLIST = Checklist((
    RequiredDocument("dc_summary", "Discharge summary"),
    RequiredDocument("final_orders", "Signed final physician orders"),
    RequiredDocument("death_cert", "Copy of the death certificate", frozenset({"death"})),
    RequiredDocument("transfer_form", "Transfer form",
                     frozenset({"hospital", "other_facility"})),
))


def test_a_review_lists_each_missing_required_document_with_its_assignee() -> None:
    review = open_review("stay-1", CHECKLIST, discharged_on=date(2026, 1, 31),
                         disposition="death", present=["final_orders"],
                         assignees={"dc_summary": "dr-patel"})
    assert review.deficiencies == (
        Deficiency("dc_summary", "Discharge summary", "dr-patel"),
        Deficiency("death_cert", "Copy of the death certificate", None),
    )  # no transfer form for a death
    home = open_review("stay-2", CHECKLIST, discharged_on=date(2026, 1, 31),
                       disposition="home", present=["dc_summary", "final_orders"])
    assert home.deficiencies == ()
    assert home.completed_on == date(2026, 1, 31)


def test_thirty_days_after_a_month_end_discharge() -> None:
    # 31 Jan 2026 + 30 days = 2 March (due by then); delinquent from 3 March
    assert delinquent_from(date(2026, 1, 31)) == date(2026, 3, 3)
    assert complete_by(date(2026, 1, 31)) == date(2026, 3, 2)  # the due list's date
    review = Review("stay-1", date(2026, 1, 31),
                    (Deficiency("dc_summary", "Discharge summary", "dr-patel"),))
    assert not is_delinquent(review, date(2026, 3, 2))
    assert is_delinquent(review, date(2026, 3, 3))
    assert review.completed_on is None
    done = Review("stay-1", date(2026, 1, 31),
                  (Deficiency("dc_summary", "Discharge summary", "dr-patel", date(2026, 3, 5)),))
    assert is_delinquent(done, date(2026, 3, 4))       # delinquent for two days …
    assert not is_delinquent(done, date(2026, 3, 5))   # … complete on the 5th
    assert done.completed_on == date(2026, 3, 5)
    # a profile with 14 days: 31 Jan + 15 = 15 February
    assert delinquent_from(date(2026, 1, 31), 14) == date(2026, 2, 15)
    assert is_delinquent(review, date(2026, 2, 15), 14)


def test_open_deficiencies_by_assignee() -> None:
    reviews = [
        Review("a", date(2026, 3, 1), (Deficiency("x", "X", "dr-patel"),
                                       Deficiency("y", "Y", None),
                                       Deficiency("z", "Z", "dr-patel", date(2026, 3, 4)))),
        Review("b", date(2026, 3, 2), (Deficiency("x", "X", "rn-lee"),)),
    ]
    by_person = open_by_assignee(reviews, date(2026, 3, 5))
    assert {k: [d.code for d in v] for k, v in by_person.items()} == {
        "dr-patel": ["x"], None: ["y"], "rn-lee": ["x"]}
    # on 3 March the third one was still open
    assert [d.code for d in open_by_assignee(reviews, date(2026, 3, 3))["dr-patel"]] == ["x", "z"]


def _complete(day: date, n: int) -> list[Review]:
    return [Review(f"{day}-{i}", day) for i in range(n)]


def _open(day: date, resolved: date | None = None) -> Review:
    return Review(f"open-{day}", day, (Deficiency("dc_summary", "Discharge summary", "dr",
                                                  resolved),))


def year_2026() -> list[Review]:
    # two discharges on the 10th of each month of 2026 (24), three of them not complete:
    reviews = [r for m in range(1, 13) if m not in (10, 11, 12) for r in _complete(
        date(2026, m, 10), 2)]
    reviews += [*_complete(date(2026, 10, 10), 1), _open(date(2026, 10, 10), date(2026, 12, 31))]
    reviews += [*_complete(date(2026, 11, 10), 1), _open(date(2026, 11, 10))]  # deliq. 11 Dec
    reviews += [*_complete(date(2026, 12, 10), 1), _open(date(2026, 12, 10))]  # from 10 Jan
    return reviews


def test_december_meets_the_benchmark_at_exactly_fifty_percent() -> None:
    month = monthly_delinquency(year_2026(), 2026, 12)
    assert month.as_of == date(2026, 12, 31)
    assert month.discharges == 2
    assert month.discharges_averaged == 24          # January–December 2026
    assert month.average_monthly_discharges == 2    # 24 / 12
    # delinquent on 31 Dec: the 10 Nov one (from 11 Dec); the 10 Oct one was completed
    # on 31 Dec, the 10 Dec one is not delinquent before 10 Jan
    assert month.delinquent == 1
    assert month.rate_percent == Decimal(50)        # 1 / 2
    assert month.meets_benchmark                    # 1 ≤ 50 % × 2


def test_one_more_delinquent_record_fails_the_benchmark() -> None:
    reviews = [*year_2026(), _open(date(2025, 12, 10))]  # outside the 12 months averaged
    month = monthly_delinquency(reviews, 2026, 12)
    assert month.discharges_averaged == 24
    assert month.delinquent == 2
    assert month.rate_percent == Decimal(100)
    assert not month.meets_benchmark


def test_a_month_in_progress_counts_on_the_day_asked() -> None:
    # 10 Oct + 31 = delinquent from 10 Nov, open until 31 Dec;
    # 10 Nov + 31 = delinquent from 11 Dec
    month = monthly_delinquency(year_2026(), 2026, 12, as_of=date(2026, 12, 10))
    assert month.as_of == date(2026, 12, 10)
    assert month.delinquent == 1   # the 10 Oct one only
    assert monthly_delinquency(year_2026(), 2026, 12, as_of=date(2026, 12, 11)).delinquent == 2
    # a day after the month's end counts as the month's end
    assert monthly_delinquency(year_2026(), 2026, 11, as_of=date(2026, 12, 11)).as_of == \
        date(2026, 11, 30)


def test_no_discharges_means_no_rate() -> None:
    empty = monthly_delinquency([], 2026, 6)
    assert empty.rate_percent is None
    assert empty.meets_benchmark  # nothing delinquent
    stale = monthly_delinquency([_open(date(2024, 1, 10))], 2026, 6)
    assert stale.rate_percent is None
    assert stale.delinquent == 1
    assert not stale.meets_benchmark


def test_checklist_is_data() -> None:
    assert Checklist.from_dict(CHECKLIST.to_dict()) == CHECKLIST
    assert CHECKLIST.to_dict()["documents"][3] == {
        "code": "transfer_form", "title": "Transfer form", "when": ["hospital", "other_facility"]}
    with pytest.raises(ValidationError, match="once"):
        Checklist((RequiredDocument("a", "A"), RequiredDocument("a", "B")))
    with pytest.raises(ValidationError):
        Checklist.from_dict({"documents": [{"code": "a", "title": "A", "colour": "red"}]})
    with pytest.raises(ValidationError):
        Checklist.from_dict({"documents": [{"code": "a", "title": ""}]})
