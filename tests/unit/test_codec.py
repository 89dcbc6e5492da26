"""The bounded msgpack codec: round trips, and hostile input answered with a
precise CodecError, never another exception and never unbounded memory."""

from __future__ import annotations

import datetime as dt

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.codec import MAX_ARRAY_LEN, MAX_DEPTH, canonical, decode, decode_signed, encode
from protocol.errors import CodecError, MessageTooLarge

scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(
    allow_nan=False) | st.text(max_size=50) | st.binary(max_size=50)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=8) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=8),
    max_leaves=40,
)


@given(values)
def test_round_trip(value: object) -> None:
    assert decode(encode(value)) == value
    assert decode_signed(encode(value)) == value


DUPLICATE_KEY = b"\x82\xa1a\x01\xa1a\x02"  # {"a": 1, "a": 2}


@pytest.mark.parametrize("decoder", [decode, decode_signed])
@pytest.mark.parametrize("data", [
    DUPLICATE_KEY,
    b"\x91" + DUPLICATE_KEY,  # inside a list
    b"\x81\xa1p\x83\xa1x\x01\xa1y\x02\xa1x\x01",  # {"p": {"x": 1, "y": 2, "x": 1}}
])
def test_duplicate_map_keys_are_refused(decoder, data: bytes) -> None:
    with pytest.raises(CodecError) as info:
        decoder(data)
    assert info.value.code == "duplicate_key"


@given(st.binary(max_size=300))
def test_the_signed_body_decoder_answers_as_the_strict_one(data: bytes) -> None:
    def outcome(decoder):
        try:
            # Compared as bytes: a decoded NaN is not equal to itself.
            return ("ok", encode(decoder(data)))
        except CodecError as exc:
            return ("refused", exc.code)

    assert outcome(decode_signed) == outcome(decode)


def test_a_valid_body_not_in_minimal_form_is_still_accepted() -> None:
    # {"a": 1} with the key as str8 and the value as uint32: valid, not minimal.
    assert decode_signed(b"\x81\xd9\x01a\xce\x00\x00\x00\x01") == {"a": 1}


@given(st.binary(max_size=300))
def test_random_bytes_raise_only_codec_errors(data: bytes) -> None:
    # Some random bytes are valid msgpack; those simply decode.
    error: CodecError | None = None
    try:
        decode(data)
    except CodecError as exc:
        error = exc
    assert error is None or error.code


@given(values, st.integers(min_value=0))
def test_truncation_is_reported(value: object, cut: int) -> None:
    data = encode([value, "end"])
    cut = cut % len(data)
    with pytest.raises(CodecError) as info:
        decode(data[:cut])
    assert info.value.code in {"truncated_message", "malformed_message"}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xdd\xff\xff\xff\xff", "too_many_items"),  # array claiming 4 billion items
        (msgpack.packb([{}] * (MAX_ARRAY_LEN + 1)), "too_many_items"),
        (msgpack.packb({"a": 1}) + b"\x00", "trailing_bytes"),
        (msgpack.packb({1: 2}), "non_string_key"),
        (msgpack.packb({b"k": 2}), "non_string_key"),
        (msgpack.packb(msgpack.ExtType(5, b"x")), "ext_type_not_allowed"),
        (msgpack.packb(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), datetime=True),
         "ext_type_not_allowed"),
        (b"\xa2\xff\xfe", "invalid_utf8"),
        (b"\x91" * (MAX_DEPTH + 1) + b"\x00", "nesting_too_deep"),
        (b"\x91" * 5000 + b"\x00", "nesting_too_deep"),
        (b"", "truncated_message"),
        (b"\xc1", "malformed_message"),
    ],
)
def test_hostile_inputs_get_precise_codes(data: bytes, code: str) -> None:
    for decoder in (decode, decode_signed):
        with pytest.raises(CodecError) as info:
            decoder(data)
        assert info.value.code == code


def test_a_bytes_key_deep_in_a_page_is_refused() -> None:
    """A pull answer carries bin values, so the signed-body decoder checks every
    key of every map: one bytes key among thousands of text ones is refused."""
    page = {"changes": [{"k": "note", "d": {"text": "x", "n": [1, {"a": b"v"}]}}
                        for _ in range(500)], "cproof": [b"\x00" * 32]}
    page["changes"][321]["d"]["n"][1] = {b"a": 1}
    for decoder in (decode, decode_signed):
        with pytest.raises(CodecError) as info:
            decoder(msgpack.packb(page, use_bin_type=True))
        assert info.value.code == "non_string_key"
    del page["changes"][321]
    assert decode_signed(encode(page)) == page


def test_a_million_empty_maps_stop_early() -> None:
    # 100 arrays of 10,000 empty maps: 1,000,000 containers in about 1 MB.
    bomb = msgpack.packb([[{}] * 10_000] * 100)
    for decoder in (decode, decode_signed):
        with pytest.raises(CodecError) as info:
            decoder(bomb)
        assert info.value.code == "too_many_items"


def test_size_cap_is_checked_before_decoding() -> None:
    with pytest.raises(MessageTooLarge):
        decode(b"\x00" * 101, max_bytes=100)


def test_canonical_ignores_key_order() -> None:
    assert canonical({"b": 1, "a": {"d": 2, "c": 3}}) == canonical({"a": {"c": 3, "d": 2},
                                                                     "b": 1})
    assert canonical({"a": 1}) != canonical({"a": 2})


@given(values)
def test_encode_writes_what_msgpack_packb_writes(value: object) -> None:
    assert encode(value) == msgpack.packb(value, use_bin_type=True)


def test_encode_after_a_value_it_could_not_pack_starts_empty() -> None:
    with pytest.raises(TypeError):
        encode({"a": [1, object()]})
    with pytest.raises(OverflowError):
        encode({"a": 2**70})
    assert encode({"b": 1}) == b"\x81\xa1b\x01"


def test_encode_from_many_threads_at_once() -> None:
    import threading

    values = [{"n": n, "text": "x" * (n % 300), "list": list(range(n % 50))}
              for n in range(400)]
    expected = [msgpack.packb(v, use_bin_type=True) for v in values]
    wrong: list[int] = []

    def work() -> None:
        for _ in range(20):
            for n, v in enumerate(values):
                if encode(v) != expected[n]:
                    wrong.append(n)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
