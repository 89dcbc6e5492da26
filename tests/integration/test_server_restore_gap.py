"""An undeclared server restore noticed by a terminal that only read what it lost
(docs/sync-restore-gap.md): the changes the restore lost were pulled by a terminal
that pushed none of them, and new changes have since taken their log positions up
to its cursor. Its cursor is not past the head, its generation is current, it
holds no record number or answer the server forgot; it kept the lost notes and
never received the new ones. Now the pull answer names the change at its cursor
(``LogPosition.at``), which is not the one it pulled there: it pulls again."""

from __future__ import annotations

import sqlalchemy as sa

from client.store.database import AUDIT

from .backups import restore_backup, take_backup
from .conftest import Org, resident, terminal_records

NOTE = {"category": "progress", "clinical_time": "2026-11-09T08:00"}


def test_a_reader_notices_lost_positions_taken_again_up_to_its_cursor(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    b = org.terminal(org.a, "clerk2.MG")
    gone_for_good = org.terminal(org.a, "rm.MG")  # its machine is not coming back
    first = a.residents.register(resident(family_name="Before"))
    assert a.sync().error is None and b.sync().error is None
    assert gone_for_good.sync().error is None
    backup = take_backup(org, org.tmp)
    for body in ("Lost one.", "Lost two."):
        gone_for_good.notes.add(first, {**NOTE, "body": body})
    assert gone_for_good.sync().error is None and b.sync().error is None
    restore_backup(org, backup)  # nobody declares it
    for body in ("New one.", "New two."):  # these take the two lost positions
        a.notes.add(first, {**NOTE, "body": body})
    assert a.sync().error is None
    report = b.sync()
    assert report.error is None
    assert any("restored from a backup" in n for n in report.notices)
    server = org.server_records(org.a)
    assert terminal_records(b) == server
    bodies = {data["data"]["body"] for (kind, _), data in server.items() if kind == "note"}
    assert bodies == {"New one.", "New two."}
    with b.store.read() as conn:
        [detail] = conn.execute(sa.select(AUDIT.c.detail).where(
            AUDIT.c.event == "server_restored")).scalars().all()
    assert '"other_change_at_cursor": true' in detail
