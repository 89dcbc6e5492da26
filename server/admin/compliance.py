"""Compliance settings edited centrally (:mod:`server.core.compliance_settings`,
which the portal calls too), and the record the ``chartkeep-server`` CLI keeps of
the reports and PBJ files it writes: writing one is audited in the facility's
chain, as it puts resident or staff data in a plaintext file.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from server.core.compliance_settings import (
    PROFILE_KIND,
    current_settings,
    profiles,
    put_profile,
    set_facility,
)
from server.errors import NotFound
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import write_tx
from server.storage.models import T

__all__ = ["PROFILE_KIND", "audit_export", "audit_exports", "current_settings", "profiles",
           "put_profile", "set_facility"]


def audit_export(engine: Engine, settings: Settings, *, facility_id: str, what: str,
                 path: str, actor: str | None = None) -> None:
    """Record that a report or PBJ file of the facility was written to ``path``."""
    audit_exports(engine, settings, [(facility_id, what, path)], actor=actor)


def audit_exports(engine: Engine, settings: Settings, exports: Sequence[tuple[str, str, str]],
                  *, actor: str | None = None) -> None:
    """Record the files a sweep wrote (facility, what, path each), in one
    transaction: fifty facilities' reports are fifty entries, one commit."""
    if not exports:
        return
    now = settings.clock()
    facility_ids = {facility_id for facility_id, _, _ in exports}
    with write_tx(engine) as conn:
        known = set(conn.execute(sa.select(T.facilities.c.id).where(
            T.facilities.c.id.in_(sorted(facility_ids)))).scalars())
        if missing := sorted(facility_ids - known):
            raise NotFound(f"no facility {missing[0]}")
        batch = Batch(conn, facility_ids, now)
        for facility_id, what, path in exports:
            batch.chain(facility_id).append(at=now, action="admin:export", outcome="applied",
                                            target=facility_id, facility_id=facility_id,
                                            actor=actor, purpose="export",
                                            detail={"what": what, "path": path})
        batch.write()
