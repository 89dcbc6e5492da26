"""A row's JSON columns and many rows at once, for SQLite and PostgreSQL.

A JSON column's text is written and read by orjson where it gives what
:mod:`json` would (:func:`json_text`, :func:`json_value`); a batch's rows go in
with one ``executemany`` (:func:`insert_many`, :func:`insert_tuples`) and are
updated by key in one statement (:func:`update_many`; on PostgreSQL arrays sent
binary). Engines and transactions are :mod:`server.storage.db`'s.
"""

from __future__ import annotations

import json
import operator
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

_JSON_AS_BEFORE = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
"""Types orjson would write and ``json.dumps`` refuses go to ``json.dumps``."""


def json_text(value: Any) -> str:
    """A JSON column's text, as :func:`json.dumps` reads back: written by orjson
    (a fifth of the cost) unless the text holds a ``null`` and the value a float
    (orjson writes a non-finite float as ``null`` where ``json.dumps`` writes
    ``NaN``). Then, and for what orjson cannot write (a non-text key, an integer
    past 64 bits), ``json.dumps`` writes it as before: every value reads back
    exactly as it did (the audit verifier rehashes the detail it reads)."""
    try:
        text = orjson.dumps(value, option=_JSON_AS_BEFORE)
    except TypeError:
        return json.dumps(value)
    if b"null" in text and holds_float(value):
        return json.dumps(value)
    return text.decode()


_orjson_loads = orjson.loads
_orjson_error = orjson.JSONDecodeError
_raw_decode = json.JSONDecoder().raw_decode


def json_value(text: str) -> Any:
    """``json.loads(text)`` of a JSON column's text, by orjson where it gives
    the same value (three to four times faster: a push reads the records its
    operations name, a report half a million snapshots).

    orjson refuses some of what :mod:`json` reads (``NaN``, a lone surrogate, a
    number past a double) and reads an integer past 64 bits as a float, where
    :mod:`json` keeps it exact. So a value holding any float, and any text orjson
    refuses, is read again by :mod:`json`: the value or the error is always what
    ``json.loads`` gives. Snapshots seldom hold a float (hours are text)."""
    try:
        value = _orjson_loads(text)
    except _orjson_error:
        pass
    else:
        if not holds_float(value):
            return value
    try:
        value, end = _raw_decode(text)
    except json.JSONDecodeError:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


_CONTAINERS = frozenset({dict, list, tuple})


def holds_float(value: Any) -> bool:
    """Whether ``value`` is or holds a float anywhere in its dicts, lists and
    tuples: where orjson and :mod:`json` may differ (orjson writes a non-finite
    float as ``null``, and reads an integer past 64 bits as a float). Each
    level's types are gathered in C: a Python loop over every value cost as much
    as orjson's own work."""
    cls = value.__class__
    if cls is float:
        return True
    if cls not in _CONTAINERS:
        return False
    items = value.values() if cls is dict else value
    types = set(map(type, items))
    if float in types:
        return True
    return bool(types & _CONTAINERS) and any(
        holds_float(item) for item in items if item.__class__ in _CONTAINERS)


def _as_tuples(table: sa.Table, names: list[str], rows: list[dict[str, Any]]
               ) -> list[tuple[Any, ...]]:
    """Each row's values of ``names`` as a tuple, JSON columns as text. Done a
    column at a time, in C where it can be (itemgetter, zip, map): a generator
    per row cost about 1 µs a row."""
    json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
    getter = operator.itemgetter(*names)
    params: list[Any]
    if len(names) == 1:
        params = [(value,) for value in map(getter, rows)]
    else:
        params = list(map(getter, rows))
    if json_columns & set(names):
        columns_of = list(zip(*params, strict=True))
        for at, name in enumerate(names):
            if name in json_columns:
                columns_of[at] = tuple(map(json_text, columns_of[at]))
        params = list(zip(*columns_of, strict=True))
    return params


def insert_many(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert straight through the driver's ``executemany``.

    The push path inserts thousands of rows per batch into a few tables;
    SQLAlchemy's per-row parameter processing cost more than the database
    work, so JSON columns are serialised here and rows go in as tuples
    (psycopg 3 pipelines an ``executemany``; measured faster here than
    multi-row ``VALUES``). Every row must have the same keys.
    """
    if not rows:
        return
    names = list(rows[0])
    insert_tuples(conn, table, names, _as_tuples(table, names, rows))


def insert_tuples(conn: Connection, table: sa.Table, names: list[str],
                  params: list[tuple[Any, ...]]) -> None:
    """:func:`insert_many` of rows already made tuples of ``names``' values, JSON
    columns already text (:func:`json_text`)."""
    if not params:
        return
    columns = ", ".join(f'"{n}"' for n in names)
    if conn.dialect.name == "postgresql":
        # COPY streams the rows in one statement (executemany still pays a
        # round trip's worth of protocol per row, even pipelined).
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        types = binary_copy_types(table, names, params)
        if types is None:
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            return
        with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in params:
                copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join([mark] * len(names))
    sql = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"  # noqa: S608  names from our metadata, values bound
    conn.exec_driver_sql(sql, params)


_PG_COPY_TYPES: tuple[tuple[type[Any], str, type], ...] = (
    (sa.BigInteger, "int8", int), (sa.SmallInteger, "int2", int), (sa.Integer, "int4", int),
    (sa.Boolean, "bool", bool), (sa.LargeBinary, "bytea", bytes), (sa.JSON, "text", str),
    (sa.String, "text", str))
"""A column's type in a binary ``COPY``, and the one Python type its values may
have. A ``json`` value's binary form is its text (PostgreSQL reads and checks
it as it reads the text form); ``Text`` is a ``String``."""


def _copy_type(column: sa.Column[Any]) -> tuple[str, type] | None:
    if isinstance(column.type, postgresql.JSONB):
        return None  # its binary form is not its text (a version byte first)
    for sa_type, name, python_type in _PG_COPY_TYPES:
        if isinstance(column.type, sa_type):
            return name, python_type
    return None


def binary_copy_types(table: sa.Table, names: list[str], params: list[tuple[Any, ...]]
                      ) -> list[str] | None:
    """The column types of a binary ``COPY`` of these rows into ``table``, or None
    when a value is not exactly its column's Python type (or None), or a column's
    type is not one of :data:`_PG_COPY_TYPES`: those rows go as text, as before,
    so PostgreSQL converts them as it always did (a text ``COPY`` takes an
    integer for a text column; a binary one would refuse it in the client).

    A push's rows cost psycopg about 1.1 µs of CPU each in binary, 2.2–2.5 as
    text (the text format escapes every JSON text and writes ``bytea`` as hex),
    and PostgreSQL reads them with less work; this check costs 0.4 µs a row (one
    pass per column in C: ``map``, ``set``). Figures: docs/performance/
    sync-server.md, "PostgreSQL push round"."""
    types = []
    for at, name in enumerate(names):
        found = _copy_type(table.c[name])
        if found is None:
            return None
        pg_type, python_type = found
        if not set(map(type, map(operator.itemgetter(at), params))) <= {python_type, _NONE}:
            return None
        types.append(pg_type)
    return types


_NONE = type(None)


_PG_ARRAY_TYPES = ((sa.BigInteger, "bigint"), (sa.Integer, "integer"),
                   (sa.Boolean, "boolean"), (sa.LargeBinary, "bytea"), (sa.JSON, "text"))


def _pg_array_type(column: sa.Column[Any]) -> str:
    for sa_type, name in _PG_ARRAY_TYPES:
        if isinstance(column.type, sa_type):
            return name
    return "text"


def update_many(conn: Connection, table: sa.Table, key: str,
                rows: list[dict[str, Any]]) -> None:
    """Bulk update of whole rows by ``key``, straight through the driver.

    On PostgreSQL one statement joins the table to the rows sent as arrays
    (``UPDATE … FROM unnest(…)``): an ``executemany`` sent one bind and execute
    per row, and the push waited on each of them (a batch of 1,000 operations
    updates a few hundred records). The arrays go in binary (``%b``): psycopg
    writes a text array in Python, quoting and escaping every element with a
    regular expression, and a record's JSON text is all quotes (44 → 8 µs of
    CPU per record updated). On SQLite the driver's ``executemany``,
    without SQLAlchemy's per-row parameter processing (:func:`_as_tuples`).
    Every row must have the same keys, ``key`` among them, and no two rows the
    same key.
    """
    if not rows:
        return
    names = [n for n in rows[0] if n != key]
    if conn.dialect.name == "postgresql":
        json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
        dumps = json_text
        columns = [key, *names]
        arrays = [[dumps(row[n]) if n in json_columns else row[n] for row in rows]
                  for n in columns]
        kinds = [_pg_array_type(table.c[n]) for n in columns]
        unnest = ", ".join(f"%b::{kind}[]" for kind in kinds)
        sets = ", ".join(f'"{n}" = v."{n}"' + ("::json" if n in json_columns else "")
                         for n in names)
        names_sql = ", ".join(f'"{n}"' for n in columns)
        sql = (f'UPDATE {table.name} AS t SET {sets} '  # noqa: S608  names from our metadata, values bound
               f'FROM unnest({unnest}) AS v({names_sql}) WHERE t."{key}" = v."{key}"')
        conn.exec_driver_sql(sql, tuple(arrays))
        return
    params = _as_tuples(table, [*names, key], rows)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sets = ", ".join(f'"{n}" = {mark}' for n in names)
    sql = f'UPDATE {table.name} SET {sets} WHERE "{key}" = {mark}'  # noqa: S608  names from our metadata, values bound
    conn.exec_driver_sql(sql, params)
