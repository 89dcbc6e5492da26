"""Nurse-aide rules by hand: registry, 4 months, 24 months, in-service, reviews
(docs/rules.md §1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from protocol.rules.due import DueItem, DueStatus, due_list, overdue_list
from protocol.rules.staffing.nurse_aides import (
    Aide,
    InService,
    RegistryCheck,
    Review,
    aide_items,
    four_month_items,
    inservice_items,
    registry_items,
    retraining_items,
    review_items,
)
from protocol.rules.staffing.worktime import WorkEntry


def shift(day: date, code: int = 10, staff: str = "NA1") -> WorkEntry:
    return WorkEntry(staff, code, 2, day, Decimal(480))


def training(day: date, hours: str, *topics: str) -> InService:
    return InService("NA1", day, Decimal(hours) * 60, frozenset(topics))


def only(items: list[DueItem], rule: str) -> list[tuple[DueStatus, date | None]]:
    return [(i.status, i.due) for i in items if i.rule == rule]


# --- registry ------------------------------------------------------------------------------------


def test_every_registry_is_verified_before_the_first_shift() -> None:
    # First CNA shift 2 Sept 2026. NY checked 30 Aug (before): done. NJ checked
    # only on 3 Sept, after the first shift: a violation.
    aide = Aide("NA1", date(2026, 9, 1), frozenset({"NY", "NJ"}))
    checks = [RegistryCheck("NA1", "NY", date(2026, 8, 30)),
              RegistryCheck("NA1", "NJ", date(2026, 9, 3))]
    nj, ny = registry_items(aide, checks, [shift(date(2026, 9, 2)), shift(date(2026, 9, 4))])
    assert (ny.what, ny.status, ny.due, ny.done_on) == (
        "verify NY nurse aide registry", DueStatus.DONE, date(2026, 9, 2), date(2026, 8, 30))
    assert (nj.status, nj.done_on) == (DueStatus.VIOLATION, date(2026, 9, 3))
    assert nj.why.startswith("worked as a nurse aide from 2026-09-02, verified only on "
                             "2026-09-03")


def test_a_check_on_the_day_of_the_first_shift_counts() -> None:
    aide = Aide("NA1", registry_states=frozenset({"NJ"}))
    [item] = registry_items(aide, [RegistryCheck("NA1", "NJ", date(2026, 9, 2))],
                            [shift(date(2026, 9, 2))])
    assert item.status is DueStatus.DONE


def test_a_check_that_did_not_confirm_competency_is_no_verification() -> None:
    aide = Aide("NA1", registry_states=frozenset({"NY"}))
    [item] = registry_items(aide, [RegistryCheck("NA1", "NY", date(2026, 8, 1), False)],
                            [shift(date(2026, 9, 2))])
    assert item.status is DueStatus.VIOLATION
    assert "the check of 2026-08-01 did not confirm competency" in item.why


def test_an_aide_in_training_needs_no_registry_check_yet() -> None:
    # Code 11 only (483.35(d)(4)(i)): the check is due before the first CNA shift.
    [item] = registry_items(Aide("NA1"), [], [shift(date(2026, 9, 2), code=11)])
    assert (item.status, item.due, item.what) == (DueStatus.DUE, None,
                                                  "verify a nurse aide registry")


# --- 4 months ------------------------------------------------------------------------------


def test_four_months_end_on_29_february_in_a_leap_year() -> None:
    # First day as an aide 29 Oct 2027; 4 months on is 29 Feb 2028, the last day
    # an aide not yet competent may work. 1 March 2028 is one day too many.
    aide = Aide("NA1")
    work = [shift(date(2027, 10, 29), 11), shift(date(2028, 2, 29), 11),
            shift(date(2028, 3, 1), 11), shift(date(2028, 3, 2), 11)]
    items = four_month_items(aide, work, today=date(2028, 3, 5))
    assert only(items, "four_month_competency") == [
        (DueStatus.OVERDUE, date(2028, 2, 29)), (DueStatus.VIOLATION, date(2028, 3, 1))]
    assert items[1].why == ("worked as a nurse aide on 2 days from 2028-03-01, more than 4 "
                            "months after 2027-10-29, without competency")
    # Through 29 February only: no violation.
    assert only(four_month_items(aide, work[:2], today=date(2028, 2, 29)),
                "four_month_competency") == [(DueStatus.DUE, date(2028, 2, 29))]


def test_four_months_from_31_october_end_on_1_march() -> None:
    # 31 Oct 2026 + 4 months: there is no 31 February, so 1 March 2027.
    [item] = four_month_items(Aide("NA1"), [shift(date(2026, 10, 31), 11)],
                              today=date(2026, 12, 1))
    assert (item.status, item.due) == (DueStatus.DUE, date(2027, 3, 1))


def test_competency_within_four_months() -> None:
    aide = Aide("NA1", competent_on=date(2028, 1, 15))
    work = [shift(date(2027, 10, 29), 11), shift(date(2028, 3, 1))]
    assert only(four_month_items(aide, work, today=date(2028, 3, 5)),
                "four_month_competency") == [(DueStatus.DONE, date(2028, 2, 29))]
    already = Aide("NA1", competent_on=date(2027, 10, 1))
    assert four_month_items(already, work, today=date(2028, 3, 5)) == []


# --- 24 months ----------------------------------------------------------------------------------


def test_24_months_without_paid_nursing_work() -> None:
    # Last paid nursing work elsewhere 10 March 2024: the aide may start through
    # 10 March 2026 (24 months on); a first shift on 11 March 2026 needs retraining.
    ok = Aide("NA1", paid_nursing_before_hire=date(2024, 3, 10))
    assert retraining_items(ok, [shift(date(2026, 3, 10))], today=date(2026, 3, 20)) == []
    [item] = retraining_items(ok, [shift(date(2026, 3, 11))], today=date(2026, 3, 20))
    assert (item.status, item.due) == (DueStatus.VIOLATION, date(2026, 3, 11))
    # A new competency evaluation in between restarts the count.
    retested = Aide("NA1", competent_on=date(2026, 3, 1),
                    paid_nursing_before_hire=date(2024, 3, 10))
    assert retraining_items(retested, [shift(date(2026, 3, 11))], today=date(2026, 3, 20)) == []


def test_a_lapse_still_running_is_due_before_the_next_shift() -> None:
    # Last shift 15 Jan 2024: 24 months run to 15 Jan 2026; from the 16th the
    # aide needs a new program or evaluation first.
    work = [shift(date(2024, 1, 15))]
    assert retraining_items(Aide("NA1"), work, today=date(2026, 1, 15)) == []
    [item] = retraining_items(Aide("NA1"), work, today=date(2026, 1, 16))
    assert (item.status, item.due) == (DueStatus.DUE, None)
    assert "24 consecutive months ended on 2026-01-15, so from 2026-01-16" in item.why


# --- in-service and reviews ----------------------------------------------------------------


def test_twelve_hours_with_dementia_and_abuse_topics_each_year() -> None:
    # Hired 1 March 2025. Year 1 (2025-03-01 – 2026-02-28): 4 h dementia + 5 h abuse
    # prevention + 3 h infection control = 12 h with both topics, reached 20 Feb 2026.
    # Year 2 (to 2027-02-28), on 1 Dec 2026: 6 h, no abuse prevention yet.
    aide = Aide("NA1", hire_date=date(2025, 3, 1))
    trainings = [training(date(2025, 4, 1), "4", "dementia_management"),
                 training(date(2025, 9, 1), "5", "abuse_prevention"),
                 training(date(2026, 2, 20), "3", "infection_control"),
                 training(date(2026, 6, 1), "6", "dementia_management")]
    first, second = inservice_items(aide, trainings, [], [], today=date(2026, 12, 1))
    assert (first.status, first.due, first.done_on) == (
        DueStatus.DONE, date(2026, 2, 28), date(2026, 2, 20))
    assert (second.status, second.due) == (DueStatus.DUE, date(2027, 2, 28))
    assert second.why == ("in-service year 2026-03-01 to 2027-02-28: 6.00 h of 12 h, missing "
                          "abuse prevention (42 CFR 483.95(g))")


def test_a_year_that_ended_short_is_a_violation() -> None:
    aide = Aide("NA1", hire_date=date(2025, 3, 1))
    trainings = [training(date(2025, 4, 1), "6.75", "dementia_management", "abuse_prevention"),
                 training(date(2025, 9, 1), "5", "other")]  # 11.75 h
    # On 28 Feb 2026 the year is still open (due); on 1 March it has ended short.
    [open_year] = inservice_items(aide, trainings, [], [], today=date(2026, 2, 28))
    assert open_year.status is DueStatus.DUE
    year, _ = inservice_items(aide, trainings, [], [], today=date(2026, 3, 1))
    assert year.status is DueStatus.VIOLATION
    assert "11.75 h of 12 h" in year.why


def test_a_leap_day_hire_has_years_ending_28_february() -> None:
    # Hired 29 Feb 2024: year 1 runs to 28 Feb 2025 (29 Feb 2025 → 1 Mar, less a day).
    items = inservice_items(Aide("NA1", hire_date=date(2024, 2, 29)), [], [], [],
                            today=date(2025, 3, 1))
    assert [i.due for i in items] == [date(2025, 2, 28), date(2026, 2, 28)]
    assert [i.status for i in items] == [DueStatus.VIOLATION, DueStatus.DUE]


def test_weaknesses_from_a_review_must_be_addressed() -> None:
    aide = Aide("NA1", hire_date=date(2025, 3, 1))
    review = Review("NA1", date(2026, 5, 10), frozenset({"transfers"}), "R1")
    done = inservice_items(aide, [training(date(2026, 8, 1), "1", "transfers")], [review], [],
                           today=date(2027, 6, 1))
    assert only(done, "review_weakness") == [(DueStatus.DONE, date(2027, 5, 10))]
    late = inservice_items(aide, [], [review], [], today=date(2027, 5, 11))
    assert only(late, "review_weakness") == [(DueStatus.OVERDUE, date(2027, 5, 10))]


def test_performance_review_every_12_months() -> None:
    # Hired 1 March 2025 → first review by 1 March 2026. Reviewed 15 Feb 2026
    # (done); the next by 15 Feb 2027, overdue on the 16th.
    aide = Aide("NA1", hire_date=date(2025, 3, 1))
    items = review_items(aide, [Review("NA1", date(2026, 2, 15))], [], today=date(2027, 2, 16))
    assert [(i.status, i.due) for i in items] == [
        (DueStatus.DONE, date(2026, 3, 1)), (DueStatus.OVERDUE, date(2027, 2, 15))]
    late = review_items(aide, [Review("NA1", date(2026, 3, 2))], [], today=date(2026, 4, 1))
    assert [(i.status, i.due) for i in late] == [
        (DueStatus.LATE, date(2026, 3, 1)), (DueStatus.DUE, date(2027, 3, 2))]


def test_all_items_of_an_aide_and_the_due_lists() -> None:
    aide = Aide("NA1", hire_date=date(2026, 9, 1), registry_states=frozenset({"NY"}))
    items = aide_items(aide, checks=[], trainings=[], reviews=[],
                       entries=[shift(date(2026, 9, 2), 11)], today=date(2026, 10, 1))
    assert {i.rule for i in due_list(items)} == {
        "registry_verification", "four_month_competency", "in_service_hours",
        "performance_review"}
    assert overdue_list(items) == []
    assert due_list(items)[0].due == date(2027, 1, 2)  # 4 months from 2 Sept, soonest first
