"""Emergency ("break the glass") access at a terminal whose offline window ran out.

The security scheme asks for emergency access: reason required, one resident,
time-boxed, a high-priority audit event, reviewed afterwards (HIPAA 45 CFR
164.312(a)(2)(ii), emergency access procedure). It is offered in exactly one
case: the user's passphrase is right (the key slot opened) but the sign-in is
refused because the offline window expired (:mod:`.offline_access`). Not for a
wrong passphrase, a user deactivated at the server, or a clock set back (a time
box measured on a clock that was turned back means nothing). It opens ONE
resident's record, read-only, for :data:`DURATION_MINUTES`; the terminal records
it at once and sends it at its next sync, and the server puts it in the
facility's audit chain for a regional manager to review.

Convention (docs/rules.md): 30 minutes, a reason of 10 to 300 characters, clerks
and records managers. No regulation sets these numbers; they are the product's.
"""

from __future__ import annotations

from protocol.errors import ValidationError
from protocol.records import Role

from . import offline_access

DURATION_MINUTES = 30
DURATION_MS = DURATION_MINUTES * 60_000
REASON_MIN = 10
REASON_MAX = 300
ROLES = frozenset({Role.CLERK, Role.RECORDS_MANAGER})
PRIORITY = "high"
"""The audit entry's priority: a regional manager reviews every one."""
PURPOSE = "emergency"
"""The audit entry's purpose of use (the security scheme names four: treatment,
operations, compliance inspection, emergency); not ``security``, which the
sign-in events around it carry: this entry records a resident's record read."""

READ_ONLY_TEXT = ("Emergency access is read-only: nothing can be added or changed. "
                  "Connect the terminal to the network and sign in to make changes.")
NOT_OFFERED_TEXT = ("Emergency access is only for a terminal whose offline sign-in has "
                    "expired, with your own passphrase.")


def offered(refusal: str | None, role: str) -> bool:
    """May a user whose key slot opened (the passphrase is right), refused with
    ``refusal`` (:func:`offline_access.sign_in_refusal`), take emergency access?"""
    return refusal == offline_access.EXPIRED and role in ROLES


def clean_reason(text: str) -> str:
    """The reason as recorded (trimmed, inner runs of white space made one space);
    :class:`ValidationError` (field ``reason``) when too short or too long."""
    reason = " ".join(text.split())
    if len(reason) < REASON_MIN:
        raise ValidationError("reason", f"must say why, in at least {REASON_MIN} characters")
    if len(reason) > REASON_MAX:
        raise ValidationError("reason", f"must be at most {REASON_MAX} characters")
    return reason


def ends_at(started_ms: int) -> int:
    """When access that started at ``started_ms`` (the terminal's clock) ends."""
    return started_ms + DURATION_MS


def over(now_ms: int, started_ms: int, ends_ms: int) -> bool:
    """Has the time box ended? A clock now earlier than the start ends it too
    (turning the clock back must not lengthen it)."""
    return now_ms >= ends_ms or now_ms < started_ms
