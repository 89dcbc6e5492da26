"""The server's tables, as SQLModel table models on a metadata of their own.

Reference data (facilities, units, beds, users) and the constraint-bearing
``stays`` table are relational. Every record a terminal sees also has a current
snapshot in ``records`` and one row per change in ``changes`` (the per-facility
log pull pages read). ``ops`` remembers the result of every pushed operation
per terminal, so a resend gets its original answer. ``audit`` is an append-only
hash chain per facility (``_system`` for events tied to none).

These models do not validate (``table=True``); input is validated at the edge
by :mod:`protocol`. Bulk paths use ``Model.__table__`` with Core statements.
The schema itself is created by the Alembic tree in ``server/storage/migrations``; a
test checks that tree against these models.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

REJECTED = sa.text("status = 'rejected'")
"""The condition of the partial index on ``ops.target_id`` (and of the query
that uses it: a bound parameter would not let SQLite pick a partial index)."""

HAS_MATCH_KEY = sa.text("match_key IS NOT NULL")
HAS_MRN = sa.text("mrn IS NOT NULL")
IS_HOURS = sa.text("kind = 'hours'")
"""The conditions of ``records``' partial indexes (migration 0010): a note enters
none of them. A query through the work-day index names the kind as this literal
(PostgreSQL's generic plan of a prepared statement cannot use a partial index
for a bound value); one through the other two compares the column, which shows
it is not NULL."""

LOOKED_UP_ACTOR = sa.text("(actor LIKE 'inspector:%' OR actor LIKE 'emergency:%' "
                          "OR actor LIKE 'portal:%')")
"""The condition of the partial index on ``audit.actor`` (migration 0010): a push
writes an entry per operation, by a clerk; only the entries of an inspector, of a
user under emergency access and of a portal account are looked up by actor. A
query through the index names this condition as it is written here (neither
planner proves it from ``actor = …``)."""

STAY_IS_CURRENT = sa.text("status IN ('active', 'on_leave')")
STAY_HOLDS_BED = sa.text("status IN ('active', 'on_leave') AND bed_id IS NOT NULL")
"""The conditions of the partial unique indexes on ``stays``. A query that
looks up current stays names them as these literals: SQLite uses a partial
index only when the query's own condition shows it applies."""

SYSTEM_CHAIN = "_system"
"""Audit chain (and head row) for events tied to no facility."""


ID = sa.String(64)


class ServerTable(SQLModel, registry=registry(metadata=metadata)):
    """Base of the server's tables: kept apart from any other SQLModel metadata."""


class Facility(ServerTable, table=True):
    __tablename__ = "facilities"
    id: str = Field(primary_key=True, sa_type=ID)
    name: str = Field(sa_type=sa.String(200))
    state_code: str = Field(sa_type=sa.String(2))
    mrn_prefix: str = Field(sa_type=sa.String(12))
    mrn_next: int = Field(default=1, sa_type=sa.BigInteger)
    created_at: int = Field(sa_type=sa.BigInteger)


class Unit(ServerTable, table=True):
    __tablename__ = "units"
    __table_args__ = (sa.UniqueConstraint("facility_id", "name"),)
    id: str = Field(primary_key=True, sa_type=ID)
    facility_id: str = Field(foreign_key="facilities.id", index=True, sa_type=ID)
    name: str = Field(sa_type=sa.String(100))


class Bed(ServerTable, table=True):
    __tablename__ = "beds"
    __table_args__ = (sa.UniqueConstraint("unit_id", "label"),)
    id: str = Field(primary_key=True, sa_type=ID)
    facility_id: str = Field(foreign_key="facilities.id", index=True, sa_type=ID)
    unit_id: str = Field(foreign_key="units.id", sa_type=ID)
    label: str = Field(sa_type=sa.String(40))


class User(ServerTable, table=True):
    __tablename__ = "users"
    id: str = Field(primary_key=True, sa_type=ID)
    facility_id: str | None = Field(default=None, foreign_key="facilities.id", index=True,
                                    sa_type=ID)
    """None for regional staff, who belong to no single facility."""
    username: str = Field(unique=True, sa_type=sa.String(100))
    role: str = Field(sa_type=sa.String(32))
    active: bool = Field(default=True)
    password_hash: str | None = Field(default=None, sa_type=sa.String(300))
    display_name: str = Field(default="", sa_type=sa.String(200))
    created_at: int = Field(sa_type=sa.BigInteger)


class Terminal(ServerTable, table=True):
    __tablename__ = "terminals"
    id: str = Field(primary_key=True, sa_type=ID)
    facility_id: str = Field(foreign_key="facilities.id", index=True, sa_type=ID)
    name: str = Field(sa_type=sa.String(100))
    public_key: bytes = Field(sa_type=sa.LargeBinary)
    enrolled_by: str = Field(foreign_key="users.id", sa_type=ID)
    enrolled_at: int = Field(sa_type=sa.BigInteger)
    revoked_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_seq: int = Field(default=0, sa_type=sa.BigInteger)
    """The last operation sequence number handled, stored with its effects."""
    last_msg_ctr: int = Field(default=0, sa_type=sa.BigInteger)
    mrn_start: int = Field(default=0, sa_type=sa.BigInteger)
    mrn_next: int = Field(default=0, sa_type=sa.BigInteger)
    """End (exclusive) of the latest record-number pool issued to the terminal."""
    mrn_used: int = Field(default=0, sa_type=sa.BigInteger)
    """The highest record number the terminal reported having used."""
    last_cursor: int = Field(default=0, sa_type=sa.BigInteger)
    """The highest pull cursor the terminal sent (a high-water mark: a terminal
    that comes back below it was restored from an older copy)."""
    epoch: int = Field(default=0)
    """The terminal's numbering epoch: raised each time a restored copy of it
    renumbers the changes it made after the restore."""
    quarantined_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    quarantine_reason: str | None = Field(default=None, sa_type=sa.String(200))
    """Set when two machines were seen using this identity: refused at
    authentication until both re-enroll."""


class EnrollmentCode(ServerTable, table=True):
    __tablename__ = "enrollment_codes"
    code_hash: str = Field(primary_key=True, sa_type=sa.String(64))
    facility_id: str = Field(foreign_key="facilities.id", sa_type=ID)
    created_at: int = Field(sa_type=sa.BigInteger)
    expires_at: int = Field(sa_type=sa.BigInteger)
    used_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    terminal_id: str | None = Field(default=None, sa_type=ID)


class Record(ServerTable, table=True):
    """The current snapshot of every record, whatever its kind."""

    __tablename__ = "records"
    __table_args__ = (
        sa.Index(None, "facility_id", "kind"),
        sa.Index(None, "facility_id", "match_key", sqlite_where=HAS_MATCH_KEY,
                 postgresql_where=HAS_MATCH_KEY),
        # By subject, facility and kind (an hours entry reads its staff member's
        # applicants): migration 0007.
        sa.Index(None, "subject_id", "facility_id", "kind"),
        sa.Index(None, "facility_id", "mrn", sqlite_where=HAS_MRN, postgresql_where=HAS_MRN),
        # A report reads the hours of its period, by the day each began
        # (migration 0009); hours entries only (0010).
        sa.Index(None, "facility_id", "work_day", sqlite_where=IS_HOURS,
                 postgresql_where=IS_HOURS),
    )
    id: str = Field(primary_key=True, sa_type=ID)
    kind: str = Field(sa_type=sa.String(16))
    facility_id: str = Field(sa_type=ID)
    data: dict[str, Any] = Field(sa_type=sa.JSON)
    versions: dict[str, Any] = Field(sa_type=sa.JSON)
    conflicts: dict[str, Any] = Field(sa_type=sa.JSON)
    status: str = Field(sa_type=sa.String(32))
    seq: int = Field(sa_type=sa.BigInteger)
    created_hash: str | None = Field(default=None, sa_type=sa.String(64))
    """SHA-256 of the create payload, so a repeated create is recognised."""
    match_key: str | None = Field(default=None, sa_type=sa.String(250))
    """Residents: folded name and birth date, for the duplicate check."""
    subject_id: str | None = Field(default=None, sa_type=ID)
    """The resident (or staff member) the record is about, so a transfer can
    move a resident's whole chart."""
    mrn: str | None = Field(default=None, sa_type=sa.String(40))
    """Residents: the medical record number, unique within a facility."""
    work_day: str | None = Field(default=None, sa_type=sa.String(10))
    """Hours entries: the day the entry began, ``YYYY-MM-DD``
    (:func:`protocol.reports.facts.hours_begin_day`); None for a correction or a
    void, which a report reads whatever its period, and for other kinds."""


class Stay(ServerTable, table=True):
    """Stays with the invariants as real constraints: at most one current stay
    per resident, at most one current stay per bed (a held bed stays taken).
    """

    __tablename__ = "stays"
    __table_args__ = (
        sa.Index("uq_stays_current_resident", "resident_id", unique=True,
                 sqlite_where=STAY_IS_CURRENT, postgresql_where=STAY_IS_CURRENT),
        sa.Index("uq_stays_current_bed", "bed_id", unique=True,
                 sqlite_where=STAY_HOLDS_BED, postgresql_where=STAY_HOLDS_BED),
        # Every stay of a resident, current or not (a note is filed under its
        # resident's last stay): migration 0008.
        sa.Index(None, "resident_id"),
        sa.CheckConstraint("status IN ('active', 'on_leave', 'discharged', 'transferred')",
                           name="status"),
    )
    id: str = Field(primary_key=True, sa_type=ID)
    facility_id: str = Field(foreign_key="facilities.id", index=True, sa_type=ID)
    resident_id: str = Field(sa_type=ID)
    bed_id: str | None = Field(default=None, foreign_key="beds.id", sa_type=ID)
    status: str = Field(sa_type=sa.String(16))


class Transfer(ServerTable, table=True):
    """Residents who left a facility: later administrative changes from there
    are out of scope; clinical facts still follow the resident.
    """

    __tablename__ = "transfers"
    __table_args__ = (sa.Index(None, "resident_id", "from_facility_id"),)
    id: int | None = Field(default=None, primary_key=True)
    resident_id: str = Field(sa_type=ID)
    from_facility_id: str = Field(sa_type=ID)
    to_facility_id: str = Field(sa_type=ID)
    stay_id: str = Field(sa_type=ID)
    at: int = Field(sa_type=sa.BigInteger)


class Change(ServerTable, table=True):
    """The per-facility change log: ``seq`` is assigned under the facility's
    head lock, so it is commit-ordered and a pull never skips a row.
    """

    __tablename__ = "changes"
    facility_id: str = Field(primary_key=True, sa_type=ID)
    seq: int = Field(primary_key=True, sa_type=sa.BigInteger)
    kind: str = Field(sa_type=sa.String(16))
    record_id: str = Field(sa_type=ID)
    snapshot: bytes = Field(sa_type=sa.LargeBinary)
    """msgpack of the snapshot's wire form, without ``seq``."""


class OpRecord(ServerTable, table=True):
    __tablename__ = "ops"
    # Read only to find a rejected create (a ``dependency`` rejection): only
    # those rows are indexed (migration 0007).
    # ``op_id``: the clone review looks a handled operation up by its id
    # (migration 0008).
    __table_args__ = (sa.Index(None, "target_id", sqlite_where=REJECTED,
                               postgresql_where=REJECTED),
                      sa.Index(None, "op_id"))
    terminal_id: str = Field(primary_key=True, sa_type=ID)
    seq: int = Field(primary_key=True, sa_type=sa.BigInteger)
    op_id: str = Field(sa_type=ID)
    payload_hash: str = Field(sa_type=sa.String(64))
    status: str = Field(sa_type=sa.String(16))
    reason: str | None = Field(default=None, sa_type=sa.String(32))
    detail: str | None = Field(default=None, sa_type=sa.Text)
    server_seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    flags: str = Field(default="", sa_type=sa.String(200))
    """Comma-separated result flags (``clock_skew``, ``relinked``…)."""
    held_op: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    """For held operations only: the operation, to apply after review."""
    handled_at: int = Field(sa_type=sa.BigInteger)
    target_id: str | None = Field(default=None, sa_type=ID)
    """The record the operation made (or tried to): a ``create``'s, an admission's
    stay, a records command's new case (``server.core.results.created_id``). An
    operation that refers to a record whose creation was rejected is rejected
    ``dependency``."""
    depends_on: str | None = Field(default=None, sa_type=ID)
    """For a ``dependency`` rejection: the rejected operation it depended on."""


class FacilityHead(ServerTable, table=True):
    """One row per facility (and ``_system``): the lock that serializes its
    commits, its change sequence and the head of its audit chain.
    """

    __tablename__ = "facility_heads"
    facility_id: str = Field(primary_key=True, sa_type=ID)
    change_seq: int = Field(default=0, sa_type=sa.BigInteger)
    audit_seq: int = Field(default=0, sa_type=sa.BigInteger)
    audit_head: str = Field(default="", sa_type=sa.String(64))
    changed_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    """When the facility's records last changed (ms; moved with ``change_seq``):
    the reports' "data as of". A read (an export, an inspector's view) adds to
    the audit chain but leaves this as it was."""


class AuditEntry(ServerTable, table=True):
    __tablename__ = "audit"
    # Who looked at what: an inspector's views are found by actor, and only
    # an inspector's entries are indexed (migration 0010).
    __table_args__ = (sa.Index(None, "actor", sqlite_where=LOOKED_UP_ACTOR,
                               postgresql_where=LOOKED_UP_ACTOR),)
    chain: str = Field(primary_key=True, sa_type=ID)
    seq: int = Field(primary_key=True, sa_type=sa.BigInteger)
    at: int = Field(sa_type=sa.BigInteger)
    actor: str | None = Field(default=None, sa_type=sa.String(100))
    terminal_id: str | None = Field(default=None, sa_type=sa.String(64))
    facility_id: str | None = Field(default=None, sa_type=sa.String(64))
    action: str = Field(sa_type=sa.String(64))
    target: str | None = Field(default=None, sa_type=sa.String(64))
    outcome: str = Field(sa_type=sa.String(64))
    purpose: str = Field(sa_type=sa.String(32))
    detail: dict[str, Any] = Field(sa_type=sa.JSON)
    prev_hash: str = Field(sa_type=sa.String(64))
    hash: str = Field(sa_type=sa.String(64))


class ServerKey(ServerTable, table=True):
    """The server's Ed25519 signing keys, oldest first: the public halves (the
    private one of the newest is sealed in the key file, server/storage/keys.py;
    ``private_key`` is empty once moved there) and, after the first, the
    previous key's signature announcing each (``announcement``).
    """

    __tablename__ = "server_keys"
    id: int = Field(primary_key=True)
    private_key: bytes = Field(sa_type=sa.LargeBinary)
    public_key: bytes = Field(sa_type=sa.LargeBinary)
    created_at: int = Field(sa_type=sa.BigInteger)
    announcement: bytes | None = Field(default=None, sa_type=sa.LargeBinary, nullable=True)


class Tables:
    """Core ``Table`` objects for bulk statements."""

    facilities: ClassVar[sa.Table] = Facility.__table__  # type: ignore[attr-defined]
    units: ClassVar[sa.Table] = Unit.__table__  # type: ignore[attr-defined]
    beds: ClassVar[sa.Table] = Bed.__table__  # type: ignore[attr-defined]
    users: ClassVar[sa.Table] = User.__table__  # type: ignore[attr-defined]
    terminals: ClassVar[sa.Table] = Terminal.__table__  # type: ignore[attr-defined]
    codes: ClassVar[sa.Table] = EnrollmentCode.__table__  # type: ignore[attr-defined]
    records: ClassVar[sa.Table] = Record.__table__  # type: ignore[attr-defined]
    stays: ClassVar[sa.Table] = Stay.__table__  # type: ignore[attr-defined]
    transfers: ClassVar[sa.Table] = Transfer.__table__  # type: ignore[attr-defined]
    changes: ClassVar[sa.Table] = Change.__table__  # type: ignore[attr-defined]
    ops: ClassVar[sa.Table] = OpRecord.__table__  # type: ignore[attr-defined]
    heads: ClassVar[sa.Table] = FacilityHead.__table__  # type: ignore[attr-defined]
    audit: ClassVar[sa.Table] = AuditEntry.__table__  # type: ignore[attr-defined]
    server_keys: ClassVar[sa.Table] = ServerKey.__table__  # type: ignore[attr-defined]


T = Tables


# The tables of the audit's Merkle trees and of the portal live in modules of
# their own; importing them here puts them on ``metadata`` for Alembic and tests.
from . import (  # noqa: E402, F401  registration, after metadata
    continuity_models,
    dashboard_models,
    merkle_models,
    portal_models,
)
