"""The offline window, against the real server and real encrypted terminals:
sign-in 400 days after the last contact, or with the clock set back, is refused
with the sentence to reconnect (and recorded at the terminal); reaching the
server refreshes it; a user deactivated at the server loses their key slot at the
next pull."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from client import terminal
from client.clock import ManualClock
from client.errors import InvalidCredentials, OfflineExpired
from client.store.database import AUDIT
from client.store.set_aside import TERMINAL_FILE
from client.sync.transport import HttpTransport
from server import admin

from .conftest import PASSWORD, START, Link, Org


def events(session) -> list[tuple[str, dict]]:
    with session.store.read() as conn:
        return [(r.event, json.loads(r.detail)) for r in
                conn.execute(sa.select(AUDIT.c.event, AUDIT.c.detail).order_by(AUDIT.c.id))]


def test_sign_in_after_the_window_or_with_the_clock_set_back_is_refused(org: Org) -> None:
    clock = ManualClock(START)
    link = Link(HttpTransport(org.url))
    a = org.terminal(org.a, "clerk.MG", transport=link, clock=clock)
    assert a.sync().error is None
    home = a.home
    a.lock()
    link.blocked.add("*")  # offline from here on
    clock.advance(days=13)
    a = terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    a.lock()
    clock.advance(days=400)
    with pytest.raises(OfflineExpired, match="Connect this terminal to the network to "
                                              "refresh its sign-in"):
        terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    clock.advance(days=-403)  # back to three days before the latest time it has seen
    with pytest.raises(OfflineExpired):
        terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    clock.advance(days=403)
    link.blocked.clear()  # connected again: the sign-in syncs and goes through
    a = terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    refused = [d["reason"] for e, d in events(a) if e == "unlock_refused"]
    assert refused == ["offline_window_expired", "clock_behind"]
    assert [e for e, _ in events(a)][-1] == "unlock_refreshed"


def test_the_facilitys_window_comes_from_the_server(org: Org) -> None:
    admin.set_offline_window(org.engine, org.settings, facility_id=org.a.id, days=2)
    clock = ManualClock(START)
    link = Link(HttpTransport(org.url))
    a = org.terminal(org.a, "clerk.MG", transport=link, clock=clock)
    assert a.sync().error is None  # pulls the facility record with its window
    home = a.home
    a.lock()
    link.blocked.add("*")
    clock.advance(days=3)
    with pytest.raises(OfflineExpired):
        terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)


def test_a_deactivated_user_loses_the_key_slot_at_the_next_pull(org: Org) -> None:
    clock = ManualClock(START)
    manager = org.terminal(org.a, "rm.MG", clock=clock)
    home = manager.home
    assert manager.sync().error is None  # the facility's users arrive
    manager.users.add("clerk.MG", PASSWORD)
    assert "clerk.MG" in [s.username for s in terminal.list_users(home)]
    admin.deactivate_user(org.engine, org.settings, username="clerk.MG")
    assert manager.sync().error is None
    assert "clerk.MG" not in [s.username for s in terminal.list_users(home)]
    assert ("slot_removed", {"reason": "user_inactive"}) in events(manager)
    with pytest.raises(InvalidCredentials):
        terminal.unlock(home, "clerk.MG", PASSWORD, clock=clock)


def test_refused_sign_ins_reach_the_servers_audit_at_the_next_sync_once(org: Org) -> None:
    clock = ManualClock(START)
    link = Link(HttpTransport(org.url))
    a = org.terminal(org.a, "clerk.MG", transport=link, clock=clock)
    assert a.sync().error is None
    home = a.home
    a.lock()
    link.blocked.add("*")
    clock.advance(days=400)
    with pytest.raises(OfflineExpired):
        terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    with pytest.raises(InvalidCredentials):
        terminal.unlock(home, "clerk.MG", "not the passphrase at all", transport=link,
                        clock=clock)
    link.blocked.clear()
    a = terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    assert not _server_events(org)  # the sign-in's own contact sends nothing yet
    assert a.sync().error is None
    kept = _server_events(org)
    assert [(r.action, r.outcome, r.actor) for r in kept] == [
        ("terminal:sign_in_refused", "offline_window_expired", org.a.users["clerk.MG"]),
        ("terminal:sign_in_failed", "wrong_password", org.a.users["clerk.MG"])]
    assert all(r.terminal_id == a.terminal_id and r.purpose == "security" for r in kept)
    detail = kept[0].detail
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert detail["terminal_at"] > START.timestamp() * 1000 + 399 * 86_400_000
    # The answer was lost (the terminal forgets it sent them): sent again, kept once.
    from client.store.database import set_meta
    from client.sync.events import SENT_META

    with a.store.write() as conn:
        set_meta(conn, SENT_META, 0)
    assert a.sync().error is None
    assert len(_server_events(org)) == 2
    assert a.sync().error is None and len(_server_events(org)) == 2


def test_refused_sign_ins_wait_while_the_server_cannot_take_them(org: Org) -> None:
    clock = ManualClock(START)
    link = Link(HttpTransport(org.url))
    a = org.terminal(org.a, "clerk.MG", transport=link, clock=clock)
    home = a.home
    a.lock()
    link.blocked.add("*")
    clock.advance(days=30)
    with pytest.raises(OfflineExpired):
        terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock)
    link.blocked.clear()
    a = terminal.unlock(home, "clerk.MG", PASSWORD, transport=link, clock=clock,
                        sleep=lambda _s: None)
    link.blocked.add("/v1/events")  # e.g. an older server: the sync still succeeds
    assert a.sync().error is None and not _server_events(org)
    link.blocked.clear()
    assert a.sync().error is None and len(_server_events(org)) == 1


def _server_events(org: Org) -> list:
    with org.engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT action, outcome, actor, terminal_id, purpose, detail FROM audit "
            "WHERE action LIKE 'terminal:sign_in_%' ORDER BY chain, seq")).all()


GIVE_UP_S = 20.0
"""How long the test lets a sign-in run before calling it hung: the old sign-in
waited two 30 s timeouts on a server that never answers."""


def _point_at(home: Path, url: str) -> None:
    """The terminal's server address in terminal.json (what a sign-in reaches)."""
    path = home / TERMINAL_FILE
    settings = json.loads(path.read_text(encoding="utf-8"))
    settings["server_url"] = url
    path.write_text(json.dumps(settings), encoding="utf-8")


def test_a_sign_in_past_the_window_gives_up_on_a_server_that_never_answers(
        org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server takes the connection and never answers (hung, or a proxy holding
    the line): the sign-in's own reach to it ends at the first timeout,
    ``SIGN_IN_TIMEOUT_S`` (made tiny here), with the refusal and the emergency
    offer; the attempt is audited and nothing the clerk entered is lost. Its real
    HTTP transport, from terminal.json's address, to a real loopback socket."""
    monkeypatch.setattr(terminal, "SIGN_IN_TIMEOUT_S", 0.2, raising=False)
    clock = ManualClock(START)
    a = org.terminal(org.a, "clerk.MG", clock=clock)
    assert a.sync().error is None
    resident_id = a.residents.register({"family_name": "Okafor", "given_name": "Ada",
                                        "birth_date": "1941-03-02", "sex": "female"})
    home = a.home
    a.lock()
    clock.advance(days=20)  # past the 14-day window
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel takes the connection; nobody ever answers
    silent.setblocking(False)
    _point_at(home, f"http://127.0.0.1:{silent.getsockname()[1]}")
    outcome: list[BaseException | object] = []

    def sign_in() -> None:
        try:
            outcome.append(terminal.unlock(home, "clerk.MG", PASSWORD, clock=clock))
        except BaseException as error:  # noqa: BLE001  handed to the test's thread
            outcome.append(error)

    attempt = threading.Thread(target=sign_in, daemon=True)
    try:
        attempt.start()
        attempt.join(GIVE_UP_S)
        assert not attempt.is_alive(), "the sign-in was still waiting for the server"
        reached = 0
        while True:  # the connections the sign-in made, off the silent server's queue
            try:
                conn, _ = silent.accept()
            except BlockingIOError:
                break
            conn.close()
            reached += 1
    finally:
        silent.close()
    [error] = outcome
    assert isinstance(error, OfflineExpired)
    assert error.message == "Connect this terminal to the network to refresh its sign-in."
    assert error.emergency_offered  # the right passphrase: break-the-glass is offered
    assert reached == 1  # it reached the server, waited once and gave up: no second wait

    _point_at(home, org.url)  # the link is back: the sign-in renews the window
    a = terminal.unlock(home, "clerk.MG", PASSWORD, clock=clock)
    assert [(e, d.get("reason")) for e, d in events(a)
            if e.startswith("unlock_")][-2:] == [("unlock_refused", "offline_window_expired"),
                                                 ("unlock_refreshed", None)]
    assert a.outbox.status().pending == 1  # the resident entered before is still there
    assert a.sync().error is None
    assert ("resident", resident_id) in org.server_records(org.a)
