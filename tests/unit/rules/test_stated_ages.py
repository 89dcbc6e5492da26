"""Ages over 89 in free text (45 CFR 164.514(b)(2)(i)(C)), through the free-text
pass every Safe Harbor extract uses: each common way a note states one is
replaced, and ages of 89 or less and numbers that are not ages stay as written."""

from __future__ import annotations

import pytest

from protocol.rules.research.stated_ages import MARK, mark_old_ages
from protocol.rules.research.text_redaction import redact

OLD = MARK


@pytest.mark.parametrize(("text", "expected"), [
    # said of a person
    ("she is 92", f"she is {OLD}"),
    ("She is 92 and lives with her son", f"She is {OLD} and lives with her son"),
    ("He's 95.", f"He's {OLD}."),
    ("she’s 101 today", f"she’s {OLD} today"),
    ("who was 93 when admitted", f"who was {OLD} when admitted"),
    ("Resident is now 90", f"Resident is now {OLD}"),
    ("pt is almost 90", f"pt is almost {OLD}"),
    ("I'm 96, said the resident", f"I'm {OLD}, said the resident"),
    ("Her mother turned 95 last week", f"Her mother turned {OLD} last week"),
    ("turning 91 on Sunday", f"turning {OLD} on Sunday"),
    ("she will be 90 in June", f"she will be {OLD} in [date]"),
    ("she is 90+", f"she is {OLD}"),
    ("Mrs. Alder, 92, was seen", f"Mrs. Alder, {OLD}, was seen"),
    ("the resident (97) asked", f"the resident ({OLD}) asked"),
    # with a unit of age
    ("92-year-old", OLD),
    ("a 92 year old woman", f"a {OLD} woman"),
    ("92 years of age", OLD),
    ("92 yrs", OLD),
    ("92-yr-old", OLD),
    ("92 y/o", OLD),
    ("92y/o", OLD),
    ("92 y.o. male", f"{OLD} male"),
    ("92yo", OLD),
    ("92 yo F", f"{OLD} F"),
    ("92yof", f"{OLD} F"),
    ("92 YOM with CHF", f"{OLD} M with CHF"),
    ("90+ years old", OLD),
    ("ninety-two years old", OLD),
    ("two residents 95 and 96 years old", f"two residents {OLD}"),
    ("a 90-something woman", f"a {OLD} woman"),
    ("a one hundred year old veteran", f"a {OLD} veteran"),
    # after a word for age
    ("aged 92", OLD),
    ("age 92", OLD),
    ("Age: 92", OLD),
    ("AGE=97", OLD),
    ("at the age of 94", f"at the {OLD}"),
    ("aged ninety", OLD),
    ("age 90-95", OLD),
    ("aged 85 to 92", OLD),                      # a range that reaches 90
    # with the sex, as notes abbreviate it
    ("92F", f"{OLD} F"),
    ("92 F with hx of falls", f"{OLD} F with hx of falls"),
    ("pt 92M, alert", f"pt {OLD} M, alert"),
    ("92 female", f"{OLD} female"),
    ("HPI: 104 F admitted from home", f"HPI: {OLD} F admitted from home"),
    # a decade of a person, and the words for one
    ("in her 90s", f"in her {OLD}"),
    ("a man in his early nineties", f"a man in his {OLD}"),
    ("in their mid-90's", f"in their {OLD}"),
    ("in her mid-to-late 90s", f"in her {OLD}"),
    ("a nonagenarian", f"a {OLD}"),
    ("one of our centenarians", f"one of our {OLD}"),
    # a birthday
    ("celebrated her 92nd birthday", f"celebrated her {OLD} birthday"),
    ("his ninetieth birthday", f"his {OLD} birthday"),
    ("her hundredth birthday", f"her {OLD} birthday"),
])
def test_every_common_way_of_stating_an_age_over_89_is_replaced(text: str,
                                                                 expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    # ages of 89 or less
    "she is 89", "an 89-year-old man", "Age: 89", "89F", "88 y/o", "in her 80s",
    "in his late eighties", "celebrated her 89th birthday", "aged 85 to 89",
    # numbers that are not ages
    "metoprolol 92 mg", "she is 92 kg", "weighs 95 lbs", "she was 92% on room air",
    "BP 140/92", "BP 92/60", "HR 92", "pulse was 96", "T 99F", "temp 100.4F", "Tmax 101 F",
    "he was 100.4", "glucose 140", "turned 90 degrees", "she is 92 days post-op",
    "walked 100 feet", "sat 93 percent", "in the 90s on room air", "low 90s",
    "gave 100 units", "at 09:45", "scored 92 on the exam",
])
def test_ages_of_89_or_less_and_numbers_that_are_not_ages_stay(text: str) -> None:
    assert mark_old_ages(text) == text


@pytest.mark.parametrize("text", ["Room 92F", "moved to rm 104M", "room # 95 F"])
def test_a_room_is_not_read_as_an_age_and_goes_as_a_place(text: str) -> None:
    assert mark_old_ages(text) == text
    assert OLD not in redact(text) and "[location]" in redact(text)


@pytest.mark.parametrize("age", range(60, 150))
def test_the_line_falls_between_89_and_90_whatever_the_form(age: int) -> None:
    for form in ("she is {}", "{}-year-old", "aged {}", "{} y/o", "{}F", "{}yo"):
        text = form.format(age)
        assert (OLD in redact(text)) is (age > 89), text


def test_after_a_name_the_first_pass_found() -> None:
    assert redact("Rose Alder, 94, fell; Rose is 94.", names=["Rose Alder"]) == \
        f"[name], {OLD}, fell; [name] is {OLD}."
    assert redact("Rose Alder, 89, fell", names=["Rose Alder"]) == "[name], 89, fell"


def test_dates_are_left_to_the_date_rule_and_years_of_birth_go() -> None:
    assert redact("Admitted 3/14/1992; she is 92") == f"Admitted 1992; she is {OLD}"
    assert redact("b. 1931, 95 y/o") == f"b. [year], {OLD}"
    assert redact("Hep B. 2019 series complete") == "Hep B. 2019 series complete"


def test_a_limited_data_set_keeps_ages() -> None:
    assert redact("she is 92, 92F", keep_ages=True) == "she is 92, 92F"
