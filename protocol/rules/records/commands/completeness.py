"""Completeness reviews at discharge: the checklist, deficiencies, who completes them.

A discharge (a death too) opens its review by itself (:func:`review_at_discharge`,
run by the terminal that discharges and by the server that applies the
discharge) with every document of the facility's checklist as a deficiency; a
review opened by hand lists only the documents the clerk did not find. Each is
assigned to the person who must complete it and resolved when done. The
record is delinquent from discharge + the profile's days + 1 while any is
open (:mod:`protocol.rules.records.completeness`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.args import Arg
from protocol.errors import Refused, ValidationError
from protocol.ids import derived_id
from protocol.reasons import Reason
from protocol.records import RecordKind
from protocol.records.checks import _date, _record_id, _text
from protocol.rules.records.completeness import Checklist, RequiredDocument
from protocol.rules.records.reasons import RecordsReason
from protocol.rules.residents.census import StayStatus

from .fields import TEXT, map_list, texts
from .spec import Case, CaseFacts, CaseSpec, need_case, need_resident, not_before, not_future

REVIEW = RecordKind.COMPLETENESS_REVIEW

DEFAULT_CHECKLIST = Checklist((
    RequiredDocument("discharge_summary", "Discharge summary (recapitulation of the stay)"),
    RequiredDocument("discharge_order", "Physician's discharge order"),
    RequiredDocument("final_progress_note", "Final progress note"),
    RequiredDocument("medication_reconciliation", "Medication reconciliation"),
    RequiredDocument("discharge_mds", "Discharge MDS assessment"),
    RequiredDocument("care_plan", "Final care plan"),
    RequiredDocument("death_certificate", "Death certificate copy", frozenset({"death"})),
    RequiredDocument("transfer_form", "Transfer form", frozenset({"hospital",
                                                                  "other_facility"})),
))
"""The checklist a facility starts from (the facility's own replaces it: data)."""

_CODE = _text(60)


def _checklist(facts: CaseFacts) -> Checklist:
    return facts.checklist or DEFAULT_CHECKLIST


def deficiencies_for(checklist: Checklist, disposition: str | None,
                     present: list[str]) -> list[dict[str, Any]]:
    """The deficiencies of a new review: each required document not present."""
    return [{"code": d.code, "title": d.title, "assignee": None, "resolved_on": None}
            for d in checklist.required_for(disposition) if d.code not in present]


def review_at_discharge(stay_id: str, stay: Mapping[str, Any],
                        checklist: Checklist | None) -> dict[str, Any]:
    """The ``open_review`` arguments of the review a discharged stay opens: every
    document the checklist requires for its disposition is a deficiency until
    completed. The review's id comes from the stay's, so the review the
    discharging terminal opens and the one the server opens are one record."""
    disposition = stay.get("disposition")
    return {"review_id": derived_id(stay_id, "completeness_review"),
            "resident_id": stay["resident_id"], "stay_id": stay_id,
            "discharged_on": str(stay["discharged_at"])[:10], "disposition": disposition,
            "present": [],
            "deficiencies": deficiencies_for(checklist or DEFAULT_CHECKLIST,
                                             str(disposition) if disposition else None, [])}


def _check_stay(args: Mapping[str, Any], facts: CaseFacts) -> None:
    """A review that names its stay is of that stay's discharge (so a review opened
    with a discharge the server then refused is refused too)."""
    stay = facts.record(args["stay_id"], RecordKind.STAY)
    if stay is None or stay.data.get("resident_id") != args["resident_id"]:
        raise Refused(Reason.NOT_FOUND, "no such stay of this resident")
    if (stay.data.get("status") != StayStatus.DISCHARGED
            or str(stay.data.get("discharged_at") or "")[:10] != args["discharged_on"]):
        raise Refused(RecordsReason.NOT_DISCHARGED, "that stay was not discharged on "
                      f"{args['discharged_on']}")


def _check_open(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    need_resident(facts, args["resident_id"], "open_review")
    not_future("discharged_on", args["discharged_on"], facts.today)
    if args.get("stay_id"):
        _check_stay(args, facts)
    checklist = _checklist(facts)
    known = {d.code for d in checklist.documents}
    unknown = [c for c in args.get("present", []) if c not in known]
    if unknown:
        raise ValidationError("present", f"{unknown[0]} is not on the facility's checklist")
    for other in facts.about_kind(args["resident_id"], REVIEW):
        if other.data.get("discharged_on") == args["discharged_on"]:
            raise Refused("review_exists", "this discharge already has a completeness review")


def _open(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {"resident_id": args["resident_id"], "stay_id": args.get("stay_id"),
            "discharged_on": args["discharged_on"], "disposition": args.get("disposition"),
            "present": list(args.get("present", [])),
            "deficiencies": [dict(d) for d in args["deficiencies"]], "opened_by": user_id}


def _derive_open(after: Case, _args: Mapping[str, Any], facts: CaseFacts) -> Case:
    """The server's checklist decides the deficiencies (the terminal predicted them
    from its own copy of the same data)."""
    wanted = deficiencies_for(_checklist(facts), after.get("disposition"), after["present"])
    return {**after, "deficiencies": wanted}


def _deficiency(case: Case, code: str) -> dict[str, Any]:
    for d in case.get("deficiencies", []):
        if d["code"] == code:
            return dict(d)
    raise ValidationError("code", "is not a deficiency of this review")


def _check_assign(case: Case | None, args: Mapping[str, Any], _facts: CaseFacts) -> None:
    case = need_case(case, "completeness review")
    if _deficiency(case, args["code"]).get("resolved_on"):
        raise Refused("deficiency_resolved", "that deficiency is already resolved")


def _with(case: Case | None, code: str, **values: Any) -> Case:
    before = case or {}
    return {**before, "deficiencies": [{**d, **values} if d["code"] == code else d
                                       for d in before.get("deficiencies", [])]}


def _assign(case: Case | None, args: Mapping[str, Any], _user: str) -> Case:
    return _with(case, args["code"], assignee=args["assignee"])


def _check_resolve(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = need_case(case, "completeness review")
    if _deficiency(case, args["code"]).get("resolved_on"):
        raise Refused("deficiency_resolved", "that deficiency is already resolved")
    resolved = not_future("resolved_on", args["resolved_on"], facts.today)
    not_before("resolved_on", resolved, case["discharged_on"], "the discharge")


def _resolve(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return _with(case, args["code"], resolved_on=args["resolved_on"], resolved_by=user_id)


_ID = Arg("review_id", _record_id, required=True)
DEFICIENCY = map_list({"code": (_CODE, True), "title": (TEXT, True),
                       "assignee": (_text(80), False), "resolved_on": (_date, False)}, 100)


def _deficiencies(name: str, value: Any) -> list[dict[str, Any]]:
    return DEFICIENCY(name, value) if value else []


SPECS = (
    CaseSpec("open_review", REVIEW, "review_id", (
        _ID, Arg("resident_id", _record_id, required=True), Arg("stay_id", _record_id),
        Arg("discharged_on", _date, required=True), Arg("disposition", _text(40)),
        Arg("present", texts(100, 60)), Arg("deficiencies", _deficiencies, required=True),
    ), _check_open, _open, "open the completeness review of a discharge", creates=True,
        derive=_derive_open, predicted=("deficiencies",)),
    CaseSpec("assign_deficiency", REVIEW, "review_id", (
        _ID, Arg("code", _CODE, required=True), Arg("assignee", _text(80), required=True),
    ), _check_assign, _assign, "assign a deficiency"),
    CaseSpec("resolve_deficiency", REVIEW, "review_id", (
        _ID, Arg("code", _CODE, required=True), Arg("resolved_on", _date, required=True),
    ), _check_resolve, _resolve, "mark a deficiency completed"),
)
