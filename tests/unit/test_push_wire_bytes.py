"""A terminal sends its stored payload bytes as they are: the push body it
builds from them must be exactly the bytes encoding the operations anew gives."""

from hypothesis import given
from hypothesis import strategies as st

from protocol.codec import decode, decode_signed, encode
from protocol.messages import PushRequest, encoded_operation
from protocol.ops import Operation, OpType

text = st.text(max_size=40)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1), text,
                    st.floats(allow_nan=False), st.binary(max_size=8))
payloads = st.dictionaries(text, st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner,
                                                                          max_size=4),
    max_leaves=12), max_size=8)


@st.composite
def operations(draw: st.DrawFn) -> Operation:
    return Operation(op_id=draw(st.text(min_size=1, max_size=30)),
                     seq=draw(st.integers(1, 2**62)), op_type=draw(st.sampled_from(OpType)),
                     facility_id=draw(st.text(max_size=30)), user_id=draw(st.text(max_size=30)),
                     recorded_at=draw(st.integers(0, 2**63 - 1)), payload=draw(payloads),
                     schema=draw(st.integers(0, 10_000)))


def _encoded(op: Operation) -> bytes:
    return encoded_operation(op.op_id, op.seq, str(op.op_type), op.facility_id, op.user_id,
                             op.recorded_at, op.schema, encode(op.payload))


@given(operations())
def test_an_operation_with_its_payload_as_bytes_is_the_operation_encoded(op: Operation
                                                                          ) -> None:
    assert _encoded(op) == encode(op.to_wire())


@given(st.lists(operations(), max_size=6), st.integers(0, 2**31), st.booleans(),
       st.none() | st.text(max_size=64))
def test_a_push_body_from_stored_payloads_is_the_push_encoded_anew(
        ops: list[Operation], epoch: int, resume: bool, generation: str | None) -> None:
    request = PushRequest(ops=ops, epoch=epoch, resume=resume, generation=generation)
    body = PushRequest(ops=[], epoch=epoch, resume=resume,
                       generation=generation).encoded_with([_encoded(op) for op in ops])
    assert body == encode(request.to_wire())
    assert decode_signed(body) == decode(body) == request.to_wire()
