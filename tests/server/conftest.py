"""Fixtures for the server's tests: a migrated database on each backend, a
facility world, and terminals that enroll and sync through the real service
(or over HTTP against the real app)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from protocol.audit_log import entry_bytes, entry_leaf
from protocol.ids import new_id
from protocol.merkle import node_hash
from protocol.messages import EnrollRequest, PullRequest, PullResponse, PushRequest, PushResponse
from protocol.ops import Operation, OpType
from protocol.signing import new_private_key, prove_possession, public_bytes, seal
from server import admin
from server.core.authentication import TerminalInfo
from server.core.service import SyncService
from server.settings import Settings
from server.storage.db import make_engine
from server.storage.merkle_models import L
from server.storage.models import T

START_MS = 1_790_000_000_000


class Clock:
    """Server time the test moves by hand."""

    def __init__(self, now: int = START_MS) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(server_db_url: str, tmp_path: Any, clock: Clock) -> Settings:
    return Settings(database_url=server_db_url, data_dir=tmp_path, clock=clock,
                    worker_threads=4, db_pool_size=4)


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    engine = make_engine(settings.database_url, pool_size=8)
    admin.init(engine, settings)
    yield engine
    engine.dispose()


@pytest.fixture
def service(engine: sa.Engine, settings: Settings) -> SyncService:
    return SyncService(engine, settings)


@dataclass
class Facility:
    id: str
    unit: str
    beds: list[str]
    clerk: str
    manager: str
    clerk2: str


@dataclass
class World:
    a: Facility
    b: Facility


def make_facility(engine: sa.Engine, settings: Settings, name: str, prefix: str,
                  n_beds: int = 3) -> Facility:
    fid = admin.create_facility(engine, settings, name=name, state="OH", mrn_prefix=prefix)
    unit = admin.create_unit(engine, settings, facility_id=fid, name="East")
    beds = [admin.create_bed(engine, settings, unit_id=unit, label=f"E{i}")
            for i in range(1, n_beds + 1)]
    clerk = admin.create_user(engine, settings, facility_id=fid, username=f"clerk_{prefix}",
                              role="clerk")
    clerk2 = admin.create_user(engine, settings, facility_id=fid, username=f"clerk2_{prefix}",
                               role="clerk")
    manager = admin.create_user(engine, settings, facility_id=fid, username=f"rm_{prefix}",
                                role="records_manager")
    return Facility(fid, unit, beds, clerk, manager, clerk2)


@pytest.fixture
def world(engine: sa.Engine, settings: Settings) -> World:
    return World(make_facility(engine, settings, "Maple Grove", "MG"),
                 make_facility(engine, settings, "Oak Hill", "OK"))


@dataclass
class Term:
    """A terminal driven straight through :class:`SyncService`."""

    service: SyncService
    facility: Facility
    info: TerminalInfo = field(init=False)
    key: Any = field(default_factory=new_private_key)
    seq: int = 0
    counter: int = 0
    user: str = ""
    mrn_pool: Any = None

    def enroll(self, engine: sa.Engine, settings: Settings, username: str) -> Term:
        code = admin.issue_code(engine, settings, facility_id=self.facility.id)
        request = EnrollRequest(code, "front desk", public_bytes(self.key),
                                prove_possession(self.key, code), username)
        response = self.service.enroll(seal(self.key, "enroll", "new", 0, request.to_wire()),
                                       request)
        self.info = TerminalInfo(response.terminal_id, response.facility_id,
                                 public_bytes(self.key))
        self.user = response.user_id
        self.mrn_pool = response.mrn_pool
        return self

    def op(self, op_type: str, payload: dict[str, Any], *, user: str | None = None,
           facility: str | None = None, schema: int = 1) -> Operation:
        self.seq += 1
        return Operation(new_id(), self.seq, OpType(op_type), facility or self.facility.id,
                         user or self.user, 0, payload, schema)

    def envelope(self, msg_type: str, body: Any = None, *, ts: int | None = None) -> Any:
        self.counter += 1
        return seal(self.key, msg_type, self.info.id, self.counter, body or {},
                    ts=ts if ts is not None else self.service.settings.clock())

    def push(self, ops: list[Operation], *, ts: int | None = None,
             schema: int = 1) -> PushResponse:
        request = PushRequest(ops, schema)
        return self.service.push(self.info, self.envelope("push", request.to_wire(), ts=ts),
                                 request)

    def pull(self, cursor: int = 0, limit: int = 1000, held: list[int] | None = None,
             want_mrns: bool = False) -> PullResponse:
        request = PullRequest(cursor, limit, held or [], want_mrns)
        return self.service.pull(self.info, self.envelope("pull", request.to_wire()), request)

    def pull_all(self, cursor: int = 0) -> tuple[list[Any], int]:
        changes: list[Any] = []
        while True:
            page = self.pull(cursor)
            changes.extend(page.changes)
            cursor = page.cursor
            if not page.more:
                return changes, cursor


@pytest.fixture
def terminal(service: SyncService, world: World, engine: sa.Engine, settings: Settings):
    def make(facility: str = "a", username: str | None = None) -> Term:
        fac = getattr(world, facility)
        prefix = "MG" if facility == "a" else "OK"
        return Term(service, fac).enroll(engine, settings, username or f"clerk_{prefix}")

    return make


def resident_fields(family: str = "Smith", given: str = "Ann", birth: str = "1940-02-03",
                    mrn: str | None = None) -> dict[str, Any]:
    return {"mrn": mrn or f"MG{new_id()[-6:]}", "family_name": family, "given_name": given,
            "birth_date": birth, "sex": "female"}


def new_resident(term: Term, **kw: Any) -> tuple[str, Operation]:
    rid = new_id()
    return rid, term.op("create", {"kind": "resident", "id": rid, "fields": resident_fields(**kw)})


def admit(term: Term, resident_id: str, bed_id: str | None = None,
          stay_id: str | None = None) -> tuple[str, Operation]:
    sid = stay_id or new_id()
    args: dict[str, Any] = {"stay_id": sid, "resident_id": resident_id,
                            "admitted_at": "2026-01-02"}
    if bed_id:
        args["bed_id"] = bed_id
    return sid, term.op("command", {"name": "admit", "args": args})


def note(term: Term, resident_id: str, **fields: Any) -> tuple[str, Operation]:
    nid = new_id()
    body = {"resident_id": resident_id, "category": "progress",
            "clinical_time": "2026-01-02T10:00", "body": "Walked to breakfast.", **fields}
    return nid, term.op("create", {"kind": "note", "id": nid, "fields": body})


def record(engine: sa.Engine, record_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(T.records).where(T.records.c.id == record_id)).one()


def audit_rows(engine: sa.Engine, **where: Any) -> list[Any]:
    with engine.connect() as conn:
        stmt = sa.select(T.audit).order_by(T.audit.c.chain, T.audit.c.seq)
        for name, value in where.items():
            stmt = stmt.where(T.audit.c[name] == value)
        return conn.execute(stmt).all()


def current_stays(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(sa.select(T.stays).where(
            T.stays.c.status.in_(("active", "on_leave")))).all()


def assert_bed_invariants(engine: sa.Engine) -> None:
    stays = current_stays(engine)
    residents = [s.resident_id for s in stays]
    beds = [s.bed_id for s in stays if s.bed_id]
    assert len(residents) == len(set(residents)), "a resident has two current stays"
    assert len(beds) == len(set(beds)), "a bed has two occupants"


def drop_append_only(conn: Any) -> None:
    """What a database owner can do and the server never does: drop the
    triggers that keep the audit insert-only (to simulate tampering)."""
    if conn.dialect.name == "postgresql":
        for table in ("audit", "audit_nodes", "audit_checkpoints"):
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
        return
    for table in ("audit", "audit_nodes", "audit_checkpoints"):
        for event in ("update", "delete"):
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_{event}"))


def rewrite_audit(engine: sa.Engine, chain: str, *, keep: int, new_tail: list[dict[str, Any]]
                  ) -> None:
    """A database owner's forgery: keep the first ``keep`` entries, replace the
    rest, and recompute every hash, node and the head, so the chain is whole."""
    with engine.connect() as conn:
        log = [r._asdict() for r in conn.execute(
            sa.select(T.audit).where(T.audit.c.chain == chain, T.audit.c.seq <= keep)
            .order_by(T.audit.c.seq))]
    prev = log[-1]["hash"] if log else ""
    rows: list[dict[str, Any]] = []
    for seq, fields in enumerate(new_tail, keep + 1):
        entry = {**fields, "seq": seq}
        digest = hashlib.sha256(prev.encode() + entry_bytes(entry)).hexdigest()
        rows.append({**entry, "prev_hash": prev, "hash": digest})
        prev = digest
    leaves = [entry_leaf(e) for e in log + rows]
    with engine.begin() as conn:
        drop_append_only(conn)
        conn.execute(sa.delete(T.audit).where(T.audit.c.chain == chain, T.audit.c.seq > keep))
        if rows:
            conn.execute(sa.insert(T.audit), rows)
        conn.execute(sa.delete(L.nodes).where(L.nodes.c.chain == chain))
        conn.execute(sa.insert(L.nodes), tree_rows(chain, leaves))
        conn.execute(sa.update(T.heads).where(T.heads.c.facility_id == chain)
                     .values(audit_seq=len(leaves), audit_head=prev))


def tree_rows(chain: str, leaves: list[bytes]) -> list[dict[str, Any]]:
    rows, level, nodes = [], 0, list(leaves)
    while nodes:
        rows += [{"chain": chain, "level": level, "idx": i, "hash": n}
                 for i, n in enumerate(nodes)]
        nodes = [node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
        level += 1
    return rows


@pytest.fixture
def h() -> Any:
    """The helpers above, for test modules (conftest is not importable by name
    under ``--import-mode=importlib``)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        new_resident=new_resident, admit=admit, note=note, record=record,
        audit_rows=audit_rows, current_stays=current_stays,
        assert_bed_invariants=assert_bed_invariants, resident_fields=resident_fields,
        make_facility=make_facility, Term=Term, Clock=Clock,
        drop_append_only=drop_append_only, rewrite_audit=rewrite_audit)
