"""Accounting of disclosures (164.528): exclusions, inclusions, period, suspension, fee."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from protocol.errors import ValidationError
from protocol.rules.records.deadlines import ExtensionNotice
from protocol.rules.records.disclosures import (
    EXCLUDED,
    INCLUDED,
    Accountability,
    Basis,
    Disclosure,
    Period,
    Suspension,
    accounting,
    accounting_due,
    accounting_period,
    basis_for_release,
    check_entry,
    classify,
    entry_problems,
    fee_allowed,
    is_suspended,
    keep_accounting_until,
    suspension_ends_on,
)
from protocol.rules.records.requests import Authority


def disclosure(basis: Basis, on: date = date(2026, 5, 4), recipient: str = "Recipient",
               purpose: str = "purpose", **more: object) -> Disclosure:
    return Disclosure(disclosed_on=on, basis=basis, recipient=recipient,
                      description="progress notes, March 2026", purpose=purpose,
                      **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(("basis", "cited"), [
    (Basis.TREATMENT, "(a)(1)(i)"),
    (Basis.PAYMENT, "(a)(1)(i)"),
    (Basis.HEALTH_CARE_OPERATIONS, "(a)(1)(i)"),
    (Basis.TO_INDIVIDUAL, "(a)(1)(ii)"),
    (Basis.INCIDENTAL, "(a)(1)(iii)"),
    (Basis.AUTHORIZATION, "(a)(1)(iv)"),
    # 45 CFR 164.528(a)(1)(v) is the facility directory *and* persons involved in
    # care or notification (both 164.510); national security is (vi), custody (vii),
    # a limited data set (viii); (ix) is "before the compliance date".
    (Basis.FACILITY_DIRECTORY, "(a)(1)(v)"),
    (Basis.INVOLVED_IN_CARE, "(a)(1)(v)"),
    (Basis.NATIONAL_SECURITY, "(a)(1)(vi)"),
    (Basis.CORRECTIONAL_CUSTODY, "(a)(1)(vii)"),
    (Basis.LIMITED_DATA_SET, "(a)(1)(viii)"),
])
def test_each_exclusion(basis: Basis, cited: str) -> None:
    result = classify(disclosure(basis))
    assert not result.accountable
    assert f"164.528{cited})" in result.why  # the whole paragraph, not a prefix of it


@pytest.mark.parametrize(("basis", "cited"), [
    (Basis.REQUIRED_BY_LAW, "164.512(a)"),
    (Basis.PUBLIC_HEALTH, "164.512(b)"),
    (Basis.ABUSE_NEGLECT, "164.512(c)"),
    (Basis.HEALTH_OVERSIGHT, "164.512(d)"),
    (Basis.STATE_SURVEY_AGENCY, "164.512(d)"),
    (Basis.JUDICIAL, "164.512(e)"),
    (Basis.LAW_ENFORCEMENT, "164.512(f)"),
    (Basis.DECEDENTS, "164.512(g)"),
    (Basis.ORGAN_DONATION, "164.512(h)"),
    (Basis.RESEARCH, "164.512(i)"),
    (Basis.SERIOUS_THREAT, "164.512(j)"),
    (Basis.SPECIALIZED_GOVERNMENT, "164.512(k)"),
    (Basis.WORKERS_COMPENSATION, "164.512(l)"),
    (Basis.TO_SECRETARY, "164.502(a)(2)(ii)"),
    (Basis.IMPERMISSIBLE, "impermissible"),
])
def test_each_inclusion(basis: Basis, cited: str) -> None:
    result = classify(disclosure(basis))
    assert result.accountable
    assert cited in result.why


def test_every_basis_is_either_excluded_or_included_never_both() -> None:
    assert set(EXCLUDED) | set(INCLUDED) == set(Basis)
    assert not set(EXCLUDED) & set(INCLUDED)


def test_the_state_survey_agency_is_included_easy_to_miss() -> None:
    assert classify(disclosure(Basis.STATE_SURVEY_AGENCY)).accountable


def test_an_impermissible_disclosure_is_included_whatever_it_was_meant_to_be() -> None:
    # a treatment fax sent to the wrong number; a release on a defective authorization
    for meant in (Basis.TREATMENT, Basis.AUTHORIZATION, Basis.TO_INDIVIDUAL):
        result = classify(disclosure(meant, permitted=False))
        assert result == Accountability(True, "impermissible disclosure (not permitted by "
                                              "the Privacy Rule)")


def test_nothing_before_14_april_2003() -> None:
    assert not classify(disclosure(Basis.PUBLIC_HEALTH, date(2003, 4, 13))).accountable
    assert classify(disclosure(Basis.PUBLIC_HEALTH, date(2003, 4, 14))).accountable


@pytest.mark.parametrize(("authority", "kwargs", "basis"), [
    (Authority.RESIDENT, {}, Basis.TO_INDIVIDUAL),
    (Authority.PERSONAL_REPRESENTATIVE, {}, Basis.TO_INDIVIDUAL),
    (Authority.PROVIDER, {}, Basis.TREATMENT),
    (Authority.INSURER, {"for_payment": True}, Basis.PAYMENT),
    (Authority.INSURER, {}, Basis.AUTHORIZATION),
    (Authority.ATTORNEY, {}, Basis.AUTHORIZATION),
    (Authority.COURT_ORDER, {}, Basis.JUDICIAL),
    (Authority.SUBPOENA, {}, Basis.JUDICIAL),
    (Authority.SUBPOENA, {"under_authorization": True}, Basis.AUTHORIZATION),
    (Authority.SURVEY_AGENCY, {}, Basis.STATE_SURVEY_AGENCY),
])
def test_a_release_is_logged_under_its_basis(authority: Authority, kwargs: dict[str, bool],
                                             basis: Basis) -> None:
    assert basis_for_release(authority, **kwargs) is basis


# --- period ---------------------------------------------------------------------------


def test_six_years_back_the_date_exactly_six_years_back_included() -> None:
    period = accounting_period(date(2026, 12, 7))
    assert period == Period(date(2020, 12, 7), date(2026, 12, 7))
    assert date(2020, 12, 7) in period
    assert date(2020, 12, 6) not in period
    assert date(2026, 12, 7) in period


def test_a_shorter_period_asked_for_and_a_longer_one_cut_to_six_years() -> None:
    request = date(2026, 12, 7)
    assert accounting_period(request, date(2025, 1, 1)) == Period(date(2025, 1, 1), request)
    assert accounting_period(request, date(2019, 1, 1)).start == date(2020, 12, 7)
    assert accounting_period(request, date(2025, 1, 1), date(2025, 6, 30)) == \
        Period(date(2025, 1, 1), date(2025, 6, 30))
    with pytest.raises(ValidationError):
        accounting_period(request, date(2025, 6, 30), date(2025, 1, 1))


def test_six_years_back_from_29_february() -> None:
    # 2022 has no 29 February: by the shared convention 29 Feb → 1 March.
    assert accounting_period(date(2028, 2, 29)).start == date(2022, 3, 1)


def test_answer_due_in_60_days_with_one_extension() -> None:
    # 7 Dec 2026 + 24 = 31 Dec (24), + 31 = 31 Jan (55), + 5 = 5 Feb 2027 (60)
    assert accounting_due(date(2026, 12, 7)).due_on == date(2027, 2, 5)
    # notice on day 60 to 5 Feb + 30 = 7 March 2027
    extended = ExtensionNotice(date(2027, 2, 5), "records at storage", date(2027, 3, 7))
    assert accounting_due(date(2026, 12, 7), [extended]).due_on == date(2027, 3, 7)


def test_accountings_are_kept_six_years() -> None:
    assert keep_accounting_until(date(2026, 12, 7)) == date(2032, 12, 7)


# --- suspension ---------------------------------------------------------------------------

SURVEY = "State Survey Agency"
TO_SURVEY = disclosure(Basis.STATE_SURVEY_AGENCY, date(2026, 5, 4), SURVEY)


def test_written_suspension_for_the_period_stated() -> None:
    written = Suspension(SURVEY, date(2026, 6, 1), written=True, until=date(2026, 9, 30))
    assert suspension_ends_on(written) == date(2026, 9, 30)
    assert not is_suspended(TO_SURVEY, date(2026, 5, 31), [written])
    assert is_suspended(TO_SURVEY, date(2026, 6, 1), [written])
    assert is_suspended(TO_SURVEY, date(2026, 9, 30), [written])
    assert not is_suspended(TO_SURVEY, date(2026, 10, 1), [written])


def test_a_written_statement_without_a_period_has_no_effect() -> None:
    vague = Suspension(SURVEY, date(2026, 6, 1), written=True)
    assert suspension_ends_on(vague) is None
    assert not is_suspended(TO_SURVEY, date(2026, 6, 2), [vague])


def test_oral_suspension_at_most_30_days_unless_a_written_one_follows() -> None:
    oral = Suspension(SURVEY, date(2026, 6, 1), written=False, documented_by="J. Reyes, RHIT")
    # 1 June + 30 days = 1 July
    assert suspension_ends_on(oral) == date(2026, 7, 1)
    assert is_suspended(TO_SURVEY, date(2026, 7, 1), [oral])
    assert not is_suspended(TO_SURVEY, date(2026, 7, 2), [oral])
    follow_up = Suspension(SURVEY, date(2026, 6, 20), written=True, until=date(2026, 12, 31))
    assert is_suspended(TO_SURVEY, date(2026, 8, 1), [oral, follow_up])
    # an oral statement asking for less than 30 days gets what it asked for
    short = replace(oral, until=date(2026, 6, 15))
    assert suspension_ends_on(short) == date(2026, 6, 15)
    # undocumented: no suspension
    assert not is_suspended(TO_SURVEY, date(2026, 6, 2), [replace(oral, documented_by="")])


def test_suspension_covers_only_that_agencys_oversight_or_law_enforcement_disclosures() -> None:
    written = Suspension(SURVEY, date(2026, 6, 1), written=True, until=date(2026, 9, 30))
    other_agency = replace(TO_SURVEY, recipient="County Health Department")
    assert not is_suspended(other_agency, date(2026, 7, 1), [written])
    court = replace(TO_SURVEY, basis=Basis.JUDICIAL)
    assert not is_suspended(court, date(2026, 7, 1), [written])
    police = replace(TO_SURVEY, basis=Basis.LAW_ENFORCEMENT)
    assert is_suspended(police, date(2026, 7, 1), [written])


# --- fee ------------------------------------------------------------------------------------


def test_first_accounting_in_12_months_is_free_measured_between_request_dates() -> None:
    earlier = [date(2026, 1, 10)]
    assert not fee_allowed(date(2026, 1, 10), [], told_in_advance=True)  # the first
    assert fee_allowed(date(2026, 6, 1), earlier, told_in_advance=True)
    assert not fee_allowed(date(2026, 6, 1), earlier, told_in_advance=False)
    assert fee_allowed(date(2027, 1, 9), earlier, told_in_advance=True)
    assert not fee_allowed(date(2027, 1, 10), earlier, told_in_advance=True)  # anniversary


# --- the accounting ---------------------------------------------------------------------------


def test_accounting_lists_summarises_and_withholds() -> None:
    health = "County Health Department"
    tb = [disclosure(Basis.PUBLIC_HEALTH, date(2026, m, 1), health, "TB case report")
          for m in (2, 5, 8)]
    wrong_fax = [disclosure(Basis.TREATMENT, date(2026, 3, d), "Wrong fax number",
                            "misdirected", permitted=False) for d in (1, 2)]
    treatment = disclosure(Basis.TREATMENT, date(2026, 4, 1), "Dr. Patel")
    old = disclosure(Basis.JUDICIAL, date(2019, 1, 2), "Superior Court")
    survey = disclosure(Basis.STATE_SURVEY_AGENCY, date(2026, 7, 15), SURVEY)
    suspension = Suspension(SURVEY, date(2026, 8, 1), written=True, until=date(2027, 1, 31))
    request = date(2026, 12, 7)
    result = accounting([*tb, *wrong_fax, treatment, old, survey], accounting_period(request),
                        provided_on=request, suspensions=[suspension])
    assert [(line.first.disclosed_on, line.first.recipient, line.count, line.last_on)
            for line in result.lines] == [
        (date(2026, 2, 1), health, 3, date(2026, 8, 1)),            # summarised
        (date(2026, 3, 1), "Wrong fax number", 1, None),             # each breach listed
        (date(2026, 3, 2), "Wrong fax number", 1, None),
    ]
    assert result.suspended == 1  # the survey agency's, for now
    later = accounting([*tb, survey], accounting_period(date(2027, 2, 1)),
                       provided_on=date(2027, 2, 1), suspensions=[suspension])
    assert [line.first.recipient for line in later.lines] == [health, SURVEY]
    assert later.suspended == 0
    unsummarised = accounting(tb, accounting_period(request), provided_on=request,
                              summarise=False)
    assert [line.count for line in unsummarised.lines] == [1, 1, 1]


def test_what_an_entry_must_contain() -> None:
    check_entry(disclosure(Basis.PUBLIC_HEALTH))
    bare = Disclosure(date(2026, 5, 4), Basis.JUDICIAL, recipient=" ")
    assert [p.field for p in entry_problems(bare)] == ["recipient", "description", "purpose"]
    with pytest.raises(ValidationError) as invalid:
        check_entry(bare)
    assert invalid.value.field == "recipient"
    # a copy of the written request stands for the purpose of a 164.512 disclosure …
    subpoena = replace(disclosure(Basis.JUDICIAL), purpose="", request_copy_id="doc-17")
    assert entry_problems(subpoena) == ()
    # … but not for an impermissible one
    breach = replace(subpoena, permitted=False)
    assert [p.field for p in entry_problems(breach)] == ["purpose"]
