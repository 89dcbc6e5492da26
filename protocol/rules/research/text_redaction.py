"""Identifiers in free text (notes, comments), found and replaced for extracts.

45 CFR 164.514(b)(2) reaches identifiers wherever they are, dates written in
a note included. Structured fields are transformed by
:mod:`protocol.rules.research.deidentify`; this module does the same for text, in two
passes:

1. **Known values**: the names of the resident and their relatives,
   employers and household members, and every other identifier value of the
   row (MRN, phone, street, city …), wherever they occur, in any case — the
   whole name and each part of it. Over-redaction ("blood pressure [name]"
   for a resident called Rose) is the safe error.
2. **Patterns**: e-mail addresses, URLs, IP addresses, SSNs, telephone and
   fax numbers, dates (each reduced to its year; a date without a year, a
   month alone or a two-digit year is removed), birth years (always removed
   in text: the age they show cannot be checked there), ages over 89
   ("[90 or older]", in every common way a note states one:
   :mod:`protocol.rules.research.stated_ages`), room/bed/unit numbers, street
   addresses, ZIP codes, Medicare beneficiary identifiers and any other number
   of five digits or more.

Patterns cannot recognise every identifier (a city or a relative the row does
not name); the facility must still have no actual knowledge that what remains
identifies someone, so free text in an extract stays a reviewed choice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from protocol.rules.research.stated_ages import mark_old_ages

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
          r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|2\d)\d\d)"

NAME = "[name]"
REMOVED = "[removed]"
DATE = "[date]"

SHORTEST_SEARCHED = 2
"""A name part or value of one character is not searched for (it would erase
every initial and every digit)."""

_NAME_PARTS_KEPT = frozenset({"mr", "mrs", "ms", "miss", "dr", "jr", "sr", "ii", "iii", "iv"})

Replacement = str | Callable[[re.Match[str]], str]


def _year(match: re.Match[str]) -> str:
    return match.group("year")


_ADDRESSES: tuple[tuple[re.Pattern[str], Replacement], ...] = (
    # from the start of a run only: trying every position of a long word without
    # an "@" took time growing with the square of its length
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
    (re.compile(r"\b(?:https?://|www\.)\S+?(?=[.,;:!?)\]]*(?:\s|$))", re.IGNORECASE), "[url]"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"), "[ip address]"),
)

_NUMBERS: tuple[tuple[re.Pattern[str], Replacement], ...] = (
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "[ssn]"),
    (re.compile(r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b"),
     "[phone]"),
)

_TIME = r"(?:[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
"""A time of day after a date, as a record writes it (``T10:00``, ``T10:00:00Z``,
``T10:00-05:00``, `` 10:00``): taken off with the date's month and day."""
_SEP = r"[\s/.-]*"
"""Between a day, a month name and a year: spaces, dashes, slashes, dots or nothing
(``14-MAR-2026``, ``14Mar2026``)."""
_I = re.IGNORECASE
"""A month name beside a day and a year is a date in any case ("MARCH 14, 2024",
"14-MAR-2024"); alone or beside a day only, "may" is a verb, so those need a capital."""
_MONTH_CAPS = _MONTH.upper()

_DATES: tuple[tuple[re.Pattern[str], Replacement], ...] = (
    (re.compile(rf"\b{_YEAR}[/.-]\d{{1,2}}[/.-]\d{{1,2}}{_TIME}(?!\d)"), _year),    # 2024-03-14
    (re.compile(rf"\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]{_YEAR}{_TIME}(?!\d)"), _year),   # 3/14/2024
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2}\b"), DATE),                       # 3/14/24
    (re.compile(rf"\b{_MONTH}{_SEP}{_DAY},?{_SEP}{_YEAR}\b", _I), _year),          # March 14, 2024
    (re.compile(rf"\b{_DAY}{_SEP}(?:of\s+)?{_MONTH},?{_SEP}{_YEAR}\b", _I), _year),  # 14 March 2024
    (re.compile(rf"\b{_YEAR}{_SEP}{_MONTH}{_SEP}{_DAY}\b", _I), _year),            # 2024-Mar-14
    (re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", _I), _year),                        # March 2024
    (re.compile(rf"\b{_DAY}[/.-]?(?:{_MONTH}|{_MONTH_CAPS})[/.-]?\d{{2}}\b"), DATE),  # 14-MAR-26
    (re.compile(rf"\b(?:{_MONTH}|{_MONTH_CAPS})[/.-]{_DAY}\b"), DATE),                # Mar-14
    (re.compile(rf"\b{_DAY}(?:{_MONTH}|{_MONTH_CAPS})(?![A-Za-z])"), DATE),          # 14Mar
    (re.compile(rf"\b(?:{_MONTH}|{_MONTH_CAPS})\s+{_DAY}\b"), DATE),                # March 14
    (re.compile(rf"\b{_DAY}\s+(?:of\s+)?(?:{_MONTH}|{_MONTH_CAPS})"), DATE),        # 14 March
    (re.compile(r"\b\d{1,2}/\d{1,2}\b"), DATE),                                     # 3/14
    (re.compile(rf"\b(?:{_MONTHS}|{_MONTHS.upper()})\b"), DATE),                    # March
)

_BIRTH_YEAR = re.compile(
    r"\b(?P<lead>(?:born|(?-i:b\.)|DOB|d\.o\.b\.|date of birth|birth ?date)"
    r"\s*:?\s*(?:on\s+|in\s+)?)"
    r"(?:1[89]|2\d)\d\d\b", re.IGNORECASE)

_PLACES: tuple[tuple[re.Pattern[str], Replacement], ...] = (
    (re.compile(r"\b(?:room|rm\.?|bed|apt\.?|apartment|unit|suite)\s*#?\s*[A-Za-z]?\d+"
                r"[A-Za-z]?(?:-[A-Za-z0-9]+)?\b", re.IGNORECASE), "[location]"),
    (re.compile(r"\b\d{1,6}\s+(?:[A-Z][a-z]+\.?\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|"
                r"Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Circle|Highway|"
                r"Hwy)\b\.?"), "[address]"),
)

_LONG_NUMBER = re.compile(r"\b[A-Za-z]{0,4}[-#]?\d{5,}"
                          r"(?:(?!(?:iu|mg|mcg|ml|kg|cc)\b)[A-Za-z]{1,3})?\b", re.IGNORECASE)
"""Any other number of five digits or more, letters before or after included (a
Medicaid id "AB12345C", an old Medicare HICN "123456789A"); a dose glued to its
unit ("50000iu") is not taken for one."""
_MBI_LETTER = "[AC-HJKMNP-RT-Y]"
_MBI = re.compile(rf"\b[1-9]{_MBI_LETTER}[AC-HJKMNP-RT-Y\d]\d-?{_MBI_LETTER}"
                  rf"[AC-HJKMNP-RT-Y\d]\d-?{_MBI_LETTER}{{2}}\d{{2}}\b", re.IGNORECASE)
"""A Medicare Beneficiary Identifier (11 characters, with or without its dashes):
a health plan beneficiary number, 164.514(b)(2)(i)(I)."""
_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\b")


def name_variants(names: Iterable[str]) -> list[str]:
    """Each name whole and each of its parts, hyphenated parts split too (two
    letters or more, titles and suffixes excepted), longest first so a full
    name goes in one piece."""
    found: set[str] = set()
    for name in names:
        cleaned = " ".join(name.replace(",", " ").split())
        if len(cleaned) >= SHORTEST_SEARCHED:
            found.add(cleaned)
        for part in cleaned.split():
            for piece in {part, *part.split("-")}:
                bare = piece.strip(".")
                if len(bare) >= SHORTEST_SEARCHED and bare.lower() not in _NAME_PARTS_KEPT:
                    found.add(bare)
    return sorted(found, key=lambda s: (-len(s), s))


def _replace_literals(text: str, values: Iterable[str], by: str) -> str:
    for value in values:
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
        text = pattern.sub(by, text)
    return text


def _apply(text: str, rules: Iterable[tuple[re.Pattern[str], Replacement]]) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def redact(text: str, *, names: Iterable[str] = (), values: Iterable[str] = (),
           keep_dates: bool = False, keep_ages: bool = False, keep_zip: bool = False) -> str:
    """``text`` with identifiers replaced. ``names``: the people's names to
    remove; ``values``: other identifier values of the row. A limited data set
    keeps dates, ages and ZIP codes (``keep_*``)."""
    literal_values = sorted({v.strip() for v in values if len(v.strip()) >= SHORTEST_SEARCHED},
                            key=lambda s: (-len(s), s))
    text = _apply(text, _ADDRESSES)
    text = _replace_literals(text, literal_values, REMOVED)
    text = _replace_literals(text, name_variants(names), NAME)
    text = _apply(text, _NUMBERS)
    text = _MBI.sub("[number]", text)
    if not keep_dates:
        text = _apply(text, _DATES)
        text = _BIRTH_YEAR.sub(lambda m: m.group("lead") + "[year]", text)
    if not keep_ages:
        text = mark_old_ages(text)
    text = _apply(text, _PLACES)
    if not keep_zip:
        text = _ZIP.sub("[zip]", text)
    return _LONG_NUMBER.sub(lambda m: m.group(0) if keep_zip and _ZIP.fullmatch(m.group(0))
                            else "[number]", text)
