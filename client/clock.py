"""The terminal's sense of time, injectable so tests can move it.

License expiry, idle lock, "offline for 120 days" and the hybrid clock all read
time through a :class:`Clock`; nothing in the engine calls ``time`` directly.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def today(self) -> date: ...
    def now(self) -> datetime: ...
    def ms(self) -> int: ...


class SystemClock:
    """The machine's wall clock; ``now()`` is timezone-aware local time."""

    def today(self) -> date:
        return date.today()  # noqa: DTZ011 - the facility's calendar day is local

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone()

    def ms(self) -> int:
        return int(time.time() * 1000)


class ManualClock:
    """A clock that moves only when told to (``advance``/``set``)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        self._now = start if start.tzinfo else start.replace(tzinfo=UTC)

    def today(self) -> date:
        return self._now.date()

    def now(self) -> datetime:
        return self._now

    def ms(self) -> int:
        return int(self._now.timestamp() * 1000)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> None:
        self._now += delta if delta is not None else timedelta(**kwargs)

    def set(self, when: datetime) -> None:
        self._now = when if when.tzinfo else when.replace(tzinfo=UTC)

