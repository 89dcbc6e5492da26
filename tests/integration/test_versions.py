"""Terminal and server of different versions: nothing is dropped either way.

A newer terminal's change that uses rules the server does not know yet waits,
pending, until the server is upgraded (it is never rejected ``invalid`` by a
server that cannot judge it); a terminal too old for the server is told to
update and keeps its changes."""

from __future__ import annotations

import pytest

from protocol.messages import PROTOCOL_VERSION
from protocol.ops import SCHEMA_VERSION

from .conftest import Org, inject_raw_op, op, resident


def test_newer_terminal_waits_for_the_server_upgrade_and_then_applies(
        org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    a = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident())
    assert a.sync().error is None
    newer = inject_raw_op(a, "update", {"kind": "resident", "id": rid,
                                        "changes": {"phone": ["555-0888", 1]}},
                          schema=SCHEMA_VERSION + 1)
    report = a.sync()
    assert report.error is not None and "server is older" in report.error
    assert op(a, newer).status == "pending"
    assert org.server_records(org.a)[("resident", rid)]["data"]["phone"] == "555-0100"
    assert [r.outcome for r in org.audit_actions() if r.action == "push:server_too_old"] \
        == ["deferred"]
    # The server is upgraded to the terminal's schema: the very same change applies.
    monkeypatch.setattr("server.core.push.SCHEMA_VERSION", SCHEMA_VERSION + 1)
    assert a.sync().error is None
    assert op(a, newer).status == "applied"
    assert org.server_records(org.a)[("resident", rid)]["data"]["phone"] == "555-0888"


def test_terminal_too_old_for_the_protocol_is_told_to_update(
        org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    a = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident())
    monkeypatch.setattr("server.core.pull.MIN_PROTOCOL_VERSION", PROTOCOL_VERSION + 1)
    monkeypatch.setattr("server.core.push.MIN_PROTOCOL_VERSION", PROTOCOL_VERSION + 1)
    report = a.sync()
    assert report.error is not None and "too old" in report.error
    assert a.outbox.status().pending == 1
    monkeypatch.undo()
    assert a.sync().error is None
    assert ("resident", rid) in org.server_records(org.a)
