"""Amendment requests (45 CFR 164.526): asked, extended once, accepted or denied.

- **Accepted**: the amendment is a new note that amends one of the entries
  asked about (a ``note`` whose ``amends`` names it); the original is never
  changed. The parties to notify — the resident, those the resident named,
  those known to hold the entry — are listed, and each is marked when told.
- **Denied**: one of the four grounds, with a letter that holds every element
  of (d)(1). The resident may file a statement of disagreement, the facility
  a rebuttal; with a statement, the request, the denial, the statement and
  the rebuttal go with every later release of the entry
  (:func:`attachments_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from protocol.args import Arg
from protocol.errors import Refused, ValidationError
from protocol.records import RecordKind
from protocol.records.checks import _bool, _date, _record_id
from protocol.rules.records.amendments import (
    DenialGround,
    DenialLetter,
    Outcome,
    attachments_for_release,
    check_denial_ground,
    check_denial_letter,
    parties_to_notify,
)
from protocol.rules.records.deadlines import AMENDMENT_DAYS, ExtensionNotice, check_extension

from .fields import LONG_TEXT, OPTIONAL_TEXT, TEXT, choice_of, record_ids, texts
from .reading import amendment_of, notices_of
from .spec import (
    RM,
    Case,
    CaseFacts,
    CaseSpec,
    Named,
    dated,
    need_case,
    need_resident,
    not_before,
    not_future,
)

AMENDMENT = RecordKind.AMENDMENT_REQUEST


def _need(case: Case | None, outcome: Outcome | None = Outcome.PENDING) -> Case:
    case = need_case(case, "amendment request")
    if outcome is not None and case.get("outcome") != outcome:
        raise Refused("amendment_decided" if outcome is Outcome.PENDING else "not_denied",
                      f"the amendment request is {case.get('outcome')}")
    return case


def _check_request(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    need_resident(facts, args["resident_id"], "request_amendment")
    not_future("received_on", args["received_on"], facts.today)
    if not args["entry_ids"]:
        raise ValidationError("entry_ids", "name the entries to amend")
    for entry_id in args["entry_ids"]:
        entry = facts.records.get(entry_id)
        if entry is None or entry.data.get("resident_id") != args["resident_id"]:
            raise ValidationError("entry_ids", "each entry must be one of the resident's "
                                               "records")


def _request(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {"resident_id": args["resident_id"], "received_on": args["received_on"],
            "entry_ids": list(args["entry_ids"]), "asked": args["asked"],
            "named_parties": list(args.get("named_parties", [])), "outcome": "pending",
            "extensions": [], "decided_on": None, "amendment_entry_id": None, "denial": None,
            "disagreement": None, "rebuttal": None, "include_request_and_denial": False,
            "notify": [], "opened_by": user_id}


def _check_extend(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need(case)
    not_future("given_on", args["given_on"], facts.today)
    notice = ExtensionNotice(given_on=dated(args["given_on"]), reason=args["reason"],
                             new_due_on=dated(args["new_due_on"]),
                             in_writing=bool(args.get("in_writing", True)))
    check_extension(dated(case["received_on"]), AMENDMENT_DAYS, notices_of(case), notice)


def _extend(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    before = case or {}
    notice = {"given_on": args["given_on"], "reason": args["reason"],
              "new_due_on": args["new_due_on"], "in_writing": bool(args.get("in_writing", True)),
              "by": user_id}
    return {**before, "extensions": [*before.get("extensions", []), notice]}


def _check_accept(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need(case)
    decided = not_future("decided_on", args["decided_on"], facts.today)
    not_before("decided_on", decided, case["received_on"], "the date received")
    entry_id = args["amendment_entry_id"]
    if entry_id in case["entry_ids"]:
        raise ValidationError("amendment_entry_id", "the original entry is never changed: "
                                                    "append a new entry that amends it")
    note = facts.record(entry_id, RecordKind.NOTE)
    if note is None or note.data.get("amends") not in case["entry_ids"]:
        raise ValidationError("amendment_entry_id", "must be a note that amends one of the "
                                                    "entries asked about")


def _accept(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    before = dict(case or {})
    after = {**before, "outcome": "accepted", "decided_on": args["decided_on"],
             "amendment_entry_id": args["amendment_entry_id"], "decided_by": user_id}
    parties = parties_to_notify(amendment_of("", after), resident="the resident",
                                named_by_resident=before.get("named_parties", []),
                                known_holders=args.get("known_holders", []))
    after["notify"] = [{"name": p.name, "why": p.why, "notified_on": None} for p in parties]
    return after


_LETTER_TEXT = ("basis_in_plain_language", "how_to_disagree", "complaint_contact",
                "complaint_phone")
_LETTER_FLAGS = ("states_right_to_disagree", "states_request_may_accompany_disclosures",
                 "states_complaint_to_hhs")


def _letter(args: Mapping[str, Any]) -> DenialLetter:
    def text(key: str) -> str:
        return str(args.get(key) or "")

    return DenialLetter(
        ground=DenialGround(args["ground"]),
        basis_in_plain_language=text("basis_in_plain_language"),
        states_right_to_disagree=bool(args.get("states_right_to_disagree")),
        how_to_disagree=text("how_to_disagree"),
        states_request_may_accompany_disclosures=bool(
            args.get("states_request_may_accompany_disclosures")),
        complaint_contact=text("complaint_contact"), complaint_phone=text("complaint_phone"),
        states_complaint_to_hhs=bool(args.get("states_complaint_to_hhs")))


def _check_deny(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need(case)
    decided = not_future("decided_on", args["decided_on"], facts.today)
    not_before("decided_on", decided, case["received_on"], "the date received")
    check_denial_ground(DenialGround(args["ground"]),
                        originator_unavailable=bool(args.get("originator_unavailable")))
    check_denial_letter(_letter(args))


def _deny(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    denial = {"ground": args["ground"], **{k: args.get(k, "") for k in _LETTER_TEXT},
              **{k: bool(args.get(k)) for k in _LETTER_FLAGS}}
    return {**(case or {}), "outcome": "denied", "decided_on": args["decided_on"],
            "denial": denial, "decided_by": user_id}


def _check_disagreement(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need(case, Outcome.DENIED)
    if case.get("disagreement"):
        raise Refused("already_filed", "a statement of disagreement is already on file")
    filed = not_future("filed_on", args["filed_on"], facts.today)
    not_before("filed_on", filed, case.get("decided_on"), "the denial")


def _disagree(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {**(case or {}), "disagreement": {"filed_on": args["filed_on"],
                                             "statement": args["statement"], "by": user_id}}


def _check_rebuttal(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need(case, Outcome.DENIED)
    if not case.get("disagreement"):
        raise Refused("no_disagreement", "a rebuttal answers a statement of disagreement; "
                                         "none is on file")
    if case.get("rebuttal"):
        raise Refused("already_filed", "a rebuttal is already on file")
    filed = not_future("filed_on", args["filed_on"], facts.today)
    not_before("filed_on", filed, case["disagreement"]["filed_on"], "the statement")


def _rebut(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {**(case or {}), "rebuttal": {"filed_on": args["filed_on"], "text": args["text"],
                                         "by": user_id}}


def _check_include(case: Case | None, _args: Mapping[str, Any], _facts: CaseFacts) -> None:
    _need(case, Outcome.DENIED)


def _include(case: Case | None, _args: Mapping[str, Any], _user: str) -> Case:
    return {**(case or {}), "include_request_and_denial": True}


def _check_notified(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    case = _need(case, Outcome.ACCEPTED)
    not_future("notified_on", args["notified_on"], facts.today)
    if not any(p["name"] == args["party"] for p in case.get("notify", [])):
        raise ValidationError("party", "is not one of the parties to notify")


def _notified(case: Case | None, args: Mapping[str, Any], _user: str) -> Case:
    before = case or {}
    notify = [{**p, "notified_on": args["notified_on"]} if p["name"] == args["party"] else p
              for p in before.get("notify", [])]
    return {**before, "notify": notify}


def attachments_of(amendments: Iterable[Named], entry_ids: Iterable[str]
                   ) -> list[dict[str, Any]]:
    """What goes with a release of ``entry_ids``, as stored maps: the
    amendment request's id, what each link is, and its text."""
    cases = {n.id: n.data for n in amendments}
    links = attachments_for_release(entry_ids, [amendment_of(i, c) for i, c in cases.items()])
    out = []
    for link in links:
        case = cases[link.request_id]
        text = {"amendment": f"amendment entry {case.get('amendment_entry_id')}",
                "amendment_request": case.get("asked", ""),
                "denial": (case.get("denial") or {}).get("basis_in_plain_language", ""),
                "statement_of_disagreement": (case.get("disagreement") or {}).get("statement",
                                                                                  ""),
                "rebuttal": (case.get("rebuttal") or {}).get("text", "")}[str(link.kind)]
        out.append({"request_id": link.request_id, "kind": str(link.kind),
                    "record_id": link.record_id, "text": text})
    return out


_ID = Arg("amendment_id", _record_id, required=True)

SPECS = (
    CaseSpec("request_amendment", AMENDMENT, "amendment_id", (
        _ID, Arg("resident_id", _record_id, required=True),
        Arg("received_on", _date, required=True),
        Arg("entry_ids", record_ids, required=True), Arg("asked", LONG_TEXT, required=True),
        Arg("named_parties", texts()),
    ), _check_request, _request, "record a request to amend the record", creates=True),
    CaseSpec("extend_amendment", AMENDMENT, "amendment_id", (
        _ID, Arg("given_on", _date, required=True), Arg("reason", TEXT, required=True),
        Arg("new_due_on", _date, required=True), Arg("in_writing", _bool),
    ), _check_extend, _extend, "extend the amendment decision once, with written notice",
        roles=RM),
    CaseSpec("accept_amendment", AMENDMENT, "amendment_id", (
        _ID, Arg("decided_on", _date, required=True),
        Arg("amendment_entry_id", _record_id, required=True),
        Arg("known_holders", texts()),
    ), _check_accept, _accept, "accept the amendment", roles=RM),
    CaseSpec("deny_amendment", AMENDMENT, "amendment_id", (
        _ID, Arg("decided_on", _date, required=True),
        Arg("ground", choice_of(DenialGround), required=True),
        Arg("originator_unavailable", _bool),
        *(Arg(k, OPTIONAL_TEXT) for k in _LETTER_TEXT), *(Arg(k, _bool) for k in _LETTER_FLAGS),
    ), _check_deny, _deny, "deny the amendment, with the letter", roles=RM),
    CaseSpec("file_disagreement", AMENDMENT, "amendment_id", (
        _ID, Arg("filed_on", _date, required=True), Arg("statement", LONG_TEXT, required=True),
    ), _check_disagreement, _disagree, "file the resident's statement of disagreement"),
    CaseSpec("file_rebuttal", AMENDMENT, "amendment_id", (
        _ID, Arg("filed_on", _date, required=True), Arg("text", LONG_TEXT, required=True),
    ), _check_rebuttal, _rebut, "file the facility's rebuttal", roles=RM),
    CaseSpec("include_request_and_denial", AMENDMENT, "amendment_id", (_ID,),
             _check_include, _include,
             "send the request and denial with later releases, as the resident asked"),
    CaseSpec("mark_notified", AMENDMENT, "amendment_id", (
        _ID, Arg("party", TEXT, required=True), Arg("notified_on", _date, required=True),
    ), _check_notified, _notified, "mark a party told of the amendment"),
)
