import sqlalchemy as sa
from terminal_helpers import PASSWORD, resident_fields

from client.store.database import OUTBOX, get_meta
from client.sync.transport import (
    DROP_REQUEST,
    DROP_RESPONSE,
    DUPLICATE,
    FaultyTransport,
    unreachable,
)
from protocol.records import RecordKind


def _statuses(session):
    with session.store.read() as conn:
        return [r.status for r in conn.execute(sa.select(OUTBOX).order_by(OUTBOX.c.seq))]


def _shared_resident(a, b):
    rid = a.residents.register(resident_fields())
    assert a.sync().error is None
    assert b.sync().error is None
    return rid


def test_same_field_edited_at_two_terminals_becomes_one_conflict(make_terminal):
    """Scenario 1: both values kept; every replica shows the same value and conflict."""
    a, b = make_terminal(), make_terminal()
    rid = _shared_resident(a, b)
    a.residents.update(rid, {"phone": "555-0001"})
    b.residents.update(rid, {"phone": "555-0002"})
    assert a.sync().applied == 1
    report = b.sync()
    assert report.conflicts == 1
    a.sync()
    views = [a.residents.get(rid), b.residents.get(rid)]
    assert views[0].fields["phone"] == views[1].fields["phone"] == "555-0002"
    for view in views:
        assert [v.value for v in view.conflicts["phone"]] == ["555-0001", "555-0002"]
        assert not view.pending_fields
    assert [c.field for c in a.conflicts.unresolved()] == ["phone"]
    assert a.outbox.status().conflicts == 1
    a.conflicts.resolve("resident", rid, "phone", "555-0001")
    a.sync()
    b.sync()
    assert b.residents.get(rid).conflicts == {}
    assert b.residents.get(rid).fields["phone"] == "555-0001"


def test_same_value_and_different_fields_do_not_conflict(make_terminal):
    """Scenarios 2 and 3."""
    a, b = make_terminal(), make_terminal()
    rid = _shared_resident(a, b)
    a.residents.update(rid, {"phone": "555-0001", "language": "Polish"})
    b.residents.update(rid, {"phone": "555-0001", "address": "12 Elm St"})
    a.sync()
    assert b.sync().conflicts == 0
    a.sync()
    for s in (a, b):
        fields = s.residents.get(rid).fields
        assert (fields["phone"], fields["language"], fields["address"]) == (
            "555-0001", "Polish", "12 Elm St")
        assert s.residents.get(rid).conflicts == {}


def test_pull_never_hides_pending_edits(make_terminal, server):
    """Scenario 24."""
    a = make_terminal()
    rid = _shared_resident(a, make_terminal())
    a.residents.update(rid, {"phone": "555-0009"})
    server.edit(rid, phone="555-7777", language="Tagalog")
    engine_transport = FaultyTransport(server, paths=frozenset({"/v1/push"}),
                                       plan=[DROP_REQUEST] * 5)
    a._transport = engine_transport
    report = a.sync()  # the push cannot get through; nothing pulled either
    assert report.error
    a._transport = FaultyTransport(server, plan=[])
    from client.sync.engine import SyncEngine

    engine = SyncEngine(a.store, server, clock=a.clock, terminal_id=a.terminal_id,
                        facility_id=a.facility_id, sleep=lambda _s: None)
    engine.pull.run(engine_counts(), lambda _p: None)  # pull alone, with the edit pending
    view = a.residents.get(rid)
    assert view.fields["phone"] == "555-0009"
    assert view.fields["language"] == "Tagalog"
    assert "phone" in view.pending_fields
    assert a.residents.census().rows[0].pending


def engine_counts():
    from client.sync.counts import Counts

    return Counts()


def test_ten_rapid_edits_keep_order_and_the_last_value(make_terminal, server):
    """Scenario 32."""
    a = make_terminal()
    rid = _shared_resident(a, make_terminal())
    for i in range(10):
        a.residents.update(rid, {"phone": f"555-00{i:02d}"})
    report = a.sync()
    assert (report.applied, report.conflicts) == (10, 0)
    assert server.records[rid].state.data["phone"] == "555-0009"
    assert a.residents.get(rid).fields["phone"] == "555-0009"
    assert a.residents.get(rid).conflicts == {}


def test_lost_requests_and_answers_apply_each_operation_once(make_terminal, server):
    """Scenarios 17 and 18: resend until answered; the server's stored results
    come back; no duplicate effects."""
    transport = FaultyTransport(server, plan=[DROP_REQUEST, DROP_RESPONSE, DUPLICATE,
                                              DROP_RESPONSE])
    a = make_terminal(transport=server)
    a._transport = transport
    ids = [a.residents.register(resident_fields(given_name=f"G{i}")) for i in range(7)]
    report = a.sync()
    assert report.error is None, report.error
    assert _statuses(a) == ["applied"] * 7
    assert sorted(r for r in ids if r in server.records) == sorted(ids)
    terminal = server.terminals[a.terminal_id]
    assert terminal.last_seq == 7
    assert len(terminal.results) == 7
    assert a.residents.census().total == 7
    assert not any(r.pending for r in a.residents.census().rows)


def test_push_resumes_in_batches_where_the_server_stopped(make_terminal, server):
    from client.sync.engine import SyncEngine

    a = make_terminal()
    for i in range(12):
        a.residents.register(resident_fields(given_name=f"G{i}"))
    engine = SyncEngine(a.store, FaultyTransport(server, plan=[None, DROP_RESPONSE]),
                        clock=a.clock, terminal_id=a.terminal_id, facility_id=a.facility_id,
                        sleep=lambda _s: None, batch_size=5)
    report = engine.sync()
    assert report.error is None
    assert report.pushed == 12
    assert _statuses(a) == ["applied"] * 12
    assert server.terminals[a.terminal_id].last_seq == 12


def test_interrupted_pull_resumes_from_the_last_page(make_terminal, server, sleeps):
    """Scenarios 23 and 31: pages apply with their cursor; a dropping link
    never restarts the pull from zero."""
    fac = server.facility_id
    from protocol.ids import new_id

    for i in range(2500):
        server.put(RecordKind.RESIDENT, new_id(), fac, {
            "mrn": f"X{i}", "family_name": "Page", "given_name": f"N{i}",
            "birth_date": "1950-01-01", "sex": "male", "_census": "in_house"})
    a = make_terminal(transport=server)
    from client.sync.engine import SyncEngine

    flaky = FaultyTransport(server, paths=frozenset({"/v1/pull"}),
                            plan=[None, DROP_RESPONSE, None, DROP_REQUEST] + [DROP_RESPONSE] * 5)
    engine = SyncEngine(a.store, flaky, clock=a.clock, terminal_id=a.terminal_id,
                        facility_id=a.facility_id, sleep=sleeps, page_size=500)
    first = engine.sync()
    assert first.error  # the link gave up after five failures in a row
    with a.store.read() as conn:
        cursor = get_meta(conn, "cursor")
    assert cursor > 0
    pulls_before = len([c for c in flaky.calls if c[0] == "/v1/pull"])
    second = a.sync()
    assert second.error is None
    assert a.residents.census().total == 2500
    assert second.pulled < 2500  # resumed, not restarted
    assert pulls_before > 3
    assert sleeps and max(sleeps) <= 30


def test_backoff_grows_with_jitter_and_is_bounded(make_terminal, sleeps):
    a = make_terminal()
    a.residents.register(resident_fields())
    a._transport = unreachable()
    report = a.sync()
    assert report.error and "kept" in report.error
    assert len(sleeps) == 4
    ceilings = [0.5, 1.0, 2.0, 4.0]
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))
    status = a.outbox.status()
    assert (status.online, status.pending, status.last_sync_at) == (False, 1, None)
    assert status.last_error == report.error


def test_server_errors_are_retried(make_terminal, server):
    a = make_terminal()
    a.residents.register(resident_fields())
    server.fail_next = [503, 502]
    report = a.sync()
    assert report.error is None
    assert report.applied == 1


def test_replayed_counter_is_bumped_and_retried_once(make_terminal, server):
    a = make_terminal()
    a.residents.register(resident_fields())
    with a.store.read() as conn:
        counter = get_meta(conn, "msg_counter")
    server.terminals[a.terminal_id].last_counter = counter + 500  # e.g. restored backup
    report = a.sync()
    assert report.error is None
    assert report.applied == 1


def test_revoked_terminal_stops_with_a_clear_message(make_terminal, server):
    a = make_terminal()
    a.residents.register(resident_fields())
    server.terminals[a.terminal_id].revoked = True
    report = a.sync()
    assert "revoked" in report.error
    assert _statuses(a) == ["pending"]
    assert a.outbox.status().online


def test_upgrade_required_keeps_the_operations(make_terminal, server):
    a = make_terminal()
    a.residents.register(resident_fields())
    server.upgrade_required = True
    report = a.sync()
    assert "upgrade" in report.error
    assert _statuses(a) == ["pending"]


def test_answer_signed_by_another_key_is_refused(make_terminal, server):
    from protocol.signing import new_private_key

    a = make_terminal()
    a.residents.register(resident_fields())
    server.key = new_private_key()
    report = a.sync()
    assert "could not be verified" in report.error
    assert _statuses(a) == ["pending"]


def test_rejected_command_is_shown_with_its_reason(make_terminal, server):
    """Scenario 12: the last free bed taken offline at two terminals."""
    bed = server.add_bed(server.facility_id, "North", "N-1")
    a, b = make_terminal(), make_terminal()
    r1 = a.residents.register(resident_fields(given_name="First"))
    a.sync()
    r2 = b.residents.register(resident_fields(given_name="Second"))
    b.sync()
    a.stays.admit(r1, admitted_at="2026-01-15", bed_id=bed)
    b.stays.admit(r2, admitted_at="2026-01-15", bed_id=bed)
    a.sync()
    report = b.sync()
    assert report.rejected == 1
    rejected = b.outbox.operations({"rejected"})
    assert [r.reason for r in rejected] == ["bed_occupied"]
    assert "awaiting a bed" in rejected[0].reason_text
    assert b.outbox.status().rejected == 1
    rows = {r.id: r for r in b.residents.census().rows}
    assert rows[r2].census_status == "awaiting_bed"
    assert rows[r1].census_status == "in_house"
    assert [x.reason for x in b.residents.get(r2).pending_commands] == ["bed_occupied"]


def test_held_operations_get_their_result_later(make_terminal, server):
    """Scenario 30: a deactivated user's changes wait, neither applied nor dropped."""
    a = make_terminal()
    rid = a.residents.register(resident_fields())
    a.sync()
    server.users[a.user.id]["active"] = False
    a.residents.update(rid, {"phone": "555-0100"})
    report = a.sync()
    assert report.held == 1
    assert a.outbox.status().held == 1
    assert a.residents.get(rid).fields["phone"] == "555-0100"  # still shown, still waiting
    server.users[a.user.id]["active"] = True
    terminal = server.terminals[a.terminal_id]
    digest, held = terminal.results[2]
    from protocol.ops import OpResult, OpStatus

    terminal.results[2] = (digest, OpResult(held.seq, held.op_id, OpStatus.APPLIED,
                                            server_seq=server._log(rid)))
    server.records[rid].state.data["phone"] = "555-0100"
    report = a.sync()
    assert report.applied == 1
    assert _statuses(a) == ["applied", "applied"]


def test_resident_leaving_the_facility_is_removed_after_pending_work_is_sent(
        make_terminal, server):
    """Scenario 14, terminal side: a gone snapshot removes the resident and
    the records under it, but not while this terminal has changes to send."""
    other_facility = server.add_facility("Oak Hill")
    a, b = make_terminal(), make_terminal()
    rid = _shared_resident(a, b)
    stay = a.stays.admit(rid, admitted_at="2026-01-10")
    a.notes.add(rid, {"category": "nursing", "clinical_time": "2026-01-10T09:00",
                     "body": "Admitted"})
    a.sync()
    b.sync()
    b.notes.add(rid, {"category": "nursing", "clinical_time": "2026-01-15T09:00",
                     "body": "Written while the transfer happened"})
    a.stays.transfer(stay, to_facility_id=other_facility, at="2026-01-15")
    a.sync()
    assert a.residents.census().total == 0
    engine = __import__("client.sync.engine", fromlist=["SyncEngine"]).SyncEngine(
        b.store, server, clock=b.clock, terminal_id=b.terminal_id, facility_id=b.facility_id,
        sleep=lambda _s: None)
    engine.pull.run(engine_counts(), lambda _p: None)
    assert b.residents.census().total == 1  # kept: its note is not sent yet
    b.sync()
    assert b.residents.census().total == 0
    with b.store.read() as conn:
        from client.store.database import RECORDS

        left = conn.execute(sa.select(RECORDS.c.kind).where(RECORDS.c.parent_id == rid)).all()
    assert left == []


def test_record_numbers_are_topped_up(make_terminal, server):
    a = make_terminal()
    with a.store.write() as conn:
        from client.store.database import set_meta

        set_meta(conn, "mrn_pools", [["MG", 1, 50]])
    a.sync()
    with a.store.read() as conn:
        from client.store.record_numbers import mrns_left

        assert mrns_left(conn) == 249


def test_a_clerk_terminal_receives_the_facility(make_terminal, server):
    a = make_terminal()
    rid = a.residents.register(resident_fields())
    a.residents.add_diagnosis(rid, {"code": "e11.9", "description": "Type 2 diabetes"})
    a.sync()
    clerk = make_terminal("jchen", PASSWORD)
    assert clerk.residents.census().total == 0  # enrolled, not yet synced
    assert clerk.sync().error is None
    view = clerk.residents.get(rid)
    assert not view.pending
    assert [d.code for d in view.diagnoses] == ["E11.9"]
    clerk.lock()


def test_an_answer_without_a_reason_clears_the_one_an_earlier_answer_left(
        make_terminal, server):
    """A held operation's row keeps the reason it was held for; when the server
    asks for it again (it lost track of it) and applies it, the row is left
    with no reason and no detail."""
    a = make_terminal()
    rid = a.residents.register(resident_fields())
    a.sync()
    server.users[a.user.id]["active"] = False
    a.residents.update(rid, {"phone": "555-0100"})
    a.sync()

    def row(seq):
        with a.store.read() as conn:
            return tuple(conn.execute(sa.select(OUTBOX.c.status, OUTBOX.c.reason,
                                                OUTBOX.c.detail).where(OUTBOX.c.seq == seq)
                                      ).one())

    assert row(2)[0] == "held"
    assert row(2)[1] is not None
    assert row(2)[2] is not None
    server.users[a.user.id]["active"] = True
    terminal = server.terminals[a.terminal_id]
    terminal.last_seq = 1  # the server forgot operation 2: it asks for it again
    del terminal.results[2]
    a.residents.update(rid, {"phone": "555-0101"})
    report = a.sync()
    assert report.error is None
    assert row(2) == ("applied", None, None)
    assert row(3) == ("applied", None, None)
