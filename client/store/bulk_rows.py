"""Whole record rows written in bulk and handed to the integrity seal as written.

A pulled page writes thousands of whole ``records`` rows. Through the store's
usual path each row is noted by the integrity triggers (an entry in a temporary
B-tree) and read back by the seal to be MACed: about 10 µs of a pulled record's
~35 at the terminal (docs/performance/sync-terminal.md, fourth round). Here the
rows go to the driver with the triggers set aside for that one statement, and
the same seal (:func:`client.store.integrity.seal`, run by
:meth:`~client.store.database.Store.write` before every commit) MACs them from
the values written.

Every write stays sealed:

* rows are handed over only inside a store write transaction (the seal that
  takes them runs before its commit; a rollback forgets them);
* the statement writes every column of the row, so the stored row is the row
  handed over; a row whose values the store would give back as other types
  (text affinity makes a number text, a bool is an integer) is noted for the
  read-back instead;
* the triggers are back for the next statement: a row written again later in
  the transaction is noted and read back, as any other.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import integrity
from .database import RECORDS

_NOTE_IDS = "INSERT INTO temp.integrity_dirty (id) VALUES (?)"
_TRIGGERS = ("integrity_insert", "integrity_update", "integrity_delete")

Row = tuple[Any, ...]


def put_rows(conn: Connection, rows: list[Row]) -> None:
    """Write whole ``records`` rows (every column, in the table's order: each
    replaces its record's row, or makes it) and hand them to this
    transaction's seal as written."""
    in_hand: dict[str, Row] | None = conn.info.get(integrity.IN_HAND)
    if in_hand is None:
        raise RuntimeError("put_rows outside a store write transaction")
    raw = conn.connection.dbapi_connection
    assert raw is not None
    statement, fits, all_fit = _row_shape()
    for name in _TRIGGERS:
        raw.execute(f"DROP TRIGGER IF EXISTS temp.{name}")
    try:
        raw.executemany(statement, rows)
    finally:  # a failed write rolls back its transaction; the triggers are back either way
        for ddl in integrity.TRIGGERS_DDL:
            raw.execute(ddl)
    if all_fit(rows):  # a pulled page: every row as written, checked column by column
        in_hand.update(zip(map(itemgetter(0), rows), rows, strict=True))
        return
    other: list[tuple[str]] = []
    for row in rows:
        if fits(row):
            in_hand[row[0]] = row
        else:
            in_hand.pop(row[0], None)
            other.append((row[0],))
    if other:
        raw.executemany(_NOTE_IDS, other)


@cache
def _row_shape() -> tuple[str, Callable[[Row], bool], Callable[[list[Row]], bool]]:
    """The whole-row upsert of ``records``, a test that a row's values come
    back from the store as they are (by each column's type and nullability),
    and the same test of a whole page at once: every row of the table's width,
    and each column's values of its allowed types (a column at a time, in C:
    half the time of a test per row, about 1 µs of a pulled record's)."""
    columns = list(RECORDS.columns)
    names = [c.name for c in columns]
    statement = (f"INSERT INTO records ({', '.join(names)}) "  # noqa: S608 - the table's own column names; values are bound
                 f"VALUES ({', '.join('?' for _ in names)}) ON CONFLICT (id) DO UPDATE SET "
                 + ", ".join(f"{n} = excluded.{n}" for n in names if n != "id"))
    allowed = [{int if isinstance(c.type, sa.Integer) else str}
               | ({type(None)} if c.nullable else set()) for c in columns]
    seen: set[tuple[type, ...]] = set()

    def fits(row: Row) -> bool:
        shape = tuple(map(type, row))
        if shape in seen:
            return True
        if len(shape) == len(allowed) and all(
                t in a for t, a in zip(shape, allowed, strict=True)):
            seen.add(shape)
            return True
        return False

    width = len(allowed)
    column_types = [frozenset(a) for a in allowed]

    def all_fit(rows: list[Row]) -> bool:
        return set(map(len, rows)) == {width} and all(
            a.issuperset(map(type, values))
            for a, values in zip(column_types, zip(*rows, strict=True), strict=True))

    return statement, fits, all_fit
