"""Bounded floods: rejected requests per source, rate-limited and audited in aggregate.

A request refused before anyone is known to be asking (a malformed or oversized
body, a bad or missing signature, an unknown or revoked terminal) used to write
one audit entry each, so anyone who could reach the server could grow the audit
log without limit. Now, per source address and fixed interval
(``flood_window_s``):

* the first refusal is audited at once, with its full detail, as before;
* the rest are only counted, and when the interval ends one ``request:flood``
  entry per source records how many there were, by reason, with the first few;
* after ``flood_limit`` refusals the source is answered ``429`` with
  ``Retry-After`` (seconds to the interval's end) before its body is read; those
  answers are counted in the same entry.

So a source adds at most two audit entries per interval for anonymous refusals
(the service also audits each refusal naming an enrolled terminal, at most
``flood_limit`` of them before the source is refused unread). The
table of sources is cleared every interval and holds at most
``flood_max_sources`` of them (the rest share one ``"other"`` tally), so memory
is bounded too.

The gate lives in each server process: behind a load balancer with N processes a
source gets up to N × ``flood_limit`` refusals per interval before every process
refuses it (documented in docs/architecture.md); the aggregated entries all go
to the database's ``_system`` chain.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

FIRST_REASONS_KEPT = 5
OTHER_SOURCES = "other"
RATE_LIMITED = "rate_limited"


@dataclass
class Tally:
    """What one source was refused in one interval."""

    count: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    first: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    """The aggregated entry of one source for one interval: every refusal counted
    (the first, audited on its own, included), written only when there was more
    than one."""

    source: str
    window_start_ms: int
    window_ms: int
    count: int
    by_reason: dict[str, int]
    first: list[dict[str, Any]]

    def detail(self) -> dict[str, Any]:
        return {"peer": self.source, "from": self.window_start_ms,
                "to": self.window_start_ms + self.window_ms, "count": self.count,
                "by_reason": dict(sorted(self.by_reason.items())), "first": self.first}


class FloodGate:
    """Per-source counts of refused requests in the current interval (thread-safe)."""

    def __init__(self, window_ms: int, limit: int, max_sources: int) -> None:
        self.window_ms = max(1, window_ms)
        self.limit = limit
        self.max_sources = max_sources
        self._lock = threading.Lock()
        self._window = -1
        self._tallies: dict[str, Tally] = {}
        self._pending: list[Summary] = []
        """Summaries of ended intervals found on the event loop, written by the
        next call that may touch the database."""

    def retry_after(self, source: str, now_ms: int) -> int | None:
        """Seconds the source must wait when it is over the limit (the refusal is
        counted), else None. Touches no database: safe on the event loop."""
        with self._lock:
            self._pending.extend(self._roll(now_ms))
            tally = self._tallies.get(source)
            if tally is None or tally.count < self.limit:
                return None
            tally.count += 1
            tally.by_reason[RATE_LIMITED] = tally.by_reason.get(RATE_LIMITED, 0) + 1
            end = (self._window + 1) * self.window_ms
            return max(1, -(-(end - now_ms) // 1000))

    def refused(self, source: str, reason: str, now_ms: int,
                detail: dict[str, Any]) -> tuple[bool, list[Summary]]:
        """Count a refusal. Returns whether to audit this one now (the source's
        first in the interval) and the summaries of intervals that have ended."""
        with self._lock:
            due = self._roll(now_ms)
            due.extend(self._pending)
            self._pending.clear()
            if source not in self._tallies and len(self._tallies) >= self.max_sources:
                source = OTHER_SOURCES
            tally = self._tallies.setdefault(source, Tally())
            tally.count += 1
            tally.by_reason[reason] = tally.by_reason.get(reason, 0) + 1
            if len(tally.first) < FIRST_REASONS_KEPT:
                tally.first.append({"reason": reason, "at": now_ms, **detail})
            return tally.count == 1, due

    def due(self, now_ms: int, *, everything: bool = False) -> list[Summary]:
        """Summaries of ended intervals (all of them, the current one too, when
        ``everything``: at shut-down)."""
        with self._lock:
            due = self._roll(now_ms)
            due.extend(self._pending)
            self._pending.clear()
            if everything:
                due.extend(self._summaries())
                self._tallies = {}
            return due

    def sources(self) -> int:
        """How many sources the current interval holds (bounded by ``max_sources``)."""
        with self._lock:
            return len(self._tallies)

    # --- inside the lock ---------------------------------------------------------

    def _roll(self, now_ms: int) -> list[Summary]:
        window = now_ms // self.window_ms
        if window == self._window:
            return []
        ended = self._summaries()
        self._window = window
        self._tallies = {}
        return ended

    def _summaries(self) -> list[Summary]:
        start = self._window * self.window_ms
        return [Summary(source, start, self.window_ms, t.count, dict(t.by_reason),
                        list(t.first))
                for source, t in sorted(self._tallies.items()) if t.count > 1]
