"""The server's stable hash is the one it always stored: results and created
records written before it got faster still match their resends."""

from __future__ import annotations

import json
import math
import random
import struct
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.commands import fingerprints
from server.commands.fingerprints import _json_hash, _may_differ, stable_hash

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


def test_floats_orjson_writes_alike_are_the_ones_not_sent_the_old_way() -> None:
    """The fast path's premise: every finite float orjson writes otherwise than
    json.dumps is caught by the check that sends a text the old way."""
    rng = random.Random(10)
    values = [float(f"{m}e{e}") * sign for e in range(-320, 308)
              for m in (1, 1.5, 2.2250738585072014, 4.9406564584124654, 9.999999999999999)
              for sign in (1, -1)]
    values += [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
               for _ in range(20_000)]
    values += [10 ** rng.uniform(-8, 20) for _ in range(20_000)]
    for value in values:
        if math.isfinite(value):
            written = orjson.dumps(value)
            assert written == json.dumps(value).encode() or _may_differ(written), value


def test_an_operation_naming_ids_is_hashed_without_the_old_way(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids often hold a digit followed by an E: that alone must not send an
    operation the slow way (it did for more than half of a push's operations)."""
    ids = ["01KBX3E8E9QWERTYZ1234ABCD", "01KBX3E5E0QWERTYZ1234ABCE"]
    value = {"id": ids[0], "at": 112233, "p": {"kind": "note", "id": ids[1], "fields": {
        "resident_id": ids[0], "body": "Slept well", "phone": None}}}
    expected = _json_hash(value)

    def refuse(_value: Any) -> str:
        raise AssertionError("hashed the old way")

    monkeypatch.setattr(fingerprints, "_json_hash", refuse)
    assert stable_hash(value) == expected
