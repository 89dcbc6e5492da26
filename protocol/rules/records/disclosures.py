"""Accounting of disclosures (45 CFR 164.528): what is listed, for which period, and when.

**What must be accounted for.** Every disclosure except (a)(1): treatment,
payment and health care operations; to the individual (a personal
representative stands in the individual's shoes, 164.502(g)); incidental
ones; under an authorization; the facility directory and persons involved in
care or notification (164.510); national security (164.512(k)(2));
correctional institutions or law enforcement with custody (164.512(k)(5));
a limited data set (164.514(e)); and any before 14 April 2003. So it
**includes** every other 164.512 disclosure — public health, abuse reports,
health oversight (**the state survey agency too**), judicial, other law
enforcement, coroners and medical examiners, research without authorization,
workers' compensation … —, disclosures to the Secretary (164.502(a)(2)(ii)),
disclosures by business associates, and **every impermissible disclosure**,
whatever it was meant to be.

**Period.** The 6 years before the request date (Convention: the date
exactly 6 years back is included, and so is the request date), or a shorter
period the individual asks for. Answer within 60 days, one extension of at
most 30 days on the notice terms of :mod:`protocol.rules.records.deadlines`.

**Suspension** (a)(2): a health oversight agency or law enforcement official
may have the listing of its disclosures suspended — by a written statement,
for the period it states; by an oral one, documented, for at most 30 days from
the statement unless a written one follows.

**Fee** (c)(2): the first accounting in any 12 months is free (Convention:
measured between request dates, so a request on the anniversary of the last
one is free); a later one may carry a cost-based fee only if the individual
was told in advance.

**Entries** (b)(2): date, recipient (and address if known), a brief
description of what was disclosed, and the purpose (or a copy of the written
request, for 164.502(a)(2)(ii) and 164.512 disclosures). Repeated disclosures
to one recipient for one purpose under those sections may be summarised
(b)(3): the first one in full, their number, and the date of the last.
Accountings are kept 6 years (164.530(j)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from protocol.errors import ValidationError
from protocol.rules.calendar import add_days, add_months, add_years
from protocol.rules.records.deadlines import ACCOUNTING_DAYS, ExtensionNotice, HipaaDue, hipaa_due
from protocol.rules.records.requests import Authority

COMPLIANCE_DATE = date(2003, 4, 14)
LOOK_BACK_YEARS = 6
ORAL_SUSPENSION_DAYS = 30
KEEP_ACCOUNTINGS_YEARS = 6


class Basis(StrEnum):
    """Under what rule a disclosure was made."""

    # excluded from the accounting, 164.528(a)(1)
    TREATMENT = "treatment"
    PAYMENT = "payment"
    HEALTH_CARE_OPERATIONS = "health_care_operations"
    TO_INDIVIDUAL = "to_individual"
    INCIDENTAL = "incidental"
    AUTHORIZATION = "authorization"
    FACILITY_DIRECTORY = "facility_directory"
    INVOLVED_IN_CARE = "involved_in_care"
    NATIONAL_SECURITY = "national_security"
    CORRECTIONAL_CUSTODY = "correctional_custody"
    LIMITED_DATA_SET = "limited_data_set"
    # included
    REQUIRED_BY_LAW = "required_by_law"
    PUBLIC_HEALTH = "public_health"
    ABUSE_NEGLECT = "abuse_neglect"
    HEALTH_OVERSIGHT = "health_oversight"
    STATE_SURVEY_AGENCY = "state_survey_agency"
    JUDICIAL = "judicial"
    LAW_ENFORCEMENT = "law_enforcement"
    DECEDENTS = "decedents"
    ORGAN_DONATION = "organ_donation"
    RESEARCH = "research"
    SERIOUS_THREAT = "serious_threat"
    SPECIALIZED_GOVERNMENT = "specialized_government"
    WORKERS_COMPENSATION = "workers_compensation"
    TO_SECRETARY = "to_secretary"
    IMPERMISSIBLE = "impermissible"


EXCLUDED: dict[Basis, str] = {
    Basis.TREATMENT: "treatment (164.528(a)(1)(i))",
    Basis.PAYMENT: "payment (164.528(a)(1)(i))",
    Basis.HEALTH_CARE_OPERATIONS: "health care operations (164.528(a)(1)(i))",
    Basis.TO_INDIVIDUAL: "to the individual (164.528(a)(1)(ii))",
    Basis.INCIDENTAL: "incidental to a permitted disclosure (164.528(a)(1)(iii))",
    Basis.AUTHORIZATION: "under an authorization (164.528(a)(1)(iv))",
    Basis.FACILITY_DIRECTORY: "facility directory (164.528(a)(1)(v))",
    Basis.INVOLVED_IN_CARE: "persons involved in care or notification (164.528(a)(1)(v))",
    Basis.NATIONAL_SECURITY: "national security or intelligence (164.528(a)(1)(vi))",
    Basis.CORRECTIONAL_CUSTODY: "correctional institution or law enforcement with custody "
                                "(164.528(a)(1)(vii))",
    Basis.LIMITED_DATA_SET: "part of a limited data set (164.528(a)(1)(viii))",
}

INCLUDED: dict[Basis, str] = {
    Basis.REQUIRED_BY_LAW: "required by law (164.512(a))",
    Basis.PUBLIC_HEALTH: "public health (164.512(b))",
    Basis.ABUSE_NEGLECT: "report of abuse, neglect or domestic violence (164.512(c))",
    Basis.HEALTH_OVERSIGHT: "health oversight (164.512(d))",
    Basis.STATE_SURVEY_AGENCY: "health oversight: the state survey agency (164.512(d))",
    Basis.JUDICIAL: "judicial or administrative proceeding (164.512(e))",
    Basis.LAW_ENFORCEMENT: "law enforcement (164.512(f))",
    Basis.DECEDENTS: "coroner, medical examiner or funeral director (164.512(g))",
    Basis.ORGAN_DONATION: "organ, eye or tissue donation (164.512(h))",
    Basis.RESEARCH: "research without authorization (164.512(i))",
    Basis.SERIOUS_THREAT: "to avert a serious threat (164.512(j))",
    Basis.SPECIALIZED_GOVERNMENT: "specialized government function (164.512(k))",
    Basis.WORKERS_COMPENSATION: "workers' compensation (164.512(l))",
    Basis.TO_SECRETARY: "to the Secretary of HHS (164.502(a)(2)(ii))",
    Basis.IMPERMISSIBLE: "impermissible disclosure (not permitted by the Privacy Rule)",
}

SUMMARISABLE = frozenset(INCLUDED) - {Basis.IMPERMISSIBLE}
"""164.502(a)(2)(ii) and 164.512 disclosures: repeated ones may be summarised,
and a copy of the written request may stand for the purpose."""

SUSPENDABLE = frozenset({Basis.HEALTH_OVERSIGHT, Basis.STATE_SURVEY_AGENCY,
                         Basis.LAW_ENFORCEMENT})


@dataclass(frozen=True)
class Disclosure:
    disclosed_on: date
    basis: Basis
    recipient: str
    """The person or body that received it; suspensions and summaries match on it."""
    recipient_address: str = ""
    description: str = ""
    """What was disclosed, briefly."""
    purpose: str = ""
    request_copy_id: str | None = None
    """A copy of the written request kept instead of a purpose statement."""
    permitted: bool = True
    """False for a disclosure the Privacy Rule did not permit (a breach)."""
    business_associate: str = ""
    """The business associate that made it, if not the facility."""


@dataclass(frozen=True)
class Accountability:
    accountable: bool
    why: str


def classify(disclosure: Disclosure) -> Accountability:
    """Whether ``disclosure`` goes into an accounting, and under which rule."""
    if disclosure.disclosed_on < COMPLIANCE_DATE:
        return Accountability(accountable=False,
                              why="before the compliance date of 14 April 2003 "
                                  "(164.528(a)(1)(ix))")
    if not disclosure.permitted or disclosure.basis is Basis.IMPERMISSIBLE:
        return Accountability(accountable=True, why=INCLUDED[Basis.IMPERMISSIBLE])
    if disclosure.basis in EXCLUDED:
        return Accountability(accountable=False, why=EXCLUDED[disclosure.basis])
    return Accountability(accountable=True, why=INCLUDED[disclosure.basis])


def basis_for_release(authority: Authority, *, under_authorization: bool = False,
                      for_payment: bool = False) -> Basis:
    """The disclosure basis of a release to a requester, for the automatic log."""
    if authority in (Authority.RESIDENT, Authority.PERSONAL_REPRESENTATIVE):
        return Basis.TO_INDIVIDUAL
    if under_authorization or authority is Authority.ATTORNEY:
        return Basis.AUTHORIZATION
    return {Authority.PROVIDER: Basis.TREATMENT,
            Authority.INSURER: Basis.PAYMENT if for_payment else Basis.AUTHORIZATION,
            Authority.COURT_ORDER: Basis.JUDICIAL,
            Authority.SUBPOENA: Basis.JUDICIAL,
            Authority.SURVEY_AGENCY: Basis.STATE_SURVEY_AGENCY}[authority]


def entry_problems(disclosure: Disclosure) -> tuple[ValidationError, ...]:
    """What an accountable disclosure's entry lacks (164.528(b)(2))."""
    problems = []
    if not disclosure.recipient.strip():
        problems.append(ValidationError("recipient", "name who received the information"))
    if not disclosure.description.strip():
        problems.append(ValidationError("description", "describe briefly what was disclosed"))
    copy_will_do = disclosure.permitted and disclosure.basis in SUMMARISABLE
    if not disclosure.purpose.strip() and not (copy_will_do and disclosure.request_copy_id):
        problems.append(ValidationError(
            "purpose", "state the purpose" + (" or attach the written request"
                                              if copy_will_do else "")))
    return tuple(problems)


def check_entry(disclosure: Disclosure) -> None:
    problems = entry_problems(disclosure)
    if problems:
        raise problems[0]


# --- the period, the suspension, the fee --------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def accounting_period(request_on: date, asked_from: date | None = None,
                      asked_to: date | None = None) -> Period:
    """The period an accounting covers: 6 years back to the request date, both
    included, or the shorter period asked for (a longer one is cut to 6 years).
    From 29 February the shared calendar's convention gives 1 March: the date
    whose sixth anniversary is the first on or after the request date."""
    earliest = add_years(request_on, -LOOK_BACK_YEARS)
    start = max(earliest, asked_from) if asked_from else earliest
    end = min(request_on, asked_to) if asked_to else request_on
    if start > end:
        raise ValidationError("asked_to", "the period asked for ends before it starts")
    return Period(start, end)


@dataclass(frozen=True)
class Suspension:
    """An agency's or official's statement that an accounting would impede it."""

    recipient: str
    stated_on: date
    written: bool
    until: date | None = None
    """The end of the period the statement gives (required when written)."""
    documented_by: str = ""
    """For an oral statement: who documented it (the agency or official is ``recipient``)."""


def suspension_problem(suspension: Suspension) -> ValidationError | None:
    if suspension.written and suspension.until is None:
        return ValidationError("until", "a written statement must give the period of the "
                               "suspension")
    if not suspension.written and not suspension.documented_by.strip():
        return ValidationError("documented_by", "an oral statement must be documented, "
                               "with the agency or official who made it")
    if suspension.until is not None and suspension.until < suspension.stated_on:
        return ValidationError("until", "cannot be before the statement")
    return None


def suspension_ends_on(suspension: Suspension) -> date | None:
    """The last day the suspension covers (None when it has no effect)."""
    if suspension_problem(suspension) is not None:
        return None
    if suspension.written:
        return suspension.until
    cap = add_days(suspension.stated_on, ORAL_SUSPENSION_DAYS)
    return min(cap, suspension.until) if suspension.until else cap


def is_suspended(disclosure: Disclosure, on: date, suspensions: Iterable[Suspension]) -> bool:
    """Whether ``disclosure`` is left out of an accounting provided ``on``."""
    if disclosure.basis not in SUSPENDABLE:
        return False
    for suspension in suspensions:
        end = suspension_ends_on(suspension)
        if suspension.recipient == disclosure.recipient and end is not None \
                and suspension.stated_on <= on <= end:
            return True
    return False


def accounting_due(received_on: date, notices: Sequence[ExtensionNotice] = ()) -> HipaaDue:
    """60 days from receipt, one extension (164.528(c)(1))."""
    return hipaa_due(received_on, ACCOUNTING_DAYS, notices)


def fee_allowed(request_on: date, earlier_requests: Iterable[date], *,
                told_in_advance: bool) -> bool:
    """A cost-based fee only for a second accounting within 12 months, and only
    if the individual was told of it in advance (and could withdraw).
    ``earlier_requests``: the dates of the individual's earlier accounting
    requests, not this one."""
    recent = any(earlier <= request_on < add_months(earlier, 12)
                 for earlier in earlier_requests)
    return recent and told_in_advance


def keep_accounting_until(provided_on: date) -> date:
    return add_years(provided_on, KEEP_ACCOUNTINGS_YEARS)


# --- the accounting itself ----------------------------------------------------------------


@dataclass(frozen=True)
class AccountingLine:
    first: Disclosure
    """The first disclosure, in full."""
    count: int = 1
    last_on: date | None = None
    """The date of the last of several summarised disclosures."""


@dataclass(frozen=True)
class Accounting:
    period: Period
    lines: tuple[AccountingLine, ...]
    suspended: int
    """Accountable disclosures in the period left out for a suspension."""


def accounting(disclosures: Sequence[Disclosure], period: Period, *, provided_on: date,
               suspensions: Iterable[Suspension] = (), summarise: bool = True) -> Accounting:
    """The accounting of a resident's disclosures in ``period``, provided on
    ``provided_on``; repeated 164.512 disclosures to one recipient for one
    purpose are summarised unless ``summarise`` is False."""
    held = tuple(suspensions)
    listed = [d for d in sorted(disclosures, key=lambda d: d.disclosed_on)
              if d.disclosed_on in period and classify(d).accountable]
    shown = [d for d in listed if not is_suspended(d, provided_on, held)]
    lines: list[AccountingLine] = []
    groups: dict[tuple[str, str, Basis], list[Disclosure]] = {}
    for d in shown:
        if summarise and d.permitted and d.basis in SUMMARISABLE:
            groups.setdefault((d.recipient, d.purpose, d.basis), []).append(d)
        else:
            lines.append(AccountingLine(d))
    for group in groups.values():
        many = len(group) > 1
        lines.append(AccountingLine(group[0], len(group),
                                    group[-1].disclosed_on if many else None))
    lines.sort(key=lambda line: line.first.disclosed_on)
    return Accounting(period, tuple(lines), len(listed) - len(shown))
