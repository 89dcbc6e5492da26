"""Regulation bulletins from the region: publishing one to facilities in scope,
and the region's list of who has not acknowledged each by its due date.

Publishing writes one ``bulletin`` record per facility named (the same
``group`` id ties them together), so each facility's terminals receive it at
their next pull; acknowledgements come back from the terminals as the
``acknowledge_bulletin`` command. Who is overdue is the shared rule
(:func:`protocol.rules.department.bulletins.overdue`) over the server's users.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.errors import ValidationError
from protocol.ids import new_id
from protocol.records import RecordKind
from protocol.records.checks import _choice, _date, _text
from protocol.rules.department.bulletins import AUDIENCES, Person, overdue, unacknowledged
from protocol.rules.records.facility_time import local_now_ms
from server.errors import NotFound
from server.settings import Settings
from server.storage.batch import Batch, Rec
from server.storage.db import read_tx, write_tx
from server.storage.models import T

from .errors import InputInvalid
from .principals import Principal
from .scope import facilities as facilities_in_scope

FIELDS = {"title": _text(200), "source": _text(200), "effective_on": _date,
          "text": _text(20_000), "audience": _choice(*AUDIENCES), "due_on": _date}


@dataclass(frozen=True)
class BulletinView:
    id: str
    group: str
    facility_id: str
    facility_name: str
    title: str
    source: str
    effective_on: str
    due_on: str
    audience: str
    published_on: str
    must_read: int
    acknowledged: int
    waiting: list[str]
    """Names of those who have not acknowledged it yet."""
    overdue: list[str]
    """Names of those past the due date without acknowledging."""


def _refuse_inspectors(who: Principal) -> None:
    if who.is_inspector:
        raise NotFound("There is no such page.")


def publish(engine: Engine, settings: Settings, who: Principal, *, facility_ids: list[str],
            fields: dict[str, str]) -> str:
    """Publish a bulletin to the facilities named (each in scope); returns its group id."""
    _refuse_inspectors(who)
    clean: dict[str, str] = {}
    for name, check in FIELDS.items():
        try:
            clean[name] = check(name, fields.get(name, ""))
        except ValidationError as exc:
            raise InputInvalid(name, f"{name.replace('_', ' ').capitalize()} {exc.reason}."
                               ) from None
    if clean["due_on"] < clean["effective_on"]:
        raise InputInvalid("due_on", "The due date cannot be before the effective date.")
    with read_tx(engine) as conn:
        allowed = {f.id for f in facilities_in_scope(conn, who)}
    chosen = sorted(set(facility_ids))
    if not chosen or not set(chosen) <= allowed:
        raise InputInvalid("facilities", "Choose one or more of your facilities.")
    now = settings.clock()
    group = new_id(now)
    with write_tx(engine) as conn:
        batch = Batch(conn, chosen, now)
        for facility_id in chosen:
            facility = batch.get(facility_id, str(RecordKind.FACILITY))
            # Each facility's own date (a facility behind UTC is still on the day before).
            published_on = local_now_ms(facility.data if facility else {}, now).date()
            data = {**clean, "group": group, "published_by": who.actor,
                    "published_on": published_on.isoformat(),
                    "acknowledgements": []}
            rec = batch.add(Rec(id=new_id(now), kind=str(RecordKind.BULLETIN),
                                facility_id=facility_id, data=data))
            batch.emit(rec)
            batch.chain(facility_id).append(
                at=now, action="portal:publish_bulletin", outcome="applied", actor=who.actor,
                facility_id=facility_id, target=rec.id,
                detail={"group": group, "title": clean["title"], "due_on": clean["due_on"],
                        "audience": clean["audience"]})
        batch.write()
    return group


def _people(conn: Connection, facility_ids: list[str]) -> dict[str, list[Person]]:
    rows = conn.execute(sa.select(T.users).where(T.users.c.facility_id.in_(facility_ids))).all()
    out: dict[str, list[Person]] = {f: [] for f in facility_ids}
    for r in rows:
        out[r.facility_id].append(Person(r.id, r.display_name or r.username, r.role, r.active))
    return out


def bulletins(conn: Connection, who: Principal, today: date) -> list[BulletinView]:
    """Every bulletin of the facilities in scope, newest first, with who has not
    acknowledged it and who is overdue."""
    _refuse_inspectors(who)
    names = {f.id: f.name for f in facilities_in_scope(conn, who)}
    if not names:
        return []
    rows = conn.execute(sa.select(T.records.c.id, T.records.c.facility_id, T.records.c.data)
                        .where(T.records.c.kind == str(RecordKind.BULLETIN),
                               T.records.c.facility_id.in_(sorted(names)))).all()
    people = _people(conn, sorted(names))
    out = []
    for r in rows:
        d = r.data or {}
        staff = people.get(r.facility_id, [])
        waiting = unacknowledged(d, staff)
        must = len(waiting) + len(d.get("acknowledgements") or ())
        out.append(BulletinView(
            r.id, str(d.get("group", "")), r.facility_id, names[r.facility_id],
            str(d.get("title", "")), str(d.get("source", "")), str(d.get("effective_on", "")),
            str(d.get("due_on", "")), str(d.get("audience", "")),
            str(d.get("published_on", "")), must, len(d.get("acknowledgements") or ()),
            [p.name for p in waiting], [p.name for p in overdue(d, staff, today)]))
    return sorted(out, key=lambda b: (b.published_on, b.group, b.facility_name), reverse=True)
