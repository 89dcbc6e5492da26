"""The records department's casework across a transfer (docs/rules.md §5.6, N9).

A transfer leaves the case records about the resident with the sending facility
(:func:`protocol.rules.residents.transfers.moves_with_resident`), which alone
may act on them. The receiving facility sees, on the resident's record, what of
that casework is still open and where (``_open_elsewhere``, read-only): set when
the resident arrives, and brought up to date whenever the sending facility
changes one of its cases about a resident who now lives elsewhere.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from protocol.records import RecordKind
from protocol.rules.residents.transfers import (
    OPEN_ELSEWHERE,
    moves_with_resident,
    open_elsewhere,
    replace_facility,
)
from server.storage.batch import Rec
from server.storage.models import T

from .context import Context

__all__ = ["moves_with_resident", "note_open_elsewhere", "refresh_open_elsewhere"]

RESIDENT = str(RecordKind.RESIDENT)


def _facility_name(ctx: Context, facility_id: str) -> str:
    name = ctx.b.conn.execute(sa.select(T.facilities.c.name).where(
        T.facilities.c.id == facility_id)).scalar()
    return str(name or "another facility")


def _entries_for(ctx: Context, resident: Rec, arriving_at: str) -> list[dict[str, Any]]:
    """The resident's ``_open_elsewhere`` with the acting facility's open cases
    (those it kept) in place of what it said of them, and nothing of
    ``arriving_at``'s own (at home, its cases are its own lists' work)."""
    kept = [(rec.kind, rec.id, rec.data) for rec in ctx.b.by_subject(resident.id,
                                                                     ctx.facility_id)
            if not moves_with_resident(rec.kind)]
    fresh = open_elsewhere(ctx.facility_id, _facility_name(ctx, ctx.facility_id), kept)
    entries = replace_facility(resident.data.get(OPEN_ELSEWHERE) or (), arriving_at, ())
    return replace_facility(entries, ctx.facility_id, fresh)


def note_open_elsewhere(ctx: Context, resident: Rec, *, arriving_at: str) -> None:
    """On a transfer: what the sending facility (acting) keeps open about the
    resident, on the resident's record as it arrives (the caller emits it)."""
    resident.data[OPEN_ELSEWHERE] = _entries_for(ctx, resident, arriving_at)


def refresh_open_elsewhere(ctx: Context, resident_id: Any) -> None:
    """After the acting facility changed a case about ``resident_id``: when the
    resident now lives at another facility, bring that facility's read-only view
    up to date (emitted there only when it changed)."""
    if not isinstance(resident_id, str):
        return
    resident = ctx.b.get(resident_id, RESIDENT)
    if resident is None or resident.facility_id == ctx.facility_id:
        return
    if not ctx.transferred_from(resident_id, ctx.facility_id):
        return
    entries = _entries_for(ctx, resident, resident.facility_id)
    if entries == list(resident.data.get(OPEN_ELSEWHERE) or ()):
        return
    ctx.b.need_facility(resident.facility_id)  # before any change: may start the batch over
    resident.data[OPEN_ELSEWHERE] = entries
    ctx.b.emit(resident)
