"""Identifiers that sort by creation time (ULID layout, Crockford base32).

Operation ids and record ids are made offline on many terminals at once, so
they must never collide and should sort roughly by when they were made.
"""

from __future__ import annotations

import hashlib
import os
import re
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def new_id(now_ms: int | None = None) -> str:
    """A 26-character id: 48 bits of milliseconds, then 80 random bits."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_id(value: object) -> bool:
    # fullmatch: with match and "^…$", an id followed by a newline passed ("$"
    # matches before a final newline), and was stored under that id.
    return isinstance(value, str) and _ID_RE.fullmatch(value) is not None


def id_time_ms(value: str) -> int:
    """The millisecond timestamp an id was made at."""
    number = 0
    for char in value:
        number = number * 32 + _ALPHABET.index(char)
    return number >> 80


def derived_id(source_id: str, purpose: str) -> str:
    """The id of the one record that ``source_id`` gives rise to for ``purpose``
    (the completeness review a discharge opens): the source's time, then 80 bits
    of a hash, so the terminal and the server name the same record the same way
    without talking to each other."""
    if not is_id(source_id):
        raise ValueError(f"not a record id: {source_id!r}")
    digest = hashlib.sha256(f"{purpose}:{source_id}".encode()).digest()
    value = int.from_bytes(digest[:10], "big")
    tail = []
    for _ in range(16):
        tail.append(_ALPHABET[value & 31])
        value >>= 5
    return source_id[:10] + "".join(reversed(tail))
