"""Stored case records read as the rules' own types, and their clocks.

Case records are plain maps on the wire and in both stores; the rules in
:mod:`protocol.rules.records` take dataclasses. These functions are the one
place that reads one as the other, so the terminal, the server and the portal
compute the same due dates from the same records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from protocol.errors import ValidationError
from protocol.rules.dates import day_of, moment_of
from protocol.rules.records.amendments import Amendment, DenialGround, Outcome, amendment_due
from protocol.rules.records.completeness import Checklist, Deficiency, Review
from protocol.rules.records.deadlines import ExtensionNotice
from protocol.rules.records.disclosures import Basis, Disclosure, Suspension, accounting_due
from protocol.rules.records.profile import (
    LATER_FIELD,
    RecordsProfile,
    default_profile,
    from_stored,
)
from protocol.rules.records.requests import Due, request_clock
from protocol.rules.records.retention import ClosedRecord, LegalHold, record_span


def _day(value: Any) -> date:
    return day_of(value) or date.min


def notices_of(case: Mapping[str, Any]) -> tuple[ExtensionNotice, ...]:
    return tuple(ExtensionNotice(given_on=_day(n["given_on"]), reason=str(n["reason"]),
                                 new_due_on=_day(n["new_due_on"]),
                                 in_writing=bool(n.get("in_writing", True)))
                 for n in case.get("extensions") or ())


@dataclass(frozen=True)
class CaseClock:
    due: Due
    basis: str
    extended: bool

    def is_overdue(self, now: datetime) -> bool:
        return self.due.is_overdue(now)


def request_clock_of(case: Mapping[str, Any], profile: RecordsProfile) -> CaseClock:
    """When the answer to a stored request is due (an accounting: 60 days)."""
    from .requests import ACCOUNTING, record_request_of

    notices = notices_of(case)
    if case.get("ask") == ACCOUNTING:
        clock = accounting_due(_day(case.get("received_at")), notices)
        return CaseClock(Due(clock.due_on), "accounting within 60 days of the request "
                         "(45 CFR 164.528(c)(1))" + (" as extended" if clock.extension else ""),
                         clock.extension is not None)
    full = request_clock(record_request_of(case), profile, notices)
    return CaseClock(full.due, full.basis, full.extension is not None)


def amendment_of(request_id: str, case: Mapping[str, Any]) -> Amendment:
    denial = case.get("denial") or {}
    ground = denial.get("ground")
    return Amendment(
        request_id=request_id, entry_ids=frozenset(case.get("entry_ids") or ()),
        received_on=_day(case.get("received_on")),
        outcome=Outcome(case.get("outcome") or Outcome.PENDING),
        amendment_entry_id=case.get("amendment_entry_id"),
        denial_id=f"{request_id}/denial" if case.get("outcome") == Outcome.DENIED else None,
        denial_ground=DenialGround(ground) if ground else None,
        disagreement_id=f"{request_id}/disagreement" if case.get("disagreement") else None,
        rebuttal_id=f"{request_id}/rebuttal" if case.get("rebuttal") else None,
        include_request_and_denial=bool(case.get("include_request_and_denial")))


def amendment_clock_of(case: Mapping[str, Any]) -> CaseClock:
    clock = amendment_due(_day(case.get("received_on")), notices_of(case))
    return CaseClock(Due(clock.due_on), "decision within 60 days (45 CFR 164.526(b)(2))"
                     + (" as extended" if clock.extension else ""), clock.extension is not None)


def disclosure_of(data: Mapping[str, Any]) -> Disclosure:
    return Disclosure(disclosed_on=_day(data.get("disclosed_on")), basis=Basis(data["basis"]),
                      recipient=str(data.get("recipient") or ""),
                      recipient_address=str(data.get("recipient_address") or ""),
                      description=str(data.get("description") or ""),
                      purpose=str(data.get("purpose") or ""),
                      permitted=bool(data.get("permitted", True)),
                      business_associate=str(data.get("business_associate") or ""))


def suspension_of(data: Mapping[str, Any]) -> Suspension:
    return Suspension(recipient=str(data["recipient"]), stated_on=_day(data["stated_on"]),
                      written=bool(data["written"]), until=day_of(data.get("until")),
                      documented_by=str(data.get("documented_by") or ""))


def review_of(review_id: str, case: Mapping[str, Any]) -> Review:
    return Review(review_id, _day(case.get("discharged_on")), tuple(
        Deficiency(str(d["code"]), str(d["title"]), d.get("assignee"),
                   day_of(d.get("resolved_on")))
        for d in case.get("deficiencies") or ()))


def hold_of(data: Mapping[str, Any]) -> LegalHold:
    return LegalHold(resident_id=str(data["resident_id"]), placed_by=str(data["placed_by"]),
                     reason=str(data["reason"]), placed_on=_day(data["placed_on"]),
                     released_on=day_of(data.get("released_on")),
                     released_by=str(data.get("released_by") or ""))


def closed_record_of(resident_id: str, resident: Mapping[str, Any],
                     stays: Iterable[Mapping[str, Any]]) -> ClosedRecord | None:
    """The resident's record as a closed one, or None while a stay is current
    (or the resident was never admitted)."""
    span = record_span(list(stays))
    if span is None:
        return None
    name = f"{resident.get('family_name', '')}, {resident.get('given_name', '')}".strip(", ")
    return ClosedRecord(resident_id=resident_id, name=name, mrn=str(resident.get("mrn") or ""),
                        birth_date=day_of(resident.get("birth_date")),
                        first_admitted_on=span[0], last_discharged_on=span[1])


def moment(value: Any) -> datetime | None:
    return moment_of(value)


def facility_profile(facility: Mapping[str, Any]) -> RecordsProfile:
    """A facility's records profile from its record: its own (``records_profile``,
    with the settings added later kept beside it, :data:`LATER_FIELD`) when set and
    valid, else its state's default (``state_code``)."""
    raw = facility.get("records_profile")
    if isinstance(raw, Mapping):
        try:
            return from_stored(raw, facility.get(LATER_FIELD))
        except ValidationError:
            pass  # an unreadable stored profile falls back to the state's
    return default_profile(str(facility.get("state_code") or "US"))


def facility_checklist(facility: Mapping[str, Any]) -> Checklist | None:
    """A facility's own completeness checklist (``completeness_checklist``), if any."""
    raw = facility.get("completeness_checklist")
    if isinstance(raw, Mapping):
        try:
            return Checklist.from_dict(raw)
        except ValidationError:
            return None
    return None
