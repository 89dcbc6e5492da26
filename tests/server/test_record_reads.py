"""A push batch reads the records it needs through the driver, with their JSON
columns decoded by ``json_value``: every record comes back as SQLAlchemy's own
read (``json.loads`` of the stored text) gives it, odd values included."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from protocol.ids import new_id
from server.storage.batch import RECORD_NAMES, Rec, read_records
from server.storage.db import write_tx
from server.storage.models import T
from server.storage.rows import insert_many, json_text, update_many

ODD_DATA: list[dict[str, Any]] = [
    {"body": "Comfortable, ate well.", "resident_id": "01ABC"},
    {"hours": 7.5, "big": 2**70, "neg": -(2**64), "nested": [{"x": 1e-7}, [2**63]]},
    {"name": "Smith [Jr] café 😀", "none": None, "flag": True, "empty": {}},
]
NOT_A_NUMBER = {"nan": math.nan, "inf": math.inf}
"""Written by json.dumps as NaN and Infinity: SQLite keeps that text, PostgreSQL's
json type refuses it."""


def _comparable(rec: Any) -> tuple[Any, ...]:
    """A record's fields, with NaN made equal to itself."""
    def same(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return "NaN"
        if isinstance(value, dict):
            return {k: same(v) for k, v in value.items()}
        if isinstance(value, list):
            return [same(v) for v in value]
        return value
    return (rec.id, rec.kind, rec.facility_id, same(rec.data), same(rec.versions),
            same(rec.conflicts), rec.status, rec.seq, rec.created_hash, rec.match_key,
            rec.subject_id, rec.mrn)


def test_records_read_through_the_driver_are_sqlalchemys(engine: sa.Engine) -> None:
    odd = ODD_DATA if engine.dialect.name == "postgresql" else [*ODD_DATA, NOT_A_NUMBER]
    rows = [{"id": new_id(), "kind": "note", "facility_id": "F1", "data": data,
             "versions": {"body": [3, "01T"]} if n else {}, "conflicts": {"x": [1, 2]} if n == 2
             else {}, "status": "active", "seq": n + 1, "created_hash": "h" * 64 if n else None,
             "match_key": "ng|lee|1940-01-01" if n == 1 else None,
             "subject_id": "01S" if n else None, "mrn": "MG-1" if n == 1 else None}
            for n, data in enumerate(odd)]
    with write_tx(engine) as conn:
        insert_many(conn, T.records, rows)
    ids = [row["id"] for row in rows]
    with engine.connect() as conn:
        ours = read_records(conn, [*ids, new_id()])  # one that is not there
        # work_day is derived from an hours entry's data when written, not held by Rec
        theirs = [Rec(**{k: v for k, v in row._mapping.items() if k != "work_day"})
                  for row in conn.execute(sa.select(T.records).where(T.records.c.id.in_(ids)))]
    assert sorted(map(_comparable, ours)) == sorted(map(_comparable, theirs))
    assert len(ours) == len(odd)
    big = next(rec for rec in ours if "big" in rec.data)
    assert big.data["big"] == 2**70 and isinstance(big.data["big"], int)


def test_records_updated_in_bulk_read_back_as_written(engine: sa.Engine) -> None:
    """update_many sends PostgreSQL its columns as binary arrays: quotes,
    backslashes, braces, NULLs and long integers come back as they went."""
    ids = [new_id() for _ in range(3)]
    base = {"kind": "resident", "facility_id": "F1", "status": "active", "seq": 1,
            "created_hash": None, "match_key": None, "subject_id": None, "mrn": None}
    with write_tx(engine) as conn:
        insert_many(conn, T.records, [{"id": i, **base, "data": {}, "versions": {},
                                       "conflicts": {}} for i in ids])
    changed = [
        {"id": ids[0], **base, "data": {"name": 'O\'Brien "Jr" \\ {a,b}', "n": 2**62},
         "versions": {"name": [2, "01T"]}, "conflicts": {}, "seq": 9, "mrn": "MG-7"},
        {"id": ids[1], **base, "data": {"x": None, "list": ["{", "}", ","]}, "versions": {},
         "conflicts": {"x": [None, "b"]}, "match_key": "a|b|c", "subject_id": ids[1]},
        {"id": ids[2], **base, "data": {"text": "café 😀 NULL"}, "versions": {},
         "conflicts": {}, "created_hash": "f" * 64, "status": "voided"},
    ]
    with write_tx(engine) as conn:
        update_many(conn, T.records, "id", [dict(row) for row in changed])
    with engine.connect() as conn:
        read = {rec.id: rec for rec in read_records(conn, ids)}
    for row in changed:
        assert _comparable(read[row["id"]]) == _comparable(Rec(**row))


def test_a_new_records_tuple_is_its_row() -> None:
    """Batch.write inserts new records as Rec.values() in RECORD_NAMES order: every
    column of the table, each value the one Rec.row() names (JSON as its text)."""
    rec = Rec(id="01R", kind="resident", facility_id="F1", data={"family_name": "Ng", "n": 1.5},
              versions={"family_name": [1, "01T"]}, conflicts={}, status="active", seq=4,
              created_hash="c" * 64, match_key="ng|lee|1940-01-01", subject_id="01R", mrn="MG-1")
    assert sorted(RECORD_NAMES) == sorted(c.name for c in T.records.columns)
    values = dict(zip(RECORD_NAMES, rec.values(), strict=True))
    row = rec.row()
    assert values == {name: json_text(value) if name in ("data", "versions", "conflicts")
                      else value for name, value in row.items()}
    hours = Rec(id="01H", kind="hours", facility_id="F1",
                data={"work_date": "2026-07-31", "start": "22:00", "end": "06:00"})
    assert dict(zip(RECORD_NAMES, hours.values(), strict=True))["work_day"] == \
        hours.row()["work_day"] == "2026-07-31"
