"""Message-level signatures: valid over any carrier, any change detected, and
every kind of bad signature indistinguishable to the sender."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.codec import decode, encode
from protocol.errors import ProtocolError, SignatureError
from protocol.ids import new_id
from protocol.messages import PullRequest, PushRequest, PushResponse
from protocol.ops import Operation, OpResult, OpStatus, OpType
from protocol.signing import (
    check_possession,
    new_private_key,
    open_envelope,
    prove_possession,
    public_bytes,
    seal,
)

KEY = new_private_key()
OTHER = new_private_key()


def sealed() -> bytes:
    op = Operation(new_id(), 1, OpType.CREATE, "F1", "U1", 5, {"kind": "note"})
    return seal(KEY, "push", "T1", 7, PushRequest([op]).to_wire()).to_bytes()


def test_a_sealed_message_opens_and_verifies_from_plain_bytes() -> None:
    envelope = open_envelope(sealed())
    envelope.verify(public_bytes(KEY))
    request = PushRequest.from_wire(envelope.decoded_body())
    assert request.ops[0].seq == 1
    assert envelope.counter == 7


@given(st.data())
def test_any_single_byte_change_is_rejected(data: st.DataObject) -> None:
    raw = bytearray(sealed())
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= data.draw(st.integers(1, 255))
    # Whatever the flipped byte hits, the message never verifies, and the
    # failure is one of the protocol's own errors (a clear 400/401, no 500).
    with pytest.raises(ProtocolError):
        open_envelope(bytes(raw)).verify(public_bytes(KEY))


def test_wrong_key_missing_signature_and_other_algorithm_look_the_same() -> None:
    envelope = open_envelope(sealed())
    with pytest.raises(SignatureError) as wrong:
        envelope.verify(public_bytes(OTHER))
    fields = decode(sealed())
    del fields["sig"]
    with pytest.raises(SignatureError) as missing:
        open_envelope(encode(fields))
    fields = decode(sealed())
    fields["alg"] = "rsa"
    with pytest.raises(SignatureError) as other_alg:
        open_envelope(encode(fields))
    assert wrong.value.as_body() == missing.value.as_body() == other_alg.value.as_body()


def test_reply_binding_and_typed_round_trips() -> None:
    request = open_envelope(sealed())
    result = OpResult(1, new_id(), OpStatus.REJECTED, "bed_occupied", "taken", None, ("x",))
    reply = seal(OTHER, "pushed", "server", 1, PushResponse([result], 2, 99).to_wire(),
                 reply_to=request.digest)
    opened = open_envelope(reply.to_bytes())
    opened.verify(public_bytes(OTHER))
    assert opened.reply_to == request.digest
    assert PushResponse.from_wire(opened.decoded_body()).results == [result]
    pull = PullRequest(cursor=5, limit=10, held=[3], want_mrns=True)
    assert PullRequest.from_wire(decode(encode(pull.to_wire()))) == pull


def test_enrollment_proof_of_possession() -> None:
    proof = prove_possession(KEY, "ABCD-1234")
    check_possession(public_bytes(KEY), "ABCD-1234", proof)
    with pytest.raises(SignatureError):
        check_possession(public_bytes(KEY), "ABCD-9999", proof)
    with pytest.raises(SignatureError):
        check_possession(public_bytes(OTHER), "ABCD-1234", proof)
