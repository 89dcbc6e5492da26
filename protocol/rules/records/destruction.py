"""What a destruction removes from a resident's record and what it keeps.

A destroyed record's content goes: the resident's demographics, notes,
diagnoses, assessments and tasks keep nothing but the link that says whose
they were and the destruction that removed them. What the law still requires
stays:

* the destruction record itself, the certificate (date, method, names and
  record numbers, date ranges, who destroyed and who witnessed) — kept for good;
* the records department's documentation of the resident — requests for
  records, logged disclosures, accounting suspensions, amendment requests with
  their denials and statements, completeness reviews, legal holds — which
  HIPAA has a facility keep 6 years from its making or last effect
  (45 CFR 164.530(j)), longer than the clinical record may have been kept;
* of each stay only its dates, status and disposition: the facility's census
  history, with nothing that says who the resident was;
* the audit trail, which never held the record's content.

Terminals forget the whole record (the resident and every record under it); the
server keeps what is listed above, and the change log keeps only the purged form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.records import CASE_KINDS, RecordKind

DESTROYED = "destroyed"
"""The status of a record whose content a destruction removed."""

KEPT_FIELDS: Mapping[str, tuple[str, ...]] = {
    str(RecordKind.STAY): ("resident_id", "admitted_at", "discharged_at", "status",
                           "disposition"),
}
"""Of the kinds purged, the fields each keeps (all others keep only ``resident_id``)."""


def is_purged(kind: str) -> bool:
    """Whether a destruction removes a record of ``kind`` about the resident (the
    department's case records are kept whole)."""
    return kind not in {str(k) for k in CASE_KINDS}


def purged(kind: str, data: Mapping[str, Any], *, resident_id: str, destruction_id: str,
           destroyed_on: str) -> dict[str, Any]:
    """The record as it is kept after the destruction."""
    keep = KEPT_FIELDS.get(kind, ())
    out: dict[str, Any] = {name: data[name] for name in keep if name in data}
    out["resident_id"] = resident_id
    out["_destroyed"] = {"destruction_id": destruction_id, "destroyed_on": destroyed_on}
    return out
