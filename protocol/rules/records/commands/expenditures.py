"""The department's budget and spending: budget lines, expenditure requests and
their decisions.

A records manager sets a line's budget; a clerk or records manager asks to
spend against it; the decision belongs to the records manager up to the
facility's approval limit and to the regional manager above it
(:func:`protocol.rules.department.budget.check_decider`, one rule for the
terminal, the server and the portal). A decision records who, when and why;
a refusal must say why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.args import Arg
from protocol.errors import Refused, ValidationError
from protocol.reasons import Reason
from protocol.records import RecordKind, Role
from protocol.records.checks import _choice, _date, _int_range, _record_id
from protocol.rules.department.budget import check_decider, decider_for, money

from .fields import LONG_TEXT, OPTIONAL_TEXT, TEXT, texts
from .spec import BOTH, RM, Case, CaseFacts, CaseSpec, need_case, not_before, not_future

REGION = frozenset({Role.REGIONAL_MANAGER})
DECISIONS = ("approved", "refused")


def _line_check(_case: Case | None, args: Mapping[str, Any], _facts: CaseFacts) -> None:
    """Nothing beyond the arguments' own rules."""


def _line(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {"fiscal_year": args["fiscal_year"], "department": args["department"],
            "account": args["account"], "amount": args["amount"], "set_by": user_id}


def _revise_check(case: Case | None, _args: Mapping[str, Any], _facts: CaseFacts) -> None:
    need_case(case, "budget line")


def _revise(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    assert case is not None
    history = [*case.get("revisions", ()), {"amount": case["amount"], "by": case.get("set_by"),
                                             "reason": args["reason"]}]
    return {**case, "amount": args["amount"], "set_by": user_id, "revisions": history}


def _request_check(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    not_future("requested_on", args["requested_on"], facts.today)
    if facts.record(args["line_id"], RecordKind.BUDGET_LINE) is None:
        raise Refused(Reason.NOT_FOUND, "no such budget line at this facility")


def _request(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {"line_id": args["line_id"], "amount": args["amount"], "vendor": args["vendor"],
            "justification": args["justification"], "requested_on": args["requested_on"],
            "attachments": list(args.get("attachments") or ()), "requested_by": user_id,
            "status": "pending"}


def _with_decider(after: Case, _args: Mapping[str, Any], facts: CaseFacts) -> Case:
    """Who decides it, under the facility's limit as the deciding side knows it."""
    return {**after, "_decider": str(decider_for(after["amount"], facts.expenditure_limit))}


def _decide_check(role: Role) -> Any:
    def check(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
        case = need_case(case, "expenditure request")
        if case.get("status") != "pending":
            raise Refused(Reason.INVALID, f"this request was already {case.get('status')}")
        check_decider(role, case["amount"], facts.expenditure_limit)
        not_future("decided_on", args["decided_on"], facts.today)
        not_before("decided_on", args["decided_on"], case.get("requested_on"), "the request")
        if args["decision"] == "refused" and not args.get("reason"):
            raise ValidationError("reason", "say why the request is refused")

    return check


def _decide(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    assert case is not None
    return {**case, "status": args["decision"], "decided_on": args["decided_on"],
            "decided_by": user_id, "decision_reason": args.get("reason") or ""}


_DECIDE_ARGS = (
    Arg("expenditure_id", _record_id, required=True),
    Arg("decision", _choice(*DECISIONS), required=True),
    Arg("decided_on", _date, required=True), Arg("reason", OPTIONAL_TEXT),
)

SPECS = (
    CaseSpec("set_budget_line", RecordKind.BUDGET_LINE, "line_id", (
        Arg("line_id", _record_id, required=True),
        Arg("fiscal_year", _int_range(2000, 2100), required=True),
        Arg("department", TEXT, required=True), Arg("account", TEXT, required=True),
        Arg("amount", money, required=True),
    ), _line_check, _line, "set a budget line", roles=RM, creates=True),
    CaseSpec("revise_budget_line", RecordKind.BUDGET_LINE, "line_id", (
        Arg("line_id", _record_id, required=True), Arg("amount", money, required=True),
        Arg("reason", TEXT, required=True),
    ), _revise_check, _revise, "revise a budget line", roles=RM),
    CaseSpec("request_expenditure", RecordKind.EXPENDITURE, "expenditure_id", (
        Arg("expenditure_id", _record_id, required=True),
        Arg("line_id", _record_id, required=True), Arg("amount", money, required=True),
        Arg("vendor", TEXT, required=True), Arg("justification", LONG_TEXT, required=True),
        Arg("requested_on", _date, required=True), Arg("attachments", texts(20, 200)),
    ), _request_check, _request, "request an expenditure", roles=BOTH, creates=True,
        derive=_with_decider),
    CaseSpec("decide_expenditure", RecordKind.EXPENDITURE, "expenditure_id", _DECIDE_ARGS,
             _decide_check(Role.RECORDS_MANAGER), _decide, "decide an expenditure request",
             roles=RM, derive=_with_decider),
    CaseSpec("decide_expenditure_above_limit", RecordKind.EXPENDITURE, "expenditure_id",
             _DECIDE_ARGS, _decide_check(Role.REGIONAL_MANAGER), _decide,
             "decide an expenditure request above the facility's limit", roles=REGION,
             derive=_with_decider),
)
