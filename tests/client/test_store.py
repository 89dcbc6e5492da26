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
