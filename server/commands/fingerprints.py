"""What the server compares to recognise a repeat or a duplicate: a stable hash
of a payload, and a resident's name-and-birth-date key."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import orjson

from protocol.codec import canonical
from protocol.ops import Operation

_MAY_BE_FLOAT = re.compile(rb"[0-9][.eE]")
"""Every float orjson writes has a digit followed by a point or an exponent."""


def stable_hash(value: Any) -> str:
    """SHA-256 of a deterministic encoding, for the server's own comparisons
    (a resent operation, a repeated create). Sorted-key JSON is several times
    faster than canonical msgpack; values JSON cannot hold (bytes) fall back.

    The JSON is written by orjson, which gives the very bytes ``json.dumps``
    gives here (sorted keys, compact, UTF-8) at half the cost, except that it
    writes a non-finite float as ``null`` where ``json.dumps`` refuses it, and
    writes exponents its own way (``1e-7`` where ``json.dumps`` writes
    ``1e-07``): so text holding a ``null``, or anything that may be a float (a
    digit followed by ``.`` or ``e``; in a string that only costs the slower
    way), is written again the old way. Either way the hash is the one stored
    before, so stored results and created records still match their resends.
    """
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        text = b"null"  # a type orjson does not write: the old way decides
    if b"null" in text or _MAY_BE_FLOAT.search(text):
        return _json_hash(value)
    return hashlib.sha256(b"j" + text).hexdigest()


def _json_hash(value: Any) -> str:
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
    except (TypeError, ValueError):
        return hashlib.sha256(b"m" + canonical(value)).hexdigest()
    return hashlib.sha256(b"j" + text.encode()).hexdigest()


def payload_hash(op: Operation) -> str:
    """What a resend under the same sequence number must match."""
    return stable_hash(op.to_wire())


def match_key(fields: Mapping[str, Any]) -> str | None:
    """Folded family name, given name and birth date: the duplicate check's key."""
    try:
        return "|".join(str(fields[name]).strip().casefold()
                        for name in ("family_name", "given_name", "birth_date"))
    except KeyError:
        return None
