"""Overdue in-service training and performance reviews across the region.

The items are the compliance rules' own (:func:`protocol.reports.people.aide_due_items`
via :func:`protocol.reports.status.compliance_status`, as the terminal's
compliance screen shows them), kept with each facility's dashboard figures
(:mod:`server.portal.figures`), so the region's list costs one read of the kept
figures, not a report per facility. A facility whose figures are missing or
older than its records is named, so nobody reads an empty list as "all done".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from . import figures
from .principals import Principal
from .scope import facilities as facilities_in_scope


@dataclass(frozen=True)
class PersonDue:
    facility_id: str
    facility: str
    name: str
    employee_id: str
    what: str
    due: str
    rule: str
    why: str


@dataclass(frozen=True)
class PeopleDue:
    rows: list[PersonDue]
    not_counted: list[str]
    """Facilities whose figures are not computed yet (nothing of theirs is listed)."""
    stale: list[str]
    """Facilities whose figures predate their latest records (listed as last computed)."""


def region_people_due(conn: Connection, principal: Principal, now_ms: int) -> PeopleDue:
    refs = facilities_in_scope(conn, principal)
    kept = figures.kept(conn, [r.id for r in refs], now_ms)
    rows: list[PersonDue] = []
    for ref in refs:
        found = kept.get(ref.id)
        if found is None:
            continue
        rows.extend(PersonDue(ref.id, ref.name, p["name"], p["employee_id"], p["what"],
                              p["due"], p["rule"], p["why"]) for p in found.people_overdue)
    rows.sort(key=lambda r: (r.due, r.facility, r.name))
    return PeopleDue(rows, [r.name for r in refs if r.id not in kept],
                     [r.name for r in refs if r.id in kept and kept[r.id].stale])
