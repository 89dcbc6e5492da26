"""Amendment requests (164.526): clock, grounds, letter, links, what goes with a release."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from protocol.errors import Refused, ValidationError
from protocol.rules.records.amendments import (
    DENIAL_GROUNDS,
    Amendment,
    DenialGround,
    DenialLetter,
    Link,
    LinkKind,
    Outcome,
    Party,
    amendment_due,
    amendment_problems,
    attachments_for_release,
    check_denial_ground,
    check_denial_letter,
    denial_letter_problems,
    links_of,
    parties_to_notify,
)
from protocol.rules.records.deadlines import ExtensionNotice, check_extension


def test_decision_due_in_60_days_one_extension_with_notice_in_the_first_period() -> None:
    received = date(2026, 11, 2)
    # 2 Nov + 28 = 30 Nov (28), + 31 = 31 Dec (59), + 1 = 1 Jan 2027 (60): a holiday, no roll
    assert amendment_due(received).due_on == date(2027, 1, 1)
    on_day_60 = ExtensionNotice(date(2027, 1, 1), "originator on leave", date(2027, 1, 31))
    check_extension(received, 60, [], on_day_60)
    assert amendment_due(received, [on_day_60]).due_on == date(2027, 1, 31)
    on_day_61 = replace(on_day_60, given_on=date(2027, 1, 2))
    with pytest.raises(Refused):
        check_extension(received, 60, [], on_day_61)
    assert amendment_due(received, [on_day_61]).due_on == date(2027, 1, 1)


def test_exactly_four_denial_grounds() -> None:
    assert list(DENIAL_GROUNDS) == [
        DenialGround.NOT_CREATED_HERE, DenialGround.NOT_IN_DESIGNATED_RECORD_SET,
        DenialGround.NOT_OPEN_TO_INSPECTION, DenialGround.ACCURATE_AND_COMPLETE]
    assert "164.526(a)(2)(iv)" in DENIAL_GROUNDS[DenialGround.ACCURATE_AND_COMPLETE]


def test_not_created_here_is_no_ground_when_the_originator_is_unavailable() -> None:
    check_denial_ground(DenialGround.NOT_CREATED_HERE, originator_unavailable=False)
    with pytest.raises(Refused) as refused:
        check_denial_ground(DenialGround.NOT_CREATED_HERE, originator_unavailable=True)
    assert refused.value.reason == "denial_ground_unavailable"
    check_denial_ground(DenialGround.ACCURATE_AND_COMPLETE, originator_unavailable=True)


COMPLETE_LETTER = DenialLetter(
    ground=DenialGround.ACCURATE_AND_COMPLETE,
    basis_in_plain_language="The weight recorded on 3 May was checked against the scale log.",
    states_right_to_disagree=True,
    how_to_disagree="Write to the records manager at the address below.",
    states_request_may_accompany_disclosures=True,
    complaint_contact="Privacy Officer",
    complaint_phone="555-0100",
    states_complaint_to_hhs=True,
)


def test_a_denial_letter_must_state_all_of_it() -> None:
    assert denial_letter_problems(COMPLETE_LETTER) == ()
    check_denial_letter(COMPLETE_LETTER)
    assert [p.field for p in denial_letter_problems(DenialLetter())] == [
        "ground", "basis_in_plain_language", "states_right_to_disagree", "how_to_disagree",
        "states_request_may_accompany_disclosures", "complaint_contact", "complaint_phone",
        "states_complaint_to_hhs"]
    with pytest.raises(ValidationError) as invalid:
        check_denial_letter(replace(COMPLETE_LETTER, complaint_phone=""))
    assert invalid.value.field == "denial_letter"
    assert "telephone" in invalid.value.reason


ACCEPTED = Amendment("req-1", frozenset({"note-1"}), date(2026, 11, 2), Outcome.ACCEPTED,
                     amendment_entry_id="note-9")
DISPUTED = Amendment("req-2", frozenset({"note-2"}), date(2026, 11, 2), Outcome.DENIED,
                     denial_id="den-2", denial_ground=DenialGround.ACCURATE_AND_COMPLETE,
                     disagreement_id="dis-2", rebuttal_id="reb-2")
SILENT = Amendment("req-3", frozenset({"note-3"}), date(2026, 11, 2), Outcome.DENIED,
                   denial_id="den-3", denial_ground=DenialGround.NOT_CREATED_HERE)
ASKED = replace(SILENT, request_id="req-4", denial_id="den-4", include_request_and_denial=True)
PENDING = Amendment("req-5", frozenset({"note-1"}), date(2026, 11, 20))


def test_valid_amendments_have_no_problems() -> None:
    for amendment in (ACCEPTED, DISPUTED, SILENT, ASKED, PENDING):
        assert amendment_problems(amendment) == ()


@pytest.mark.parametrize(("amendment", "fields"), [
    (replace(ACCEPTED, amendment_entry_id=None), ["amendment_entry_id"]),
    (replace(ACCEPTED, amendment_entry_id="note-1"), ["amendment_entry_id"]),  # overwrite
    (replace(ACCEPTED, entry_ids=frozenset()), ["entry_ids"]),
    (replace(DISPUTED, denial_id=None, denial_ground=None), ["denial_id", "denial_ground"]),
    (replace(DISPUTED, disagreement_id=None), ["rebuttal_id"]),
    (replace(PENDING, disagreement_id="dis-5"), ["disagreement_id"]),
])
def test_amendment_problems(amendment: Amendment, fields: list[str]) -> None:
    assert [p.field for p in amendment_problems(amendment)] == fields


def test_what_stays_linked_to_the_entry() -> None:
    assert links_of(ACCEPTED) == (Link("note-9", LinkKind.AMENDMENT, "req-1"),)
    assert links_of(DISPUTED) == (
        Link("req-2", LinkKind.REQUEST, "req-2"), Link("den-2", LinkKind.DENIAL, "req-2"),
        Link("dis-2", LinkKind.DISAGREEMENT, "req-2"), Link("reb-2", LinkKind.REBUTTAL, "req-2"))
    # a denial with no statement keeps the request and the denial linked all the same
    assert [link.kind for link in links_of(SILENT)] == [LinkKind.REQUEST, LinkKind.DENIAL]
    assert links_of(PENDING) == ()


def test_a_later_release_carries_the_amendments_and_disagreements() -> None:
    everything = [ACCEPTED, DISPUTED, SILENT, ASKED, PENDING]
    released = attachments_for_release(["note-1", "note-2", "note-3"], everything)
    assert [link.record_id for link in released] == [
        "note-9",                                  # the accepted amendment of note-1
        "req-2", "den-2", "dis-2", "reb-2",        # disputed denial: all four
        # SILENT: no statement, resident did not ask → nothing
        "req-4", "den-4",                          # no statement but the resident asked
    ]
    assert [link.record_id for link in attachments_for_release(["note-2"], everything)] == [
        "req-2", "den-2", "dis-2", "reb-2"]
    assert attachments_for_release(["note-7"], everything) == ()


def test_an_amendment_of_two_released_entries_goes_once() -> None:
    both = replace(ACCEPTED, entry_ids=frozenset({"note-1", "note-2"}))
    assert attachments_for_release(["note-1", "note-2"], [both]) == (
        Link("note-9", LinkKind.AMENDMENT, "req-1"),)


def test_parties_to_notify_of_an_accepted_amendment() -> None:
    parties = parties_to_notify(ACCEPTED, resident="Rose Alder",
                                named_by_resident=["Dr. Patel", "Hillside Hospital"],
                                known_holders=["Hillside Hospital", "MedBill Services (BA)"])
    assert [p.name for p in parties] == ["Rose Alder", "Dr. Patel", "Hillside Hospital",
                                         "MedBill Services (BA)"]
    assert parties[0] == Party("Rose Alder",
                               "the resident: the amendment is accepted (164.526(c)(2))")
    assert "164.526(c)(3)(ii)" in parties[3].why
    assert parties_to_notify(DISPUTED, resident="Rose Alder", named_by_resident=["X"]) == ()
