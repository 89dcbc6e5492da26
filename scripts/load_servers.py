"""The servers ``scripts/load`` (and ``scripts/bench``) measure: a fresh server
database (an SQLite file, or a new PostgreSQL schema), ``chartkeep-server serve``
processes on loopback started and stopped, and the request statistics each
process keeps (``/v1/stats``), with the difference between two readings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from protocol.ids import new_id
from server.settings import Settings
from server.storage.db import make_engine
from server.storage.setup import initialise

# --- the servers -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def database(url: str | None, tmp: Path) -> Iterator[tuple[Settings, sa.Engine]]:
    """A fresh, initialised server database: an SQLite file, or a new schema."""
    schema = None
    if url is not None:
        schema = f"ckload_{new_id().lower()[-10:]}"
        base = sa.create_engine(url, connect_args={"connect_timeout": 5})
        with base.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        base.dispose()
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    settings = Settings(data_dir=tmp / "server", database_url=url or "")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        initialise(engine, settings)
        yield settings, engine
    finally:
        engine.dispose()
        if schema is not None and url is not None:
            base = sa.create_engine(url.split("?")[0])
            with base.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            base.dispose()


@contextmanager
def server_processes(settings: Settings, count: int, logs: Path) -> Iterator[list[Any]]:
    """``count`` server processes on loopback; yields (url, Popen) pairs."""
    env = {**os.environ, "CHARTKEEP_SERVER_REQUEST_STATS": "1",
           "CHARTKEEP_SERVER_KEY_PASSPHRASE": settings.key_passphrase or "",
           "PYTHONPATH": str(ROOT)}
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for n in range(count):
            port = _free_port()
            out = (logs / f"server{n}.log").open("wb")
            process = subprocess.Popen(
                [sys.executable, "-m", "server", "--database-url", settings.database_url,
                 "--data-dir", str(settings.data_dir), "serve", "--host", "127.0.0.1",
                 "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
            started.append((f"http://127.0.0.1:{port}", process))
        for url, process in started:
            _wait_healthy(url, process, logs)
        yield started
    finally:
        for _url, process in started:
            process.send_signal(signal.SIGTERM)
        for _url, process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server process ended at start; see {logs}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"a server process did not answer /health in 60 s; see {logs}")


def server_stats(urls: list[str]) -> list[dict[str, Any]]:
    out = []
    for url in urls:
        with urllib.request.urlopen(f"{url}/v1/stats", timeout=10) as answer:  # noqa: S310 - loopback
            out.append(json.loads(answer.read()))
    return out


def stats_delta(before: list[dict[str, Any]], after: list[dict[str, Any]]
                ) -> tuple[dict[str, dict[int, int]], dict[str, dict[str, int]], list[float]]:
    """Per kind: the histogram and status counts of the requests between two
    snapshots, all processes added up; and each process's CPU seconds."""
    buckets: dict[str, dict[int, int]] = {}
    statuses: dict[str, dict[str, int]] = {}
    cpu = []
    for b, a in zip(before, after, strict=True):
        cpu.append(a["cpu_s"] - b["cpu_s"])
        for kind, entry in a["kinds"].items():
            earlier = b["kinds"].get(kind, {"buckets": {}, "status": {}})
            hist = buckets.setdefault(kind, {})
            for index, n in entry["buckets"].items():
                delta = n - earlier["buckets"].get(index, 0)
                if delta:
                    hist[int(index)] = hist.get(int(index), 0) + delta
            counts = statuses.setdefault(kind, {})
            for klass, n in entry["status"].items():
                counts[klass] = counts.get(klass, 0) + n - earlier["status"].get(klass, 0)
    return buckets, statuses, cpu
