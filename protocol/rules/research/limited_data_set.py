"""Limited data sets (45 CFR 164.514(e)), only under a recorded data-use agreement.

A limited data set keeps dates, ages, town or city, state and ZIP code, and
removes the direct identifiers of the resident and of their relatives,
employers and household members (e)(2): names; postal address information
other than town or city, state and ZIP (street, room and bed); telephone;
fax; e-mail; SSN; MRN; health plan beneficiary numbers; account numbers;
certificate and license numbers; vehicle and device identifiers; URLs; IP
addresses; biometrics; full-face photographs and comparable images.
Convention: county, precinct, geocodes and any other unique number are removed
too (the rule does not list them as kept; leaving them out never discloses
too much).

It may be used or disclosed only for research, public health or health care
operations (e)(3), and only to a recipient bound by a data-use agreement
(e)(4) that sets the permitted uses and who may use or receive the data, and
in which the recipient undertakes to use or disclose it only as the agreement
permits or the law requires, to use safeguards, to report any other use, to
bind its agents to the same terms, and not to identify or contact the
individuals. Without such an agreement, recorded and in force for this
recipient, no limited data set is produced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from protocol.errors import Refused, ValidationError
from protocol.rules.records.reasons import RecordsReason
from protocol.rules.research.deidentify import Column, FieldKind, check_columns, identifier_values
from protocol.rules.research.text_redaction import redact

LDS_REMOVED_KINDS = frozenset({
    FieldKind.NAME, FieldKind.STREET, FieldKind.ROOM_BED, FieldKind.COUNTY,
    FieldKind.PRECINCT, FieldKind.GEOCODE, FieldKind.PHONE, FieldKind.FAX, FieldKind.EMAIL,
    FieldKind.SSN, FieldKind.MRN, FieldKind.HEALTH_PLAN_NUMBER, FieldKind.ACCOUNT_NUMBER,
    FieldKind.CERTIFICATE_LICENSE, FieldKind.VEHICLE_ID, FieldKind.DEVICE_ID, FieldKind.URL,
    FieldKind.IP_ADDRESS, FieldKind.BIOMETRIC, FieldKind.PHOTO, FieldKind.OTHER_UNIQUE_ID})


class LdsPurpose(StrEnum):
    RESEARCH = "research"
    PUBLIC_HEALTH = "public_health"
    HEALTH_CARE_OPERATIONS = "health_care_operations"


@dataclass(frozen=True)
class DataUseAgreement:
    agreement_id: str
    recipient: str
    purpose: LdsPurpose
    permitted_uses: str = ""
    """(e)(4)(ii)(A)"""
    permitted_users: str = ""
    """(e)(4)(ii)(B) who may use or receive the data."""
    signed_on: date | None = None
    expires_on: date | None = None
    terminated_on: date | None = None
    no_other_use_or_disclosure: bool = False
    """(e)(4)(ii)(C)(1)"""
    safeguards: bool = False
    """(e)(4)(ii)(C)(2)"""
    reports_other_use: bool = False
    """(e)(4)(ii)(C)(3)"""
    agents_bound: bool = False
    """(e)(4)(ii)(C)(4)"""
    no_identification_or_contact: bool = False
    """(e)(4)(ii)(C)(5)"""


_TERMS = (
    ("no_other_use_or_disclosure", ("the recipient's promise to use or disclose the data "
                                    "only as the agreement permits or the law requires")),
    ("safeguards", "the recipient's promise to use appropriate safeguards"),
    ("reports_other_use", "the recipient's promise to report any use not in the agreement"),
    ("agents_bound", "the recipient's promise to bind its agents to the same terms"),
    ("no_identification_or_contact", ("the recipient's promise not to identify or "
                                      "contact the individuals")),
)


def agreement_problems(agreement: DataUseAgreement, *, recipient: str,
                       today: date) -> tuple[ValidationError, ...]:
    """Why ``agreement`` does not allow a limited data set for ``recipient``
    on ``today`` (empty when it does)."""
    problems: list[ValidationError] = []
    if not agreement.permitted_uses.strip():
        problems.append(ValidationError("permitted_uses", "the permitted uses are missing"))
    if not agreement.permitted_users.strip():
        problems.append(ValidationError("permitted_users", "who may use or receive the data "
                                                           "is missing"))
    problems.extend(ValidationError(name, f"{words} is missing") for name, words in _TERMS
                    if not getattr(agreement, name))
    if agreement.signed_on is None or agreement.signed_on > today:
        problems.append(ValidationError("signed_on", "the agreement is not signed"))
    if agreement.expires_on is not None and today > agreement.expires_on:
        problems.append(ValidationError("expires_on", "the agreement has expired"))
    if agreement.terminated_on is not None and agreement.terminated_on <= today:
        problems.append(ValidationError("terminated_on", "the agreement was terminated"))
    if agreement.recipient.strip().casefold() != recipient.strip().casefold():
        problems.append(ValidationError("recipient", "the agreement is with another recipient"))
    return tuple(problems)


def check_agreement(agreement: DataUseAgreement | None, *, recipient: str, today: date) -> None:
    """Refuse a limited data set without a data-use agreement in force for ``recipient``."""
    if agreement is None:
        raise Refused(RecordsReason.NO_DATA_USE_AGREEMENT,
                      "a limited data set needs a recorded data-use agreement")
    problems = agreement_problems(agreement, recipient=recipient, today=today)
    if problems:
        raise Refused(RecordsReason.NO_DATA_USE_AGREEMENT,
                      "; ".join(p.reason for p in problems))


def limited_data_set_row(row: Mapping[str, Any], columns: Sequence[Column], *,
                         agreement: DataUseAgreement | None, recipient: str, today: date,
                         other_names: Iterable[str] = ()) -> dict[str, Any]:
    """The row as a limited data set, or :class:`Refused` without an agreement."""
    check_agreement(agreement, recipient=recipient, today=today)
    check_columns(row, columns)
    names, values = identifier_values(row, columns, LDS_REMOVED_KINDS)
    names.extend(other_names)
    out: dict[str, Any] = {}
    for column in columns:
        if column.kind in LDS_REMOVED_KINDS:
            continue
        value = row.get(column.name)
        if column.kind is FieldKind.FREE_TEXT and value is not None:
            value = redact(str(value), names=names, values=values, keep_dates=True,
                           keep_ages=True, keep_zip=True)
        out[column.name] = value
    return out
