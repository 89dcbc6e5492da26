"""The server restored from yesterday's backup, with real file copies (and
``pg_dump``/``psql`` on PostgreSQL): nothing a clerk recorded is lost.

Terminals notice a new log generation or a log head behind their cursor,
re-send what the server no longer has (also when nothing is pending), pull
everything again and converge; record numbers are never issued twice."""

from __future__ import annotations

import sqlalchemy as sa

from client.sync.transport import HttpTransport
from protocol.codec import decode
from server import admin

from .backups import restore_backup, take_backup
from .conftest import Org, op, resident, terminal_records


def _mrns(org: Org) -> list[str]:
    with org.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT mrn FROM records WHERE kind = 'resident' AND facility_id = :f"),
            {"f": org.a.id}).scalars().all()
    return list(rows)


def _census_ids(session) -> set[str]:
    return {r.id for r in session.residents.census(limit=500).rows}


def test_undeclared_restore_is_detected_and_nothing_is_lost(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    b = org.terminal(org.a, "clerk2.MG")
    first = a.residents.register(resident(family_name="Before"))
    assert a.sync().error is None and b.sync().error is None
    backup = take_backup(org, org.tmp)
    # After the backup: A registers a resident and writes a note; both sync.
    lost = a.residents.register(resident(family_name="Lost", given_name="Lena"))
    note = a.notes.add(lost, {"category": "progress", "clinical_time": "2026-11-09T08:00",
                              "body": "Settled in."})
    assert a.sync().error is None and b.sync().error is None
    assert lost in _census_ids(b)
    restore_backup(org, backup)  # nobody declares it
    assert ("resident", lost) not in org.server_records(org.a)
    # B registers someone after the restore: its number comes from a new pool.
    after = b.residents.register(resident(family_name="After", given_name="Abe"))
    report_b = b.sync()
    report_a = a.sync()  # nothing pending at A, yet it re-sends what the server lost
    assert report_a.error is None and report_b.error is None
    assert any("restored from a backup" in n for n in report_a.notices + report_b.notices)
    assert a.sync().error is None and b.sync().error is None
    server = org.server_records(org.a)
    assert {("resident", first), ("resident", lost), ("resident", after),
            ("note", note)} <= set(server)
    assert op(a, 2).status == "applied"  # the lost registration, applied again
    for session in (a, b):
        assert {first, lost, after} <= _census_ids(session)
        assert terminal_records(session) == server
    mrns = _mrns(org)
    assert len(mrns) == len(set(mrns)), "two residents share a record number"
    assert any(r.action == "server:restored" and r.outcome == "detected"
               for r in org.audit_actions())


def test_declared_restore_makes_every_terminal_pull_again(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    b = org.terminal(org.a, "clerk2.MG")
    a.residents.register(resident(family_name="Kept"))
    assert a.sync().error is None and b.sync().error is None
    backup = take_backup(org, org.tmp)
    gone = a.residents.register(resident(family_name="Gone"))
    assert a.sync().error is None and b.sync().error is None
    restore_backup(org, backup)
    admin.declare_restore(org.engine, org.settings, note="disk failure; last night's copy")
    # B never pushed anything; its copy of A's lost resident must not linger
    # once A is gone for good (A's terminal is not coming back in this test).
    assert b.sync().error is None
    assert gone not in _census_ids(b)
    assert terminal_records(b) == org.server_records(org.a)
    assert any(r.action == "server:restored" and r.outcome == "restore"
               for r in org.audit_actions())
    # A comes back: its registration is re-sent and reaches B.
    assert a.sync().error is None
    assert b.sync().error is None
    assert gone in _census_ids(b)
    assert terminal_records(a) == org.server_records(org.a) == terminal_records(b)


class Recorder:
    """A transport that keeps a copy of every request it carries."""

    def __init__(self, inner: HttpTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, bytes]] = []

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.sent.append((path, body))
        return self.inner.post(path, body, timeout)


def _replayed(org: Org, path: str, body: bytes) -> tuple[int, str | None]:
    status, answer = HttpTransport(org.url).post(path, body, 10)
    return status, decode(answer).get("error") if status != 200 else None


def test_messages_signed_after_the_backup_are_not_accepted_again_after_a_restore(
        org: Org) -> None:
    """security.md case 8 across a restore: the backup put each terminal's
    counter mark back, so without more every message signed after the backup
    would be accepted once more if someone had captured it; the restore raises
    the marks past them. The terminal's own next sync steps past the raised
    mark and loses nothing."""
    recorder = Recorder(HttpTransport(org.url))
    a = org.terminal(org.a, "clerk.MG", transport=recorder)
    a.residents.register(resident(family_name="Before"))
    assert a.sync().error is None
    backup = take_backup(org, org.tmp)
    recorder.sent.clear()
    lost = a.residents.register(resident(family_name="Lost", given_name="Lena"))
    assert a.sync().error is None
    captured = list(recorder.sent)
    assert {path for path, _ in captured} >= {"/v1/push", "/v1/pull"}
    restore_backup(org, backup)
    admin.declare_restore(org.engine, org.settings, note="replay window")
    refusals_before = sum(r.action == "auth:replay" for r in org.audit_actions())
    for path, body in captured:
        assert _replayed(org, path, body) == (409, "replayed_message"), path
    assert ("resident", lost) not in org.server_records(org.a)  # the replayed push did nothing
    assert sum(r.action == "auth:replay" for r in org.audit_actions()) \
        == refusals_before + len(captured)
    # The terminal itself carries on: its counter steps past the new mark, it
    # re-sends what the restore lost and converges.
    assert a.sync().error is None
    assert a.sync().error is None
    assert ("resident", lost) in org.server_records(org.a)
    assert terminal_records(a) == org.server_records(org.a)
    restored = [r for r in org.audit_actions() if r.action == "server:restored"]
    assert restored and "counter_gap" in str(restored[-1].detail)


def test_terminal_enrolled_after_the_backup_registers_again_and_loses_nothing(
        org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    a.residents.register(resident(family_name="Early"))
    assert a.sync().error is None
    backup = take_backup(org, org.tmp)
    late = org.terminal(org.a, "clerk2.MG")  # enrolled after the backup
    newcomer = late.residents.register(resident(family_name="Newcomer"))
    note = late.notes.add(newcomer, {"category": "progress", "body": "First day.",
                                     "clinical_time": "2026-11-09T09:00"})
    assert late.sync().error is None
    restore_backup(org, backup)
    report = late.sync()  # unknown to the restored server: it shows its certificate
    assert report.error is None
    assert late.sync().error is None
    server = org.server_records(org.a)
    assert {("resident", newcomer), ("note", note)} <= set(server)
    assert all(row.status == "applied" for row in late.outbox.operations())
    assert terminal_records(late) == server
    actions = {(r.action, r.outcome) for r in org.audit_actions()}
    assert ("terminal:reregistered", "applied") in actions
    assert ("server:restored", "detected") in actions
    assert a.sync().error is None
    assert newcomer in _census_ids(a)


def test_a_revoked_terminal_cannot_register_again(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    assert a.sync().error is None
    admin.revoke_terminal(org.engine, org.settings, terminal_id=a.terminal_id)
    a.residents.register(resident())
    report = a.sync()
    assert report.error is not None and "revoked or is unknown" in report.error
    assert a.outbox.status().pending == 1
    assert ("terminal:reregistered", "applied") not in {
        (r.action, r.outcome) for r in org.audit_actions()}


def test_answered_changes_are_kept_for_the_retention_window_then_forgotten(org: Org) -> None:
    """Answered operations stay in the outbox 60 days (``terminal.json``
    ``answered_retention_days``); a restore from a backup older than that can
    only get back what the terminal still holds, and says what it lost."""
    from datetime import timedelta

    from client.clock import ManualClock

    from .conftest import START

    clock = ManualClock(START)
    a = org.terminal(org.a, "clerk.MG", clock=clock)
    backup = take_backup(org, org.tmp)
    old = a.residents.register(resident(family_name="Old"))
    assert a.sync().error is None
    clock.advance(timedelta(days=30))
    kept = a.residents.register(resident(family_name="Kept"))
    assert a.sync().error is None
    assert [r.seq for r in a.outbox.operations()] == [2, 1]  # within the window
    clock.advance(timedelta(days=31))
    assert a.sync().error is None
    assert [r.seq for r in a.outbox.operations()] == [2]  # the first is 61 days old
    restore_backup(org, backup)
    later = a.residents.register(resident(family_name="Later"))
    assert op(a, 3).record_id == later  # numbering goes on past the forgotten one
    assert a.sync().error is None
    assert a.sync().error is None
    server = org.server_records(org.a)
    assert {("resident", kept), ("resident", later)} <= set(server)
    assert ("resident", old) not in server
    assert terminal_records(a) == server
    assert ("push:gap_accepted", "lost") in {(r.action, r.outcome)
                                              for r in org.audit_actions()}
