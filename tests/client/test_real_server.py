"""The engine against the real server on loopback: the wire contract as the
server engineer implemented it, not only as the fake server reads it. The
lead's tests/integration go much further; these keep the terminal honest."""

import pytest
from terminal_helpers import MANAGER_PASSWORD, resident_fields

from client.sync.counts import Counts
from client.sync.engine import SyncEngine
from client.sync.transport import DROP_RESPONSE, FaultyTransport, HttpTransport
from client.terminal import enroll

server_runner = pytest.importorskip("server.http.runner")
from server import admin  # noqa: E402  after the importorskip above
from server.settings import Settings  # noqa: E402  after the importorskip above
from server.storage.db import make_engine  # noqa: E402  after the importorskip above


@pytest.fixture
def real(tmp_path):
    settings = Settings(data_dir=tmp_path / "server")
    settings.data_dir.mkdir()
    with server_runner.ServerThread(settings) as thread:
        engine = make_engine(settings.database_url)
        fac = admin.create_facility(engine, settings, name="Maple Grove", state="OH",
                                    mrn_prefix="MG")
        unit = admin.create_unit(engine, settings, facility_id=fac, name="North")
        beds = [admin.create_bed(engine, settings, unit_id=unit, label=f"N-10{i}")
                for i in range(2)]
        admin.create_user(engine, settings, facility_id=fac, username="mrivera",
                          role="records_manager")

        def terminal(name, transport=None):
            code = admin.issue_code(engine, settings, facility_id=fac)
            return enroll(tmp_path / name, thread.url, code, name, "mrivera",
                          MANAGER_PASSWORD, transport=transport, sleep=lambda _s: None)

        yield terminal, beds
        engine.dispose()


# server/http/runner.py passes shutdown_timeout to TCPSite, which aiohttp 3.14 deprecates;
# that is the server's to change, and it does not affect what this test checks.
@pytest.mark.filterwarnings("ignore:shutdown_timeout should be set on BaseRunner")
def test_round_trip_with_conflict_and_lost_answer(real):
    terminal, beds = real
    a = terminal("a")
    assert a.sync().error is None
    assert {b.label for b in a.beds.board()} == {"N-100", "N-101"}
    rid = a.residents.register(resident_fields())
    stay = a.stays.admit(rid, admitted_at="2026-01-15", bed_id=beds[0])
    assert a.sync().error is None
    b = terminal("b")
    b._transport = FaultyTransport(HttpTransport(b.server_url), plan=[DROP_RESPONSE])
    assert b.sync().error is None
    a.residents.update(rid, {"phone": "555-0001"})
    b.residents.update(rid, {"phone": "555-0002"})
    assert a.sync().applied == 1
    report = b.sync()  # the first push answer is lost; the resend gets the stored result
    assert report.error is None
    assert report.conflicts == 1
    a.sync()
    for s in (a, b):
        view = s.residents.get(rid)
        assert view.fields["phone"] == "555-0002"
        assert {c.value for c in view.conflicts["phone"]} == {"555-0001", "555-0002"}
        assert view.census_status == "in_house"
        assert view.bed_label == "N-100"
        assert [x.id for x in view.stays] == [stay]
    b.lock()
    a.lock()


@pytest.mark.filterwarnings("ignore:shutdown_timeout should be set on BaseRunner")
def test_a_pull_of_many_pages_waits_for_the_disk_once(real, monkeypatch):
    """Every answer of the real server carries its log position, and checking it
    is a write: it used to wait for the disk (an fsync, and SQLite's own
    checkpoint on the pulling thread) on every page. Like the page it precedes,
    a power cut may take it (``Pull._server_lost_work`` says why that is
    harmless), so a pull of many pages waits for the disk once, at its end."""
    terminal, _beds = real
    a = terminal("a")
    for i in range(6):
        a.residents.register(resident_fields(given_name=f"N{i}"))
    assert a.sync().error is None
    b = terminal("b")
    engine = SyncEngine(b.store, HttpTransport(b.server_url), clock=b.clock,
                        terminal_id=b.terminal_id, facility_id=b.facility_id,
                        sleep=lambda _s: None, page_size=2)
    durable: list[bool] = []
    write = b.store.write

    def noted(*args, **kwargs):
        durable.append(kwargs.get("durable", True))
        return write(*args, **kwargs)

    monkeypatch.setattr(b.store, "write", noted)
    counts = Counts()
    engine.pull.run(counts, lambda _progress: None)
    assert counts.pulled >= 6
    assert len(durable) > 3 * 2  # each page's check and its write, and more …
    assert durable.count(True) == 1  # … and only the pull's last write waits for the disk
    assert b.residents.census().total == 6


@pytest.mark.filterwarnings("ignore:shutdown_timeout should be set on BaseRunner")
def test_a_log_position_as_known_is_not_written_again(real, monkeypatch):
    """The log's generation is written when it changes, not at every page: an
    unchanged check then writes nothing, so its commit adds nothing to the WAL
    and gives the checkpoint (and its disk waits) nothing to do."""
    from client.sync import restore

    terminal, _beds = real
    a = terminal("a")
    for i in range(6):
        a.residents.register(resident_fields(given_name=f"N{i}"))
    assert a.sync().error is None
    b = terminal("b")
    written: list[str] = []
    set_meta = restore.set_meta

    def noted(conn, key, value):
        written.append(key)
        set_meta(conn, key, value)

    monkeypatch.setattr(restore, "set_meta", noted)
    engine = SyncEngine(b.store, HttpTransport(b.server_url), clock=b.clock,
                        terminal_id=b.terminal_id, facility_id=b.facility_id,
                        sleep=lambda _s: None, page_size=2)
    counts = Counts()
    engine.pull.run(counts, lambda _progress: None)
    assert counts.pulled >= 6  # three pages and more, each with its log position
    assert written.count("log_generation") <= 1  # when first seen, not once a page
    assert b.residents.census().total == 6
