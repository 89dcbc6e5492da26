"""What an inspector's use of the portal leaves in the audit: every view, with
the access's stated purpose, in the viewed facility's chain; and every refused
use — the link opened again or out of its time, a session past the access's
end or revocation, a facility the access does not name, an attempt to write —
in the chain of each facility the access names (security.md, case 12); a key
that is no access's, in the ``_system`` chain with its source. Write
attempts are audited in bounded form (the first per access, route and minute,
then one aggregated count): :func:`record_refused_write`.
Issuing, redeeming and revoking an access are :mod:`.inspections`.
"""

from __future__ import annotations

import sys
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.core.authentication import audit_rejection
from server.core.floods import OTHER_SOURCES, FloodGate, Summary
from server.settings import Settings
from server.storage.audit import record_event
from server.storage.batch import Batch
from server.storage.db import write_tx
from server.storage.portal_models import P

from . import throttle
from .principals import Principal

WRITE_WINDOW_MS = 60_000
"""Refused inspector writes are audited once, then counted, per access, method and
route in each such interval."""
MAX_WRITE_KEYS = 10_000
"""Tallies kept per interval and process (beyond, one shared tally): bounded memory."""


def access_facilities(conn: Connection, access_id: str) -> tuple[str, ...]:
    """The facilities an access names, in order."""
    return tuple(conn.execute(sa.select(P.access_facilities.c.facility_id).where(
        P.access_facilities.c.access_id == access_id).order_by(
        P.access_facilities.c.facility_id)).scalars())


def record_refused_use(engine: Engine, settings: Settings, access_id: str, reason: str,
                        page: str) -> None:
    """Audit a use of an access that is refused (its link used again, the access
    expired, revoked, locked or not valid yet) in the chain of each facility it
    names (security.md, case 12)."""
    now = settings.clock()
    with write_tx(engine) as conn:
        facility_ids = access_facilities(conn, access_id)
        if not facility_ids:
            return
        batch = Batch(conn, facility_ids, now)
        for facility_id in facility_ids:
            batch.chain(facility_id).append(**refused_use(now, access_id, facility_id,
                                                           reason, page))
        batch.write()


def record_unknown_key(engine: Engine, settings: Settings, source: str, page: str) -> None:
    """Audit an access key that is no access's (mistyped, made up, guessed) in the
    ``_system`` chain, with the source, and count it against the source as a failed
    sign-in is counted (:mod:`.throttle`): a source that keeps guessing is held back
    (and that is audited too), as one guessing passwords is. A key names no
    facility, so there is no facility chain to put it in."""
    now = settings.clock()
    with write_tx(engine) as conn:
        blocked = throttle.fail(conn, [throttle.source_key(source)], now)
        record_event(conn, None, at=now, action="inspect:refused", outcome="refused",
                     actor=None, purpose="security",
                     detail={"reason": "unknown", "page": page[:200], "source": source[:150]})
        for key in blocked:
            record_event(conn, None, at=now, action="portal:throttle", outcome="blocked",
                         actor=None, purpose="security",
                         detail={"key": key, "until": now + throttle.BLOCK_MS})


def refused_use(now: int, access_id: str, facility_id: str, reason: str,
                 page: str) -> dict[str, Any]:
    return {"at": now, "action": "inspect:refused", "outcome": "refused",
            "actor": f"inspector:{access_id}", "target": access_id,
            "facility_id": facility_id, "purpose": "security",
            "detail": {"reason": reason, "page": page[:200]}}


def record_view(engine: Engine, settings: Settings, inspector: Principal, facility_id: str,
                page: str) -> None:
    """Audit one view, with the access's stated purpose, in the facility's chain."""
    now = settings.clock()
    with write_tx(engine) as conn:
        batch = Batch(conn, [facility_id], now)
        batch.chain(facility_id).append(
            at=now, action="inspect:view", outcome="applied", actor=inspector.actor,
            target=facility_id, facility_id=facility_id, purpose="inspection",
            detail={"page": page[:200], "inspector": inspector.name, "agency": inspector.agency,
                    "stated_purpose": inspector.purpose})
        batch.write()


def refused_writes() -> FloodGate:
    """The tally of one server process's refused inspector writes
    (:func:`record_refused_write`)."""
    return FloodGate(WRITE_WINDOW_MS, limit=sys.maxsize, max_sources=MAX_WRITE_KEYS)


def record_refused_write(engine: Engine, settings: Settings, gate: FloodGate,
                         inspector: Principal, method: str, page: str, route: str,
                         detail: dict[str, str] | None = None) -> None:
    """Audit an inspector's attempt to change something (any request but a read
    on a page that is not theirs: publishing a bulletin, deciding a request …),
    refused, in the chain of every facility the access names. An inspector's
    access is read-only; the attempt is answered as a page that does not exist.

    Bounded: per access, method and route (the route's pattern, so varying the
    ids in the path changes nothing) and :data:`WRITE_WINDOW_MS`, the first
    attempt is audited at once with its detail and the rest are counted; when
    the minute ends one ``aggregated`` entry says how many there were (the first
    included), with the first few pages. A script hammering a write route adds
    two entries a minute, not one per request. ``detail``: more to say in the
    first entry (``refused_by``: ``csrf`` when the form's token was missing or
    wrong, so the route itself was never reached)."""
    now = settings.clock()
    first, due = gate.refused(f"{inspector.id} {method[:10]} {route[:200]}", "write_refused",
                              now, {"page": page[:200]})
    _write_summaries(engine, settings, due)
    facility_ids = sorted(inspector.facilities or ())
    if not first or not facility_ids:
        return
    with write_tx(engine) as conn:
        batch = Batch(conn, facility_ids, now)
        for facility_id in facility_ids:
            batch.chain(facility_id).append(
                at=now, action="inspect:write_refused", outcome="refused",
                actor=inspector.actor, target=facility_id, facility_id=facility_id,
                purpose="inspection",
                detail={**(detail or {}), "method": method[:10], "page": page[:200],
                        "inspector": inspector.name, "agency": inspector.agency,
                        "stated_purpose": inspector.purpose})
        batch.write()


def flush_refused_writes(engine: Engine, settings: Settings, gate: FloodGate, *,
                         everything: bool = False) -> int:
    """Write the aggregated entries of ended minutes (every one when
    ``everything``: at shut-down); how many tallies were written."""
    due = gate.due(settings.clock(), everything=everything)
    _write_summaries(engine, settings, due)
    return len(due)


def _write_summaries(engine: Engine, settings: Settings, due: list[Summary]) -> None:
    for summary in due:
        if summary.source == OTHER_SOURCES:  # past MAX_WRITE_KEYS: no access to name
            audit_rejection(engine, settings, None, "inspect:write_refused", "aggregated",
                            detail=summary.detail())
            continue
        access_id, method, route = summary.source.split(" ", 2)
        detail = {**summary.detail(), "method": method, "route": route}
        detail.pop("peer", None)
        with write_tx(engine) as conn:
            facility_ids = access_facilities(conn, access_id)
            if not facility_ids:
                continue
            batch = Batch(conn, facility_ids, settings.clock())
            for facility_id in facility_ids:
                batch.chain(facility_id).append(
                    at=settings.clock(), action="inspect:write_refused",
                    outcome="aggregated", actor=f"inspector:{access_id}",
                    target=facility_id, facility_id=facility_id, purpose="inspection",
                    detail=detail)
            batch.write()


def record_other_facility(engine: Engine, settings: Settings, inspector: Principal,
                          page: str) -> None:
    """Audit an inspector's request for a facility the access does not name (or
    that does not exist: the answer is the same), refused, in the chain of every
    facility the access names; the id asked for is in the page."""
    now = settings.clock()
    facility_ids = sorted(inspector.facilities or ())
    if not facility_ids:
        return
    with write_tx(engine) as conn:
        batch = Batch(conn, facility_ids, now)
        for facility_id in facility_ids:
            batch.chain(facility_id).append(
                at=now, action="inspect:refused", outcome="refused", actor=inspector.actor,
                target=facility_id, facility_id=facility_id, purpose="inspection",
                detail={"reason": "other_facility", "page": page[:200],
                        "inspector": inspector.name, "agency": inspector.agency})
        batch.write()
