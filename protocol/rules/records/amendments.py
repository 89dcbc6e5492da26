"""Requests to amend the record (45 CFR 164.526).

- **Clock**: a decision within 60 days of receipt, one extension of at most 30
  days with a written notice inside the first period (b)(2)
  (:mod:`protocol.rules.records.deadlines`).
- **Denial grounds** (a)(2), and only these: the entry was not created here
  (unless the resident gives a reasonable basis to believe its originator is
  no longer available to act on the request); it is not part of the
  designated record set; it is not open to inspection under 164.524
  (psychotherapy notes, material compiled for litigation); it is accurate and
  complete.
- **Denial letter** (d)(1), in plain language: the basis; the right to submit
  a statement of disagreement and how; that without one the resident may ask
  that the request and the denial go with later disclosures of the entry; how
  to complain to the facility (contact name or title and telephone) and to
  the Secretary of HHS.
- **Accepted** (c): the amendment is a new entry appended to and linked with
  the entries it amends — the original is never changed; tell the resident,
  and make reasonable efforts to tell the persons the resident names and
  those, business associates included, known to hold the entry and who may
  rely on it to the resident's detriment.
- **Denied** (d)(4)–(5): the request, the denial, the statement of
  disagreement and any rebuttal are linked to the entry. With a statement of
  disagreement, all of them go with every later disclosure of the entry;
  without one, the request and the denial go only if the resident asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from protocol.errors import Refused, ValidationError
from protocol.rules.records.deadlines import AMENDMENT_DAYS, ExtensionNotice, HipaaDue, hipaa_due
from protocol.rules.records.reasons import RecordsReason


class DenialGround(StrEnum):
    NOT_CREATED_HERE = "not_created_here"
    NOT_IN_DESIGNATED_RECORD_SET = "not_in_designated_record_set"
    NOT_OPEN_TO_INSPECTION = "not_open_to_inspection"
    ACCURATE_AND_COMPLETE = "accurate_and_complete"


DENIAL_GROUNDS: dict[DenialGround, str] = {
    DenialGround.NOT_CREATED_HERE:
        "the entry was not created by this facility (164.526(a)(2)(i))",
    DenialGround.NOT_IN_DESIGNATED_RECORD_SET:
        "the entry is not part of the designated record set (164.526(a)(2)(ii))",
    DenialGround.NOT_OPEN_TO_INSPECTION:
        "the entry is not open to inspection under 164.524 (164.526(a)(2)(iii))",
    DenialGround.ACCURATE_AND_COMPLETE:
        "the entry is accurate and complete (164.526(a)(2)(iv))",
}
"""The four grounds, the only ones a denial may give."""


class Outcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DENIED = "denied"


def amendment_due(received_on: date, notices: Sequence[ExtensionNotice] = ()) -> HipaaDue:
    """60 days from receipt, one extension (164.526(b)(2))."""
    return hipaa_due(received_on, AMENDMENT_DAYS, notices)


def check_denial_ground(ground: DenialGround, *, originator_unavailable: bool) -> None:
    """Refuse a ground that does not apply: an entry not created here may not
    be refused on that ground when the resident has given a reasonable basis
    to believe its originator is no longer available to act."""
    if ground is DenialGround.NOT_CREATED_HERE and originator_unavailable:
        raise Refused(RecordsReason.DENIAL_GROUND_UNAVAILABLE,
                      "the originator is no longer available to act on the request, so "
                      "the facility must decide it as if it had created the entry")


@dataclass(frozen=True)
class DenialLetter:
    ground: DenialGround | None = None
    basis_in_plain_language: str = ""
    """(d)(1)(i)"""
    states_right_to_disagree: bool = False
    how_to_disagree: str = ""
    """(d)(1)(ii) the right to a statement of disagreement, and how to file it."""
    states_request_may_accompany_disclosures: bool = False
    """(d)(1)(iii)"""
    complaint_contact: str = ""
    """(d)(1)(iv) the name or title of the facility's contact for complaints …"""
    complaint_phone: str = ""
    """… and their telephone number."""
    states_complaint_to_hhs: bool = False
    """(d)(1)(iv) how to complain to the Secretary of HHS."""


def denial_letter_problems(letter: DenialLetter) -> tuple[ValidationError, ...]:
    """What the letter lacks, each problem naming its field."""
    checks = (
        ("ground", letter.ground is not None, "give one of the four denial grounds"),
        ("basis_in_plain_language", bool(letter.basis_in_plain_language.strip()),
         "explain the basis for the denial in plain language (164.526(d)(1)(i))"),
        ("states_right_to_disagree", letter.states_right_to_disagree,
         "state the right to submit a statement of disagreement (164.526(d)(1)(ii))"),
        ("how_to_disagree", bool(letter.how_to_disagree.strip()),
         "say how to file a statement of disagreement (164.526(d)(1)(ii))"),
        ("states_request_may_accompany_disclosures",
         letter.states_request_may_accompany_disclosures,
         ("state that the request and denial may go with later disclosures "
          "(164.526(d)(1)(iii))")),
        ("complaint_contact", bool(letter.complaint_contact.strip()),
         "name the facility's contact for complaints (164.526(d)(1)(iv))"),
        ("complaint_phone", bool(letter.complaint_phone.strip()),
         "give the complaint contact's telephone number (164.526(d)(1)(iv))"),
        ("states_complaint_to_hhs", letter.states_complaint_to_hhs,
         "say how to complain to the Secretary of HHS (164.526(d)(1)(iv))"),
    )
    return tuple(ValidationError(name, detail) for name, ok, detail in checks if not ok)


def check_denial_letter(letter: DenialLetter) -> None:
    problems = denial_letter_problems(letter)
    if problems:
        raise ValidationError("denial_letter", "; ".join(p.reason for p in problems))


# --- the amendment and what it links to ---------------------------------------------------


@dataclass(frozen=True)
class Amendment:
    """An amendment request and what became of it; every id is a record's."""

    request_id: str
    entry_ids: frozenset[str]
    """The entries the resident asks to amend."""
    received_on: date
    outcome: Outcome = Outcome.PENDING
    amendment_entry_id: str | None = None
    """Accepted: the new entry appended to the ones it amends."""
    denial_id: str | None = None
    """Denied: the denial letter."""
    denial_ground: DenialGround | None = None
    disagreement_id: str | None = None
    """The resident's statement of disagreement, if filed."""
    rebuttal_id: str | None = None
    """The facility's rebuttal of that statement, if any."""
    include_request_and_denial: bool = False
    """Without a statement of disagreement: the resident asked that the request
    and the denial go with later disclosures."""


def amendment_problems(amendment: Amendment) -> tuple[ValidationError, ...]:
    problems: list[ValidationError] = []
    if not amendment.entry_ids:
        problems.append(ValidationError("entry_ids", "name the entries to amend"))
    if amendment.outcome is Outcome.ACCEPTED:
        if amendment.amendment_entry_id is None:
            problems.append(ValidationError("amendment_entry_id",
                                            "an accepted amendment is a new, linked entry"))
        elif amendment.amendment_entry_id in amendment.entry_ids:
            problems.append(ValidationError("amendment_entry_id",
                                            "the original entry is never changed: append a "
                                            "new entry"))
    if amendment.outcome is Outcome.DENIED:
        if amendment.denial_id is None:
            problems.append(ValidationError("denial_id", "a denial needs its letter"))
        if amendment.denial_ground is None:
            problems.append(ValidationError("denial_ground", "give one of the four grounds"))
    elif amendment.disagreement_id or amendment.include_request_and_denial:
        problems.append(ValidationError("disagreement_id", "only a denial can be disputed"))
    if amendment.rebuttal_id and not amendment.disagreement_id:
        problems.append(ValidationError("rebuttal_id", "a rebuttal answers a statement of "
                                                      "disagreement"))
    return tuple(problems)


class LinkKind(StrEnum):
    AMENDMENT = "amendment"
    REQUEST = "amendment_request"
    DENIAL = "denial"
    DISAGREEMENT = "statement_of_disagreement"
    REBUTTAL = "rebuttal"


@dataclass(frozen=True)
class Link:
    record_id: str
    """The amendment, request, denial, statement or rebuttal."""
    kind: LinkKind
    request_id: str


def _linked(amendment: Amendment) -> list[Link]:
    pairs: list[tuple[str | None, LinkKind]]
    if amendment.outcome is Outcome.ACCEPTED:
        pairs = [(amendment.amendment_entry_id, LinkKind.AMENDMENT)]
    elif amendment.outcome is Outcome.DENIED:
        pairs = [(amendment.request_id, LinkKind.REQUEST), (amendment.denial_id, LinkKind.DENIAL),
                 (amendment.disagreement_id, LinkKind.DISAGREEMENT),
                 (amendment.rebuttal_id, LinkKind.REBUTTAL)]
    else:
        pairs = []
    return [Link(record_id, kind, amendment.request_id) for record_id, kind in pairs
            if record_id is not None]


def links_of(amendment: Amendment) -> tuple[Link, ...]:
    """What stays linked to the amended entries (every entry in ``entry_ids``)."""
    return tuple(_linked(amendment))


def attachments_for_release(released_entry_ids: Iterable[str],
                            amendments: Iterable[Amendment]) -> tuple[Link, ...]:
    """What must go with a release of these entries: each accepted amendment
    of them; for each denial, the request, denial, statement and rebuttal when
    a statement was filed, or the request and denial when the resident asked.
    Each once, in the order of ``amendments``."""
    released = frozenset(released_entry_ids)
    out: list[Link] = []
    for amendment in amendments:
        if not amendment.entry_ids & released:
            continue
        links = _linked(amendment)
        if amendment.outcome is Outcome.DENIED and not amendment.disagreement_id:
            links = links if amendment.include_request_and_denial else []
        out.extend(link for link in links if link not in out)
    return tuple(out)


@dataclass(frozen=True)
class Party:
    name: str
    why: str


def parties_to_notify(amendment: Amendment, *, resident: str,
                      named_by_resident: Iterable[str] = (),
                      known_holders: Iterable[str] = ()) -> tuple[Party, ...]:
    """Whom to tell of an accepted amendment (164.526(c)(2)–(3)): the resident;
    the persons the resident names (with their agreement) as having received
    the entry and needing it; and those, business associates included, the
    facility knows hold the entry and may rely on it to the resident's
    detriment. Nobody for a pending or denied request (the denial letter goes
    to the resident)."""
    if amendment.outcome is not Outcome.ACCEPTED:
        return ()
    parties = [Party(resident, "the resident: the amendment is accepted (164.526(c)(2))")]
    seen = {resident}
    for name in named_by_resident:
        if name not in seen:
            seen.add(name)
            parties.append(Party(name, "named by the resident (164.526(c)(3)(i))"))
    for name in known_holders:
        if name not in seen:
            seen.add(name)
            parties.append(Party(name, "known to hold the entry and may rely on it, "
                                       "business associates included (164.526(c)(3)(ii))"))
    return tuple(parties)
