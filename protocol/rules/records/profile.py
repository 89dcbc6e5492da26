"""The records part of a facility's state profile, as data.

Every records rule that varies by state is a value here, never a constant in
code: the server stores and edits a profile, syncs it to the terminals, and
both sides compute with it; a new state is a new profile, not a release.

- **Retention** (42 CFR 483.70(h)(4), formerly (i)(4)): the period state law
  sets, counted from its start event; if state law is silent, 5 years from
  discharge; for a minor, 3 years after the state's age of majority. A state
  rule for minors (WA, RCW 18.51.300; UT, Utah Admin. Code R432-150-24(3)(c))
  is an age to keep the record until, plus a floor counted from discharge.
  :mod:`protocol.rules.records.retention` keeps a record until the latest of them.
- **Age of majority**: 18 unless the profile says otherwise (19 in AL and NE,
  21 in MS).
- **Residents' access** (42 CFR 483.10(g)(2)) and HIPAA access (45 CFR
  164.524(b)(2)): a state deadline, when the profile has one and it is
  shorter, wins (:mod:`protocol.rules.records.requests`).
- **Delinquency**: a record still incomplete this many days after discharge
  is delinquent (30 by default).
- **Posted daily staffing** (42 CFR 483.35(g)): kept 18 months, or longer where
  state law says so (``posted_staffing_months``; never shorter than 18).
- **Restricted ZIP3 areas** (45 CFR 164.514(b)(2)(i)(B)): the 3-digit ZIP areas of
  20,000 people or fewer, which a Safe Harbor extract writes as ``000``
  (``restricted_zip3``; HHS's Census-2000 list by default: the rule asks for the
  current Census figures).
- **Holidays**: the federal holidays on their observed dates (unless turned
  off) plus the state's or facility's own days.

``to_dict()`` gives plain JSON values; :meth:`RecordsProfile.from_dict`
validates and refuses what it cannot use, naming the field (an unknown key is
refused too: in an edited profile it is a typo, not a setting).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from protocol.errors import ValidationError
from protocol.rules.calendar import HolidayCalendar
from protocol.rules.research.deidentify import HHS_RESTRICTED_ZIP3, parse_restricted_zip3
from protocol.rules.staffing.posting import RETENTION_MONTHS as FEDERAL_POSTING_MONTHS

FEDERAL_RETENTION_YEARS = 5
"""42 CFR 483.70(h)(4): where state law is silent, 5 years from discharge."""
FEDERAL_MINOR_YEARS_AFTER_MAJORITY = 3
"""42 CFR 483.70(h)(4): a minor's record, 3 years after reaching legal age."""
DEFAULT_AGE_OF_MAJORITY = 18
DEFAULT_DELINQUENT_AFTER_DAYS = 30
FEDERAL_RETENTION_CITATION = "42 CFR 483.70(h)(4)"

_STATE = re.compile(r"[A-Z]{2}")
FEDERAL_STATE = "US"
"""The state code of the federal fallback profile (no state rule of its own)."""


class StartEvent(StrEnum):
    """What a state's retention period counts from."""

    LAST_DISCHARGE = "last_discharge"
    """The most recent discharge; a death ends a stay like a discharge."""


class DeadlineUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    """Hours of working days only (not weekends or the profile's holidays)."""
    WORKING_DAYS = "working_days"
    """Working days after the day of receipt; due by the end of the last one."""
    CALENDAR_DAYS = "calendar_days"
    """Calendar days after the day of receipt; due by the end of the last one."""


@dataclass(frozen=True)
class StateDeadline:
    """A state's own deadline for answering a request; applied only when it
    comes before the federal one."""

    amount: int
    unit: DeadlineUnit
    citation: str = ""

    def __post_init__(self) -> None:
        _check_int("amount", self.amount, 1, 24 * 366)
        _require(isinstance(self.unit, DeadlineUnit), "unit", "is not a deadline unit")


@dataclass(frozen=True)
class MinorRule:
    """A state's retention rule for a resident who was a minor.

    The record is kept until ``until_age`` plus ``years_after_age`` (WA: age
    18 + 3 years; UT: age 22 + 0), and in any case ``years_after_discharge``
    after the start event (WA: 10; UT: never less than 7). Either part may be
    absent.
    """

    until_age: int | None = None
    years_after_age: int = 0
    years_after_discharge: int | None = None

    def __post_init__(self) -> None:
        if self.until_age is not None:
            _check_int("retention.minor.until_age", self.until_age, 1, 30)
        _check_int("retention.minor.years_after_age", self.years_after_age, 0, 50)
        if self.years_after_discharge is not None:
            _check_int("retention.minor.years_after_discharge", self.years_after_discharge, 1, 100)
        _require(self.until_age is not None or self.years_after_discharge is not None,
                 "retention.minor", "needs an age or a period after discharge (or no minor rule)")


@dataclass(frozen=True)
class RecordsProfile:
    """The records rules of one state (or the federal fallback)."""

    state: str
    """Two-letter postal code; ``US`` for the federal fallback."""
    retention_years: int | None = None
    """The state's adult retention period; None when state law sets none."""
    retention_start: StartEvent = StartEvent.LAST_DISCHARGE
    minor_rule: MinorRule | None = None
    """None when state law has no rule of its own for minors."""
    age_of_majority: int = DEFAULT_AGE_OF_MAJORITY
    retention_citation: str = ""
    inspection_deadline: StateDeadline | None = None
    """A current resident inspecting their record (federal: 24 working-day hours)."""
    copies_deadline: StateDeadline | None = None
    """Copies for a current resident (federal: 48 working-day hours)."""
    hipaa_access_deadline: StateDeadline | None = None
    """Every other request (federal: 30 calendar days under HIPAA)."""
    delinquent_after_days: int = DEFAULT_DELINQUENT_AFTER_DAYS
    posted_staffing_months: int = FEDERAL_POSTING_MONTHS
    """How long the posted daily staffing is kept: 18 months, or a state's longer period."""
    restricted_zip3: frozenset[str] = HHS_RESTRICTED_ZIP3
    """The 3-digit ZIP areas a Safe Harbor extract writes as ``000``."""
    holidays: frozenset[date] = field(default_factory=frozenset)
    """Days added to the federal holidays (a state's or the facility's own)."""
    federal_holidays: bool = True

    def __post_init__(self) -> None:
        _require(isinstance(self.state, str) and (self.state == FEDERAL_STATE
                                                  or bool(_STATE.fullmatch(self.state))),
                 "state", "must be a two-letter state code (or US for the federal fallback)")
        if self.retention_years is not None:
            _check_int("retention.adult_years", self.retention_years, 1, 100)
        _require(isinstance(self.retention_start, StartEvent), "retention.start",
                 "is not a start event")
        _check_int("retention.age_of_majority", self.age_of_majority, 14, 25)
        _check_int("delinquent_after_days", self.delinquent_after_days, 1, 365)
        _check_int("posted_staffing_months", self.posted_staffing_months,
                   FEDERAL_POSTING_MONTHS, 1200)
        _require(parse_restricted_zip3(self.restricted_zip3) == self.restricted_zip3,
                 "restricted_zip3", "must be 3-digit ZIP areas")
        _require(all(isinstance(d, date) for d in self.holidays), "holidays.extra",
                 "must be dates")

    @property
    def calendar(self) -> HolidayCalendar:
        return HolidayCalendar(extra=self.holidays, federal=self.federal_holidays)

    # --- JSON ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        minor = self.minor_rule
        return {
            "state": self.state,
            "retention": {
                "adult_years": self.retention_years,
                "start": str(self.retention_start),
                "minor": None if minor is None else {
                    "until_age": minor.until_age,
                    "years_after_age": minor.years_after_age,
                    "years_after_discharge": minor.years_after_discharge,
                },
                "age_of_majority": self.age_of_majority,
                "citation": self.retention_citation,
            },
            "access": {
                "inspection": _deadline_dict(self.inspection_deadline),
                "copies": _deadline_dict(self.copies_deadline),
                "hipaa": _deadline_dict(self.hipaa_access_deadline),
            },
            "delinquent_after_days": self.delinquent_after_days,
            # The settings added later (LATER_KEYS) only when they differ from the
            # default; stored apart from the rest (stored_parts).
            **({"posted_staffing_months": self.posted_staffing_months}
               if self.posted_staffing_months != FEDERAL_POSTING_MONTHS else {}),
            **({"restricted_zip3": sorted(self.restricted_zip3)}
               if self.restricted_zip3 != HHS_RESTRICTED_ZIP3 else {}),
            "holidays": {
                "federal": self.federal_holidays,
                "extra": sorted(d.isoformat() for d in self.holidays),
            },
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RecordsProfile:
        """Build a profile from :meth:`to_dict` output (missing keys take the
        federal defaults). Raises :class:`ValidationError` naming the field."""
        top = _mapping("profile", raw, {"state", "retention", "access",
                                         "delinquent_after_days", "posted_staffing_months",
                                         "restricted_zip3", "holidays"})
        retention = _mapping("retention", top.get("retention", {}),
                             {"adult_years", "start", "minor", "age_of_majority", "citation"})
        access = _mapping("access", top.get("access", {}), {"inspection", "copies", "hipaa"})
        holidays = _mapping("holidays", top.get("holidays", {}), {"federal", "extra"})
        return cls(
            state=_text("state", top.get("state")).upper(),
            retention_years=_optional_int("retention.adult_years",
                                          retention.get("adult_years")),
            retention_start=_enum("retention.start", StartEvent,
                                  retention.get("start", StartEvent.LAST_DISCHARGE)),
            minor_rule=_minor(retention.get("minor")),
            age_of_majority=_check_int("retention.age_of_majority",
                                 retention.get("age_of_majority", DEFAULT_AGE_OF_MAJORITY)),
            retention_citation=_text("retention.citation", retention.get("citation", "")),
            inspection_deadline=_deadline("access.inspection", access.get("inspection")),
            copies_deadline=_deadline("access.copies", access.get("copies")),
            hipaa_access_deadline=_deadline("access.hipaa", access.get("hipaa")),
            delinquent_after_days=_check_int("delinquent_after_days", top.get(
                "delinquent_after_days", DEFAULT_DELINQUENT_AFTER_DAYS)),
            posted_staffing_months=_check_int("posted_staffing_months", top.get(
                "posted_staffing_months", FEDERAL_POSTING_MONTHS)),
            restricted_zip3=_zip3("restricted_zip3", top.get("restricted_zip3")),
            holidays=_dates("holidays.extra", holidays.get("extra", [])),
            federal_holidays=_bool("holidays.federal", holidays.get("federal", True)),
        )



LATER_KEYS = ("posted_staffing_months", "restricted_zip3")
"""Profile settings added after terminals were in use. A terminal of an earlier
release refuses a stored profile holding a key it does not know, and then falls
back to its state's default for every setting (retention, the access clocks,
delinquency, holidays): so these are stored apart, in the facility record's
:data:`LATER_FIELD`, which such a terminal never reads. A setting added from now
on goes there too; a reader passes over the ones it does not know."""

LATER_FIELD = "records_profile_later"


def stored_parts(profile: RecordsProfile) -> tuple[dict[str, Any], dict[str, Any]]:
    """The profile as its facility record keeps it: what every release reads
    (``records_profile``) and the later settings (:data:`LATER_FIELD`; empty when
    they are the defaults)."""
    whole = profile.to_dict()
    later = {key: whole.pop(key) for key in LATER_KEYS if key in whole}
    return whole, later


def from_stored(raw: Mapping[str, Any], later: object) -> RecordsProfile:
    """The profile from its two stored parts (:func:`stored_parts`). Raises
    :class:`ValidationError` for an unreadable ``raw`` or later setting."""
    known = {key: value for key, value in later.items() if key in LATER_KEYS} \
        if isinstance(later, Mapping) else {}
    return RecordsProfile.from_dict({**raw, **known})


# --- validation helpers -------------------------------------------------------------------


def _require(ok: bool, name: str, detail: str) -> None:  # noqa: FBT001  reads as an assertion
    if not ok:
        raise ValidationError(name, detail)


def _check_int(name: str, value: object, low: int = -(10**6), high: int = 10**6) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(name, "must be a whole number")
    _require(low <= value <= high, name, f"must be between {low} and {high}")
    return value


def _optional_int(name: str, value: object) -> int | None:
    return None if value is None else _check_int(name, value)


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(name, "must be true or false")
    return value


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, "must be text")
    return value.strip()


_E = TypeVar("_E", bound=StrEnum)


def _enum(name: str, kind: type[_E], value: object) -> _E:
    allowed = ", ".join(str(member) for member in kind)
    if not isinstance(value, str) or value not in set(kind):
        raise ValidationError(name, f"must be one of: {allowed}")
    return kind(value)


def _mapping(name: str, value: object, keys: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(name, "must be an object")
    unknown = sorted(str(k) for k in value if k not in keys)
    _require(not unknown, name, f"unknown setting {', '.join(unknown)}")
    return value


def _minor(value: object) -> MinorRule | None:
    if value is None:
        return None
    minor = _mapping("retention.minor", value,
                     {"until_age", "years_after_age", "years_after_discharge"})
    return MinorRule(
        until_age=_optional_int("retention.minor.until_age", minor.get("until_age")),
        years_after_age=_check_int("retention.minor.years_after_age",
                                   minor.get("years_after_age", 0)),
        years_after_discharge=_optional_int("retention.minor.years_after_discharge",
                                            minor.get("years_after_discharge")))


def _deadline(name: str, value: object) -> StateDeadline | None:
    if value is None:
        return None
    raw = _mapping(name, value, {"amount", "unit", "citation"})
    try:
        return StateDeadline(amount=_check_int(f"{name}.amount", raw.get("amount")),
                             unit=_enum(f"{name}.unit", DeadlineUnit, raw.get("unit")),
                             citation=_text(f"{name}.citation", raw.get("citation", "")))
    except ValidationError as error:
        if error.field.startswith(name):
            raise
        raise ValidationError(f"{name}.{error.field}", error.reason) from None


def _zip3(name: str, value: object) -> frozenset[str]:
    if value is None:
        return HHS_RESTRICTED_ZIP3
    if not isinstance(value, list):
        raise ValidationError(name, "must be a list of 3-digit ZIP areas")
    if not value:
        # No Census count leaves every 3-digit area over 20,000 people: an empty
        # list is a mistake, and would write every ZIP area into an extract.
        raise ValidationError(name, "list the restricted 3-digit ZIP areas (or leave the "
                                    "setting out for HHS's list)")
    return parse_restricted_zip3(value)


def _deadline_dict(deadline: StateDeadline | None) -> dict[str, Any] | None:
    if deadline is None:
        return None
    return {"amount": deadline.amount, "unit": str(deadline.unit),
            "citation": deadline.citation}


def _dates(name: str, value: object) -> frozenset[date]:
    if not isinstance(value, list):
        raise ValidationError(name, "must be a list of dates written YYYY-MM-DD")
    days: set[date] = set()
    for item in value:
        try:
            days.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise ValidationError(name, f"{item!r} is not a date written YYYY-MM-DD") from None
    return frozenset(days)


# --- the default profiles ---------------------------------------------------------------

FEDERAL_FALLBACK = RecordsProfile(state=FEDERAL_STATE,
                                  retention_citation=FEDERAL_RETENTION_CITATION)
"""State law silent: 5 years from discharge; minors 3 years after age 18."""

AGES_OF_MAJORITY: Mapping[str, int] = {"AL": 19, "NE": 19, "MS": 21}
"""States whose age of majority is not 18."""

DEFAULT_PROFILES: Mapping[str, RecordsProfile] = {
    "WA": RecordsProfile(
        state="WA", retention_years=8,
        minor_rule=MinorRule(until_age=18, years_after_age=3, years_after_discharge=10),
        retention_citation="RCW 18.51.300"),
    "UT": RecordsProfile(
        state="UT", retention_years=7,
        minor_rule=MinorRule(until_age=22, years_after_discharge=7),
        retention_citation="Utah Admin. Code R432-150-24(3)(c)"),
}
"""States with a retention rule of their own. Utah does not say what its 7
years count from; by convention, the last discharge."""


def default_profile(state: str) -> RecordsProfile:
    """The profile a facility in ``state`` starts from: the state's own rules
    where they are known, else the federal fallback with the state's age of
    majority. The facility may edit every value."""
    code = state.strip().upper()
    if code in DEFAULT_PROFILES:
        return DEFAULT_PROFILES[code]
    if code == FEDERAL_STATE:
        return FEDERAL_FALLBACK
    return replace(FEDERAL_FALLBACK, state=code,
                   age_of_majority=AGES_OF_MAJORITY.get(code, DEFAULT_AGE_OF_MAJORITY))
