"""Nurse aides: registry, the 4-month and 24-month rules, in-service and reviews.

42 CFR 483.35(d) (F728–F729), 483.95(g) (F947), 483.35(d)(7) (F730):

- **Registry verification** before an individual serves as a nurse aide, in
  every state registry believed to hold information on them. Not needed while
  the individual is in a State-approved training and competency program (PBJ
  code 11, "nurse aide in training", 483.35(d)(4)(i)).
- **4 months**: nobody works as a nurse aide longer than 4 months unless
  competent. Convention: calendar months from the first day working as an aide
  (codes 10–12); the aide may work through the same day 4 months later
  (29 February → 1 March, see :mod:`protocol.rules.calendar`), not after.
- **24 months**: after 24 consecutive months without paid nursing work, a new
  training and competency program or a new competency evaluation. Convention:
  an aide shift more than 24 calendar months after the previous paid nursing
  work (or the last competency evaluation) needs one first.
- **In-service**: at least 12 hours a year, including dementia management and
  abuse prevention, and addressing the weaknesses found in performance reviews.
  Convention: years run from the hire date (or first day as an aide); a
  weakness is to be addressed within 12 months of the review.
- **Performance review** at least every 12 months: the first by the first
  anniversary of hire, each next by the anniversary of the last.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from protocol.pbj import NURSE_AIDE_CODES, NURSE_CODES
from protocol.rules.calendar import ONE_DAY, add_months, add_years, round_half_up
from protocol.rules.due import DueItem, DueStatus, status_of
from protocol.rules.staffing.worktime import MINUTES_PER_HOUR, WorkEntry

AIDE_IN_TRAINING = 11
REGISTRY_CODES = NURSE_AIDE_CODES - {AIDE_IN_TRAINING}
"""Aide job titles that need registry verification before the first shift."""
NEW_AIDE_MONTHS = 4
LAPSE_MONTHS = 24
IN_SERVICE_MINUTES = Decimal(12 * 60)
REQUIRED_TOPICS = frozenset({"dementia_management", "abuse_prevention"})


@dataclass(frozen=True)
class Aide:
    staff_id: str
    hire_date: date | None = None
    registry_states: frozenset[str] = frozenset()
    """Every state whose registry is believed to hold information on the aide
    (empty: at least one registry check is needed, any state)."""
    competent_on: date | None = None
    """When the aide last passed a training and competency evaluation program or a
    competency evaluation (or was found competent on a registry)."""
    paid_nursing_before_hire: date | None = None
    """The last day of paid nursing work before this facility, if known."""


@dataclass(frozen=True)
class RegistryCheck:
    staff_id: str
    state: str
    checked_on: date
    in_good_standing: bool = True
    """Listed as having met the competency requirements, with no finding that bars work."""


@dataclass(frozen=True)
class InService:
    staff_id: str
    on: date
    minutes: Decimal
    topics: frozenset[str] = frozenset()
    record_id: str | None = None


@dataclass(frozen=True)
class Review:
    staff_id: str
    on: date
    weaknesses: frozenset[str] = frozenset()
    """Topics the in-service training must now address."""
    record_id: str | None = None


def _days(aide: Aide, entries: Iterable[WorkEntry], codes: frozenset[int]) -> list[date]:
    return sorted({e.work_date for e in entries
                   if e.staff_id == aide.staff_id and e.job_title_code in codes and e.minutes})


def _topic(words: str) -> str:
    return words.replace("_", " ")


# --- registry --------------------------------------------------------------------------------


def registry_items(aide: Aide, checks: Iterable[RegistryCheck], entries: Iterable[WorkEntry]
                   ) -> list[DueItem]:
    """One item per registry to verify, against the first shift in codes 10 or 12."""
    worked = _days(aide, entries, REGISTRY_CODES)
    first = worked[0] if worked else None
    mine = [c for c in checks if c.staff_id == aide.staff_id]
    items = []
    states: list[str | None] = [*sorted(aide.registry_states)] or [None]
    for state in states:
        good = sorted(c.checked_on for c in mine if c.in_good_standing
                      and (state is None or c.state == state))
        bad = [c for c in mine if not c.in_good_standing and (state is None or c.state == state)]
        name = f"{state} nurse aide registry" if state else "a nurse aide registry"
        what = f"verify {name}"
        why = "registry verification before the first shift as a nurse aide (42 CFR 483.35(d))"
        if bad and not good:
            why += f"; the check of {bad[0].checked_on.isoformat()} did not confirm competency"
        if first is None:
            status = DueStatus.DONE if good else DueStatus.DUE
            items.append(DueItem(aide.staff_id, "registry_verification", what, status, None,
                                 why, done_on=good[0] if good else None))
            continue
        before = [d for d in good if d <= first]
        if before:
            items.append(DueItem(aide.staff_id, "registry_verification", what, DueStatus.DONE,
                                 first, why, done_on=before[-1]))
        else:
            when = f", verified only on {good[0].isoformat()}" if good else ", never verified"
            items.append(DueItem(
                aide.staff_id, "registry_verification", what, DueStatus.VIOLATION, first,
                f"worked as a nurse aide from {first.isoformat()}{when}; {why}",
                done_on=good[0] if good else None))
    return items


# --- 4 months and 24 months ----------------------------------------------------------------------


def four_month_items(aide: Aide, entries: Iterable[WorkEntry], today: date) -> list[DueItem]:
    """Competency within 4 months of the first day working as an aide."""
    worked = _days(aide, entries, NURSE_AIDE_CODES)
    if not worked or (aide.competent_on is not None and aide.competent_on <= worked[0]):
        return []
    first = worked[0]
    limit = add_months(first, NEW_AIDE_MONTHS)
    why = (f"first worked as a nurse aide on {first.isoformat()}: competent by "
           f"{limit.isoformat()}, 4 months on (42 CFR 483.35(d)(1))")
    competent = aide.competent_on
    items = [DueItem(aide.staff_id, "four_month_competency", "show nurse aide competency",
                     status_of(limit, competent, today), limit, why, done_on=competent)]
    beyond = [d for d in worked if d > limit and (competent is None or competent > d)]
    if beyond:
        days = f"{len(beyond)} day{'s' if len(beyond) != 1 else ''}"
        items.append(DueItem(
            aide.staff_id, "four_month_competency", "no work as a nurse aide until competent",
            DueStatus.VIOLATION, beyond[0],
            f"worked as a nurse aide on {days} from {beyond[0].isoformat()}, more than 4 "
            f"months after {first.isoformat()}, without competency"))
    return items


def retraining_items(aide: Aide, entries: Iterable[WorkEntry], today: date) -> list[DueItem]:
    """A new program or competency evaluation after 24 months without paid nursing work."""
    entries = list(entries)
    anchors = sorted({*_days(aide, entries, NURSE_CODES),
                      *(d for d in (aide.paid_nursing_before_hire, aide.competent_on) if d)})
    items = []
    for day in _days(aide, entries, NURSE_AIDE_CODES):
        before = [a for a in anchors if a < day]
        if before and day > add_months(before[-1], LAPSE_MONTHS):
            items.append(DueItem(
                aide.staff_id, "lapse_retraining", "retrain or retest before working",
                DueStatus.VIOLATION, day,
                f"worked as a nurse aide on {day.isoformat()} after 24 months without paid "
                f"nursing work (last {before[-1].isoformat()}) and without a new competency "
                "evaluation (42 CFR 483.35(d)(6))"))
    done = [a for a in anchors if a <= today]
    if done and today > add_months(done[-1], LAPSE_MONTHS):
        ended = add_months(done[-1], LAPSE_MONTHS)
        items.append(DueItem(
            aide.staff_id, "lapse_retraining",
            "new training and competency program or competency evaluation before the next "
            "shift as a nurse aide", DueStatus.DUE, None,
            f"no paid nursing work since {done[-1].isoformat()}: 24 consecutive months ended "
            f"on {ended.isoformat()}, so from {(ended + ONE_DAY).isoformat()} the aide must "
            "retrain or retest first (42 CFR 483.35(d)(6))"))
    return items


# --- in-service and reviews --------------------------------------------------------------------


def _anchor(aide: Aide, entries: Iterable[WorkEntry]) -> date | None:
    if aide.hire_date is not None:
        return aide.hire_date
    worked = _days(aide, entries, NURSE_AIDE_CODES)
    return worked[0] if worked else None


def _hours(minutes: Decimal) -> str:
    return f"{round_half_up(minutes / MINUTES_PER_HOUR)} h"


def inservice_items(aide: Aide, trainings: Iterable[InService], reviews: Iterable[Review],
                    entries: Iterable[WorkEntry], today: date, *,
                    required_topics: frozenset[str] = REQUIRED_TOPICS) -> list[DueItem]:
    """Each in-service year to date, and each review weakness to address."""
    anchor = _anchor(aide, entries)
    mine = sorted((t for t in trainings if t.staff_id == aide.staff_id), key=lambda t: t.on)
    items: list[DueItem] = []
    year = 0
    while anchor is not None and add_years(anchor, year) <= today:
        first, last = add_years(anchor, year), add_years(anchor, year + 1) - ONE_DAY
        done_on, minutes, topics = None, Decimal(0), set[str]()
        for t in (t for t in mine if first <= t.on <= last):
            minutes += t.minutes
            topics |= t.topics
            if done_on is None and minutes >= IN_SERVICE_MINUTES and topics >= required_topics:
                done_on = t.on
        missing = sorted(required_topics - topics)
        why = (f"in-service year {first.isoformat()} to {last.isoformat()}: "
               f"{_hours(minutes)} of 12 h"
               + (f", missing {', '.join(_topic(m) for m in missing)}" if missing else "")
               + " (42 CFR 483.95(g))")
        status = status_of(last, done_on, today)
        if status is DueStatus.OVERDUE:
            status = DueStatus.VIOLATION  # a year that has ended cannot be made up
        items.append(DueItem(aide.staff_id, "in_service_hours",
                             "12 hours of in-service training", status, last, why,
                             done_on=done_on))
        year += 1
    for review in sorted((r for r in reviews if r.staff_id == aide.staff_id),
                         key=lambda r: r.on):
        due = add_years(review.on, 1)
        for weakness in sorted(review.weaknesses):
            covered = [t.on for t in mine if review.on <= t.on <= due and weakness in t.topics]
            items.append(DueItem(
                aide.staff_id, "review_weakness", f"in-service on {_topic(weakness)}",
                status_of(due, covered[0] if covered else None, today), due,
                f"weakness found in the review of {review.on.isoformat()}: in-service must "
                "address it within 12 months (42 CFR 483.95(g)(2))",
                done_on=covered[0] if covered else None, ref=review.record_id))
    return items


def review_items(aide: Aide, reviews: Iterable[Review], entries: Iterable[WorkEntry],
                 today: date) -> list[DueItem]:
    """Each review against the date it was due, and the next one."""
    anchor = _anchor(aide, entries)
    if anchor is None:
        return []
    due = add_years(anchor, 1)
    since = f"hire on {anchor.isoformat()}"
    items = []
    for review in sorted((r for r in reviews if r.staff_id == aide.staff_id),
                         key=lambda r: r.on):
        why = f"at least every 12 months: due 12 months after {since} (42 CFR 483.35(d)(7))"
        items.append(DueItem(aide.staff_id, "performance_review", "performance review",
                             status_of(due, review.on, today), due, why, done_on=review.on,
                             ref=review.record_id))
        due = add_years(review.on, 1)
        since = f"the review of {review.on.isoformat()}"
    items.append(DueItem(
        aide.staff_id, "performance_review", "performance review",
        status_of(due, None, today), due,
        f"at least every 12 months: due 12 months after {since} (42 CFR 483.35(d)(7))"))
    return items


def aide_items(aide: Aide, *, checks: Iterable[RegistryCheck], trainings: Iterable[InService],
               reviews: Iterable[Review], entries: Iterable[WorkEntry], today: date
               ) -> list[DueItem]:
    """Every nurse-aide item for one aide."""
    entries, reviews = list(entries), list(reviews)
    return [*registry_items(aide, checks, entries), *four_month_items(aide, entries, today),
            *retraining_items(aide, entries, today),
            *inservice_items(aide, trainings, reviews, entries, today),
            *review_items(aide, reviews, entries, today)]
