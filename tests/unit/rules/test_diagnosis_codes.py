"""ICD-10-CM codes against the real code set: the rule the terminal applies at entry
and the server applies to every diagnosis it receives."""

from __future__ import annotations

import pytest

from protocol.errors import ValidationError
from protocol.records import RecordKind, validate_field, validate_fields
from protocol.rules.residents import diagnosis_codes
from protocol.rules.residents.diagnosis_rank import default_rank


@pytest.mark.parametrize("code", ["E11.9", "I10", "S72.001A", "T36.0X1A", "F03.90", "e11.9"])
def test_billable_codes_pass(code):
    assert diagnosis_codes.problem(code) is None
    assert validate_field(RecordKind.DIAGNOSIS, "code", code) == code.upper()


@pytest.mark.parametrize("code", ["Z99.99", "A00.0X", "E11.99", "U99.9"])
def test_codes_of_the_right_shape_that_do_not_exist_are_refused(code):
    problem = diagnosis_codes.problem(code)
    assert problem is not None and "not in the ICD-10-CM code set" in problem
    assert diagnosis_codes.EDITION in problem
    with pytest.raises(ValidationError) as refused:
        validate_field(RecordKind.DIAGNOSIS, "code", code)
    assert refused.value.field == "code"


@pytest.mark.parametrize(("code", "example"), [("E11", "E11.00"), ("S72.001", "S72.001A"),
                                               ("I50", "I50.1")])
def test_a_category_is_not_billable_and_a_code_under_it_is_named(code, example):
    problem = diagnosis_codes.problem(code)
    assert problem is not None and "not a billable code" in problem
    assert example in problem


def test_a_diagnosis_record_with_an_unknown_code_is_invalid_as_a_whole():
    with pytest.raises(ValidationError, match="not in the ICD-10-CM code set"):
        validate_fields(RecordKind.DIAGNOSIS, {"resident_id": "01" + "0" * 24,
                                               "code": "Z99.99", "description": "x"},
                        creating=True)


def test_shape_is_checked_before_the_code_set():
    with pytest.raises(ValidationError, match="dot after the third character"):
        validate_field(RecordKind.DIAGNOSIS, "code", "E119")


@pytest.mark.slow
def test_descriptions_come_from_the_code_set():
    assert diagnosis_codes.description("E11.9") == "Type 2 diabetes mellitus without complications"
    assert diagnosis_codes.description("e119") == diagnosis_codes.description("E11.9")
    assert diagnosis_codes.description("Z99.99") is None


def test_search_by_words_in_any_order_finds_billable_codes_general_first():
    found = diagnosis_codes.search("diabetes type 2")
    assert found[0].code == "E11.9"
    assert all(diagnosis_codes.problem(c.code) is None for c in found)
    assert all("diabetes" in c.description.casefold() for c in found)
    assert diagnosis_codes.search("hypertension")[0].code == "I10"


def test_search_by_the_start_of_a_code():
    found = diagnosis_codes.search("e11")
    assert found and all(c.code.startswith("E11.") for c in found)
    assert "E11" not in [c.code for c in found]  # the category itself is not billable


def test_search_limits_and_empty_text():
    assert diagnosis_codes.search("   ") == []
    assert len(diagnosis_codes.search("fracture", limit=5)) == 5
    assert diagnosis_codes.search("no such words qqq") == []


@pytest.mark.slow
def test_the_check_agrees_with_the_whole_classification_on_every_code():
    """The check reads only the package's flat list; the package's own tree (the
    whole classification, as descriptions and search read it) must agree with it
    on every code: which are billable, which are categories, which do not exist."""
    import simple_icd_10_cm as icd

    diagnosis_codes.load()
    checked = 0
    for code in icd.get_all_codes(True):
        if icd.is_chapter_or_block(code):
            continue
        problem = diagnosis_codes.problem(code)
        if icd.is_leaf(code):
            assert problem is None, code
        else:
            assert problem is not None and "not a billable code" in problem, code
        checked += 1
    assert checked > 90_000


def test_a_residents_first_active_diagnosis_starts_as_principal() -> None:
    assert default_rank([]) == "principal"
    assert default_rank([{"code": "I10", "rank": "principal", "status": "active"}]) == (
        "secondary")
    assert default_rank([{"code": "I10", "rank": "secondary"}]) == "secondary"
    # Only resolved ones: the new one is the resident's current principal diagnosis.
    assert default_rank([{"code": "J18.9", "rank": "principal", "status": "resolved"}]) == (
        "principal")
