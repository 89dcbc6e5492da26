import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from terminal_helpers import MANAGER_PASSWORD, resident_fields

from client.store.database import OUTBOX, get_meta
from client.terminal import unlock
from protocol.hlc import wall_ms
from protocol.ids import new_id
from protocol.records import RecordKind


def test_unlock_reports_progress(session, clock, sleeps):
    home = session.home
    session.lock()
    seen = []
    unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps,
           on_progress=seen.append).lock()
    assert seen == ["Checking the passphrase…", "Opening the encrypted store…"]


def test_concurrent_writers_keep_the_outbox_gapless(session):
    rid = session.residents.register(resident_fields())
    errors = []

    def write(n):
        try:
            for i in range(10):
                session.notes.add(rid, {"category": "other", "body": f"thread {n} note {i}",
                                       "clinical_time": "2026-01-15T08:00"})
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session.store.read() as conn:
        seqs = [r[0] for r in conn.execute(sa.select(OUTBOX.c.seq).order_by(OUTBOX.c.seq))]
    assert seqs == list(range(1, 42))


def test_clock_set_back_keeps_stamps_growing_and_flags_them(session, clock):
    """Scenario 16."""
    rid = session.residents.register(resident_fields())
    clock.set(datetime(2000, 1, 1, tzinfo=UTC))
    session.residents.update(rid, {"phone": "555-0100"})
    session.residents.update(rid, {"phone": "555-0101"})
    with session.store.read() as conn:
        rows = conn.execute(sa.select(OUTBOX).order_by(OUTBOX.c.seq)).all()
    stamps = [r.recorded_at for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert wall_ms(stamps[-1]) >= wall_ms(stamps[0])
    assert [r.flags for r in rows] == ["", "clock_skew", "clock_skew"]
    assert session.outbox.operations()[0].flags == ("clock_skew",)


def test_terminal_killed_while_applying_a_page(session, server, monkeypatch):
    """Scenario 23: a page and its cursor apply together or not at all; the
    next pull applies it again and the result equals the server's state."""
    for i in range(30):
        server.put(RecordKind.RESIDENT, new_id(), server.facility_id, {
            "mrn": f"K{i}", "family_name": "Kill", "given_name": f"N{i}",
            "birth_date": "1950-01-01", "sex": "male", "_census": "in_house"})
    with session.store.read() as conn:
        cursor_before = get_meta(conn, "cursor")

    def killed(*args, **kwargs):
        raise SystemExit("terminal killed")

    monkeypatch.setattr("client.sync.pull.drop_gone", killed)
    with pytest.raises(SystemExit):
        session.sync()
    monkeypatch.undo()
    with session.store.read() as conn:
        assert get_meta(conn, "cursor") == cursor_before
    assert session.residents.census().total == 0
    assert session.sync().error is None
    assert session.sync().error is None  # and again: nothing changes
    assert session.residents.census("kill").total == 30
    server_ids = {rid for rid, rec in server.records.items() if rec.kind == "resident"}
    assert {r.id for r in session.residents.census(limit=100).rows} == server_ids


def test_an_answer_that_breaks_the_schema_is_an_error_not_a_crash(session, server):
    from protocol.signing import seal

    original = server.post

    def garbled(path, body, timeout):
        status, data = original(path, body, timeout)
        if path == "/v1/pull":
            from protocol.signing import open_envelope

            request = open_envelope(body)
            return 200, seal(server.key, "pulled", "server", 99, {"changes": "nope"},
                             reply_to=request.digest).to_bytes()
        return status, data

    session._transport = type("T", (), {"post": staticmethod(garbled)})()
    report = session.sync()
    assert report.error and "could not be verified" in report.error
