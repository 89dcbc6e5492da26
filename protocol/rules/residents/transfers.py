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

The sending facility still holds the records of the stays it had, under
retention: a lawyer or a family asks it for copies long after the resident
left, and whoever was the resident may ask it for the accounting of its
disclosures. So it opens new cases about a resident it transferred out, of the
kinds :func:`new_case_after_transfer` allows, against the identity it keeps of
them (:func:`departed_identity`: name, record number, birth date; read-only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from protocol.errors import Refused
from protocol.reasons import Reason
from protocol.records import CASE_KINDS, RecordKind, resident_display_name

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


OPENED_AFTER_TRANSFER = frozenset({"open_request", "log_disclosure"})
"""The commands that start a case about a resident this facility transferred out:
a request for records (copies, inspection or the accounting of disclosures: the
right of access to the records it holds, 45 CFR 164.524, 164.528) and a
disclosure it made, logged for that accounting. The others need the chart, which
is now the receiving facility's: an amendment amends entries that moved with it
(164.526 goes to whoever holds them), a completeness review belongs to the
discharge it was opened at, a legal hold or a destruction acts on the record."""

IDENTITY_FIELDS = ("name", "mrn", "birth_date")
"""What a facility keeps of a resident it transferred out, to match a request."""


def departed_identity(resident: Mapping[str, Any]) -> dict[str, Any]:
    """The read-only identity of a resident transferred out (:data:`IDENTITY_FIELDS`),
    from their resident record as it is now (the server) or as it left (a terminal)."""
    return {"name": resident.get("name") or resident_display_name(resident),
            "mrn": str(resident.get("mrn") or ""), "birth_date": resident.get("birth_date")}


def new_case_after_transfer(command: str, departed: Mapping[str, Any]) -> None:
    """Whether this facility may start ``command`` about a resident it transferred
    out (``departed``: :func:`departed_identity`): raises :class:`Refused`
    (``out_of_scope``, in words) unless the command is one of
    :data:`OPENED_AFTER_TRANSFER`. The terminal and the server ask it alike."""
    if command in OPENED_AFTER_TRANSFER:
        return
    name = str(departed.get("name") or "The resident")
    raise Refused(Reason.OUT_OF_SCOPE,
                  f"{name} was transferred out: their record is at the facility that "
                  "received them, which alone can do this. Here a request for records or "
                  "a disclosure can still be logged.")
