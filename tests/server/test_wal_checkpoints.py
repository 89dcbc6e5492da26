"""The server copies its SQLite WAL into the database off the request path.

A push that commits does not checkpoint the WAL itself (SQLite's automatic
checkpoint at 1,000 pages made the push that crossed it copy every page into
the database before answering, every batch); the running server does it on
its database threads once the WAL holds enough pages not yet copied, and a
connection checkpoints itself only past a much larger WAL (a command-line
tool, or a server that fell behind).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from server import admin
from server.http.runner import ServerThread
from server.settings import Settings
from server.storage import db
from server.storage.db import SQLITE_WAL_FALLBACK_PAGES, WalCheckpoints, make_engine, wal_file


def _sqlite_file(settings: Settings) -> Path:
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the WAL is SQLite's")
    return Path(str(url.database))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checkpoints(engine: sa.Engine, pages: int) -> WalCheckpoints:
    wal = wal_file(engine)
    assert wal is not None
    return WalCheckpoints(engine, wal, pages)


def test_the_server_copies_the_wal_without_another_request(
        engine: sa.Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    database = _sqlite_file(settings)
    monkeypatch.setattr(db, "SQLITE_WAL_CHECKPOINT_PAGES", 1)
    waiting = _checkpoints(engine, 1).waiting
    with ServerThread(settings, init=False):
        admin.create_facility(engine, settings, name="Maple Grove", state="OH",
                              mrn_prefix="MG")
        before = _digest(database)
        deadline = time.monotonic() + 10
        while waiting() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting() == 0
        assert _digest(database) != before


def test_a_commit_leaves_its_pages_in_the_wal_below_the_threshold(
        engine: sa.Engine, settings: Settings) -> None:
    database = _sqlite_file(settings)
    checkpoints = _checkpoints(engine, 1_000_000)
    checkpoints.run()
    before = (checkpoints.waiting(), _digest(database))
    admin.create_facility(engine, settings, name="Maple Grove", state="OH", mrn_prefix="MG")
    assert checkpoints.waiting() > before[0]
    assert checkpoints.run() is False
    assert _digest(database) == before[1]
    assert _checkpoints(engine, 1).run() is True
    assert checkpoints.waiting() == 0
    assert _digest(database) != before[1]


def test_a_connection_checkpoints_only_past_the_fallback(settings: Settings) -> None:
    _sqlite_file(settings)
    made = make_engine(settings.database_url)
    try:
        with made.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        assert pages == SQLITE_WAL_FALLBACK_PAGES
    finally:
        made.dispose()
