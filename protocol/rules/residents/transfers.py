"""What a transfer to another facility moves, and what stays (docs/rules.md §5.6, N9).

The resident's chart moves with them: the receiving facility now keeps it, and
the sending facility's terminals forget it (:mod:`protocol.rules.residents.departures`
says what the sender keeps of the stay). The records department's casework does
not move (:data:`STAYS_WITH_SENDER`): a request for records was received by the
sending facility, and answering it by its deadline is that covered entity's
obligation (45 CFR 164.524(b)(2)); so are the amendment requests it received
(164.526), the disclosures it made and must account for (164.528), the
completeness review of its discharge and the legal holds placed on its copy of
the record. They stay on its due list, its terminals and its portal page, and
only it may act on them.

The receiving facility sees what is still open at the sender, read-only
(:func:`open_elsewhere`), so a requester who calls there can be told who is
answering: the server keeps the resident's ``_open_elsewhere`` up to date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from protocol.records import CASE_KINDS, RecordKind

STAYS_WITH_SENDER = frozenset(str(kind) for kind in CASE_KINDS)
"""The kinds a transfer leaves with the sending facility: the records department's
case records (every one about the resident, open or closed)."""

OPEN_ELSEWHERE = "_open_elsewhere"
"""The resident's derived field: the casework still open at a facility that sent them."""


def moves_with_resident(kind: str) -> bool:
    """Whether a record of this kind about the resident moves with a transfer."""
    return kind not in STAYS_WITH_SENDER


def _day(value: Any) -> str:
    return str(value or "")[:10] or "an unknown date"


def open_casework(kind: str, data: Mapping[str, Any]) -> str | None:
    """What of a case record is still open, in words; None once it is closed (or of
    a kind that is never open work)."""
    if kind == RecordKind.RECORD_REQUEST and data.get("status") == "open":
        ask = str(data.get("ask") or "copies").replace("_", " ")
        return f"request for records ({ask}) received {_day(data.get('received_at'))}"
    if kind == RecordKind.AMENDMENT_REQUEST and data.get("outcome") == "pending":
        return f"amendment request received {_day(data.get('received_on'))}"
    if kind == RecordKind.COMPLETENESS_REVIEW:
        left = [d for d in data.get("deficiencies") or () if not d.get("resolved_on")]
        if left:
            return (f"completeness review of the discharge on {_day(data.get('discharged_on'))}"
                    f": {len(left)} deficienc{'y' if len(left) == 1 else 'ies'} open")
    if kind == RecordKind.LEGAL_HOLD and not data.get("released_on"):
        return f"legal hold placed {_day(data.get('placed_on'))}"
    return None


def open_elsewhere(facility_id: str, facility_name: str,
                   cases: Iterable[tuple[str, str, Mapping[str, Any]]]
                   ) -> list[dict[str, str]]:
    """The entries of the resident's :data:`OPEN_ELSEWHERE` for one sending facility:
    each case (kind, id, data) still open there, oldest id first."""
    return [{"facility_id": facility_id, "facility": facility_name, "kind": kind,
             "id": case_id, "what": what}
            for kind, case_id, data in sorted(cases, key=lambda c: c[1])
            if (what := open_casework(kind, data)) is not None]


def replace_facility(entries: Iterable[Mapping[str, Any]], facility_id: str,
                     fresh: Iterable[Mapping[str, str]]) -> list[dict[str, Any]]:
    """The resident's :data:`OPEN_ELSEWHERE` with one facility's entries replaced by
    ``fresh`` (the others' kept as they were)."""
    kept = [dict(e) for e in entries if e.get("facility_id") != facility_id]
    return kept + [dict(e) for e in fresh]
