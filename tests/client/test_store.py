import os
import shutil

import pytest
from terminal_helpers import MANAGER_PASSWORD, resident_fields

from client.errors import StoreUnreadable
from client.store.database import Store
from client.terminal import unlock

NAME = "Wojciechowska"
NOTE = "complains of dizziness after breakfast, grandson visiting Tuesday"


@pytest.fixture
def filled(session, server):
    """A terminal with one resident, a note, data pulled from the server, and
    pending work: the WAL holds recent pages."""
    rid = session.residents.register(resident_fields(family_name=NAME, given_name="Halina"))
    session.notes.add(rid, {"category": "nursing", "clinical_time": "2026-01-15T08:00",
                           "body": NOTE})
    mrn = session.residents.get(rid).mrn
    assert session.sync().error is None
    session.residents.update(rid, {"phone": "555-0100"})
    return session, rid, mrn


def _all_files(home):
    for path in home.rglob("*"):
        if path.is_file():
            yield path


def test_nothing_readable_on_disk(filled):
    """Security case 4: the store, its WAL/SHM/journal and every other file in
    the terminal directory hold no name, MRN or note text."""
    session, _rid, mrn = filled
    home = session.home
    files = list(_all_files(home))
    names = {p.name for p in files}
    assert "store.db" in names
    assert "store.db-wal" in names  # the open store has a live WAL: it is checked too
    secrets = [NAME, mrn, NOTE[:30], "dizziness"]
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            for encoded in (secret.encode(), secret.encode("utf-16-le"), secret.lower().encode()):
                assert encoded not in data, f"{secret!r} readable in {path.name}"
    session.lock()
    for path in _all_files(home):
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"{secret!r} readable in {path.name}"


def test_copied_store_opens_only_with_a_slot(filled, tmp_path, clock, sleeps):
    session, rid, _ = filled
    home = session.home
    session.lock()
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    moved = unlock(copy, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    assert moved.residents.get(rid).fields["family_name"] == NAME
    moved.lock()


def test_wrong_key_is_store_unreadable(filled):
    session, _, _ = filled
    path = session.home / "store.db"
    session.lock()
    with pytest.raises(StoreUnreadable) as error:
        Store(path, os.urandom(32))
    assert "re-sync" in error.value.message


def _break(home, how):
    path = home / "store.db"
    data = bytearray(path.read_bytes())
    if how == "flip_header":
        data[100] ^= 0x01
    elif how == "flip_middle":
        data[len(data) // 2] ^= 0x01
    elif how == "flip_last":
        data[-10] ^= 0x80
    elif how == "truncate_half":
        data = data[: len(data) // 2]
    elif how == "truncate_odd":
        data = data[: len(data) - 1000]
    elif how == "empty":
        data = bytearray()
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["flip_header", "flip_middle", "flip_last", "truncate_half",
                                 "truncate_odd", "empty"])
def test_damaged_store_refuses_to_open(filled, how, clock, sleeps):
    """Security cases 2 and 3: a clear StoreUnreadable, never a traceback or
    partial data."""
    session, _, _ = filled
    home = session.home
    session.lock()
    _break(home, how)
    with pytest.raises(StoreUnreadable) as error:
        unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    assert error.value.message.startswith("The terminal's store cannot be opened")


def test_damage_found_while_the_store_is_open_is_the_clerks_message(filled):
    """Pages damaged after the terminal opened its store: the next read says
    "re-sync from the server", never a raw sqlcipher error."""
    session, rid, _ = filled
    raw = session.store.engine.raw_connection()  # outside any transaction
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        raw.close()
    path = session.home / "store.db"
    data = bytearray(path.read_bytes())
    for page in range(1, len(data) // 4096):
        data[page * 4096 + 2000] ^= 0x55
    path.write_bytes(bytes(data))
    session.store.engine.dispose()  # the next read opens the file again
    with pytest.raises(StoreUnreadable) as error:
        session.residents.get(rid)
    assert "re-sync" in error.value.message


def test_missing_store_is_unreadable(filled, clock, sleeps):
    session, _, _ = filled
    home = session.home
    session.lock()
    (home / "store.db").unlink()
    with pytest.raises(StoreUnreadable) as error:
        unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    assert "missing" in error.value.message


def test_lock_drops_the_store(session):
    session.lock()
    from client.session import SessionLocked

    with pytest.raises(SessionLocked):
        session.residents.census()


def test_lock_drops_every_key_the_store_held(session):
    """Security case 13: the key is dropped at the lock, and with it what was
    derived from it: the integrity MAC key (with it, a copy of the store rolled
    back to an older version could be re-signed as current)."""
    store = session.store
    session.lock()
    assert session._key is None
    assert store._key_pragma == ""
    assert store._integrity_key == b""


def test_an_older_store_gains_the_pull_index_on_open(tmp_path):
    """A store made before the answered-by-server_seq index gets it at its next
    open, rows untouched (same store format)."""
    key = os.urandom(32)
    store = Store(tmp_path / "old.db", key, create=True)
    with store.write() as conn:
        conn.exec_driver_sql("DROP INDEX ix_outbox_answered")
    store.close()
    store = Store(tmp_path / "old.db", key)
    with store.read() as conn:
        names = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'")}
        plan = " ".join(str(r) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT seq FROM outbox WHERE status = 'applied' "
            "AND server_seq > 10 AND server_seq <= 20"))
    store.close()
    assert "ix_outbox_answered" in names
    assert "ix_outbox_answered" in plan


def test_the_census_index_holds_only_residents_and_replaces_the_older_one(tmp_path):
    """The census index is partial (only residents have a census state), so a
    pulled note or hours record costs no entry in it; a store made with the
    older index over every record gets the new one at its next open, and the
    census query still reads it."""
    key = os.urandom(32)
    store = Store(tmp_path / "old.db", key, create=True)
    with store.write() as conn:
        conn.exec_driver_sql("DROP INDEX ix_records_census")
        conn.exec_driver_sql("CREATE INDEX ix_records_kind_census ON records "
                             "(kind, census, sort_key)")
    store.close()
    store = Store(tmp_path / "old.db", key)
    with store.write() as conn:
        for i, (kind, census) in enumerate([("resident", "in_house"), ("note", None),
                                            ("hours", None), ("resident", "discharged")]):
            conn.exec_driver_sql(
                "INSERT INTO records (id, kind, facility_id, versions, conflicts, status, "
                "label, search_text, sort_key, census, live_status, pending) "
                "VALUES (?, ?, 'f', '{}', '{}', 'active', '', '', ?, ?, 'active', 0)",
                (f"r{i}", kind, f"{i}", census))
    with store.read() as conn:
        names = {r[0]: r[1] for r in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'")}
        found = [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM records WHERE kind = 'resident' AND census IN ('in_house', "
            "'discharged') ORDER BY sort_key")]
        plan = " ".join(str(r) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM records WHERE kind = 'resident' "
            "AND census IN ('in_house') ORDER BY sort_key"))
    store.close()
    assert "ix_records_kind_census" not in names
    assert "WHERE census IS NOT NULL" in names["ix_records_census"]
    assert found == ["r0", "r3"]
    assert "ix_records_census" in plan


def test_a_pulled_page_leaves_its_checkpoint_to_the_background(tmp_path):
    """A non-durable commit (a pulled page) turns SQLite's own checkpoint off only
    for itself: the connection goes back to the pool checkpointing and waiting
    for the disk as before, and the background checkpoint empties the WAL."""
    store = Store(tmp_path / "s.db", os.urandom(32), create=True)
    with store.write(durable=False) as conn:
        conn.exec_driver_sql("CREATE TABLE filler (x BLOB)")
        conn.exec_driver_sql("INSERT INTO filler SELECT randomblob(4000) FROM "
                             "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                             "WHERE i < 300) SELECT i FROM n)")
        raw = conn.connection.dbapi_connection
        assert raw is not None
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    before = (tmp_path / "s.db").stat().st_size  # the pages are still in the WAL
    store._checkpointer.stop()  # runs the checkpoint asked for, then ends
    assert store._checkpointer.failed is None
    assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    after = (tmp_path / "s.db").stat().st_size
    store.close()
    assert before < 300 * 4000 <= after


def test_a_page_of_rows_is_sealed_with_exactly_the_macs_one_row_gets():
    """The seal MACs a pulled page's rows with one packer and the key set up
    once (integrity._Macs); each MAC is the one the definition gives a row on
    its own, so stores sealed before and after verify alike."""
    from client.store import integrity

    key = integrity.derive_key(os.urandom(32))
    rows = [("r1", "note", "f", '{"body": "Comfortable"}', "{}", "{}", "active", 7, "p1",
             "2026-11-02", "", "2026-11-02\x1fr1", None, "active", 0),
            ("r2", "resident", "f", '{"family_name": "Smith [Jr]"}', '{"phone": 3}', "{}",
             "active", 2**40, None, "Smith [Jr]", "smith [jr]", "smith\x1f\x1fr2", "in_house",
             "active", 1),
            ("r3", "bed", "f", None, "{}", "{}", "void", None, None, "", "", "", None, "void", 2)]
    macs = integrity._Macs(key)
    for version in (1, 9, 2**31):
        assert [macs(row[0], version, row) for row in rows] \
            == [integrity._mac(key, row[0], version, row) for row in rows]
    assert macs("r1", 1, rows[0]) != macs("r1", 2, rows[0])
    # keys of every size HMAC handles: empty, a block, longer than a block
    for other in (b"", b"k" * 64, b"k" * 65, os.urandom(200)):
        assert integrity._Macs(other)("r1", 3, rows[0]) == integrity._mac(other, "r1", 3, rows[0])


def test_a_damaged_store_is_set_aside_and_the_terminal_re_syncs_from_the_server(
        filled, server, clock, sleeps):
    """Security case 3, the offer: the damaged files are kept aside (still
    encrypted, nothing deleted), the terminal enrolls again and its first sync
    brings back what the server holds; the new store's audit log records the
    folder set aside and the terminal it held."""
    from client.store.database import AUDIT
    from client.terminal import enroll, is_enrolled, read_terminal, set_aside

    session, rid, mrn = filled
    home = session.home
    old_terminal = read_terminal(home)["terminal_id"]
    session.lock()
    _break(home, "flip_middle")
    with pytest.raises(StoreUnreadable):
        unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    folder = set_aside(home, clock.ms())
    assert folder.parent == home and folder.name.startswith("set-aside-")
    assert not is_enrolled(home) and not (home / "store.db").exists()
    kept = {path.name for path in folder.iterdir()}
    assert {"store.db", "terminal.json", "slots.json"} <= kept
    for path in folder.iterdir():  # still encrypted: no name, record number or note
        data = path.read_bytes()
        for secret in (NAME, mrn, NOTE[:20]):
            assert secret.encode() not in data, (path.name, secret)
    code = server.issue_code(server.facility_id, "mrivera")
    again = enroll(home, "http://127.0.0.1:1", code, "Station again", "mrivera",
                   MANAGER_PASSWORD, transport=server, clock=clock, sleep=sleeps)
    try:
        assert again.sync().error is None
        assert again.residents.get(rid).fields["family_name"] == NAME  # from the server
        with again.store.read() as conn:
            rows = conn.execute(AUDIT.select().where(AUDIT.c.event == "store_set_aside")).all()
        assert len(rows) == 1
        assert f'"folder": "{folder.name}"' in rows[0].detail
        assert old_terminal in rows[0].detail
    finally:
        again.lock()
    assert (folder / "noted").exists()  # recorded once, not again at a later enrollment


def test_set_aside_with_nothing_there_says_so(tmp_path, clock):
    from client.errors import NotEnrolled
    from client.terminal import set_aside

    with pytest.raises(NotEnrolled):
        set_aside(tmp_path / "nothing", clock.ms())
