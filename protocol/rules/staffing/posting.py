"""Posted daily staffing (42 CFR 483.35(g), F732; docs/rules.md §1.2).

At the start of each shift the facility posts its name, the date, the resident
census, and for registered nurses, licensed practical or vocational nurses and
certified nurse aides the **number of people and the actual hours** they work
that shift; postings are kept **18 months**, or longer where state law says so
(data: ``retention_months``).

Convention (Chartkeep): a shift is the worked-hours record's ``shift`` (day,
evening, night) or, without one, the clock-in time: 07:00–14:59 day, 15:00–22:59
evening, otherwise night. A shift belongs to the date it starts, with all its
hours; the census is that date's midnight census. Nurse aides are codes 10–12
(aides in training and medication aides included, as for the staffing minimums).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from protocol.pbj import LPN_CODES, NURSE_AIDE_CODES, RN_CODES
from protocol.rules.calendar import add_months, round_half_up

SHIFTS = ("day", "evening", "night")
RETENTION_MONTHS = 18
POSTED: Mapping[str, frozenset[int]] = {"RN": RN_CODES, "LPN/LVN": LPN_CODES,
                                        "CNA": NURSE_AIDE_CODES}
"""The posted categories and the PBJ job title codes each counts."""


@dataclass(frozen=True)
class PostedWork:
    """One worked-hours record as the posting reads it."""

    staff_id: str
    job_title_code: int
    day: date
    """The date the shift began."""
    shift: str
    minutes: Decimal


def shift_of(named: str | None, clock_in: datetime | None) -> str:
    """The shift a record belongs to: its own name, else its clock-in time."""
    if named in SHIFTS:
        return str(named)
    if clock_in is None:
        return "day"
    if 7 <= clock_in.hour < 15:
        return "day"
    return "evening" if 15 <= clock_in.hour < 23 else "night"


@dataclass(frozen=True)
class PostingLine:
    shift: str
    category: str
    people: int
    minutes: Decimal

    @property
    def hours(self) -> Decimal:
        return round_half_up(self.minutes / 60)


@dataclass(frozen=True)
class DailyPosting:
    day: date
    census: int
    lines: tuple[PostingLine, ...]
    """One per shift and category, in shift order, zeros included."""

    def line(self, shift: str, category: str) -> PostingLine:
        return next(x for x in self.lines if x.shift == shift and x.category == category)


def daily_posting(work: Iterable[PostedWork], day: date, census: int) -> DailyPosting:
    """What the sheet posted for ``day`` says, shift by shift."""
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    minutes: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for item in work:
        if item.day != day:
            continue
        for category, codes in POSTED.items():
            if item.job_title_code in codes and item.minutes > 0:
                people[(item.shift, category)].add(item.staff_id)
                minutes[(item.shift, category)] += item.minutes
    lines = tuple(PostingLine(shift, category, len(people[(shift, category)]),
                              minutes[(shift, category)])
                  for shift in SHIFTS for category in POSTED)
    return DailyPosting(day, census, lines)


def keep_until(day: date, retention_months: int = RETENTION_MONTHS) -> date:
    """The last day a posting must be kept (18 months by default; a state may
    require longer)."""
    return add_months(day, retention_months)
