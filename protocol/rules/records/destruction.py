"""What a destruction removes from a resident's record and what it keeps.

A destroyed record's content goes: the resident's demographics, notes,
diagnoses and tasks keep nothing but the link that says whose they were and
the destruction that removed them (MDS records keep their schedule's dates,
below). What the law still requires
stays:

* the destruction record itself, the certificate (date, method, names and
  record numbers, date ranges, who destroyed and who witnessed) — kept for good;
* the records department's documentation of the resident — requests for
  records, logged disclosures, accounting suspensions, amendment requests with
  their denials and statements, completeness reviews, legal holds — which
  HIPAA has a facility keep 6 years from its making or last effect
  (45 CFR 164.530(j)), longer than the clinical record may have been kept;
* of each stay only what a census reads (dates, status, disposition, leaves,
  payers, the facilities a transfer linked), and of each MDS record its
  schedule's dates: the census history of this facility (which still counts
  them, as "record destroyed": :mod:`protocol.reports.charts`) and of any
  facility that transferred the chart here, with nothing that says who the
  resident was;
* the audit trail, which never held the record's content.

Terminals forget the whole record (the resident and every record under it) but
the purged stays, which their census reads (:mod:`client.store.destroyed`); the
server keeps what is listed above, and the change log keeps only the purged form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.merge import DESTROYED
from protocol.records import CASE_KINDS, RecordKind
from protocol.rules.residents.departures import CENSUS_FIELDS, MDS_FIELDS

__all__ = ["DESTROYED", "KEPT_FIELDS", "is_purged", "purged"]

KEPT_FIELDS: Mapping[str, tuple[str, ...]] = {
    str(RecordKind.STAY): CENSUS_FIELDS,
    str(RecordKind.ASSESSMENT): MDS_FIELDS,
}
"""Of the kinds purged, the fields each keeps (all others keep only ``resident_id``):
of a stay what a census reads, of an MDS record its schedule's dates, as a facility
that transferred the chart out keeps them, so that facility counts its stays as
before when the facility holding the chart destroys it (docs/rules.md §4.3)."""


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
