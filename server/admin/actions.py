"""Administrative actions, framework-free: the CLI, the demo and the tests call these.

Each action is one transaction, writes the snapshot terminals need (facility,
unit, bed and user records go out through the facility's change log like any
other record) and appends to the facility's audit chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from protocol.ids import new_id
from protocol.merkle import Checkpoint
from protocol.ops import OpResult
from protocol.records import RecordKind
from protocol.records.codes import US_STATES
from server.core import clone_review, continuity, held_review
from server.core.audit_log import AuditLog
from server.core.clone_review import CloneReview, Decision
from server.core.directory import (
    create_user,
    issue_code,
    publish_directory,
    set_offline_window,
    set_user_active,
    update_facility,
)
from server.core.facility_names import (
    all_facility_ids,
    facility_row,
    publish,
    share_facilities,
)
from server.errors import AdminError, NotFound
from server.settings import Settings
from server.storage import audit, audit_verify, checkpoints, roles
from server.storage.audit_verify import AuditBreak
from server.storage.batch import Batch, Rec
from server.storage.db import read_tx, write_tx
from server.storage.keys import key_chain, rotate_server_key
from server.storage.models import T
from server.storage.setup import initialise

__all__ = [  # the directory's actions are the core's (server.core.directory), shared
    "TerminalRow",
    "create_bed",
    "create_facility",
    "create_unit",
    "create_user",
    "deactivate_user",
    "decide_copy",
    "declare_restore",
    "grant_app_role",
    "init",
    "issue_code",
    "list_terminals",
    "publish_checkpoints",
    "publish_directory",
    "review_copies",
    "review_held",
    "revoke_terminal",
    "rotate_key",
    "set_offline_window",
    "update_facility",
    "verify_audit",
]


def init(engine: Engine, settings: Settings) -> bytes:
    """Create or upgrade the schema and make the server key; return its public half."""
    return initialise(engine, settings)


def declare_restore(engine: Engine, settings: Settings, *, note: str = "") -> str:
    """Mark the database as restored from a backup: a new log generation
    (:mod:`server.core.continuity`); returns its id."""
    with write_tx(engine) as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(T.heads)).scalar_one() == 0:
            raise AdminError("the database is not initialised; run chartkeep-server init")
    return continuity.start(engine, settings, "restore", {"note": note[:500]})


def create_facility(engine: Engine, settings: Settings, *, name: str, state: str,
                    mrn_prefix: str) -> str:
    state = state.strip().upper()
    if state not in US_STATES:
        raise AdminError(f"{state!r} is not a US state or territory code")
    if not name.strip() or not mrn_prefix.strip() or len(mrn_prefix) > 12:
        raise AdminError("a facility needs a name and an MRN prefix of 1-12 characters")
    now = settings.clock()
    facility_id = new_id(now)
    with write_tx(engine) as conn:
        conn.execute(sa.insert(T.facilities).values(
            id=facility_id, name=name.strip(), state_code=state, mrn_prefix=mrn_prefix.strip(),
            mrn_next=1, created_at=now))
        conn.execute(sa.insert(T.heads).values(facility_id=facility_id, change_seq=0,
                                               audit_seq=0, audit_head=""))
        # Every head: the other facilities' terminals learn this one's name, and it theirs.
        batch = Batch(conn, all_facility_ids(conn), now)
        publish(batch, Rec(id=facility_id, kind=str(RecordKind.FACILITY),
                            facility_id=facility_id,
                            data={"name": name.strip(), "state_code": state,
                                  "mrn_prefix": mrn_prefix.strip()}), new=True)
        batch.chain(facility_id).append(at=now, action="admin:create_facility",
                                        outcome="applied", target=facility_id,
                                        facility_id=facility_id, detail={"name": name})
        share_facilities(batch, conn, [facility_id], new=True)
        batch.write()
    return facility_id


def create_unit(engine: Engine, settings: Settings, *, facility_id: str, name: str) -> str:
    now = settings.clock()
    unit_id = new_id(now)
    with write_tx(engine) as conn:
        facility_row(conn, facility_id)
        batch = Batch(conn, [facility_id], now)
        try:
            with conn.begin_nested():
                conn.execute(sa.insert(T.units).values(id=unit_id, facility_id=facility_id,
                                                       name=name.strip()))
        except IntegrityError:
            raise AdminError(f"the facility already has a unit named {name!r}") from None
        publish(batch, Rec(id=unit_id, kind=str(RecordKind.UNIT), facility_id=facility_id,
                            data={"name": name.strip(), "facility_id": facility_id}), new=True)
        batch.chain(facility_id).append(at=now, action="admin:create_unit", outcome="applied",
                                        target=unit_id, facility_id=facility_id)
        batch.write()
    return unit_id


def create_bed(engine: Engine, settings: Settings, *, unit_id: str, label: str) -> str:
    now = settings.clock()
    bed_id = new_id(now)
    with write_tx(engine) as conn:
        unit = conn.execute(sa.select(T.units).where(T.units.c.id == unit_id)).first()
        if unit is None:
            raise NotFound(f"no unit {unit_id}")
        batch = Batch(conn, [unit.facility_id], now)
        try:
            with conn.begin_nested():
                conn.execute(sa.insert(T.beds).values(id=bed_id, facility_id=unit.facility_id,
                                                      unit_id=unit_id, label=label.strip()))
        except IntegrityError:
            raise AdminError(f"the unit already has a bed labelled {label!r}") from None
        publish(batch, Rec(id=bed_id, kind=str(RecordKind.BED), facility_id=unit.facility_id,
                            data={"label": label.strip(), "unit_id": unit_id,
                                  "unit_name": unit.name, "out_of_service": False,
                                  "_resident_id": None, "_held": False}), new=True)
        batch.chain(unit.facility_id).append(at=now, action="admin:create_bed",
                                             outcome="applied", target=bed_id,
                                             facility_id=unit.facility_id)
        batch.write()
    return bed_id


def deactivate_user(engine: Engine, settings: Settings, *, username: str) -> str:
    """Deactivate a user by name; their pending changes will be held for review."""
    with read_tx(engine) as conn:
        user_id = conn.execute(sa.select(T.users.c.id).where(
            T.users.c.username == username)).scalar()
    if user_id is None:
        raise NotFound(f"no user {username!r}")
    set_user_active(engine, settings, user_id=user_id, active=False)
    return str(user_id)


def revoke_terminal(engine: Engine, settings: Settings, *, terminal_id: str) -> None:
    now = settings.clock()
    with write_tx(engine) as conn:
        term = conn.execute(sa.select(T.terminals).where(T.terminals.c.id == terminal_id)).first()
        if term is None:
            raise NotFound(f"no terminal {terminal_id}")
        batch = Batch(conn, [term.facility_id], now)  # head first, like every writer
        conn.execute(sa.update(T.terminals).where(T.terminals.c.id == terminal_id)
                     .values(revoked_at=term.revoked_at or now))
        batch.chain(term.facility_id).append(at=now, action="admin:revoke_terminal",
                                             outcome="applied", target=terminal_id,
                                             facility_id=term.facility_id, purpose="security")
        batch.write()


@dataclass(frozen=True)
class TerminalRow:
    id: str
    facility_id: str
    name: str
    enrolled_at: int
    revoked_at: int | None
    last_seq: int


def list_terminals(engine: Engine, *, facility_id: str | None = None) -> list[TerminalRow]:
    with read_tx(engine) as conn:
        stmt = sa.select(T.terminals).order_by(T.terminals.c.enrolled_at)
        if facility_id:
            stmt = stmt.where(T.terminals.c.facility_id == facility_id)
        return [TerminalRow(r.id, r.facility_id, r.name, r.enrolled_at, r.revoked_at, r.last_seq)
                for r in conn.execute(stmt)]


def review_held(engine: Engine, settings: Settings, *, terminal_id: str, seq: int,
                decision: str, reviewer: str | None = None) -> OpResult:
    if decision not in ("apply", "reject"):
        raise AdminError("the decision is apply or reject")
    return held_review.review_held(engine, settings, terminal_id, seq,
                                   apply=decision == "apply", reviewer=reviewer)


def review_copies(engine: Engine, *, terminal_id: str) -> CloneReview:
    """What the two copies of a quarantined (cloned) terminal sent, side by side."""
    with read_tx(engine) as conn:
        facility_id = conn.execute(sa.select(T.terminals.c.facility_id).where(
            T.terminals.c.id == terminal_id)).scalar()
        if facility_id is None:
            raise NotFound(f"no terminal {terminal_id}")
        return clone_review.review(conn, facility_id, terminal_id)


def decide_copy(engine: Engine, settings: Settings, *, terminal_id: str, kept_id: int,
                decision: str, reviewer: str | None = None) -> Decision:
    """Accept (apply) or discard one operation a copy of a cloned terminal sent."""
    if decision not in ("accept", "discard"):
        raise AdminError("the decision is accept or discard")
    return clone_review.decide(engine, settings, terminal_id, kept_id,
                               accept=decision == "accept", reviewer=reviewer)


def verify_audit(engine: Engine, *, held: list[Checkpoint] | None = None
                 ) -> AuditBreak | None:
    """Chains, trees and history (:mod:`server.storage.audit_verify`); ``held``:
    checkpoints kept outside the database, e.g. from a bundle."""
    with read_tx(engine) as conn:
        public = [link.key for link in key_chain(conn)]
        return audit_verify.verify_audit(conn, public, held or [])


def rotate_key(engine: Engine, settings: Settings) -> bytes:
    """A new server key, announced signed by the current one; its public half.
    Restart every server process with the new key file (server/storage/keys.py)."""
    with write_tx(engine) as conn:
        public = rotate_server_key(conn, settings, settings.clock())
        audit.record_event(conn, None, at=settings.clock(), action="admin:rotate_key",
                           outcome="applied", purpose="security",
                           detail={"key": public.hex()})
    return public


def grant_app_role(engine: Engine, role: str) -> None:
    """PostgreSQL: let ``role`` run the server without UPDATE or DELETE on the
    audit tables (:mod:`server.storage.roles`). Run as the database owner."""
    with engine.begin() as conn:
        roles.grant_app_role(conn, role)


def publish_checkpoints(engine: Engine, settings: Settings) -> list[Checkpoint]:
    """Publish a checkpoint of every audit chain that grew, and return the
    latest checkpoint of every chain (what an auditor keeps outside)."""
    log = AuditLog(engine, settings)
    log.publish_due()
    with read_tx(engine) as conn:
        chains = conn.execute(sa.select(T.heads.c.facility_id).order_by(
            T.heads.c.facility_id)).scalars().all()
        found = [checkpoints.latest(conn, chain) for chain in chains]
    return [p.checkpoint for p in found if p is not None]
