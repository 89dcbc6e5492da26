"""Security events a terminal recorded while it could not reach the server,
sent at its next sync so the server's audit has them too.

``events`` (terminal → server, an envelope signed with the terminal key like
``push`` and ``pull``): the sign-ins the terminal refused (outside the offline
window, a clock set back, a user deactivated at the server) and the failed
sign-in attempts, each with the terminal's own number for it (``n``, strictly
increasing), when it happened on the terminal's clock, the user it named and
why. ``events_kept`` (server → terminal): ``{through}``, the highest ``n`` the
server holds; the terminal sends only later ones next time, and the server
keeps each event once even if an answer was lost and the same events come
again.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .errors import SchemaError
from .ids import is_id
from .schema import as_map, only_keys, opt_str, req_int, req_list, req_str

MAX_EVENTS = 200
SIGN_IN_REFUSED = "sign_in_refused"
SIGN_IN_FAILED = "sign_in_failed"
KINDS = frozenset({SIGN_IN_REFUSED, SIGN_IN_FAILED})


@dataclass(frozen=True)
class TerminalEvent:
    n: int
    at: int
    """Milliseconds on the terminal's clock (it may be wrong: that can be the point)."""
    kind: str
    user_id: str | None
    reason: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"n": self.n, "at": self.at, "kind": self.kind, "user": self.user_id,
                "reason": self.reason}

    @classmethod
    def from_wire(cls, value: Any) -> TerminalEvent:
        raw = as_map(value, "event")
        only_keys(raw, {"n", "at", "kind", "user", "reason"}, "event")
        kind = req_str(raw, "kind", 32)
        if kind not in KINDS:
            raise SchemaError(f"kind must be one of {sorted(KINDS)}")
        user = opt_str(raw, "user", 64)
        if user is not None and not is_id(user):
            raise SchemaError("user must be an id")
        return cls(n=req_int(raw, "n", 1), at=req_int(raw, "at"), kind=kind, user_id=user,
                   reason=opt_str(raw, "reason", 64))


@dataclass(frozen=True)
class EventsRequest:
    events: list[TerminalEvent]

    def to_wire(self) -> dict[str, Any]:
        return {"events": [e.to_wire() for e in self.events]}

    @classmethod
    def from_wire(cls, value: Any) -> EventsRequest:
        raw = as_map(value, "events")
        only_keys(raw, {"events"}, "events")
        events = [TerminalEvent.from_wire(e) for e in req_list(raw, "events", MAX_EVENTS)]
        if any(b.n <= a.n for a, b in pairwise(events)):
            raise SchemaError("events must be in increasing order of n")
        return cls(events)


def kept_to_wire(through: int) -> dict[str, Any]:
    return {"through": through}


def kept_from_wire(value: Any) -> int:
    raw = as_map(value, "events_kept")
    only_keys(raw, {"through"}, "events_kept")
    return req_int(raw, "through")
