"""What one round of sync counted, as the report it becomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from protocol.ops import OpResult

from ..views import SyncProgress, SyncReport

Progress = Callable[[SyncProgress], None]
"""Told how far a phase has come (the app's progress bar)."""


@dataclass
class Counts:
    pushed: int = 0
    applied: int = 0
    conflicts: int = 0
    rejected: int = 0
    held: int = 0
    pulled: int = 0
    notices: list[str] = field(default_factory=list)
    """Sentences for the clerk about what this round found (a restored server)."""

    def count(self, result: OpResult) -> None:
        status = str(result.status)
        if status == "applied":
            self.applied += 1
        elif status == "conflict":
            self.conflicts += 1
        elif status == "rejected":
            self.rejected += 1
        elif status == "held":
            self.held += 1

    def report(self, error: str | None) -> SyncReport:
        return SyncReport(pushed=self.pushed, applied=self.applied, conflicts=self.conflicts,
                          rejected=self.rejected, held=self.held, pulled=self.pulled,
                          error=error, notices=tuple(self.notices))
