"""Hiring: applicants and their stages, the hire that makes a staff member
without retyping, and the onboarding checklist that must be complete before a
first shift (:mod:`protocol.rules.department.onboarding`).

A job posting is its own record (position, department, hours a week,
requirements), open until the records manager closes it (with its outcome and
why). An applicant is added with the posting they answer (open, at this
facility; its position and department, never typed again) or none (a walk-in:
position and department typed; no department is refused), the position's
details and checklist, and the staff id they will have if hired, so the checklist can be
found from the staff member at the terminal and at the server alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.args import Arg
from protocol.errors import Refused, ValidationError
from protocol.reasons import Reason
from protocol.records import RecordKind
from protocol.records.checks import _choice, _date, _int_range, _pattern, _record_id
from protocol.records.codes import PBJ_EMPLOYEE_ID
from protocol.rules.department.onboarding import (
    CREDENTIALS,
    EVIDENCED,
    ITEMS,
    POSTING_OUTCOMES,
    STAGES,
    evidence_problem,
    voided_evidence,
)

from .fields import OPTIONAL_TEXT, TEXT, texts
from .spec import RM, Case, CaseFacts, CaseSpec, need_case, not_future


def _checklist(name: str, value: Any) -> list[str]:
    items: list[str] = texts(len(ITEMS), 40)(name, value)
    bad = [i for i in items if i not in ITEMS]
    if bad:
        raise ValidationError(name, f"{bad[0]!r} is not one of " + ", ".join(ITEMS))
    return items


def _posting_check(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    not_future("posted_on", args["posted_on"], facts.today)


def _posting(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {**{k: v for k, v in args.items() if k != "posting_id"},
            "requirements": list(args.get("requirements") or ()), "posted_by": user_id,
            "status": "open"}


def _close_check(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = need_case(case, "job posting")
    if case.get("status") == "closed":
        raise Refused(Reason.INVALID, "this posting is already closed")
    closed_on = not_future("closed_on", args["closed_on"], facts.today)
    if closed_on.isoformat() < str(case.get("posted_on") or ""):
        raise ValidationError("closed_on", "is before the posting was posted")


def _close(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    assert case is not None
    return {**case, "status": "closed", "closed_on": args["closed_on"], "closed_by": user_id,
            "close_reason": args.get("reason") or "", "outcome": args.get("outcome") or ""}


NO_DEPARTMENT = ("name the department the applicant would work in (when they answer a "
                 "posting, the posting's)")
"""Why an applicant with no department is refused: the hire makes the staff member
from the applicant, and a staff member with no department is one the department's
rosters, budgets and postings cannot place."""


def _applicant_check(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    not_future("applied_on", args["applied_on"], facts.today)
    if not str(args.get("department") or "").strip():
        raise ValidationError("department", NO_DEPARTMENT)
    posting_id = args.get("posting_id")
    if posting_id is None:
        return
    posting = facts.record(posting_id, RecordKind.JOB_POSTING)
    if posting is None:
        raise Refused(Reason.NOT_FOUND, "no such job posting at this facility")
    if posting.data.get("status") == "closed":
        raise Refused(Reason.INVALID, "this job posting is closed")
    for name in ("position", "department"):
        posted = str(posting.data.get(name) or "")
        if args.get(name) and args[name] != posted:
            raise ValidationError(name, f"is the posting's: {posted}")


def _applicant(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {**{k: v for k, v in args.items() if k != "applicant_id"}, "stage": "applied",
            "stages": [{"stage": "applied", "on": args["applied_on"], "by": user_id}],
            "completed": []}


def _not_closed(case: Case | None) -> Case:
    case = need_case(case, "applicant")
    if case.get("stage") in ("hired", "declined"):
        raise Refused(Reason.INVALID, f"this applicant is already {case['stage']}")
    return case


def _stage_check(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    _not_closed(case)
    not_future("on", args["on"], facts.today)


def _stage(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    assert case is not None
    entry = {"stage": args["stage"], "on": args["on"], "by": user_id,
             "interviewers": list(args.get("interviewers") or ()),
             "notes": args.get("notes") or ""}
    return {**case, "stage": args["stage"], "stages": [*case.get("stages", ()), entry]}


def _hire_check(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _not_closed(case)
    if case.get("stage") != "offered":
        raise Refused(Reason.INVALID, "make an offer before hiring")
    not_future("hire_date", args["hire_date"], facts.today)


def _hire(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    assert case is not None
    return {**case, "stage": "hired", "employee_id": args["employee_id"],
            "hire_date": args["hire_date"],
            "stages": [*case.get("stages", ()), {"stage": "hired", "on": args["hire_date"],
                                                 "by": user_id}]}


def _staff_from(_args: Mapping[str, Any], after: Case) -> tuple[tuple[RecordKind, str, Case],
                                                                 ...]:
    """The staff member the hire makes, from what the applicant already holds."""
    return ((RecordKind.STAFF, after["staff_id"], {
        "employee_id": after["employee_id"], "family_name": after["family_name"],
        "given_name": after["given_name"], "job_title_code": after["job_title_code"],
        "pay_type_code": after["pay_type_code"], "department": after.get("department", ""),
        "hire_date": after["hire_date"]}),)


def _complete_check(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = need_case(case, "applicant")
    if args["item"] not in (case.get("checklist") or ()):
        raise ValidationError("item", "is not on this applicant's checklist")
    done_on = not_future("done_on", args["done_on"], facts.today)
    if args["item"] == "credential":
        if not args.get("credential") or not args.get("expires_on"):
            raise ValidationError("credential", "name the credential and its expiry")
        if args["expires_on"] <= done_on.isoformat():
            raise ValidationError("expires_on", "the credential has expired")
    if args["item"] in EVIDENCED:
        staff_id = str(case.get("staff_id"))
        shown = facts.records.get(str(args.get("evidence_id") or ""))
        voided = voided_evidence((n.id, n.data, n.status) for n in facts.about.get(staff_id, ()))
        problem = evidence_problem(
            args["item"], staff_id, int(case.get("job_title_code") or 0),
            done_on, shown.kind if shown else None, shown.data if shown else None,
            shown.status if shown else "active", voided=shown is not None and shown.id in voided)
        if problem:
            raise ValidationError("evidence_id", problem)


def _complete(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    assert case is not None
    done = [i for i in case.get("completed") or () if i["item"] != args["item"]]
    entry = {"item": args["item"], "done_on": args["done_on"], "by": user_id,
             "detail": args.get("detail") or "", "credential": args.get("credential"),
             "expires_on": args.get("expires_on")}
    if args.get("evidence_id"):
        entry["evidence_id"] = args["evidence_id"]
    return {**case, "completed": [*done, entry]}


_ID = Arg("applicant_id", _record_id, required=True)
_POSTING = Arg("posting_id", _record_id, required=True)

SPECS = (
    CaseSpec("post_job", RecordKind.JOB_POSTING, "posting_id", (
        _POSTING, Arg("position", TEXT, required=True), Arg("department", TEXT, required=True),
        Arg("hours_per_week", _int_range(1, 80), required=True),
        Arg("requirements", texts(20, 200)), Arg("posted_on", _date, required=True),
    ), _posting_check, _posting, "post a job", roles=RM, creates=True),
    CaseSpec("close_posting", RecordKind.JOB_POSTING, "posting_id", (
        _POSTING, Arg("closed_on", _date, required=True), Arg("reason", OPTIONAL_TEXT),
        Arg("outcome", _choice(*POSTING_OUTCOMES)),
    ), _close_check, _close, "close a job posting", roles=RM),
    CaseSpec("add_applicant", RecordKind.APPLICANT, "applicant_id", (
        _ID, Arg("staff_id", _record_id, required=True), Arg("posting_id", _record_id),
        Arg("position", TEXT, required=True), Arg("department", OPTIONAL_TEXT),
        Arg("job_title_code", _int_range(1, 40), required=True),
        Arg("pay_type_code", _int_range(1, 3), required=True),
        Arg("family_name", TEXT, required=True), Arg("given_name", TEXT, required=True),
        Arg("contact", OPTIONAL_TEXT), Arg("applied_on", _date, required=True),
        Arg("checklist", _checklist, required=True),
    ), _applicant_check, _applicant, "add an applicant", roles=RM, creates=True),
    CaseSpec("record_stage", RecordKind.APPLICANT, "applicant_id", (
        _ID, Arg("stage", _choice(*(s for s in STAGES if s not in ("applied", "hired"))),
                 required=True),
        Arg("on", _date, required=True), Arg("interviewers", texts(10, 80)),
        Arg("notes", OPTIONAL_TEXT),
    ), _stage_check, _stage, "record an applicant's stage", roles=RM),
    CaseSpec("hire_applicant", RecordKind.APPLICANT, "applicant_id", (
        _ID, Arg("employee_id", _pattern(PBJ_EMPLOYEE_ID, "is a PBJ employee id"),
                 required=True),
        Arg("hire_date", _date, required=True),
    ), _hire_check, _hire, "hire the applicant", roles=RM, also=_staff_from),
    CaseSpec("complete_onboarding", RecordKind.APPLICANT, "applicant_id", (
        _ID, Arg("item", _choice(*ITEMS), required=True), Arg("done_on", _date, required=True),
        Arg("detail", OPTIONAL_TEXT), Arg("credential", _choice(*CREDENTIALS)),
        Arg("expires_on", _date), Arg("evidence_id", _record_id),
    ), _complete_check, _complete, "complete an onboarding item", roles=RM),
)
