"""Emergency ("break the glass") access against the real server and a real
encrypted terminal: 400 days offline, the right passphrase is refused a
sign-in but offered emergency access; it opens one resident, read-only, for 30
minutes, then the session locks itself; the access reaches the server's audit
at the next sync (high priority), and a server that refuses the kind (an older
one) holds back nothing else."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from client import terminal
from client.clock import ManualClock
from client.errors import (
    InputError,
    InvalidCredentials,
    NotPermitted,
    OfflineExpired,
    SessionLocked,
)
from client.store.database import AUDIT, OUTBOX
from client.sync.transport import HttpTransport
from protocol.ops import OpType
from protocol.records import RecordKind
from protocol.terminal_events import SIGN_IN_KINDS

from .conftest import PASSWORD, START, Link, Org, resident

REASON = "  Resident fell at 02:10;   nurse needs the allergy list  "


def _server_audit(org: Org) -> list:
    with org.engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT action, outcome, actor, target, detail FROM audit "
            "WHERE action LIKE 'terminal:%' ORDER BY chain, seq")).all()


def _outbox(session) -> int:
    with session.store.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(OUTBOX)).scalar()


def test_emergency_access_opens_one_resident_read_only_for_thirty_minutes(
        org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(START)
    link = Link(HttpTransport(org.url))
    a = org.terminal(org.a, "clerk.MG", transport=link, clock=clock)
    ada = a.residents.register(resident(family_name="Quillfeather", given_name="Ada"))
    other = a.residents.register(resident(family_name="Brightwater", given_name="Bea"))
    assert a.sync().error is None
    home = a.home
    a.lock()
    link.blocked.add("*")  # the link is down for 400 days
    clock.advance(days=400)
    with pytest.raises(OfflineExpired) as refused:
        terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    assert refused.value.emergency_offered
    with pytest.raises(InvalidCredentials):
        terminal.emergency_unlock(home, "clerk.MG", "not the passphrase at all", REASON,
                                  transport=link, clock=clock)
    with pytest.raises(InputError, match="at least 10 characters"):
        terminal.emergency_unlock(home, "clerk.MG", PASSWORD, "   urgent ", clock=clock)

    s = terminal.emergency_unlock(home, "clerk.MG", PASSWORD, REASON, transport=link,
                                  clock=clock)
    assert s.emergency is not None
    assert s.emergency.reason == "Resident fell at 02:10; nurse needs the allergy list"
    assert s.emergency.ends_ms - clock.ms() == 30 * 60_000
    assert not s.permits(OpType.CREATE, RecordKind.NOTE)
    with pytest.raises(NotPermitted):
        s.residents.census("")  # no census: find one resident by name or record number
    assert [r.id for r in s.residents.census("quillf").rows] == [ada]
    with pytest.raises(NotPermitted):
        s.residents.get(ada)  # not before it is chosen (and recorded)
    assert s.open_emergency_resident(ada).id == ada
    assert s.residents.get(ada).id == ada
    for refused_read in (lambda: s.residents.get(other), lambda: s.residents.census("Bright"),
                         lambda: s.open_emergency_resident(other)):
        with pytest.raises(NotPermitted, match="one resident"):
            refused_read()
    queued = _outbox(s)
    with pytest.raises(NotPermitted, match="read-only"):
        s.notes.add(ada, {"category": "progress", "clinical_time": "2027-01-08T02:20",
                          "body": "Seen."})
    with pytest.raises(NotPermitted, match="read-only"):
        s.residents.update(ada, {"phone": "555-0199"})
    with pytest.raises(NotPermitted, match="read-only"):
        s.sync()
    assert _outbox(s) == queued  # nothing queued
    with s.store.read() as conn:
        [(detail)] = conn.execute(sa.select(AUDIT.c.detail).where(
            AUDIT.c.event == "emergency_access")).scalars().all()
    assert json.loads(detail)["resident"] == ada
    clock.advance(minutes=30)
    with pytest.raises(SessionLocked):
        s.residents.get(ada)  # the time box ended: locked, key dropped
    assert s.locked

    # Connected again, to a server that does not know the kind yet (an older one):
    # the sign-in events still go; the access waits and arrives once it is taken.
    link.blocked.clear()
    monkeypatch.setattr("protocol.terminal_events.KINDS", SIGN_IN_KINDS)
    a = terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    assert a.sync().error is None
    sign_ins = ["terminal:sign_in_refused", "terminal:sign_in_failed"]
    assert [r.action for r in _server_audit(org)] == sign_ins
    monkeypatch.undo()
    assert a.sync().error is None
    kept = _server_audit(org)
    assert [r.action for r in kept] == [*sign_ins, "terminal:emergency_access"]
    access = kept[-1]
    detail = json.loads(access.detail) if isinstance(access.detail, str) else access.detail
    assert (access.actor, access.target) == (f"emergency:{org.a.users['clerk.MG']}", ada)
    assert detail["priority"] == "high"
    assert detail["reason"] == "Resident fell at 02:10; nurse needs the allergy list"
    assert a.sync().error is None and len(_server_audit(org)) == 3  # kept once


def test_no_emergency_access_with_the_clock_set_back_or_the_window_open(org: Org) -> None:
    clock = ManualClock(START)
    link = Link(HttpTransport(org.url))
    a = org.terminal(org.a, "clerk.MG", transport=link, clock=clock)
    home = a.home
    a.lock()
    link.blocked.add("*")
    with pytest.raises(NotPermitted, match="only for a terminal whose offline sign-in"):
        terminal.emergency_unlock(home, "clerk.MG", PASSWORD, REASON, clock=clock)
    clock.advance(days=-3)  # earlier than a time it has seen
    with pytest.raises(OfflineExpired) as refused:
        terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    assert not refused.value.emergency_offered
    with pytest.raises(NotPermitted):
        terminal.emergency_unlock(home, "clerk.MG", PASSWORD, REASON, clock=clock)
