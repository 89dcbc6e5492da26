"""Names instead of ids: the facility, the other facilities, users and terminals,
as the server sent them through the change log.

The server sends this facility's record (name, state, and the names of its
terminals), every user of the facility, and the name and state of every other
facility (the places a resident may be transferred to). A clerk never reads an
id where one of these names is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.records import RecordKind

from ..store.database import RECORDS, loads
from ..views import FacilityInfo
from .area import Area


@dataclass(frozen=True)
class Names:
    """Display names of users and terminals, by id."""

    users: Mapping[str, str] = field(default_factory=dict)
    terminals: Mapping[str, str] = field(default_factory=dict)

    def user(self, user_id: str | None) -> str | None:
        return self.users.get(user_id) if user_id else None

    def terminal(self, terminal_id: str | None) -> str | None:
        return self.terminals.get(terminal_id) if terminal_id else None


def user_names(conn: Connection) -> dict[str, str]:
    """Display name (else user name) of every user the server sent this
    terminal, by user id."""
    names: dict[str, str] = {}
    for row in conn.execute(sa.select(RECORDS.c.id, RECORDS.c.data)
                            .where(RECORDS.c.kind == str(RecordKind.USER),
                                   RECORDS.c.data.is_not(None))):
        data = loads(row.data) or {}
        names[row.id] = str(data.get("display_name") or data.get("username") or "")
    return names


def _facility_rows(conn: Connection) -> list[tuple[str, dict[str, object]]]:
    rows = conn.execute(sa.select(RECORDS.c.id, RECORDS.c.data).where(
        RECORDS.c.kind == str(RecordKind.FACILITY), RECORDS.c.data.is_not(None))).all()
    return [(row.id, data) for row in rows if isinstance(data := loads(row.data), dict)]


def facility_names(conn: Connection) -> dict[str, str]:
    """Every facility the terminal knows (its own and the directory's), by id."""
    return {i: str(d.get("name") or "") for i, d in _facility_rows(conn) if d.get("name")}


def names(conn: Connection) -> Names:
    """Users of this facility and the terminals enrolled for it (only this
    facility's own record carries terminal names)."""
    terminals: dict[str, str] = {}
    for _, data in _facility_rows(conn):
        listed = data.get("terminals")
        if isinstance(listed, dict):
            terminals.update({str(k): str(v) for k, v in listed.items()})
    return Names(users=user_names(conn), terminals=terminals)


def facility_name(conn: Connection, facility_id: str | None) -> str | None:
    """A facility's name as the server sent it, or None."""
    if not facility_id:
        return None
    found = next((d for i, d in _facility_rows(conn) if i == facility_id), None)
    return str(found.get("name") or "") or None if found is not None else None


def _info(record_id: str, data: Mapping[str, object]) -> FacilityInfo:
    state = data.get("state_code")
    return FacilityInfo(id=record_id, name=str(data.get("name") or ""),
                        state_code=str(state) if state else None)


class Directory(Area):
    """``session.directory``: this facility, the others, and names for ids."""

    def facility(self) -> FacilityInfo:
        """This facility (its state is ``None`` until the first sync brings it)."""
        own = self.actor.facility_id
        with self.actor.store.read() as conn:
            found = next((_info(i, d) for i, d in _facility_rows(conn) if i == own), None)
        return found or FacilityInfo(id=own, name="", state_code=None)

    def other_facilities(self) -> list[FacilityInfo]:
        """The facilities a resident may be transferred to, by name."""
        own = self.actor.facility_id
        with self.actor.store.read() as conn:
            others = [_info(i, d) for i, d in _facility_rows(conn) if i != own]
        return sorted((f for f in others if f.name), key=lambda f: (f.name.casefold(), f.id))

    def names(self) -> Names:
        with self.actor.store.read() as conn:
            return names(conn)
