"""HIPAA-valid authorization (45 CFR 164.508(c)), and when one is defective (164.508(b)(2)).

A valid authorization holds, in plain language (c)(3):

Core elements (c)(1)
    (i) a specific and meaningful description of the information; (ii) who
    may disclose it; (iii) to whom; (iv) each purpose ("at the request of the
    individual" suffices when the individual starts it); (v) an expiration date
    or an expiration event; (vi) the individual's signature and its date, and,
    when a personal representative signs, a description of their authority.
Required statements (c)(2)
    (i) the right to revoke in writing (with the exceptions and how, or a
    reference to the notice of privacy practices); (ii) whether treatment,
    payment, enrollment or eligibility may be conditioned on signing; (iii)
    that information disclosed may be redisclosed by the recipient and no
    longer be protected.

It is defective (b)(2) when it has expired (the date has passed, or the event
is known to have happened), lacks an element, or is known to be revoked.
Convention: an authorization is valid through the end of its expiration date.

:func:`authorization_problems` names every problem at once, so the clerk can
fix the form in one pass; the terminal refuses at entry what the server
refuses, with :func:`check_authorization`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from protocol.errors import ValidationError
from protocol.rules.records.reasons import RecordsReason


@dataclass(frozen=True)
class Authorization:
    """What the clerk captures from a signed authorization form."""

    information: str = ""
    """(c)(1)(i) what may be disclosed, specifically."""
    disclosers: str = ""
    """(c)(1)(ii) who may disclose (the facility, by name or class)."""
    recipients: str = ""
    """(c)(1)(iii) to whom."""
    purposes: str = ""
    """(c)(1)(iv) why ("at the request of the individual" suffices)."""
    expires_on: date | None = None
    """(c)(1)(v) an expiration date …"""
    expiration_event: str = ""
    """… or an expiration event."""
    signed_by: str = ""
    """(c)(1)(vi) who signed."""
    signed_on: date | None = None
    signed_by_representative: bool = False
    representative_authority: str = ""
    """(c)(1)(vi) a personal representative's authority to act for the resident."""
    states_right_to_revoke: bool = False
    """(c)(2)(i)"""
    states_conditioning: bool = False
    """(c)(2)(ii)"""
    states_redisclosure: bool = False
    """(c)(2)(iii)"""
    plain_language: bool = True
    """(c)(3) the clerk's judgement that the form is written in plain language."""
    expiration_event_occurred: bool = False
    revoked_on: date | None = None


@dataclass(frozen=True)
class AuthorizationProblem:
    field: str
    citation: str
    detail: str

    def __str__(self) -> str:
        return f"{self.detail} ({self.citation})"


class AuthorizationError(ValidationError):
    """An authorization that is not HIPAA-valid; ``problems`` names each defect."""

    code = str(RecordsReason.AUTHORIZATION_INVALID)

    def __init__(self, problems: tuple[AuthorizationProblem, ...]) -> None:
        super().__init__("authorization", "; ".join(str(p) for p in problems))
        self.problems = problems


_TEXT_ELEMENTS = (
    ("information", "45 CFR 164.508(c)(1)(i)",
     "a specific description of the information to be disclosed is missing"),
    ("disclosers", "45 CFR 164.508(c)(1)(ii)",
     "the person or class of persons authorized to disclose is missing"),
    ("recipients", "45 CFR 164.508(c)(1)(iii)",
     "the person or class of persons to receive the information is missing"),
    ("purposes", "45 CFR 164.508(c)(1)(iv)",
     ('the purpose of the disclosure is missing ("at the request of the individual" '
      "suffices)")),
    ("signed_by", "45 CFR 164.508(c)(1)(vi)", "the signature is missing"),
)

_STATEMENTS = (
    ("states_right_to_revoke", "45 CFR 164.508(c)(2)(i)",
     "the statement of the right to revoke in writing is missing"),
    ("states_conditioning", "45 CFR 164.508(c)(2)(ii)",
     ("the statement on conditioning treatment, payment, enrollment or eligibility is "
      "missing")),
    ("states_redisclosure", "45 CFR 164.508(c)(2)(iii)",
     "the statement that the recipient may redisclose the information is missing"),
)


def _missing_elements(auth: Authorization) -> list[AuthorizationProblem]:
    problems = [AuthorizationProblem(name, cite, detail) for name, cite, detail in _TEXT_ELEMENTS
                if not str(getattr(auth, name)).strip()]
    if auth.expires_on is None and not auth.expiration_event.strip():
        problems.append(AuthorizationProblem(
            "expires_on", "45 CFR 164.508(c)(1)(v)",
            "an expiration date or expiration event is missing"))
    if auth.signed_on is None:
        problems.append(AuthorizationProblem("signed_on", "45 CFR 164.508(c)(1)(vi)",
                                             "the date of the signature is missing"))
    if auth.signed_by_representative and not auth.representative_authority.strip():
        problems.append(AuthorizationProblem(
            "representative_authority", "45 CFR 164.508(c)(1)(vi)",
            "a representative signed but the description of their authority is missing"))
    problems.extend(AuthorizationProblem(name, cite, detail) for name, cite, detail in _STATEMENTS
                    if not getattr(auth, name))
    if not auth.plain_language:
        problems.append(AuthorizationProblem("plain_language", "45 CFR 164.508(c)(3)",
                                             "the form is not written in plain language"))
    return problems


def _defects(auth: Authorization, today: date) -> list[AuthorizationProblem]:
    problems = []
    if auth.signed_on is not None and auth.signed_on > today:
        problems.append(AuthorizationProblem("signed_on", "45 CFR 164.508(b)(2)",
                                             "the signature date is in the future"))
    if auth.expires_on is not None:
        if auth.signed_on is not None and auth.expires_on < auth.signed_on:
            problems.append(AuthorizationProblem(
                "expires_on", "45 CFR 164.508(b)(2)(i)",
                "the authorization expires before it was signed"))
        elif today > auth.expires_on:
            problems.append(AuthorizationProblem(
                "expires_on", "45 CFR 164.508(b)(2)(i)",
                f"the authorization expired on {auth.expires_on.isoformat()}"))
    if auth.expiration_event_occurred:
        problems.append(AuthorizationProblem(
            "expiration_event", "45 CFR 164.508(b)(2)(i)",
            "the expiration event is known to have occurred"))
    if auth.revoked_on is not None and auth.revoked_on <= today:
        problems.append(AuthorizationProblem(
            "revoked_on", "45 CFR 164.508(b)(2)(iii)",
            f"the authorization was revoked on {auth.revoked_on.isoformat()}"))
    return problems


def authorization_problems(auth: Authorization, today: date) -> tuple[AuthorizationProblem, ...]:
    """Every reason ``auth`` is not a valid authorization on ``today`` (empty
    when it is): the missing core elements and statements, then the defects."""
    return (*_missing_elements(auth), *_defects(auth, today))


def check_authorization(auth: Authorization, today: date) -> None:
    """Raise :class:`AuthorizationError` naming every problem, if any."""
    problems = authorization_problems(auth, today)
    if problems:
        raise AuthorizationError(problems)


def is_valid(auth: Authorization, today: date) -> bool:
    return not authorization_problems(auth, today)
