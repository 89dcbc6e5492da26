"""Ages over 89 as notes state them, found and replaced for Safe Harbor.

45 CFR 164.514(b)(2)(i)(C): all ages over 89, and all elements of dates
(including year) indicative of such age, are aggregated into a single category
of age 90 or older. :func:`mark_old_ages` replaces each way a note commonly
states such an age with ``[90 or older]``:

- with a unit of age: "92-year-old", "92 years old", "92 years of age",
  "92 yrs", "92 yr old", "92 y/o", "92 y.o.", "92yo", "92yof", "90+ years",
  "95 and 96 years old", "90-something";
- after a word for age: "aged 92", "age 92", "Age: 92", "age of 92", "age is
  92", "age 90-95";
- said of a person: "she is 92", "he's 92", "who was 92", "resident is now
  92", "I'm 92", "mother turned 95", "turning 91", "she is nearly 90";
  "[name] is 92", "[name], 92," (after a name the first pass of
  :func:`protocol.rules.research.text_redaction.redact` replaced), "Mrs. Alder,
  92,", "resident (92)";
- with the sex, as a note abbreviates it: "92F", "92 M", "92 female", "92 yo F";
- as a decade of a person: "in her 90s", "in his early nineties", "in their
  mid-90's", "nonagenarian", "centenarian";
- as a birthday: "92nd birthday", "ninetieth birthday", "hundredth birthday";
- in words: "ninety-two years old", "she is ninety", "aged one hundred".

Ages of 89 or less are kept, and so are numbers that are not ages: a dose
("92 mg"), a weight ("she is 92 kg"), a blood pressure ("140/92"), a
temperature ("T 99F", "he was 100.4"), a room ("Room 92F"), a pulse ("HR 92").
What no pattern can tell apart from other numbers (a bare "at 92 she still
walks", "John Smith, 92," with a name the row does not hold) is left as
written: see :mod:`protocol.rules.research.text_redaction`. Where a number
could be either, the pattern takes it for an age ("Dose 100 F", "he is 92 on
room air"): replacing too much is the safe error.
"""

from __future__ import annotations

import re

MARK = "[90 or older]"

_UNITS_WORDS = ("one|two|three|four|five|six|seven|eight|nine")
_NUMBER = r"(?:9\d|1[0-4]\d)"
"""90 to 149 written in digits."""
_WORDS = (rf"(?:ninety(?:[-\s](?:{_UNITS_WORDS}))?"
          rf"|(?:(?:a|one)[-\s])?hundred(?:(?:\s+and)?[-\s](?:{_UNITS_WORDS}|ten))?)")
"""90 to 110 written in words."""
_ENDS = r"(?![\d/:]|[.,]\d)\+?"
"""… not followed by more digits, a ratio, a time or decimals ("90+" is an age)."""
_OVER_89 = rf"(?:(?<![\d.,/:#-]){_NUMBER}{_ENDS}|(?<![\w-]){_WORDS}(?![\w-]))"
"""An age over 89, not part of a longer number, a decimal, a ratio or a time."""
_RANGE = (rf"(?:(?<![\d.,/:#-])\d{{1,3}}\s*(?:-|–|to|and|or|&)\s*"
          rf"(?:{_NUMBER}{_ENDS}|{_WORDS}(?![\w-]))|{_OVER_89})")
"""… or a range or pair that reaches it ("90-95", "85 to 92", "95 and 96")."""

_NOT_A_MEASURE = (
    r"(?!\s*(?:[%/°]|-?(?:mg|mcg|µg|g|gm|grams?|kgs?|kilos?|lbs?|pounds?|oz|ml|cc|l|liters?|"
    r"units?|iu|meq|mmol|mmhg|mm|cm|meters?|inches|ft|feet|bpm|beats|breaths|rpm|"
    r"degrees?|deg|percent|pct|secs?|seconds?|mins?|minutes?|hrs?|hours?|days?|wks?|weeks?|"
    r"mos?|months?|times)\b))")
"""What follows a number that is a measure, not an age ("she is 92 kg")."""

_PERSON = (r"(?:she|he|who|i|pt|patient|resident|res|client|mother|father|mom|dad|husband|"
           r"wife|spouse|partner|sister|brother|aunt|uncle|grandmother|grandfather|grandma|"
           r"grandpa|widow|widower|woman|man|lady|gentleman)")
_BE = (r"(?:['’]s|['’]m|\s+(?:is|was|am|are|were|be|being|will\s+be|would\s+be|has\s+turned|"
       r"had\s+turned|turned|turns|turning|becomes|became))")
_ABOUT = r"(?:\s+(?:now|nearly|almost|about|around|over|already|just|only|at\s+least))*"

_ORDINAL = (rf"(?:{_NUMBER}(?:st|nd|rd|th)|ninetieth|ninety[-\s](?:first|second|third|"
            rf"fourth|fifth|sixth|seventh|eighth|ninth)|(?:(?:a|one)[-\s])?hundredth)")

_AGE_UNIT = re.compile(
    rf"\b(?P<age>(?:aged?\s+)?{_RANGE}\s*-?\s*(?:years?|yrs?|yr)(?:\s*-?\s*old)?\b"
    rf"(?:\s+of\s+age)?|(?:aged?\s+)?{_RANGE}\s*-?\s*y\s*[./-]?\s*o"
    rf"(?:(?P<sex>[fm])\b|\b\.?)|{_RANGE}\s*-?\s*(?:something|odd|ish)\b)", re.IGNORECASE)
_AGE_WORD = re.compile(
    rf"\b(?P<age>aged?(?:\s*[:=]|\s+of|\s+is|\s+was)?\s*{_RANGE}){_NOT_A_MEASURE}",
    re.IGNORECASE)
_SAID_OF = re.compile(
    rf"(?:(?:\[name\]|\b{_PERSON}){_BE}|\b(?:turned|turns|turning))"
    rf"{_ABOUT}\s+(?P<age>{_OVER_89}){_NOT_A_MEASURE}", re.IGNORECASE)
_APPOSITION = re.compile(
    # "[name], 92," (a name the first pass found), "Mrs. Alder, 92,", "resident (92)"
    rf"(?:\[name\]|\b{_PERSON}|\b(?:mr|mrs|ms|miss|mx)\.?\s+[A-Z][\w'’-]*)"
    rf"\s*[,(]\s*(?P<age>{_OVER_89})\s*(?=[,)])", re.IGNORECASE)
_WITH_SEX = re.compile(
    rf"(?P<age>(?<![\d.,/:#-]){_NUMBER}(?![\d/:]|[.,]\d))\s?-?\s?"
    r"(?:(?P<sex>[FM])\b|(?P<word>(?i:female|male|woman|man|lady|gentleman))\b)")
_DECADE = re.compile(
    r"\bin\s+(?:her|his|their|one['’]s)\s+(?P<age>(?:(?:early|mid|late|upper|lower)"
    r"(?:\s*-\s*|\s+)(?:to\s*-?\s*(?:mid|late)\s*-?\s*)?)?(?:(?:9\d|1[0-4]\d)['’]?s|"
    r"nineties|hundreds))\b"
    r"|\b(?P<word>(?:super)?centenarians?|nonagenarians?)\b", re.IGNORECASE)
_BIRTHDAY = re.compile(rf"\b(?P<age>{_ORDINAL})(?=\s+birthday)", re.IGNORECASE)

_NOT_AN_AGE_BEFORE = re.compile(
    r"(?:\b(?:temp\w*|t|tmax|fever|room|rm|bed|apt|apartment|unit|suite|no|ward|wing)\.?"
    r"\s*[:#]?|[#°])\s*$", re.IGNORECASE)
"""What before "92F" makes it a temperature or a room, not an age and a sex."""


def _marked(match: re.Match[str]) -> str:
    """The match with only its age replaced; a sex written with it is kept."""
    group = "age" if match.group("age") is not None else "word"
    start, end = match.span(group)
    head = match.string[match.start():start]
    tail = match.string[end:match.end()]
    sex = match.groupdict().get("sex")
    if sex:
        tail = " " + sex.upper()
    return head + MARK + tail


def _with_sex(match: re.Match[str]) -> str:
    if _NOT_AN_AGE_BEFORE.search(match.string, 0, match.start()):
        return match.group(0)
    return MARK + " " + (match.group("sex") or match.group("word"))


def mark_old_ages(text: str) -> str:
    """``text`` with every age over 89 it states in a common way replaced by
    ``[90 or older]`` (see the module docstring for what is and is not found)."""
    for pattern in (_AGE_UNIT, _AGE_WORD, _SAID_OF, _APPOSITION, _DECADE, _BIRTHDAY):
        text = pattern.sub(_marked, text)
    return _WITH_SEX.sub(_with_sex, text)
