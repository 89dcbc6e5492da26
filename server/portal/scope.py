"""Which facilities a principal may see. Asking for one outside the scope gets
the very answer a facility that does not exist gets (:class:`NotFound`), so a
regional manager or an inspector cannot learn what lies outside their region.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.errors import NotFound
from server.storage.models import T

from .principals import Principal


@dataclass(frozen=True)
class FacilityRef:
    id: str
    name: str
    state_code: str
    mrn_prefix: str


def facilities(conn: Connection, principal: Principal) -> list[FacilityRef]:
    """The facilities in scope, by name."""
    stmt = sa.select(T.facilities.c.id, T.facilities.c.name, T.facilities.c.state_code,
                     T.facilities.c.mrn_prefix).order_by(T.facilities.c.name)
    if principal.facilities is not None:
        stmt = stmt.where(T.facilities.c.id.in_(sorted(principal.facilities)))
    return [FacilityRef(r.id, r.name, r.state_code, r.mrn_prefix) for r in conn.execute(stmt)]


def facility(conn: Connection, principal: Principal, facility_id: str) -> FacilityRef:
    """One facility in scope, or :class:`NotFound` — the same for "outside your
    region" as for "no such facility"."""
    if not principal.sees(facility_id):
        raise NotFound("There is no such facility.")
    row = conn.execute(sa.select(T.facilities).where(T.facilities.c.id == facility_id)).first()
    if row is None:
        raise NotFound("There is no such facility.")
    return FacilityRef(row.id, row.name, row.state_code, row.mrn_prefix)
