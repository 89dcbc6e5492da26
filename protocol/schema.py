"""Strict accessors for decoded message maps: each raises SchemaError with the
name of the offending key, so a malformed message gets a clear 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import SchemaError

NUL_REFUSED = "must not contain NUL characters"
"""Chartkeep's one rule for the NUL character (U+0000): no text holds one. No clerk
types it, PostgreSQL's text cannot store it, and a terminal and a server on SQLite
must answer as one on PostgreSQL does, so it is refused as invalid wherever text
comes in: a record's fields and a command's arguments (:mod:`protocol.records.checks`,
the same checks at the terminal's entry and at the server), an operation's whole
payload (:func:`nul_at`, in :func:`protocol.ops.check_payload`), a request's text
(:func:`req_text`, :func:`opt_text`) and the portal's forms and addresses."""


def nul_at(value: Any, where: str = "") -> str | None:
    """Where a decoded value holds a NUL (a map's keys or values, a list's items,
    nested): the path to it (``changes.phone``, a NUL in a key shown as ``␀``),
    or None when it holds none. Answers name the path, never the NUL itself.
    Every pushed payload goes through it: the common answer, none, is found by
    :func:`_holds_nul` without building a path."""
    if not _holds_nul(value):
        return None
    if isinstance(value, str):
        return where or "value"
    if isinstance(value, Mapping):
        for key, item in value.items():
            path = str(key).replace("\x00", "\u2400")
            path = f"{where}.{path}" if where else path
            if _holds_nul(key):
                return path
            found = nul_at(item, path)
            if found is not None:
                return found
        return None  # pragma: no cover (_holds_nul and this walk see the same values)
    for index, item in enumerate(value):  # a list or tuple: _holds_nul found one
        found = nul_at(item, f"{where}[{index}]")
        if found is not None:
            return found
    return None  # pragma: no cover (_holds_nul and this walk see the same values)


def _holds_nul(value: Any) -> bool:
    """Whether text anywhere in a decoded value holds a NUL: text and numbers
    looked at inline, only maps and lists called into."""
    cls = value.__class__
    if cls is str:
        return "\x00" in value
    if cls is dict or isinstance(value, Mapping):
        for key, item in value.items():
            kind = item.__class__
            if kind is str:
                if "\x00" in item:
                    return True
            elif kind not in _PLAIN and _holds_nul(item):
                return True
            kind = key.__class__
            if kind is str:
                if "\x00" in key:
                    return True
            elif kind not in _PLAIN and _holds_nul(key):
                return True
        return False
    if cls is list or cls is tuple or isinstance(value, list | tuple):
        return any(item.__class__ not in _PLAIN and _holds_nul(item) for item in value)
    return isinstance(value, str) and "\x00" in value


_PLAIN = frozenset({int, float, bool, bytes, type(None)})
"""Decoded values that hold no text."""


def req_text(raw: Mapping[str, Any], key: str, max_len: int = 500) -> str:
    """:func:`req_str` for text a request brings in, which must hold no NUL."""
    value = req_str(raw, key, max_len)
    if "\x00" in value:
        raise SchemaError(f"{key} {NUL_REFUSED}")
    return value


def opt_text(raw: Mapping[str, Any], key: str, max_len: int = 2000) -> str | None:
    """:func:`opt_str` for text a request brings in, which must hold no NUL."""
    value = opt_str(raw, key, max_len)
    if value is not None and "\x00" in value:
        raise SchemaError(f"{key} {NUL_REFUSED}")
    return value


def req_str(raw: Mapping[str, Any], key: str, max_len: int = 500) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise SchemaError(f"{key} must be text of 1–{max_len} characters")
    return value


def opt_str(raw: Mapping[str, Any], key: str, max_len: int = 2000) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise SchemaError(f"{key} must be text of at most {max_len} characters")
    return value


def req_int(raw: Mapping[str, Any], key: str, low: int = 0, high: int = 2**63 - 1) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SchemaError(f"{key} must be a whole number from {low} to {high}")
    return value


def opt_int(raw: Mapping[str, Any], key: str) -> int | None:
    if raw.get(key) is None:
        return None
    return req_int(raw, key)


def req_bool(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key)
    if not isinstance(value, bool):
        raise SchemaError(f"{key} must be true or false")
    return value


def req_bytes(raw: Mapping[str, Any], key: str, length: int | None = None,
              max_len: int = 1 << 22) -> bytes:
    value = raw.get(key)
    if not isinstance(value, bytes) or len(value) > max_len:
        raise SchemaError(f"{key} must be bytes")
    if length is not None and len(value) != length:
        raise SchemaError(f"{key} must be {length} bytes")
    return value


def req_map(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    # A decoded map is a dict: said without the ABC check (three per pulled record).
    if type(value) is not dict and not isinstance(value, Mapping):
        raise SchemaError(f"{key} must be a map")
    return value


def req_list(raw: Mapping[str, Any], key: str, max_len: int = 10_000) -> list[Any]:
    value = raw.get(key)
    if not isinstance(value, list) or len(value) > max_len:
        raise SchemaError(f"{key} must be a list of at most {max_len} items")
    return value


def str_list(raw: Mapping[str, Any], key: str) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError(f"{key} must be a list of text")
    return value


def int_list(raw: Mapping[str, Any], key: str, max_len: int = 10_000) -> list[int]:
    value = raw.get(key, [])
    if (not isinstance(value, list) or len(value) > max_len
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise SchemaError(f"{key} must be a list of whole numbers")
    return value


def only_keys(raw: Mapping[str, Any], allowed: set[str] | frozenset[str], where: str) -> None:
    extra = set(raw) - allowed
    if extra:
        names = sorted(str(name).replace("\x00", "\u2400") for name in extra)
        raise SchemaError(f"unknown field(s) in {where}: {', '.join(names)}")


def as_map(value: Any, where: str) -> Mapping[str, Any]:
    if type(value) is not dict and not isinstance(value, Mapping):
        raise SchemaError(f"{where} must be a map")
    return value
