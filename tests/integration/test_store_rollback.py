"""A page of a terminal's encrypted store replaced by an older genuine copy of
itself (SQLCipher's per-page MACs accept it), with the real server and a real
store file: each page that changed since the older copy is put back on its
own. Whatever the page held, the terminal never shows the stale value: the
store is refused as damaged, or the rollback is found at open, the records are
set aside and pulled again, and the clerk is told in words at the sync."""

from __future__ import annotations

import shutil

import pytest

from client import terminal
from client.clock import ManualClock
from client.errors import NotFound, StoreUnreadable
from client.store.integrity import STORE_ROLLED_BACK
from client.sync.transport import HttpTransport
from client.terminal import STORE_FILE

from .conftest import PASSWORD, START, Org, resident

PAGE = 4096  # SQLCipher 4's default page size


def _open(org: Org, home):
    return terminal.unlock(home, "clerk.MG", PASSWORD, transport=HttpTransport(org.url),
                           clock=ManualClock(START), sleep=lambda _s: None)


def _pages(data: bytes) -> list[bytes]:
    return [data[i:i + PAGE] for i in range(0, len(data), PAGE)]


def test_a_page_rolled_back_to_an_older_genuine_copy_is_never_shown(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident(family_name="Paget"))
    assert a.sync().error is None
    other = org.terminal(org.a, "clerk2.MG")
    assert other.sync().error is None
    home = a.home
    a.lock()
    assert not (home / (STORE_FILE + "-wal")).exists()  # everything is in the file
    older = (home / STORE_FILE).read_bytes()
    other.residents.update(rid, {"phone": "555-0199"})
    assert other.sync().error is None
    a = _open(org, home)
    assert not a.store.rolled_back  # an ordinary reopen finds nothing
    _pull_until(a, rid, "555-0199")
    a.lock()
    again = _open(org, home)
    assert not again.store.rolled_back  # nor after a sync's writes
    again.lock()
    newer = (home / STORE_FILE).read_bytes()
    changed = [i for i, (old, new) in enumerate(zip(_pages(older), _pages(newer),
                                                    strict=False)) if old != new]
    assert changed
    found = refused = 0
    for page in changed:
        copy = org.tmp / f"rolled-{page}"
        shutil.copytree(home, copy)
        pages = _pages(newer)
        pages[page] = _pages(older)[page]
        (copy / STORE_FILE).write_bytes(b"".join(pages))
        try:
            b = _open(org, copy)
        except StoreUnreadable:
            refused += 1  # the page no longer fits the others: "re-sync from the server"
            continue
        shown = _phone(b, rid)
        assert shown != "555-0100", f"page {page} rolled back shows the stale value"
        if b.store.rolled_back:
            found += 1
            report = b.sync()
            assert report.error is None
            assert any(n.startswith(STORE_ROLLED_BACK[:40]) for n in report.notices)
            assert _phone(b, rid) == "555-0199"  # pulled again
        b.lock()
    assert found >= 1, (changed, refused)  # the record's own page was caught


def _pull_until(session, rid: str, phone: str) -> None:
    """Sync until the server-confirmed row (not only the overlay) has ``phone``:
    a loaded server may serve a just-committed change at the next pull."""
    import json

    import sqlalchemy as sa

    from client.store.database import RECORDS

    for _ in range(10):
        assert session.sync().error is None
        with session.store.read() as conn:
            data = conn.execute(sa.select(RECORDS.c.data).where(RECORDS.c.id == rid)).scalar()
        if data and json.loads(data).get("phone") == phone:
            return
    raise AssertionError(f"the server never sent {phone}")


def _phone(session, rid: str) -> str | None:
    try:
        return session.residents.get(rid).fields.get("phone")
    except NotFound:
        return None  # set aside until the server sends it again


@pytest.mark.parametrize("what", ["row", "ledger"])
def test_a_row_or_its_ledger_entry_put_back_under_the_key_is_found(org: Org, what) -> None:
    """The same, one level up: a record row (or its integrity entry) written back
    to an earlier state under the store key, as a page rollback would leave it."""
    import sqlalchemy as sa

    from client.store.database import RECORDS
    from client.store.integrity import LEDGER_TABLE

    a = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident(family_name="Rowe"))
    assert a.sync().error is None
    table = RECORDS if what == "row" else LEDGER_TABLE
    with a.store.read() as conn:
        before = conn.execute(sa.select(table).where(table.c.id == rid)).one()._asdict()
    a.residents.update(rid, {"phone": "555-0177"})
    _pull_until(a, rid, "555-0177")
    # Behind the store's back, as a disk would: a connection of its own that no
    # store write ever uses (so nothing re-seals what it wrote).
    behind = sa.create_engine("sqlite://", creator=a.store._connect, poolclass=sa.NullPool)
    with behind.begin() as conn:
        conn.exec_driver_sql("BEGIN")
        conn.execute(table.delete().where(table.c.id == rid))
        conn.execute(table.insert().values(**before))
    behind.dispose()
    home = a.home
    a.lock()
    b = _open(org, home)
    assert b.store.rolled_back
    assert _phone(b, rid) != "555-0100"
    report = b.sync()
    assert report.error is None and any("older than it should be" in n for n in report.notices)
    assert _phone(b, rid) == "555-0177"
