"""msgpack encoding with hard limits for hostile input.

A 10 MiB msgpack body can expand to hundreds of MiB of Python objects, so
decoding is bounded three ways: the caller caps the byte length before calling
:func:`decode`; msgpack's own ``max_*_len`` caps each container and string; and
hooks count containers so a flood of tiny maps stops early. After decoding, a
walk rejects anything deeper than :data:`MAX_DEPTH` or of a type the protocol
never sends (ext types, msgpack timestamps).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgpack

from .errors import CodecError, MessageTooLarge

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
MAX_STR_LEN = 256 * 1024
MAX_ARRAY_LEN = 10_000
MAX_MAP_LEN = 256
MAX_CONTAINERS = 200_000
MAX_DEPTH = 12

_SCALAR_TYPES = frozenset({str, int, float, bool, bytes, type(None)})
_CONTAINERS = frozenset({dict, list})


class _Budget:
    __slots__ = ("left",)

    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise CodecError("the message holds too many items", code="too_many_items")


def _reject_ext(_code: int, _data: bytes) -> Any:
    raise CodecError("msgpack extension types are not accepted", code="ext_type_not_allowed")


def encode(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)  # type: ignore[no-any-return]


def encode_with_encoded_list(value: dict[str, Any], key: str, items: Sequence[bytes]) -> bytes:
    """``encode({**value, key: [...]})`` where each item of the list is already
    msgpack bytes: a pull answer sends the snapshots as the server stored them,
    without decoding and encoding each one again. ``key`` goes first."""
    packer = msgpack.Packer(use_bin_type=True)
    out = bytearray(packer.pack_map_header(len(value) + 1))
    out += packer.pack(key)
    out += packer.pack_array_header(len(items))
    for item in items:
        out += item
    for name, field in value.items():
        out += packer.pack(name)
        out += packer.pack(field)
    return bytes(out)


def canonical(value: Any) -> bytes:
    """Deterministic bytes for hashing: maps with sorted keys, all the way down."""
    return encode(_sorted(value))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(v) for v in value]
    return value


def decode(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """Decode untrusted bytes or raise :class:`CodecError` with a precise code."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CodecError("a message must be bytes")
    if len(data) > max_bytes:
        raise MessageTooLarge(f"the message is {len(data)} bytes; the limit is {max_bytes}")
    if len(data) == 0:
        raise CodecError("the message is empty", code="truncated_message")
    budget = _Budget(MAX_CONTAINERS)

    def on_list(items: list[Any]) -> list[Any]:
        budget.spend()
        return items

    def on_pairs(pairs: list[tuple[Any, Any]]) -> dict[str, Any]:
        budget.spend()
        out: dict[str, Any] = {}
        for key, value in pairs:
            if type(key) is not str:
                raise CodecError("map keys must be text", code="non_string_key")
            if key in out:
                raise CodecError(f"duplicate map key {key!r}", code="duplicate_key")
            out[key] = value
        return out

    try:
        value = msgpack.unpackb(
            bytes(data), raw=False, strict_map_key=False, ext_hook=_reject_ext,
            list_hook=on_list, object_pairs_hook=on_pairs, timestamp=0,
            max_str_len=MAX_STR_LEN, max_bin_len=max_bytes, max_array_len=MAX_ARRAY_LEN,
            max_map_len=MAX_MAP_LEN, max_ext_len=64,
        )
    except CodecError:
        raise
    except msgpack.ExtraData:
        raise CodecError("there are bytes after the end of the message",
                         code="trailing_bytes") from None
    except UnicodeDecodeError:
        raise CodecError("text in the message is not valid UTF-8", code="invalid_utf8") from None
    except msgpack.StackError:
        raise CodecError("the message is nested too deeply", code="nesting_too_deep") from None
    except ValueError as exc:
        text = str(exc)
        if "exceeds max" in text:
            raise CodecError("a list, map or text in the message is too long",
                             code="too_many_items") from None
        if "incomplete" in text.lower() or "Unpack failed" in text:
            raise CodecError("the message is cut short", code="truncated_message") from None
        raise CodecError("the message is not valid msgpack") from None
    except (msgpack.FormatError, TypeError):
        raise CodecError("the message is not valid msgpack") from None
    _check_shape(value)
    return value


def _check_shape(root: Any) -> None:
    """Reject nesting deeper than MAX_DEPTH and any value of a type the
    protocol never sends. Only containers go on the stack; scalars are checked
    where they stand (this walk runs over every pulled page)."""
    if type(root) not in _CONTAINERS:
        if type(root) not in _SCALAR_TYPES:
            raise CodecError("the message holds a value of an unsupported type",
                             code="ext_type_not_allowed")
        return
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CodecError("the message is nested too deeply", code="nesting_too_deep")
        for child in (value.values() if type(value) is dict else value):
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind not in _SCALAR_TYPES:
                raise CodecError("the message holds a value of an unsupported type",
                                 code="ext_type_not_allowed")
