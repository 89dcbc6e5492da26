"""A destruction carried out: the records it names are purged at the server and
forgotten by the facility's terminals (:mod:`protocol.rules.records.destruction`
says what goes and what stays).

Each purged record keeps only its purged form, with status ``destroyed``; the
facility's terminals get it as ``gone`` (so they forget the resident and every
record under it); and the earlier snapshots of those records are removed from
the change log, which would otherwise still hold their content for any terminal
that pulls from the start.
"""

from __future__ import annotations

import sqlalchemy as sa

from protocol.records import RecordKind
from protocol.rules.records.destruction import DESTROYED, is_purged, purged
from server.storage.batch import Rec
from server.storage.models import T

from .context import Context


def purge_destroyed(ctx: Context, destruction: Rec) -> list[str]:
    """Purge every record of the destruction's residents; returns the ids purged."""
    b = ctx.b
    data = destruction.data
    done: list[Rec] = []
    for entry in data.get("records") or ():
        resident_id = str(entry["resident_id"])
        about = {rec.id: rec for rec in b.by_subject(resident_id, ctx.facility_id)}
        resident = b.get(resident_id, str(RecordKind.RESIDENT))
        if resident is not None and resident.facility_id == ctx.facility_id:
            about[resident.id] = resident
        for rec in about.values():
            if rec.status == DESTROYED:
                continue
            if not is_purged(rec.kind):
                b.emit(rec, gone=True)  # kept here, forgotten by the terminals
                continue
            rec.data = purged(rec.kind, rec.data, resident_id=resident_id,
                              destruction_id=destruction.id,
                              destroyed_on=str(data["destroyed_on"]))
            rec.versions, rec.conflicts, rec.status = {}, {}, DESTROYED
            rec.match_key = None
            done.append(rec)
    ids = [rec.id for rec in done]
    if ids:
        # The log's earlier snapshots held the content: only the purged form stays.
        changes = T.changes
        for start in range(0, len(ids), 500):
            b.conn.execute(sa.delete(changes).where(
                changes.c.facility_id == ctx.facility_id,
                changes.c.record_id.in_(ids[start:start + 500])))
        for rec in done:
            b.emit(rec)
            b.emit(rec, gone=True)
    return ids
