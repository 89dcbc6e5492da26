"""The store's WAL stays bounded through a long pull (client/store/wal.py)."""

import os
import threading
from pathlib import Path

from test_pull_pages import _residents

from client.store import wal
from client.store.database import Store
from client.sync.counts import Counts
from client.sync.engine import SyncEngine

LIMIT = 256 * 1024


def _wal(path: Path) -> int:
    wal_file = Path(f"{path}-wal")
    return wal_file.stat().st_size if wal_file.exists() else 0


def test_pulled_pages_that_outrun_their_checkpoint_keep_the_wal_within_its_bound(
        tmp_path, monkeypatch):
    """A pull's next page used to begin while the last page's checkpoint still
    copied it (the next answer is at hand before the disk is done). SQLite writes
    the WAL from its start again only at a write that begins once all of it is
    copied, so it grew for the whole pull. Here every checkpoint is held until the
    next write has begun (or a while has passed), as a slow disk holds it: a write
    that finds the WAL past its bound waits for the checkpoint and starts the WAL
    over, so the file never holds more than the bound and about one write."""
    monkeypatch.setattr(wal, "WAL_LIMIT_BYTES", LIMIT)
    began = threading.Event()
    checkpoint = wal.Checkpointer._checkpoint

    def outrun(self, mode):
        began.wait(0.2)  # the next page's write begins first (unless it waits for this)
        began.clear()
        checkpoint(self, mode)

    monkeypatch.setattr(wal.Checkpointer, "_checkpoint", outrun)
    path = tmp_path / "s.db"
    store = Store(path, os.urandom(32), create=True)
    with store.write() as conn:
        conn.exec_driver_sql("CREATE TABLE filler (x BLOB)")
    sizes = []
    for _ in range(30):
        store.bound_wal()  # as a pulled page's write does
        with store.write(durable=False) as conn:
            began.set()
            conn.exec_driver_sql("INSERT INTO filler SELECT randomblob(1000) FROM "
                                 "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                 "FROM n WHERE i < 60) SELECT i FROM n)")
        sizes.append(_wal(path))
    store._checkpointer.wait_idle(10)
    store.close()
    one_write = sizes[0]
    assert 30 * one_write > 4 * LIMIT  # unbounded, the WAL would be four times the bound
    assert max(sizes) <= LIMIT + 2 * one_write


def test_a_long_pull_through_the_real_store_leaves_no_wal_behind(
        make_terminal, server, sleeps, monkeypatch):
    """A pull of many pages ends with its WAL copied into the database and the
    file cut back (SQLite otherwise keeps a WAL file at the largest it grew,
    ~80 MiB after 100,000 pulled records, until the store closes)."""
    monkeypatch.setattr(wal, "WAL_LIMIT_BYTES", 32 * 1024)
    a = make_terminal(transport=server)
    _residents(server, 600)
    peaks: list[int] = []
    engine = SyncEngine(a.store, server, clock=a.clock, terminal_id=a.terminal_id,
                        facility_id=a.facility_id, sleep=sleeps, page_size=60)
    original = a.store.write

    def watched(*args, **kwargs):
        peaks.append(_wal(a.store.path))
        return original(*args, **kwargs)

    monkeypatch.setattr(a.store, "write", watched)
    counts = Counts()
    engine.pull.run(counts, lambda _progress: None)
    assert counts.pulled >= 600
    assert a.store._checkpointer.wait_idle(10)
    assert max(peaks) > 32 * 1024  # the pull's pages did fill the WAL past the bound …
    assert _wal(a.store.path) <= 32 * 1024  # … and it is cut back once they are in
    assert a.residents.census().total == 600
