"""The server's stable hash is the one it always stored: results and created
records written before it got faster still match their resends."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from server.commands.fingerprints import _json_hash, stable_hash

_SCALARS = (st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1)
            | st.floats(allow_nan=True, allow_infinity=True)
            | st.text(alphabet=st.characters(exclude_categories=("Cs",))) | st.binary(max_size=4))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=5), max_leaves=20)


@given(_VALUES)
def test_the_hash_is_the_json_hash_stored_before(value: Any) -> None:
    assert stable_hash(value) == _json_hash(value)


def test_map_order_does_not_change_the_hash() -> None:
    one = {"kind": "note", "id": "01J", "fields": {"body": "Slept well", "category": "nursing"}}
    other = {"fields": {"category": "nursing", "body": "Slept well"}, "id": "01J", "kind": "note"}
    assert stable_hash(one) == stable_hash(other)
    assert stable_hash({**one, "id": "01K"}) != stable_hash(one)


def test_floats_keep_the_hash_json_dumps_gave() -> None:
    """orjson writes exponents as 1e-7 and 1e16, json.dumps as 1e-07 and 1e+16."""
    for value in (1.192092896e-07, 1e16, 1.5e300, -2.5e-5, 0.1, 7.0, {"h": 1e-9}, [3e20]):
        assert stable_hash(value) == _json_hash(value)


def test_values_json_writes_differently_keep_their_old_hash() -> None:
    """orjson writes a non-finite float as null, json.dumps refuses it (so the
    hash came from canonical msgpack): the old way still decides those."""
    assert stable_hash({"x": math.nan}) != stable_hash({"x": None})
    assert stable_hash({"x": math.inf}) == _json_hash({"x": math.inf})
    assert stable_hash({"x": 2**70}) == _json_hash({"x": 2**70})
