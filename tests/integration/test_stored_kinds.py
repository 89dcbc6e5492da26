"""Every record kind can be stored by the server on each backend.

The server keeps a record's kind in 16-character columns (``records.kind`` and
``changes.kind``). SQLite does not enforce a ``VARCHAR`` length, PostgreSQL does:
three records-department kinds of 17 to 21 characters were taken by the SQLite
server and refused by PostgreSQL ("value too long for type character
varying(16)"), so a terminal's records commands never reached the other
terminals there. These tests read the widths from the migrated database itself
(so they fail on SQLite too) and store one record and one change of each kind.
"""

from __future__ import annotations

import sqlalchemy as sa

from protocol.records import KIND_MAX_LENGTH, RecordKind
from server.storage.db import read_tx, write_tx
from server.storage.models import T
from server.storage.rows import insert_many


def test_every_kind_fits_the_columns_the_migrations_made(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    widths = [getattr(column["type"], "length", None)
              for table in ("records", "changes") for column in inspector.get_columns(table)
              if column["name"] == "kind"]
    assert widths == [KIND_MAX_LENGTH, KIND_MAX_LENGTH]
    too_long = [kind.value for kind in RecordKind if len(kind.value) > KIND_MAX_LENGTH]
    assert too_long == []


def test_a_record_and_a_change_of_every_kind_are_stored(engine: sa.Engine) -> None:
    kinds = [kind.value for kind in RecordKind]
    records = [{"id": f"R{n:025d}", "kind": kind, "facility_id": "F" * 26, "data": {},
                "versions": {}, "conflicts": {}, "status": "active", "seq": n}
               for n, kind in enumerate(kinds, start=1)]
    changes = [{"facility_id": "F" * 26, "seq": row["seq"], "kind": row["kind"],
                "record_id": row["id"], "snapshot": b""} for row in records]
    with write_tx(engine) as conn:
        insert_many(conn, T.records, records)
        insert_many(conn, T.changes, changes)
    with read_tx(engine) as conn:
        stored = conn.execute(sa.select(T.records.c.kind).order_by(T.records.c.seq)).scalars()
        logged = conn.execute(sa.select(T.changes.c.kind).order_by(T.changes.c.seq)).scalars()
        assert (list(stored), list(logged)) == (kinds, kinds)
