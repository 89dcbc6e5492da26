"""Due and overdue items: one shape for every deadline the compliance rules find.

"Within N days of X" means on or before X + N (:mod:`protocol.rules.calendar`):
a thing done on its due date is on time, and a thing not yet done is due through
its due date and overdue from the next day. Each item says, in words, which rule
makes it due, so a clerk (and an inspector) can check it by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class DueStatus(StrEnum):
    DONE = "done"
    """Done on or before its due date."""
    LATE = "late"
    """Done, but after its due date."""
    DUE = "due"
    """Not done; the due date is today or later."""
    OVERDUE = "overdue"
    """Not done; the due date has passed."""
    ON_HOLD = "on_hold"
    """Not due now: its date depends on an event still to come."""
    VIOLATION = "violation"
    """Something happened that the rule forbids (work before a check, say)."""
    REVIEW = "review"
    """Looks short, for a reason a person must judge."""
    MISSED = "missed"
    """Not done, and no longer anyone's work: the chance passed (an MDS assessment
    not done before the resident left for good; anything of a closed stay)."""


def status_of(due: date, done: date | None, today: date) -> DueStatus:
    if done is not None:
        return DueStatus.DONE if done <= due else DueStatus.LATE
    return DueStatus.DUE if today <= due else DueStatus.OVERDUE


@dataclass(frozen=True)
class DueItem:
    subject: str
    """Whom it concerns: a staff id, a resident id."""
    rule: str
    """Stable code of the rule (``registry_verification``, ``quarterly_ard`` …)."""
    what: str
    """What must be done, in words."""
    status: DueStatus
    due: date | None
    why: str
    """The rule that makes it due, with its dates."""
    done_on: date | None = None
    ref: str | None = None
    """The record it points at, when there is one."""

    @property
    def needs_action(self) -> bool:
        return self.status in ACTION


ACTION = frozenset({DueStatus.DUE, DueStatus.OVERDUE, DueStatus.VIOLATION, DueStatus.REVIEW})


def _key(item: DueItem) -> tuple[date, str, str]:
    return (item.due or date.max, item.subject, item.rule)


def due_list(items: Iterable[DueItem]) -> list[DueItem]:
    """Items still to do and not yet late, soonest first."""
    return sorted((i for i in items if i.status is DueStatus.DUE), key=_key)


def overdue_list(items: Iterable[DueItem]) -> list[DueItem]:
    """Overdue items and violations, oldest first."""
    return sorted((i for i in items if i.status in {DueStatus.OVERDUE, DueStatus.VIOLATION}),
                  key=_key)
