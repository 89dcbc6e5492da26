"""An audit entry's canonical bytes, fast: what the chain hashes and the tree's
leaves are made of (:func:`protocol.audit_log.entry_bytes`, built without
walking every scalar). Used by the chain's writer and verifier
(:mod:`.audit`, :mod:`.audit_verify`) and by the tree for the leaves it does
not store (:mod:`.audit_tree`)."""

from __future__ import annotations

from typing import Any

from protocol.audit_log import HASHED_FIELDS
from protocol.codec import encode

_SORTED_FIELDS = tuple(sorted(HASHED_FIELDS))
_SCALARS = frozenset({str, int, float, bool, bytes, type(None)})


def sorted_value(value: Any) -> Any:
    """``value`` with every map's keys in sorted order (its canonical form's order)."""
    if isinstance(value, dict):
        if _SCALARS.issuperset(map(type, value.values())):
            return dict(sorted(value.items()))  # the usual detail: one level
        return {k: v if type(v) in _SCALARS else sorted_value(v)
                for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        if _SCALARS.issuperset(map(type, value)):
            return value  # encoded as the same array
        return [sorted_value(v) for v in value]
    return value


def entry_bytes(entry: dict[str, Any]) -> bytes:
    """Exactly :func:`protocol.audit_log.entry_bytes` (a test holds it to that),
    built without walking every scalar: a push hashes thousands.
    """
    return encode({name: sorted_value(entry[name]) if name == "detail" else entry[name]
                   for name in _SORTED_FIELDS})
