"""A result read from the wire: the inline check of the usual shape gives the
same answer as the accessors, for every value, right or wrong."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from protocol.errors import SchemaError
from protocol.ops import OpResult, OpStatus

anything = st.one_of(st.none(), st.booleans(), st.integers(-2, 2**64), st.text(max_size=3),
                     st.sampled_from(["", "x" * 64, "x" * 65, "x" * 500, "x" * 501,
                                      "y" * 2000, "y" * 2001, "applied", "held"]),
                     st.lists(st.text(max_size=3) | st.integers(), max_size=3),
                     st.floats(allow_nan=False), st.binary(max_size=2))
fields = st.fixed_dictionaries({}, optional={
    "seq": st.integers(-1, 2**63) | anything, "id": st.text(max_size=3) | anything,
    "status": st.sampled_from([str(s) for s in OpStatus]) | anything,
    "reason": anything, "detail": anything, "sseq": st.integers(-1, 2**63) | anything,
    "flags": st.lists(st.text(max_size=3), max_size=3) | anything, "dep": anything})


def _answer(read: Any, raw: dict[str, Any]) -> Any:
    try:
        return read(raw)
    except SchemaError as exc:
        return ("refused", str(exc))


@given(fields)
def test_the_inline_check_answers_as_the_accessors(raw: dict[str, Any]) -> None:
    assert _answer(OpResult.from_wire, raw) == _answer(OpResult._checked, raw)


def test_a_usual_result_is_read_inline() -> None:
    result = OpResult(7, "01ARZ3NDEKTSV4RRFFQ69G5FAV", OpStatus.REJECTED, "invalid", "Bad.",
                      None, ("clock_skew",), "01ARZ3NDEKTSV4RRFFQ69G5FAW")
    assert OpResult.from_wire(result.to_wire()) == result
