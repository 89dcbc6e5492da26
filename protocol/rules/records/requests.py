"""Requests for records (release of information): who asks, and when the answer is due.

Clocks:

- A **current resident** (or their representative) **inspecting** the record:
  within 24 hours excluding weekends and holidays (42 CFR 483.10(g)(2)(i)).
  Only hours of working days count (not Saturday, Sunday or a holiday of the
  facility's calendar); a request received on a weekend or holiday starts the
  clock when the next working day begins. Thursday 10:00 → Friday 10:00.
- **Copies** for a current resident: within 2 working days (483.10(g)(2)(ii)),
  counted the same way as 48 such hours. Thursday 10:00 → Monday 10:00.
- **Every other request**, former residents included (they fall under HIPAA,
  45 CFR 164.524(b)(2)): the date of receipt + 30 calendar days, one
  extension of at most 30 days with a written notice inside the first period
  (:mod:`protocol.rules.records.deadlines`). The resident clocks have no
  extension.
- A **shorter state deadline** (profile data) wins; so does an earlier date
  the request itself sets (a subpoena's return date). An extension only moves
  the federal date: it never carries the answer past a state deadline.

Requester authority types and what must be on file before a release are in
:data:`RELEASE_NEEDS`; HIPAA-valid authorizations are in
:mod:`protocol.rules.records.authorizations`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from protocol.errors import Refused
from protocol.rules.calendar import ONE_DAY, HolidayCalendar, add_days
from protocol.rules.records.deadlines import (
    ACCESS_DAYS,
    ExtensionNotice,
    check_extension,
    hipaa_due,
)
from protocol.rules.records.profile import DeadlineUnit, RecordsProfile, StateDeadline
from protocol.rules.records.reasons import RecordsReason

INSPECTION_WORKING_HOURS = 24
COPIES_WORKING_HOURS = 48


class Authority(StrEnum):
    """On what authority the requester asks."""

    RESIDENT = "resident"
    PERSONAL_REPRESENTATIVE = "personal_representative"
    PROVIDER = "provider"
    INSURER = "insurer"
    ATTORNEY = "attorney"
    """With the resident's authorization (an attorney acting as the resident's
    personal representative is a personal representative)."""
    COURT_ORDER = "court_order"
    SUBPOENA = "subpoena"
    SURVEY_AGENCY = "survey_agency"


OWN_ACCESS = frozenset({Authority.RESIDENT, Authority.PERSONAL_REPRESENTATIVE})
"""The individual, or the person who stands in their shoes (164.502(g))."""

RELEASE_NEEDS: Mapping[Authority, tuple[str, ...]] = {
    Authority.RESIDENT: ("proof of identity",),
    Authority.PERSONAL_REPRESENTATIVE: (
        "proof of identity",
        ("document of authority to act for the resident (power of attorney, guardianship, "
         "executor) (45 CFR 164.502(g))"),
    ),
    Authority.PROVIDER: (
        "the provider's identity and treatment relationship (45 CFR 164.506(c))",
    ),
    Authority.INSURER: (
        ("a HIPAA-valid authorization, unless the insurer pays for the resident's care and "
         "asks for payment (45 CFR 164.506(c))"),
    ),
    Authority.ATTORNEY: ("a HIPAA-valid authorization (45 CFR 164.508)",),
    Authority.COURT_ORDER: (
        "the order, signed by a judge; release only what it names (45 CFR 164.512(e)(1)(i))",
    ),
    Authority.SUBPOENA: (
        ("satisfactory assurance of notice to the resident or of a qualified protective "
         "order, or a HIPAA-valid authorization (45 CFR 164.512(e)(1)(ii))"),
    ),
    Authority.SURVEY_AGENCY: (
        "the surveyor's identification (health oversight, 45 CFR 164.512(d))",
    ),
}
"""What must be on file before records are released to each requester."""


def needs_authorization(authority: Authority, *, for_payment: bool = False) -> bool:
    """Whether the release needs the resident's HIPAA-valid authorization.
    A subpoena without satisfactory assurances needs one too (the caller
    knows whether assurances were given)."""
    if authority is Authority.INSURER:
        return not for_payment
    return authority is Authority.ATTORNEY


class Ask(StrEnum):
    INSPECT = "inspect"
    COPIES = "copies"


class ClockKind(StrEnum):
    INSPECTION = "inspection"
    COPIES = "copies"
    HIPAA = "hipaa"


@dataclass(frozen=True)
class RecordRequest:
    received_at: datetime
    """Facility local time."""
    authority: Authority
    ask: Ask = Ask.COPIES
    current_resident: bool = False
    """The resident had a current stay when the request was received."""
    respond_by: date | None = None
    """A date the request itself sets (a subpoena's return date), if any."""


@dataclass(frozen=True)
class Due:
    """When an answer is due: by ``at`` on ``on``, or by the end of ``on``."""

    on: date
    at: time | None = None

    @classmethod
    def by_moment(cls, moment: datetime) -> Due:
        """The due moment as a date and time; midnight is the end of the day before."""
        if moment.time() == time(0, 0):
            return cls((moment - ONE_DAY).date())
        return cls(moment.date(), moment.time().replace(tzinfo=None))

    @property
    def deadline(self) -> datetime:
        """The last moment that is still on time (naive, facility local time)."""
        if self.at is None:
            return datetime.combine(self.on + ONE_DAY, time(0, 0))
        return datetime.combine(self.on, self.at)

    def is_overdue(self, now: datetime) -> bool:
        return now.replace(tzinfo=None) > self.deadline

    def __str__(self) -> str:
        if self.at is None:
            return self.on.isoformat()
        return f"{self.on.isoformat()} {self.at.strftime('%H:%M')}"


@dataclass(frozen=True)
class RequestClock:
    kind: ClockKind
    due: Due
    """The date that binds: the earliest of the federal, state and request dates."""
    federal_due: Due
    state_due: Due | None
    extension: ExtensionNotice | None
    basis: str
    """The rule that set ``due``, in words, with its citation."""


def clock_kind(request: RecordRequest) -> ClockKind:
    if request.current_resident and request.authority in OWN_ACCESS:
        return ClockKind.INSPECTION if request.ask is Ask.INSPECT else ClockKind.COPIES
    return ClockKind.HIPAA


def state_deadline_for(kind: ClockKind, profile: RecordsProfile) -> StateDeadline | None:
    return {ClockKind.INSPECTION: profile.inspection_deadline,
            ClockKind.COPIES: profile.copies_deadline,
            ClockKind.HIPAA: profile.hipaa_access_deadline}[kind]


def due_by_state(deadline: StateDeadline, received_at: datetime,
                 calendar: HolidayCalendar) -> Due:
    if deadline.unit is DeadlineUnit.WORKING_HOURS:
        return Due.by_moment(calendar.add_working_hours(received_at.replace(tzinfo=None),
                                                        deadline.amount))
    if deadline.unit is DeadlineUnit.WORKING_DAYS:
        return Due(calendar.add_working_days(received_at.date(), deadline.amount))
    return Due(add_days(received_at.date(), deadline.amount))


_FEDERAL_BASIS = {
    ClockKind.INSPECTION: "inspection within 24 hours excluding weekends and holidays "
                          "(42 CFR 483.10(g)(2)(i))",
    ClockKind.COPIES: "copies within 2 working days (42 CFR 483.10(g)(2)(ii))",
    ClockKind.HIPAA: "30 days from receipt (45 CFR 164.524(b)(2))",
}


def request_clock(request: RecordRequest, profile: RecordsProfile,
                  notices: Sequence[ExtensionNotice] = ()) -> RequestClock:
    """When the answer to ``request`` is due, under ``profile``, given the
    extension notices recorded for it (only a HIPAA clock can be extended)."""
    kind = clock_kind(request)
    calendar = profile.calendar
    received = request.received_at.replace(tzinfo=None)
    extension: ExtensionNotice | None = None
    if kind is ClockKind.HIPAA:
        clock = hipaa_due(received.date(), ACCESS_DAYS, notices)
        federal, extension = Due(clock.due_on), clock.extension
    else:
        hours = INSPECTION_WORKING_HOURS if kind is ClockKind.INSPECTION else \
            COPIES_WORKING_HOURS
        federal = Due.by_moment(calendar.add_working_hours(received, hours))
    candidates = [(federal, _FEDERAL_BASIS[kind] + (" as extended" if extension else ""))]
    deadline = state_deadline_for(kind, profile)
    state_due = None if deadline is None else due_by_state(deadline, received, calendar)
    if state_due is not None and deadline is not None:
        unit = str(deadline.unit).replace("_", " ")
        candidates.append((state_due, f"state deadline: {deadline.amount} {unit}"
                           + (f" ({deadline.citation})" if deadline.citation else "")))
    if request.respond_by is not None:
        candidates.append((Due(request.respond_by), "the date set by the request itself"))
    due, basis = min(candidates, key=lambda c: c[0].deadline)
    return RequestClock(kind, due, federal, state_due, extension, basis)


def check_request_extension(request: RecordRequest, earlier: Sequence[ExtensionNotice],
                            notice: ExtensionNotice) -> None:
    """Refuse a notice that would not extend this request's clock."""
    if clock_kind(request) is not ClockKind.HIPAA:
        raise Refused(RecordsReason.NO_EXTENSION,
                      "a current resident's inspection or copies cannot be extended")
    check_extension(request.received_at.date(), ACCESS_DAYS, earlier, notice)


def time_left(clock: RequestClock, now: datetime) -> timedelta:
    """Until the deadline (negative when overdue); for the status line."""
    return clock.due.deadline - now.replace(tzinfo=None)
