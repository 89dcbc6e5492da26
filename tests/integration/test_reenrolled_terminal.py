"""A terminal enrolled again (revoked, or a copied disk) carries its pending
changes over to its new identity (:func:`client.terminal.reenroll`). Some of them
may have reached the server already, their answer lost on the way back: sent
again under the new identity, they get their original results, and take effect
once. A real server on loopback and real encrypted terminals."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from client import terminal
from client.clock import ManualClock
from client.store.database import OUTBOX
from client.sync.transport import HttpTransport, Transport, TransportError
from server import admin

from .conftest import PASSWORD, START, Org, resident, terminal_records


@dataclass
class LosingAnswers:
    """The real link, losing the server's answers to pushes while ``lose`` is set
    (the server handles each push; the terminal never hears back)."""

    inner: Transport
    lose: bool = False

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        answer = self.inner.post(path, body, timeout)
        if self.lose and path == "/v1/push":
            raise TransportError("answer lost (test)")
        return answer


def test_changes_answered_before_a_reenrollment_take_effect_once(org: Org) -> None:
    link = LosingAnswers(HttpTransport(org.url))
    old = org.terminal(org.a, "rm.MG", transport=link)
    rid = old.residents.register(resident())
    assert old.sync().error is None
    note = old.notes.add(rid, {"category": "progress", "clinical_time": "2026-11-02T09:00",
                               "body": "Settled in."})
    old.residents.update(rid, {"phone": "555-0001"})
    old.residents.update(rid, {"phone": "555-0002"})  # the clerk corrects it
    link.lose = True
    assert old.sync().error is not None  # handled at the server; no answer came back
    assert old.outbox.status().pending == 3
    admin.revoke_terminal(org.engine, org.settings, terminal_id=old.terminal_id)
    code = admin.issue_code(org.engine, org.settings, facility_id=org.a.id)
    fresh = terminal.reenroll(old, code, "Station A", PASSWORD,
                              transport=HttpTransport(org.url), clock=ManualClock(START),
                              sleep=lambda _s: None)
    assert fresh.outbox.status().pending == 3
    assert fresh.sync().error is None
    assert [row.status for row in fresh.outbox.operations()] == ["applied"] * 3
    view = fresh.residents.get(rid)
    # The clerk's own correction is not a conflict with itself.
    assert view.fields["phone"] == "555-0002" and not view.conflicts
    assert fresh.conflicts.unresolved() == []
    assert [n.id for n in view.notes] == [note]
    updates = [row for row in org.audit_actions(rid) if row.action == "update:resident"]
    assert len(updates) == 2  # each change took effect once
    assert terminal_records(fresh) == org.server_records(org.a)
    # Each carried change is answered with what the server decided the first time.
    details = [json.loads(row.detail) if isinstance(row.detail, str) else row.detail
               for row in updates]
    decided = {detail["op"]: detail["server_seq"] for detail in details}
    with fresh.store.read() as conn:
        answered = dict(conn.execute(sa.select(OUTBOX.c.op_id, OUTBOX.c.server_seq).where(
            OUTBOX.c.op_id.in_(list(decided)))).all())
    assert answered == decided
