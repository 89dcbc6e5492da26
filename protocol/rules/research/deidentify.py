"""Safe Harbor de-identification of an extract row (45 CFR 164.514(b)(2)).

Each column of an extract declares what it holds (:class:`FieldKind`) and
whose it is (:class:`Subject`: the resident, or a relative, employer or
household member of the resident — Safe Harbor covers them all alike). A row
is transformed field by field:

- The 18 identifier types are removed (the column is left out): names;
  geography smaller than a state (street, city, county, precinct, geocodes,
  room and bed — the facility is the resident's home); telephone; fax;
  e-mail; SSN; MRN; health plan beneficiary numbers; account numbers;
  certificate and license numbers; vehicle identifiers; device identifiers;
  URLs; IP addresses; biometrics; full-face and comparable images; any other
  unique number, characteristic or code.
- **ZIP** → its first 3 digits; ``000`` when the 3-digit area is on the
  restricted list (data: areas of 20,000 people or fewer; HHS's Census-2000
  list by default); a malformed ZIP is removed (Convention).
- **Dates** → the year alone.
- **Ages** over 89 → ``90 or older``; a **birth date** keeps its year only
  when the age is 89 or less (Convention: the age on the extract date, or at
  death for a decedent resident).
- **Free text** goes through :func:`protocol.rules.research.text_redaction.redact`,
  which also removes every name and identifier value the row holds.
- The state, provider and staff names (HHS guidance: they need not be
  removed), a 164.514(c) re-identification code and declared clinical values
  are kept. A column the extract does not declare is refused: nothing leaves
  unexamined.

The facility must also have no actual knowledge that what remains could
identify the resident; that is a human review, not a function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from protocol.errors import ValidationError
from protocol.rules.calendar import add_years
from protocol.rules.research.text_redaction import redact

OLDEST_SHOWN_AGE = 89
NINETY_OR_OLDER = "90 or older"
RESTRICTED_ZIP3 = "000"

HHS_RESTRICTED_ZIP3 = frozenset({
    "036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831",
    "878", "879", "884", "890", "893"})
"""3-digit ZIP areas of 20,000 people or fewer (HHS, Census 2000): the default
list; the facility keeps the current one as data."""


class FieldKind(StrEnum):
    # the 18 identifier types, 164.514(b)(2)(i)(A)–(R)
    NAME = "name"
    STREET = "street"
    CITY = "city"
    COUNTY = "county"
    PRECINCT = "precinct"
    GEOCODE = "geocode"
    ROOM_BED = "room_bed"
    ZIP = "zip"
    DATE = "date"
    BIRTH_DATE = "birth_date"
    AGE = "age"
    PHONE = "phone"
    FAX = "fax"
    EMAIL = "email"
    SSN = "ssn"
    MRN = "mrn"
    HEALTH_PLAN_NUMBER = "health_plan_number"
    ACCOUNT_NUMBER = "account_number"
    CERTIFICATE_LICENSE = "certificate_license"
    VEHICLE_ID = "vehicle_id"
    DEVICE_ID = "device_id"
    URL = "url"
    IP_ADDRESS = "ip_address"
    BIOMETRIC = "biometric"
    PHOTO = "photo"
    OTHER_UNIQUE_ID = "other_unique_id"
    # not identifiers
    STATE = "state"
    FREE_TEXT = "free_text"
    PROVIDER_NAME = "provider_name"
    REIDENTIFICATION_CODE = "reidentification_code"
    VALUE = "value"
    """A clinical or administrative value declared not to identify anyone
    (a diagnosis code, a payer type, an MDS item)."""


class Subject(StrEnum):
    RESIDENT = "resident"
    RELATIVE = "relative"
    EMPLOYER = "employer"
    HOUSEHOLD_MEMBER = "household_member"


REMOVED_KINDS = frozenset({
    FieldKind.NAME, FieldKind.STREET, FieldKind.CITY, FieldKind.COUNTY, FieldKind.PRECINCT,
    FieldKind.GEOCODE, FieldKind.ROOM_BED, FieldKind.PHONE, FieldKind.FAX, FieldKind.EMAIL,
    FieldKind.SSN, FieldKind.MRN, FieldKind.HEALTH_PLAN_NUMBER, FieldKind.ACCOUNT_NUMBER,
    FieldKind.CERTIFICATE_LICENSE, FieldKind.VEHICLE_ID, FieldKind.DEVICE_ID, FieldKind.URL,
    FieldKind.IP_ADDRESS, FieldKind.BIOMETRIC, FieldKind.PHOTO, FieldKind.OTHER_UNIQUE_ID})
KEPT_KINDS = frozenset({FieldKind.STATE, FieldKind.PROVIDER_NAME,
                        FieldKind.REIDENTIFICATION_CODE, FieldKind.VALUE})


@dataclass(frozen=True)
class Column:
    name: str
    kind: FieldKind
    subject: Subject = Subject.RESIDENT


# --- ages, dates, ZIP codes ---------------------------------------------------------------


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime or ISO text (else None)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def age_on(born: date, day: date) -> int:
    """Whole years on ``day`` (a 29 February birthday falls on 1 March in a
    common year, as everywhere)."""
    years = day.year - born.year
    return years - 1 if add_years(born, years) > day else years


def shown_age(age: int) -> int | str:
    return NINETY_OR_OLDER if age > OLDEST_SHOWN_AGE else age


def extract_age(born: date, extract_on: date, died_on: date | None = None) -> int | str:
    """The resident's age as an extract shows it: on the extract date, or at
    death for a decedent; over 89 grouped."""
    return shown_age(age_on(born, died_on or extract_on))


_ZIP = re.compile(r"(\d{5})(?:-?\d{4})?")


def zip3(value: Any, restricted: frozenset[str] = HHS_RESTRICTED_ZIP3) -> str | None:
    """The first 3 digits of a ZIP code, ``000`` for a restricted area, None
    for anything that is not a ZIP code."""
    match = _ZIP.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    first3 = match.group(1)[:3]
    return RESTRICTED_ZIP3 if first3 in restricted else first3


def parse_restricted_zip3(values: Iterable[Any]) -> frozenset[str]:
    """Validate a restricted-ZIP3 list kept as data."""
    out = set()
    for value in values:
        if not isinstance(value, str) or not re.fullmatch(r"\d{3}", value.strip()):
            raise ValidationError("restricted_zip3", f"{value!r} is not a 3-digit ZIP area")
        out.add(value.strip())
    return frozenset(out)


# --- the row --------------------------------------------------------------------------------


def check_columns(row: Mapping[str, Any], columns: Sequence[Column]) -> None:
    declared = {c.name for c in columns}
    if len(declared) != len(columns):
        raise ValidationError("columns", "each column may be declared once")
    undeclared = sorted(set(row) - declared)
    if undeclared:
        raise ValidationError("columns", f"not declared, so not extracted: "
                                         f"{', '.join(undeclared)}")


def identifier_values(row: Mapping[str, Any], columns: Sequence[Column],
                      kinds: frozenset[FieldKind]) -> tuple[list[str], list[str]]:
    """(names, other values) of the row's identifier columns of ``kinds``,
    for finding them again in free text."""
    names: list[str] = []
    values: list[str] = []
    for column in columns:
        value = row.get(column.name)
        if column.kind in kinds and isinstance(value, str) and value.strip():
            (names if column.kind is FieldKind.NAME else values).append(value)
    return names, values


def _birth_year(value: Any, column: Column, extract_on: date, died_on: date | None) -> int | None:
    born = as_date(value)
    if born is None:
        return None
    day = died_on if column.subject is Subject.RESIDENT and died_on else extract_on
    return born.year if age_on(born, day) <= OLDEST_SHOWN_AGE else None


def _age(value: Any) -> int | str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return NINETY_OR_OLDER if value == NINETY_OR_OLDER else None
    return shown_age(value)


def safe_harbor_row(row: Mapping[str, Any], columns: Sequence[Column], *, extract_on: date,
                    died_on: date | None = None,
                    restricted_zip3: frozenset[str] = HHS_RESTRICTED_ZIP3,
                    other_names: Iterable[str] = ()) -> dict[str, Any]:
    """The row de-identified under Safe Harbor (see the module docstring).
    ``died_on``: the resident's date of death, if a decedent; ``other_names``:
    more names to find in free text (relatives the row does not hold)."""
    check_columns(row, columns)
    names, values = identifier_values(row, columns, REMOVED_KINDS)
    names.extend(other_names)
    out: dict[str, Any] = {}
    for column in columns:
        value = row.get(column.name)
        kind = column.kind
        if kind in REMOVED_KINDS:
            continue
        if kind in KEPT_KINDS or value is None:
            out[column.name] = value
        elif kind is FieldKind.ZIP:
            out[column.name] = zip3(value, restricted_zip3)
        elif kind is FieldKind.DATE:
            day = as_date(value)
            out[column.name] = day.year if day else None
        elif kind is FieldKind.BIRTH_DATE:
            out[column.name] = _birth_year(value, column, extract_on, died_on)
        elif kind is FieldKind.AGE:
            out[column.name] = _age(value)
        elif kind is FieldKind.FREE_TEXT:
            out[column.name] = redact(str(value), names=names, values=values)
    return out


def output_columns(columns: Sequence[Column],
                   removed: frozenset[FieldKind] = REMOVED_KINDS) -> tuple[str, ...]:
    """The extract's header: the declared columns that are not removed."""
    return tuple(c.name for c in columns if c.kind not in removed)
