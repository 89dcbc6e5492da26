"""Requests for records (release of information), their clocks, and the
disclosures a release logs.

A request names the requester, their authority, what is asked for and why.
A HIPAA authorization, when one is captured, must hold every required
element (45 CFR 164.508(c)): one that lacks any is refused, naming each.
A release to a requester who needs one (an attorney, an insurer not paying
for care) is refused until a valid authorization is on file. Every release is
logged as a disclosure (``disclosure`` record), which the accounting
(:mod:`protocol.rules.records.disclosures`) lists or excludes by its basis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.args import Arg
from protocol.errors import Refused, ValidationError
from protocol.records import RecordKind
from protocol.records.checks import _bool, _choice, _date, _datetime, _record_id, _text
from protocol.rules.dates import day_of, moment_of
from protocol.rules.records.authorizations import check_authorization
from protocol.rules.records.deadlines import ACCOUNTING_DAYS, ExtensionNotice, check_extension
from protocol.rules.records.disclosures import (
    Basis,
    basis_for_release,
    check_entry,
    classify,
    suspension_problem,
)
from protocol.rules.records.requests import (
    OWN_ACCESS,
    Ask,
    Authority,
    RecordRequest,
    check_request_extension,
    needs_authorization,
)

from .fields import (
    LONG_TEXT,
    OPTIONAL_TEXT,
    TEXT,
    authorization_arg,
    authorization_of,
    choice_of,
    record_ids,
    texts,
)
from .reading import disclosure_of, notices_of, suspension_of
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

ACCOUNTING = "accounting"
"""An individual asking for the accounting of disclosures (45 CFR 164.528)."""
ASKS = (str(Ask.INSPECT), str(Ask.COPIES), ACCOUNTING)
OUTCOMES = ("denied", "withdrawn")

REQUEST = RecordKind.RECORD_REQUEST


def record_request_of(case: Mapping[str, Any]) -> RecordRequest:
    """The rule's view of a stored request (an accounting request has a HIPAA clock)."""
    received = moment_of(case.get("received_at"))
    if received is None:
        raise ValidationError("received_at", "must be a date and time")
    ask = Ask.INSPECT if case.get("ask") == Ask.INSPECT else Ask.COPIES
    return RecordRequest(received_at=received, authority=Authority(case["authority"]),
                         ask=ask, current_resident=bool(case.get("current_resident"))
                         and case.get("ask") != ACCOUNTING,
                         respond_by=day_of(case.get("respond_by")))


def _need_open(case: Case | None) -> Case:
    case = need_case(case, "request for records")
    if case.get("status") != "open":
        raise Refused("request_closed", f"the request is already {case.get('status')}")
    return case


# --- open -----------------------------------------------------------------------------------


def _check_open(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    need_resident(facts, args["resident_id"], "open_request")
    received = not_future("received_at", args["received_at"], facts.today)
    if args.get("ask") == ACCOUNTING and args["authority"] not in OWN_ACCESS:
        raise ValidationError("ask", "only the resident or their personal representative may "
                                     "ask for the accounting of disclosures")
    if args.get("respond_by") is not None:
        not_before("respond_by", args["respond_by"], received, "the date received")
    if args.get("authorization") is not None:
        check_authorization(authorization_of(args["authorization"]), received)


def _open(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {
        "resident_id": args["resident_id"], "received_at": args["received_at"],
        "requester": args["requester"], "requester_address": args.get("requester_address", ""),
        "authority": args["authority"], "ask": args.get("ask", str(Ask.COPIES)),
        "what": args["what"], "why": args.get("why", ""),
        "current_resident": bool(args.get("current_resident", False)),
        "respond_by": args.get("respond_by"), "for_payment": bool(args.get("for_payment")),
        "authorization": args.get("authorization"), "extensions": [], "releases": [],
        "status": "open", "opened_by": user_id, "closed_on": None, "close_reason": "",
    }


# --- authorization, extension, release, close -----------------------------------------------------


def _check_authorization(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    _need_open(case)
    check_authorization(authorization_of(args["authorization"]), facts.today)


def _authorize(case: Case | None, args: Mapping[str, Any], _user: str) -> Case:
    return {**(case or {}), "authorization": args["authorization"]}


def _notice(args: Mapping[str, Any]) -> ExtensionNotice:
    return ExtensionNotice(given_on=dated(args["given_on"]), reason=args["reason"],
                           new_due_on=dated(args["new_due_on"]),
                           in_writing=bool(args.get("in_writing", True)))


def _check_extend(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need_open(case)
    not_future("given_on", args["given_on"], facts.today)
    earlier, notice = notices_of(case), _notice(args)
    if case.get("ask") == ACCOUNTING:
        received = day_of(case["received_at"]) or facts.today
        check_extension(received, ACCOUNTING_DAYS, earlier, notice)
    else:
        check_request_extension(record_request_of(case), earlier, notice)


def _extend(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    before = case or {}
    notice = {"given_on": args["given_on"], "reason": args["reason"],
              "new_due_on": args["new_due_on"], "in_writing": bool(args.get("in_writing", True)),
              "by": user_id}
    return {**before, "extensions": [*before.get("extensions", []), notice]}


def release_basis(case: Mapping[str, Any]) -> Basis:
    return basis_for_release(Authority(case["authority"]),
                             under_authorization=case.get("authorization") is not None,
                             for_payment=bool(case.get("for_payment")))


def _check_release(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need_open(case)
    released = not_future("released_on", args["released_on"], facts.today)
    not_before("released_on", released, case.get("received_at"), "the date received")
    authority = Authority(case["authority"])
    if needs_authorization(authority, for_payment=bool(case.get("for_payment"))):
        if case.get("authorization") is None:
            raise Refused("authorization_invalid", "this requester needs the resident's "
                          "HIPAA-valid authorization on file before anything is released")
        check_authorization(authorization_of(case["authorization"]), released)
    for entry_id in args.get("entry_ids", []):
        entry = facts.records.get(entry_id)
        if entry is None or entry.data.get("resident_id") != case["resident_id"]:
            raise ValidationError("entry_ids", "every entry released must be one of the "
                                               "resident's records")


def _release(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    before = case or {}
    release = {"disclosure_id": args["disclosure_id"], "released_on": args["released_on"],
               "parts": list(args["parts"]), "entry_ids": list(args.get("entry_ids", [])),
               "description": args["description"], "by": user_id}
    return {**before, "status": "released", "closed_on": args["released_on"],
            "releases": [*before.get("releases", []), release]}


def _released_disclosure(args: Mapping[str, Any], after: Case
                         ) -> tuple[tuple[RecordKind, str, Case], ...]:
    data = {
        "resident_id": after["resident_id"], "disclosed_on": args["released_on"],
        "basis": str(release_basis(after)), "recipient": after["requester"],
        "recipient_address": after.get("requester_address", ""),
        "description": args["description"], "purpose": after.get("why") or after["what"],
        "permitted": True, "business_associate": "", "request_id": args["request_id"],
        "source": "release",
    }
    return ((RecordKind.DISCLOSURE, args["disclosure_id"], data),)


def _derive_release(after: Case, args: Mapping[str, Any], facts: CaseFacts) -> Case:
    """What must go with the release: each accepted amendment of a released
    entry, and a denial's request, letter, statement and rebuttal
    (:func:`protocol.rules.records.amendments.attachments_for_release`)."""
    from .amendments import attachments_of

    links = attachments_of(facts.about_kind(after["resident_id"],
                                            RecordKind.AMENDMENT_REQUEST),
                           args.get("entry_ids", []))
    releases = [dict(r) for r in after.get("releases", [])]
    if releases:
        releases[-1]["_attachments"] = links
    return {**after, "releases": releases}


def _check_close(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need_open(case)
    closed = not_future("closed_on", args["closed_on"], facts.today)
    not_before("closed_on", closed, case.get("received_at"), "the date received")


def _close(case: Case | None, args: Mapping[str, Any], _user: str) -> Case:
    return {**(case or {}), "status": args["outcome"], "closed_on": args["closed_on"],
            "close_reason": args["reason"]}


# --- disclosures logged by hand, suspensions ----------------------------------------------


def _check_disclosure(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    need_resident(facts, args["resident_id"], "log_disclosure")
    not_future("disclosed_on", args["disclosed_on"], facts.today)
    disclosure = disclosure_of(_log(None, args, ""))
    if classify(disclosure).accountable:
        check_entry(disclosure)


def _log(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {
        "resident_id": args["resident_id"], "disclosed_on": args["disclosed_on"],
        "basis": args["basis"], "recipient": args["recipient"],
        "recipient_address": args.get("recipient_address", ""),
        "description": args.get("description", ""), "purpose": args.get("purpose", ""),
        "permitted": bool(args.get("permitted", True)),
        "business_associate": args.get("business_associate", ""), "request_id": None,
        "source": "entered", "entered_by": user_id,
    }


def _check_suspension(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    not_future("stated_on", args["stated_on"], facts.today)
    problem = suspension_problem(suspension_of(args))
    if problem is not None:
        raise problem


def _suspend(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {"recipient": args["recipient"], "stated_on": args["stated_on"],
            "written": bool(args["written"]), "until": args.get("until"),
            "documented_by": args.get("documented_by", ""), "entered_by": user_id}


_REQUEST_ID = Arg("request_id", _record_id, required=True)
_NOTICE = (Arg("given_on", _date, required=True), Arg("reason", TEXT, required=True),
           Arg("new_due_on", _date, required=True), Arg("in_writing", _bool))

SPECS = (
    CaseSpec("open_request", REQUEST, "request_id", (
        _REQUEST_ID, Arg("resident_id", _record_id, required=True),
        Arg("received_at", _datetime, required=True), Arg("requester", TEXT, required=True),
        Arg("requester_address", OPTIONAL_TEXT),
        Arg("authority", choice_of(Authority), required=True), Arg("ask", _choice(*ASKS)),
        Arg("what", LONG_TEXT, required=True), Arg("why", _text(4000, allow_empty=True)),
        Arg("current_resident", _bool), Arg("respond_by", _date), Arg("for_payment", _bool),
        Arg("authorization", authorization_arg),
    ), _check_open, _open, "open a request for records", creates=True),
    CaseSpec("record_authorization", REQUEST, "request_id", (
        _REQUEST_ID, Arg("authorization", authorization_arg, required=True),
    ), _check_authorization, _authorize, "record the resident's authorization"),
    CaseSpec("extend_request", REQUEST, "request_id", (_REQUEST_ID, *_NOTICE),
             _check_extend, _extend, "extend the request once, with written notice",
             roles=RM),
    CaseSpec("release_records", REQUEST, "request_id", (
        _REQUEST_ID, Arg("disclosure_id", _record_id, required=True),
        Arg("released_on", _date, required=True), Arg("parts", texts(), required=True),
        Arg("entry_ids", record_ids), Arg("description", TEXT, required=True),
    ), _check_release, _release, "release the records asked for", roles=RM,
        also=_released_disclosure, derive=_derive_release),
    CaseSpec("close_request", REQUEST, "request_id", (
        _REQUEST_ID, Arg("outcome", _choice(*OUTCOMES), required=True),
        Arg("reason", TEXT, required=True), Arg("closed_on", _date, required=True),
    ), _check_close, _close, "close the request without a release", roles=RM),
    CaseSpec("log_disclosure", RecordKind.DISCLOSURE, "disclosure_id", (
        Arg("disclosure_id", _record_id, required=True),
        Arg("resident_id", _record_id, required=True),
        Arg("disclosed_on", _date, required=True), Arg("basis", choice_of(Basis), required=True),
        Arg("recipient", TEXT, required=True), Arg("recipient_address", OPTIONAL_TEXT),
        Arg("description", OPTIONAL_TEXT), Arg("purpose", OPTIONAL_TEXT),
        Arg("permitted", _bool), Arg("business_associate", OPTIONAL_TEXT),
    ), _check_disclosure, _log, "log a disclosure made outside Chartkeep", creates=True),
    CaseSpec("suspend_accounting", RecordKind.ACCOUNTING_SUSPENSION, "suspension_id", (
        Arg("suspension_id", _record_id, required=True), Arg("recipient", TEXT, required=True),
        Arg("stated_on", _date, required=True), Arg("written", _bool, required=True),
        Arg("until", _date), Arg("documented_by", OPTIONAL_TEXT),
    ), _check_suspension, _suspend, "suspend the accounting of an agency's disclosures",
        roles=RM, creates=True),
)


