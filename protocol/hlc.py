"""Hybrid logical clock for "recorded at" stamps (Kulkarni et al., 2014).

A stamp is one integer: wall milliseconds shifted left 16 bits, plus a 16-bit
counter. Stamps from one terminal only ever grow, even when its wall clock is
set back (a terminal reset to 2000-01-01 keeps counting from its last stamp).

Stamps are for display and clinical ordering only. Decisions about which write
came first use the server's sequence and base versions, never these stamps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import ClockDriftError

COUNTER_BITS = 16
_COUNTER_MASK = (1 << COUNTER_BITS) - 1
MAX_DRIFT_MS = 5 * 60 * 1000
"""How far a clock we do not control may run ahead of ours before we refuse
to adopt it (CockroachDB's max-offset guard)."""


def pack(wall_ms: int, counter: int) -> int:
    return (wall_ms << COUNTER_BITS) | (counter & _COUNTER_MASK)


def wall_ms(stamp: int) -> int:
    return stamp >> COUNTER_BITS


def counter(stamp: int) -> int:
    return stamp & _COUNTER_MASK


def to_datetime(stamp: int) -> datetime:
    return datetime.fromtimestamp(wall_ms(stamp) / 1000, tz=UTC)


def system_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class HybridClock:
    """A monotonic clock; ``last`` is persisted by its owner between runs."""

    physical: Callable[[], int] = system_ms
    last: int = 0
    max_drift_ms: int = MAX_DRIFT_MS
    _skew_seen: bool = field(default=False, repr=False)

    def now(self) -> int:
        pt = self.physical()
        last_wall = wall_ms(self.last)
        if pt > last_wall:
            self.last = pack(pt, 0)
        else:
            self._skew_seen = self._skew_seen or pt + self.max_drift_ms < last_wall
            self.last = self._bump(self.last)
        return self.last

    def observe(self, remote: int, *, trusted: bool = False) -> int:
        """Merge a stamp seen in a message. Untrusted stamps too far ahead of
        our physical clock are refused rather than dragging us forward.
        """
        pt = self.physical()
        if not trusted and wall_ms(remote) - pt > self.max_drift_ms:
            raise ClockDriftError(
                f"remote clock is {(wall_ms(remote) - pt) // 1000} s ahead; not adopted"
            )
        candidate = max(self.last, remote)
        if pt > wall_ms(candidate):
            self.last = pack(pt, 0)
        else:
            self.last = self._bump(candidate)
        return self.last

    @property
    def skewed(self) -> bool:
        """True once the wall clock was seen running far behind our stamps."""
        return self._skew_seen

    @staticmethod
    def _bump(stamp: int) -> int:
        if counter(stamp) == _COUNTER_MASK:
            return pack(wall_ms(stamp) + 1, 0)
        return stamp + 1


def new_epoch_due(last: int, physical_ms: int, server_offset_ms: int | None,
                  max_drift_ms: int = MAX_DRIFT_MS) -> bool:
    """Whether a clock should start a new epoch: its stamps ran far ahead of a
    wall clock that the server has since confirmed (``server_offset_ms`` is the
    server's time minus ours at the last answer). Without one, a clock that ran
    a year ahead and was corrected would stamp every later change with the
    future date, flagged, for a year. In the new epoch stamps start again from
    the real time; the stamps of the old one keep their flag. Order within a
    terminal is its sequence numbers', never these stamps'."""
    return (server_offset_ms is not None and abs(server_offset_ms) <= max_drift_ms
            and wall_ms(last) - physical_ms > max_drift_ms)


def skew_ms(terminal_ms: int, server_ms: int) -> int:
    return terminal_ms - server_ms


def is_skewed(terminal_ms: int, server_ms: int, max_drift_ms: int = MAX_DRIFT_MS) -> bool:
    return abs(skew_ms(terminal_ms, server_ms)) > max_drift_ms
