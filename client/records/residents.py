"""Residents: registration (record numbers from this terminal's pool),
demographic changes, entered-in-error marks, merges of duplicates, diagnoses,
the census list and the resident's page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.ids import new_id
from protocol.merge import ACTIVE, REPLACED
from protocol.ops import OpType
from protocol.records import RecordKind, resident_display_name
from protocol.rules.residents.transfers import OPEN_ELSEWHERE

from ..errors import InputError, NotFound
from ..store.database import OUTBOX, RECORDS, loads
from ..store.outbox import Actor, check_dates, clean_fields, record_op
from ..store.overlay import combine, effective, overlay_ops
from ..store.record_numbers import take_mrn
from ..store.search import search_filter
from ..views import DiagnosisView, Page, ResidentRow, ResidentView, StayView
from .area import Area
from .conflicts import conflict_values
from .directory import facility_name, names
from .notes import notes_of
from .outbox_review import op_row
from .permissions import require_permitted
from .writes import create_record, load_record, update_record

ANSWERS_SHOWN = 20
"""The latest server answers shown on a resident's record (the sync screen has all)."""


class Residents(Area):
    """``session.residents``: the census, a resident's page, and their record."""

    # --- reads ---------------------------------------------------------------------------

    def census(self, query: str = "", *, statuses: set[str] | None = None, offset: int = 0,
               limit: int = 50) -> Page[ResidentRow]:
        """Live residents whose name, room or record number matches every word of
        ``query``, in ``statuses`` (census states; ``None``: all), a page at a time."""
        with self.actor.store.read() as conn:
            return _census(conn, query, statuses=statuses, offset=offset, limit=limit)

    def get(self, resident_id: str) -> ResidentView:
        """The resident's page: demographics, stays, diagnoses, notes, changes in flight."""
        with self.actor.store.read() as conn:
            return _resident_view(conn, resident_id)

    # --- writes ---------------------------------------------------------------------------

    def register(self, fields: Mapping[str, Any]) -> str:
        """A new resident with the next record number of this terminal's pool."""
        actor = self.actor
        require_permitted(actor.user, OpType.CREATE, RecordKind.RESIDENT,
                          what="register residents")
        values = {k: v for k, v in fields.items() if k != "mrn"}
        cleaned = clean_fields(RecordKind.RESIDENT, {**values, "mrn": "pending"},
                               creating=True)
        check_dates(RecordKind.RESIDENT, cleaned, actor.clock)
        record_id = new_id(actor.clock.ms())

        def build(conn: Connection) -> dict[str, Any]:
            return {"kind": "resident", "id": record_id,
                    "fields": {**cleaned, "mrn": take_mrn(conn)}}

        record_op(actor, OpType.CREATE, build,
                  summary=f"Register {resident_display_name(cleaned)}", subject_id=record_id)
        return record_id

    def update(self, resident_id: str, changes: Mapping[str, Any]) -> int:
        """Change demographic fields; 0 when every field already held its value."""
        actor = self.actor
        clean_fields(RecordKind.RESIDENT, changes, creating=False)  # field errors first
        names = ", ".join(sorted(changes))
        return update_record(actor, RecordKind.RESIDENT, resident_id, changes,
                             summary=f"Change {names} of {_label(actor, resident_id)}",
                             subject_id=resident_id)

    def void(self, resident_id: str, reason: str) -> int:
        """Mark the whole record entered in error, with the reason (records managers)."""
        actor = self.actor
        require_permitted(actor.user, OpType.VOID, RecordKind.RESIDENT,
                          what="mark a resident entered in error")
        label = _label(actor, resident_id)
        with actor.store.read() as conn:
            eff = effective(conn, "resident", resident_id)
        if eff.state is not None and eff.state.status != ACTIVE:
            raise InputError("", f"{label} is already marked entered in error or merged.")
        seq, _ = record_op(actor, OpType.VOID, {"kind": "resident", "id": resident_id,
                                                "reason": reason},
                           summary=f"Mark {label} entered in error", subject_id=resident_id)
        return seq

    def merge(self, survivor_id: str, duplicate_id: str) -> int:
        """Merge ``duplicate_id`` into ``survivor_id`` (records managers): the
        duplicate leaves the census and its notes are reached from the survivor."""
        actor = self.actor
        require_permitted(actor.user, OpType.MERGE, RecordKind.RESIDENT,
                          what="merge duplicate records")
        survivor, duplicate = _label(actor, survivor_id), _label(actor, duplicate_id)
        seq, _ = record_op(actor, OpType.MERGE, {"survivor_id": survivor_id,
                                                 "duplicate_id": duplicate_id},
                           summary=f"Merge duplicate {duplicate} into {survivor}",
                           subject_id=duplicate_id,
                           also_refresh=(("resident", survivor_id),))
        return seq

    def add_diagnosis(self, resident_id: str, fields: Mapping[str, Any]) -> str:
        actor = self.actor
        label = _label(actor, resident_id)
        return create_record(actor, RecordKind.DIAGNOSIS,
                             {**fields, "resident_id": resident_id},
                             summary=f"Add diagnosis {fields.get('code', '')} for {label}",
                             subject_id=resident_id)

    def update_diagnosis(self, diagnosis_id: str, changes: Mapping[str, Any]) -> int:
        actor = self.actor
        with actor.store.read() as conn:
            resident_id = load_record(conn, RecordKind.DIAGNOSIS,
                                      diagnosis_id).data.get("resident_id")
        return update_record(actor, RecordKind.DIAGNOSIS, diagnosis_id, changes,
                             summary=f"Change diagnosis of {_label(actor, resident_id)}",
                             subject_id=resident_id)


def _label(actor: Actor, record_id: str | None) -> str:
    if not record_id:
        return "a resident"
    with actor.store.read() as conn:
        label = conn.execute(sa.select(RECORDS.c.label).where(RECORDS.c.id == record_id)
                             ).scalar()
    if label is None:
        raise NotFound("That resident is not at this terminal.")
    return label or "a resident"


# --- reads -------------------------------------------------------------------------------


def _census(conn: Connection, query: str = "", *, statuses: set[str] | None = None,
           offset: int = 0, limit: int = 50) -> Page[ResidentRow]:
    where = [RECORDS.c.kind == "resident", RECORDS.c.live_status == "active"]
    where += search_filter(query)
    if statuses:
        where.append(RECORDS.c.census.in_(sorted(statuses)))
    total = conn.execute(sa.select(sa.func.count()).select_from(RECORDS).where(*where)
                         ).scalar() or 0
    rows = conn.execute(sa.select(RECORDS).where(*where).order_by(RECORDS.c.sort_key)
                        .offset(max(offset, 0)).limit(max(limit, 0))).all()
    pending_ids = [r.id for r in rows if r.pending or r.data is None]
    ops = overlay_ops(conn, pending_ids)
    out = []
    for row in rows:
        if row.id in ops:
            state = combine("resident", row.id, row, ops[row.id]).state
            data = state.data if state else {}
            if data.get("_bed_id") and not data.get("_bed_label"):
                data.update(_bed_names(conn, data["_bed_id"]))
        else:
            data = loads(row.data) or {}
        out.append(ResidentRow(
            id=row.id, mrn=str(data.get("mrn") or ""), display_name=row.label,
            birth_date=data.get("birth_date"), census_status=row.census or "pre_admission",
            bed_label=data.get("_bed_label"), unit_name=data.get("_unit_name"),
            admitted_at=data.get("_admitted_at"), pending=bool(row.pending)))
    return Page(rows=out, total=total, offset=offset, limit=limit)


def _bed_names(conn: Connection, bed_id: str) -> dict[str, Any]:
    data = loads(conn.execute(sa.select(RECORDS.c.data).where(RECORDS.c.id == bed_id)
                              ).scalar()) or {}
    return {"_bed_label": data.get("label"), "_unit_name": data.get("unit_name")}


def _resident_view(conn: Connection, resident_id: str) -> ResidentView:
    known = names(conn)
    eff = effective(conn, "resident", resident_id)
    if eff.state is None:
        raise NotFound("That resident is not at this terminal.")
    data = dict(eff.state.data)
    if data.get("_bed_id") and not data.get("_bed_label"):
        data.update(_bed_names(conn, data["_bed_id"]))
    children = conn.execute(sa.select(RECORDS).where(RECORDS.c.parent_id == resident_id)
                            .order_by(RECORDS.c.sort_key)).all()
    # Notes of duplicates merged into this resident stay reachable from it: a
    # merge links records, it never moves or drops clinical notes.
    merged = [row.id for row in conn.execute(
        sa.select(RECORDS.c.id).where(
            RECORDS.c.kind == "resident",
            sa.func.json_extract(RECORDS.c.data, "$._replaced_by") == resident_id))]
    if merged:
        children = [*children, *conn.execute(
            sa.select(RECORDS).where(RECORDS.c.parent_id.in_(merged), RECORDS.c.kind == "note")
            .order_by(RECORDS.c.sort_key)).all()]
    child_ops = overlay_ops(conn, [c.id for c in children])
    stays, diagnoses = [], []
    for child in children:
        ceff = combine(child.kind, child.id, child, child_ops[child.id])
        if ceff.state is None:
            continue
        if child.kind == "stay":
            stays.append(_stay_view(conn, child.id, ceff.data, pending=ceff.pending))
        elif child.kind == "diagnosis":
            d = ceff.data
            diagnoses.append(DiagnosisView(
                id=child.id, code=d.get("code"), description=d.get("description"),
                onset_date=d.get("onset_date"), rank=d.get("rank"), status=d.get("status"),
                record_status=ceff.state.status, pending=ceff.pending, fields=dict(d),
                versions=dict(ceff.state.versions),
                conflicts=conflict_values(ceff.state.conflicts, known)))
    stays.sort(key=lambda s: (s.admitted_at or "", s.id), reverse=True)
    commands = conn.execute(
        sa.select(OUTBOX).where(OUTBOX.c.subject_id == resident_id,
                                OUTBOX.c.op_type == "command",
                                OUTBOX.c.status.in_(("pending", "held", "rejected")))
        .order_by(OUTBOX.c.seq)).all()
    listed = {c.seq for c in commands}
    # The server's answers about this resident that a clerk should read: a
    # refusal, a conflict, or an applied change it noted something about.
    answered = [row for row in conn.execute(
        sa.select(OUTBOX).where(OUTBOX.c.subject_id == resident_id,
                                OUTBOX.c.status != "pending",
                                sa.or_(OUTBOX.c.flags != "",
                                       OUTBOX.c.status.in_(("conflict", "rejected", "held"))))
        .order_by(OUTBOX.c.seq.desc()).limit(ANSWERS_SHOWN)) if row.seq not in listed]
    answers = [op for op in map(op_row, answered) if op.flags or op.status != "applied"]
    status = eff.state.status
    return ResidentView(
        id=resident_id, fields={k: v for k, v in data.items() if not k.startswith("_")},
        versions=dict(eff.state.versions), conflicts=conflict_values(eff.state.conflicts, known),
        pending_fields=set(eff.pending_fields), status=status,
        replaced_by=data.get("_replaced_by") if status == REPLACED or data.get("_replaced_by")
        else None,
        census_status=data.get("_census") or "pre_admission", stays=stays,
        diagnoses=diagnoses, notes=notes_of(conn, [c for c in children if c.kind == "note"],
                                            child_ops),
        pending_commands=[op_row(c) for c in commands], answers=answers,
        transferred_from=(facility_name(conn, data["_transferred_from"]) or "another facility"
                          if data.get("_transferred_from") else None),
        open_elsewhere=tuple(f"{entry.get('what')} — {entry.get('facility')} answers it"
                             for entry in data.get(OPEN_ELSEWHERE) or ()),
        mrn=str(data.get("mrn") or ""),
        display_name=resident_display_name(data), bed_label=data.get("_bed_label"),
        unit_name=data.get("_unit_name"), pending=eff.pending)


def _stay_view(conn: Connection, stay_id: str, d: Mapping[str, Any], *, pending: bool
               ) -> StayView:
    bed_label = d.get("_bed_label") or d.get("bed_label")
    if d.get("bed_id") and not bed_label:
        bed_label = _bed_names(conn, d["bed_id"]).get("_bed_label")
    return StayView(
        id=stay_id, resident_id=d.get("resident_id"), admitted_at=d.get("admitted_at"),
        discharged_at=d.get("discharged_at"), bed_id=d.get("bed_id"), bed_label=bed_label,
        status=d.get("status"), leave_type=d.get("leave_type"), payer=d.get("payer"),
        admission_type=d.get("admission_type"), disposition=d.get("disposition"),
        destination=d.get("destination"), pending=pending, fields=dict(d))
