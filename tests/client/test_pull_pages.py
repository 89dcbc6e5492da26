"""Pull pages: as large as the server serves, each decoded and applied with the
cycle collector paused, which is left as it was found whatever happens."""

import gc
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from client.store.database import RECORDS, loads
from client.store.search import SEARCH_COLUMNS, search_columns
from client.sync import pull as pull_module
from client.sync.counts import Counts
from client.sync.engine import SyncEngine
from client.sync.transport import TransportError
from protocol.codec import decode
from protocol.ids import new_id
from protocol.merge import RecordState
from protocol.messages import MAX_PULL_PAGE, SERVED_PULL_PAGE
from protocol.records import RecordKind
from protocol.signing import open_envelope


class _Spy:
    """A transport in front of the fake server that keeps each pull request's body."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.pulls: list[dict] = []
        self.fail = False
        self.tried: list[str] = []

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.tried.append(path)
        if self.fail:
            raise TransportError("offline")
        if path == "/v1/pull":
            self.pulls.append(decode(open_envelope(body).body))
        return self.inner.post(path, body, timeout)


def _residents(server, count: int) -> None:
    for i in range(count):
        server.put(RecordKind.RESIDENT, new_id(), server.facility_id, {
            "mrn": f"P{i}", "family_name": "Page", "given_name": f"N{i}",
            "birth_date": "1950-01-01", "sex": "female", "_census": "in_house"})


def _engine(session, transport, sleeps) -> SyncEngine:
    return SyncEngine(session.store, transport, clock=session.clock,
                      terminal_id=session.terminal_id, facility_id=session.facility_id,
                      sleep=sleeps)


def test_a_pull_asks_for_as_many_changes_as_the_server_serves(make_terminal, server, sleeps):
    a = make_terminal(transport=server)
    _residents(server, 3)
    spy = _Spy(server)
    report = _engine(a, spy, sleeps).sync()
    assert report.error is None and report.pulled >= 3
    assert [p["limit"] for p in spy.pulls] == [MAX_PULL_PAGE]
    assert a.residents.census().total == 3


def test_each_page_is_applied_with_the_collector_paused_then_it_resumes(
        make_terminal, server, sleeps, monkeypatch):
    a = make_terminal(transport=server)
    _residents(server, 7)
    seen: list[bool] = []
    apply_page = pull_module.Pull._apply_page

    def spying(self, reply, cursor, counts):
        seen.append(gc.isenabled())
        return apply_page(self, reply, cursor, counts)

    monkeypatch.setattr(pull_module.Pull, "_apply_page", spying)
    engine = SyncEngine(a.store, server, clock=a.clock, terminal_id=a.terminal_id,
                        facility_id=a.facility_id, sleep=sleeps, page_size=3)
    assert gc.isenabled()
    report = engine.sync()
    assert report.error is None and report.pulled >= 7
    assert len(seen) >= 3 and not any(seen)  # pages of at most 3: every one paused
    assert gc.isenabled()
    assert a.residents.census().total == 7


def test_a_pull_that_fails_leaves_the_collector_on(make_terminal, server, sleeps):
    a = make_terminal(transport=server)
    spy = _Spy(server)
    spy.fail = True
    report = _engine(a, spy, sleeps).sync()
    assert report.error  # the link gave up …
    assert "/v1/pull" in spy.tried  # … in the middle of a page
    assert gc.isenabled()


def test_larger_pages_are_asked_for_only_from_a_server_that_says_it_serves_them(
        make_terminal, server, sleeps):
    a = make_terminal(transport=server)
    _residents(server, 12)
    server.page_cap = 5  # pages cut short (as a byte budget would): several in a round
    older = _Spy(server)  # a server from before larger pages does not say
    report = _engine(a, older, sleeps).sync()
    assert report.error is None  # it refuses a larger limit: never asked for one
    assert len(older.pulls) >= 3 and {p["limit"] for p in older.pulls} == {MAX_PULL_PAGE}
    _residents(server, 12)
    server.serves_page = SERVED_PULL_PAGE  # says so in every answer, as servers now do
    newer = _Spy(server)
    report = _engine(a, newer, sleeps).sync()
    assert report.error is None
    # the first page asks what every server serves; the next ones what this one said
    limits = [p["limit"] for p in newer.pulls]
    assert len(limits) >= 3 and limits == [MAX_PULL_PAGE] + [SERVED_PULL_PAGE] * (len(limits) - 1)
    assert a.residents.census().total == 24


def test_the_next_page_is_asked_for_while_this_one_is_written_and_a_failure_loses_nothing(
        make_terminal, server, sleeps, monkeypatch):
    from client.store.database import get_meta

    a = make_terminal(transport=server)
    _residents(server, 12)
    server.page_cap = 4  # pages of at most four changes: several in a round

    class Committed(_Spy):
        """Keeps, with each pull request, the cursor the store had committed."""

        def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
            if path == "/v1/pull":
                with a.store.read() as conn:
                    self.committed.append(int(get_meta(conn, "cursor", 0)))
            return super().post(path, body, timeout)

    spy = Committed(server)
    spy.committed = []
    apply_page = pull_module.Pull._apply_page
    written: list[int] = []

    def failing_third(self, reply, cursor, counts):
        written.append(cursor)
        if len(written) == 3:
            raise RuntimeError("the terminal died writing the third page")
        return apply_page(self, reply, cursor, counts)

    monkeypatch.setattr(pull_module.Pull, "_apply_page", failing_third)
    with pytest.raises(RuntimeError):
        _engine(a, spy, sleeps).sync()
    asked = [p["cursor"] for p in spy.pulls]
    # The second page is asked for from the first page's end, never from further on
    # than the store has committed. Whether the request goes out before or after the
    # first page's commit is the threads' timing (the bench measures the overlap), so
    # it is not asserted here: it raced under load in CI.
    assert len(asked) >= 3 and asked[1] == 4 and asked[1] >= spy.committed[1]
    with a.store.read() as conn:
        kept = int(get_meta(conn, "cursor", 0))
    assert kept == written[2]  # the third page not half-applied: the cursor is the second's
    monkeypatch.setattr(pull_module.Pull, "_apply_page", apply_page)
    report = _engine(a, server, sleeps).sync()
    assert report.error is None
    assert a.residents.census().total == 12


def test_pulled_rows_carry_the_search_columns_of_what_they_hold(make_terminal, server, sleeps):
    """A pulled page computes its rows' search columns in bulk (a tuple per
    row); they are the columns a clerk's write computes for the same state."""
    a = make_terminal(transport=server)
    resident, staff, unit = new_id(), new_id(), new_id()
    server.put(RecordKind.RESIDENT, resident, server.facility_id, {
        "mrn": "P1", "family_name": "Øster", "given_name": "Ann", "preferred_name": "Annie",
        "birth_date": "1950-01-01", "sex": "female", "_census": "in_house"})
    server.put(RecordKind.NOTE, new_id(), server.facility_id, {
        "resident_id": resident, "clinical_time": "2026-12-01T08:00", "text": "Slept well"})
    server.put(RecordKind.STAFF, staff, server.facility_id, {
        "employee_id": "E7", "family_name": "Ng", "given_name": "Li"})
    server.put(RecordKind.HOURS, new_id(), server.facility_id, {
        "staff_id": staff, "work_date": "2026-12-01", "hours": 8})
    server.put(RecordKind.BED, new_id(), server.facility_id, {
        "unit_id": unit, "label": "101-A", "unit_name": "North"})
    assert _engine(a, server, sleeps).sync().error is None
    with a.store.read() as conn:
        rows = conn.execute(sa.select(RECORDS).where(RECORDS.c.data.is_not(None))).all()
    kinds = {row.kind for row in rows}
    assert {"resident", "note", "staff", "hours", "bed"} <= kinds
    for row in rows:
        expected = search_columns(row.kind, row.id,
                                  RecordState(loads(row.data), status=row.status))
        assert {name: getattr(row, name) for name in SEARCH_COLUMNS} == expected


def test_a_page_of_departures_reads_and_writes_what_the_facility_keeps_once(
        make_terminal, server, sleeps, monkeypatch):
    """Residents transferred out arrive as gone snapshots (the resident, the
    stay, its MDS records): the map of departures is read and written once for
    the page, not once or twice per snapshot, and keeps what it kept before."""
    from client.store import departures as departures_module

    a = make_terminal(transport=server)
    fac = server.facility_id
    moved = []
    for i in range(3):
        rid, sid, aid = new_id(), new_id(), new_id()
        server.put(RecordKind.RESIDENT, rid, fac, {
            "mrn": f"T{i}", "family_name": "Moved", "given_name": f"N{i}",
            "birth_date": "1940-01-01", "sex": "male", "_census": "in_house"})
        server.put(RecordKind.STAY, sid, fac, {
            "resident_id": rid, "admitted_at": f"2026-01-0{i + 1}", "status": "transferred",
            "discharged_at": "2026-03-01", "transferred_to": "F-OTHER"})
        server.put(RecordKind.ASSESSMENT, aid, fac, {"resident_id": rid, "ard": "2026-03-01"})
        moved.append((rid, sid, aid))
    assert _engine(a, server, sleeps).sync().error is None
    for rid, sid, aid in moved:  # the transfer: each record leaves, the stay before its MDS
        for record_id in (rid, sid, aid):
            server.records[record_id].facility_id = "F-OTHER"
            server._log(record_id, gone_from=fac)
    reads, writes = [], []
    get_meta, set_meta = departures_module.get_meta, departures_module.set_meta

    def reading(conn, key, default=None):
        reads.append(key)
        return get_meta(conn, key, default)

    def writing(conn, key, value):
        writes.append(key)
        set_meta(conn, key, value)

    monkeypatch.setattr(departures_module, "get_meta", reading)
    monkeypatch.setattr(departures_module, "set_meta", writing)
    assert _engine(a, server, sleeps).sync().error is None
    assert reads.count(departures_module.KEY) == 1
    assert writes.count(departures_module.KEY) == 1
    with a.store.read() as conn:
        kept = departures_module.departures(conn)
    assert set(kept) == {rid for rid, _sid, _aid in moved}
    for i, (rid, sid, aid) in enumerate(moved):
        facts = kept[rid]
        assert (facts["name"], facts["mrn"], facts["stay_id"], facts["to_facility_id"]) \
            == (f"Moved, N{i}", f"T{i}", sid, "F-OTHER")
        assert set(facts["stays"]) == {sid} and set(facts["assessments"]) == {aid}
    assert a.residents.census().total == 0  # the records themselves are forgotten


def test_an_mds_record_edited_then_transferred_in_one_page_keeps_its_dates(
        make_terminal, server, sleeps):
    """The sending terminal keeps the dates of a transferred resident's MDS records
    (the discharge assessment the stay still owes here). In one page, a record
    edited before the transfer took the place of its first snapshot, ahead of the
    stay's transfer, and was kept for no one: its dates were lost."""
    from client.store import departures

    a = make_terminal(transport=server)
    fac = server.facility_id
    rid, sid, aid = new_id(), new_id(), new_id()
    server.put(RecordKind.RESIDENT, rid, fac, {
        "mrn": "T1", "family_name": "Moved", "given_name": "N",
        "birth_date": "1940-01-01", "sex": "male", "_census": "in_house"})
    server.put(RecordKind.STAY, sid, fac, {
        "resident_id": rid, "admitted_at": "2026-01-01", "status": "active"})
    server.put(RecordKind.ASSESSMENT, aid, fac, {"resident_id": rid, "ard": "2026-02-01"})
    assert _engine(a, server, sleeps).sync().error is None
    # Between two syncs: the MDS record is completed, then the resident transferred.
    server.edit(aid, completed_on="2026-02-05")
    server.records[sid].state.data.update(status="transferred", discharged_at="2026-03-01",
                                          transferred_to="F-OTHER", transferred_from=fac)
    for record_id in (sid, rid, aid):  # as server/commands/stays.py: the stay first
        server.records[record_id].facility_id = "F-OTHER"
        server._log(record_id, gone_from=fac)
    assert _engine(a, server, sleeps).sync().error is None
    with a.store.read() as conn:
        kept = departures.departures(conn)
    assert set(kept[rid].get("assessments", {})) == {aid}


def test_a_pulls_writes_keep_to_one_connection(make_terminal, server, sleeps, monkeypatch):
    """In WAL mode a connection drops its whole page cache when another connection
    has written since its last transaction. The pool used to hand its connections
    out in turn (first in, first out) and the checkpoint thread took one from it
    after each write, so a pull's writes moved from connection to connection and
    each found its cache stale. Now they keep to one."""
    a = make_terminal(transport=server)
    _residents(server, 12)
    server.page_cap = 4  # pages of at most four changes: several in a round
    used: list[int] = []
    write = a.store.write

    @contextmanager
    def noted(**kwargs):
        with write(**kwargs) as conn:
            used.append(id(conn.connection.dbapi_connection))
            yield conn

    monkeypatch.setattr(a.store, "write", noted)
    counts = Counts()
    _engine(a, server, sleeps).pull.run(counts, lambda _progress: None)
    assert counts.pulled >= 12 and len(used) > 3 * 2
    assert len(set(used)) == 1
