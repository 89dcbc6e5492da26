"""The terminals ``scripts/load`` runs: light simulated ones, and real engines.

A simulated terminal is enrolled like any other (a key of its own, a one-time
code), then in each round pushes a batch of notes as one signed envelope built
before the run started (the work of reading and sealing a batch is the
terminal's, not the server's) and pulls until the server says there is no more,
decoding each answer with msgpack's C decoder and reading only its cursor. So
one process can play a hundred terminals and leave the cores to the servers.

A real engine is the clerk's terminal itself (:class:`client.session.Session`):
an encrypted store, its outbox filled as a busy clerk would, the real sync
round; its rounds run in threads of the harness.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgpack
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import hlc
from protocol.ids import new_id
from protocol.messages import (
    MAX_PULL_PAGE,
    SERVED_PULL_PAGE,
    EnrollRequest,
    PullRequest,
    PushRequest,
)
from protocol.ops import Operation, OpType
from protocol.signing import new_private_key, prove_possession, public_bytes, seal

PULL_LIMIT = SERVED_PULL_PAGE
"""Changes asked for per page, as the terminal asks (client/sync/pull.py): the
first page of a pull :data:`MAX_PULL_PAGE`, which every server serves, the next
ones what the server's answer says it serves (``page``), up to this."""
ROUND_STRIDE = 1000
"""Message counters of round r start at r × this: pre-built pushes and the
pulls signed during the run never collide (the server wants them increasing,
not gapless)."""


@dataclass
class Timings:
    """What the terminals measured: latencies in seconds by kind, errors, counts."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    rounds: int = 0
    ops_pushed: int = 0
    ops_not_applied: int = 0
    records_pulled: int = 0

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, text: str) -> None:
        self.errors.append(text)


def _unpack(reply: bytes) -> Any:
    """The body of a server answer (its signature is the real terminal's to check)."""
    envelope = msgpack.unpackb(reply, raw=False, strict_map_key=False)
    return msgpack.unpackb(envelope["body"], raw=False, strict_map_key=False)


@dataclass
class SimulatedTerminal:
    url: str
    facility_id: str
    key: Ed25519PrivateKey = field(default_factory=new_private_key)
    terminal_id: str = ""
    user_id: str = ""
    seq: int = 1
    cursor: int = 0
    generation: str | None = None
    pushes: list[tuple[int, bytes]] = field(default_factory=list)
    """(operations, sealed envelope) per round, built before the run."""
    rounds_done: int = 0
    """The last round sent: a second run (another pace) goes on after it."""

    async def enroll(self, http: aiohttp.ClientSession, code: str, username: str) -> None:
        request = EnrollRequest(code, f"load {new_id()[-6:]}", public_bytes(self.key),
                                prove_possession(self.key, code), username)
        body = seal(self.key, "enroll", "new", 0, request.to_wire()).to_bytes()
        async with http.post(f"{self.url}/v1/enroll", data=body) as response:
            data = await response.read()
            if response.status != 200:
                raise RuntimeError(f"enrollment refused ({response.status}): {data[:200]!r}")
        answer = _unpack(data)
        self.terminal_id, self.user_id = answer["terminal"], answer["user_id"]

    def build_pushes(self, rounds: int, ops_per_push: int, resident_id: str) -> None:
        """Seal every round's push now: notes on the facility's resident."""
        now = int(time.time() * 1000)
        for r in range(1, rounds + 1):
            ops = []
            for _ in range(ops_per_push):
                ops.append(Operation(new_id(), self.seq, OpType.CREATE, self.facility_id,
                                     self.user_id, hlc.pack(now, self.seq), {
                                         "kind": "note", "id": new_id(), "fields": {
                                             "resident_id": resident_id,
                                             "category": "nursing",
                                             "clinical_time": "2026-11-02T09:00",
                                             "body": "Comfortable, ate well, walked to the "
                                                     "day room with a frame."}}))
                self.seq += 1
            envelope = seal(self.key, "push", self.terminal_id, r * ROUND_STRIDE,
                            PushRequest(ops).to_wire())
            self.pushes.append((len(ops), envelope.to_bytes()))

    async def push_resident(self, http: aiohttp.ClientSession) -> str:
        """The facility's resident the notes are written about (before the run)."""
        rid = new_id()
        op = Operation(new_id(), self.seq, OpType.CREATE, self.facility_id, self.user_id,
                       hlc.pack(int(time.time() * 1000), 0), {
                           "kind": "resident", "id": rid, "fields": {
                               "mrn": f"LD{random.randrange(10**6):06d}",
                               "family_name": "Okafor", "given_name": "Ada",
                               "birth_date": "1941-03-04", "sex": "female"}})
        self.seq += 1
        body = seal(self.key, "push", self.terminal_id, 1, PushRequest([op]).to_wire())
        async with http.post(f"{self.url}/v1/push", data=body.to_bytes()) as response:
            data = await response.read()
        results = _unpack(data)["results"]
        if response.status != 200 or not results or results[0].get("status") != "applied":
            raise RuntimeError(f"the facility's resident was not created: {data[:300]!r}")
        return rid

    async def _post(self, http: aiohttp.ClientSession, path: str, body: bytes,
                    timings: Timings) -> Any:
        started = time.perf_counter()
        async with http.post(f"{self.url}{path}", data=body) as response:
            data = await response.read()
        timings.add(path.rsplit("/", 1)[-1], time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}: {data[:200]!r}")
        return _unpack(data)

    async def pull_all(self, http: aiohttp.ClientSession, counter: int,
                       timings: Timings) -> int:
        """Pull until nothing more; return the next free counter."""
        served = MAX_PULL_PAGE  # until the server says it serves more
        while True:
            request = PullRequest(cursor=self.cursor, limit=min(PULL_LIMIT, served),
                                  generation=self.generation)
            body = seal(self.key, "pull", self.terminal_id, counter,
                        request.to_wire()).to_bytes()
            counter += 1
            answer = await self._post(http, "/v1/pull", body, timings)
            timings.records_pulled += len(answer["changes"])
            self.cursor = max(self.cursor, int(answer["cursor"]))
            served = int(answer.get("page") or MAX_PULL_PAGE)
            if answer.get("log"):
                self.generation = answer["log"].get("gen", self.generation)
            if not answer["more"]:
                return counter

    async def run(self, http: aiohttp.ClientSession, deadline: float, think_s: float,
                  rng: random.Random, timings: Timings, *, every_s: float | None = None,
                  first_round: int = 1) -> None:
        """Exchange until ``deadline``: after a random pause each time (exponential,
        mean ``think_s``: the stress pace), or, with ``every_s``, on a fixed
        schedule from a random start within the first period, as the terminal
        app's background sync does (the real pace). Rounds start at
        ``first_round`` (each round's push is sealed for its own counters)."""
        pause = rng.uniform(0, every_s if every_s is not None else think_s)
        next_at = time.perf_counter() + pause
        for r in range(first_round, len(self.pushes) + 1):
            count, body = self.pushes[r - 1]
            # never pause past the end of the run (the wall time is the rates' divisor)
            await asyncio.sleep(max(0.0, min(pause, deadline - time.perf_counter())))
            if time.perf_counter() >= deadline:
                return
            started = time.perf_counter()
            try:
                answer = await self._post(http, "/v1/push", body, timings)
                timings.ops_pushed += count
                timings.ops_not_applied += sum(
                    1 for res in answer["results"] if res.get("status") != "applied")
                await self.pull_all(http, r * ROUND_STRIDE + 1, timings)
            except (aiohttp.ClientError, RuntimeError, KeyError, TimeoutError) as exc:
                timings.error(f"{self.terminal_id[-6:]} round {r}: {exc}"[:300])
            else:
                timings.add("exchange", time.perf_counter() - started)
                timings.rounds += 1
            self.rounds_done = r
            if every_s is not None:
                next_at += every_s  # a sync that ran long delays the next, never doubles it
                pause = next_at - time.perf_counter()
            else:
                pause = rng.expovariate(1 / think_s) if think_s > 0 else 0.0


# --- real terminal engines ---------------------------------------------------------------


@dataclass
class EngineTerminal:
    session: Any
    facility_id: str


def real_engine_rounds(terminals: list[EngineTerminal], rounds: int, ops_per_round: int,
                       timings: Timings) -> None:
    """Each engine, in its own thread: queue a clerk's batch, sync, ``rounds`` times."""
    from concurrent.futures import ThreadPoolExecutor

    from scripts.bench_world import queue_operations

    def one(index: int, terminal: EngineTerminal) -> None:
        for r in range(rounds):
            queue_operations(terminal.session, ops_per_round, residents=1,
                             seed=index * 1000 + r)
            started = time.perf_counter()
            report = terminal.session.sync()
            if report.error:
                timings.error(f"engine {index} round {r}: {report.error}"[:300])
                continue
            timings.add("engine_sync", time.perf_counter() - started)
            timings.rounds += 1
            timings.ops_pushed += report.pushed
            timings.records_pulled += report.pulled

    with ThreadPoolExecutor(len(terminals)) as pool:
        for future in [pool.submit(one, i, t) for i, t in enumerate(terminals)]:
            future.result()


def converged(terminals: list[EngineTerminal]) -> dict[str, bool]:
    """After a last sync each, does every engine of a facility hold the same
    records at the same versions (the server's order number of each)?"""
    import sqlalchemy as sa

    from client.store.database import RECORDS

    for terminal in terminals:
        terminal.session.sync()
    held: dict[str, list[dict[str, int]]] = {}
    for terminal in terminals:
        with terminal.session.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS.c.id, RECORDS.c.seq)
                                .where(RECORDS.c.data.is_not(None))).all()
        held.setdefault(terminal.facility_id, []).append({r.id: r.seq for r in rows})
    return {fid: all(h == views[0] for h in views) and bool(views[0])
            for fid, views in held.items()}


def home_for(base: Path, index: int) -> Path:
    return base / f"engine{index:03d}"
