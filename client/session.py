"""An unlocked terminal: one user, one open encrypted store.

Every method is blocking (the store is a synchronous driver); the Textual app
calls them from thread workers. Values returned are frozen views
(:mod:`client.views`) that hold no database session. See docs/client-api.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from protocol.records import RecordKind, Role

from .clock import Clock
from .errors import InputError, NotFound, TerminalError
from .records import notes, residents, review, staff, stays, tasks
from .records.changes import require_records_manager
from .store.database import RECORDS, Store, audit, loads
from .store.keyslots import SlotFile, check_password
from .store.outbox import Actor
from .sync.transport import Transport
from .views import (
    BedRow,
    ConflictRow,
    Movement,
    OpRow,
    Page,
    ResidentRow,
    ResidentView,
    StaffRow,
    StaffView,
    SyncProgress,
    SyncReport,
    SyncStatus,
    TaskRow,
    UserInfo,
)


class SessionLocked(TerminalError):
    default_message = "The terminal is locked; sign in again."


class Session:
    """Created by :func:`client.terminal.enroll` or :func:`client.terminal.unlock`."""

    def __init__(self, *, home: Path, store: Store, store_key: bytes, user: UserInfo,
                 terminal: dict[str, Any], clock: Clock, transport: Transport | None,
                 sleep: Callable[[float], None]) -> None:
        self.home = home
        self.user = user
        self.terminal_id: str = terminal["terminal_id"]
        self.facility_id: str = terminal["facility_id"]
        self.facility_name: str = terminal["facility_name"]
        self.server_url: str = terminal.get("server_url", "")
        self._store: Store | None = store
        self._key: bytes | None = store_key
        self._clock = clock
        self._transport = transport
        self._sleep = sleep
        self._sync_lock = threading.Lock()

    # --- plumbing --------------------------------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            raise SessionLocked
        return self._store

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def _actor(self) -> Actor:
        return Actor(store=self.store, clock=self._clock, facility_id=self.facility_id,
                     terminal_id=self.terminal_id, user=self.user)

    def lock(self) -> None:
        """Drop the key and close the store; the object is unusable afterwards."""
        if self._store is not None:
            try:
                with self._store.write() as conn:
                    audit(conn, self._clock.ms(), "lock", self.user.id)
            finally:
                self._store.close()
        self._store = None
        self._key = None

    @property
    def locked(self) -> bool:
        return self._store is None

    # --- census and beds --------------------------------------------------------------

    def census(self, query: str = "", *, statuses: set[str] | None = None, offset: int = 0,
               limit: int = 50) -> Page[ResidentRow]:
        with self.store.read() as conn:
            return residents.census(conn, query, statuses=statuses, offset=offset, limit=limit)

    def beds(self) -> list[BedRow]:
        with self.store.read() as conn:
            return stays.beds(conn)

    def movements(self, days: int = 30) -> list[Movement]:
        with self.store.read() as conn:
            return stays.movements(conn, self._clock.today().isoformat(), days)

    def resident(self, resident_id: str) -> ResidentView:
        with self.store.read() as conn:
            return residents.resident_view(conn, resident_id)

    # --- staff -------------------------------------------------------------------------

    def staff_list(self, query: str = "", offset: int = 0, limit: int = 50) -> Page[StaffRow]:
        with self.store.read() as conn:
            return staff.staff_list(conn, self._clock.today(), query, offset, limit)

    def staff(self, staff_id: str) -> StaffView:
        with self.store.read() as conn:
            return staff.staff_view(conn, staff_id, self._clock.today())

    # --- sync state -----------------------------------------------------------------

    def sync_status(self) -> SyncStatus:
        with self.store.read() as conn:
            return review.sync_status(conn)

    def operations(self, statuses: set[str] | None = None, limit: int = 200) -> list[OpRow]:
        with self.store.read() as conn:
            return review.operations(conn, statuses, limit)

    def open_conflicts(self) -> list[ConflictRow]:
        with self.store.read() as conn:
            return review.open_conflicts(conn)

    # --- writes -----------------------------------------------------------------------

    def register_resident(self, fields: dict[str, Any]) -> str:
        return residents.register_resident(self._actor, fields)

    def update_resident(self, resident_id: str, changes: dict[str, Any]) -> int:
        return residents.update_resident(self._actor, resident_id, changes)

    def admit(self, resident_id: str, *, admitted_at: str, bed_id: str | None = None,
              admission_type: str = "new", payer: str | None = None) -> str:
        return stays.admit(self._actor, resident_id, admitted_at=admitted_at, bed_id=bed_id,
                           admission_type=admission_type, payer=payer)

    def discharge(self, stay_id: str, *, discharged_at: str, disposition: str | None = None,
                  destination: str | None = None) -> int:
        return stays.discharge(self._actor, stay_id, discharged_at=discharged_at,
                               disposition=disposition, destination=destination)

    def transfer(self, stay_id: str, *, to_facility_id: str, at: str) -> int:
        return stays.transfer(self._actor, stay_id, to_facility_id=to_facility_id, at=at)

    def assign_bed(self, stay_id: str, bed_id: str) -> int:
        return stays.assign_bed(self._actor, stay_id, bed_id)

    def leave(self, stay_id: str, *, leave_type: str, at: str, bed_hold: bool = True) -> int:
        return stays.leave(self._actor, stay_id, leave_type=leave_type, at=at, bed_hold=bed_hold)

    def return_from_leave(self, stay_id: str, *, at: str) -> int:
        return stays.return_from_leave(self._actor, stay_id, at=at)

    def add_diagnosis(self, resident_id: str, fields: dict[str, Any]) -> str:
        return residents.add_diagnosis(self._actor, resident_id, fields)

    def update_diagnosis(self, diagnosis_id: str, changes: dict[str, Any]) -> int:
        return residents.update_diagnosis(self._actor, diagnosis_id, changes)

    def add_note(self, resident_id: str, fields: dict[str, Any]) -> str:
        return notes.add_note(self._actor, resident_id, fields)

    def amend_note(self, note_id: str, body: str, *, clinical_time: str | None = None) -> str:
        return notes.amend_note(self._actor, note_id, body, clinical_time=clinical_time)

    def note_entered_in_error(self, note_id: str, reason: str) -> str:
        return notes.note_entered_in_error(self._actor, note_id, reason)

    def void_resident(self, resident_id: str, reason: str) -> int:
        return residents.void_resident(self._actor, resident_id, reason)

    def merge_residents(self, survivor_id: str, duplicate_id: str) -> int:
        return residents.merge_residents(self._actor, survivor_id, duplicate_id)

    def add_staff(self, fields: dict[str, Any]) -> str:
        return staff.add_staff(self._actor, fields)

    def tasks(self, *, task_type: str | None = "possible_duplicate",
              status: str | None = "open") -> list[TaskRow]:
        """Open possible-duplicate tasks by default; ``None`` means any."""
        with self.store.read() as conn:
            return tasks.tasks(conn, task_type=task_type, status=status)

    def update_task(self, task_id: str, status: str) -> int:
        """``dismissed`` (not one person) or ``done``; records managers only."""
        return tasks.update_task(self._actor, task_id, status)

    def set_bed_out_of_service(self, bed_id: str, out_of_service: bool) -> int:
        """Records managers only; an occupied or held bed is refused."""
        return tasks.set_bed_out_of_service(self._actor, bed_id, out_of_service)

    def update_staff(self, staff_id: str, changes: dict[str, Any]) -> int:
        return staff.update_staff(self._actor, staff_id, changes)

    def add_license(self, staff_id: str, fields: dict[str, Any]) -> str:
        return staff.add_license(self._actor, staff_id, fields)

    def update_license(self, license_id: str, changes: dict[str, Any]) -> int:
        return staff.update_license(self._actor, license_id, changes)

    def add_hours(self, staff_id: str, fields: dict[str, Any]) -> str:
        return staff.add_hours(self._actor, staff_id, fields)

    def correct_hours(self, hours_id: str, fields: dict[str, Any]) -> str:
        return staff.correct_hours(self._actor, hours_id, fields)

    def resolve_conflict(self, kind: str, record_id: str, field: str, value: Any) -> int:
        return review.resolve_conflict(self._actor, kind, record_id, field, value)

    # --- sync ---------------------------------------------------------------------------

    def sync(self, on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push, then pull. Never raises for network trouble: the error is in the
        report and in :meth:`sync_status`. One sync at a time per session."""
        from .sync.engine import SyncEngine
        from .sync.transport import HttpTransport

        transport = self._transport or HttpTransport(self.server_url)
        with self._sync_lock:
            engine = SyncEngine(self.store, transport, clock=self._clock,
                                terminal_id=self.terminal_id, facility_id=self.facility_id,
                                sleep=self._sleep)
            return engine.sync(on_progress)

    # --- users at this terminal ---------------------------------------------------------

    def add_user(self, username: str, password: str) -> None:
        """Give a server-known user of this facility a key slot here (records
        managers only). For a user who already has one, this resets it (the way
        out of a disabled slot)."""
        require_records_manager(self._actor, "add users to this terminal")
        with self.store.read() as conn:
            row = conn.execute(sa.select(RECORDS.c.id, RECORDS.c.data).where(
                RECORDS.c.kind == RecordKind.USER,
                sa.func.lower(RECORDS.c.label) == username.strip().casefold())).first()
        data = loads(row.data) if row is not None and row.data else None
        if data is None or data.get("active") is False:
            raise NotFound("There is no active user of this facility with that user name; "
                           "sync first if the user was added recently.")
        role = str(data.get("role") or Role.CLERK)
        if role not in (Role.CLERK, Role.RECORDS_MANAGER):
            raise InputError("username", "That user's role does not work at terminals.")
        check_password(password, username=username, facility_name=self.facility_name)
        slots = SlotFile.load(self.home / "slots.json")
        slots.add(str(data.get("id") or row.id), str(data.get("username") or username), role,
                  password, self._require_key())
        slots.save()
        with self.store.write() as conn:
            audit(conn, self._clock.ms(), "user_added", self.user.id, user=row.id)

    def change_password(self, old: str, new: str) -> None:
        """Rewrap this user's key slot; the store itself is untouched."""
        slots = SlotFile.load(self.home / "slots.json")
        slot, _ = slots.unlock(self.user.username, old, now_ms=self._clock.ms(),
                               sleep=self._sleep)
        check_password(new, username=self.user.username, facility_name=self.facility_name)
        slots.rewrap(slot, new, self._require_key())
        slots.save()
        with self.store.write() as conn:
            audit(conn, self._clock.ms(), "password_changed", self.user.id)

    def _require_key(self) -> bytes:
        if self._key is None:
            raise SessionLocked
        return self._key
