"""Disclosures logged by hand or by a release, and what the accounting lists:
each exclusion of 164.528(a)(1) left out, each inclusion listed, the ones
easy to miss (the state survey agency, an impermissible disclosure) too, and
an agency's suspension with its end date."""

from __future__ import annotations

from datetime import date

import pytest

from protocol.commands import RECORDS_COMMANDS
from protocol.errors import ValidationError
from protocol.records import RecordKind, Role
from protocol.rules.permissions import decide
from protocol.rules.records.commands.reading import disclosure_of, suspension_of
from protocol.rules.records.disclosures import (
    EXCLUDED,
    INCLUDED,
    Basis,
    accounting,
    accounting_period,
    classify,
)

from .cases import RESIDENT_ID, Desk, ident


def log(desk: Desk, n: int, basis: Basis | str, on: str = "2026-05-04", **more: object) -> None:
    desk.run("log_disclosure", {"disclosure_id": ident(n), "resident_id": RESIDENT_ID,
                                "disclosed_on": on, "basis": str(basis),
                                "recipient": str(more.pop("recipient", "County health")),
                                "description": "progress notes", "purpose": "report",
                                **more})


def listed(desk: Desk, request_on: date, provided_on: date | None = None) -> list[str]:
    disclosures = [disclosure_of(n.data) for n in desk.cases() if n.kind == "disclosure"]
    suspensions = [suspension_of(n.data) for n in desk.cases()
                   if n.kind == RecordKind.ACCOUNTING_SUSPENSION]
    result = accounting(disclosures, accounting_period(request_on),
                        provided_on=provided_on or request_on, suspensions=suspensions)
    return [f"{line.first.basis}:{line.first.disclosed_on}" for line in result.lines]


@pytest.mark.parametrize("basis", sorted(EXCLUDED))
def test_each_exclusion_is_left_out(basis: Basis) -> None:
    desk = Desk(date(2026, 11, 10))
    log(desk, 1, basis)
    assert listed(desk, date(2026, 11, 10)) == []


@pytest.mark.parametrize("basis", sorted(INCLUDED))
def test_each_inclusion_is_listed(basis: Basis) -> None:
    desk = Desk(date(2026, 11, 10))
    log(desk, 1, basis)
    assert listed(desk, date(2026, 11, 10)) == [f"{basis}:2026-05-04"]


def test_a_disclosure_meant_for_treatment_but_not_permitted_is_listed() -> None:
    desk = Desk(date(2026, 11, 10))
    log(desk, 1, Basis.TREATMENT, permitted=False, recipient="Wrong clinic")
    assert listed(desk, date(2026, 11, 10)) == ["treatment:2026-05-04"]
    why = classify(disclosure_of(desk.records[ident(1)].data)).why
    assert why == INCLUDED[Basis.IMPERMISSIBLE]


def test_six_years_back_the_first_day_included() -> None:
    """Requested 10 November 2026: disclosures from 10 November 2020 on."""
    desk = Desk(date(2026, 11, 10))
    log(desk, 1, Basis.STATE_SURVEY_AGENCY, on="2020-11-09", recipient="State agency")
    log(desk, 2, Basis.STATE_SURVEY_AGENCY, on="2020-11-10", recipient="State agency B")
    assert listed(desk, date(2026, 11, 10)) == ["state_survey_agency:2020-11-10"]


def test_an_accountable_entry_needs_recipient_description_and_purpose() -> None:
    desk = Desk(date(2026, 11, 10))
    with pytest.raises(ValidationError) as missing:
        desk.run("log_disclosure", {"disclosure_id": ident(1), "resident_id": RESIDENT_ID,
                                    "disclosed_on": "2026-05-04", "basis": "public_health",
                                    "recipient": "County health", "purpose": "report"})
    assert missing.value.field == "description"
    # An excluded one needs neither.
    desk.run("log_disclosure", {"disclosure_id": ident(2), "resident_id": RESIDENT_ID,
                                "disclosed_on": "2026-05-04", "basis": "treatment",
                                "recipient": "Dr. Ruiz"})


def test_a_written_suspension_hides_the_agencys_disclosures_until_its_end_date() -> None:
    desk = Desk(date(2026, 11, 10))
    log(desk, 1, Basis.HEALTH_OVERSIGHT, recipient="Inspector General")
    log(desk, 2, Basis.PUBLIC_HEALTH, recipient="County health")
    desk.run("suspend_accounting", {"suspension_id": ident(3), "recipient": "Inspector General",
                                    "stated_on": "2026-11-01", "written": True,
                                    "until": "2027-01-31"})
    assert listed(desk, date(2026, 11, 10)) == ["public_health:2026-05-04"]
    assert listed(desk, date(2026, 11, 10), provided_on=date(2027, 2, 1)) == \
        ["health_oversight:2026-05-04", "public_health:2026-05-04"]
    with pytest.raises(ValidationError) as no_end:
        desk.run("suspend_accounting", {"suspension_id": ident(4), "recipient": "Police",
                                        "stated_on": "2026-11-01", "written": True})
    assert no_end.value.field == "until"


def test_an_oral_suspension_lasts_30_days_at_most() -> None:
    desk = Desk(date(2026, 11, 10))
    log(desk, 1, Basis.LAW_ENFORCEMENT, recipient="Sheriff")
    desk.run("suspend_accounting", {"suspension_id": ident(3), "recipient": "Sheriff",
                                    "stated_on": "2026-11-01", "written": False,
                                    "documented_by": "Deputy Cole, by phone"})
    assert listed(desk, date(2026, 11, 10), provided_on=date(2026, 12, 1)) == []
    assert listed(desk, date(2026, 11, 10), provided_on=date(2026, 12, 2)) == \
        ["law_enforcement:2026-05-04"]


@pytest.mark.parametrize(("authority", "basis"), [
    ("resident", "to_individual"), ("personal_representative", "to_individual"),
    ("provider", "treatment"), ("court_order", "judicial"), ("subpoena", "judicial"),
    ("survey_agency", "state_survey_agency"),
])
def test_a_release_logs_its_disclosure_under_the_requesters_basis(authority: str,
                                                                  basis: str) -> None:
    desk = Desk(date(2026, 11, 10))
    desk.run("open_request", {"request_id": ident(1), "resident_id": RESIDENT_ID,
                              "received_at": "2026-11-09T10:00", "requester": "Someone",
                              "authority": authority, "what": "the chart"})
    desk.run("release_records", {"request_id": ident(1), "disclosure_id": ident(2),
                                 "released_on": "2026-11-10", "parts": ["chart"],
                                 "description": "the chart"})
    assert desk.records[ident(2)].data["basis"] == basis
    accountable = basis in {str(b) for b in INCLUDED}
    assert listed(desk, date(2026, 11, 10)) == ([f"{basis}:2026-11-10"] if accountable
                                                else [])


def test_who_may_send_each_records_command() -> None:
    clerk_may = {name for name, spec in RECORDS_COMMANDS.items()
                 if decide(Role.CLERK, "command", command=name).allowed}
    assert clerk_may == {"open_request", "record_authorization", "log_disclosure",
                         "request_amendment", "file_disagreement",
                         "include_request_and_denial", "mark_notified", "open_review",
                         "assign_deficiency", "resolve_deficiency", "request_expenditure",
                         "acknowledge_bulletin"}
    manager_may = {name for name in RECORDS_COMMANDS
                   if decide(Role.RECORDS_MANAGER, "command", command=name).allowed}
    # Above the facility's limit the regional manager decides, in the portal.
    assert set(RECORDS_COMMANDS) - manager_may == {"decide_expenditure_above_limit"}
    refused = decide(Role.CLERK, "command", command="record_destruction")
    assert refused.detail == ("only a records manager may record the destruction and its "
                              "witness")
    assert not decide(Role.INSPECTOR, "command", command="open_request").allowed
