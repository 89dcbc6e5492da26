"""Record completeness after discharge, and delinquency.

When a resident is discharged (a death ends a stay like a discharge), a
completeness review checks the record against the facility's checklist of
required documents — data per facility, some documents required only for
some dispositions (a death, a transfer). Each missing document is a
deficiency, assigned to the person who must complete it.

- **Delinquent** (Convention, after hospital practice, 42 CFR 482.24(c)): a
  record still incomplete the profile's number of days after discharge (30 by
  default) is delinquent: due on or before discharge + N, delinquent from
  discharge + N + 1 until it is complete.
- **Delinquency rate by month** (Convention, after the Joint Commission's
  RC.01.04.01 practice): delinquent records at the end of the month (or on
  ``as_of`` for a month in progress) ÷ average monthly discharges over the
  12 months ending with it. **Benchmark**: delinquent records ≤ 50 % of the
  average monthly discharges, compared exactly (unrounded). With no
  discharges the rate has no value; the benchmark then holds only with no
  delinquent record.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from protocol.errors import ValidationError
from protocol.rules.calendar import add_days, add_months, ratio
from protocol.rules.records.profile import DEFAULT_DELINQUENT_AFTER_DAYS

BENCHMARK_SHARE = Decimal("0.5")
MONTHS_AVERAGED = 12


@dataclass(frozen=True)
class RequiredDocument:
    code: str
    title: str
    when: frozenset[str] = field(default_factory=frozenset)
    """The dispositions it is required for (empty: every discharge)."""

    def applies_to(self, disposition: str | None) -> bool:
        return not self.when or disposition in self.when


@dataclass(frozen=True)
class Checklist:
    """A facility's required documents at discharge."""

    documents: tuple[RequiredDocument, ...]

    def __post_init__(self) -> None:
        codes = [d.code for d in self.documents]
        for d in self.documents:
            if not d.code.strip() or not d.title.strip():
                raise ValidationError("documents", "every document needs a code and a title")
        if len(set(codes)) != len(codes):
            raise ValidationError("documents", "each document code may appear once")

    def required_for(self, disposition: str | None) -> tuple[RequiredDocument, ...]:
        return tuple(d for d in self.documents if d.applies_to(disposition))

    def to_dict(self) -> dict[str, Any]:
        return {"documents": [{"code": d.code, "title": d.title, "when": sorted(d.when)}
                              for d in self.documents]}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Checklist:
        items = raw.get("documents") if isinstance(raw, Mapping) else None
        if not isinstance(items, list):
            raise ValidationError("documents", "must be a list")
        documents = []
        for item in items:
            if not isinstance(item, Mapping) or set(item) - {"code", "title", "when"}:
                raise ValidationError("documents", "each is {code, title, when}")
            code, title, when = item.get("code"), item.get("title"), item.get("when", [])
            if not isinstance(code, str) or not isinstance(title, str) \
                    or not isinstance(when, list) or not all(isinstance(w, str) for w in when):
                raise ValidationError("documents", "code and title are text, when a list of "
                                                   "dispositions")
            documents.append(RequiredDocument(code.strip(), title.strip(), frozenset(when)))
        return cls(tuple(documents))


@dataclass(frozen=True)
class Deficiency:
    code: str
    title: str
    assignee: str | None
    """Who must complete it (None until assigned)."""
    resolved_on: date | None = None


@dataclass(frozen=True)
class Review:
    """The completeness review of one discharge."""

    record_id: str
    discharged_on: date
    deficiencies: tuple[Deficiency, ...] = ()

    def is_complete_on(self, day: date) -> bool:
        return all(d.resolved_on is not None and d.resolved_on <= day for d in self.deficiencies)

    @property
    def completed_on(self) -> date | None:
        """When the last deficiency was resolved (the discharge date if none);
        None while any is open."""
        if any(d.resolved_on is None for d in self.deficiencies):
            return None
        return max((d.resolved_on for d in self.deficiencies if d.resolved_on),
                   default=self.discharged_on)


def open_review(record_id: str, checklist: Checklist, *, discharged_on: date,
                disposition: str | None, present: Iterable[str],
                assignees: Mapping[str, str] | None = None) -> Review:
    """The review of a discharge: a deficiency for each required document not
    ``present``, assigned as ``assignees`` says (by document code)."""
    have = frozenset(present)
    who = assignees or {}
    return Review(record_id, discharged_on, tuple(
        Deficiency(d.code, d.title, who.get(d.code))
        for d in checklist.required_for(disposition) if d.code not in have))


def complete_by(discharged_on: date, days: int = DEFAULT_DELINQUENT_AFTER_DAYS) -> date:
    """The last day a record may be completed without becoming delinquent
    ("within N days of X" = on or before X + N)."""
    return add_days(discharged_on, days)


def delinquent_from(discharged_on: date,
                    days: int = DEFAULT_DELINQUENT_AFTER_DAYS) -> date:
    """The first day an incomplete record is delinquent."""
    return add_days(complete_by(discharged_on, days), 1)


def is_delinquent(review: Review, day: date, days: int = DEFAULT_DELINQUENT_AFTER_DAYS) -> bool:
    return day >= delinquent_from(review.discharged_on, days) and not review.is_complete_on(day)


def open_by_assignee(reviews: Iterable[Review], day: date) -> dict[str | None, list[Deficiency]]:
    """Each person's open deficiencies on ``day`` (None: not yet assigned)."""
    out: dict[str | None, list[Deficiency]] = {}
    for review in reviews:
        for d in review.deficiencies:
            if d.resolved_on is None or d.resolved_on > day:
                out.setdefault(d.assignee, []).append(d)
    return out


# --- the monthly report -----------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyDelinquency:
    year: int
    month: int
    as_of: date
    discharges: int
    """Discharges in the month."""
    delinquent: int
    """Records delinquent on ``as_of``."""
    discharges_averaged: int
    """Discharges in the months averaged (this month and the ones before)."""
    months_averaged: int
    meets_benchmark: bool

    @property
    def average_monthly_discharges(self) -> Decimal:
        return Decimal(self.discharges_averaged) / Decimal(self.months_averaged)

    @property
    def rate_percent(self) -> Decimal | None:
        """Delinquent records as a percentage of average monthly discharges."""
        return ratio(self.delinquent * self.months_averaged * 100, self.discharges_averaged)


def monthly_delinquency(reviews: Iterable[Review], year: int, month: int, *,
                        days: int = DEFAULT_DELINQUENT_AFTER_DAYS,
                        months_averaged: int = MONTHS_AVERAGED,
                        as_of: date | None = None) -> MonthlyDelinquency:
    """The delinquency figures of one month (see the module docstring)."""
    first = date(year, month, 1)
    month_end = date(year, month, _calendar.monthrange(year, month)[1])
    day = min(as_of, month_end) if as_of else month_end
    window_start = add_months(first, 1 - months_averaged)
    all_reviews = tuple(reviews)
    in_month = sum(1 for r in all_reviews if first <= r.discharged_on <= month_end)
    in_window = sum(1 for r in all_reviews if window_start <= r.discharged_on <= month_end)
    delinquent = sum(1 for r in all_reviews if is_delinquent(r, day, days))
    # delinquent ≤ 50 % × (in_window / months), exactly: no division, no rounding
    meets = Decimal(delinquent * months_averaged) <= BENCHMARK_SHARE * in_window
    return MonthlyDelinquency(year, month, day, in_month, delinquent, in_window,
                              months_averaged, meets)
