"""Reports decode stored snapshots exactly as ``json.loads`` does, only faster."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.reports.loading import _decode

TEXTS = [
    '{"staff_id": "01M9", "hours": "8.00", "job_title_code": 7, "meal_minutes": 30}',
    '{"name": "Smith [Jr]", "leaves": [], "x": 1.5e3, "y": -0.0, "z": null, "w": true}',
    '"caf\\u00e9 \\ud83d\\ude00"',
    "123456789012345678901234567890",
    "-9223372036854775809",
    '{"big": 18446744073709551616, "small": -18446744073709551616}',
    '{"a": 1, "a": 2}',
    '{"a": [{"b": -9223372036854775809}], "c": {"d": [1, [2, [18446744073709551616]]]}}',
    '[1, [2, [3.5]]]',
    "1e400",
    "-1e400",
    '  {"padded": 1}\n',
    "[1, 2]  ",
    "{}",
]
BROKEN = ['{"a": 1} {"b": 2}', '{"a": 1', "", "   ", "[1, 2] x", "{'a': 1}"]


@pytest.mark.parametrize("text", TEXTS)
def test_same_values_as_json_loads(text: str) -> None:
    assert _decode(text) == json.loads(text)
    assert type(_decode(text)) is type(json.loads(text))


def test_values_python_reads_beyond_the_standard() -> None:
    assert math.isnan(_decode('{"a": NaN}')["a"])
    assert _decode('"\\ud800"') == json.loads('"\\ud800"')


@pytest.mark.parametrize("text", BROKEN)
def test_same_errors_as_json_loads(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        _decode(text)
    assert str(got.value) == str(expected.value)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@given(JSON_VALUES, st.booleans())
def test_any_json_reads_as_json_loads_reads_it(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert _decode(text) == json.loads(text)
    assert repr(_decode(text)) == repr(json.loads(text))  # an int stays an int, -0.0 stays
