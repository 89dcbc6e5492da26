"""MDS assessments of a resident: recorded at the terminal, their dates filled in
as the work is done (completion, CAAs, care plan, transmission). Clerks and
records managers both record them (:mod:`protocol.rules.permissions`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from protocol.records import RecordKind

from ..store.database import RECORDS
from ..store.overlay import combine, overlay_ops
from .area import Area
from .writes import create_record, load_record, update_record

NAMES = {"admission": "admission", "quarterly": "quarterly", "annual": "annual",
         "significant_change": "significant change",
         "significant_correction_comprehensive": "significant correction (comprehensive)",
         "significant_correction_quarterly": "significant correction (quarterly)",
         "discharge": "discharge", "entry": "entry tracking", "death": "death tracking"}


class Assessments(Area):
    """``session.assessments``: a resident's MDS assessments and tracking records."""

    def add(self, resident_id: str, fields: Mapping[str, Any]) -> str:
        kind = NAMES.get(str(fields.get("assessment_type")), "MDS")
        return create_record(self.actor, RecordKind.ASSESSMENT,
                             {**fields, "resident_id": resident_id},
                             summary=f"Record a {kind} assessment", subject_id=resident_id)

    def update(self, assessment_id: str, changes: Mapping[str, Any]) -> int:
        actor = self.actor
        with actor.store.read() as conn:
            resident_id = load_record(conn, RecordKind.ASSESSMENT, assessment_id
                                      ).data.get("resident_id")
        return update_record(actor, RecordKind.ASSESSMENT, assessment_id, changes,
                             summary=f"Change {', '.join(sorted(changes))} of an assessment",
                             subject_id=resident_id)

    def of_resident(self, resident_id: str) -> list[dict[str, Any]]:
        """The resident's assessments as shown (pending changes on top), by ARD;
        each a dict of its fields with ``id`` and ``pending``."""
        actor = self.actor
        with actor.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS).where(
                RECORDS.c.kind == "assessment", RECORDS.c.parent_id == resident_id)).all()
            ops = overlay_ops(conn, [r.id for r in rows])
            out = []
            for row in rows:
                eff = combine("assessment", row.id, row, ops[row.id])
                if eff.state is not None and eff.state.status == "active":
                    out.append({**eff.data, "id": row.id, "pending": eff.pending})
        return sorted(out, key=lambda a: (str(a.get("ard") or a.get("event_on") or ""),
                                          a["id"]))
