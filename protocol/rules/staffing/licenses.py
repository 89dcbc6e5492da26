"""License expiry: bands, days left, and whether a license is valid on a day.

A license is valid through the end of its expiry date. Days left = expiry date
− today. Bands: fewer than 0 days left → expired; 0–30, 31–60, 61–90 → due
(alerts); more than 90 → current. A license with no expiry date is never
current: it needs verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

ALERT_DAYS = (30, 60, 90)


class Band(StrEnum):
    EXPIRED = "expired"
    DUE_30 = "due_30"
    DUE_60 = "due_60"
    DUE_90 = "due_90"
    CURRENT = "current"
    NEEDS_VERIFICATION = "needs_verification"


BAND_ORDER = (Band.EXPIRED, Band.NEEDS_VERIFICATION, Band.DUE_30, Band.DUE_60, Band.DUE_90,
              Band.CURRENT)
"""Most urgent first."""


@dataclass(frozen=True)
class Expiry:
    band: Band
    days_left: int | None
    """None when there is no expiry date."""

    @property
    def words(self) -> str:
        """The state as a clerk reads it: "expired 3 days ago", "8 days left"."""
        if self.days_left is None:
            return "no expiry date: needs verification"
        if self.days_left < 0:
            ago = -self.days_left
            return f"expired {ago} day{'s' if ago != 1 else ''} ago"
        if self.days_left == 0:
            return "expires today"
        return f"{self.days_left} day{'s' if self.days_left != 1 else ''} left"


def is_valid_on(expires_on: date | None, day: date) -> bool:
    """Valid through the end of its expiry date; no date means not known valid."""
    return expires_on is not None and day <= expires_on


def expiry(expires_on: date | None, today: date) -> Expiry:
    if expires_on is None:
        return Expiry(Band.NEEDS_VERIFICATION, None)
    days = (expires_on - today).days
    if days < 0:
        return Expiry(Band.EXPIRED, days)
    for limit, band in zip(ALERT_DAYS, (Band.DUE_30, Band.DUE_60, Band.DUE_90), strict=True):
        if days <= limit:
            return Expiry(band, days)
    return Expiry(Band.CURRENT, days)


def most_urgent(expiries: list[Expiry]) -> Expiry:
    """The most urgent of several licenses' states (none → needs verification)."""
    if not expiries:
        return Expiry(Band.NEEDS_VERIFICATION, None)
    return min(expiries, key=lambda e: (BAND_ORDER.index(e.band),
                                        e.days_left if e.days_left is not None else 0))
