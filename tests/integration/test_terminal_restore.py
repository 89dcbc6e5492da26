"""A terminal restored from an older copy of its directory (real file copies
of the encrypted store): detected at the next sync, the clerk told in words,
the changes made since renumbered in a new epoch and applied, nothing lost, no
record number reused."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from client import terminal
from client.clock import ManualClock
from client.session import Session
from client.sync.transport import HttpTransport

from .conftest import PASSWORD, START, Org, resident, terminal_records


def copy_home(session: Session, to: Path) -> Path:
    """A copy of the terminal's whole directory, taken with the store closed."""
    session.lock()
    shutil.copytree(session.home, to)
    return to


def reopen(org: Org, home: Path, username: str) -> Session:
    return terminal.unlock(home, username, PASSWORD, transport=HttpTransport(org.url),
                           clock=ManualClock(START), sleep=lambda _s: None)


def put_back(backup: Path, home: Path) -> None:
    shutil.rmtree(home)
    shutil.copytree(backup, home)


def test_restored_terminal_renumbers_its_new_changes_and_loses_nothing(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    home = a.home
    early = a.residents.register(resident(family_name="Early"))
    assert a.sync().error is None
    backup = copy_home(a, org.tmp / "backup")
    a = reopen(org, home, "clerk.MG")
    # Work after the backup reaches the server, then the disk is restored.
    gone_here = a.residents.register(resident(family_name="Between"))
    a.residents.update(early, {"phone": "555-0200"})
    for _ in range(3):
        assert a.sync().error is None
    a.lock()
    put_back(backup, home)
    a = reopen(org, home, "clerk.MG")
    # The clerk goes on working on the restored copy.
    fresh = a.residents.register(resident(family_name="Fresh", given_name="Fay"))
    a.residents.update(early, {"address": "9 Oak Lane"})
    report = a.sync()
    assert report.error is None
    assert any("restored from an older copy" in n for n in report.notices)
    assert all(row.status == "applied" for row in a.outbox.operations())
    server = org.server_records(org.a)
    assert {("resident", early), ("resident", gone_here), ("resident", fresh)} <= set(server)
    assert server[("resident", early)]["data"]["phone"] == "555-0200"
    assert server[("resident", early)]["data"]["address"] == "9 Oak Lane"
    assert a.sync().error is None
    assert terminal_records(a) == org.server_records(org.a)
    with org.engine.connect() as conn:
        mrns = conn.execute(sa.text("SELECT mrn FROM records WHERE kind = 'resident'")
                            ).scalars().all()
        epoch = conn.execute(sa.text("SELECT epoch FROM terminals WHERE id = :t"),
                             {"t": a.terminal_id}).scalar_one()
    assert len(mrns) == len(set(mrns)), "a record number was used twice"
    assert epoch == 1
    assert ("terminal:restored", "renumbered") in {(r.action, r.outcome)
                                                   for r in org.audit_actions()}
    # Later changes simply continue.
    a.residents.update(fresh, {"phone": "555-0300"})
    report = a.sync()
    assert report.error is None and not report.notices
    assert org.server_records(org.a)[("resident", fresh)]["data"]["phone"] == "555-0300"


def test_restored_terminal_with_nothing_pending_notices_at_the_next_sync(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    home = a.home
    assert a.sync().error is None
    backup = copy_home(a, org.tmp / "backup")
    a = reopen(org, home, "clerk.MG")
    between = a.residents.register(resident(family_name="Between"))
    assert a.sync().error is None
    a.lock()
    put_back(backup, home)
    a = reopen(org, home, "clerk.MG")
    report = a.sync()  # nothing pending: the pull answer shows the store is behind
    assert report.error is None
    assert any("restored from an older copy" in n for n in report.notices)
    assert between in {r.id for r in a.residents.census(limit=50).rows}
    later = a.residents.register(resident(family_name="Later"))
    assert a.sync().error is None
    assert ("resident", later) in org.server_records(org.a)
