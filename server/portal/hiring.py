"""Hiring across the region, read-only: each facility's job postings with the
applicants who answer them and how many are at each stage, and the onboarding
of its hires — what is still missing before a first shift.

Postings, applicants and their stages are written at the facility's terminals
(the records manager's F10 screen), offline and synced; the portal only reads
them. The groups are the terminal's own (:mod:`protocol.rules.department.postings`),
and what a hire still lacks is the rule that refuses the first shift at the
terminal and at the server (:func:`protocol.rules.department.onboarding.open_items`,
with the registry checks and licenses since marked entered in error), so the
portal never says a hire may work when the server would refuse the shift.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.merge import ACTIVE
from protocol.records import RecordKind
from protocol.rules.department.onboarding import (
    EVIDENCE_KINDS,
    ITEMS,
    open_items,
    reopened_items,
    voided_evidence,
)
from protocol.rules.department.postings import PostingGroup, group_by_posting
from server.storage.models import T

from .principals import Principal
from .scope import FacilityRef
from .scope import facilities as facilities_in_scope
from .scope import facility as facility_in_scope


@dataclass(frozen=True)
class HireStatus:
    """A hire and what their first shift still waits for."""

    applicant_id: str
    name: str
    position: str
    employee_id: str
    hire_date: str
    missing: list[str]
    """The open onboarding items, in words (empty: ready for a first shift)."""
    reopened: list[str]
    """Of those, the items ticked on a record since marked entered in error."""

    @property
    def ready(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class FacilityHiring:
    facility: FacilityRef
    postings: list[PostingGroup]
    hires: list[HireStatus]

    @property
    def open_postings(self) -> list[PostingGroup]:
        return [g for g in self.postings if g.id is not None and g.status == "open"]

    @property
    def waiting(self) -> list[HireStatus]:
        """Hires whose first shift is still refused."""
        return [h for h in self.hires if not h.ready]


def _load(value: object) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else {}


def _rows(conn: Connection, facility_ids: list[str], kinds: Iterable[str]
          ) -> list[tuple[str, str, str, dict[str, Any], str]]:
    rec = T.records
    found = conn.execute(sa.select(rec.c.id, rec.c.kind, rec.c.facility_id, rec.c.data,
                                   rec.c.status)
                         .where(rec.c.facility_id.in_(facility_ids), rec.c.kind.in_(kinds))
                         .order_by(rec.c.id)).all()
    return [(r.id, r.kind, r.facility_id, _load(r.data), r.status) for r in found]


def _voided(conn: Connection, facility_ids: list[str], staff_ids: list[str]) -> frozenset[str]:
    """The hires' registry checks and licenses that show nothing any more."""
    if not staff_ids:
        return frozenset()
    rec = T.records
    found = conn.execute(sa.select(rec.c.id, rec.c.data, rec.c.status).where(
        rec.c.subject_id.in_(staff_ids), rec.c.facility_id.in_(facility_ids),
        rec.c.kind.in_(sorted(EVIDENCE_KINDS)))).all()
    return voided_evidence((r.id, _load(r.data), r.status) for r in found)


def _hire(applicant_id: str, data: Mapping[str, Any], voided: frozenset[str]) -> HireStatus:
    reopened = reopened_items(data, voided)
    return HireStatus(
        applicant_id, f"{data.get('family_name', '')}, {data.get('given_name', '')}",
        str(data.get("position") or ""), str(data.get("employee_id") or ""),
        str(data.get("hire_date") or ""),
        [ITEMS.get(i, i) for i in open_items(data, voided)],
        [ITEMS.get(i, i) for i in reopened])


def _hiring(conn: Connection, refs: list[FacilityRef]) -> list[FacilityHiring]:
    ids = [r.id for r in refs]
    if not ids:
        return []
    rows = [r for r in _rows(conn, ids, (str(RecordKind.JOB_POSTING),
                                         str(RecordKind.APPLICANT))) if r[4] == ACTIVE]
    hired = [r for r in rows if r[1] == RecordKind.APPLICANT and r[3].get("stage") == "hired"]
    voided = _voided(conn, ids, sorted({str(r[3].get("staff_id")) for r in hired}))
    out = []
    for ref in refs:
        mine = [r for r in rows if r[2] == ref.id]
        groups = group_by_posting(((r[0], r[3]) for r in mine if r[1] == RecordKind.JOB_POSTING),
                                  ((r[0], r[3]) for r in mine if r[1] == RecordKind.APPLICANT))
        hires = sorted((_hire(r[0], r[3], voided) for r in hired if r[2] == ref.id),
                       key=lambda h: (h.ready, h.hire_date, h.name))
        out.append(FacilityHiring(ref, groups, hires))
    return out


def region_hiring(conn: Connection, principal: Principal) -> list[FacilityHiring]:
    """Every facility in scope, by name, with its postings and hires."""
    return _hiring(conn, facilities_in_scope(conn, principal))


def facility_hiring(conn: Connection, principal: Principal, facility_id: str
                    ) -> FacilityHiring:
    """One facility in scope (:class:`~server.errors.NotFound` outside it)."""
    return _hiring(conn, [facility_in_scope(conn, principal, facility_id)])[0]
