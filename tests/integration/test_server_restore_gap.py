"""A known gap in noticing an undeclared server restore (docs/sync-restore-gap.md):
the changes the restore lost were pulled by a terminal that pushed none of them,
and new changes have since taken their log positions up to its cursor. Its cursor
is not past the head, its generation is current, it holds no record number or
answer the server forgot: nothing it sends tells the server, so it keeps the lost
notes and never receives the new ones. The fix designed there (the pull names the
change at the terminal's cursor) turns this test into a pass: then remove the
mark."""

from __future__ import annotations

import pytest

from .backups import restore_backup, take_backup
from .conftest import Org, resident, terminal_records

NOTE = {"category": "progress", "clinical_time": "2026-11-09T08:00"}


@pytest.mark.xfail(strict=True, reason="known gap: an undeclared restore whose lost log "
                   "positions were taken again up to a reading terminal's cursor; see "
                   "docs/sync-restore-gap.md")
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
    assert b.sync().error is None
    assert terminal_records(b) == org.server_records(org.a)
