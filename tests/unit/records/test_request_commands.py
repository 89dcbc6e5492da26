"""Requests for records as commands: each clock worked out by hand, through the
stored case and the department's due list the terminal, the portal and the
demo show."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from protocol.errors import Refused, ValidationError
from protocol.rules.records.authorizations import AuthorizationError
from protocol.rules.records.due_list import DueItem, due_items, status_line

from .cases import RESIDENT, RESIDENT_ID, Desk, ident

VALID_AUTHORIZATION: dict[str, Any] = {
    "information": "Progress notes", "disclosers": "Maple Grove", "recipients": "Doe LLP",
    "purposes": "litigation", "expires_on": "2027-12-31", "signed_by": "A. Okafor",
    "signed_on": "2026-09-01", "states_right_to_revoke": True, "states_conditioning": True,
    "states_redisclosure": True,
}


def open_request(desk: Desk, n: int, received_at: str, **more: Any) -> str:
    args = {"request_id": ident(n), "resident_id": RESIDENT_ID, "received_at": received_at,
            "requester": "Adaeze Okafor", "authority": "resident", "what": "her chart",
            "current_resident": True, **more}
    desk.run("open_request", args)
    return ident(n)


def due(desk: Desk, now: datetime) -> dict[str, DueItem]:
    residents = {RESIDENT_ID: dict(RESIDENT.data)}
    return {i.record_id: i for i in due_items(desk.cases(), residents, {}, desk.profile, now)}


def test_inspection_and_copies_over_a_weekend() -> None:
    """Thursday 1 October 2026, 10:00: inspect within 24 working-day hours →
    Friday 10:00; copies within 2 working days → Monday 5 October 10:00."""
    desk = Desk(date(2026, 10, 1))
    inspect = open_request(desk, 10, "2026-10-01T10:00", ask="inspect")
    copies = open_request(desk, 11, "2026-10-01T10:00", ask="copies")
    items = due(desk, datetime(2026, 10, 2, 9, 0))
    assert items[inspect].due_text == "2026-10-02 10:00"
    assert items[copies].due_text == "2026-10-05 10:00"
    assert not items[inspect].overdue
    assert due(desk, datetime(2026, 10, 2, 10, 1))[inspect].overdue
    assert not due(desk, datetime(2026, 10, 2, 10, 1))[copies].overdue


def test_thanksgiving_is_not_counted() -> None:
    """Wednesday 25 November 2026 10:00; Thursday 26 is Thanksgiving: inspect by
    Friday 27 10:00, copies by Monday 30 10:00."""
    desk = Desk(date(2026, 11, 25))
    inspect = open_request(desk, 12, "2026-11-25T10:00", ask="inspect")
    copies = open_request(desk, 13, "2026-11-25T10:00")
    items = due(desk, datetime(2026, 11, 25, 12, 0))
    assert (items[inspect].due_text, items[copies].due_text) == \
        ("2026-11-27 10:00", "2026-11-30 10:00")


def test_a_saturday_request_counts_from_monday() -> None:
    """Saturday 3 October 2026: the clock starts Monday 00:00, so inspection is
    due by the end of Monday 5 October."""
    desk = Desk(date(2026, 10, 3))
    inspect = open_request(desk, 14, "2026-10-03T15:00", ask="inspect")
    assert due(desk, datetime(2026, 10, 3, 16, 0))[inspect].due_text == "2026-10-05"


def test_thirty_days_across_a_month_end_and_one_extension_only_when_timely() -> None:
    """A former resident's attorney, received 31 January 2027: due 2 March 2027
    (28 days of February). Notice given on 2 March extends it to at most
    1 April; one given on 3 March would be void; a second is refused."""
    desk = Desk(date(2027, 3, 3))
    request = open_request(desk, 15, "2027-01-31T09:00", current_resident=False,
                           authority="attorney", requester="Doe LLP")
    assert due(desk, datetime(2027, 2, 1))[request].due_text == "2027-03-02"
    late = {"request_id": request, "given_on": "2027-03-03", "reason": "archive",
            "new_due_on": "2027-04-01"}
    with pytest.raises(Refused) as refused:
        desk.run("extend_request", late)
    assert refused.value.reason == "extension_notice_late"
    with pytest.raises(ValidationError) as too_far:
        desk.run("extend_request", {**late, "given_on": "2027-03-02",
                                    "new_due_on": "2027-04-02"})
    assert too_far.value.field == "new_due_on"
    desk.run("extend_request", {**late, "given_on": "2027-03-02"})
    item = due(desk, datetime(2027, 3, 3))[request]
    assert (item.due_text, item.basis.endswith("as extended")) == ("2027-04-01", True)
    with pytest.raises(Refused) as second:
        desk.run("extend_request", {**late, "given_on": "2027-03-02",
                                    "new_due_on": "2027-03-20"})
    assert second.value.reason == "extension_already_given"


def test_a_residents_own_clock_cannot_be_extended() -> None:
    desk = Desk(date(2026, 10, 1))
    request = open_request(desk, 16, "2026-10-01T10:00")
    with pytest.raises(Refused) as refused:
        desk.run("extend_request", {"request_id": request, "given_on": "2026-10-01",
                                    "reason": "busy", "new_due_on": "2026-10-20"})
    assert refused.value.reason == "no_extension"


def test_an_accounting_is_due_in_60_days() -> None:
    """Received 10 November 2026: 60 days → 9 January 2027."""
    desk = Desk(date(2026, 11, 10))
    request = open_request(desk, 17, "2026-11-10T11:00", ask="accounting")
    assert due(desk, datetime(2026, 11, 10, 12, 0))[request].due_text == "2027-01-09"
    with pytest.raises(ValidationError):
        open_request(desk, 18, "2026-11-10T11:00", ask="accounting", authority="insurer",
                     requester="Acme Health")


def test_every_missing_authorization_element_is_named() -> None:
    desk = Desk(date(2026, 10, 1))
    with pytest.raises(AuthorizationError) as refused:
        open_request(desk, 19, "2026-10-01T10:00", authority="attorney", requester="Doe LLP",
                     authorization={"information": "notes", "signed_by": "A. Okafor"})
    fields = {p.field for p in refused.value.problems}
    assert fields == {"disclosers", "recipients", "purposes", "expires_on", "signed_on",
                      "states_right_to_revoke", "states_conditioning", "states_redisclosure"}


def test_a_release_under_an_expired_authorization_is_refused() -> None:
    desk = Desk(date(2028, 1, 5))
    request = open_request(desk, 20, "2027-12-20T10:00", authority="attorney",
                           requester="Doe LLP", current_resident=False,
                           authorization=VALID_AUTHORIZATION)
    with pytest.raises(AuthorizationError) as expired:
        desk.run("release_records", {"request_id": request, "disclosure_id": ident(21),
                                     "released_on": "2028-01-05", "parts": ["notes"],
                                     "description": "notes"})
    assert "expired on 2027-12-31" in str(expired.value)
    after = desk.run("release_records", {"request_id": request, "disclosure_id": ident(21),
                                         "released_on": "2027-12-31", "parts": ["notes"],
                                         "description": "notes"})
    assert after["status"] == "released"
    assert desk.records[ident(21)].data["basis"] == "authorization"
    with pytest.raises(Refused):
        desk.run("close_request", {"request_id": request, "outcome": "withdrawn",
                                   "reason": "x", "closed_on": "2028-01-05"})


def test_the_status_line_counts_due_and_overdue() -> None:
    desk = Desk(date(2026, 10, 1))
    open_request(desk, 22, "2026-10-01T10:00", ask="inspect")
    open_request(desk, 23, "2026-10-01T10:00")
    now = datetime(2026, 10, 2, 11, 0)
    items = list(due(desk, now).values())
    assert status_line(items, now) == "records: 2 due · 1 overdue · next 2026-10-05 10:00"
    assert status_line([], now) == "records: nothing due"
