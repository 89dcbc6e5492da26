"""What create, update, resolve, void and merge do to a record, by its merge class.

The dispatcher (:mod:`server.core.dispatch`) has already checked the facility,
the user, immutability, the payload and the role; a handler here gets a
validated payload and returns exactly one :class:`~server.commands.outcomes.Outcome`.
Nothing here raises for a bad operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol import merge
from protocol.errors import Refused, ValidationError
from protocol.ids import new_id
from protocol.ops import OpStatus, Reason
from protocol.records import MERGE_CLASS, MergeClass, RecordKind, identity_fields
from protocol.rules.dates import (
    check_record_dates,
    latest_facility_date,
    latest_facility_time,
)
from protocol.rules.department.onboarding import (
    EVIDENCE_KINDS,
    check_first_shift,
    voided_evidence,
)
from protocol.rules.residents.stays import documented_after_discharge, latest_stay
from protocol.rules.staffing.corrections import LINKS, change_problem, link_problem
from server.storage.batch import Rec

from . import stays
from .census import set_census
from .context import Context
from .fingerprints import match_key, stable_hash
from .outcomes import Outcome, applied, not_found, not_owner, rejected

IMMUTABLE_KINDS = frozenset(k for k, c in MERGE_CLASS.items() if c is MergeClass.IMMUTABLE)
RESIDENT_LINKED = frozenset({RecordKind.NOTE, RecordKind.DIAGNOSIS, RecordKind.ASSESSMENT})
STAFF_LINKED = frozenset({RecordKind.LICENSE, RecordKind.HOURS, RecordKind.REVIEW,
                          RecordKind.REGISTRY_CHECK, RecordKind.PAID_LEAVE})


# --- create --------------------------------------------------------------------------


def create(ctx: Context, payload: Mapping[str, Any], author: merge.Author) -> Outcome:
    b = ctx.b
    kind: RecordKind = payload["kind"]
    rec_id: str = payload["id"]
    fields: dict[str, Any] = dict(payload["fields"])
    created_hash = stable_hash([str(kind), fields])
    existing = b.get(rec_id)
    if existing is not None:
        if existing.created_hash == created_hash and existing.kind == kind:
            return applied(existing.seq, target=rec_id, repeated=True)
        return rejected(Reason.ALREADY_EXISTS, target=rec_id)
    invalid = _date_problem(ctx, kind, fields)
    if invalid is not None:
        return rejected(Reason.INVALID, invalid, target=rec_id)
    flags: list[str] = []
    facility_id = ctx.facility_id
    subject_id: str | None = rec_id if kind in (RecordKind.RESIDENT, RecordKind.STAFF) else None
    if kind in RESIDENT_LINKED:
        # Clinical facts follow a resident who moved away; never lost.
        resident = ctx.find(fields["resident_id"], RecordKind.RESIDENT, "no such resident",
                            moved_ok=True)
        if isinstance(resident, Outcome):
            resident.target = rec_id
            return resident
        facility_id, subject_id = resident.facility_id, resident.id
        if kind is RecordKind.NOTE:
            problem_text = _check_note(ctx, fields, resident, flags)
            if problem_text is not None:
                return rejected(Reason.NOT_FOUND, problem_text, target=rec_id)
    elif kind in STAFF_LINKED:
        staff = b.get(fields["staff_id"], RecordKind.STAFF)
        if staff is None:
            return not_found("no such staff member here", target=rec_id)
        if staff.facility_id != ctx.facility_id:
            return not_owner(target=rec_id)
        subject_id = staff.id
        if kind is RecordKind.HOURS and not (fields.get("corrects")
                                             or fields.get("entered_in_error_of")):
            shown_by = [(r.id, r.data, r.status) for kind in sorted(EVIDENCE_KINDS)
                        for r in b.by_subject(staff.id, facility_id, kind)]
            try:
                check_first_shift(staff.id, [r.data for r in b.by_subject(
                    staff.id, facility_id, str(RecordKind.APPLICANT))],
                    voided_evidence(shown_by))
            except Refused as refused:
                return rejected(refused.reason, refused.detail, target=rec_id)
        for link in LINKS:
            if not fields.get(link):
                continue
            target = b.get(fields[link], kind)
            problem = link_problem(link, str(kind), staff.id,
                                   None if target is None else target.data)
            if problem is not None:
                return rejected(Reason.NOT_FOUND, problem, target=rec_id)
    elif kind is RecordKind.TRAINING:
        problem_text = _check_training(ctx, fields)
        if problem_text is not None:
            return rejected(Reason.NOT_FOUND, problem_text, target=rec_id)
    state = merge.new_record(fields)
    if kind in IMMUTABLE_KINDS:
        # A signed entry names who wrote it and when they recorded it.
        state.data["_author"] = author.user_id
        state.data["_recorded_at"] = author.recorded_at
    key = match_key(fields) if kind is RecordKind.RESIDENT else None
    mrn = str(fields["mrn"]) if kind is RecordKind.RESIDENT else None
    if mrn is not None and b.mrn_taken(facility_id, mrn):
        # Numbers come from per-terminal pools and are never issued twice; a
        # repeat means a pool was handed out again (a server restored from an
        # old backup). Never two residents under one number.
        return rejected(Reason.DUPLICATE_MRN, f"record number {mrn} is already in use here",
                        target=rec_id)
    rec = Rec(id=rec_id, kind=str(kind), facility_id=facility_id, data=state.data,
              versions=state.versions, created_hash=created_hash, match_key=key,
              subject_id=subject_id, mrn=mrn)
    if kind is RecordKind.RESIDENT:
        set_census(rec, None, None)
        rec.data["_replaced_by"] = None  # set when a merge replaces it
        duplicates = [r for r in b.by_match_key(facility_id, key, str(kind))
                      if r.status == merge.ACTIVE] if key else []
    b.add(rec)
    seq = b.emit(rec)
    if facility_id != ctx.facility_id:
        b.emit(rec, facility_id=ctx.facility_id, gone=True)
        flags.append("moved_with_resident")
    if kind is RecordKind.RESIDENT and duplicates:
        _raise_duplicate_task(ctx, rec, duplicates)
        flags.append("possible_duplicate")
    return applied(seq, target=rec_id, flags=flags)


def _check_note(ctx: Context, fields: dict[str, Any], resident: Rec,
                flags: list[str]) -> str | None:
    b = ctx.b
    for link in ("amends", "entered_in_error_of"):
        if fields.get(link):
            target = b.get(fields[link], RecordKind.NOTE)
            if target is None or target.data.get("resident_id") != resident.id:
                return f"{link} must name a note of the same resident"
    stay_id = fields.get("stay_id")
    stay = b.get(stay_id, RecordKind.STAY) if stay_id else None
    if stay_id and (stay is None or stay.data.get("resident_id") != resident.id):
        fields["stay_id"] = resident.data.get("_stay_id")
        fields["_original_stay_id"] = stay_id
        flags.append("relinked")
        stay = b.get(fields["stay_id"], RecordKind.STAY)
    if stay is None and not fields.get("stay_id"):
        # No current stay to name: the note belongs to the one that ended last.
        stay = _last_stay(ctx, resident.id)
        if stay is not None:
            fields["stay_id"] = stay.id
    if stay is not None and documented_after_discharge(fields.get("clinical_time"), stay.data):
        fields["_documented_after_discharge"] = True
        flags.append("documented_after_discharge")
    return None


def _last_stay(ctx: Context, resident_id: str) -> Rec | None:
    stays = [rec for i in ctx.b.stay_ids(resident_id)
             if (rec := ctx.b.get(i, RecordKind.STAY)) is not None]
    latest = latest_stay([s.data for s in stays])
    return next((s for s in stays if s.data is latest), None)


def _check_training(ctx: Context, fields: Mapping[str, Any]) -> str | None:
    """Every attendee is a staff member of this facility; a voiding entry names a
    training recorded here."""
    for staff_id in fields["attendees"]:
        staff = ctx.b.get(staff_id, RecordKind.STAFF)
        if staff is None or staff.facility_id != ctx.facility_id:
            return f"attendee {staff_id} is not a staff member here"
    voided = fields.get("entered_in_error_of")
    if voided:
        target = ctx.b.get(voided, RecordKind.TRAINING)
        if target is None or target.facility_id != ctx.facility_id:
            return "entered_in_error_of must name a training recorded here"
    return None


def _raise_duplicate_task(ctx: Context, rec: Rec, duplicates: list[Rec]) -> None:
    ids = sorted([rec.id, *(d.id for d in duplicates)])
    task = ctx.b.add(Rec(
        id=new_id(ctx.b.now), kind=str(RecordKind.TASK), facility_id=rec.facility_id,
        data={"type": "possible_duplicate", "resident_ids": ids, "status": "open"},
        versions={"status": 1}, match_key=f"dup:{rec.match_key}"))
    ctx.b.emit(task)


def _date_problem(ctx: Context, kind: RecordKind, fields: Mapping[str, Any], *,
                  changed: list[str] | None = None) -> str | None:
    """The shared date rules (:mod:`protocol.rules.dates`), with the latest date
    any facility can call today: None, or why the record cannot say that."""
    try:
        check_record_dates(kind, fields, today=latest_facility_date(ctx.b.now),
                           now=latest_facility_time(ctx.b.now), changed=changed)
    except ValidationError as exc:
        return exc.detail
    return None


# --- update, resolve, void, merge ----------------------------------------------------------


def _target(ctx: Context, payload: Mapping[str, Any]) -> Rec | Outcome:
    """The record a command names, or the outcome that refuses it."""
    return ctx.find(payload["id"], str(payload["kind"]))


def update(ctx: Context, payload: Mapping[str, Any], author: merge.Author) -> Outcome:
    rec = _target(ctx, payload)
    if isinstance(rec, Outcome):
        return rec
    kind: RecordKind = payload["kind"]
    if kind is RecordKind.LICENSE:
        voided = _voided_problem(ctx, rec)
        if voided is not None:
            return rejected(Reason.ENTRY_VOIDED, voided, target=rec.id)
    result = merge.apply_update(kind, rec.state(), payload["changes"], author)
    fields = sorted(payload["changes"])
    invalid = _date_problem(ctx, kind, result.state.data, changed=fields)
    if invalid is not None:
        return rejected(Reason.INVALID, invalid, target=rec.id)
    if not result.changed:
        return Outcome(result.status, reason=result.reason, server_seq=rec.seq, target=rec.id,
                       audit={"fields": fields})
    rec.set_state(result.state)
    if kind is RecordKind.RESIDENT and identity_fields(kind) & set(fields):
        rec.match_key = match_key(rec.data)
    seq = ctx.b.emit(rec)
    return Outcome(result.status, reason=result.reason, server_seq=seq, target=rec.id,
                   audit={"fields": fields})


def _voided_problem(ctx: Context, rec: Rec) -> str | None:
    """The terminal's rule (:func:`~protocol.rules.staffing.corrections.change_problem`):
    a license marked entered in error, or the entry that marks it, is not changed."""
    if rec.data.get("entered_in_error_of"):
        return change_problem(rec.kind, rec.id, rec.data, ())
    kin = ctx.b.by_subject(rec.subject_id, rec.facility_id, rec.kind) if rec.subject_id \
        else ()
    return change_problem(rec.kind, rec.id, rec.data, ((k.id, k.data) for k in kin))


def resolve(ctx: Context, payload: Mapping[str, Any], _author: merge.Author) -> Outcome:
    rec = _target(ctx, payload)
    if isinstance(rec, Outcome):
        return rec
    result = merge.resolve_conflict(rec.state(), payload["field"], payload["value"])
    if result.status is OpStatus.REJECTED:
        return rejected(result.reason or Reason.NO_CONFLICT, target=rec.id)
    invalid = _date_problem(ctx, payload["kind"], result.state.data, changed=[payload["field"]])
    if invalid is not None:
        return rejected(Reason.INVALID, invalid, target=rec.id)
    rec.set_state(result.state)
    if payload["kind"] is RecordKind.RESIDENT and payload["field"] in identity_fields(
            RecordKind.RESIDENT):
        rec.match_key = match_key(rec.data)
    return applied(ctx.b.emit(rec), target=rec.id, fields=[payload["field"]])


def void(ctx: Context, payload: Mapping[str, Any], _author: merge.Author) -> Outcome:
    rec = _target(ctx, payload)
    if isinstance(rec, Outcome):
        return rec
    if rec.status == merge.VOIDED:
        return applied(rec.seq, target=rec.id, repeated=True)
    rec.set_state(merge.void(rec.state()))
    rec.data["_void_reason"] = payload["reason"]
    seq = ctx.b.emit(rec)
    if rec.kind == RecordKind.RESIDENT:
        stays.close_for_record_error(ctx, rec.id, "entered_in_error")
    return applied(seq, target=rec.id)


def merge_duplicate(ctx: Context, payload: Mapping[str, Any], _author: merge.Author) -> Outcome:
    survivor = _target(ctx, {"id": payload["survivor_id"], "kind": RecordKind.RESIDENT})
    if isinstance(survivor, Outcome):
        return survivor
    duplicate = _target(ctx, {"id": payload["duplicate_id"], "kind": RecordKind.RESIDENT})
    if isinstance(duplicate, Outcome):
        return duplicate
    if duplicate.status == merge.REPLACED and duplicate.data.get("_replaced_by") == survivor.id:
        return applied(duplicate.seq, target=duplicate.id, repeated=True)
    if survivor.status != merge.ACTIVE or duplicate.status != merge.ACTIVE:
        return rejected(Reason.RECORD_VOIDED, "both records must be active to merge",
                        target=duplicate.id)
    duplicate.status = merge.REPLACED
    duplicate.data["_replaced_by"] = survivor.id
    duplicate.dirty = True
    survivor.data["_merged_from"] = sorted({*survivor.data.get("_merged_from", []),
                                           duplicate.id})
    seq = ctx.b.emit(duplicate)
    ctx.b.emit(survivor)
    stays.close_for_record_error(ctx, duplicate.id, "merged_duplicate")
    if duplicate.match_key:
        for task in ctx.b.by_match_key(duplicate.facility_id, f"dup:{duplicate.match_key}",
                                       str(RecordKind.TASK)):
            if duplicate.id in task.data.get("resident_ids", ()) \
                    and task.data.get("status") == "open":
                task.data["status"] = "done"
                task.versions["status"] = task.versions.get("status", 0) + 1
                ctx.b.emit(task)
    return applied(seq, target=duplicate.id, survivor=survivor.id)
