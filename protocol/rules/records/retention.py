"""Retention of closed records, legal holds, and destruction.

42 CFR 483.70(h)(4): records are kept for the period state law requires; if
none, 5 years from discharge; for a minor, 3 years after reaching legal age
under state law. The state's rules are profile data
(:mod:`protocol.rules.records.profile`).

- A retention period runs from the **most recent** discharge (a death ends a
  stay like a discharge) and covers the **whole** record, earlier stays
  included.
- Convention: every candidate end date is worked out — the state's adult
  rule, the state's minor rules, the federal 5 years, the federal minor rule
  (age of majority + 3 years) — and the record is kept until the **latest**.
  (483.70 applies its 5 years only where state law is silent; taking the
  latest never destroys early.) A resident is a minor for these rules when
  the record began (the first admission) before they reached the age of
  majority. "Age N + M years" is counted as the stated steps: the Nth
  birthday, then M years more (29 February → 1 March in a common year, at
  each step).
- A record is kept through its end date; destruction may start the next day.
- A **legal hold** (who, why, from when, released when) blocks destruction
  whatever the schedule; destruction may start the day after its release.
- The **destruction log** (a certificate kept for good) records the date, the
  method, the records (names, MRNs, date ranges), who destroyed them and who
  witnessed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from protocol.errors import Refused, ValidationError
from protocol.rules.calendar import ONE_DAY, add_years
from protocol.rules.dates import day_of
from protocol.rules.records.profile import (
    FEDERAL_MINOR_YEARS_AFTER_MAJORITY,
    FEDERAL_RETENTION_CITATION,
    FEDERAL_RETENTION_YEARS,
    RecordsProfile,
)
from protocol.rules.records.reasons import RecordsReason
from protocol.rules.residents.census import is_current


@dataclass(frozen=True)
class ClosedRecord:
    """A resident's record with no current stay."""

    resident_id: str
    name: str
    mrn: str
    birth_date: date | None
    first_admitted_on: date
    last_discharged_on: date
    """The most recent discharge or death."""


def record_span(stays: Iterable[Mapping[str, Any]]) -> tuple[date, date] | None:
    """(first admission, most recent discharge) of a resident's stays, or None
    when a stay is still current or an ended stay lacks its dates."""
    firsts: list[date] = []
    lasts: list[date] = []
    for stay in stays:
        if is_current(stay):
            return None
        admitted, ended = day_of(stay.get("admitted_at")), day_of(stay.get("discharged_at"))
        if admitted is None or ended is None:
            return None
        firsts.append(admitted)
        lasts.append(ended)
    if not firsts:
        return None
    return min(firsts), max(lasts)


@dataclass(frozen=True)
class Candidate:
    rule: str
    ends_on: date


@dataclass(frozen=True)
class RetentionSchedule:
    candidates: tuple[Candidate, ...]
    minor: bool | None
    """Whether the minors' rules apply; None when the birth date is unknown,
    so they cannot be ruled out and the date cannot be trusted."""

    @property
    def governing(self) -> Candidate:
        """The candidate that ends last (the first listed, on a tie)."""
        return max(self.candidates, key=lambda c: c.ends_on)

    @property
    def ends_on(self) -> date:
        return self.governing.ends_on

    @property
    def destroy_from(self) -> date:
        return self.ends_on + ONE_DAY


def _after(start: date, *steps: int) -> date:
    for years in steps:
        start = add_years(start, years)
    return start


def is_minor_record(record: ClosedRecord, age_of_majority: int) -> bool | None:
    if record.birth_date is None:
        return None
    return record.first_admitted_on < add_years(record.birth_date, age_of_majority)


def retention_schedule(record: ClosedRecord, profile: RecordsProfile) -> RetentionSchedule:
    """Every candidate end date of ``record`` under ``profile``, state rules first."""
    start = record.last_discharged_on
    cite = f" ({profile.retention_citation})" if profile.retention_citation else ""
    minor = is_minor_record(record, profile.age_of_majority)
    out: list[Candidate] = []
    if profile.retention_years is not None:
        out.append(Candidate(f"state: {profile.retention_years} years after the most recent "
                             f"discharge{cite}", add_years(start, profile.retention_years)))
    rule = profile.minor_rule
    born = record.birth_date
    if minor and rule is not None and born is not None:
        if rule.until_age is not None:
            extra = f" + {rule.years_after_age} years" if rule.years_after_age else ""
            out.append(Candidate(f"state minor: until age {rule.until_age}{extra}{cite}",
                                 _after(born, rule.until_age, rule.years_after_age)))
        if rule.years_after_discharge is not None:
            out.append(Candidate(f"state minor: {rule.years_after_discharge} years after the "
                                 f"most recent discharge{cite}",
                                 add_years(start, rule.years_after_discharge)))
    out.append(Candidate(f"federal: {FEDERAL_RETENTION_YEARS} years from discharge "
                         f"({FEDERAL_RETENTION_CITATION})",
                         add_years(start, FEDERAL_RETENTION_YEARS)))
    if minor and born is not None:
        out.append(Candidate(f"federal minor: {FEDERAL_MINOR_YEARS_AFTER_MAJORITY} years after "
                             f"the age of majority ({profile.age_of_majority}) "
                             f"({FEDERAL_RETENTION_CITATION})",
                             _after(born, profile.age_of_majority,
                                    FEDERAL_MINOR_YEARS_AFTER_MAJORITY)))
    return RetentionSchedule(tuple(out), minor)


# --- legal holds --------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalHold:
    resident_id: str
    placed_by: str
    reason: str
    placed_on: date
    released_on: date | None = None
    released_by: str = ""

    def is_active_on(self, day: date) -> bool:
        """Held from ``placed_on`` through ``released_on`` (the release day included)."""
        return self.placed_on <= day and (self.released_on is None or day <= self.released_on)


def hold_problems(hold: LegalHold) -> tuple[ValidationError, ...]:
    problems = []
    if not hold.placed_by.strip():
        problems.append(ValidationError("placed_by", "say who placed the hold"))
    if not hold.reason.strip():
        problems.append(ValidationError("reason", "say why (the matter or case)"))
    if hold.released_on is not None:
        if hold.released_on < hold.placed_on:
            problems.append(ValidationError("released_on", "cannot be before the hold began"))
        if not hold.released_by.strip():
            problems.append(ValidationError("released_by", "say who released the hold"))
    return tuple(problems)


def destroy_from(schedule: RetentionSchedule, holds: Iterable[LegalHold]) -> date | None:
    """The first day the record may be destroyed given its holds; None while a
    hold is unreleased or while the minors' rules cannot be ruled out."""
    if schedule.minor is None:
        return None
    first = schedule.destroy_from
    for hold in holds:
        if hold.released_on is None:
            return None
        if hold.released_on >= first:
            first = hold.released_on + ONE_DAY
    return first


def may_destroy_on(schedule: RetentionSchedule, holds: Iterable[LegalHold], day: date) -> bool:
    held = tuple(holds)
    return schedule.minor is not None and day >= schedule.destroy_from \
        and not any(h.is_active_on(day) for h in held)


# --- the destruction list and log -------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    record: ClosedRecord
    schedule: RetentionSchedule
    holds: tuple[LegalHold, ...] = ()
    """The holds active on the day of the list."""


@dataclass(frozen=True)
class DestructionList:
    due: tuple[Listed, ...]
    """Past their date and not on hold: for the records manager to approve."""
    on_hold: tuple[Listed, ...]
    """Past their date but held: not to be destroyed."""
    needs_review: tuple[Listed, ...]
    """No birth date: the minors' rules cannot be ruled out."""


def destruction_list(records: Iterable[ClosedRecord], profile: RecordsProfile,
                     holds: Iterable[LegalHold], today: date) -> DestructionList:
    by_resident: dict[str, list[LegalHold]] = {}
    for hold in holds:
        by_resident.setdefault(hold.resident_id, []).append(hold)
    due: list[Listed] = []
    on_hold: list[Listed] = []
    review: list[Listed] = []
    for record in sorted(records, key=lambda r: (r.last_discharged_on, r.name, r.mrn)):
        schedule = retention_schedule(record, profile)
        active = tuple(h for h in by_resident.get(record.resident_id, ())
                       if h.is_active_on(today))
        listed = Listed(record, schedule, active)
        if schedule.minor is None:
            review.append(listed)
        elif today >= schedule.destroy_from:
            (on_hold if active else due).append(listed)
    return DestructionList(tuple(due), tuple(on_hold), tuple(review))


class DestructionMethod(StrEnum):
    SHREDDING = "shredding"
    BURNING = "burning"
    PULPING = "pulping"
    PULVERIZING = "pulverizing"
    CLEARING = "clearing"
    """Electronic media overwritten."""
    PURGING = "purging"
    """Electronic media degaussed or cryptographically erased."""
    DESTROYING_MEDIA = "destroying_media"
    """Electronic media disintegrated, shredded or melted."""


@dataclass(frozen=True)
class DestroyedRecord:
    resident_id: str
    name: str
    mrn: str
    first_date: date
    last_date: date

    @classmethod
    def of(cls, record: ClosedRecord) -> DestroyedRecord:
        return cls(record.resident_id, record.name, record.mrn, record.first_admitted_on,
                   record.last_discharged_on)


@dataclass(frozen=True)
class DestructionLog:
    destroyed_on: date
    method: DestructionMethod
    records: tuple[DestroyedRecord, ...]
    destroyed_by: str
    witnessed_by: str
    approved_by: str
    """The records manager who approved the list."""


def log_problems(log: DestructionLog) -> tuple[ValidationError, ...]:
    problems = []
    if not log.records:
        problems.append(ValidationError("records", "list the records destroyed"))
    for r in log.records:
        if not r.name.strip() or not r.mrn.strip():
            problems.append(ValidationError("records", "each record needs its name and MRN"))
            break
    problems.extend(ValidationError(name, "required")
                    for name in ("destroyed_by", "witnessed_by", "approved_by")
                    if not str(getattr(log, name)).strip())
    if log.witnessed_by.strip() and log.witnessed_by.strip() == log.destroyed_by.strip():
        problems.append(ValidationError("witnessed_by", "the witness cannot be the person "
                                                        "who destroyed the records"))
    return tuple(problems)


def check_destruction(log: DestructionLog, records: Mapping[str, ClosedRecord],
                      profile: RecordsProfile, holds: Iterable[LegalHold]) -> None:
    """Refuse a destruction that the schedule or a hold forbids, or a log that
    lacks what it must record."""
    problems = log_problems(log)
    if problems:
        raise problems[0]
    held = tuple(holds)
    for entry in log.records:
        record = records.get(entry.resident_id)
        if record is None:
            raise ValidationError("records", f"{entry.name} ({entry.mrn}) is not a closed record")
        mine = [h for h in held if h.resident_id == entry.resident_id]
        if any(h.is_active_on(log.destroyed_on) for h in mine):
            raise Refused(RecordsReason.ON_LEGAL_HOLD, f"{entry.name} ({entry.mrn}) is on "
                          "legal hold")
        schedule = retention_schedule(record, profile)
        if schedule.minor is None:
            raise Refused(RecordsReason.RETENTION_NOT_ENDED, f"{entry.name} ({entry.mrn}) has "
                          "no birth date: the minors' rules cannot be ruled out")
        if not may_destroy_on(schedule, mine, log.destroyed_on):
            raise Refused(RecordsReason.RETENTION_NOT_ENDED, f"{entry.name} ({entry.mrn}) "
                          f"must be kept through {schedule.ends_on.isoformat()}")
