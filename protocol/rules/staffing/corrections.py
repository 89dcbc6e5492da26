"""A staff member's records corrected by a later entry (docs/rules.md §5.5):
an hours entry ``corrects`` another, and a license, registry check, review,
paid leave or hours entry names one ``entered_in_error_of``. The later entry
must name a record of the same kind and of the same staff member — one rule
(:func:`link_problem`), checked at the terminal before the entry is saved and
at the server when it arrives, so an entry refused at one is refused at the
other.

A record named entered in error no longer counts, nor does the entry that
voids it (it repeats the voided record's values only because its kind needs
them): :func:`voided_ids`. A license so voided leaves the license roster, the
staff member's license standing and the onboarding evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LINKS = ("corrects", "entered_in_error_of")
"""The fields by which an entry names the record it corrects or voids."""


def link_problem(link: str, kind: str, staff_id: str,
                 target: Mapping[str, Any] | None) -> str | None:
    """Why an entry of ``kind`` for ``staff_id`` cannot name ``target`` (the
    fields of the record it names in ``link``, None when no record of that kind
    is known here), or None when it can."""
    if target is None or target.get("staff_id") != staff_id:
        return f"{link} must name a {kind} record of the same staff member"
    return None


def voided_ids(records: Iterable[tuple[str, Mapping[str, Any]]]) -> frozenset[str]:
    """Among records of one kind (id, fields), those that no longer count: each
    one a later entry names as entered in error, and the voiding entries."""
    out: set[str] = set()
    for rec_id, data in records:
        if (target := data.get("entered_in_error_of")):
            out.add(rec_id)
            out.add(str(target))
    return frozenset(out)
