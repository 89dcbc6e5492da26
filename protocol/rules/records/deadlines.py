"""HIPAA's answer-by clocks: N calendar days from receipt, one extension.

The same rule governs three requests: access to a record (45 CFR
164.524(b)(2), 30 days), an accounting of disclosures (164.528(c)(1), 60
days) and an amendment (164.526(b)(2), 60 days):

- Due = the date of receipt + N calendar days ("within N days" means on or
  before that date). The date never rolls past a weekend or holiday.
- One extension of at most 30 days (the new date is at most the original due
  date + 30), valid only if a written notice stating the reason and the date
  of completion is given **within** the first period (on or before the
  original due date). A late notice is void and leaves the due date as it
  was; a second extension is not allowed.

:func:`check_extension` refuses, at entry, a notice that would not count;
:func:`hipaa_due` applies the first notice that does count and ignores the
rest, so a clock computed from stored notices is always the lawful one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from protocol.errors import Refused, ValidationError
from protocol.rules.calendar import add_days
from protocol.rules.records.reasons import RecordsReason

ACCESS_DAYS = 30
ACCOUNTING_DAYS = 60
AMENDMENT_DAYS = 60
EXTENSION_DAYS = 30


@dataclass(frozen=True)
class ExtensionNotice:
    """The notice that extends a HIPAA clock, as given to the individual."""

    given_on: date
    reason: str
    new_due_on: date
    in_writing: bool = True


@dataclass(frozen=True)
class HipaaDue:
    received_on: date
    first_due_on: date
    extension: ExtensionNotice | None = None
    """The extension that counts, if any."""

    @property
    def due_on(self) -> date:
        return self.extension.new_due_on if self.extension else self.first_due_on

    @property
    def latest_extension_on(self) -> date:
        """The furthest an extension may move the due date."""
        return add_days(self.first_due_on, EXTENSION_DAYS)

    def is_overdue(self, today: date) -> bool:
        return today > self.due_on


def first_due_on(received_on: date, days: int) -> date:
    return add_days(received_on, days)


def _invalid_field(received_on: date, days: int, notice: ExtensionNotice) -> ValidationError | None:
    first_due = first_due_on(received_on, days)
    if not notice.in_writing:
        return ValidationError("in_writing", "an extension needs a written notice")
    if not notice.reason.strip():
        return ValidationError("reason", "the notice must state the reason for the delay")
    if notice.given_on < received_on:
        return ValidationError("given_on", "cannot be before the request was received "
                               f"({received_on.isoformat()})")
    if notice.new_due_on <= first_due:
        return ValidationError("new_due_on", "must be after the current due date "
                               f"({first_due.isoformat()})")
    latest = add_days(first_due, EXTENSION_DAYS)
    if notice.new_due_on > latest:
        return ValidationError("new_due_on", f"may be at most {EXTENSION_DAYS} days after "
                               f"the original due date ({latest.isoformat()})")
    return None


def extension_problem(received_on: date, days: int, earlier: Sequence[ExtensionNotice],
                      notice: ExtensionNotice) -> Refused | ValidationError | None:
    """Why ``notice`` would not extend the clock (None when it would).

    ``earlier`` holds the notices recorded before it; only a valid one counts
    as the extension already given.
    """
    if hipaa_due(received_on, days, earlier).extension is not None:
        return Refused(RecordsReason.EXTENSION_ALREADY_GIVEN,
                       "the request was already extended once; a second extension is not "
                       "allowed")
    first_due = first_due_on(received_on, days)
    if notice.given_on > first_due:
        return Refused(RecordsReason.EXTENSION_NOTICE_LATE,
                       f"the notice had to be given by {first_due.isoformat()}, the end of "
                       "the first period; a late notice is void")
    return _invalid_field(received_on, days, notice)


def check_extension(received_on: date, days: int, earlier: Sequence[ExtensionNotice],
                    notice: ExtensionNotice) -> None:
    """Raise :class:`Refused` or :class:`ValidationError` if ``notice`` would
    not extend the clock."""
    problem = extension_problem(received_on, days, earlier, notice)
    if problem is not None:
        raise problem


def hipaa_due(received_on: date, days: int, notices: Sequence[ExtensionNotice] = ()
              ) -> HipaaDue:
    """The clock of a request received on ``received_on`` with ``days`` to
    answer, given the extension notices recorded for it (in the order given;
    notices given the same day keep that order)."""
    first_due = first_due_on(received_on, days)
    ordered = sorted(enumerate(notices), key=lambda pair: (pair[1].given_on, pair[0]))
    for _, notice in ordered:
        if notice.given_on <= first_due and _invalid_field(received_on, days, notice) is None:
            return HipaaDue(received_on, first_due, notice)
    return HipaaDue(received_on, first_due)
