"""Names that terminals show instead of ids: each facility's name and state
for the other facilities' terminals (the transfer pick list), and the names of
a facility's terminals in its own record (who changed what, "at Nurses'
station"). Both go out through the change log, like every record a terminal
holds; the functions here add them to a batch its caller writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.records import RecordKind
from server.errors import NotFound
from server.storage.batch import Batch, Rec
from server.storage.models import T


def facility_row(conn: Connection, facility_id: str) -> Any:
    row = conn.execute(sa.select(T.facilities).where(T.facilities.c.id == facility_id)).first()
    if row is None:
        raise NotFound(f"no facility {facility_id}")
    return row


def publish(batch: Batch, rec: Rec, *, new: bool) -> None:
    if new:
        batch.add(rec)
    else:
        rec.dirty = True
    batch.emit(rec)


def _listing(row: Any) -> Rec:
    """What other facilities' terminals learn of a facility: its name and state
    (its record-number prefix and settings stay its own)."""
    return Rec(id=row.id, kind=str(RecordKind.FACILITY), facility_id=row.id,
               data={"name": row.name, "state_code": row.state_code})


def all_facility_ids(conn: Connection) -> list[str]:
    """Every facility (lock them all before :func:`share_facilities`)."""
    return list(conn.execute(sa.select(T.facilities.c.id)).scalars())


def share_facilities(batch: Batch, conn: Connection, changed: Iterable[str] | None = None
                     ) -> None:
    """Send the name and state of each facility in ``changed`` (default: all) to
    every other facility's terminals, and, to a facility in ``changed``, every
    other facility's: a terminal picks the receiving facility of a transfer by
    name. The batch must hold every facility's head (:func:`all_facility_ids`)."""
    rows = conn.execute(sa.select(T.facilities.c.id, T.facilities.c.name,
                                  T.facilities.c.state_code)).all()
    wanted = set(changed) if changed is not None else {row.id for row in rows}
    for target in rows:
        for other in rows:
            if other.id != target.id and (other.id in wanted or target.id in wanted):
                batch.emit(_listing(other), facility_id=target.id)


def name_terminals(batch: Batch, conn: Connection, facility_id: str) -> None:
    """Put the names of the facility's terminals in its record, so its terminals
    say "at Nurses' station" where a change names the terminal that made it
    (revoked terminals keep their names: older changes still name them)."""
    listed = {row.id: row.name for row in conn.execute(
        sa.select(T.terminals.c.id, T.terminals.c.name)
        .where(T.terminals.c.facility_id == facility_id))}
    rec = batch.get(facility_id, str(RecordKind.FACILITY))
    if rec is None:
        old = facility_row(conn, facility_id)
        publish(batch, Rec(id=facility_id, kind=str(RecordKind.FACILITY),
                           facility_id=facility_id,
                           data={"name": old.name, "state_code": old.state_code,
                                 "mrn_prefix": old.mrn_prefix, "terminals": listed}),
                new=True)
    elif rec.data.get("terminals") != listed:
        rec.data = {**rec.data, "terminals": listed}
        publish(batch, rec, new=False)
