"""What the app needs from the terminal's engine, in one place.

The engine (``client.terminal``, ``client.session``) is blocking; the app calls
it only from thread workers. Its module-level entry points are reached through
:class:`TerminalAPI` so a test or the demo can hand the app another
implementation (the same contract, never a mock), and everything else in
``client/ui`` imports engine names from here rather than from the engine's
modules, so a change in the engine is absorbed once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from client.clock import Clock, SystemClock
from client.errors import (
    InputError,
    InvalidCredentials,
    OfflineExpired,
    SessionLocked,
    StoreUnreadable,
    TerminalError,
)
from client.records.permissions import permitted
from client.session import Action, Session, TerminalAction
from client.store.keyslots import check_password
from client.sync.transport import Transport
from client.views import (
    BedRow,
    ConflictRow,
    ConflictValue,
    Departure,
    DiagnosisView,
    FacilityInfo,
    HoursView,
    LicenseView,
    Movement,
    NoteView,
    OpRow,
    Page,
    ResidentRow,
    ResidentView,
    SlotInfo,
    StaffRow,
    StaffView,
    StayView,
    SyncProgress,
    SyncReport,
    SyncStatus,
    TaskRow,
    UserInfo,
)

__all__ = [
    "Action",
    "BedRow",
    "Clock",
    "ConflictRow",
    "ConflictValue",
    "Departure",
    "DiagnosisView",
    "FacilityInfo",
    "HoursView",
    "InputError",
    "InvalidCredentials",
    "LicenseView",
    "Movement",
    "NoteView",
    "OfflineExpired",
    "OpRow",
    "Page",
    "ResidentRow",
    "ResidentView",
    "Session",
    "SessionLocked",
    "SlotInfo",
    "StaffRow",
    "StaffView",
    "StayView",
    "StoreUnreadable",
    "SyncProgress",
    "SyncReport",
    "SyncStatus",
    "SystemClock",
    "TaskRow",
    "TerminalAPI",
    "TerminalAction",
    "TerminalError",
    "Transport",
    "UserInfo",
    "check_password",
    "clerk_message",
    "default_terminal",
    "permitted",
]


class TerminalAPI(Protocol):
    """The entry points of ``client.terminal`` the app calls."""

    def is_enrolled(self, home: Path) -> bool: ...

    def list_users(self, home: Path) -> list[SlotInfo]: ...

    def enroll(self, home: Path, server_url: str, code: str, terminal_name: str,
               username: str, password: str, *, transport: Transport | None = None,
               clock: Clock | None = None) -> Session: ...

    def unlock(self, home: Path, username: str, password: str, *,
               transport: Transport | None = None, clock: Clock | None = None,
               on_progress: Callable[[str], None] | None = None) -> Session: ...

    def set_aside(self, home: Path, now_ms: int) -> Path: ...

    def emergency_unlock(self, home: Path, username: str, password: str, reason: str, *,
                         transport: Transport | None = None, clock: Clock | None = None,
                         on_progress: Callable[[str], None] | None = None) -> Session: ...


def default_terminal() -> TerminalAPI:
    """The real engine: ``client.terminal`` (a module satisfies the protocol)."""
    from client import terminal

    return terminal


def clerk_message(error: BaseException) -> str:
    """The sentence to show a clerk for an engine error."""
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    return str(error) or type(error).__name__
