"""The floor the sync benchmark compares against, measured in the same run.

It does the least work the real path cannot avoid: read packed operations from
an SQLCipher-encrypted table, sign each batch as an Ed25519 envelope, POST it
over HTTP to an aiohttp handler that verifies the signature, decodes the body
with the same bounded codec, and inserts the rows raw with one executemany.
No merge rules, no idempotency, no audit chain: Chartkeep's push is judged as
a fraction of this.

The handler runs in its own process (``python scripts/bench_floor.py serve …``), as
the real server does in scripts/bench; ``in_process=True`` runs it in a thread of
the measuring process, the shape of every floor figure before 2026-12-07.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from protocol.codec import encode
from protocol.ids import new_id
from protocol.signing import new_private_key, open_envelope, public_bytes, seal

BATCH = 500


def sample_op(seq: int, facility: str, resident: str) -> dict[str, Any]:
    return {"id": new_id(), "seq": seq, "type": "create", "fac": facility, "user": "U",
            "at": seq, "schema": 1,
            "p": {"kind": "note", "id": new_id(), "fields": {
                "resident_id": resident, "category": "progress",
                "clinical_time": "2026-11-20T08:00",
                "body": "Resident ate breakfast, walked with a frame, no complaints."}}}


@contextmanager
def _floor_server(db_path: Path, public_key: bytes) -> Iterator[str]:
    conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE ops (terminal TEXT, seq INTEGER, op_id TEXT, body BLOB)")

    def ingest(data: bytes) -> int:
        envelope = open_envelope(data)
        envelope.verify(public_key)
        ops = envelope.decoded_body()["ops"]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO ops VALUES (?, ?, ?, ?)",
                         [(envelope.sender, op["seq"], op["id"], encode(op["p"])) for op in ops])
        conn.execute("COMMIT")
        return len(ops)

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        count = await asyncio.get_running_loop().run_in_executor(None, ingest, body)
        return web.Response(body=encode({"n": count}))

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_post("/floor", handle)
    ready = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        holder["port"] = runner.addresses[0][1]
        holder["loop"], holder["runner"] = loop, runner
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"127.0.0.1:{holder['port']}"
    finally:
        holder["loop"].call_soon_threadsafe(holder["loop"].stop)
        thread.join(10)
        conn.close()


@contextmanager
def _floor_process(db_path: Path, public_key: bytes) -> Iterator[tuple[str, int]]:
    """The floor's server in a child process: (address, pid)."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "serve", str(db_path),
         public_key.hex()], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        if not address:
            raise RuntimeError("the floor's server process did not start")
        yield address, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def _serve(db_path: Path, public_key: bytes) -> None:
    """``bench_floor.py serve DB KEY``: print the address, serve until SIGTERM."""
    from server.http.runner import tune_gc

    stop = threading.Event()
    tune_gc()  # as `chartkeep-server serve` does after start-up
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with _floor_server(db_path, public_key) as address:
        print(address, flush=True)
        stop.wait()


@dataclass
class Floor:
    """Operations per second through the floor pipeline; CPU µs per operation of
    the measuring process (with ``in_process``, the server's included) and of the
    server's own process (None in process)."""

    rate: float
    client_us: float
    server_us: float | None

    @property
    def cpu_us(self) -> float:
        """All the floor's CPU per operation, both sides."""
        return self.client_us + (self.server_us or 0.0)


def measure_floor(n_ops: int, *, in_process: bool = False) -> Floor:
    """The floor pipeline over ``n_ops`` operations (the handler in its own process,
    or with ``in_process`` in a thread of this one)."""
    from scripts.bench_world import process_cpu_s

    with tempfile.TemporaryDirectory(prefix="chartkeep-floor-") as tmp:
        tmp_path = Path(tmp)
        key = new_private_key()
        store = sqlcipher3.connect(str(tmp_path / "terminal.db"))
        store.execute(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\"")
        store.execute("CREATE TABLE outbox (seq INTEGER PRIMARY KEY, payload BLOB)")
        facility, resident = new_id(), new_id()
        store.executemany("INSERT INTO outbox VALUES (?, ?)",
                          [(i, encode(sample_op(i, facility, resident)))
                           for i in range(1, n_ops + 1)])
        store.commit()
        from protocol.codec import decode

        server = (_floor_server(tmp_path / "floor.db", public_bytes(key)) if in_process
                  else _floor_process(tmp_path / "floor.db", public_bytes(key)))
        with server as served:
            address, pid = (served, None) if isinstance(served, str) else served
            connection = http.client.HTTPConnection(address, timeout=60)
            cpu0 = process_cpu_s(pid) if pid else 0.0
            client0 = time.process_time()
            started = time.perf_counter()
            sent, counter = 0, 0
            while sent < n_ops:
                rows = store.execute("SELECT payload FROM outbox WHERE seq > ? ORDER BY seq "
                                     "LIMIT ?", (sent, BATCH)).fetchall()
                counter += 1
                ops = [decode(row[0]) for row in rows]
                body = seal(key, "push", "T", counter, {"ops": ops, "schema": 1}).to_bytes()
                connection.request("POST", "/floor", body=body,
                                   headers={"Content-Type": "application/x-msgpack"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"floor server answered {response.status}")
                sent += len(ops)
            elapsed = time.perf_counter() - started
            client_us = (time.process_time() - client0) / n_ops * 1e6
            server_us = (process_cpu_s(pid) - cpu0) / n_ops * 1e6 if pid else None
            connection.close()
        store.close()
    return Floor(n_ops / elapsed, client_us, server_us)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        _serve(Path(sys.argv[2]), bytes.fromhex(sys.argv[3]))
    else:
        count = int(os.environ.get("N", "20000"))
        floor = measure_floor(count, in_process="--in-process" in sys.argv)
        server = "" if floor.server_us is None else f", server CPU {floor.server_us:.0f} µs/op"
        print(f"floor: {floor.rate:,.0f} ops/s over {count} ops, "
              f"CPU {floor.client_us:.0f} µs/op{server}")
