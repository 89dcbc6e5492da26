"""Transfer under failure (scenarios 16-20, 23, 26, 27, 30, 31): lost and
duplicated messages, crashes around the server's commit, replays, clocks set
wrong, long offline spells, old software and deactivated users. Nothing a clerk
recorded is lost, and nothing is applied twice."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from client.clock import ManualClock
from client.sync.pull import Pull
from client.sync.transport import DROP_RESPONSE, FaultyTransport, HttpTransport, Transport
from protocol.codec import decode
from protocol.signing import open_envelope
from server import admin

from .conftest import PASSWORD, START, Org, inject_raw_op, op, resident, terminal_records


def server_op_count(org: Org, session: Any) -> int:
    with org.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM ops WHERE terminal_id = :t"),
                            {"t": session.terminal_id}).scalar_one()


def kinds_on_server(org: Org, facility: Any) -> Counter[str]:
    return Counter(kind for kind, _ in org.server_records(facility))


@dataclass
class Recorder:
    """A transport that keeps a copy of every request it carries."""

    inner: Transport
    sent: list[tuple[str, bytes]] = field(default_factory=list)

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.sent.append((path, body))
        return self.inner.post(path, body, timeout)


def notes(session: Any, rid: str, n: int) -> None:
    for i in range(n):
        session.notes.add(rid, {"category": "nursing", "clinical_time": "2026-11-02T09:00",
                               "body": f"Round {i}: comfortable."})


def test_scenario_16_terminal_clock_reset_to_2000(org: Org) -> None:
    clock = ManualClock(START)
    a = org.terminal(org.a, "clerk.MG", clock=clock)
    rid = a.residents.register(resident())
    first = a.residents.update(rid, {"phone": "555-0001"})
    clock.set(datetime(2000, 1, 1, tzinfo=UTC))
    second = a.residents.update(rid, {"phone": "555-0002"})
    with a.store.read() as conn:
        from client.store.database import OUTBOX

        stamps = [r[0] for r in conn.execute(sa.select(OUTBOX.c.recorded_at)
                                             .order_by(OUTBOX.c.seq))]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert a.sync().error is None
    assert op(a, first).status == "applied"
    assert op(a, second).status == "applied"
    assert "clock_skew" in op(a, second).flags
    assert a.residents.get(rid).fields["phone"] == "555-0002"


@pytest.mark.slow
def test_scenario_17_link_drops_mid_push_and_the_terminal_resumes(org: Org) -> None:
    link = FaultyTransport(HttpTransport(org.url), plan=[None, DROP_RESPONSE],
                           paths=frozenset({"/v1/push"}), sleep=lambda _s: None)
    a = org.terminal(org.a, "clerk.MG", transport=link)
    rid = a.residents.register(resident())
    notes(a, rid, 1199)  # 1200 operations: three batches of 500
    report = a.sync()
    assert report.error is None
    assert (("/v1/push", DROP_RESPONSE)) in link.calls
    assert set(a.outbox.operations(limit=5000)) and all(
        row.status == "applied" for row in a.outbox.operations(limit=5000))
    assert server_op_count(org, a) == 1200
    assert kinds_on_server(org, org.a)["note"] == 1199
    assert len(a.residents.get(rid).notes) == 1199


@pytest.mark.parametrize("stage", ["push:after_commit", "push:before_commit"])
def test_scenarios_18_19_server_dies_around_its_commit(org: Org, stage: str) -> None:
    a = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident())
    notes(a, rid, 4)
    crashes = []

    def die(at: str) -> None:
        if at == stage and not crashes:
            crashes.append(at)
            raise RuntimeError("server process killed (test)")

    org.settings.faults = die
    try:
        report = a.sync()
    finally:
        org.settings.faults = None
    assert crashes == [stage]
    # The engine retried after the crash; either way each operation took
    # effect exactly once and every one has its result.
    if report.error is not None:
        report = a.sync()
    assert report.error is None
    assert all(row.status == "applied" for row in a.outbox.operations())
    assert server_op_count(org, a) == 5
    assert kinds_on_server(org, org.a)["note"] == 4
    assert terminal_records(a) == org.server_records(org.a)


def test_scenario_20_replayed_push_has_no_effect_and_bad_senders_are_audited(
        org: Org) -> None:
    recorder = Recorder(HttpTransport(org.url))
    a = org.terminal(org.a, "clerk.MG", transport=recorder)
    rid = a.residents.register(resident())
    a.sync()
    captured = next(body for path, body in recorder.sent if path == "/v1/push")
    raw = HttpTransport(org.url)
    status, body = raw.post("/v1/push", captured, 10)
    assert status == 409
    assert decode(body)["error"] == "replayed_message"
    assert server_op_count(org, a) == 1
    assert kinds_on_server(org, org.a)["resident"] == 1
    # One changed byte: rejected, nothing applied.
    tampered = bytearray(captured)
    tampered[len(tampered) // 2] ^= 0x01
    status, _ = raw.post("/v1/push", bytes(tampered), 10)
    assert status in (400, 401)
    # Revoked: the terminal is told clearly; its change stays pending.
    admin.revoke_terminal(org.engine, org.settings, terminal_id=a.terminal_id)
    a.residents.update(rid, {"phone": "555-0042"})
    report = a.sync()
    assert report.error and "revoked" in report.error.lower()
    assert a.outbox.status().pending == 1
    entries = org.audit_actions()
    assert any(row.action == "auth:replay" for row in entries)
    rejected = [row for row in entries if row.outcome == "bad_signature"]
    assert any("revoked" in str(row.detail) for row in rejected)


def test_scenario_20_one_changed_byte_in_a_push_of_new_changes_applies_nothing(
        org: Org) -> None:
    """security.md case 6: a sync message with one byte changed is rejected, nothing
    of it is applied, and the refusal is audited; the message as signed still
    applies (the terminal's change was never lost)."""
    held: list[bytes] = []

    class Holding:
        """Keeps the terminal's pushes, answering as a server that is down."""

        def __init__(self, inner: Transport) -> None:
            self.inner = inner

        def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
            if path == "/v1/push":
                held.append(body)
                return 503, b""
            return self.inner.post(path, body, timeout)

    a = org.terminal(org.a, "clerk.MG", transport=Holding(HttpTransport(org.url)))
    rid = a.residents.register(resident(family_name="Tamperproof"))
    report = a.sync()
    assert report.error and held
    raw = HttpTransport(org.url)
    def refused() -> int:
        return sum(row.outcome == "bad_signature" for row in org.audit_actions())

    before = refused()
    for at in (len(held[0]) // 3, len(held[0]) // 2, len(held[0]) - 5):
        tampered = bytearray(held[0])
        tampered[at] ^= 0x01
        status, _ = raw.post("/v1/push", bytes(tampered), 10)
        assert status in (400, 401), at
    assert server_op_count(org, a) == 0
    assert ("resident", rid) not in org.server_records(org.a)
    assert refused() > before  # audited (the first from a source; then counted)
    assert org.audit_actions(rid) == []  # nothing of the change reached the record
    # The message as the terminal signed it is still good: applied once.
    status, _ = raw.post("/v1/push", held[0], 10)
    assert status == 200
    assert server_op_count(org, a) == 1
    assert ("resident", rid) in org.server_records(org.a)


def test_scenario_23_interrupted_pull_never_advances_the_cursor(
        org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    a = org.terminal(org.a, "rm.MG")
    for i in range(30):
        a.residents.register(resident(family_name=f"Pull{i:02d}"))
    a.sync()
    link = FaultyTransport(HttpTransport(org.url), plan=[None, DROP_RESPONSE, DROP_RESPONSE],
                           paths=frozenset({"/v1/pull"}), sleep=lambda _s: None)
    b = org.terminal(org.a, "clerk.MG", transport=link)
    # A terminal killed while applying a page: the page's transaction dies
    # half-way, so neither the records nor the cursor move.
    real_apply = Pull._apply_snapshots
    killed: list[int] = []

    def killed_midway(self: Pull, conn: Any, snapshots: list[Any]) -> None:
        real_apply(self, conn, snapshots[: len(snapshots) // 2])
        killed.append(len(snapshots))
        raise KeyboardInterrupt("terminal killed while applying a page (test)")

    monkeypatch.setattr(Pull, "_apply_snapshots", killed_midway)
    with b.store.read() as conn:
        from client.store.database import get_meta

        before = get_meta(conn, "cursor", 0)
    with pytest.raises(KeyboardInterrupt):
        b.sync()
    with b.store.read() as conn:
        assert get_meta(conn, "cursor", 0) == before
    monkeypatch.setattr(Pull, "_apply_snapshots", real_apply)
    assert killed
    assert b.sync().error is None
    assert terminal_records(b) == org.server_records(org.a)


def test_scenario_26_terminal_offline_for_120_days(org: Org) -> None:
    clock = ManualClock(START)
    away = org.terminal(org.a, "clerk.MG", clock=clock)
    home = org.terminal(org.a, "rm.MG")
    rid = home.residents.register(resident())
    home.sync()
    away.sync()
    offline_note = away.notes.add(rid, {"category": "social", "clinical_time":
                                       "2026-11-03T10:00", "body": "Daughter called."})
    edit = away.residents.update(rid, {"address": "4 Long Road"})
    clock.advance(timedelta(days=120))
    org.clock.advance_days(120)
    for i in range(20):
        home.residents.register(resident(family_name=f"Later{i}"))
    home.sync()
    assert away.sync().error is None
    assert op(away, edit).status == "applied"
    sent = next(r for r in away.outbox.operations() if r.record_id == offline_note)
    assert sent.status == "applied"
    assert terminal_records(away) == org.server_records(org.a)


def test_scenario_27_old_terminal_software_is_told_to_upgrade_and_loses_nothing(
        org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident())
    a.sync()
    seq = inject_raw_op(a, "update", {"kind": "resident", "id": rid,
                                      "changes": {"phone": ["555-0777", 1]}}, schema=0)
    report = a.sync()
    assert report.error and "upgrade" in report.error.lower()
    assert op(a, seq).status == "pending"
    assert a.outbox.status().pending == 1
    assert server_op_count(org, a) == 1


def test_scenario_30_deactivated_users_changes_are_held_for_review(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    rid = a.residents.register(resident())
    a.sync()
    held_seq = a.residents.update(rid, {"phone": "555-0303"})
    admin.deactivate_user(org.engine, org.settings, username="clerk.MG")
    a.sync()
    row = op(a, held_seq)
    assert row.status == "held"
    assert row.reason == "user_inactive"
    assert org.server_records(org.a)[("resident", rid)]["data"]["phone"] == "555-0100"
    admin.review_held(org.engine, org.settings, terminal_id=a.terminal_id, seq=held_seq,
                      decision="apply", reviewer="rm.MG")
    a.sync()
    assert op(a, held_seq).status == "applied"
    assert a.residents.get(rid).fields["phone"] == "555-0303"


def test_scenario_30_a_colleagues_change_to_a_held_registration_waits_with_it(
        org: Org) -> None:
    """A clerk registers a resident at a shared terminal and is deactivated before
    it syncs; a records manager at the same terminal writes a note on that
    resident. The registration is held for review; the note must wait with it
    (not be refused as about a resident that "does not exist"), and apply once
    the registration is approved."""
    from client import terminal

    manager = org.terminal(org.a, "rm.MG")
    assert manager.sync().error is None
    manager.users.add("clerk.MG", PASSWORD)
    home = manager.home
    manager.lock()
    clerk = terminal.unlock(home, "clerk.MG", PASSWORD, transport=HttpTransport(org.url),
                            clock=ManualClock(START), sleep=lambda _s: None)
    rid = clerk.residents.register(resident())
    registration = max(row.seq for row in clerk.outbox.operations())
    clerk.lock()
    manager = terminal.unlock(home, "rm.MG", PASSWORD, transport=HttpTransport(org.url),
                              clock=ManualClock(START), sleep=lambda _s: None)
    note = manager.notes.add(rid, {"category": "progress", "clinical_time":
                                   "2026-11-02T09:00", "body": "Settled in."})
    written = next(r.seq for r in manager.outbox.operations() if r.record_id == note)
    admin.deactivate_user(org.engine, org.settings, username="clerk.MG")
    assert manager.sync().error is None
    assert (op(manager, registration).status, op(manager, registration).reason) == (
        "held", "user_inactive")
    waiting = op(manager, written)
    assert waiting.status == "held", (waiting.reason, waiting.detail)
    assert "held" in (waiting.detail or "")
    # The manager reads what the note waits for, not that their account was deactivated.
    assert "deactivated" in (op(manager, registration).reason_text or "")
    words = waiting.reason_text or ""
    assert "deactivated" not in words and "creating change" in words
    assert op(manager, registration).summary in words
    # Approving the note before the registration leaves it waiting, still reviewable.
    admin.review_held(org.engine, org.settings, terminal_id=manager.terminal_id,
                      seq=written, decision="apply", reviewer="rm.MG")
    admin.review_held(org.engine, org.settings, terminal_id=manager.terminal_id,
                      seq=registration, decision="apply", reviewer="rm.MG")
    admin.review_held(org.engine, org.settings, terminal_id=manager.terminal_id,
                      seq=written, decision="apply", reviewer="rm.MG")
    assert manager.sync().error is None
    assert op(manager, registration).status == "applied"
    assert op(manager, written).status == "applied"
    assert [n.body for n in manager.residents.get(rid).notes] == ["Settled in."]
    assert terminal_records(manager) == org.server_records(org.a)


@pytest.mark.slow
def test_scenario_31_initial_sync_of_50000_records_over_a_dropping_link(org: Org) -> None:
    from .conftest import bulk_notes

    seed = org.terminal(org.a, "rm.MG")
    rid = seed.residents.register(resident())
    bulk_notes(seed, rid, 49_999)
    assert seed.sync().error is None
    assert kinds_on_server(org, org.a)["note"] == 49_999
    cursors: list[int] = []

    @dataclass
    class Watch:
        inner: Transport

        def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
            if path == "/v1/pull":
                cursors.append(decode(open_envelope(body).body)["cursor"])
            return self.inner.post(path, body, timeout)

    link = FaultyTransport(Watch(HttpTransport(org.url)), p_drop_response=0.3,
                           paths=frozenset({"/v1/pull"}), sleep=lambda _s: None)
    fresh = org.terminal(org.a, "clerk.MG", transport=link)
    rounds = 0
    while True:
        rounds += 1
        report = fresh.sync()
        if report.error is None:
            break
        assert rounds < 50
    dropped = [c for c in link.calls if c[1] == DROP_RESPONSE]
    assert dropped  # the link really did drop pages
    # Never restarted from zero: after the first page, every request resumes
    # at or after the last cursor it had reached.
    assert cursors.count(0) <= 1 + sum(1 for c in link.calls[:1] if c[1] == DROP_RESPONSE)
    assert cursors == sorted(cursors)
    assert len(fresh.residents.get(rid).notes) == 49_999
    assert terminal_records(fresh) == org.server_records(org.a)


def test_pages_of_long_notes_stay_within_the_message_limit(org: Org) -> None:
    """300 notes of 19,000 characters are about 6 MB: more than one message may
    carry, so the server splits the pages by size and the terminal gets them all."""
    from .conftest import bulk_notes

    seed = org.terminal(org.a, "rm.MG")
    rid = seed.residents.register(resident())
    bulk_notes(seed, rid, 300, body="{i} " + "Detailed wound care and family meeting. " * 475)
    assert seed.sync().error is None
    fresh = org.terminal(org.a, "clerk.MG")
    report = fresh.sync()
    assert report.error is None
    assert len(fresh.residents.get(rid).notes) == 300
    assert terminal_records(fresh) == org.server_records(org.a)
