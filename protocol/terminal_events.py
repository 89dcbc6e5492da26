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

``emergency_access`` (break the glass, :mod:`protocol.rules.emergency_access`)
also carries the resident opened (``resident``, an id) and the reason typed (up
to the rule's :data:`~protocol.rules.emergency_access.REASON_MAX` characters;
other kinds' reasons are codes of at most 64). Only that kind has the
``resident`` key, so the other kinds stay exactly what older servers take.
An older server refuses the kind; the terminal sends it in a message of its own
(and numbers are kept per kind group on the server), so a refusal holds back
nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .errors import SchemaError
from .ids import is_id
from .rules.emergency_access import REASON_MAX
from .schema import as_map, only_keys, opt_str, opt_text, req_int, req_list, req_str

MAX_EVENTS = 200
SIGN_IN_REFUSED = "sign_in_refused"
SIGN_IN_FAILED = "sign_in_failed"
EMERGENCY_ACCESS = "emergency_access"
SIGN_IN_KINDS = frozenset({SIGN_IN_REFUSED, SIGN_IN_FAILED})
KINDS = SIGN_IN_KINDS | {EMERGENCY_ACCESS}
CODE_MAX = 64


@dataclass(frozen=True)
class TerminalEvent:
    n: int
    at: int
    """Milliseconds on the terminal's clock (it may be wrong: that can be the point)."""
    kind: str
    user_id: str | None
    reason: str | None
    resident_id: str | None = None
    """Only for :data:`EMERGENCY_ACCESS`: the one resident opened."""

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"n": self.n, "at": self.at, "kind": self.kind,
                                "user": self.user_id, "reason": self.reason}
        if self.kind == EMERGENCY_ACCESS:
            wire["resident"] = self.resident_id
        return wire

    @classmethod
    def from_wire(cls, value: Any) -> TerminalEvent:
        raw = as_map(value, "event")
        kind = req_str(raw, "kind", 32)
        if kind not in KINDS:
            raise SchemaError(f"kind must be one of {sorted(KINDS)}")
        emergency = kind == EMERGENCY_ACCESS
        only_keys(raw, {"n", "at", "kind", "user", "reason"} | ({"resident"} if emergency
                                                                else set()), "event")
        user = opt_str(raw, "user", 64)
        if user is not None and not is_id(user):
            raise SchemaError("user must be an id")
        reason = opt_text(raw, "reason", REASON_MAX if emergency else CODE_MAX)
        resident = None
        if emergency:
            resident = req_str(raw, "resident", 64)
            if not is_id(resident) or user is None or not reason:
                raise SchemaError("emergency_access needs a user, a resident id and a reason")
        return cls(n=req_int(raw, "n", 1), at=req_int(raw, "at"), kind=kind, user_id=user,
                   reason=reason, resident_id=resident)


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
