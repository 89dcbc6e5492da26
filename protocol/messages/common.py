"""What every sync message shares: the protocol's versions and limits, and the error body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..ops import SCHEMA_VERSION, OpType
from ..records import RecordKind
from ..schema import (
    as_map,
    opt_str,
    req_int,
    req_str,
)

MAX_OPS_PER_PUSH = 1000
PROTOCOL_VERSION = 3
"""The sync protocol this code speaks. 2: requests say their protocol version,
answers carry the server's protocol and schema versions, ``pushed`` can say
the server is too old for the terminal's changes. 3: results may carry the
reasons :data:`protocol.reasons.NEWER_REASONS` lists for it (``entry_voided``);
a terminal of an older protocol is answered with the reason it knows instead."""
MIN_PROTOCOL_VERSION = 1
"""The oldest terminal protocol a server of this version still serves (a
request without ``proto`` is version 1)."""
OP_TYPES = frozenset(str(t) for t in OpType)
RECORD_KINDS = frozenset(str(k) for k in RecordKind)
MAX_PULL_PAGE = 5000
"""Changes per pull page that every server serves: a server from before
:data:`SERVED_PULL_PAGE` refuses a larger ``limit`` (``invalid_message``)."""
SERVED_PULL_PAGE = 10_000
"""Changes per pull page a server of this version serves; it says so in every
pull answer (``page``), and a terminal asks for more than :data:`MAX_PULL_PAGE`
only from a server that said so. Each page is one commit at the terminal, and
fewer, larger commits rewrite fewer index pages (docs/performance/sync-terminal.md).
A page also stops at ¾ of a message's bytes, so its memory stays bounded."""



def _epoch(raw: Mapping[str, Any]) -> int:
    return req_int(raw, "epoch", 0, 1_000_000) if "epoch" in raw else 0


def _proto(raw: Mapping[str, Any]) -> int:
    """A request's protocol version; terminals before version 2 did not say."""
    return req_int(raw, "proto", 1, 10_000) if "proto" in raw else 1


@dataclass(frozen=True)
class Versions:
    """What a server answer says about the server: its protocol and schema."""

    protocol: int = PROTOCOL_VERSION
    schema: int = SCHEMA_VERSION

    def to_wire(self) -> dict[str, Any]:
        return {"proto": self.protocol, "schema": self.schema}

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> Versions:
        """Absent in a version-1 answer: that server spoke protocol 1, schema 1."""
        if "proto" not in raw:
            return cls(1, 1)
        return cls(req_int(raw, "proto", 1, 10_000), req_int(raw, "schema", 0, 10_000))


def error_from_wire(value: Any) -> tuple[str, str]:
    raw = as_map(value, "error")
    return req_str(raw, "error", 64), opt_str(raw, "detail") or ""
