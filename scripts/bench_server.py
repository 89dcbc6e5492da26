"""The server's own figures for scripts/bench: push on top of many operations,
the memory of a real server process after a long push, and the cost of
decoding a signed push body.

Push on top: one server takes ``count`` operations from a terminal (timed: the
server holds nothing yet), then ``existing`` more from another terminal
(untimed), then ``count`` again from a third (timed). The two timed figures come
from the same server in the same run, so the ratio shows what the stored data
costs, not the machine's mood.

Memory: ``chartkeep-server serve`` in its own process (SQLite), ``count``
operations pushed to it over loopback, then its resident set read from /proc.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import timeit
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.codec import decode, decode_signed, encode
from protocol.ids import new_id
from server import admin
from server.settings import Settings
from server.storage.db import make_engine

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class OnTop:
    """Push to an empty server and on top of many operations: ops/s end to end,
    and the server's own CPU per operation (thread time in SyncService.push,
    which a busy machine does not blur the way it blurs wall time)."""

    empty: float
    on_top: float
    empty_cpu_us: float
    on_top_cpu_us: float


@contextmanager
def server_push_cpu() -> Iterator[dict[str, float]]:
    """Seconds of CPU the server's push handling used, while inside."""
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


def push_on_top(server_on: Callable[..., Any], enroll: Callable[..., Any],
                queue: Callable[..., int], push: Callable[[Any], float],
                url: str | None, count: int, existing: int, tmp: Path) -> OnTop:
    """Pushing ``count`` operations to an empty server, and to the same server
    once it holds ``existing`` more. Each terminal admits residents of its own
    names and numbers: no push is slowed by finding the others' as duplicates."""
    with server_on(url, tmp) as (settings, engine, server, facility):
        first = enroll(settings, engine, server, facility, tmp / "first", "bench.rm")
        queue(first, count, seed=11, first_mrn=100_000, family="First")
        with server_push_cpu() as spent_empty:
            empty = push(first)
        seeder = enroll(settings, engine, server, facility, tmp / "seeder", "bench.rm")
        queue(seeder, existing, seed=12, first_mrn=200_000, family="Seed")
        push(seeder)
        last = enroll(settings, engine, server, facility, tmp / "last", "bench.rm")
        queue(last, count, seed=13, first_mrn=300_000, family="Last")
        with server_push_cpu() as spent_on_top:
            on_top = push(last)
        for session in (first, seeder, last):
            session.lock()
    return OnTop(empty, on_top, spent_empty["cpu"] / count * 1e6,
                 spent_on_top["cpu"] / count * 1e6)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(tmp: Path) -> Iterator[tuple[Settings, Any, str, str, int]]:
    """``chartkeep-server serve`` in its own process on SQLite, with the bench's
    facility and users: (settings, engine, url, facility, pid)."""
    data = tmp / "server"
    cli = [sys.executable, "-m", "server", "--data-dir", str(data)]
    subprocess.run([*cli, "init"], check=True, cwd=ROOT, capture_output=True)
    settings = Settings(data_dir=data, database_url="")
    engine = make_engine(settings.database_url)
    facility = admin.create_facility(engine, settings, name="Bench Manor", state="OH",
                                     mrn_prefix="BM")
    unit = admin.create_unit(engine, settings, facility_id=facility, name="North")
    admin.create_bed(engine, settings, unit_id=unit, label="101-A")
    for username, role in (("bench.rm", "records_manager"), ("bench.clerk", "clerk")):
        admin.create_user(engine, settings, facility_id=facility, username=username, role=role)
    port = _free_port()
    proc = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, proc)
        yield settings, engine, url, facility, proc.pid
    finally:
        proc.terminate()
        proc.wait(30)
        engine.dispose()


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server process stopped while starting")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):  # noqa: S310  loopback URL built here
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server process did not start within 60 s")


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



@dataclass
class Harness:
    """What scripts/bench lends the server's figures: its world and its report."""

    server_on: Callable[..., Any]
    enroll: Callable[..., Any]
    queue: Callable[..., int]
    push: Callable[[Any], float]
    say: Callable[[str], None]
    target: Callable[..., Any]


def server_scale(count: int, tmp: Path, targets: list[Any], bench: Harness) -> None:
    """The server's decoding, push on top of five times the operations (500,000
    in the full run), and a server process's memory after ``count`` pushed."""
    strict, signed = decode_us_per_op()
    bench.say(f"  decoding a 1,000-operation push body: strict decoder {strict:.1f} µs/op, "
              f"signed-body decoder {signed:.1f} µs/op")
    existing = 5 * count
    top = push_on_top(bench.server_on, bench.enroll, bench.queue, bench.push, None, count,
                      existing, tmp / "on_top")
    slower = 1 - top.on_top / top.empty
    cpu_slower = top.on_top_cpu_us / top.empty_cpu_us - 1
    bench.say(f"  SQLite   push {count:,} ops: empty server {top.empty:,.0f} ops/s "
              f"(server CPU {top.empty_cpu_us:.0f} µs/op), on top of {existing + count:,} "
              f"{top.on_top:,.0f} ops/s ({top.on_top_cpu_us:.0f} µs/op): {slower:+.0%} wall, "
              f"{cpu_slower:+.0%} server CPU")
    targets.append(bench.target(f"push_on_{existing}_ops_slower_than_empty", slower, 0.10,
                                "", False))
    targets.append(bench.target(f"push_on_{existing}_ops_server_cpu_slower", cpu_slower,
                                0.10, "", False))
    with server_process(tmp / "rss") as (settings, engine, url, facility, pid):
        session = bench.enroll(settings, engine, url, facility, tmp / "rss" / "terminal",
                               "bench.rm")
        bench.queue(session, count)
        rate = bench.push(session)
        rss = rss_mib(pid)
        session.lock()
    bench.say(f"  server process (SQLite) after {count:,} pushed operations ({rate:,.0f} "
              f"ops/s): {rss:.0f} MiB resident")
    targets.append(bench.target(f"server_rss_mib_after_{count}_ops", rss, 150, "MiB", False))
