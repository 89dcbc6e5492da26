"""What an inspector's use of the portal leaves in the audit: every view, with
the access's stated purpose, in the viewed facility's chain; and every refused
use — the link opened again or out of its time, a session past the access's
end or revocation, a facility the access does not name, an attempt to write —
in the chain of each facility the access names (security.md, case 12).
Issuing, redeeming and revoking an access are :mod:`.inspections`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import write_tx
from server.storage.portal_models import P

from .principals import Principal


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


def record_refused_write(engine: Engine, settings: Settings, inspector: Principal,
                         method: str, page: str) -> None:
    """Audit an inspector's attempt to change something (any request but a read
    on a page that is not theirs: publishing a bulletin, deciding a request …),
    refused, in the chain of every facility the access names. An inspector's
    access is read-only; the attempt is answered as a page that does not exist."""
    now = settings.clock()
    facility_ids = sorted(inspector.facilities or ())
    if not facility_ids:
        return
    with write_tx(engine) as conn:
        batch = Batch(conn, facility_ids, now)
        for facility_id in facility_ids:
            batch.chain(facility_id).append(
                at=now, action="inspect:write_refused", outcome="refused",
                actor=inspector.actor, target=facility_id, facility_id=facility_id,
                purpose="inspection",
                detail={"method": method[:10], "page": page[:200], "inspector": inspector.name,
                        "agency": inspector.agency, "stated_purpose": inspector.purpose})
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
