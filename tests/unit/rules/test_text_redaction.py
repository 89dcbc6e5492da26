"""Identifiers in free text: each kind found and replaced, by hand."""

from __future__ import annotations

import pytest

from protocol.rules.research.text_redaction import name_variants, redact


@pytest.mark.parametrize(("text", "expected"), [
    # dates: the year stays, every other element goes
    ("Lab drawn 2024-03-16.", "Lab drawn 2024."),
    ("Fell on 3/14/2024 at night", "Fell on 2024 at night"),
    ("Fell on 03.14.2024", "Fell on 2024"),
    ("Fell on 3/14/24", "Fell on [date]"),              # two-digit year: no safe year
    ("Admitted March 14, 2024", "Admitted 2024"),
    ("Admitted Mar. 14th 2024", "Admitted 2024"),
    ("Admitted 14 March 2024", "Admitted 2024"),
    ("Admitted the 14th of March, 2024", "Admitted the 2024"),
    ("Seen in March 2024", "Seen in 2024"),
    ("Seen Sept. 3 and Dec 25", "Seen [date] and [date]"),
    ("Seen 3 May", "Seen [date]"),
    ("Seen in August", "Seen in [date]"),
    ("Seen 3/14", "Seen [date]"),
    # a clock time as Chartkeep's records write it, and the forms of lab printouts
    ("Fell 2026-03-14T10:00, found on floor", "Fell 2026, found on floor"),
    ("Fell 2026-03-14T10:00:00Z and 2026-03-15T22:30-05:00.", "Fell 2026 and 2026."),
    ("Fell 2026-03-14 10:00 in the hall", "Fell 2026 in the hall"),
    ("Drawn 14-MAR-2026, 14Mar2026, 2026-Mar-14, Mar-14-2026", "Drawn 2026, 2026, 2026, 2026"),
    ("Drawn 2026/03/14 and 2026.03.14", "Drawn 2026 and 2026"),
    # a two-digit year (DD-MON-YY, the usual laboratory printout) or none: no safe year
    ("Drawn 14-MAR-26 at 0800; 14Mar26", "Drawn [date] at 0800; [date]"),
    ("Seen Mar-14 again, 14Mar, ok; SEP/3", "Seen [date] again, [date], ok; [date]"),
    ("she may 3-peat; 3-may-be", "she may 3-peat; 3-may-be"),  # "may", a verb, stays
    ("ADMITTED MARCH 14, 2026 FROM 14 MAR 2026", "ADMITTED 2026 FROM 2026"),
    ("SEEN MAY 3; she may 3-peat", "SEEN [date]; she may 3-peat"),
    # birth years go even alone: the age they imply cannot be checked here
    ("DOB: 05/10/1931", "DOB: [year]"),
    ("born in 1931", "born in [year]"),
    # ages over 89
    ("a 92-year-old woman", "a [90 or older] woman"),
    ("aged 91", "[90 or older]"),
    ("95 y/o", "[90 or older]"),
    ("101 yrs old", "[90 or older]"),
    ("an 89-year-old man", "an 89-year-old man"),
    ("Age: 92. Sex: F", "[90 or older]. Sex: F"),         # as a form writes it
    ("at the age of 94", "at the [90 or older]"),
    ("93 y.o. female", "[90 or older] female"),
    ("a 96yo F", "a [90 or older] F"),
    ("Age: 89", "Age: 89"),
    # contact details and numbers
    ("call (206) 555-0147 or +1 206.555.0148", "call [phone] or [phone]"),
    ("write jane@example.com", "write [e-mail]"),
    ("see www.example.org/x.", "see [url]."),
    ("from 192.168.1.20", "from [ip address]"),
    ("SSN 123-45-6789", "SSN [ssn]"),
    ("policy 55512345 and license A1234567", "policy [number] and license [number]"),
    # health plan beneficiary numbers: the Medicare MBI (11 characters, dashes or
    # not) and numbers that end in letters (an old HICN, many Medicaid ids)
    ("Medicare 1EG4-TE5-MK73, also 1EG4TE5MK73", "Medicare [number], also [number]"),
    ("HICN 123456789A, Medicaid AB12345C", "HICN [number], Medicaid [number]"),
    ("insulin 10 units, BP 150/90, BMI 24", "insulin 10 units, BP 150/90, BMI 24"),
    ("ZIP 98101 or 98101-1234", "ZIP [zip] or [zip]"),
    # places: the facility is the resident's home
    ("moved to Bed 3, Apt. 4B, unit 2-West", "moved to [location], [location], [location]"),
    ("lives at 45 Maple Street.", "lives at [address]"),
    # what stays
    ("insulin 10 units, BP 150/90, Dr. Patel, in 2024",
     "insulin 10 units, BP 150/90, Dr. Patel, in 2024"),
])
def test_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_known_names_and_values_in_any_case() -> None:
    text = "Mrs. Alder and ROSE asked; Jane Alder-Smith called about MRN-100234."
    assert redact(text, names=["Rose Alder", "Jane Alder-Smith"], values=["MRN-100234"]) == \
        "Mrs. [name] and [name] asked; [name] called about [removed]."


def test_name_variants_whole_then_parts_without_titles() -> None:
    assert name_variants(["Alder, Rose Jr."]) == ["Alder Rose Jr.", "Alder", "Rose"]
    assert name_variants(["Jo", "J"]) == ["Jo"]
    assert name_variants(["Jane Alder-Smith"]) == [
        "Jane Alder-Smith", "Alder-Smith", "Alder", "Smith", "Jane"]
    assert redact("Mrs. Smith visited", names=["Jane Alder-Smith"]) == "Mrs. [name] visited"


def test_a_limited_data_set_keeps_dates_ages_and_zip_codes() -> None:
    text = "92-year-old seen 3/14/2024 at 98101-1234, phone 206-555-0147, acct 4456789012."
    assert redact(text, keep_dates=True, keep_ages=True, keep_zip=True) == \
        "92-year-old seen 3/14/2024 at 98101-1234, phone [phone], acct [number]."
