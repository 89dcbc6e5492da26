"""Offline sign-in at a facility's terminals, for regional managers: the
offline window (set through :func:`server.core.directory.set_offline_window`,
the very function ``chartkeep-server set-offline-window`` runs, audited under
the account's name) and the sign-ins the terminals refused or saw fail while
offline, as the terminals reported them at their next sync
(:mod:`server.core.terminal_events`)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.rules import offline_access
from server.core import directory
from server.core.terminal_events import ACTIONS
from server.settings import Settings
from server.storage.db import read_tx
from server.storage.models import T

from .principals import Principal
from .scope import facility as facility_in_scope

REASONS = {
    offline_access.EXPIRED: "the offline window had run out",
    offline_access.CLOCK_BEHIND: "the terminal's clock was earlier than a time it had seen",
    "user_inactive": "the user had been deactivated at the server",
    "wrong_password": "wrong password",
}


@dataclass(frozen=True)
class RefusedSignIn:
    at_terminal: int
    """When, on the terminal's clock (which may have been wrong)."""
    received_at: int
    terminal_name: str
    username: str
    kind: str
    """``refused`` or ``failed`` (a wrong password)."""
    reason: str
    why: str


def window_days(conn: Connection, facility_id: str) -> int:
    data = conn.execute(sa.select(T.records.c.data).where(
        T.records.c.id == facility_id)).scalar()
    return offline_access.window_days(data if isinstance(data, dict) else None)


def refused_sign_ins(conn: Connection, facility_id: str, limit: int = 200
                     ) -> list[RefusedSignIn]:
    """The latest refused and failed offline sign-ins the facility's terminals reported."""
    audit = T.audit
    rows = conn.execute(sa.select(audit.c.at, audit.c.actor, audit.c.terminal_id,
                                  audit.c.action, audit.c.outcome, audit.c.detail).where(
        audit.c.chain == facility_id, audit.c.action.in_(ACTIONS))
        .order_by(audit.c.seq.desc()).limit(limit)).all()
    terminals = {r.id: r.name for r in conn.execute(sa.select(T.terminals.c.id,
                                                              T.terminals.c.name).where(
        T.terminals.c.id.in_(sorted({r.terminal_id for r in rows if r.terminal_id}))))}
    users = {r.id: r.username for r in conn.execute(sa.select(T.users.c.id,
                                                              T.users.c.username).where(
        T.users.c.id.in_(sorted({r.actor for r in rows if r.actor}))))}
    return [RefusedSignIn(int((r.detail or {}).get("terminal_at", r.at)), r.at,
                          terminals.get(r.terminal_id or "", r.terminal_id or ""),
                          users.get(r.actor or "", "(unknown user)"),
                          "failed" if r.action.endswith("failed") else "refused", r.outcome,
                          REASONS.get(r.outcome, r.outcome))
            for r in rows]


def set_window(engine: Engine, settings: Settings, manager: Principal, *, facility_id: str,
               days: int) -> None:
    with read_tx(engine) as conn:
        facility_in_scope(conn, manager, facility_id)
    directory.set_offline_window(engine, settings, facility_id=facility_id, days=days,
                                 actor=manager.actor)
