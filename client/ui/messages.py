"""Typed messages that thread workers post back to the app."""

from __future__ import annotations

from textual.message import Message

from .engine import FacilityInfo, Session, SyncProgress, SyncReport, SyncStatus


class SessionOpened(Message):
    """A key slot unlocked (or a terminal enrolled): the clerk is in."""

    def __init__(self, session: Session, *, sync_first: bool = False) -> None:
        super().__init__()
        self.session = session
        self.sync_first = sync_first
        """A newly enrolled terminal has not received its facility yet."""


class SyncStatusRead(Message):
    def __init__(self, status: SyncStatus, records_line: str = "", *,
                 facility: FacilityInfo | None = None,
                 facilities: tuple[FacilityInfo, ...] = ()) -> None:
        super().__init__()
        self.status = status
        self.records_line = records_line
        """The records department's clocks in a few words (``session.casework.status_line``)."""
        self.facility = facility
        """This facility, as the server sent it."""
        self.facilities = facilities
        """The other facilities (transfer destinations), by name."""


class SyncProgressed(Message):
    def __init__(self, progress: SyncProgress) -> None:
        super().__init__()
        self.progress = progress


class SyncFinished(Message):
    def __init__(self, report: SyncReport, *, background: bool, run: int = 0) -> None:
        super().__init__()
        self.report = report
        self.background = background
        self.run = run
        """Which sync of this app it was (:meth:`SyncingApp.sync_now` counts them)."""


class DataChanged(Message):
    """Something was written or synced: screens showing data read it again."""
