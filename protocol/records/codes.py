"""Fields checked against an outside code set or format: ICD-10-CM diagnosis codes,
US state codes, and worked hours and employee ids as PBJ wants them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ValidationError
from ..pbj import DAY_LIMIT_HOURS, EMPLOYEE_ID_PATTERN
from ..rules.residents import diagnosis_codes


def _states(name: str, value: Any) -> str:
    """Two-letter state codes separated by spaces or commas, kept as ``"OH PA"``."""
    if not isinstance(value, str):
        raise ValidationError(name, "must be state codes such as OH PA")
    codes = value.replace(",", " ").upper().split()
    bad = [code for code in codes if code not in US_STATES]
    if bad:
        raise ValidationError(name, f"{bad[0]} is not a US state or territory code")
    return " ".join(sorted(set(codes)))


ICD10_CM = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?")


def check_icd10(name: str, value: Any) -> str:
    """ICD-10-CM: shaped like one (:func:`check_icd10_shape`) and a billable code
    of the real code set (:mod:`protocol.rules.residents.diagnosis_codes`)."""
    code = check_icd10_shape(name, value)
    problem = diagnosis_codes.problem(code)
    if problem is not None:
        raise ValidationError(name, problem)
    return code


def check_icd10_shape(name: str, value: Any) -> str:
    """The shape of an ICD-10-CM code: 3–7 characters, a letter first, a dot after
    the third (checked at once, before the code set is read)."""
    if not isinstance(value, str):
        raise ValidationError(name, "must be an ICD-10-CM code such as E11.9")
    code = value.strip().upper()
    if len(code) > 3 and "." not in code:
        raise ValidationError(name, "needs a dot after the third character, e.g. E11.9")
    if not ICD10_CM.fullmatch(code):
        raise ValidationError(
            name, "must be an ICD-10-CM code: a letter, a digit, a character, then an "
            "optional dot and 1–4 characters (e.g. I10, E11.9, S72.001A)"
        )
    return code


def check_hours(name: str, value: Any) -> str:
    """Worked hours as PBJ wants them: 0–22.5, at most two decimals."""
    if not isinstance(value, str):
        raise ValidationError(name, "must be hours written like 7.5")
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ValidationError(name, "must be hours written like 7.5") from None
    exponent = amount.as_tuple().exponent  # a letter for NaN and infinity
    if not isinstance(exponent, int) or exponent < -2:
        raise ValidationError(name, "may have at most two decimals")
    if not Decimal(0) < amount <= DAY_LIMIT_HOURS:
        raise ValidationError(name, f"must be more than 0 and at most {DAY_LIMIT_HOURS} hours")
    return f"{amount:.2f}"


PBJ_EMPLOYEE_ID = EMPLOYEE_ID_PATTERN
US_STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA",
    "VI", "WA", "WV", "WI", "WY", "GU",
]

def state_codes(value: Any) -> frozenset[str]:
    """The codes of a :func:`_states` field (empty when not set)."""
    return frozenset(value.split()) if isinstance(value, str) else frozenset()
