"""Administrative actions, framework-free: the CLI, the demo and the tests call these.

Each action is one transaction, writes the snapshot terminals need (facility,
unit, bed and user records go out through the facility's change log like any
other record) and appends to the facility's audit chain.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from protocol.ids import new_id
from protocol.merkle import Checkpoint
from protocol.ops import OpResult
from protocol.records import US_STATES, RecordKind, Role
from server.core import held_review
from server.core.audit_log import AuditLog
from server.core.enrollment import code_hash
from server.core.passwords import check_password, hash_password
from server.errors import AdminError, NotFound
from server.settings import Settings
from server.storage import audit_verify, checkpoints
from server.storage.audit_verify import AuditBreak
from server.storage.batch import Batch, Rec
from server.storage.db import read_tx, write_tx
from server.storage.keys import load_server_key
from server.storage.models import T
from server.storage.setup import initialise

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def init(engine: Engine, settings: Settings) -> bytes:
    """Create or upgrade the schema and make the server key; return its public half."""
    return initialise(engine, settings.clock())


def _facility(conn: Any, facility_id: str) -> Any:
    row = conn.execute(sa.select(T.facilities).where(T.facilities.c.id == facility_id)).first()
    if row is None:
        raise NotFound(f"no facility {facility_id}")
    return row


def _publish(batch: Batch, rec: Rec, *, new: bool) -> None:
    if new:
        batch.add(rec)
    else:
        rec.dirty = True
    batch.emit(rec)


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
        batch = Batch(conn, [facility_id], now)
        _publish(batch, Rec(id=facility_id, kind=str(RecordKind.FACILITY),
                            facility_id=facility_id,
                            data={"name": name.strip(), "state_code": state,
                                  "mrn_prefix": mrn_prefix.strip()}), new=True)
        batch.chain(facility_id).append(at=now, action="admin:create_facility",
                                        outcome="applied", target=facility_id,
                                        facility_id=facility_id, detail={"name": name})
        batch.write()
    return facility_id


def create_unit(engine: Engine, settings: Settings, *, facility_id: str, name: str) -> str:
    now = settings.clock()
    unit_id = new_id(now)
    with write_tx(engine) as conn:
        _facility(conn, facility_id)
        batch = Batch(conn, [facility_id], now)
        try:
            with conn.begin_nested():
                conn.execute(sa.insert(T.units).values(id=unit_id, facility_id=facility_id,
                                                       name=name.strip()))
        except IntegrityError:
            raise AdminError(f"the facility already has a unit named {name!r}") from None
        _publish(batch, Rec(id=unit_id, kind=str(RecordKind.UNIT), facility_id=facility_id,
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
        _publish(batch, Rec(id=bed_id, kind=str(RecordKind.BED), facility_id=unit.facility_id,
                            data={"label": label.strip(), "unit_id": unit_id,
                                  "unit_name": unit.name, "out_of_service": False,
                                  "_resident_id": None, "_held": False}), new=True)
        batch.chain(unit.facility_id).append(at=now, action="admin:create_bed",
                                             outcome="applied", target=bed_id,
                                             facility_id=unit.facility_id)
        batch.write()
    return bed_id


def _user_rec(user_id: str, facility_id: str, username: str, role: str, *, active: bool,
              display_name: str) -> Rec:
    return Rec(id=user_id, kind=str(RecordKind.USER), facility_id=facility_id,
               data={"username": username, "role": role, "active": active,
                     "display_name": display_name})


def create_user(engine: Engine, settings: Settings, *, facility_id: str | None, username: str,
                role: str, password: str | None = None, display_name: str = "") -> str:
    if role not in Role.__members__.values():
        raise AdminError(f"role must be one of {', '.join(r.value for r in Role)}")
    if facility_id is None and role in (Role.CLERK, Role.RECORDS_MANAGER):
        raise AdminError("clerks and records managers belong to a facility")
    username = username.strip()
    if not username or len(username) > 100:
        raise AdminError("a user name has 1-100 characters")
    now = settings.clock()
    user_id = new_id(now)
    with write_tx(engine) as conn:
        facility = _facility(conn, facility_id) if facility_id else None
        batch = Batch(conn, [facility_id], now) if facility_id else None
        password_hash = None
        if password is not None:
            context = [username, facility.name if facility else "", display_name]
            password_hash = hash_password(check_password(password, context))
        try:
            with conn.begin_nested():
                conn.execute(sa.insert(T.users).values(
                    id=user_id, facility_id=facility_id, username=username, role=role,
                    active=True, password_hash=password_hash,
                    display_name=display_name or username, created_at=now))
        except IntegrityError:
            raise AdminError(f"the user name {username!r} is taken") from None
        if facility_id and batch is not None:
            _publish(batch, _user_rec(user_id, facility_id, username, role, active=True,
                                      display_name=display_name or username), new=True)
            batch.chain(facility_id).append(at=now, action="admin:create_user",
                                            outcome="applied", target=user_id,
                                            facility_id=facility_id, detail={"role": role})
            batch.write()
    return user_id


def deactivate_user(engine: Engine, settings: Settings, *, username: str) -> str:
    now = settings.clock()
    with write_tx(engine) as conn:
        user = conn.execute(sa.select(T.users).where(T.users.c.username == username)).first()
        if user is None:
            raise NotFound(f"no user {username!r}")
        batch = Batch(conn, [user.facility_id], now) if user.facility_id else None
        conn.execute(sa.update(T.users).where(T.users.c.id == user.id).values(active=False))
        if user.facility_id and batch is not None:
            rec = batch.get(user.id, str(RecordKind.USER))
            if rec is None:
                _publish(batch, _user_rec(user.id, user.facility_id, username, user.role,
                                          active=False, display_name=user.display_name), new=True)
            else:
                rec.data["active"] = False
                _publish(batch, rec, new=False)
            batch.chain(user.facility_id).append(at=now, action="admin:deactivate_user",
                                                 outcome="applied", target=user.id,
                                                 facility_id=user.facility_id)
            batch.write()
    user_id: str = user.id
    return user_id


def issue_code(engine: Engine, settings: Settings, *, facility_id: str,
               ttl_hours: float | None = None) -> str:
    """A one-time enrollment code, bound to one facility; only its hash is kept."""
    now = settings.clock()
    ttl = settings.enrollment_code_ttl_ms if ttl_hours is None else int(ttl_hours * 3600_000)
    if ttl <= 0:
        raise AdminError("the code's lifetime must be positive")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    with write_tx(engine) as conn:
        _facility(conn, facility_id)
        batch = Batch(conn, [facility_id], now)
        conn.execute(sa.insert(T.codes).values(code_hash=code_hash(code), facility_id=facility_id,
                                               created_at=now, expires_at=now + ttl))
        batch.chain(facility_id).append(at=now, action="admin:issue_code", outcome="applied",
                                        facility_id=facility_id, purpose="security",
                                        detail={"expires_at": now + ttl})
        batch.write()
    return code


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


def verify_audit(engine: Engine, *, held: list[Checkpoint] | None = None
                 ) -> AuditBreak | None:
    """Chains, trees and history (:mod:`server.storage.audit_verify`); ``held``:
    checkpoints kept outside the database, e.g. from a bundle."""
    with read_tx(engine) as conn:
        public = load_server_key(conn).public_key().public_bytes_raw()
        return audit_verify.verify_audit(conn, public, held or [])


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
