"""The one rule for the NUL character (:data:`protocol.schema.NUL_REFUSED`): no
field, argument, payload, request text or password holds one; each is refused
as invalid, and the message names where without carrying the NUL."""

from __future__ import annotations

import pytest

from protocol.commands import COMMANDS, RECORDS_COMMANDS
from protocol.errors import SchemaError, ValidationError
from protocol.ids import new_id
from protocol.ops import OpType, check_payload
from protocol.passwords import PasswordRejected, check_password
from protocol.records.fields import FIELDS
from protocol.schema import NUL_REFUSED, nul_at, opt_text, req_text

NUL = "\x00"
HOLDING_NUL = [NUL, "a" + NUL, "2026-01-01" + NUL, "7.5" + NUL, "OH" + NUL, "E11.9" + NUL,
               "12" + NUL, [NUL], ["a" + NUL], [new_id(), NUL]]
"""Values shaped like each kind of field's (text, a date, hours, a state, a code,
minutes, a list), each holding a NUL."""


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_no_record_field_takes_a_value_holding_a_nul(kind):
    for name, spec in FIELDS[kind].items():
        for value in HOLDING_NUL:
            with pytest.raises(ValidationError):
                spec.check(name, value)


def test_no_command_argument_takes_a_value_holding_a_nul():
    specs = [*COMMANDS.values(), *RECORDS_COMMANDS.values()]
    assert len(specs) > 10
    for spec in specs:
        for arg in spec.args:
            for value in HOLDING_NUL:
                with pytest.raises(ValidationError):
                    arg.check(arg.name, value)


def test_nul_at_names_the_path_and_never_the_nul():
    assert nul_at({"kind": "resident", "fields": {"family_name": "Lee"}}) is None
    assert nul_at({"fields": {"family_name": "L" + NUL}}) == "fields.family_name"
    assert nul_at({"changes": {"phone": ["5" + NUL, 1]}}) == "changes.phone[0]"
    assert nul_at({"x" + NUL: 1}) == "x\u2400"
    assert nul_at(["a", {"b": ("c", NUL)}]) == "[1].b[1]"
    assert nul_at(NUL) == "value"
    assert nul_at({1: b"\x00", 2: 3.5, 3: None}) is None  # bytes are not text


@pytest.mark.parametrize(("op_type", "payload", "field"), [
    (OpType.CREATE, {"kind": "resident", "id": new_id(),
                     "fields": {"family_name": "L" + NUL}}, "family_name"),
    (OpType.UPDATE, {"kind": "resident", "id": new_id(),
                     "changes": {"phone": ["5" + NUL, 1]}}, "phone"),
    (OpType.COMMAND, {"name": "discharge", "args": {"destination": NUL}}, "destination"),
    (OpType.VOID, {"kind": "resident", "id": new_id(), "reason": "dup" + NUL}, "reason"),
    (OpType.RESOLVE, {"kind": "resident", "id": new_id(), "field": "phone",
                      "value": NUL}, "value"),
    (OpType.MERGE, {"survivor_id": new_id(), "duplicate_id": NUL}, "duplicate_id"),
    (OpType.UPDATE, {"kind": "resi" + NUL}, "kind"),
])
def test_a_payload_holding_a_nul_is_invalid_before_anything_else(op_type, payload, field):
    with pytest.raises(ValidationError) as refused:
        check_payload(op_type, payload)
    assert (refused.value.field, refused.value.reason) == (field, NUL_REFUSED)


def test_a_void_reason_is_kept_without_a_nul():
    rid = new_id()
    assert check_payload(OpType.VOID, {"kind": "resident", "id": rid, "reason": " dup "}) == {
        "kind": "resident", "id": rid, "reason": "dup"}


def test_request_text_holding_a_nul_is_a_bad_message():
    assert req_text({"user": "dana"}, "user") == "dana"
    assert opt_text({}, "gen") is None
    with pytest.raises(SchemaError, match="user must not contain NUL characters"):
        req_text({"user": "da" + NUL}, "user")
    with pytest.raises(SchemaError, match="gen must not contain NUL characters"):
        opt_text({"gen": NUL}, "gen")


def test_a_password_holding_a_nul_is_refused_with_guidance():
    phrase = "a quiet walk along the river at dawn"
    assert check_password(phrase) == phrase
    with pytest.raises(PasswordRejected, match="NUL character"):
        check_password(phrase + NUL)


def test_nul_at_looks_into_every_shape_a_decoded_value_has():
    assert nul_at({"a": [1, 2.5, None, True, b"x", {"b": ("c", "d")}]}) is None
    assert nul_at({"a": [1, {"b": ("c", "d" + NUL)}]}) == "a[1].b[1]"
    assert nul_at({("k", NUL): 1}) == "('k', '\\x00')"  # named as written, no NUL
    assert nul_at([[[["x" + NUL]]]]) == "[0][0][0][0]"
