"""Regulation bulletins: who must read one, and who is overdue.

A regional manager publishes a bulletin (a CMS transmittal, a state Medicaid
notice …) to facilities in the portal; each facility's terminals receive it at
their next pull and each person acknowledges it at a terminal, signed in as
themselves. Who must read it is an audience of roles; a person is overdue when
the due date has passed and they have not acknowledged it. The records
manager's list (terminal) and the region's (portal) are this one function over
each side's own copy of the users and the bulletin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from protocol.records import Role

AUDIENCES: Mapping[str, frozenset[str]] = {
    "everyone": frozenset({Role.CLERK, Role.RECORDS_MANAGER}),
    "records_managers": frozenset({Role.RECORDS_MANAGER}),
    "clerks": frozenset({Role.CLERK}),
}
"""Who must read a bulletin, by the audience named at publication."""


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str
    active: bool = True


def must_read(person: Person, audience: str) -> bool:
    return person.active and person.role in AUDIENCES.get(audience, frozenset())


def acknowledged_by(bulletin: Mapping[str, Any]) -> dict[str, str]:
    """User id → the day they acknowledged it."""
    return {str(a["user_id"]): str(a["on"]) for a in bulletin.get("acknowledgements") or ()}


def unacknowledged(bulletin: Mapping[str, Any], people: Iterable[Person]) -> list[Person]:
    """Who must read it and has not acknowledged it yet, by name."""
    done = acknowledged_by(bulletin)
    audience = str(bulletin.get("audience") or "everyone")
    return sorted((p for p in people if must_read(p, audience) and p.id not in done),
                  key=lambda p: (p.name.lower(), p.id))


def overdue(bulletin: Mapping[str, Any], people: Iterable[Person], today: date) -> list[Person]:
    """Those who have not acknowledged it once its due date has passed (the due day
    itself is still in time)."""
    due = bulletin.get("due_on")
    if not isinstance(due, str) or today <= date.fromisoformat(due):
        return []
    return unacknowledged(bulletin, people)


def standing(bulletin: Mapping[str, Any], person_id: str, today: date) -> str:
    """Where one person stands on a bulletin they must read, in words the reports
    print: ``acknowledged``, ``acknowledged late`` (after the due date), ``overdue``
    (the due date has passed without it) or ``not yet due``."""
    on = acknowledged_by(bulletin).get(person_id)
    due = bulletin.get("due_on")
    due_on = date.fromisoformat(due) if isinstance(due, str) and due else None
    if on is not None:
        late = due_on is not None and date.fromisoformat(on) > due_on
        return "acknowledged late" if late else "acknowledged"
    return "overdue" if due_on is not None and today > due_on else "not yet due"
