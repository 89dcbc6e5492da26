"""The staffing part of a state profile, as data a facility can edit.

A profile says which PBJ job title codes count in each staffing category, the
minimum hours per resident day (HPRD) of each category and whether each is
judged per day, per week or over the whole period, whether an RN must be on duty
around the clock, what makes the Director of Nursing full time, and whether the
profile is a legal threshold or only an informational benchmark. A new state
needs a new profile (``from_dict``), never new code.

Sources the shipped defaults follow (figures age; they are data):

- Federal floor: no HPRD minimum; an RN 8 consecutive hours a day and a
  full-time RN DON, who may act as charge nurse only while average daily
  occupancy is 60 or less (42 CFR 483.35; SSA 1819/1919(b)(4)(C); F727).
  Full time = 40 hours a week (F727, Rev. 229).
- Categories as CMS counts them (PBJ Policy Manual): RN 5, 6, 7; LPN/LVN 8, 9;
  nurse aide 10, 11, 12; total nurse staff 5–12.
- California: 3.5 direct-care HPRD, of which 2.4 CNA (H&S Code §1276.65).
- New York: 3.5 total, 2.2 aide, 1.1 licensed (RN + LPN), each day (PHL
  §2895-b; 10 NYCRR 415.13).
- Florida: 3.6 total as a weekly average (a week runs Sunday–Saturday), with
  2.0 CNA and 1.0 licensed nurse every day (Fla. Stat. 400.23(3)).
- Rhode Island: 3.81 total, 2.44 CNA (RIGL 23-17.5-32).
- Maryland: 3.0 hours of bedside care per occupied bed per day; an RN on duty
  24 hours a day (COMAR 10.07.02.19).
- The 2024 minimum-staffing rule (3.48 total, 0.55 RN, 2.45 aide HPRD and a 24/7
  RN, 89 FR 40876) was vacated, put under moratorium and repealed
  (CMS-3442-IFC, 90 FR 55687): informational only, never a legal threshold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from protocol.errors import ValidationError
from protocol.pbj import JOB_TITLES, LPN_CODES, NURSE_AIDE_CODES, NURSE_CODES, RN_CODES

FORMAT = 1
"""Version of the ``to_dict`` shape; ``from_dict`` refuses any other."""


class ProfileError(ValidationError):
    """A profile that cannot be used; ``field`` is the path of the bad value."""

    code = "invalid_profile"


class Category(StrEnum):
    TOTAL = "total"
    """Total nurse staff."""
    RN = "rn"
    LPN = "lpn"
    LICENSED = "licensed"
    """Licensed nurses: RN + LPN/LVN."""
    AIDE = "aide"
    """Nurse aides (CNA, aide in training, medication aide)."""
    DIRECT_CARE = "direct_care"
    """Direct or bedside care, as a state defines it."""


CATEGORY_WORDS: Mapping[Category, str] = {
    Category.TOTAL: "total nurse staff", Category.RN: "RN", Category.LPN: "LPN/LVN",
    Category.LICENSED: "licensed nurse (RN + LPN)", Category.AIDE: "nurse aide",
    Category.DIRECT_CARE: "direct care",
}


class Basis(StrEnum):
    """How a minimum is judged."""

    DAY = "day"
    """Every day on its own (a day with census 0 has no value and is not judged)."""
    WEEK = "week"
    """Each week: the week's hours ÷ the week's resident days."""
    PERIOD = "period"
    """The whole period: its hours ÷ its resident days."""


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Index = :meth:`datetime.date.weekday`."""
SUNDAY = 6

CMS_CATEGORIES: Mapping[Category, frozenset[int]] = {
    Category.TOTAL: NURSE_CODES,
    Category.RN: RN_CODES,
    Category.LPN: LPN_CODES,
    Category.LICENSED: RN_CODES | LPN_CODES,
    Category.AIDE: NURSE_AIDE_CODES,
    Category.DIRECT_CARE: frozenset({7, 9, 10, 11, 12}),
}
"""CMS's categories (DON and administrative nurses included). Direct care, which
CMS does not define, leaves out the DON and the nurses with administrative
duties (codes 5, 6, 8): a profile may say otherwise."""


@dataclass(frozen=True)
class Minimum:
    """At least ``hprd`` hours per resident day in ``category``, judged per ``basis``."""

    category: Category
    hprd: Decimal
    basis: Basis


@dataclass(frozen=True)
class StaffingProfile:
    key: str
    """Stable identifier (``federal``, ``CA``, ``benchmark-2024``)."""
    name: str
    state: str | None = None
    informational: bool = False
    """True: a benchmark to compare with, never a legal threshold."""
    minimums: tuple[Minimum, ...] = ()
    categories: Mapping[Category, frozenset[int]] = field(
        default_factory=lambda: dict(CMS_CATEGORIES))
    rn_24_7: bool = False
    """An RN on duty around the clock, on top of the federal 8 consecutive hours."""
    don_full_time_hours: Decimal = Decimal(40)
    don_charge_nurse_max_occupancy: Decimal = Decimal(60)
    """The DON counts as the RN on duty only while average daily occupancy ≤ this."""
    week_start: int = SUNDAY
    """Weekday a week begins on (Monday = 0 … Sunday = 6)."""
    citation: str = ""
    notes: str = ""

    def codes(self, category: Category) -> frozenset[int]:
        return self.categories.get(category, frozenset())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: decimals as text, codes as sorted lists, names for enums."""
        return {
            "format": FORMAT, "key": self.key, "name": self.name, "state": self.state,
            "informational": self.informational,
            "categories": {str(c): sorted(self.codes(c)) for c in Category},
            "minimums": [{"category": str(m.category), "hprd": str(m.hprd),
                          "basis": str(m.basis)} for m in self.minimums],
            "rn_24_7": self.rn_24_7,
            "don_full_time_hours": str(self.don_full_time_hours),
            "don_charge_nurse_max_occupancy": str(self.don_charge_nurse_max_occupancy),
            "week_start": WEEKDAYS[self.week_start],
            "citation": self.citation, "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StaffingProfile:
        """A profile from its ``to_dict`` form; raises :class:`ProfileError`
        naming the first bad value. Optional keys take the federal defaults."""
        return _parse(data)


# --- parsing ----------------------------------------------------------------------------

_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,40}")
_REQUIRED = ("format", "key", "name")
_OPTIONAL = ("state", "informational", "categories", "minimums", "rn_24_7",
             "don_full_time_hours", "don_charge_nurse_max_occupancy", "week_start",
             "citation", "notes")


def _parse(data: Mapping[str, Any]) -> StaffingProfile:
    if not isinstance(data, Mapping):
        raise ProfileError("profile", "must be an object")
    unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ProfileError(unknown[0], "is not a field of a staffing profile")
    for name in _REQUIRED:
        if name not in data:
            raise ProfileError(name, "is required")
    if data["format"] != FORMAT:
        raise ProfileError("format", f"must be {FORMAT} (this software reads no other)")
    key = _text(data, "key", 40)
    if not _KEY.fullmatch(key):
        raise ProfileError("key", "may use letters, digits and _ . - (1–40 characters)")
    categories = _categories(data.get("categories"))
    minimums = _minimums(data.get("minimums", []), categories)
    state = data.get("state")
    if state is not None and not (isinstance(state, str) and re.fullmatch(r"[A-Z]{2}", state)):
        raise ProfileError("state", "must be a two-letter state code or null")
    return StaffingProfile(
        key=key, name=_text(data, "name", 80), state=state,
        informational=_flag(data, "informational"), minimums=minimums, categories=categories,
        rn_24_7=_flag(data, "rn_24_7"),
        don_full_time_hours=_decimal(data.get("don_full_time_hours", "40"),
                                     "don_full_time_hours", high=Decimal(168)),
        don_charge_nurse_max_occupancy=_decimal(
            data.get("don_charge_nurse_max_occupancy", "60"), "don_charge_nurse_max_occupancy",
            high=Decimal(100_000)),
        week_start=_weekday(data.get("week_start", "sunday")),
        citation=_text(data, "citation", 400, default=""),
        notes=_text(data, "notes", 2000, default=""),
    )


def _text(data: Mapping[str, Any], name: str, max_len: int, default: str | None = None) -> str:
    value = data.get(name, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ProfileError(name, "must be non-empty text" if default is None else "must be text")
    if len(value) > max_len:
        raise ProfileError(name, f"must be at most {max_len} characters")
    return value.strip()


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ProfileError(name, "must be true or false")
    return value


def _decimal(value: Any, path: str, *, high: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ProfileError(path, "must be a number written like 3.48")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ProfileError(path, "must be a number written like 3.48") from None
    if not number.is_finite() or not Decimal(0) < number <= high:
        raise ProfileError(path, f"must be more than 0 and at most {high}")
    return number


def _weekday(value: Any) -> int:
    if not isinstance(value, str) or value.strip().lower() not in WEEKDAYS:
        raise ProfileError("week_start", "must be a weekday name (monday … sunday)")
    return WEEKDAYS.index(value.strip().lower())


def _categories(raw: Any) -> dict[Category, frozenset[int]]:
    if raw is None:
        return dict(CMS_CATEGORIES)
    if not isinstance(raw, Mapping):
        raise ProfileError("categories", "must map each category to a list of job title codes")
    out = dict(CMS_CATEGORIES)
    for name, codes in raw.items():
        try:
            category = Category(name)
        except ValueError:
            raise ProfileError(f"categories.{name}", "is not a staffing category (one of "
                               + ", ".join(c.value for c in Category) + ")") from None
        if not isinstance(codes, list):
            raise ProfileError(f"categories.{name}", "must be a list of job title codes")
        for code in codes:
            if isinstance(code, bool) or not isinstance(code, int) or code not in JOB_TITLES:
                raise ProfileError(f"categories.{name}",
                                   f"{code!r} is not a PBJ job title code (1–40)")
        out[category] = frozenset(codes)
    return out


def _minimums(raw: Any, categories: Mapping[Category, frozenset[int]]) -> tuple[Minimum, ...]:
    if not isinstance(raw, list):
        raise ProfileError("minimums", "must be a list")
    out: list[Minimum] = []
    seen: set[tuple[Category, Basis]] = set()
    for index, item in enumerate(raw):
        path = f"minimums[{index}]"
        if not isinstance(item, Mapping) or set(item) != {"category", "hprd", "basis"}:
            raise ProfileError(path, "must have exactly category, hprd and basis")
        try:
            category = Category(item["category"])
        except ValueError:
            raise ProfileError(f"{path}.category", "is not a staffing category") from None
        try:
            basis = Basis(item["basis"])
        except ValueError:
            raise ProfileError(f"{path}.basis", "must be day, week or period") from None
        if not categories.get(category):
            raise ProfileError(f"{path}.category", f"{category} has no job title codes")
        if (category, basis) in seen:
            raise ProfileError(path, f"repeats the {basis} minimum for {category}")
        seen.add((category, basis))
        out.append(Minimum(category, _decimal(item["hprd"], f"{path}.hprd", high=Decimal(24)),
                           basis))
    return tuple(out)


# --- the shipped defaults ---------------------------------------------------------------------


def _m(category: Category, hprd: str, basis: Basis = Basis.DAY) -> Minimum:
    return Minimum(category, Decimal(hprd), basis)


C, DAY, WEEK, PERIOD = Category, Basis.DAY, Basis.WEEK, Basis.PERIOD

FEDERAL = StaffingProfile(
    key="federal", name="Federal floor",
    citation="42 CFR 483.35; SSA 1819/1919(b)(4)(C); F727",
    notes="No HPRD minimum: an RN 8 consecutive hours a day and a full-time RN DON.")

DEFAULT_PROFILES: Mapping[str, StaffingProfile] = {p.key: p for p in (
    FEDERAL,
    StaffingProfile(
        key="CA", name="California", state="CA",
        minimums=(_m(C.DIRECT_CARE, "3.5"), _m(C.AIDE, "2.4")),
        citation="Cal. Health & Safety Code §1276.65",
        notes="Direct care leaves out the DON and nurses with administrative duties; judged "
              "each day (verify)."),
    StaffingProfile(
        key="NY", name="New York", state="NY",
        minimums=(_m(C.TOTAL, "3.5"), _m(C.AIDE, "2.2"), _m(C.LICENSED, "1.1")),
        citation="N.Y. Public Health Law §2895-b; 10 NYCRR 415.13",
        notes="Judged each day (a penalty per deficient day). Codes 5, 6 and 8 are counted "
              "as CMS counts them until the NY DOH method is confirmed (verify)."),
    StaffingProfile(
        key="FL", name="Florida", state="FL",
        minimums=(_m(C.TOTAL, "3.6", WEEK), _m(C.AIDE, "2.0"), _m(C.LICENSED, "1.0")),
        citation="Fla. Stat. 400.23(3)",
        notes="Total as a weekly average, Sunday–Saturday; CNA and licensed nurse daily."),
    StaffingProfile(
        key="RI", name="Rhode Island", state="RI",
        minimums=(_m(C.TOTAL, "3.81"), _m(C.AIDE, "2.44")),
        citation="R.I. Gen. Laws 23-17.5-32", notes="Judged each day (verify)."),
    StaffingProfile(
        key="MD", name="Maryland", state="MD",
        minimums=(_m(C.DIRECT_CARE, "3.0"),), rn_24_7=True,
        citation="COMAR 10.07.02.19",
        notes="3.0 hours of bedside care per occupied bed per day: occupied beds are the "
              "midnight census; bedside care leaves out the DON and nurses with "
              "administrative duties (verify)."),
    StaffingProfile(
        key="benchmark-2024", name="2024 CMS benchmark (repealed, informational)",
        informational=True, rn_24_7=True,
        minimums=(_m(C.TOTAL, "3.48", PERIOD), _m(C.RN, "0.55", PERIOD),
                  _m(C.AIDE, "2.45", PERIOD)),
        citation="89 FR 40876 (2024); vacated 2025; repealed by CMS-3442-IFC, 90 FR 55687",
        notes="Never a legal threshold: shown for comparison only."),
)}
"""Every shipped profile by key; the server seeds its editable copies from these."""
