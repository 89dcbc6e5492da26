"""Emergency ("break the glass") accesses at a facility's terminals, reviewed
afterwards by a regional manager (:mod:`protocol.rules.emergency_access`).

A terminal whose offline window had run out let a user open one resident's
record, read-only, for a time box; it reported the access at its next sync and
the server wrote it into the facility's audit chain
(``terminal:emergency_access``, :mod:`server.core.terminal_events`). The review
is an audit entry too (``portal:emergency_access_reviewed``, the reviewer as
actor, the access's ``seq`` and the note in the detail): an access is "to
review" while no review entry names it. No table of its own: both live in the
tamper-evident chain, and the chain is the record a surveyor is shown.

Both are found through the audit's index on the actor (accesses: ``emergency:<user>``
for the facility's users; reviews: ``portal:<account>``), never by reading a
facility's whole chain: the dashboard asks on every load. The chain is checked in
Python: given an equality on it, SQLite's planner prefers the primary key (chain,
seq) and reads the whole chain (measured: 0.2 s per dashboard at 500,000 entries).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.core.terminal_events import EMERGENCY_ACTION, EMERGENCY_ACTOR, emergency_actors
from server.errors import NotFound
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import read_tx, write_tx
from server.storage.models import LOOKED_UP_ACTOR, T
from server.storage.portal_models import P

from .errors import InputInvalid
from .principals import Principal
from .scope import facility as facility_in_scope

REVIEWED_ACTION = "portal:emergency_access_reviewed"
NOTE_MAX = 1000


@dataclass(frozen=True)
class EmergencyAccess:
    seq: int
    """The access's entry in the facility's audit chain."""
    at_terminal: int
    """When it began, on the terminal's clock."""
    received_at: int
    terminal_name: str
    username: str
    mrn: str
    """The resident's record number ("" if the record is not at the server yet)."""
    reason: str
    reviewed_by: str | None = None
    reviewed_at: int | None = None
    note: str | None = None


def _reviewer_actors(conn: Connection) -> list[str]:
    return [f"portal:{name}" for name in conn.execute(
        sa.select(P.accounts.c.username)).scalars()]


def _reviews(conn: Connection, facility_ids: Iterable[str]
             ) -> dict[tuple[str, int], dict[str, Any]]:
    """The review entries of ``facility_ids``' chains, by (chain, access seq)."""
    audit = T.audit
    chains = set(facility_ids)
    rows = conn.execute(sa.select(audit.c.chain, audit.c.at, audit.c.actor, audit.c.detail)
                        .where(audit.c.actor.in_(_reviewer_actors(conn)), LOOKED_UP_ACTOR,
                               audit.c.action == REVIEWED_ACTION)).all()
    return {(r.chain, int(r.detail["access"])): {"by": r.actor, "at": r.at,
                                                  "note": r.detail.get("note")}
            for r in rows if r.chain in chains and isinstance(r.detail, dict)
            and isinstance(r.detail.get("access"), int)}


def to_review_counts(conn: Connection, facility_ids: list[str]) -> dict[str, int]:
    """Per facility: emergency accesses no review entry names yet."""
    reviewed = _reviews(conn, facility_ids)
    counts: dict[str, int] = {}
    for chain, seq in conn.execute(sa.select(T.audit.c.chain, T.audit.c.seq).where(
            T.audit.c.actor.in_(emergency_actors(conn, facility_ids)), LOOKED_UP_ACTOR,
            T.audit.c.action == EMERGENCY_ACTION)):
        if chain in facility_ids and (chain, seq) not in reviewed:
            counts[chain] = counts.get(chain, 0) + 1
    return counts


def accesses(conn: Connection, facility_id: str, limit: int = 200) -> list[EmergencyAccess]:
    """The facility's emergency accesses, latest first, each with its review if any."""
    audit = T.audit
    rows = [r for r in conn.execute(sa.select(
        audit.c.chain, audit.c.seq, audit.c.at, audit.c.actor, audit.c.terminal_id,
        audit.c.target, audit.c.detail).where(
        audit.c.actor.in_(emergency_actors(conn, [facility_id])), LOOKED_UP_ACTOR,
        audit.c.action == EMERGENCY_ACTION)) if r.chain == facility_id]
    rows = sorted(rows, key=lambda r: r.seq, reverse=True)[:limit]
    reviewed = _reviews(conn, [facility_id])
    terminals = dict(conn.execute(sa.select(T.terminals.c.id, T.terminals.c.name).where(
        T.terminals.c.id.in_(sorted({r.terminal_id for r in rows if r.terminal_id})))).all())
    users = dict(conn.execute(sa.select(T.users.c.id, T.users.c.username).where(
        T.users.c.id.in_(sorted({_user(r.actor) for r in rows})))).all())
    mrns = {r.id: str((r.data or {}).get("mrn") or "") for r in conn.execute(
        sa.select(T.records.c.id, T.records.c.data).where(
            T.records.c.id.in_(sorted({r.target for r in rows if r.target}))))}
    found = []
    for r in rows:
        detail = r.detail if isinstance(r.detail, dict) else {}
        review = reviewed.get((facility_id, r.seq), {})
        found.append(EmergencyAccess(
            r.seq, int(detail.get("terminal_at", r.at)), r.at,
            terminals.get(r.terminal_id or "", r.terminal_id or ""),
            users.get(_user(r.actor), "(unknown user)"), mrns.get(r.target or "", ""),
            str(detail.get("reason") or ""), review.get("by"), review.get("at"),
            review.get("note")))
    return found


def _user(actor: str | None) -> str:
    return (actor or "").removeprefix(EMERGENCY_ACTOR)


def review(engine: Engine, settings: Settings, manager: Principal, *, facility_id: str,
           seq: int, note: str) -> None:
    """Mark the access at ``seq`` reviewed, with a note; itself an audit entry."""
    text = " ".join(note.split())
    if not text:
        raise InputInvalid("note", "Write what the review found (a note is required).")
    if len(text) > NOTE_MAX:
        raise InputInvalid("note", f"The note is at most {NOTE_MAX} characters.")
    with read_tx(engine) as conn:
        facility_in_scope(conn, manager, facility_id)
    now = settings.clock()
    with write_tx(engine) as conn:
        batch = Batch(conn, [facility_id], now)  # holds the chain's head: one review at a time
        target = conn.execute(sa.select(T.audit.c.target).where(
            T.audit.c.chain == facility_id, T.audit.c.seq == seq,
            T.audit.c.action == EMERGENCY_ACTION)).first()
        if target is None:
            raise NotFound("There is no such emergency access.")
        if (facility_id, seq) in _reviews(conn, [facility_id]):
            raise InputInvalid("note", "This emergency access has already been reviewed.")
        batch.chain(facility_id).append(
            at=now, action=REVIEWED_ACTION, outcome="reviewed", actor=manager.actor,
            facility_id=facility_id, target=target.target, purpose="security",
            detail={"access": seq, "note": text})
        batch.write()
