"""The server's own figures for scripts/bench: push on top of many operations,
the memory of a real server process after a long push, and the cost of
decoding a signed push body.

Push on top: one server process (SQLite) is seeded with ``existing`` operations
from one terminal (untimed). Then, ``rounds`` times, ``count`` operations are pushed
from a new terminal to a fresh empty server process, and ``count`` from another new
terminal to the seeded one (which grows by ``count`` each round). Each pair runs
back to back, so both see the same moments of a busy machine; the median of the
pairs is reported. Besides wall ops/s, two figures a busy machine hardly moves:
the server process's CPU per operation (/proc/<pid>/stat: its HTTP edge and WAL
checkpoints included) and the bytes it read and wrote per operation (/proc/<pid>/io
``rchar``/``wchar``: files and sockets; the request and answer bytes are the same
on both sides, so what differs is the database's pages). Before each timed push
the server's WAL is checkpointed and emptied, so neither push pays for what an
earlier one wrote.

Memory: a server process (SQLite), ``count`` operations pushed to it over
loopback, then its resident set read from /proc.
"""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.codec import decode, decode_signed, encode
from protocol.ids import new_id
from scripts.bench_sync import push_everything
from scripts.bench_world import Target, enroll, queue_operations, say, server_on


@dataclass
class Pushed:
    """One timed push: ops/s end to end, and per operation the server process's
    CPU µs and KB read and written."""

    rate: float
    cpu_us: float
    read_kb: float
    written_kb: float
    refresh_s: float
    """CPU seconds of one refresh of the facility's dashboard figures, after it."""


@dataclass
class OnTop:
    """Alternated pushes to an empty server and on top of many operations."""

    empty: list[Pushed]
    on_top: list[Pushed]

    def median(self, side: str, figure: str) -> float:
        return statistics.median(getattr(p, figure) for p in getattr(self, side))

    def slower(self, figure: str) -> list[float]:
        """Per pair, how much slower on top (wall: by rate; others: by cost)."""
        if figure == "rate":
            return [1 - t.rate / e.rate for e, t in zip(self.empty, self.on_top, strict=True)]
        return [getattr(t, figure) / getattr(e, figure) - 1
                for e, t in zip(self.empty, self.on_top, strict=True)]


@contextmanager
def server_push_cpu() -> Iterator[dict[str, float]]:
    """Seconds of CPU the server's push handling used, while inside (the server
    in this process only: the thread time of ``SyncService.push``)."""
    from server.core.service import SyncService

    spent = {"cpu": 0.0}
    original = SyncService.push

    def timed(self: SyncService, *args: Any) -> Any:
        started = time.thread_time()
        try:
            return original(self, *args)
        finally:
            spent["cpu"] += time.thread_time() - started

    SyncService.push = timed  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        SyncService.push = original  # type: ignore[method-assign]


def _timed_push(world: tuple[Any, ...], home: Path, count: int, seed: int, mrn: int,
                family: str) -> Pushed:
    settings, engine, server, facility = world
    session = enroll(settings, engine, server, facility, home, "bench.rm")
    queue_operations(session, count, seed=seed, first_mrn=mrn, family=family)
    with figures_held(engine, facility):
        _settle_wal(engine)
        with server.usage() as spent:
            rate = push_everything(session, server.url)
    session.lock()
    per_op = spent.per_op(count)
    return Pushed(rate, per_op["cpu_us"], per_op["read_kb"], per_op["written_kb"],
                  refresh_cpu_s(world))


@contextmanager
def figures_held(engine: Any, facility: str) -> Iterator[None]:
    """Hold the claim on the facility's dashboard figures (server/storage/claims.py)
    while inside, so the server leaves their refresh to "another process" and the
    push is measured alone. The server refreshes a facility's figures within a
    minute of any change, reading all its records, and whether a refresh landed in
    a timed window was chance: on top of 140,000 operations one pair of three
    measured 256 µs and 13.9 KB read per operation, the other two 112 µs and
    2.0-2.4 KB (docs/performance/sync-server.md, fifth round). Waits for a
    refresh already running."""
    from server.storage.claims import claim

    deadline = time.monotonic() + 120
    while True:
        with claim(engine, f"figures:{facility}") as held:
            if held:
                yield
                return
        if time.monotonic() > deadline:
            raise SystemExit("the server's figures refresh held its claim for 2 minutes")
        time.sleep(0.2)


def refresh_cpu_s(world: tuple[Any, ...]) -> float:
    """CPU seconds of one refresh of the facility's dashboard figures (what the
    server does in the background within a minute of a change), run here."""
    from server.portal import figures

    settings, engine, _server, facility = world
    started = time.process_time()
    figures.refresh(engine, settings, facility)
    return time.process_time() - started


def _settle_wal(engine: Any) -> None:
    """Copy an SQLite server's WAL into its database and empty it, so each timed
    push starts from the same place: else the push timed right after the seeding
    pays for checkpointing up to 32 MiB the seeder left in the WAL (the server
    checkpoints once 8,192 pages wait), and the one on a fresh server does not.
    The server is idle between pushes; nothing waits on this."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        raw.close()


def push_on_top(url: str | None, count: int, existing: int, tmp: Path,
                rounds: int) -> OnTop:
    """``rounds`` pairs: ``count`` operations pushed to a fresh empty server, then
    ``count`` to the server seeded with ``existing``. Each terminal admits residents
    of its own names and numbers: no push is slowed by finding others' duplicates."""
    result = OnTop([], [])
    with server_on(url, tmp / "seeded") as seeded:
        seeder = enroll(*seeded, tmp / "seeder", "bench.rm")
        queue_operations(seeder, existing, seed=12, first_mrn=200_000, family="Seed")
        push_everything(seeder, seeded[2].url)
        seeder.lock()
        for n in range(rounds):
            with server_on(url, tmp / f"empty{n}") as empty:
                result.empty.append(_timed_push(empty, tmp / f"first{n}", count, 11 + 10 * n,
                                                1_000_000 + 100_000 * n, f"First{n}x"))
            result.on_top.append(_timed_push(seeded, tmp / f"last{n}", count, 13 + 10 * n,
                                             3_000_000 + 100_000 * n, f"Last{n}x"))
    return result


def rss_mib(pid: int) -> float:
    """A process's resident set (VmRSS), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for process {pid}")


def decode_us_per_op(ops: int = 1000, rounds: int = 30) -> tuple[float, float]:
    """µs per operation decoding a push body of ``ops`` notes: the strict
    decoder (a hook per map) and the signed-body decoder (best of ``rounds``)."""
    notes = [{"id": new_id(), "seq": i + 1, "type": "create", "fac": new_id(),
              "user": new_id(), "at": 1_790_000_000_000 << 16, "schema": 1,
              "p": {"kind": "note", "id": new_id(), "fields": {
                  "resident_id": new_id(), "category": "nursing",
                  "clinical_time": "2026-11-02T09:00",
                  "body": "Comfortable, ate well, walked to the day room."}}}
             for i in range(ops)]
    body = encode({"ops": notes, "schema": 1, "proto": 2, "epoch": 0, "resume": False,
                   "gen": None})
    strict, signed = float("inf"), float("inf")
    for _ in range(rounds):  # interleaved: both see the same moments of a busy machine
        strict = min(strict, timeit.timeit(lambda: decode(body), number=3) / 3)
        signed = min(signed, timeit.timeit(lambda: decode_signed(body), number=3) / 3)
    return strict / ops * 1e6, signed / ops * 1e6



def server_scale(count: int, tmp: Path, targets: list[Target], *, rounds: int = 3) -> None:
    """The server's decoding, push on top of five times the operations (500,000
    in the full run), and a server process's memory after ``count`` pushed."""
    strict, signed = decode_us_per_op()
    say(f"  decoding a 1,000-operation push body: strict decoder {strict:.1f} µs/op, "
        f"signed-body decoder {signed:.1f} µs/op")
    existing = 5 * count
    top = push_on_top(None, count, existing, tmp / "on_top", rounds)
    for n, (e, t) in enumerate(zip(top.empty, top.on_top, strict=True)):
        say(f"  SQLite   push {count:,} ops, pair {n + 1}: empty {e.rate:,.0f} ops/s, "
            f"{e.cpu_us:.0f} µs/op, read {e.read_kb:.1f} KB/op, written {e.written_kb:.1f}; "
            f"on top of {existing + n * count:,}: {t.rate:,.0f} ops/s, {t.cpu_us:.0f} µs/op, "
            f"read {t.read_kb:.1f}, written {t.written_kb:.1f} (server process); dashboard "
            f"figures refresh {e.refresh_s:.2f} → {t.refresh_s:.2f} s CPU")
    wall = statistics.median(top.slower("rate"))
    cpu = statistics.median(top.slower("cpu_us"))
    say(f"  SQLite   push on top, median of {rounds} pairs: {wall:+.0%} wall, {cpu:+.0%} "
        f"server CPU ({top.median('empty', 'cpu_us'):.0f} → "
        f"{top.median('on_top', 'cpu_us'):.0f} µs/op), read "
        f"{top.median('empty', 'read_kb'):.1f} → {top.median('on_top', 'read_kb'):.1f} KB/op, "
        f"written {top.median('empty', 'written_kb'):.1f} → "
        f"{top.median('on_top', 'written_kb'):.1f} KB/op")
    targets.append(Target(f"push_on_{existing}_ops_slower_than_empty", wall, 0.10, "",
                          False))
    targets.append(Target(f"push_on_{existing}_ops_server_cpu_slower", cpu, 0.10, "", False))
    with server_on(None, tmp / "rss") as (settings, engine, server, facility):
        session = enroll(settings, engine, server, facility, tmp / "rss" / "terminal",
                         "bench.rm")
        queue_operations(session, count)
        rate = push_everything(session, server.url)
        rss = rss_mib(server.pid)
        session.lock()
    say(f"  server process (SQLite) after {count:,} pushed operations ({rate:,.0f} "
        f"ops/s): {rss:.0f} MiB resident")
    targets.append(Target(f"server_rss_mib_after_{count}_ops", rss, 150, "MiB", False))
