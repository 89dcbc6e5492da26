"""An unlocked terminal: one user, one open encrypted store, one object per area.

Created by :func:`client.terminal.enroll` or :func:`client.terminal.unlock`::

    session.residents   the census, a resident's page; register, change, mark
                        entered in error, merge, diagnoses
    session.stays       admit, discharge, transfer, assign a bed, leave, return;
                        admissions and discharges of the last days
    session.beds        the bed board; a bed out of service and back
    session.notes       add a note, amend one, mark one entered in error
    session.staff       the roster, a staff member; staff, licenses, hours
    session.tasks       possible duplicates to review, and closing one
    session.conflicts   open field conflicts, and keeping one value
    session.outbox      this terminal's changes and where each stands; the
                        sync state line
    session.users       add a user to this terminal; change one's passphrase
    session.assessments a resident's MDS assessments; record one, fill in its dates
    session.compliance  licensure compliance offline: status, due lists, reports,
                        the PBJ file, and explicit (audited) exports
    session.casework    the records department: requests for records, releases,
                        disclosures and accountings, amendments, completeness
                        reviews, legal holds and destruction; the due list
    session.extracts    research extracts (Safe Harbor, limited data set) as CSV
    session.hiring      applicants, stages, hire, onboarding before a first shift
    session.bulletins   regulation bulletins from the region, acknowledged here
    session.spending    budget lines, expenditure requests and decisions, the journal
                        of approved spending, budget against actual by month
    session.sync()      push, then pull
    session.permits()   whether the signed-in user may do something here
    session.emergency   break-the-glass access (read-only, one resident, time-boxed),
                        or None; ``open_emergency_resident`` chooses the resident

Every call is blocking (the store is a synchronous driver); the Textual app
makes them from thread workers. Values returned are frozen views
(:mod:`client.views`) that hold no database session. See docs/client-api.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from protocol.records import RecordKind
from protocol.rules.emergency_access import READ_ONLY_TEXT

from .clock import Clock
from .emergency import EmergencyAccess, EmergencyResidents, ReadOnlyStore
from .errors import NotPermitted, SessionLocked, StoreUnreadable
from .records.assessments import Assessments
from .records.beds import Beds
from .records.bulletins import Bulletins
from .records.casework import Casework
from .records.compliance import Compliance
from .records.conflicts import Conflicts
from .records.departures import Departures
from .records.directory import Directory
from .records.extracts import Extracts
from .records.hiring import Hiring
from .records.notes import Notes
from .records.outbox_review import OutboxReview
from .records.permissions import Action, TerminalAction, permitted
from .records.residents import Residents
from .records.spending import Spending
from .records.staff import Staff
from .records.stays import Stays
from .records.tasks import Tasks
from .records.users import TerminalUsers
from .store.database import DB_ERRORS, RECORDS, Store, audit, loads
from .store.keyslots import SLOTS_FILE, SlotFile
from .store.outbox import Actor
from .sync import events
from .sync.engine import SyncEngine
from .sync.restore import ANSWERED_RETENTION_DAYS
from .sync.transport import HttpTransport, Transport
from .views import ResidentView, SyncProgress, SyncReport, UserInfo

__all__ = [
    "Action",
    "Assessments",
    "Beds",
    "Casework",
    "Compliance",
    "Conflicts",
    "Extracts",
    "Notes",
    "OutboxReview",
    "Residents",
    "Session",
    "SessionLocked",
    "Staff",
    "Stays",
    "Tasks",
    "TerminalAction",
    "TerminalUsers",
]


class Session:
    """The signed-in user's terminal; unusable once :meth:`lock` has run."""

    def __init__(self, *, home: Path, store: Store, store_key: bytes, user: UserInfo,
                 terminal: dict[str, Any], clock: Clock, transport: Transport | None,
                 sleep: Callable[[float], None],
                 emergency: EmergencyAccess | None = None) -> None:
        self.home = home
        self.emergency = emergency
        """Break-the-glass access (:mod:`client.emergency`): read-only, one
        resident, until its time box ends; None for a normal sign-in."""
        self.user = user
        self.terminal_id: str = terminal["terminal_id"]
        self.facility_id: str = terminal["facility_id"]
        retention = terminal.get("answered_retention_days")
        self.retention_days = (int(retention) if isinstance(retention, int) and retention > 0
                               else ANSWERED_RETENTION_DAYS)
        """How long answered operations stay in the outbox (``terminal.json``
        ``answered_retention_days``): a server restored from a backup is sent
        again what it lost within that window."""
        self.facility_name: str = terminal["facility_name"]
        self.server_url: str = terminal.get("server_url", "")
        self._store: Store | None = store
        self._key: bytes | None = store_key
        self._clock = clock
        self._transport = transport
        self._sleep = sleep
        self._sync_lock = threading.Lock()
        self.residents = (Residents(self._actor) if emergency is None
                          else EmergencyResidents(self._actor, emergency))
        self.stays = Stays(self._actor)
        self.beds = Beds(self._actor)
        self.notes = Notes(self._actor)
        self.staff = Staff(self._actor)
        self.tasks = Tasks(self._actor)
        self.conflicts = Conflicts(self._actor)
        self.directory = Directory(self._actor)
        self.departures = Departures(self._actor)
        self.outbox = OutboxReview(self._actor)
        self.assessments = Assessments(self._actor)
        self.compliance = Compliance(self._actor, self.facility_name)
        self.casework = Casework(self._actor)
        self.extracts = Extracts(self._actor)
        self.spending = Spending(self._actor)
        self.bulletins = Bulletins(self._actor)
        self.hiring = Hiring(self._actor)
        self.users = TerminalUsers(self._actor, slots_path=home / "slots.json",
                                   facility_name=self.facility_name,
                                   store_key=self._require_key, sleep=sleep)

    @property
    def store(self) -> Store:
        if self._store is None:
            raise SessionLocked
        return self._store

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def locked(self) -> bool:
        return self._store is None

    def lock(self) -> None:
        """Drop the key and close the store; the object is unusable afterwards."""
        if self._store is not None:
            try:
                with self._store.write() as conn:
                    audit(conn, self._clock.ms(), "lock", self.user.id)
            except (StoreUnreadable, *DB_ERRORS):
                pass  # a damaged store cannot take the entry; locking must still happen
            finally:
                self._store.close()
        self._store = None
        self._key = None

    def take_over(self, unlocked: Session) -> None:
        """Become usable again with the store of ``unlocked``, a new session of the
        same user on this terminal (unlocking after a lock).

        What the screens kept from before the lock (a form's save, bound to this
        session's ``residents.register``) then works again; ``unlocked`` is not
        to be used afterwards.
        """
        if unlocked.user.id != self.user.id or unlocked.home != self.home \
                or unlocked.emergency is not None or self.emergency is not None:
            raise ValueError("only a normal unlock by the same user resumes a session")
        if self._store is not None:
            raise ValueError("the session is not locked")
        self._store, self._key = unlocked._store, unlocked._key
        self.user = unlocked.user
        unlocked._store, unlocked._key = None, None

    def permits(self, action: Action, kind: RecordKind | None = None, *,
                command: str | None = None) -> bool:
        """Whether the signed-in user may do ``action`` (to a ``kind`` record, or
        the records ``command``) here; the screens ask before opening a form, the
        writes check again. Nothing under emergency access (read-only)."""
        return self.emergency is None and permitted(self.user.role, action, kind,
                                                    command=command)

    def open_emergency_resident(self, resident_id: str) -> ResidentView:
        """Emergency access: choose its one resident (once), recorded at once in this
        terminal's audit (sent to the server at the next sync, high priority)."""
        access, residents = self.emergency, self.residents
        if access is None or not isinstance(residents, EmergencyResidents):
            raise NotPermitted("This is not an emergency access.")
        if access.resident_id is not None:
            return residents.get(resident_id)  # that one again, or refused
        view = residents.get_chosen(resident_id)
        with self.store.write() as conn:
            audit(conn, self._clock.ms(), "emergency_access", self.user.id,
                  resident=resident_id, reason=access.reason, ends=access.ends_ms)
            events.note_emergency(conn)
        access.resident_id = resident_id
        return view

    def sync(self, on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push, then pull. Never raises for network trouble: the error is in the
        report and in ``outbox.status()``. One sync at a time per session.
        Not under emergency access (it reads one resident, nothing else)."""
        if self.emergency is not None:
            raise NotPermitted(READ_ONLY_TEXT)
        transport = self._transport or HttpTransport(self.server_url)
        with self._sync_lock:
            engine = SyncEngine(self.store, transport, clock=self._clock,
                                terminal_id=self.terminal_id, facility_id=self.facility_id,
                                sleep=self._sleep, retention_days=self.retention_days)
            report = engine.sync(on_progress)
            self._drop_deactivated_slots()
            return report

    def contact_server(self, *, timeout: float) -> bool:
        """Reach the server once without syncing (a new offline window); whether it
        answered. A clerk is waiting at the sign-in: each request is given
        ``timeout`` seconds in all (finding the server by name, connecting, the
        whole answer: a server that trickles its answer is cut too), the first
        timeout ends it, and a link that fails at once is tried twice."""
        transport = self._transport or HttpTransport(self.server_url)
        if isinstance(transport, HttpTransport):
            transport = transport.within(timeout)
        with self._sync_lock:
            return SyncEngine(self.store, transport, clock=self._clock,
                              terminal_id=self.terminal_id, facility_id=self.facility_id,
                              sleep=self._sleep, max_attempts=2, timeout=timeout,
                              max_timeouts=1).contact()

    def _drop_deactivated_slots(self) -> None:
        """A user the server deactivated (their pulled record says so) loses their key
        slot here, so they cannot sign in at this terminal even offline."""
        with self.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS.c.id, RECORDS.c.data)
                                .where(RECORDS.c.kind == str(RecordKind.USER))).all()
        inactive = [r.id for r in rows if isinstance(user := loads(r.data), dict)
                    and user.get("active") is False]
        if not inactive:
            return
        slots = SlotFile.load(self.home / SLOTS_FILE)
        removed = [user_id for user_id in inactive if slots.remove(user_id)]
        if removed:
            with self.store.write() as conn:
                for user_id in removed:
                    audit(conn, self._clock.ms(), "slot_removed", user_id,
                          reason="user_inactive")

    def _actor(self) -> Actor:
        store = self.store
        if self.emergency is not None:
            if self.emergency.over(self._clock.ms()):
                self.lock()  # the time box ended: the key goes
                raise SessionLocked
            store = ReadOnlyStore(store)
        return Actor(store=store, clock=self._clock, facility_id=self.facility_id,
                     terminal_id=self.terminal_id, user=self.user)

    def _require_key(self) -> bytes:
        if self._key is None:
            raise SessionLocked
        return self._key
