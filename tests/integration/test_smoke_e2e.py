"""The whole path once: enroll, register offline, sync, a second terminal sees it."""

from __future__ import annotations

from .conftest import Org, resident, terminal_records


def test_register_sync_and_second_terminal_receives(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident(family_name="Smith [Jr]"))
    assert a.outbox.status().pending == 1
    report = a.sync()
    assert report.error is None, report.error
    assert report.applied == 1
    b = org.terminal(org.a, "clerk2.MG")
    b.sync()
    view = b.residents.get(rid)
    assert view.fields["family_name"] == "Smith [Jr]"
    assert terminal_records(b) == org.server_records(org.a)
