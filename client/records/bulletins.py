"""Regulation bulletins at the terminal: those the region published to this
facility (received at the pull), each person's acknowledgement — offline,
as the person signed in — and, for the records manager, who has not
acknowledged by the due date (the shared rule,
:mod:`protocol.rules.department.bulletins`, over this terminal's users)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from protocol.records import RecordKind
from protocol.rules.department.bulletins import Person, acknowledged_by, overdue

from ..store.database import RECORDS
from .area import Area
from .case_reads import shown_rows
from .casework import Casework


class Bulletins(Area):
    """``session.bulletins``."""

    def received(self) -> list[dict[str, Any]]:
        """Every bulletin here, newest first, with ``mine``: the day the signed-in
        person acknowledged it (None while they have not)."""
        me = self.actor.user.id
        rows = [{**n.data, "id": n.id, "mine": acknowledged_by(n.data).get(me)}
                for n in Casework(self._actor).cases(RecordKind.BULLETIN)]
        return sorted(rows, key=lambda b: (str(b.get("published_on", "")), b["id"]),
                      reverse=True)

    def to_acknowledge(self) -> list[dict[str, Any]]:
        """What the signed-in person has still to acknowledge, soonest due first."""
        return sorted((b for b in self.received() if b["mine"] is None),
                      key=lambda b: str(b.get("due_on", "")))

    def acknowledge(self, bulletin_id: str) -> str:
        """Acknowledge it as the person signed in, today; syncs like any change."""
        return Casework(self._actor).command("acknowledge_bulletin", {
            "bulletin_id": bulletin_id, "on": self.actor.clock.today().isoformat()},
            summary="Bulletin acknowledged")

    def people(self) -> list[Person]:
        with self.actor.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS).where(
                RECORDS.c.kind == str(RecordKind.USER),
                RECORDS.c.facility_id == self.actor.facility_id)).all()
            users = shown_rows(conn, rows)
        return [Person(u.id, str(u.data.get("display_name") or u.data.get("username") or u.id),
                       str(u.data.get("role", "")), bool(u.data.get("active", True)))
                for u in users]

    def overdue(self) -> list[tuple[dict[str, Any], list[Person]]]:
        """Each bulletin past its due date with the people who have not acknowledged it."""
        today = self.actor.clock.today()
        people = self.people()
        out = []
        for bulletin in self.received():
            late = overdue(bulletin, people, today)
            if late:
                out.append((bulletin, late))
        return out
