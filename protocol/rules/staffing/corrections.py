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
staff member's license standing and the onboarding evidence. Nor can either be
changed afterwards (:func:`change_problem`, a license being the one such kind a
terminal may edit): an edit would bring back into view what the entry took out
of every count, so the clerk enters the right license anew instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

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


def change_problem(kind: str, rec_id: str, data: Mapping[str, Any],
                   kin: Iterable[tuple[str, Mapping[str, Any]]]) -> str | None:
    """Why the ``kind`` record ``rec_id`` (its fields ``data``) can no longer be
    changed, given the other records of its kind and staff member (``kin``: id,
    fields), or None when it can: a later entry named it entered in error (the
    words say why, as that entry does), or it is such an entry."""
    if data.get("entered_in_error_of"):
        return (f"this entry marks another {kind} entered in error and cannot be "
                f"changed; add the right {kind} anew")
    for _, fields in kin:
        if str(fields.get("entered_in_error_of")) == rec_id:
            reason = str(fields.get("error_reason") or "").strip()
            why = f" ({reason})" if reason else ""
            return (f"this {kind} was marked entered in error{why} and cannot be "
                    f"changed; add the right {kind} anew")
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


def in_entry_order(items: Sequence[T], record: Callable[[T], tuple[str, Mapping[str, Any]]],
                   *, newest_day_first: bool = False) -> list[T]:
    """Hours entries (``record(item)``: id, fields) in the order a list shows them:
    by the work date of the entry first entered, then that entry's id (ids sort
    by when they were made, :mod:`protocol.ids`), each followed by its
    corrections and the entry that voids it, in the order they follow one
    another (a correction of a correction after the first). Ordered by id alone
    within a day, a correction showed above the entry it corrects as soon as the
    days ran newest first; by its own date, one that moved the shift to another
    day left its entry's group. ``newest_day_first`` turns only the days round."""
    by_id = dict(map(record, items))

    def chain(rec_id: str) -> tuple[str, int]:
        """The entry first entered that ``rec_id`` corrects or voids (through
        every link known here), and how many links away it is."""
        seen, depth = {rec_id}, 0
        while True:
            data = by_id[rec_id]
            link = data.get("corrects") or data.get("entered_in_error_of")
            if not link or str(link) not in by_id or str(link) in seen:
                return rec_id, depth
            rec_id, depth = str(link), depth + 1
            seen.add(rec_id)

    keys: dict[str, tuple[str, str, int, str]] = {}
    for rec_id in by_id:
        first, depth = chain(rec_id)
        keys[rec_id] = (str(by_id[first].get("work_date") or ""), first, depth, rec_id)
    ordered = sorted(items, key=lambda item: keys[record(item)[0]][1:])
    ordered.sort(key=lambda item: keys[record(item)[0]][0], reverse=newest_day_first)
    return ordered
