"""Whole records updated in bulk (``update_many``), on each backend.

A push batch writes the records its operations changed in one bulk update: on
PostgreSQL one statement over the rows sent as arrays, on SQLite the driver's
``executemany``. Every column must come back as written: JSON maps (with
nulls, floats, nested lists), text that may be null in some rows and set in
others, 64-bit numbers; rows not named stay as they were.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.storage.db import read_tx, write_tx
from server.storage.models import T
from server.storage.rows import insert_many, update_many


def _record(n: int, **changes: Any) -> dict[str, Any]:
    row = {"id": f"R{n:025d}", "kind": "resident", "facility_id": "F" * 26,
           "data": {"family_name": f"Name{n}"}, "versions": {"family_name": 1},
           "conflicts": {}, "status": "active", "seq": n, "created_hash": None,
           "match_key": None, "subject_id": f"R{n:025d}", "mrn": None, "work_day": None}
    row.update(changes)
    return row


def _stored(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    with read_tx(engine) as conn:
        rows = conn.execute(sa.select(T.records).order_by(T.records.c.id)).mappings()
        return {row["id"]: dict(row) for row in rows}


def test_whole_rows_are_updated_by_id_and_the_others_left_alone(engine: sa.Engine) -> None:
    with write_tx(engine) as conn:
        insert_many(conn, T.records, [_record(n) for n in range(1, 5)])
    updated = [
        _record(1, data={"family_name": "Smith [Jr]", "note": None, "weight": 71.5,
                         "tags": ["a", {"b": [1, 2]}]},
                versions={"family_name": 2, "weight": 1}, status="discharged",
                seq=2**62, match_key="smith|1940-01-01", mrn="MG100"),
        _record(3, conflicts={"phone": {"ours": "555-0100", "theirs": None}},
                created_hash="ab" * 32, subject_id=None, work_day="2026-07-31"),
    ]
    with write_tx(engine) as conn:
        update_many(conn, T.records, "id", updated)
    stored = _stored(engine)
    assert stored[updated[0]["id"]] == updated[0]
    assert stored[updated[1]["id"]] == updated[1]
    assert stored[_record(2)["id"]] == _record(2)
    assert stored[_record(4)["id"]] == _record(4)


def test_no_rows_is_no_statement(engine: sa.Engine) -> None:
    with write_tx(engine) as conn:
        update_many(conn, T.records, "id", [])
    assert _stored(engine) == {}
