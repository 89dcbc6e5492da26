"""May this terminal let someone sign in without the server? The offline window.

With every successful sync the server grants the terminal an offline window
(the facility's ``offline_window_days``, 14 days unless set): sign-in is allowed
for that long after the contact, measured on the terminal's clock (so a terminal
whose clock is off by some minutes or hours still gets its whole window). The
terminal also keeps the latest time its clock has shown (at each contact and
each sign-in); a clock set earlier than that is refused too, so turning the
clock back does not reopen an expired window. The refusal and its sentence live
here; the server sets the window (per facility), the terminal applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DAY_MS = 86_400_000
DEFAULT_WINDOW_DAYS = 14
MAX_WINDOW_DAYS = 90
EXPIRED = "offline_window_expired"
CLOCK_BEHIND = "clock_behind"
REFUSAL_TEXT = "Connect this terminal to the network to refresh its sign-in."


def window_days(facility: Mapping[str, Any] | None) -> int:
    """The facility's offline window in days (its record's ``offline_window_days``)."""
    value = (facility or {}).get("offline_window_days")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WINDOW_DAYS:
        return DEFAULT_WINDOW_DAYS
    return value


def granted_until(contact_ms: int, days: int) -> int:
    """The end of the window a contact with the server at ``contact_ms`` (the
    terminal's clock) grants."""
    return contact_ms + days * DAY_MS


def sign_in_refusal(now_ms: int, until_ms: int | None, latest_seen_ms: int) -> str | None:
    """None when an offline sign-in is allowed; else why not (:data:`EXPIRED`,
    :data:`CLOCK_BEHIND`). No grant at all (``until_ms`` None) is expired."""
    if now_ms < latest_seen_ms:
        return CLOCK_BEHIND
    if until_ms is None or now_ms > until_ms:
        return EXPIRED
    return None
