"""The research and statistics extract: one row per resident stay, its columns
declared by identifier kind, de-identified under Safe Harbor or kept as a
limited data set under a data-use agreement, written as CSV.

The columns are declared once here (:data:`COLUMNS`); every one a row may
hold is declared, so nothing reaches the file undeclared
(:func:`protocol.rules.research.deidentify.check_columns`). The resident's
emergency contact is a relative: their name is removed too, and found again
in free text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from protocol.rules.dates import day_of
from protocol.rules.research.deidentify import (
    HHS_RESTRICTED_ZIP3,
    REMOVED_KINDS,
    Column,
    FieldKind,
    Subject,
    age_on,
    output_columns,
    safe_harbor_row,
)
from protocol.rules.research.limited_data_set import (
    LDS_REMOVED_KINDS,
    DataUseAgreement,
    limited_data_set_row,
)

K = FieldKind


class Method(StrEnum):
    SAFE_HARBOR = "safe_harbor"
    LIMITED_DATA_SET = "limited_data_set"


COLUMNS: tuple[Column, ...] = (
    Column("family_name", K.NAME), Column("given_name", K.NAME),
    Column("mrn", K.MRN), Column("birth_date", K.BIRTH_DATE), Column("sex", K.VALUE),
    Column("phone", K.PHONE), Column("street", K.STREET), Column("city", K.CITY),
    Column("state", K.STATE), Column("zip", K.ZIP),
    Column("emergency_contact", K.NAME, Subject.RELATIVE),
    Column("payer", K.VALUE), Column("admitted_on", K.DATE), Column("discharged_on", K.DATE),
    Column("disposition", K.VALUE), Column("bed", K.ROOM_BED),
    Column("diagnoses", K.VALUE), Column("age", K.AGE), Column("note", K.FREE_TEXT),
)

_ADDRESS = re.compile(r"^(?P<street>[^,]*)(?:,\s*(?P<city>[^,]*?))?"
                      r"(?:,?\s*(?P<state>[A-Z]{2}))?(?:\s+(?P<zip>\d{5}(?:-\d{4})?))?\s*$")


def split_address(address: str) -> dict[str, str | None]:
    """"12 Elm Street, Dayton, OH 45402" → street, city, state, ZIP (what is there)."""
    match = _ADDRESS.match(address.strip())
    if match is None:
        return {"street": address, "city": None, "state": None, "zip": None}
    return {k: (v.strip() if v else None) for k, v in match.groupdict().items()}


DEATH = "death"
"""The disposition of a stay that ended with the resident's death."""


def deaths(stays: Iterable[Mapping[str, Any]], extract_on: date) -> dict[str, date]:
    """Each decedent resident's date of death (by resident id): the end of a
    stay discharged with the disposition ``death``, on or before ``extract_on``."""
    out: dict[str, date] = {}
    for stay in stays:
        ended = day_of(stay.get("discharged_at"))
        if stay.get("disposition") == DEATH and ended is not None and ended <= extract_on:
            out[str(stay.get("resident_id"))] = ended
    return out


def deaths_by_mrn(residents: Mapping[str, Mapping[str, Any]],
                  stays: Iterable[Mapping[str, Any]], extract_on: date) -> dict[str, date]:
    """:func:`deaths` keyed by the resident's record number, as
    :func:`deidentified` looks them up (the row's MRN is still there before
    de-identification)."""
    return {str(residents[rid].get("mrn")): died
            for rid, died in deaths(stays, extract_on).items() if rid in residents}


def stay_rows(residents: Mapping[str, Mapping[str, Any]],
              stays: Iterable[Mapping[str, Any]],
              diagnoses: Mapping[str, list[str]], extract_on: date,
              notes: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One raw row per stay, every column of :data:`COLUMNS` (before de-identification).
    ``age`` is the resident's age on the extract date, or at death for a decedent
    (the Safe Harbor convention: a resident who died at 85 is 85 in every row)."""
    rows = []
    stays = list(stays)
    died = deaths(stays, extract_on)
    for stay in sorted(stays, key=lambda s: (str(s.get("admitted_at")), str(s.get("resident_id")))):
        rid = str(stay.get("resident_id"))
        resident = residents.get(rid)
        if resident is None:
            continue
        born = day_of(resident.get("birth_date"))
        address = split_address(str(resident.get("address") or ""))
        rows.append({
            "family_name": resident.get("family_name"), "given_name": resident.get("given_name"),
            "mrn": resident.get("mrn"), "birth_date": resident.get("birth_date"),
            "sex": resident.get("sex"), "phone": resident.get("phone") or None,
            **address, "emergency_contact": resident.get("emergency_contact") or None,
            "payer": stay.get("payer") or resident.get("payer"),
            "admitted_on": stay.get("admitted_at"), "discharged_on": stay.get("discharged_at"),
            "disposition": stay.get("disposition"), "bed": resident.get("_bed_label"),
            "diagnoses": " ".join(diagnoses.get(rid, [])) or None,
            "age": None if born is None else age_on(born, died.get(rid, extract_on)),
            "note": (notes or {}).get(rid),
        })
    return rows


def deidentified(rows: Sequence[Mapping[str, Any]], method: Method, *, extract_on: date,
                 agreement: DataUseAgreement | None = None, recipient: str = "",
                 restricted_zip3: frozenset[str] = HHS_RESTRICTED_ZIP3,
                 died_on: Mapping[str, date] | None = None) -> list[dict[str, Any]]:
    """Every row de-identified by ``method`` (a limited data set is refused
    without a data-use agreement in force for ``recipient``)."""
    out = []
    for row in rows:
        if method is Method.SAFE_HARBOR:
            died = (died_on or {}).get(str(row.get("mrn")))
            out.append(safe_harbor_row(row, COLUMNS, extract_on=extract_on, died_on=died,
                                       restricted_zip3=restricted_zip3))
        else:
            out.append(limited_data_set_row(row, COLUMNS, agreement=agreement,
                                            recipient=recipient, today=extract_on))
    return out


def header(method: Method) -> tuple[str, ...]:
    removed = REMOVED_KINDS if method is Method.SAFE_HARBOR else LDS_REMOVED_KINDS
    return output_columns(COLUMNS, removed)


def to_csv(rows: Sequence[Mapping[str, Any]], method: Method) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header(method), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8")
