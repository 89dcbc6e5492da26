"""Retention end dates for an adult and a minor under two state profiles, and a
legal hold that stops the destruction list, its approval and the destruction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from protocol.commands import Named
from protocol.errors import Refused, ValidationError
from protocol.rules.records.due_list import due_items
from protocol.rules.records.profile import default_profile

from .cases import Desk, ident

ADULT, MINOR = ident(101), ident(102)
PEOPLE = (
    Named("resident", ADULT, {"family_name": "Adams", "given_name": "Al", "mrn": "UT-1",
                              "birth_date": "1930-04-04"}),
    Named("stay", ident(201), {"resident_id": ADULT, "admitted_at": "2016-01-10",
                               "discharged_at": "2018-06-30", "status": "discharged"}),
    Named("resident", MINOR, {"family_name": "Young", "given_name": "Yu", "mrn": "UT-2",
                              "birth_date": "2000-05-10"}),
    Named("stay", ident(202), {"resident_id": MINOR, "admitted_at": "2014-06-01",
                               "discharged_at": "2015-02-01", "status": "discharged"}),
)


def entry(resident_id: str) -> dict[str, Any]:
    person = next(p for p in PEOPLE if p.id == resident_id)
    stay = next(p for p in PEOPLE if p.data.get("resident_id") == resident_id)
    return {"resident_id": resident_id, "name": person.data["family_name"],
            "mrn": person.data["mrn"], "first_date": stay.data["admitted_at"],
            "last_date": stay.data["discharged_at"]}


def destroy_from(desk: Desk) -> dict[str, str]:
    residents = {p.id: p.data for p in PEOPLE if p.kind == "resident"}
    stays = {p.data["resident_id"]: [p.data] for p in PEOPLE if p.kind == "stay"}
    return {i.resident_id: i.due_text for i in due_items(
        desk.cases(), residents, stays, desk.profile, desk_now(desk))
        if i.area == "destruction"}


def desk_now(desk: Desk) -> Any:
    from datetime import datetime, time

    return datetime.combine(desk.today, time(9, 0))


@pytest.mark.parametrize(("state", "adult_from", "minor_from"), [
    # Utah: adult 7 years after the last discharge (2025-06-30); minor until age 22
    # (2022-05-10), never under 7 years (2022-02-01); federal 5 years / 18 + 3.
    ("UT", "2025-07-01", "2022-05-11"),
    # Washington: adult 8 years (2026-06-30); minor the longer of 18 + 3 (2021-05-10)
    # and 10 years after discharge (2025-02-01).
    ("WA", "2026-07-01", "2025-02-02"),
    # No state rule (Ohio): federal 5 years (2023-06-30); minor 18 + 3 (2021-05-10) or
    # 5 years (2020-02-01).
    ("OH", "2023-07-01", "2021-05-11"),
])
def test_destruction_dates_for_an_adult_and_a_minor(state: str, adult_from: str,
                                                    minor_from: str) -> None:
    desk = Desk(date(2026, 11, 10), default_profile(state), PEOPLE)
    assert destroy_from(desk) == {ADULT: adult_from, MINOR: minor_from}


def test_a_hold_stops_the_list_the_approval_and_the_destruction() -> None:
    desk = Desk(date(2026, 11, 10), default_profile("UT"), PEOPLE)
    desk.run("place_hold", {"hold_id": ident(301), "resident_id": MINOR,
                            "placed_by": "County counsel", "reason": "Young v. Cedar",
                            "placed_on": "2026-11-01"})
    assert set(destroy_from(desk)) == {ADULT}
    with pytest.raises(Refused) as held:
        desk.run("propose_destruction", {"destruction_id": ident(401), "listed_on":
                                         "2026-11-10", "records": [entry(MINOR)]})
    assert held.value.reason == "on_legal_hold"
    desk.run("propose_destruction", {"destruction_id": ident(401), "listed_on": "2026-11-10",
                                     "records": [entry(ADULT)]})
    with pytest.raises(Refused) as unapproved:
        desk.run("record_destruction", {"destruction_id": ident(401),
                                        "destroyed_on": "2026-11-10", "method": "shredding",
                                        "destroyed_by": "Pat", "witnessed_by": "Sam"})
    assert unapproved.value.reason == "destruction_not_approved"
    desk.run("place_hold", {"hold_id": ident(302), "resident_id": ADULT,
                            "placed_by": "Risk manager", "reason": "complaint",
                            "placed_on": "2026-11-10"})
    with pytest.raises(Refused):
        desk.run("approve_destruction", {"destruction_id": ident(401),
                                         "approved_on": "2026-11-10"})
    desk.run("release_hold", {"hold_id": ident(302), "released_on": "2026-11-10",
                              "released_by": "Risk manager"})
    with pytest.raises(Refused):  # the release day is still held
        desk.run("approve_destruction", {"destruction_id": ident(401),
                                         "approved_on": "2026-11-10"})
    desk.today = date(2026, 11, 11)
    desk.run("approve_destruction", {"destruction_id": ident(401),
                                     "approved_on": "2026-11-11"})
    with pytest.raises(ValidationError):
        desk.run("record_destruction", {"destruction_id": ident(401),
                                        "destroyed_on": "2026-11-11", "method": "shredding",
                                        "destroyed_by": "Pat", "witnessed_by": "Pat"})
    after = desk.run("record_destruction", {"destruction_id": ident(401),
                                            "destroyed_on": "2026-11-11",
                                            "method": "shredding", "destroyed_by": "Pat",
                                            "witnessed_by": "Sam"})
    assert (after["status"], after["witnessed_by"], after["approved_by"]) == \
        ("destroyed", "Sam", "01J000000000000000000000Z9")
    with pytest.raises(Refused):
        desk.run("record_destruction", {"destruction_id": ident(401),
                                        "destroyed_on": "2026-11-11",
                                        "method": "shredding", "destroyed_by": "Pat",
                                        "witnessed_by": "Sam"})
