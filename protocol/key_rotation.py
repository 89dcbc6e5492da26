"""Server key rotation: each new server key is announced signed by the one before,
so a terminal that pinned any earlier key follows the chain to the newest without
enrolling again.

The chain is public (``POST /v1/keys`` answers it as ``{"keys": [...]}``, oldest
first); each link after the first carries ``by``: the previous key's signature
over :func:`announcement_bytes`. A terminal trusts only what it can reach from
the key it pinned, link by link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .errors import SchemaError, SignatureError
from .schema import req_bytes, req_int, req_list
from .signing import public_bytes

MAX_KEYS = 1000
_LABEL = b"chartkeep-server-key-rotation/1\n"


@dataclass(frozen=True)
class KeyLink:
    """One server key: its public half, when it was made, and (after the first)
    the previous key's signature announcing it."""

    key: bytes
    created_at: int
    by: bytes | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"key": self.key, "at": self.created_at}
        if self.by is not None:
            wire["by"] = self.by
        return wire


def announcement_bytes(previous: bytes, new: bytes, created_at: int) -> bytes:
    return _LABEL + previous + new + created_at.to_bytes(8, "big")


def announce(previous: Ed25519PrivateKey, new: bytes, created_at: int) -> KeyLink:
    """The link that makes ``new`` the server's key, signed by ``previous``."""
    by = previous.sign(announcement_bytes(public_bytes(previous), new, created_at))
    return KeyLink(new, created_at, by)


def chain_to_wire(chain: Sequence[KeyLink]) -> dict[str, Any]:
    return {"keys": [link.to_wire() for link in chain]}


def chain_from_wire(raw: Any) -> list[KeyLink]:
    if not isinstance(raw, Mapping):
        raise SchemaError("the key chain must be a map")
    links = []
    for item in req_list(raw, "keys", MAX_KEYS):
        if not isinstance(item, Mapping):
            raise SchemaError("each key must be a map")
        by = req_bytes(item, "by", 64) if item.get("by") is not None else None
        links.append(KeyLink(req_bytes(item, "key", 32), req_int(item, "at"), by))
    return links


def follow(pinned: bytes, chain: Sequence[KeyLink]) -> bytes:
    """The newest key reachable from ``pinned`` through valid announcements;
    :class:`SignatureError` when ``pinned`` is not in the chain or a link after it
    is not signed by the key before it."""
    start = next((i for i, link in enumerate(chain) if link.key == pinned), None)
    if start is None:
        raise SignatureError
    current = pinned
    for link in chain[start + 1:]:
        if link.by is None:
            raise SignatureError
        try:
            Ed25519PublicKey.from_public_bytes(current).verify(
                link.by, announcement_bytes(current, link.key, link.created_at))
        except (InvalidSignature, ValueError):
            raise SignatureError from None
        current = link.key
    return current
