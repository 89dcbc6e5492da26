"""The facility directory: users of a facility, enrollment codes and the
facility's own settings. The command line (:mod:`server.admin`) and the portal
(:mod:`server.portal`) both change them through here.

Each change is one transaction that locks the facility's head row first, sends
the record terminals need through the facility's change log (user and
facility records go out like any other record; a facility's name and state
also go to every other facility's terminals, for the transfer pick list, and
its terminals' names in its own record) and appends to the facility's audit
chain, naming who did it (``actor``: ``None`` for the operator's command
line, ``portal:<username>`` for an account in the portal).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from protocol.ids import new_id
from protocol.records import RecordKind, Role
from protocol.records.codes import US_STATES
from protocol.rules import offline_access
from server.errors import AdminError, NotFound
from server.settings import Settings
from server.storage.batch import Batch, Rec
from server.storage.db import write_tx
from server.storage.models import T

from .enrollment import code_hash
from .facility_names import (
    all_facility_ids,
    facility_row,
    name_terminals,
    publish,
    share_facilities,
)
from .passwords import check_password, hash_password

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
FACILITY_ROLES = (Role.CLERK, Role.RECORDS_MANAGER)


def _user_rec(user_id: str, facility_id: str, username: str, role: str, *, active: bool,
              display_name: str) -> Rec:
    return Rec(id=user_id, kind=str(RecordKind.USER), facility_id=facility_id,
               data={"username": username, "role": role, "active": active,
                     "display_name": display_name})


def create_user(engine: Engine, settings: Settings, *, facility_id: str | None, username: str,
                role: str, password: str | None = None, display_name: str = "",
                actor: str | None = None) -> str:
    if role not in Role.__members__.values():
        raise AdminError(f"role must be one of {', '.join(r.value for r in Role)}")
    if facility_id is None and role in FACILITY_ROLES:
        raise AdminError("clerks and records managers belong to a facility")
    username = username.strip()
    display_name = display_name.strip()
    if not username or len(username) > 100:
        raise AdminError("a user name has 1-100 characters")
    if len(display_name) > 200:
        raise AdminError("a display name has at most 200 characters")
    now = settings.clock()
    user_id = new_id(now)
    with write_tx(engine) as conn:
        facility = facility_row(conn, facility_id) if facility_id else None
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
            publish(batch, _user_rec(user_id, facility_id, username, role, active=True,
                                     display_name=display_name or username), new=True)
            batch.chain(facility_id).append(at=now, action="admin:create_user",
                                            outcome="applied", target=user_id, actor=actor,
                                            facility_id=facility_id, detail={"role": role})
            batch.write()
    return user_id


def set_user_active(engine: Engine, settings: Settings, *, user_id: str, active: bool,
                    facility_id: str | None = None, actor: str | None = None) -> None:
    """Deactivate a user (their later changes are held for review) or make them
    active again. ``facility_id``: the user must belong to it (else not found)."""
    now = settings.clock()
    with write_tx(engine) as conn:
        user = conn.execute(sa.select(T.users).where(T.users.c.id == user_id)).first()
        if user is None or (facility_id is not None and user.facility_id != facility_id):
            raise NotFound(f"no user {user_id}")
        batch = Batch(conn, [user.facility_id], now) if user.facility_id else None
        conn.execute(sa.update(T.users).where(T.users.c.id == user.id).values(active=active))
        if user.facility_id and batch is not None:
            rec = batch.get(user.id, str(RecordKind.USER))
            if rec is None:
                publish(batch, _user_rec(user.id, user.facility_id, user.username, user.role,
                                         active=active, display_name=user.display_name),
                        new=True)
            else:
                rec.data["active"] = active
                publish(batch, rec, new=False)
            action = "admin:reactivate_user" if active else "admin:deactivate_user"
            batch.chain(user.facility_id).append(at=now, action=action, outcome="applied",
                                                 target=user.id, actor=actor,
                                                 facility_id=user.facility_id)
            batch.write()


def issue_code(engine: Engine, settings: Settings, *, facility_id: str,
               ttl_hours: float | None = None, actor: str | None = None) -> str:
    """A one-time enrollment code, bound to one facility; only its hash is kept."""
    now = settings.clock()
    ttl = settings.enrollment_code_ttl_ms if ttl_hours is None else int(ttl_hours * 3600_000)
    if ttl <= 0:
        raise AdminError("the code's lifetime must be positive")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    with write_tx(engine) as conn:
        facility_row(conn, facility_id)
        batch = Batch(conn, [facility_id], now)
        conn.execute(sa.insert(T.codes).values(code_hash=code_hash(code), facility_id=facility_id,
                                               created_at=now, expires_at=now + ttl))
        batch.chain(facility_id).append(at=now, action="admin:issue_code", outcome="applied",
                                        facility_id=facility_id, purpose="security",
                                        actor=actor, detail={"expires_at": now + ttl})
        batch.write()
    return code


def update_facility(engine: Engine, settings: Settings, *, facility_id: str, name: str,
                    state: str, actor: str | None = None) -> None:
    """Change a facility's name or state. The record-number prefix stays: the
    numbers already issued carry it."""
    name, state = name.strip(), state.strip().upper()
    if not name or len(name) > 200:
        raise AdminError("a facility name has 1-200 characters")
    if state not in US_STATES:
        raise AdminError(f"{state!r} is not a US state or territory code")
    now = settings.clock()
    with write_tx(engine) as conn:
        facility_row(conn, facility_id)
        # Every head: the new name goes to the other facilities' terminals too.
        batch = Batch(conn, all_facility_ids(conn), now)
        old = facility_row(conn, facility_id)
        if (old.name, old.state_code) == (name, state):
            return
        conn.execute(sa.update(T.facilities).where(T.facilities.c.id == facility_id)
                     .values(name=name, state_code=state))
        rec = batch.get(facility_id, str(RecordKind.FACILITY))
        data = {"name": name, "state_code": state, "mrn_prefix": old.mrn_prefix}
        if rec is None:
            publish(batch, Rec(id=facility_id, kind=str(RecordKind.FACILITY),
                               facility_id=facility_id, data=data), new=True)
        else:
            rec.data.update(data)
            publish(batch, rec, new=False)
        changed = {k: v for k, v in (("name", name), ("state_code", state))
                   if getattr(old, k) != v}
        batch.chain(facility_id).append(at=now, action="admin:update_facility",
                                        outcome="applied", target=facility_id, actor=actor,
                                        facility_id=facility_id, detail=changed)
        share_facilities(batch, conn, [facility_id])
        batch.write()


def publish_directory(engine: Engine, settings: Settings) -> int:
    """Send every facility's terminals the names they show instead of ids (the
    other facilities, their own terminals): once after upgrading a server whose
    facilities were created before these names went out. Returns the facilities."""
    now = settings.clock()
    with write_tx(engine) as conn:
        ids = all_facility_ids(conn)
        if not ids:
            return 0
        batch = Batch(conn, ids, now)
        share_facilities(batch, conn)
        for facility_id in ids:
            name_terminals(batch, conn, facility_id)
        batch.write()
    return len(ids)


def set_offline_window(engine: Engine, settings: Settings, *, facility_id: str, days: int,
                       actor: str | None = None) -> None:
    """How long the facility's terminals may sign users in without reaching the
    server (:mod:`protocol.rules.offline_access`); synced with the facility record."""
    if not 1 <= days <= offline_access.MAX_WINDOW_DAYS:
        raise AdminError(f"the offline window is 1-{offline_access.MAX_WINDOW_DAYS} days")
    now = settings.clock()
    with write_tx(engine) as conn:
        facility_row(conn, facility_id)
        batch = Batch(conn, [facility_id], now)
        old = facility_row(conn, facility_id)
        rec = batch.get(facility_id, str(RecordKind.FACILITY))
        if rec is None:
            rec = Rec(id=facility_id, kind=str(RecordKind.FACILITY), facility_id=facility_id,
                      data={"name": old.name, "state_code": old.state_code,
                            "mrn_prefix": old.mrn_prefix})
            rec.data["offline_window_days"] = days
            publish(batch, rec, new=True)
        else:
            rec.data["offline_window_days"] = days
            publish(batch, rec, new=False)
        batch.chain(facility_id).append(at=now, action="admin:set_offline_window",
                                        outcome="applied", target=facility_id, actor=actor,
                                        facility_id=facility_id, detail={"days": days})
        batch.write()
