"""The MDS/OBRA schedule by hand (docs/rules.md §5): day arithmetic only, no roll-forward.

Day counts used below (each worked out on a calendar):
- 2026-10-01 + 13 = 2026-10-14 (day 14 of a stay entered 1 Oct).
- 2026-10-08 + 92 = 2027-01-08 (Oct +23, Nov +30, Dec +31, Jan +8).
- 2027-01-05 + 92 = 2027-04-07; 2026-11-25 + 92 = 2027-02-25.
- 2027-07-04 + 92 = 2027-10-04; 2027-10-01 + 92 = 2028-01-01.
- 2026-10-08 + 366 = 2027-10-09; 2026-06-15 + 366 = 2027-06-16 (not "same date next
  year"); 2027-06-15 + 366 = 2028-06-15 (29 Feb 2028 in between).
- 2027-12-01 + 92 = 2028-03-02 (a "+3 months" would say 1 March).
- 2026-12-20 + 30 = 2027-01-19; 2027-01-19 + 13 = 2027-02-01.
- 2026-07-01 + 150 = 2026-11-28.
"""

from __future__ import annotations

from datetime import date

import pytest

from protocol.errors import ValidationError
from protocol.rules.due import DueItem, DueStatus
from protocol.rules.residents.mds import (
    Assessment,
    AssessmentType,
    Movement,
    MovementKind,
    episodes,
    is_reentry,
    mds_schedule,
    record_asked_for,
)

T = AssessmentType
ENTRY, DISCHARGE, DEATH = MovementKind.ENTRY, MovementKind.DISCHARGE, MovementKind.DEATH
ADMITTED = date(2026, 10, 1)
IN = [Movement(ENTRY, ADMITTED)]
ENTRY_RECORD = Assessment(T.ENTRY, event_on=ADMITTED, completed_on=date(2026, 10, 5),
                          transmitted_on=date(2026, 10, 10))
ADMISSION = Assessment(T.ADMISSION, ard=date(2026, 10, 8), completed_on=date(2026, 10, 12),
                       caa_on=date(2026, 10, 13), care_plan_on=date(2026, 10, 19),
                       transmitted_on=date(2026, 11, 1), record_id="A1")


def find(items: list[DueItem], rule: str) -> list[tuple[DueStatus, date | None]]:
    return [(i.status, i.due) for i in items if i.rule == rule]


def schedule(movements: list[Movement], *records: Assessment, today: date) -> list[DueItem]:
    return mds_schedule("R1", movements, records, today)


def test_admission_by_day_14_and_each_step_after_it() -> None:
    items = schedule(IN, ENTRY_RECORD, ADMISSION, today=date(2026, 12, 1))
    assert find(items, "admission_ard") == [(DueStatus.DONE, date(2026, 10, 14))]
    assert find(items, "admission_completion") == [(DueStatus.DONE, date(2026, 10, 14))]
    assert find(items, "admission_caa") == [(DueStatus.DONE, date(2026, 10, 14))]
    # care plan ≤ CAAs 13 Oct + 7 = 20 Oct; transmission ≤ care plan 19 Oct + 14 = 2 Nov.
    assert find(items, "admission_care_plan") == [(DueStatus.DONE, date(2026, 10, 20))]
    assert find(items, "admission_transmission") == [(DueStatus.DONE, date(2026, 11, 2))]
    # entry tracking: completed ≤ 1 Oct + 7, transmitted ≤ 1 Oct + 14 (from the event date).
    assert find(items, "entry_completion") == [(DueStatus.DONE, date(2026, 10, 8))]
    assert find(items, "entry_transmission") == [(DueStatus.DONE, date(2026, 10, 15))]
    [quarterly] = [i for i in items if i.rule == "quarterly_ard"]
    assert (quarterly.status, quarterly.due) == (DueStatus.DUE, date(2027, 1, 8))
    assert quarterly.why == "ARD ≤ previous OBRA ARD 2026-10-08 + 92 = 2027-01-08"


def test_day_14_is_entry_plus_13() -> None:
    on_14 = Assessment(T.ADMISSION, ard=date(2026, 10, 14))
    on_15 = Assessment(T.ADMISSION, ard=date(2026, 10, 15))
    assert find(schedule(IN, on_14, today=date(2026, 10, 15)), "admission_ard") == [
        (DueStatus.DONE, date(2026, 10, 14))]
    assert find(schedule(IN, on_15, today=date(2026, 10, 15)), "admission_ard") == [
        (DueStatus.LATE, date(2026, 10, 14))]
    nothing = schedule(IN, today=date(2026, 10, 15))
    assert find(nothing, "admission_ard") == [(DueStatus.OVERDUE, date(2026, 10, 14))]
    assert find(nothing, "entry_completion") == [(DueStatus.OVERDUE, date(2026, 10, 8))]


def test_the_next_quarterly_counts_from_the_ard_used() -> None:
    # Quarterly ARD 5 Jan (on time), completed 20 Jan > 5 Jan + 14 = 19 Jan: late;
    # transmission ≤ completion 20 Jan + 14 = 3 Feb. Next ≤ 5 Jan + 92 = 7 Apr.
    quarterly = Assessment(T.QUARTERLY, ard=date(2027, 1, 5), completed_on=date(2027, 1, 20))
    items = schedule(IN, ENTRY_RECORD, ADMISSION, quarterly, today=date(2027, 1, 25))
    assert find(items, "quarterly_ard") == [(DueStatus.DONE, date(2027, 1, 8)),
                                            (DueStatus.DUE, date(2027, 4, 7))]
    assert find(items, "quarterly_completion") == [(DueStatus.LATE, date(2027, 1, 19))]
    assert find(items, "quarterly_transmission") == [(DueStatus.DUE, date(2027, 2, 3))]
    assert not find(items, "quarterly_caa")  # a quarterly has no CAAs


def test_the_annual_is_due_when_the_366_day_clock_is_earlier() -> None:
    obra = [ADMISSION] + [Assessment(T.QUARTERLY, ard=d) for d in (
        date(2027, 1, 5), date(2027, 4, 5), date(2027, 7, 4), date(2027, 10, 1))]
    items = schedule(IN, *obra, today=date(2027, 10, 5))
    # The fourth quarterly (ARD 1 Oct) was due ≤ 4 Jul + 92 = 4 Oct: done. Next:
    # 1 Oct + 92 = 1 Jan 2028, but 8 Oct 2026 + 366 = 9 Oct 2027 is earlier.
    assert find(items, "quarterly_ard")[-1] == (DueStatus.DONE, date(2027, 10, 4))
    [annual] = [i for i in items if i.rule == "annual_ard"]
    assert (annual.status, annual.due) == (DueStatus.DUE, date(2027, 10, 9))
    assert annual.why == ("ARD ≤ previous comprehensive ARD 2026-10-08 + 366 = 2027-10-09 and "
                          "≤ previous OBRA ARD 2027-10-01 + 92 = 2028-01-01: the earlier governs")


def test_an_annual_is_also_held_to_92_days() -> None:
    # Annual with ARD 6 Oct 2027 after a quarterly of 4 Jul 2027: due ≤ min(9 Oct,
    # 4 Jul + 92 = 4 Oct) = 4 Oct → late. CAAs ≤ ARD + 14, care plan ≤ CAAs + 7.
    obra = [ADMISSION] + [Assessment(T.QUARTERLY, ard=d) for d in (
        date(2027, 1, 5), date(2027, 4, 5), date(2027, 7, 4))]
    annual = Assessment(T.ANNUAL, ard=date(2027, 10, 6), completed_on=date(2027, 10, 15),
                        caa_on=date(2027, 10, 20), care_plan_on=date(2027, 10, 28))
    items = schedule(IN, *obra, annual, today=date(2027, 11, 1))
    assert find(items, "annual_ard") == [(DueStatus.LATE, date(2027, 10, 4))]
    assert find(items, "annual_caa") == [(DueStatus.DONE, date(2027, 10, 20))]
    assert find(items, "annual_care_plan") == [(DueStatus.LATE, date(2027, 10, 27))]
    # The annual restarts both clocks: next quarterly ≤ 6 Oct 2027 + 92 = 6 Jan 2028.
    assert find(items, "quarterly_ard")[-1] == (DueStatus.DUE, date(2028, 1, 6))


@pytest.mark.parametrize(("ard", "days", "due"), [
    (date(2026, 6, 15), 366, date(2027, 6, 16)),
    (date(2027, 6, 15), 366, date(2028, 6, 15)),
    (date(2027, 12, 1), 92, date(2028, 3, 2)),
])
def test_day_arithmetic_across_leap_years(ard: date, days: int, due: date) -> None:
    movements = [Movement(ENTRY, ard)]
    admission = Assessment(T.ADMISSION, ard=ard)
    items = schedule(movements, admission, today=ard)
    if days == 92:
        assert find(items, "quarterly_ard") == [(DueStatus.DUE, due)]
    else:
        # Quarterlies every 90 days keep the 92-day clock later than the annual.
        obra = [Assessment(T.QUARTERLY, ard=date.fromordinal(ard.toordinal() + 90 * k))
                for k in (1, 2, 3, 4)]
        items = schedule(movements, admission, *obra, today=ard)
        assert find(items, "annual_ard") == [(DueStatus.DUE, due)]


def test_significant_change_restarts_the_clocks() -> None:
    # Determined 20 Nov: ARD, completion and CAAs ≤ 4 Dec; care plan ≤ CAAs 4 Dec + 7.
    # Not transmitted: ≤ care plan 11 Dec + 14 = 25 Dec, overdue on the 26th.
    change = Assessment(T.SIGNIFICANT_CHANGE, ard=date(2026, 11, 25),
                        determination_on=date(2026, 11, 20), completed_on=date(2026, 12, 3),
                        caa_on=date(2026, 12, 4), care_plan_on=date(2026, 12, 11))
    items = schedule(IN, ENTRY_RECORD, ADMISSION, change, today=date(2026, 12, 26))
    assert find(items, "significant_change_ard") == [(DueStatus.DONE, date(2026, 12, 4))]
    assert find(items, "significant_change_caa") == [(DueStatus.DONE, date(2026, 12, 4))]
    assert find(items, "significant_change_care_plan") == [(DueStatus.DONE, date(2026, 12, 11))]
    assert find(items, "significant_change_transmission") == [
        (DueStatus.OVERDUE, date(2026, 12, 25))]
    assert find(items, "quarterly_ard") == [(DueStatus.DUE, date(2027, 2, 25))]


def test_a_significant_change_in_progress_and_one_without_a_determination() -> None:
    pending = Assessment(T.CORRECTION_QUARTERLY, determination_on=date(2026, 12, 1))
    items = schedule(IN, ADMISSION, pending, today=date(2026, 12, 10))
    assert find(items, "significant_correction_quarterly_ard") == [
        (DueStatus.DUE, date(2026, 12, 15))]
    undetermined = Assessment(T.SIGNIFICANT_CHANGE, ard=date(2026, 12, 1))
    items = schedule(IN, ADMISSION, undetermined, today=date(2026, 12, 10))
    assert find(items, "significant_determination") == [(DueStatus.REVIEW, None)]


def reentry_case(back: date, *, anticipated: bool = True) -> list[Movement]:
    return [Movement(ENTRY, ADMITTED), Movement(DISCHARGE, date(2026, 12, 20), anticipated),
            Movement(ENTRY, back)]


def test_reentry_on_day_30_continues_the_schedule() -> None:
    # Discharged 20 Dec (return anticipated), back 19 Jan = discharge + 30: a
    # re-entry. The quarterly due 8 Jan fell due while away: due 19 Jan + 13 = 1 Feb.
    assert is_reentry(Movement(DISCHARGE, date(2026, 12, 20), True), date(2027, 1, 19))
    items = schedule(reentry_case(date(2027, 1, 19)), ADMISSION, today=date(2027, 1, 20))
    [quarterly] = [i for i in items if i.rule == "quarterly_ard"]
    assert (quarterly.status, quarterly.due) == (DueStatus.DUE, date(2027, 2, 1))
    assert quarterly.why.endswith("fell due on 2027-01-08 while away (discharged 2026-12-20, "
                                  "return anticipated, re-entered 2027-01-19): due re-entry "
                                  "+ 13 = 2027-02-01")
    assert not find(items, "admission_ard")[1:]  # no new admission assessment
    assert find(items, "entry_completion")[-1] == (DueStatus.DUE, date(2027, 1, 26))
    assert find(items, "discharge_completion") == [(DueStatus.OVERDUE, date(2027, 1, 3))]


def test_reentry_on_day_31_is_a_new_admission() -> None:
    assert not is_reentry(Movement(DISCHARGE, date(2026, 12, 20), True), date(2027, 1, 20))
    items = schedule(reentry_case(date(2027, 1, 20)), ADMISSION, today=date(2027, 1, 21))
    assert find(items, "quarterly_ard") == []  # the first stay ended before 8 Jan
    assert find(items, "admission_ard") == [(DueStatus.DONE, date(2026, 10, 14)),
                                            (DueStatus.DUE, date(2027, 2, 2))]


def test_return_not_anticipated_is_always_a_new_admission() -> None:
    items = schedule(reentry_case(date(2026, 12, 25), anticipated=False), ADMISSION,
                     today=date(2026, 12, 26))
    assert find(items, "admission_ard")[-1] == (DueStatus.DUE, date(2027, 1, 7))
    assert len(episodes(reentry_case(date(2026, 12, 25), anticipated=False))) == 2


def test_while_away_the_schedule_is_on_hold_until_the_30_days_pass() -> None:
    away = reentry_case(date(2027, 1, 19))[:2]
    [held] = [i for i in schedule(away, ADMISSION, today=date(2026, 12, 30))
              if i.rule == "quarterly_ard"]
    assert (held.status, held.due) == (DueStatus.ON_HOLD, date(2027, 1, 8))
    assert "if back by 2027-01-19, due re-entry + 13" in held.why
    gone = schedule(away, ADMISSION, today=date(2027, 1, 25))
    assert find(gone, "quarterly_ard") == []


def test_discharge_and_death_records() -> None:
    # Discharge (not anticipated) 20 Dec without a discharge assessment: completion
    # was due 20 Dec + 14 = 3 Jan; after that CMS still counts the resident.
    out = [Movement(ENTRY, ADMITTED), Movement(DISCHARGE, date(2026, 12, 20))]
    items = schedule(out, ADMISSION, today=date(2027, 1, 10))
    assert find(items, "discharge_completion") == [(DueStatus.OVERDUE, date(2027, 1, 3))]
    assert find(items, "no_discharge_record") == [(DueStatus.REVIEW, date(2027, 1, 3))]
    # With one (ARD = discharge date), transmission ≤ completion 28 Dec + 14.
    done = Assessment(T.DISCHARGE, ard=date(2026, 12, 20), completed_on=date(2026, 12, 28))
    items = schedule(out, ADMISSION, done, today=date(2027, 1, 10))
    assert find(items, "discharge_completion") == [(DueStatus.DONE, date(2027, 1, 3))]
    assert find(items, "discharge_transmission") == [(DueStatus.DUE, date(2027, 1, 11))]
    assert find(items, "no_discharge_record") == []
    # A discharge assessment whose ARD is not the discharge date.
    wrong = Assessment(T.DISCHARGE, ard=date(2026, 12, 19), completed_on=date(2026, 12, 28))
    assert find(schedule(out, ADMISSION, wrong, today=date(2027, 1, 10)), "discharge_ard") == [
        (DueStatus.REVIEW, date(2026, 12, 19))]
    # Death: a tracking record ≤ death + 7, no discharge assessment.
    died = [Movement(ENTRY, ADMITTED), Movement(DEATH, date(2026, 12, 20))]
    items = schedule(died, ADMISSION, today=date(2026, 12, 28))
    assert find(items, "death_completion") == [(DueStatus.OVERDUE, date(2026, 12, 27))]
    assert find(items, "discharge_completion") == []


def test_the_150_day_flag() -> None:
    # Last MDS record 1 July 2026; 150 days later is 28 November.
    movements = [Movement(ENTRY, date(2026, 3, 1))]
    records = [Assessment(T.ADMISSION, ard=date(2026, 3, 10)),
               Assessment(T.QUARTERLY, ard=date(2026, 7, 1))]
    assert find(schedule(movements, *records, today=date(2026, 11, 27)), "census_150_days") == []
    [flag] = [i for i in schedule(movements, *records, today=date(2026, 11, 28))
              if i.rule == "census_150_days"]
    assert flag.why.startswith("150 days since the last MDS record (2026-07-01)")


def test_movements_must_alternate() -> None:
    with pytest.raises(ValidationError, match="alternate"):
        episodes([Movement(ENTRY, ADMITTED), Movement(ENTRY, date(2026, 10, 2))])


def test_a_due_item_names_the_record_it_asks_for() -> None:
    """Entered 2026-10-01, discharged 2026-12-20: the schedule's items with no record
    yet prefill the clerk's form; one pointing at a record asks for no new one."""
    moves = [*IN, Movement(DISCHARGE, date(2026, 12, 20))]
    items = {i.rule: i for i in mds_schedule("R1", moves, [], date(2026, 10, 2))}
    assert record_asked_for(items["entry_completion"]) == {
        "assessment_type": "entry", "event_on": "2026-10-01"}
    assert record_asked_for(items["admission_ard"]) == {
        "assessment_type": "admission", "ard": "2026-10-14"}
    assert record_asked_for(items["discharge_completion"]) == {
        "assessment_type": "discharge", "ard": "2026-12-20"}
    done = [Assessment(T.ENTRY, event_on=ADMITTED, record_id="E1")]
    items = {i.rule: i for i in mds_schedule("R1", IN, done, date(2026, 10, 2))}
    assert items["entry_completion"].ref == "E1"
    assert record_asked_for(items["entry_completion"]) == {}



def test_after_the_resident_leaves_for_good_old_items_are_missed_not_overdue() -> None:
    """docs/rules.md §5.2: MDS work is due while the resident is here, then only the
    departure's records; a stay closed (15 months after it ended) owes nothing."""
    # Admitted 2015-01-10, died 2016-05-01, no MDS record at all.
    moves = [Movement(ENTRY, date(2015, 1, 10)), Movement(DEATH, date(2016, 5, 1))]
    recent = schedule(moves, today=date(2016, 6, 1))
    # A month after the death: the admission assessment was missed (she is gone),
    # but the entry and death tracking records are still somebody's work.
    assert find(recent, "admission_ard") == [(DueStatus.MISSED, date(2015, 1, 23))]
    assert find(recent, "entry_completion") == [(DueStatus.OVERDUE, date(2015, 1, 17))]
    assert find(recent, "death_completion") == [(DueStatus.OVERDUE, date(2016, 5, 8))]
    # 2016-05-01 + 15 months = 2017-08-01: open through it, closed the day after.
    assert find(schedule(moves, today=date(2017, 8, 1)), "death_completion") == [
        (DueStatus.OVERDUE, date(2016, 5, 8))]
    today = date(2026, 12, 7)
    closed = schedule(moves, today=today)
    assert {i.status for i in closed} == {DueStatus.MISSED}
    assert all("not overdue work" in i.why for i in closed)
    assert not [i for i in closed if i.needs_action]


def test_a_resident_still_here_or_away_with_a_return_keeps_overdue_work() -> None:
    # In the house: the admission assessment not done is overdue.
    assert find(schedule(IN, today=date(2026, 12, 1)), "admission_ard") == [
        (DueStatus.OVERDUE, date(2026, 10, 14))]
    # Away with a return anticipated, within 30 days: not gone for good.
    away = [*IN, Movement(DISCHARGE, date(2026, 11, 20), return_anticipated=True)]
    assert find(schedule(away, today=date(2026, 12, 1)), "admission_ard") == [
        (DueStatus.OVERDUE, date(2026, 10, 14))]
    # Discharged home two years ago with no discharge assessment: closed, no flags.
    gone = [Movement(ENTRY, date(2024, 1, 2)), Movement(DISCHARGE, date(2024, 6, 1))]
    items = schedule(gone, today=date(2026, 12, 1))
    assert not find(items, "no_discharge_record")
    assert find(items, "discharge_completion") == [(DueStatus.MISSED, date(2024, 6, 15))]
    # The same discharge last month: the discharge assessment is overdue work.
    fresh = [Movement(ENTRY, date(2026, 9, 1)), Movement(DISCHARGE, date(2026, 11, 1))]
    items = schedule(fresh, today=date(2026, 12, 1))
    assert find(items, "discharge_completion") == [(DueStatus.OVERDUE, date(2026, 11, 15))]
    assert find(items, "admission_ard") == [(DueStatus.MISSED, date(2026, 9, 14))]
