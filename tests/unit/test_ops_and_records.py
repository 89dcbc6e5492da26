"""Operation payload validation and record field rules."""

from __future__ import annotations

import pytest

from protocol.errors import SchemaError, ValidationError
from protocol.ids import id_time_ms, is_id, new_id
from protocol.ops import OpType, check_payload
from protocol.records import RecordKind, validate_field
from protocol.records.codes import check_hours, check_icd10


def resident_fields(**extra: object) -> dict[str, object]:
    return {"mrn": "SV000001", "family_name": "Smith [Jr]", "given_name": "Ola",
            "birth_date": "1938-12-01", "sex": "male", **extra}


def test_ids_are_valid_unique_and_sort_by_time() -> None:
    a, b = new_id(1_000), new_id(2_000)
    assert is_id(a) and is_id(b) and a < b
    assert id_time_ms(b) == 2_000
    assert len({new_id() for _ in range(1000)}) == 1000


@pytest.mark.parametrize("code", ["I10", "E11.9", "S72.001A", "u07.1", "Z99.89"])
def test_icd10_accepts_real_codes(code: str) -> None:
    assert check_icd10("code", code) == code.upper()


@pytest.mark.parametrize("code", ["", "10", "E1", "E119", "E11.", "E11.12345", "EE1.1", "E11-9"])
def test_icd10_rejects_malformed_codes(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_icd10("code", code)
    assert info.value.field == "code"


@pytest.mark.parametrize(("raw", "clean"), [("7.5", "7.50"), ("22.5", "22.50"), ("0.25", "0.25")])
def test_hours_accepted(raw: str, clean: str) -> None:
    assert check_hours("hours", raw) == clean


@pytest.mark.parametrize("raw", ["0", "22.51", "23", "7.555", "-1", "x", "NaN", "Infinity"])
def test_hours_rejected(raw: str) -> None:
    with pytest.raises(ValidationError):
        check_hours("hours", raw)


def test_resident_create_keeps_name_exactly_as_typed() -> None:
    payload = check_payload(OpType.CREATE, {"kind": "resident", "id": new_id(),
                                            "fields": resident_fields()})
    assert payload["fields"]["family_name"] == "Smith [Jr]"


def test_create_requires_required_fields() -> None:
    fields = resident_fields()
    del fields["birth_date"]
    with pytest.raises(ValidationError) as info:
        check_payload(OpType.CREATE, {"kind": "resident", "id": new_id(), "fields": fields})
    assert info.value.field == "birth_date"


def test_update_may_not_touch_fields_set_at_creation() -> None:
    with pytest.raises(ValidationError) as info:
        check_payload(OpType.UPDATE, {"kind": "resident", "id": new_id(),
                                      "changes": {"mrn": ["X", 1]}})
    assert info.value.field == "mrn"


def test_notes_cannot_be_updated() -> None:
    with pytest.raises(ValidationError):
        check_payload(OpType.UPDATE, {"kind": "note", "id": new_id(),
                                      "changes": {"body": ["new text", 1]}})


@pytest.mark.parametrize("payload", [
    {"kind": "resident", "id": "not-an-id", "fields": {}},
    {"kind": "spaceship", "id": new_id(), "fields": {}},
    {"kind": "resident", "id": new_id(), "fields": [] },
    {"kind": "resident", "id": new_id(), "fields": {}, "extra": 1},
])
def test_malformed_create_payloads_are_schema_errors(payload: dict[str, object]) -> None:
    with pytest.raises(SchemaError):
        check_payload(OpType.CREATE, payload)


def test_unknown_field_and_wrong_type_name_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        check_payload(OpType.CREATE, {"kind": "resident", "id": new_id(),
                                      "fields": resident_fields(shoe_size=9)})
    assert info.value.field == "shoe_size"
    with pytest.raises(ValidationError) as info:
        validate_field(RecordKind.RESIDENT, "smoker", "yes")
    assert info.value.field == "smoker"


def test_commands_check_their_arguments() -> None:
    ok = check_payload(OpType.COMMAND, {"name": "admit", "args": {
        "stay_id": new_id(), "resident_id": new_id(), "admitted_at": "2026-11-02",
        "payer": "medicaid"}})
    assert ok["args"]["payer"] == "medicaid"
    with pytest.raises(ValidationError):
        check_payload(OpType.COMMAND, {"name": "admit", "args": {
            "stay_id": new_id(), "resident_id": new_id(), "admitted_at": "2026-02-30"}})
    with pytest.raises(SchemaError):
        check_payload(OpType.COMMAND, {"name": "teleport", "args": {}})
    with pytest.raises(SchemaError):
        check_payload(OpType.COMMAND, {"name": "discharge", "args": {
            "stay_id": new_id(), "discharged_at": "2026-11-02", "colour": "red"}})


def test_pbj_employee_id_rules() -> None:
    assert validate_field(RecordKind.STAFF, "employee_id", "E-1001") == "E-1001"
    with pytest.raises(ValidationError):
        validate_field(RecordKind.STAFF, "employee_id", "E#1001")
    with pytest.raises(ValidationError):
        validate_field(RecordKind.STAFF, "employee_id", "x" * 31)


@pytest.mark.parametrize("typed", ["²", "1²", "٣٠"])
def test_minutes_typed_in_other_digits_are_refused_as_any_bad_number(typed):
    """str.isdigit accepts "²" and Arabic-Indic digits; a number of minutes
    is written in ASCII digits, and anything else is a field error, not a crash."""
    assert validate_field(RecordKind.TRAINING, "minutes", "30") == 30
    with pytest.raises(ValidationError):
        validate_field(RecordKind.TRAINING, "minutes", typed)


@pytest.mark.parametrize("sent", [[], ["female"], {"a": 1}])
def test_a_list_or_map_for_a_choice_is_invalid_not_a_crash(sent) -> None:
    """A choice checked ``value in allowed`` raised TypeError (unhashable) for a
    list or map, which no handler catches: the server's answer would have been a 500."""
    with pytest.raises(ValidationError, match="sex: must be one of female, male, unknown"):
        validate_field(RecordKind.RESIDENT, "sex", sent)


def test_an_id_followed_by_a_newline_is_not_an_id() -> None:
    rid = new_id()
    assert is_id(rid)
    for bad in (rid + "\n", "\n" + rid, rid + "\x00", rid[:-1] + "\n"):
        assert not is_id(bad), repr(bad)
