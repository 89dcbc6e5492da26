"""Regulation bulletins and their acknowledgements as a compliance report.

One row per bulletin and person who must read it (or who acknowledged it): when
they acknowledged it, or that they are overdue by its due date. Who must read a
bulletin and where each person stands is the shared rule
(:mod:`protocol.rules.department.bulletins`) that the terminal's F10 list and
the portal's /portal/bulletins show; this report is the record of it that goes
with the other compliance reports.

A bulletin belongs to the period when it was in force then: effective on or
before the period's last day and due on or after its first (the rule's own
dates, not the day the region happened to publish it). Standing is judged on
the day the report is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, NamedTuple

from protocol.rules.department.bulletins import Person, acknowledged_by, must_read, standing

from .facts import FacilityFacts
from .model import Column

COLUMNS = (
    Column("due_on", "Due", width=0.8), Column("bulletin", "Bulletin", width=2.0),
    Column("source", "Source", width=1.4), Column("effective_on", "Effective", width=0.8),
    Column("person", "Person", width=1.3), Column("role", "Role", width=0.9),
    Column("acknowledged_on", "Acknowledged", width=0.9), Column("standing", "Standing",
                                                                  width=1.0),
)

STANDINGS = ("acknowledged", "acknowledged late", "overdue", "not yet due")
FAILING = frozenset({"overdue", "acknowledged late"})

NOTE = ("Each person who must read a bulletin (its audience, among the facility's active "
        "users) acknowledges it at a terminal, signed in as themselves; the due day itself "
        "is still in time. Overdue and late acknowledgements are printed in red.")

CONTEXT = "regulation bulletins in force in the period; standing on the day produced"

Rows = tuple[tuple[str, ...], ...]


def _in_period(bulletin: Mapping[str, Any], start: date, end: date) -> bool:
    effective = str(bulletin.get("effective_on") or bulletin.get("published_on") or "")
    due = str(bulletin.get("due_on") or "")
    return bool(effective) and effective <= end.isoformat() and (
        not due or due >= start.isoformat())


def _readers(bulletin: Mapping[str, Any], people: tuple[Person, ...]) -> list[Person]:
    """Those who must read it, and anyone else who acknowledged it (a person since
    deactivated keeps their acknowledgement on the record), by name."""
    audience = str(bulletin.get("audience") or "everyone")
    known = {p.id: p for p in people}
    done = acknowledged_by(bulletin)
    chosen = {p.id: p for p in people if must_read(p, audience)}
    for user_id in done:
        chosen.setdefault(user_id, known.get(user_id, Person(user_id, user_id, "")))
    return sorted(chosen.values(), key=lambda p: (p.name.lower(), p.id))


class Acknowledgements(NamedTuple):
    rows: Rows
    failing: frozenset[int]
    """Indexes of the overdue and late rows."""
    bulletins: int
    counts: Mapping[str, int]
    """Rows per standing."""

    def summary(self) -> tuple[tuple[str, str], ...]:
        return (("Bulletins", str(self.bulletins)),
                *((where.capitalize(), str(self.counts.get(where, 0))) for where in STANDINGS))


def acknowledgements(facts: FacilityFacts, start: date, end: date, today: date
                     ) -> Acknowledgements:
    """Every bulletin of the period with each reader's standing on ``today``."""
    bulletins = sorted((r for r in facts.bulletins if _in_period(r.data, start, end)),
                       key=lambda r: (str(r.data.get("due_on") or ""),
                                      str(r.data.get("title") or ""), r.id))
    rows: list[tuple[str, ...]] = []
    failing: set[int] = set()
    counts: dict[str, int] = {}
    for row in bulletins:
        b = row.data
        done = acknowledged_by(b)
        for person in _readers(b, facts.people):
            where = standing(b, person.id, today)
            counts[where] = counts.get(where, 0) + 1
            if where in FAILING:
                failing.add(len(rows))
            rows.append((str(b.get("due_on") or ""), str(b.get("title") or ""),
                         str(b.get("source") or ""), str(b.get("effective_on") or ""),
                         person.name, person.role.replace("_", " "),
                         done.get(person.id, ""), where))
    return Acknowledgements(tuple(rows), frozenset(failing), len(bulletins), counts)
