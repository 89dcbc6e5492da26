"""Rows handed to the integrity seal as written (``bulk_rows.put_rows``, the
pull's bulk path): the store must verify at open exactly as if every row had
been noted by the triggers and read back, whatever happens to the rows later in
the same transaction or after it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from client.store import integrity
from client.store.bulk_rows import put_rows
from client.store.database import Store


def _row(record_id: str, label: str = "", *, census: Any = None, seq: Any = 1,
         data: str | None = '{"body": "Comfortable"}') -> tuple[Any, ...]:
    return (record_id, "note", "f1", data, "{}", "{}", "active", seq, None, label, "", "",
            census, "active", 0)


_PLAIN_INSERT = f"INSERT INTO records VALUES ({', '.join('?' * 15)})"


def _findings(store: Store) -> integrity.Finding | None:
    with store.read() as conn:
        return integrity.check(conn, store._integrity_key)


def _ledger_ids(store: Store) -> set[str]:
    with store.read() as conn:
        return {r[0] for r in conn.exec_driver_sql("SELECT id FROM record_integrity")}


def _reopened(store: Store, path: Path, key: bytes) -> Store:
    store.close()
    again = Store(path, key)
    assert not again.rolled_back  # the check at open found every row as sealed
    return again


@pytest.fixture
def opened(tmp_path: Path):
    key = os.urandom(32)
    path = tmp_path / "s.db"
    store = Store(path, key, create=True)
    with store.write() as conn:  # a record from before, sealed the usual way
        conn.exec_driver_sql(_PLAIN_INSERT, _row("old"))
    yield store, path, key
    store.close()


def test_rows_handed_over_verify_as_read_back_rows_do(opened) -> None:
    store, path, key = opened
    with store.write() as conn:
        put_rows(conn, [_row(f"r{i}", f"label {i}", seq=i) for i in range(50)]
                           + [_row("old", "replaced", seq=99)])
        # no id was noted for a read-back: the seal has them in hand
        raw = conn.connection.dbapi_connection
        assert raw.execute("SELECT count(*) FROM temp.integrity_dirty").fetchone()[0] == 0
    finding = _findings(store)
    assert finding is not None and finding.clean
    assert _ledger_ids(store) == {"old"} | {f"r{i}" for i in range(50)}
    store = _reopened(store, path, key)
    with store.read() as conn:
        assert conn.exec_driver_sql("SELECT label, seq FROM records WHERE id = 'old'").one() \
            == ("replaced", 99)
    store.close()


def test_a_row_changed_or_deleted_after_it_was_handed_over_is_sealed_as_stored(opened) -> None:
    store, path, key = opened
    with store.write() as conn:
        put_rows(conn, [_row("a", "as pulled"), _row("b"), _row("c")])
        conn.exec_driver_sql("UPDATE records SET label = 'refreshed', pending = 1 "
                             "WHERE id = 'a'")
        conn.exec_driver_sql("DELETE FROM records WHERE id = 'b'")
    finding = _findings(store)
    assert finding is not None and finding.clean
    assert _ledger_ids(store) == {"old", "a", "c"}
    _reopened(store, path, key).close()


def test_values_the_store_gives_back_as_other_types_are_read_back(opened) -> None:
    """Text affinity stores a number as text, and a bool is an integer: such a
    row's MAC must be of what the store holds."""
    store, path, key = opened
    with store.write() as conn:
        put_rows(conn, [_row("n", census=5), _row("b", seq=True),
                                  _row("plain")])
        raw = conn.connection.dbapi_connection
        noted = {r[0] for r in raw.execute("SELECT id FROM temp.integrity_dirty")}
        assert noted == {"n", "b"}
    finding = _findings(store)
    assert finding is not None and finding.clean
    _reopened(store, path, key).close()


def test_one_odd_value_in_a_page_is_read_back_and_the_rest_handed_over(opened) -> None:
    """A page is checked column by column before row by row: one value of
    another type anywhere in it (a number in a text column, a bool, a float in
    an integer column) still sends exactly its row to the read-back."""
    store, path, key = opened
    rows = [_row(f"r{i}", f"label {i}", seq=i) for i in range(60)]
    rows[37] = _row("r37", census=5)
    rows[12] = _row("r12", seq=True)
    rows[50] = _row("r50", seq=2.5)
    with store.write() as conn:
        put_rows(conn, rows)
        raw = conn.connection.dbapi_connection
        noted = {r[0] for r in raw.execute("SELECT id FROM temp.integrity_dirty")}
        assert noted == {"r12", "r37", "r50"}
        assert set(conn.info[integrity.IN_HAND]) == {f"r{i}" for i in range(60)} - noted
    finding = _findings(store)
    assert finding is not None and finding.clean
    _reopened(store, path, key).close()


def test_a_rolled_back_page_leaves_nothing_for_the_next_seal(opened) -> None:
    store, path, key = opened

    class Stop(Exception):
        pass

    def page_then_failure() -> None:
        with store.write() as conn:
            put_rows(conn, [_row("lost")])
            raise Stop

    with pytest.raises(Stop):
        page_then_failure()
    with store.write() as conn:  # a later write of the same connection
        conn.exec_driver_sql("UPDATE records SET label = 'x' WHERE id = 'old'")
    assert _ledger_ids(store) == {"old"}
    finding = _findings(store)
    assert finding is not None and finding.clean
    _reopened(store, path, key).close()


def test_writes_after_a_handed_over_page_are_still_noted(opened) -> None:
    """put_rows sets the triggers aside for its own statement only."""
    store, path, key = opened
    with store.write() as conn:
        put_rows(conn, [_row("a")])
    with store.write() as conn:
        conn.exec_driver_sql("UPDATE records SET label = 'typed by a clerk' WHERE id = 'a'")
        conn.exec_driver_sql(_PLAIN_INSERT, _row("new"))
    finding = _findings(store)
    assert finding is not None and finding.clean
    _reopened(store, path, key).close()


def test_rows_are_handed_over_only_inside_a_store_write(opened) -> None:
    store, _path, _key = opened
    with store.read() as conn, pytest.raises(RuntimeError):
        put_rows(conn, [_row("a")])
