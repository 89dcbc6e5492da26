"""A terminal enrolled again (revoked, or a copied disk) carries its pending
changes over to its new identity (:func:`client.terminal.reenroll`). Some of them
may have reached the server already, their answer lost on the way back: sent
again under the new identity, they get their original results, and take effect
once. A real server on loopback and real encrypted terminals."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from client import terminal
from client.clock import ManualClock
from client.session import Session
from client.store.database import OUTBOX
from client.sync.transport import HttpTransport, Transport, TransportError
from server import admin
from server.core.directory import set_user_active
from server.errors import NotFound

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


def _held_then_reenrolled(org: Org, *, reactivate: bool) -> tuple[Session, str]:
    """A clerk's change to a resident's phone, held at the server (the clerk was
    deactivated) with its answer lost; the terminal is enrolled again and its copy
    syncs (the clerk made active again first, if ``reactivate``). The new
    session and the resident."""
    link = LosingAnswers(HttpTransport(org.url))
    manager = org.terminal(org.a, "rm.MG", transport=link)
    rid = manager.residents.register(resident())
    assert manager.sync().error is None
    manager.users.add("clerk.MG", PASSWORD)
    home = manager.home
    manager.lock()
    clerk = terminal.unlock(home, "clerk.MG", PASSWORD, transport=link,
                            clock=ManualClock(START), sleep=lambda _s: None)
    clerk.residents.update(rid, {"phone": "555-0001"})
    clerk.lock()
    clerk_id = admin.deactivate_user(org.engine, org.settings, username="clerk.MG")
    manager = terminal.unlock(home, "rm.MG", PASSWORD, transport=link,
                              clock=ManualClock(START), sleep=lambda _s: None)
    link.lose = True
    assert manager.sync().error is not None  # held at the server; no answer came back
    admin.revoke_terminal(org.engine, org.settings, terminal_id=manager.terminal_id)
    code = admin.issue_code(org.engine, org.settings, facility_id=org.a.id)
    fresh = terminal.reenroll(manager, code, "Station A", PASSWORD,
                              transport=HttpTransport(org.url), clock=ManualClock(START),
                              sleep=lambda _s: None)
    if reactivate:
        set_user_active(org.engine, org.settings, user_id=clerk_id, active=True)
    assert fresh.sync().error is None
    return fresh, rid


def _op_rows(org: Org, status: str | None = None) -> list[tuple[str, int, str, int | None]]:
    query = ("SELECT terminal_id, seq, status, server_seq FROM ops WHERE op_id IN "
             "(SELECT op_id FROM ops WHERE status = 'held' OR flags LIKE '%reviewed%')")
    with org.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(query)).all()
                if status is None or row.status == status]


def _reviewed_applies(org: Org, rid: str) -> list[str]:
    """Audit entries of a review that applied the change (not answered from elsewhere)."""
    return [row.action for row in org.audit_actions(rid)
            if row.action == "review:update:resident" and row.outcome == "applied"]


def test_a_change_held_twice_after_a_reenrollment_is_decided_once(org: Org) -> None:
    fresh, rid = _held_then_reenrolled(org, reactivate=False)
    held = _op_rows(org, "held")
    assert len(held) == 2  # the original and the copy, one per identity
    copy = next(row for row in held if row[0] == fresh.terminal_id)
    original = next(row for row in held if row[0] != fresh.terminal_id)
    result = admin.review_held(org.engine, org.settings, terminal_id=original[0],
                               seq=original[1], decision="apply", reviewer="rm.MG")
    assert result.status == "applied"
    # The copy's row is settled with the same decision: nothing left to approve,
    # and the terminal that holds it learns the decision at its next sync.
    with pytest.raises(NotFound):
        admin.review_held(org.engine, org.settings, terminal_id=copy[0], seq=copy[1],
                          decision="apply", reviewer="rm.MG")
    assert {(status, server_seq) for _t, _s, status, server_seq in _op_rows(org)} == {
        ("applied", result.server_seq)}
    assert _reviewed_applies(org, rid) == ["review:update:resident"]
    assert fresh.sync().error is None
    assert [row.status for row in fresh.outbox.operations()] == ["applied"]
    assert fresh.residents.get(rid).fields["phone"] == "555-0001"


@pytest.mark.parametrize("decision", ["apply", "reject"])
def test_a_held_original_is_answered_with_its_reenrolled_copys_result(
        org: Org, decision: str) -> None:
    fresh, rid = _held_then_reenrolled(org, reactivate=True)
    [copy] = fresh.outbox.operations()
    assert copy.status == "applied"  # the clerk is active again: the copy took effect
    fresh.residents.update(rid, {"phone": "555-0002"})  # a later correction
    assert fresh.sync().error is None
    [original] = _op_rows(org, "held")
    [(_t, _s, _status, applied_as)] = [row for row in _op_rows(org)
                                       if row[0] == fresh.terminal_id]
    result = admin.review_held(org.engine, org.settings, terminal_id=original[0],
                               seq=original[1], decision=decision, reviewer="rm.MG")
    # Answered with the copy's result, whatever the reviewer chose: the change
    # took effect once, and does not run (or get refused) a second time.
    assert (result.status, result.server_seq) == ("applied", applied_as)
    assert _reviewed_applies(org, rid) == []
    assert fresh.sync().error is None
    view = fresh.residents.get(rid)
    assert view.fields["phone"] == "555-0002" and not view.conflicts
    assert terminal_records(fresh) == org.server_records(org.a)
