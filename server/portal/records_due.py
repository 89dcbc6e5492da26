"""The region's records clocks: every open request for records, undecided
amendment request and completeness review with open deficiencies in the
facilities a manager oversees, soonest first, overdue ones marked.

The due dates are the terminals' (:mod:`protocol.rules.records.due_list`), from
the same case records and each facility's own records profile. Residents are
named by record number only: a regional manager needs to see which request is
late, not the record itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.commands import Named
from protocol.records import RecordKind
from protocol.rules.records.commands.reading import facility_profile
from protocol.rules.records.due_list import AREA_TITLES, due_items
from protocol.rules.records.facility_time import local_now_ms
from server.storage.models import T

from .principals import Principal
from .scope import facilities as facilities_in_scope

KINDS = (str(RecordKind.RECORD_REQUEST), str(RecordKind.AMENDMENT_REQUEST),
         str(RecordKind.COMPLETENESS_REVIEW))


@dataclass(frozen=True)
class DueRow:
    facility_id: str
    facility: str
    area: str
    work: str
    mrn: str
    what: str
    due: str
    basis: str
    overdue: bool


def _load(value: object) -> dict[str, object]:
    import json

    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else {}


def _mrn(resident: Mapping[str, Any]) -> str:
    return str(resident.get("mrn") or "")


def region_due(conn: Connection, principal: Principal, now_ms: int) -> list[DueRow]:
    """What is due across the principal's facilities, soonest first."""
    refs = {ref.id: ref for ref in facilities_in_scope(conn, principal)}
    if not refs:
        return []
    rec = T.records
    rows = conn.execute(sa.select(rec.c.id, rec.c.kind, rec.c.facility_id, rec.c.data,
                                  rec.c.status).where(rec.c.facility_id.in_(list(refs)),
                                                      rec.c.kind.in_(KINDS))).all()
    by_facility: dict[str, list[Named]] = {}
    resident_ids: set[str] = set()
    for row in rows:
        data = _load(row.data)
        by_facility.setdefault(row.facility_id, []).append(
            Named(row.kind, row.id, data, row.status))
        if isinstance(data.get("resident_id"), str):
            resident_ids.add(str(data["resident_id"]))
    people = {r.id: _load(r.data) for r in conn.execute(
        sa.select(rec.c.id, rec.c.data).where(rec.c.id.in_(sorted(resident_ids))))}
    facility_data = {r.id: _load(r.data) for r in conn.execute(
        sa.select(rec.c.id, rec.c.data).where(rec.c.id.in_(list(by_facility))))}
    out: list[DueRow] = []
    for facility_id, cases in by_facility.items():
        facility = facility_data.get(facility_id, {})
        profile = facility_profile(facility)
        # Each facility's clocks run on its own wall clock, as at its terminals.
        now = local_now_ms(facility, now_ms)
        out.extend(DueRow(facility_id, refs[facility_id].name, item.area,
                          AREA_TITLES[item.area], item.resident, item.what, item.due_text,
                          item.basis, item.overdue)
                   for item in due_items(cases, people, {}, profile, now, label=_mrn))
    out.sort(key=lambda r: (not r.overdue, r.due, r.facility))
    return out
