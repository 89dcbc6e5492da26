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
from server.storage.rows import holds_float

_EXPONENT = re.compile(rb"e[-0-9]")


def _may_differ(text: bytes) -> bool:
    """Whether orjson may have written a float where ``json.dumps`` writes it
    otherwise: only with an exponent (orjson ``1e-7``, ``1e16``; ``json.dumps``
    ``1e-07``, ``1e+16``) or between 1e-5 and 1e-4 (orjson ``0.00001``,
    ``json.dumps`` ``1e-05``); every other finite float both write alike
    (checked over 1.5 million; a test compares them over fifty thousand).
    Text in a string may match too (then only the slower way decides); an id
    (upper case) never does, a note's words rarely."""
    return b".0000" in text or _EXPONENT.search(text) is not None


def stable_hash(value: Any) -> str:
    """SHA-256 of a deterministic encoding, for the server's own comparisons
    (a resent operation, a repeated create). Sorted-key JSON is several times
    faster than canonical msgpack; values JSON cannot hold (bytes) fall back.

    The JSON is written by orjson, which gives the very bytes ``json.dumps``
    gives here (sorted keys, compact, UTF-8) at half the cost, except that it
    writes a non-finite float as ``null`` where ``json.dumps`` refuses it, and
    writes exponents its own way (``1e-7`` where ``json.dumps`` writes
    ``1e-07``; :func:`_may_differ`): so such a text, or a ``null`` while the
    value holds a float, is written again the old way. Either way the hash
    is the one stored before, so stored results and created records still
    match their resends.
    """
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return _json_hash(value)  # a type orjson does not write: the old way decides
    if _may_differ(text) or (b"null" in text and holds_float(value)):
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
