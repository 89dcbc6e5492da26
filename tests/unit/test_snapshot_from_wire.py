"""A pulled snapshot's schema check has a fast path for the common case (a
dict whose every field is of its exact type and in range); it must accept and
refuse exactly what the field-by-field check does. The field-by-field check is
what a map that is not a ``dict`` gets, so each case is read both ways."""

from dataclasses import FrozenInstanceError, fields
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.errors import SchemaError
from protocol.messages import Snapshot
from protocol.records import RecordKind


class _Text(str):
    """Text of a subclass: the accessors take it, the fast path leaves it to them."""


GOOD: dict[str, Any] = {"k": "note", "id": "r1", "f": "f1", "d": {"text": "x"}, "v": {"text": 1},
                        "c": {}, "s": "active", "seq": 7, "gone": False}
ODD = [None, True, False, 0, -1, 2**63 - 1, 2**63, 1.5, "", "a", "x" * 32, "x" * 33,
       "x" * 64, "x" * 65, _Text("note"), _Text("id"), b"note", [], {}, {"a": 1},
       MappingProxyType({"a": 1}), "resident", "nonsense"]


def _read(value: Any) -> Any:
    try:
        return Snapshot.from_wire(value)
    except SchemaError as exc:
        return ("refused", str(exc))


def _both_ways(value: dict[str, Any]) -> None:
    assert _read(value) == _read(MappingProxyType(value))


@pytest.mark.parametrize("key", sorted(GOOD))
@pytest.mark.parametrize("odd", ODD, ids=repr)
def test_each_field_of_each_odd_value_is_read_as_the_accessors_read_it(key, odd):
    _both_ways({**GOOD, key: odd})


@pytest.mark.parametrize("key", sorted(GOOD))
def test_a_missing_field_is_refused_as_the_accessors_refuse_it(key):
    value = dict(GOOD)
    del value[key]
    assert _read(value)[0] == "refused"
    _both_ways(value)


def test_the_fast_path_gives_the_same_snapshot():
    fast = Snapshot.from_wire(dict(GOOD))
    assert fast == Snapshot.from_wire(MappingProxyType(GOOD))
    assert fast.kind is RecordKind.NOTE


def test_the_fast_path_makes_what_the_constructor_makes():
    """The fast path builds the instance without the dataclass's __init__: it
    must hold every field (a field added to Snapshot and not here fails), of the
    same values, and stay frozen and hashable as the constructor's."""
    fast = Snapshot.from_wire({**GOOD, "d": {"text": "x", "n": 2}, "gone": True})
    made = Snapshot(kind=RecordKind.NOTE, record_id="r1", facility_id="f1",
                    data={"text": "x", "n": 2}, versions={"text": 1}, conflicts={},
                    status="active", seq=7, gone=True)
    assert type(fast) is Snapshot
    assert vars(fast) == vars(made)
    assert list(vars(fast)) == [f.name for f in fields(Snapshot)]
    assert repr(fast) == repr(made)
    assert fast.to_wire() == made.to_wire()
    with pytest.raises(FrozenInstanceError):
        fast.seq = 8  # type: ignore[misc]
    assert fast.seq == 7


@given(st.dictionaries(st.sampled_from(sorted(GOOD)), st.sampled_from(ODD), max_size=9))
def test_any_mix_of_odd_fields_is_read_as_the_accessors_read_it(changes):
    _both_ways({**GOOD, **changes})
