"""msgpack encoding with hard limits for hostile input.

A 10 MiB msgpack body can expand to hundreds of MiB of Python objects, so
decoding is bounded three ways: the caller caps the byte length before calling
:func:`decode`; msgpack's own ``max_*_len`` caps each container and string; and
hooks count containers so a flood of tiny maps stops early. After decoding, a
walk rejects anything deeper than :data:`MAX_DEPTH` or of a type the protocol
never sends (ext types, msgpack timestamps).
"""

from __future__ import annotations

import threading
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
_BIN_MARKERS = (b"\xc4", b"\xc5", b"\xc6")


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


class _Packers(threading.local):
    """One msgpack packer per thread: ``msgpack.packb`` builds a packer (and its
    buffer) on every call, about a third of encoding a push's audit entry or
    snapshot. A packer is not shared between threads (its buffer would be), and
    it starts empty after a value it could not pack."""

    def __init__(self) -> None:
        self.pack = msgpack.Packer(use_bin_type=True).pack


_PACKERS = _Packers()


def encode(value: Any) -> bytes:
    return _PACKERS.pack(value)  # type: ignore[no-any-return]


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
    except Exception as exc:  # noqa: BLE001 - every msgpack failure gets its precise code
        raise _codec_error(exc) from None
    _check_shape(value)
    return value


def _codec_error(exc: Exception) -> CodecError:
    """The precise :class:`CodecError` for an exception msgpack raised."""
    if isinstance(exc, msgpack.ExtraData):
        return CodecError("there are bytes after the end of the message", code="trailing_bytes")
    if isinstance(exc, UnicodeDecodeError):
        return CodecError("text in the message is not valid UTF-8", code="invalid_utf8")
    if isinstance(exc, msgpack.StackError):
        return CodecError("the message is nested too deeply", code="nesting_too_deep")
    if isinstance(exc, ValueError):
        text = str(exc)
        if "exceeds max" in text:
            return CodecError("a list, map or text in the message is too long",
                              code="too_many_items")
        if "incomplete" in text.lower() or "Unpack failed" in text:
            return CodecError("the message is cut short", code="truncated_message")
    return CodecError("the message is not valid msgpack")


def decode_signed(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """Decode the body of an envelope whose signature was verified: the same
    answer as :func:`decode`, at C speed when the body is in the form
    :func:`encode` writes (every Chartkeep terminal's).

    msgpack's own limits bound each container and string; no hook runs per map
    or list. A timestamp decodes to a float and an ext type is refused, so the
    value holds only the protocol's types; a walk over the containers checks the
    depth, the container count and that every key is text. Duplicate keys are
    refused because the body must then encode back to exactly its own bytes: a
    map that lost a repeated key is shorter. A body in any other form (valid
    msgpack that is not minimal, a repeated key, …) and any body this path
    would refuse go to :func:`decode`, which accepts or refuses it with its
    precise reason: both decoders always give the same answer.
    """
    if not isinstance(data, bytes) or not 0 < len(data) <= max_bytes:
        return decode(data, max_bytes=max_bytes)
    try:
        value = msgpack.unpackb(
            data, raw=False, strict_map_key=True, ext_hook=_reject_ext, timestamp=1,
            max_str_len=MAX_STR_LEN, max_bin_len=max_bytes, max_array_len=MAX_ARRAY_LEN,
            max_map_len=MAX_MAP_LEN, max_ext_len=64,
        )
    except Exception:  # noqa: BLE001 - the strict decoder names the problem
        return decode(data, max_bytes=max_bytes)
    try:
        # A bytes key needs a bin marker somewhere in the body.
        _check_tree(value, keys=any(marker in data for marker in _BIN_MARKERS))
    except CodecError:
        return decode(data, max_bytes=max_bytes)  # refused: with the strict decoder's reason
    if encode(value) != data:
        return decode(data, max_bytes=max_bytes)
    return value


def _check_tree(root: Any, *, keys: bool) -> None:
    """Depth and container count of a value decoded without hooks (only
    containers go on the stack) and, when ``keys``, that every map key is text
    (gathered as the walk goes, checked once at the end; the decoder's
    ``strict_map_key`` has let through only text and bytes)."""
    if type(root) not in _CONTAINERS:
        return
    stack: list[tuple[Any, int]] = [(root, 1)]
    names: list[Any] = []
    containers = 0
    while stack:
        value, depth = stack.pop()
        containers += 1
        if depth > MAX_DEPTH:
            raise CodecError("the message is nested too deeply", code="nesting_too_deep")
        if containers > MAX_CONTAINERS:
            raise CodecError("the message holds too many items", code="too_many_items")
        if type(value) is dict:
            if keys:
                names.extend(value)
            value = value.values()
        for child in value:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))  # noqa: PERF401 - no generator per map
    if keys:
        # msgpack gives a key as text or bytes (``strict_map_key``): joining
        # them as text refuses bytes, in C, without a type object per key.
        try:
            "".join(names)
        except TypeError:
            raise CodecError("map keys must be text", code="non_string_key") from None


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
