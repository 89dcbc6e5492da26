"""Legal holds and destruction: listed, approved by the records manager, carried
out before a witness, the certificate kept for good.

Nothing on hold is destroyed: the list, the approval and the destruction
itself each check the holds on their own date, and the schedule
(:func:`protocol.rules.records.retention.retention_schedule`) from the
facility's profile. A destruction record is never removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from protocol.args import Arg
from protocol.errors import Refused, ValidationError
from protocol.records import RecordKind
from protocol.records.checks import _date, _record_id, _text
from protocol.rules.records.reasons import RecordsReason
from protocol.rules.records.retention import (
    ClosedRecord,
    DestroyedRecord,
    DestructionLog,
    DestructionMethod,
    LegalHold,
    check_destruction,
    hold_problems,
    may_destroy_on,
    retention_schedule,
)

from .fields import TEXT, choice_of, map_list
from .reading import closed_record_of, hold_of
from .spec import (
    RM,
    Case,
    CaseFacts,
    CaseSpec,
    dated,
    need_case,
    need_resident,
    not_before,
    not_future,
)

HOLD = RecordKind.LEGAL_HOLD
DESTRUCTION = RecordKind.DESTRUCTION


def closed_record(facts: CaseFacts, resident_id: str) -> ClosedRecord | None:
    resident = facts.record(resident_id, RecordKind.RESIDENT)
    if resident is None:
        return None
    stays = [s.data for s in facts.about_kind(resident_id, RecordKind.STAY)]
    return closed_record_of(resident_id, resident.data, stays)


def holds_on(facts: CaseFacts, resident_id: str) -> tuple[LegalHold, ...]:
    return tuple(hold_of(n.data) for n in facts.about_kind(resident_id, HOLD))


# --- holds ------------------------------------------------------------------------------------


def _check_place(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    need_resident(facts, args["resident_id"], "place_hold")
    not_future("placed_on", args["placed_on"], facts.today)
    problems = hold_problems(hold_of(args))
    if problems:
        raise problems[0]


def _place(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {"resident_id": args["resident_id"], "placed_by": args["placed_by"],
            "reason": args["reason"], "placed_on": args["placed_on"], "released_on": None,
            "released_by": "", "entered_by": user_id}


def _check_release(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = need_case(case, "legal hold")
    if case.get("released_on"):
        raise Refused("hold_released", "the hold was already released")
    released = not_future("released_on", args["released_on"], facts.today)
    not_before("released_on", released, case["placed_on"], "the hold began")


def _release(case: Case | None, args: Mapping[str, Any], _user: str) -> Case:
    return {**(case or {}), "released_on": args["released_on"],
            "released_by": args["released_by"]}


# --- destruction ------------------------------------------------------------------------------


def _check_destroyable(facts: CaseFacts, entries: list[Mapping[str, Any]], on: date) -> None:
    for entry in entries:
        record = closed_record(facts, entry["resident_id"])
        label = f"{entry['name']} ({entry['mrn']})"
        if record is None:
            raise ValidationError("records", f"{label} is not a closed record here")
        holds = holds_on(facts, record.resident_id)
        if any(h.is_active_on(on) for h in holds):
            raise Refused(RecordsReason.ON_LEGAL_HOLD, f"{label} is on legal hold")
        schedule = retention_schedule(record, facts.profile)
        if schedule.minor is None:
            raise Refused(RecordsReason.RETENTION_NOT_ENDED, f"{label} has no birth date: "
                          "the minors' rules cannot be ruled out")
        if not may_destroy_on(schedule, holds, on):
            raise Refused(RecordsReason.RETENTION_NOT_ENDED,
                          f"{label} must be kept through {schedule.ends_on.isoformat()}")


def _check_propose(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    listed = not_future("listed_on", args["listed_on"], facts.today)
    for entry in args["records"]:
        need_resident(facts, entry["resident_id"], "propose_destruction")
    _check_destroyable(facts, args["records"], listed)


def _propose(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {"listed_on": args["listed_on"], "records": [dict(r) for r in args["records"]],
            "status": "proposed", "listed_by": user_id, "approved_on": None,
            "approved_by": None, "destroyed_on": None, "method": None, "destroyed_by": None,
            "witnessed_by": None}


def _derive_records(after: Case, _args: Mapping[str, Any], facts: CaseFacts) -> Case:
    """The certificate names each record as the server holds it (name, MRN, dates)."""
    records = []
    for entry in after["records"]:
        record = closed_record(facts, entry["resident_id"])
        if record is None:
            records.append(entry)
            continue
        d = DestroyedRecord.of(record)
        records.append({"resident_id": d.resident_id, "name": d.name, "mrn": d.mrn,
                        "first_date": d.first_date.isoformat(),
                        "last_date": d.last_date.isoformat()})
    return {**after, "records": records}


def _check_approve(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = need_case(case, "destruction list")
    if case.get("status") != "proposed":
        raise Refused("destruction_not_proposed", f"the list is already {case.get('status')}")
    approved = not_future("approved_on", args["approved_on"], facts.today)
    not_before("approved_on", approved, case["listed_on"], "the list")
    _check_destroyable(facts, case["records"], approved)


def _approve(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {**(case or {}), "status": "approved", "approved_on": args["approved_on"],
            "approved_by": user_id}


def _log(case: Case, args: Mapping[str, Any]) -> DestructionLog:
    return DestructionLog(
        destroyed_on=dated(args["destroyed_on"]), method=DestructionMethod(args["method"]),
        records=tuple(DestroyedRecord(r["resident_id"], r["name"], r["mrn"],
                                      dated(r["first_date"]), dated(r["last_date"]))
                      for r in case["records"]),
        destroyed_by=args["destroyed_by"], witnessed_by=args["witnessed_by"],
        approved_by=str(case.get("approved_by") or ""))


def _check_destroy(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = need_case(case, "destruction list")
    if case.get("status") != "approved":
        raise Refused("destruction_not_approved", "the records manager must approve the list "
                      "first" if case.get("status") == "proposed" else
                      f"the list is already {case.get('status')}")
    destroyed = not_future("destroyed_on", args["destroyed_on"], facts.today)
    not_before("destroyed_on", destroyed, case["approved_on"], "the approval")
    closed = {r["resident_id"]: rec for r in case["records"]
              if (rec := closed_record(facts, r["resident_id"])) is not None}
    holds = [h for rid in closed for h in holds_on(facts, rid)]
    check_destruction(_log(case, args), closed, facts.profile, holds)


def _destroy(case: Case | None, args: Mapping[str, Any], _user: str) -> Case:
    return {**(case or {}), "status": "destroyed", "destroyed_on": args["destroyed_on"],
            "method": args["method"], "destroyed_by": args["destroyed_by"],
            "witnessed_by": args["witnessed_by"]}


RECORD_ENTRY = map_list({"resident_id": (_record_id, True), "name": (TEXT, True),
                         "mrn": (_text(40), True), "first_date": (_date, True),
                         "last_date": (_date, True)}, 500)

SPECS = (
    CaseSpec("place_hold", HOLD, "hold_id", (
        Arg("hold_id", _record_id, required=True), Arg("resident_id", _record_id, required=True),
        Arg("placed_by", TEXT, required=True), Arg("reason", TEXT, required=True),
        Arg("placed_on", _date, required=True),
    ), _check_place, _place, "place a legal hold", roles=RM, creates=True),
    CaseSpec("release_hold", HOLD, "hold_id", (
        Arg("hold_id", _record_id, required=True), Arg("released_on", _date, required=True),
        Arg("released_by", TEXT, required=True),
    ), _check_release, _release, "release a legal hold", roles=RM),
    CaseSpec("propose_destruction", DESTRUCTION, "destruction_id", (
        Arg("destruction_id", _record_id, required=True),
        Arg("listed_on", _date, required=True), Arg("records", RECORD_ENTRY, required=True),
    ), _check_propose, _propose, "list records for destruction", roles=RM, creates=True,
        derive=_derive_records),
    CaseSpec("approve_destruction", DESTRUCTION, "destruction_id", (
        Arg("destruction_id", _record_id, required=True),
        Arg("approved_on", _date, required=True),
    ), _check_approve, _approve, "approve the destruction list", roles=RM),
    CaseSpec("record_destruction", DESTRUCTION, "destruction_id", (
        Arg("destruction_id", _record_id, required=True),
        Arg("destroyed_on", _date, required=True),
        Arg("method", choice_of(DestructionMethod), required=True),
        Arg("destroyed_by", TEXT, required=True), Arg("witnessed_by", TEXT, required=True),
    ), _check_destroy, _destroy, "record the destruction and its witness", roles=RM),
)
