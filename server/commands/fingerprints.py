"""What the server compares to recognise a repeat or a duplicate: a stable hash
of a payload, and a resident's name-and-birth-date key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from protocol.codec import canonical
from protocol.ops import Operation


def stable_hash(value: Any) -> str:
    """SHA-256 of a deterministic encoding, for the server's own comparisons
    (a resent operation, a repeated create). Sorted-key JSON is several times
    faster than canonical msgpack; values JSON cannot hold (bytes) fall back.
    """
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
