"""The records department's due list: every clock that runs, soonest first.

One definition for the terminal's screen and status line, the server's
portal and the demo: open requests for records (their clock from
:mod:`protocol.rules.records.requests`, an accounting's from
:mod:`protocol.rules.records.disclosures`), undecided amendment requests
(60 days, one extension), completeness reviews with open deficiencies
(delinquent after the profile's days), discharges with no review yet, and
closed records past their retention date and not on hold (for the
destruction list).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from protocol.records import RecordKind, resident_display_name
from protocol.rules.records.commands.reading import (
    amendment_clock_of,
    closed_record_of,
    hold_of,
    request_clock_of,
)
from protocol.rules.records.commands.spec import Named
from protocol.rules.records.completeness import complete_by
from protocol.rules.records.profile import RecordsProfile
from protocol.rules.records.requests import Due
from protocol.rules.records.retention import destroy_from, retention_schedule


@dataclass(frozen=True)
class DueItem:
    area: str
    """``request``, ``amendment``, ``completeness``, ``review_to_open`` or ``destruction``."""
    record_id: str
    """The case record (for ``review_to_open`` and ``destruction``: the resident)."""
    resident_id: str
    resident: str
    what: str
    due: Due
    basis: str
    overdue: bool

    @property
    def due_text(self) -> str:
        return str(self.due)


AREA_TITLES: Mapping[str, str] = {
    "request": "Request for records", "amendment": "Amendment request",
    "completeness": "Completeness review", "review_to_open": "Discharge to review",
    "destruction": "Due for destruction",
}


Label = Callable[[Mapping[str, Any]], str]


def _name(residents: Mapping[str, Mapping[str, Any]], resident_id: str,
          label: Label = resident_display_name) -> str:
    return label(residents.get(resident_id) or {}) or "(unknown resident)"


def _request_item(case: Named, residents: Mapping[str, Mapping[str, Any]],
                  profile: RecordsProfile, now: datetime, label: Label) -> DueItem:
    clock = request_clock_of(case.data, profile)
    d = case.data
    ask = str(d.get("ask") or "copies")
    return DueItem("request", case.id, str(d["resident_id"]),
                   _name(residents, str(d["resident_id"]), label),
                   f"{ask} for {d.get('requester')} ({str(d.get('authority')).replace('_', ' ')})",
                   clock.due, clock.basis, clock.is_overdue(now))


def due_items(cases: Iterable[Named], residents: Mapping[str, Mapping[str, Any]],
              stays: Mapping[str, list[Mapping[str, Any]]], profile: RecordsProfile,
              now: datetime, *, label: Label = resident_display_name) -> list[DueItem]:
    """Everything due, soonest first. ``cases``: the facility's case records;
    ``residents``: resident data by id; ``stays``: stay data by resident id;
    ``now``: facility local time; ``label``: how a resident is named (the
    portal names them by record number)."""
    today = now.date()
    items: list[DueItem] = []
    reviewed: set[tuple[str, str]] = set()
    holds: dict[str, list[Any]] = {}
    all_cases = list(cases)
    for case in all_cases:
        if case.kind == RecordKind.LEGAL_HOLD:
            holds.setdefault(str(case.data["resident_id"]), []).append(hold_of(case.data))
        if case.kind == RecordKind.COMPLETENESS_REVIEW:
            reviewed.add((str(case.data["resident_id"]), str(case.data["discharged_on"])))
    for case in all_cases:
        d = case.data
        if case.kind == RecordKind.RECORD_REQUEST and d.get("status") == "open":
            items.append(_request_item(case, residents, profile, now, label))
        elif case.kind == RecordKind.AMENDMENT_REQUEST and d.get("outcome") == "pending":
            clock = amendment_clock_of(d)
            items.append(DueItem("amendment", case.id, str(d["resident_id"]),
                                 _name(residents, str(d["resident_id"]), label),
                                 "decide the amendment request", clock.due, clock.basis,
                                 clock.is_overdue(now)))
        elif case.kind == RecordKind.COMPLETENESS_REVIEW:
            open_ = [x for x in d.get("deficiencies") or () if not x.get("resolved_on")]
            if open_:
                discharged = date.fromisoformat(str(d["discharged_on"]))
                due = Due(complete_by(discharged, profile.delinquent_after_days))
                items.append(DueItem(
                    "completeness", case.id, str(d["resident_id"]),
                    _name(residents, str(d["resident_id"]), label),
                    f"{len(open_)} deficienc{'y' if len(open_) == 1 else 'ies'}: "
                    + ", ".join(str(x["title"]) for x in open_[:3]), due,
                    f"record delinquent {profile.delinquent_after_days} days after discharge",
                    due.is_overdue(now)))
    for resident_id, resident in residents.items():
        mine = stays.get(resident_id) or []
        closed = closed_record_of(resident_id, resident, mine)
        if closed is None:
            continue
        last = closed.last_discharged_on.isoformat()
        if (resident_id, last) not in reviewed:
            due = Due(complete_by(closed.last_discharged_on, profile.delinquent_after_days))
            items.append(DueItem("review_to_open", resident_id, resident_id, closed.name,
                                 f"open the completeness review of the discharge on {last}",
                                 due, "a review opens at discharge", due.is_overdue(now)))
        schedule = retention_schedule(closed, profile)
        first = destroy_from(schedule, holds.get(resident_id, ()))
        if first is not None and first <= today:
            items.append(DueItem("destruction", resident_id, resident_id, closed.name,
                                 f"kept through {schedule.ends_on.isoformat()} "
                                 f"({schedule.governing.rule})", Due(first),
                                 "may be listed for destruction", False))
    items.sort(key=lambda i: (i.due.deadline, i.area, i.resident))
    return items


def status_line(items: Iterable[DueItem], now: datetime) -> str:
    """The department's clocks in a few words: "3 due · 1 overdue · next 2026-12-07"."""
    listed = [i for i in items if i.area != "destruction"]
    if not listed:
        return "records: nothing due"
    overdue = sum(1 for i in listed if i.overdue)
    upcoming = [i for i in listed if not i.overdue]
    parts = [f"records: {len(listed)} due"]
    if overdue:
        parts.append(f"{overdue} overdue")
    if upcoming:
        parts.append(f"next {upcoming[0].due_text}")
    del now
    return " · ".join(parts)


