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
from pathlib import Path
from typing import Any

from protocol.codec import decode, decode_signed, encode
from protocol.ids import new_id
from server import admin
from server.settings import Settings
from server.storage.db import make_engine

ROOT = Path(__file__).resolve().parent.parent


def push_on_top(server_on: Callable[..., Any], enroll: Callable[..., Any],
                queue: Callable[..., int], push: Callable[[Any], float],
                url: str | None, count: int, existing: int, tmp: Path) -> tuple[float, float]:
    """ops/s pushing ``count`` operations to an empty server, and to the same
    server once it holds ``existing`` more."""
    with server_on(url, tmp) as (settings, engine, server, facility):
        first = enroll(settings, engine, server, facility, tmp / "first", "bench.rm")
        queue(first, count, seed=11, first_mrn=100_000)
        empty = push(first)
        seeder = enroll(settings, engine, server, facility, tmp / "seeder", "bench.rm")
        queue(seeder, existing, seed=12, first_mrn=200_000)
        push(seeder)
        last = enroll(settings, engine, server, facility, tmp / "last", "bench.rm")
        queue(last, count, seed=13, first_mrn=300_000)
        on_top = push(last)
        for session in (first, seeder, last):
            session.lock()
    return empty, on_top


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

