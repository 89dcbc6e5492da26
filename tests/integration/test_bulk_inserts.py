"""A push batch's rows inserted in bulk (``insert_many``), on each backend.

On PostgreSQL the rows go in one ``COPY`` each, in binary when every value is
exactly its column's type (the push's own rows always are) and as text
otherwise, as before. Every value must come back as written either way: JSON
text full of quotes, backslashes and control characters, bytes of every value
(NUL and backslash among them), 64-bit numbers, nulls.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from server.storage.db import read_tx, write_tx
from server.storage.merkle_models import L
from server.storage.models import T
from server.storage.rows import binary_copy_types, insert_many


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The COPY statements psycopg is asked to run."""
    seen: list[str] = []
    original = psycopg.Cursor.copy

    def spy(self: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(statement))
        return original(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", spy)
    return seen


HOSTILE_TEXT = 'say "hi"\\n \t\ttab \\ back\\slash \x01 \u00e9\u4e2d \U0001f600 \\N end'


def _record(n: int, **changes: Any) -> dict[str, Any]:
    row = {"id": f"R{n:025d}", "kind": "note", "facility_id": "F" * 26,
           "data": {"text": HOSTILE_TEXT, "none": None, "list": [1, "two", {"3": [4]}]},
           "versions": {"text": 2**62}, "conflicts": {}, "status": "active", "seq": 2**62 + n,
           "created_hash": None, "match_key": None, "subject_id": f"S{n:025d}",
           "mrn": None, "work_day": None}
    row.update(changes)
    return row


def _change(n: int) -> dict[str, Any]:
    return {"facility_id": "F" * 26, "seq": n, "kind": "note", "record_id": f"R{n:025d}",
            "snapshot": bytes(range(256)) + b"\\\x00\\N" * n}


def _node(n: int) -> dict[str, Any]:
    return {"chain": "F" * 26, "level": 4, "idx": n, "hash": bytes([n]) * 32}


def _read(engine: sa.Engine, table: sa.Table) -> list[dict[str, Any]]:
    with read_tx(engine) as conn:
        return [dict(row) for row in conn.execute(
            sa.select(table).order_by(*table.primary_key.columns)).mappings()]


def test_every_value_comes_back_as_written(engine: sa.Engine) -> None:
    records = [_record(1), _record(2, data={}, created_hash="ab" * 32, mrn="MG1"),
               _record(3, subject_id=None, work_day="2026-07-31", status="gone")]
    changes = [_change(n) for n in (1, 2, 3)]
    nodes = [_node(n) for n in (0, 1, 255)]
    with write_tx(engine) as conn:
        insert_many(conn, T.records, records)
        insert_many(conn, T.changes, changes)
        insert_many(conn, L.nodes, nodes)
    assert _read(engine, T.records) == records
    assert _read(engine, T.changes) == changes
    assert _read(engine, L.nodes) == nodes


def test_the_push_tables_go_in_binary_on_postgresql(engine: sa.Engine,
                                                    copies: list[str]) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL COPY")
    with write_tx(engine) as conn:
        insert_many(conn, T.records, [_record(1)])
        insert_many(conn, T.changes, [_change(1)])
        insert_many(conn, L.nodes, [_node(1)])
    assert len(copies) == 3
    assert all(statement.endswith("FROM STDIN (FORMAT BINARY)") for statement in copies)


def test_a_value_not_of_its_columns_type_goes_as_text_as_before(engine: sa.Engine,
                                                               copies: list[str]) -> None:
    """A text ``COPY`` lets PostgreSQL convert the value (a number into a text
    column), as every insert did before; a binary one would refuse it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL COPY")
    with write_tx(engine) as conn:
        insert_many(conn, T.records, [_record(1), _record(2, mrn=1234)])
    assert copies and copies[-1].endswith("FROM STDIN")
    assert [row["mrn"] for row in _read(engine, T.records)] == [None, "1234"]


def test_only_values_of_their_columns_exact_type_go_in_binary() -> None:
    """A ``jsonb`` value's binary form is not its text, and a date or a number
    of another kind has no form here: those rows go as text. So does a value of
    another type than its column's (a bool is an int to Python, not to a
    ``bigint`` column)."""
    table = sa.Table("t", sa.MetaData(), sa.Column("n", sa.BigInteger), sa.Column("s", sa.Text),
                     sa.Column("j", sa.JSON), sa.Column("b", sa.LargeBinary),
                     sa.Column("jb", postgresql.JSONB), sa.Column("d", sa.DateTime))
    assert binary_copy_types(table, ["n", "s", "j", "b"], [(1, "x", "{}", b"\x00"),
                                                           (None, None, None, None)]) \
        == ["int8", "text", "text", "bytea"]
    assert binary_copy_types(table, ["jb"], [("{}",)]) is None
    assert binary_copy_types(table, ["d"], [(None,)]) is None
    assert binary_copy_types(table, ["n"], [(1,), (True,)]) is None
    assert binary_copy_types(table, ["s"], [("x",), (1,)]) is None
    assert binary_copy_types(table, ["b"], [(bytearray(b"x"),)]) is None
