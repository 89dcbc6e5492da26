"""End-to-end fixtures: the real server on loopback (SQLite, and PostgreSQL when
``CHARTKEEP_TEST_POSTGRES_URL`` is set) and real encrypted terminals in temp
directories, talking signed msgpack over HTTP. No mocks: faults are injected by
wrapping the real HTTP transport (:class:`client.sync.transport.FaultyTransport`) or
through the server's ``faults`` hook."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from client import terminal
from client.clock import ManualClock
from client.session import Session
from client.store.database import OUTBOX, RECORDS
from client.sync.transport import HttpTransport, Transport
from server import admin
from server.http.runner import ServerThread
from server.settings import Settings
from server.storage import migrations
from server.storage.db import make_engine

PASSWORD = "a long passphrase for the night shift"
START = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


class ServerClock:
    """Server time, moved by hand (terminals keep their own ManualClock)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = int(start.timestamp() * 1000)

    def __call__(self) -> int:
        return self.now

    def advance_days(self, days: float) -> None:
        self.now += int(days * 86_400_000)


@dataclass
class Facility:
    id: str
    name: str
    unit_id: str
    beds: list[str]
    users: dict[str, str]
    """username -> user id"""


@dataclass
class Org:
    """A running server with two facilities, and a way to add terminals."""

    settings: Settings
    engine: sa.Engine
    server: ServerThread
    clock: ServerClock
    tmp: Path
    a: Facility
    b: Facility
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return self.server.url

    def terminal(self, facility: Facility, username: str, *,
                 transport: Transport | None = None, clock: ManualClock | None = None
                 ) -> Session:
        """Enroll a new terminal for ``username`` and return its unlocked session."""
        number = next(self._names)
        code = admin.issue_code(self.engine, self.settings, facility_id=facility.id)
        home = self.tmp / f"terminal-{number}"
        return terminal.enroll(home, self.url, code, f"Station {number}", username, PASSWORD,
                               transport=transport or HttpTransport(self.url),
                               clock=clock or ManualClock(START), sleep=lambda _s: None)

    def server_records(self, facility: Facility) -> dict[tuple[str, str], dict[str, Any]]:
        """The server's current state for one facility, as comparable values."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT kind, id, data, versions, conflicts, status FROM records "
                "WHERE facility_id = :f"), {"f": facility.id}).all()
        return {(r.kind, r.id): _norm(r.data, r.versions, r.conflicts, r.status) for r in rows}

    def audit_actions(self, target: str | None = None) -> list[Any]:
        query = "SELECT chain, seq, action, outcome, target, detail FROM audit"
        params: dict[str, Any] = {}
        if target is not None:
            query += " WHERE target = :t"
            params["t"] = target
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(query + " ORDER BY chain, seq"), params).all())


def _load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _norm(data: Any, versions: Any, conflicts: Any, status: str) -> dict[str, Any]:
    return {"data": _load(data), "versions": _load(versions), "conflicts": _load(conflicts),
            "status": status}


def terminal_records(session: Session) -> dict[tuple[str, str], dict[str, Any]]:
    """What a terminal holds as the server's confirmed state of its facility (the
    other facilities' names, which it also holds for transfers, are not part of it)."""
    listing = sa.and_(RECORDS.c.kind == "facility", RECORDS.c.id != session.facility_id)
    with session.store.read() as conn:
        rows = conn.execute(sa.select(RECORDS.c.kind, RECORDS.c.id, RECORDS.c.data,
                                      RECORDS.c.versions, RECORDS.c.conflicts,
                                      RECORDS.c.status).where(RECORDS.c.data.is_not(None),
                                                              ~listing)
                            ).all()
    return {(r.kind, r.id): _norm(r.data, r.versions, r.conflicts, r.status) for r in rows}


def outbox_statuses(session: Session) -> dict[int, str]:
    with session.store.read() as conn:
        return dict(conn.execute(sa.select(OUTBOX.c.seq, OUTBOX.c.status)).all())


def make_facility(engine: sa.Engine, settings: Settings, name: str, prefix: str,
                  beds: int) -> Facility:
    fid = admin.create_facility(engine, settings, name=name, state="OH", mrn_prefix=prefix)
    unit = admin.create_unit(engine, settings, facility_id=fid, name="North")
    bed_ids = [admin.create_bed(engine, settings, unit_id=unit, label=f"{100 + i}-A")
               for i in range(1, beds + 1)]
    users = {}
    for username, role in ((f"clerk.{prefix}", "clerk"), (f"clerk2.{prefix}", "clerk"),
                           (f"rm.{prefix}", "records_manager")):
        users[username] = admin.create_user(engine, settings, facility_id=fid,
                                            username=username, role=role)
    return Facility(fid, name, unit, bed_ids, users)


@pytest.fixture
def org(server_db_url: str, tmp_path: Path) -> Iterator[Org]:
    clock = ServerClock()
    settings = Settings(database_url=server_db_url, data_dir=tmp_path / "server", clock=clock,
                        worker_threads=4, db_pool_size=4)
    server = ServerThread(settings).start()
    engine = make_engine(settings.database_url)
    made: Org | None = None
    try:
        a = make_facility(engine, settings, "Maple Grove Care Center", "MG", beds=3)
        b = make_facility(engine, settings, "Oak Hill Nursing", "OH", beds=2)
        made = Org(settings, engine, server, clock, tmp_path, a, b)
        yield made
    finally:
        server.stop()
        engine.dispose()
        if made is not None:  # a test may have restarted it on a restored database
            made.server.stop()
            made.engine.dispose()


def resident(**overrides: Any) -> dict[str, Any]:
    fields = {"family_name": "Okafor", "given_name": "Adaeze", "birth_date": "1941-03-02",
              "sex": "female", "phone": "555-0100", "address": "12 Elm Street"}
    fields.update(overrides)
    return fields


def destroy_charts(session: Session, resident_ids: list[str], *,
                   on: str = "2026-11-10") -> str:
    """Carry out a destruction of these residents' charts at ``session``'s facility:
    listed, approved and recorded on ``on`` (shredding, destroyed and witnessed by
    two people); the listing's id."""
    listing = session.casework.propose_destruction(resident_ids, listed_on=on)
    session.casework.command("approve_destruction", {"destruction_id": listing,
                                                     "approved_on": on})
    session.casework.command("record_destruction", {
        "destruction_id": listing, "destroyed_on": on, "method": "shredding",
        "destroyed_by": "Pat Lee", "witnessed_by": "Sam Ortiz"})
    return listing


def queue_raw_ops(session: Session, ops: list[tuple[str, dict[str, Any]]], *,
                  schema: int | None = None, subject_id: str | None = None) -> int:
    """Append operations straight to the outbox, skipping the terminal's own
    checks and per-change refresh: for operations an older or misbehaving
    terminal would send, and for volume tests. Returns the first new seq."""
    from client.store.outbox import next_seq
    from protocol.codec import encode
    from protocol.ids import new_id
    from protocol.ops import SCHEMA_VERSION

    with session.store.write() as conn:
        first = next_seq(conn)
        now = session.clock.ms()
        conn.execute(OUTBOX.insert(), [{
            "seq": first + i, "op_id": new_id(now), "op_type": op_type,
            "kind": payload.get("kind"), "record_id": payload.get("id"),
            "subject_id": subject_id, "user_id": session.user.id,
            "recorded_at": (now << 16) + i,
            "schema_version": SCHEMA_VERSION if schema is None else schema,
            "payload": encode(payload), "created_at": now, "status": "pending",
            "flags": "", "summary": f"{op_type} {payload.get('kind', '')}".strip(),
        } for i, (op_type, payload) in enumerate(ops)])
    return first


def inject_raw_op(session: Session, op_type: str, payload: dict[str, Any], *,
                  schema: int | None = None) -> int:
    """One operation the terminal's own checks would refuse, to prove the
    server's side of a rule."""
    return queue_raw_ops(session, [(op_type, payload)], schema=schema)


def op(session: Session, seq: int) -> Any:
    """The terminal's view of one of its operations."""
    return next(row for row in session.outbox.operations() if row.seq == seq)


@dataclass
class Link:
    """A terminal's network link that a test can cut: the real HTTP transport,
    with requests to blocked paths failing as a dropped connection would."""

    inner: Transport
    blocked: set[str] = field(default_factory=set)

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        from client.sync.transport import TransportError

        if path in self.blocked or "*" in self.blocked:
            raise TransportError("link down (test)")
        return self.inner.post(path, body, timeout)


def bulk_notes(session: Session, resident_id: str, count: int, *,
               body: str = "Hourly round {i}.") -> None:
    """Queue many valid notes at once, for volume tests; the server processes
    each in full."""
    from protocol.ids import new_id

    queue_raw_ops(session, [
        ("create", {"kind": "note", "id": new_id(), "fields": {
            "resident_id": resident_id, "category": "nursing",
            "clinical_time": "2026-11-02T09:00", "body": body.format(i=i)}})
        for i in range(count)], subject_id=resident_id)


@pytest.fixture
def engine(server_db_url: str) -> Iterator[sa.Engine]:
    """The server's database, migrated, on each backend (for tests of the storage
    layer itself, without a server in front)."""
    made = make_engine(server_db_url)
    migrations.upgrade(made)
    try:
        yield made
    finally:
        made.dispose()
