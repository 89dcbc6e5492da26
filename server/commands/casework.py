"""Records-department commands: one handler for all of them.

The command's spec (:mod:`protocol.rules.records.commands`) holds its check
and its effect; this handler gathers what the check needs from the batch —
the records the arguments name, every record about the residents involved,
the facility's records profile and checklist — runs the check, writes the
case record (and any record the command also creates, such as the
disclosure a release logs) and emits their snapshots. A refused command is
``rejected`` with the rule's reason code and sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from protocol.errors import Refused, SchemaError, ValidationError
from protocol.merge import new_record
from protocol.ops import Reason
from protocol.records import MergeClass, RecordKind, merge_class
from protocol.rules.dates import latest_facility_date
from protocol.rules.department.budget import limit_of
from protocol.rules.department.onboarding import EVIDENCE_KINDS
from protocol.rules.records.commands import RECORDS_COMMANDS, CaseFacts, Named
from protocol.rules.records.commands.completeness import review_at_discharge
from protocol.rules.records.commands.reading import facility_checklist, facility_profile
from protocol.rules.records.commands.spec import named_ids
from protocol.rules.residents.transfers import departed_identity
from server.storage.batch import Rec

from .context import Context
from .destruction import purge_destroyed
from .fingerprints import stable_hash
from .outcomes import Outcome, applied, rejected
from .stays_casework import refresh_open_elsewhere


def _named(rec: Rec) -> Named:
    return Named(rec.kind, rec.id, rec.data, rec.status)


def gather_facts(ctx: Context, args: Mapping[str, Any], case: Rec | None) -> CaseFacts:
    b = ctx.b
    facility = b.get(ctx.facility_id, str(RecordKind.FACILITY))
    data = facility.data if facility else {}
    ids = named_ids(args)
    if case is not None:
        ids.extend(named_ids(case.data))
    b.prefetch(ids)
    records: dict[str, Named] = {}
    departed: dict[str, dict[str, Any]] = {}
    for i in ids:
        rec = b.get(i)
        if rec is None:
            continue
        if rec.facility_id == ctx.facility_id:
            records[rec.id] = _named(rec)
        elif rec.kind == RecordKind.RESIDENT and ctx.transferred_from(rec.id, ctx.facility_id):
            # Transferred out: who they are, to match a request (read-only).
            departed[rec.id] = departed_identity(rec.data)
    residents = [i for i, n in records.items() if n.kind == RecordKind.RESIDENT]
    about = {rid: tuple(_named(r) for r in b.by_subject(rid, ctx.facility_id))
             for rid in residents}
    for sid in (i for i, n in records.items() if n.kind == RecordKind.STAFF):
        about[sid] = tuple(_named(r) for kind in sorted(EVIDENCE_KINDS)
                           for r in b.by_subject(sid, ctx.facility_id, kind))
    return CaseFacts(today=latest_facility_date(b.now), profile=facility_profile(data),
                     checklist=facility_checklist(data), records=records, about=about,
                     expenditure_limit=limit_of(data), departed=departed)


def run(ctx: Context, name: str, args: Mapping[str, Any], user_id: str) -> Outcome:
    """A records command (``name``) with its cleaned arguments."""
    spec = RECORDS_COMMANDS[name]
    b = ctx.b
    target = str(args[spec.target])
    rec = b.get(target)
    created_hash = stable_hash([name, spec.identity(args)]) if spec.creates else None
    if spec.creates:
        if rec is not None:
            if rec.created_hash == created_hash and rec.kind == spec.kind:
                return applied(rec.seq, target=target, repeated=True)
            return rejected(Reason.ALREADY_EXISTS, target=target)
    elif rec is None or rec.kind != spec.kind:
        return rejected(Reason.NOT_FOUND, f"no such {str(spec.kind).replace('_', ' ')}",
                        target=target)
    elif rec.facility_id != ctx.facility_id:
        return rejected(Reason.NOT_OWNER, target=target)
    facts = gather_facts(ctx, args, rec)
    try:
        after = spec.apply(dict(rec.data) if rec else None, args, facts, user_id)
    except Refused as refused:
        return rejected(refused.reason, refused.detail, target=target)
    except ValidationError as invalid:
        return rejected(Reason.INVALID, invalid.detail, target=target)
    # A case is about a resident, or (an applicant) the staff member they become.
    subject = after.get("resident_id") or after.get("staff_id")
    if rec is None:
        rec = b.add(Rec(id=target, kind=str(spec.kind), facility_id=ctx.facility_id,
                        data=after, created_hash=created_hash,
                        subject_id=subject if isinstance(subject, str) else None))
    else:
        rec.data = after
        rec.dirty = True
    seq = b.emit(rec)
    others = _write_others(ctx, spec.also(args, after))
    # A case kept here about a resident transferred out: their new facility's view.
    refresh_open_elsewhere(ctx, after.get("resident_id"))
    audit: dict[str, Any] = {"also": others} if others else {}
    if name == "record_destruction":
        audit["purged"] = len(purge_destroyed(ctx, rec))
    return applied(seq, target=target, command=name, **audit)


def _write_others(ctx: Context, others: Iterable[tuple[RecordKind, str, dict[str, Any]]]
                  ) -> list[str]:
    written = []
    for kind, rec_id, data in others:
        if ctx.b.get(rec_id) is not None:
            continue  # a resend: it was written with the command the first time
        subject = data.get("resident_id") or (rec_id if kind is RecordKind.STAFF else None)
        versions = new_record(data).versions if merge_class(kind) is MergeClass.MERGEABLE else {}
        rec = ctx.b.add(Rec(id=rec_id, kind=str(kind), facility_id=ctx.facility_id, data=data,
                            versions=versions, created_hash=stable_hash([str(kind), data]),
                            subject_id=subject if isinstance(subject, str) else None))
        ctx.b.emit(rec)
        written.append(rec_id)
    return written


def open_at_discharge(ctx: Context, stay_id: str, user_id: str) -> Outcome:
    """The completeness review a discharge opens, by the rule the discharging
    terminal ran too (:func:`review_at_discharge`): the same id and arguments, so
    the terminal's own ``open_review`` arrives as a repeat. A discharge whose
    review was already opened by hand keeps that one (``review_exists``)."""
    stay = ctx.b.get(stay_id, str(RecordKind.STAY))
    if stay is None:
        return rejected(Reason.NOT_FOUND, target=stay_id)
    facility = ctx.b.get(ctx.facility_id, str(RecordKind.FACILITY))
    checklist = facility_checklist(facility.data if facility else {})
    spec = RECORDS_COMMANDS["open_review"]
    try:
        args = spec.clean_args(review_at_discharge(stay.id, stay.data, checklist))
    except (ValidationError, SchemaError) as invalid:
        # The discharge stands; the review waits on the due list ("discharge to review").
        return rejected(Reason.INVALID, str(invalid), target=stay_id)
    return run(ctx, spec.name, args, user_id)
