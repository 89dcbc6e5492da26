"""Following the server's key rotations from a pinned key."""

import pytest

from protocol.codec import decode, encode
from protocol.errors import SchemaError, SignatureError
from protocol.key_rotation import KeyLink, announce, chain_from_wire, chain_to_wire, follow
from protocol.signing import new_private_key, public_bytes


def rotated(n):
    keys = [new_private_key() for _ in range(n)]
    chain = [KeyLink(public_bytes(keys[0]), 1)]
    chain.extend(announce(keys[i - 1], public_bytes(keys[i]), i + 1) for i in range(1, n))
    return keys, chain


def test_any_pinned_key_follows_to_the_newest_and_the_wire_round_trips():
    keys, chain = rotated(4)
    chain = chain_from_wire(decode(encode(chain_to_wire(chain))))
    for key in keys:
        assert follow(public_bytes(key), chain) == public_bytes(keys[-1])


def test_a_key_not_announced_by_its_predecessor_is_not_followed():
    keys, chain = rotated(3)
    intruder = new_private_key()
    forged = [*chain, announce(intruder, public_bytes(new_private_key()), 9)]
    with pytest.raises(SignatureError):
        follow(public_bytes(keys[0]), forged)
    unsigned = [*chain, KeyLink(public_bytes(new_private_key()), 9)]
    with pytest.raises(SignatureError):
        follow(public_bytes(keys[1]), unsigned)
    with pytest.raises(SignatureError):  # a pinned key the chain does not hold
        follow(public_bytes(intruder), chain)
    moved = [*chain[:-1], KeyLink(chain[-1].key, chain[-1].created_at + 1, chain[-1].by)]
    with pytest.raises(SignatureError):  # the announcement binds the time too
        follow(public_bytes(keys[0]), moved)


@pytest.mark.parametrize("raw", [None, {"keys": "x"}, {"keys": [{"key": b"short", "at": 1}]},
                                 {"keys": [{"key": b"k" * 32, "at": -1}]},
                                 {"keys": [{"key": b"k" * 32, "at": 1, "by": b"x"}]}])
def test_malformed_chains_are_schema_errors(raw):
    with pytest.raises(SchemaError):
        chain_from_wire(raw)
