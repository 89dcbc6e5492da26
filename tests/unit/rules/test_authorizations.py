"""HIPAA-valid authorizations (45 CFR 164.508(c)): every missing element named."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from protocol.rules.records.authorizations import (
    Authorization,
    AuthorizationError,
    authorization_problems,
    check_authorization,
    is_valid,
)

TODAY = date(2026, 12, 6)

VALID = Authorization(
    information="discharge summary and medication list, 2025-2026",
    disclosers="Maple Grove Care Center",
    recipients="Hart & Lowe LLP",
    purposes="at the request of the individual",
    expires_on=date(2027, 6, 30),
    signed_by="Rose Alder",
    signed_on=date(2026, 12, 1),
    states_right_to_revoke=True,
    states_conditioning=True,
    states_redisclosure=True,
)


def fields(auth: Authorization) -> list[str]:
    return [p.field for p in authorization_problems(auth, TODAY)]


def test_a_complete_authorization_is_valid() -> None:
    assert authorization_problems(VALID, TODAY) == ()
    assert is_valid(VALID, TODAY)
    check_authorization(VALID, TODAY)
    # an expiration event instead of a date is enough
    assert is_valid(replace(VALID, expires_on=None, expiration_event="end of the lawsuit"),
                    TODAY)


def test_an_empty_form_names_every_core_element_and_statement() -> None:
    assert fields(Authorization()) == [
        "information", "disclosers", "recipients", "purposes", "signed_by",  # (c)(1)
        "expires_on", "signed_on",                                           # (c)(1)(v), (vi)
        "states_right_to_revoke", "states_conditioning", "states_redisclosure",  # (c)(2)
    ]


@pytest.mark.parametrize(("change", "field", "citation"), [
    ({"information": " "}, "information", "164.508(c)(1)(i)"),
    ({"disclosers": ""}, "disclosers", "164.508(c)(1)(ii)"),
    ({"recipients": ""}, "recipients", "164.508(c)(1)(iii)"),
    ({"purposes": ""}, "purposes", "164.508(c)(1)(iv)"),
    ({"expires_on": None}, "expires_on", "164.508(c)(1)(v)"),
    ({"signed_by": ""}, "signed_by", "164.508(c)(1)(vi)"),
    ({"signed_on": None}, "signed_on", "164.508(c)(1)(vi)"),
    ({"signed_by_representative": True}, "representative_authority", "164.508(c)(1)(vi)"),
    ({"states_right_to_revoke": False}, "states_right_to_revoke", "164.508(c)(2)(i)"),
    ({"states_conditioning": False}, "states_conditioning", "164.508(c)(2)(ii)"),
    ({"states_redisclosure": False}, "states_redisclosure", "164.508(c)(2)(iii)"),
    ({"plain_language": False}, "plain_language", "164.508(c)(3)"),
])
def test_each_missing_element_is_named_with_its_citation(
        change: dict[str, object], field: str, citation: str) -> None:
    bad = replace(VALID, **change)  # type: ignore[arg-type]
    problems = authorization_problems(bad, TODAY)
    assert [p.field for p in problems] == [field]
    assert citation in problems[0].citation
    with pytest.raises(AuthorizationError) as refused:
        check_authorization(bad, TODAY)
    assert refused.value.code == "authorization_invalid"
    assert refused.value.field == "authorization"
    assert refused.value.problems == problems


def test_a_representative_signing_states_their_authority() -> None:
    by_guardian = replace(VALID, signed_by="Tom Alder", signed_by_representative=True,
                          representative_authority="court-appointed guardian")
    assert is_valid(by_guardian, TODAY)


def test_expiry_revocation_and_dates() -> None:
    # valid through its expiration date, defective the day after
    assert is_valid(VALID, date(2027, 6, 30))
    assert [p.field for p in authorization_problems(VALID, date(2027, 7, 1))] == ["expires_on"]
    assert fields(replace(VALID, expires_on=None, expiration_event="discharge",
                          expiration_event_occurred=True)) == ["expiration_event"]
    assert fields(replace(VALID, revoked_on=date(2026, 12, 6))) == ["revoked_on"]
    [revoked] = authorization_problems(replace(VALID, revoked_on=date(2026, 12, 6)), TODAY)
    assert revoked.citation == "45 CFR 164.508(b)(2)(iii)"  # (iv) is a (b)(3)/(4) violation
    assert fields(replace(VALID, revoked_on=date(2026, 12, 7))) == []  # not yet revoked
    assert fields(replace(VALID, signed_on=date(2026, 12, 7))) == ["signed_on"]
    assert fields(replace(VALID, expires_on=date(2026, 11, 30))) == ["expires_on"]


def test_all_problems_are_reported_together() -> None:
    bad = replace(VALID, recipients="", states_redisclosure=False, revoked_on=date(2026, 12, 2))
    with pytest.raises(AuthorizationError) as refused:
        check_authorization(bad, TODAY)
    assert [p.field for p in refused.value.problems] == [
        "recipients", "states_redisclosure", "revoked_on"]
    assert "recipients" not in refused.value.detail  # words for the clerk, not field names
    assert "(45 CFR 164.508(c)(1)(iii))" in refused.value.detail
