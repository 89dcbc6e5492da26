"""The sync figures of scripts/bench: push end to end and a fresh terminal's pull +
apply (scripts/bench_world.py builds the world), terminal unlock, and the clerk's
app on a large census.

Push is measured end to end: operations already in a terminal's encrypted outbox →
signed push envelopes → the real server over loopback HTTP (merge rules, idempotency
bookkeeping, the hash-chained audit log) → results stored back in the terminal.
Pull is a fresh terminal pulling and applying every change.

Besides the rates, CPU per operation: this process's (the terminal's, when the
server runs in its own process) and the server's (its whole process from /proc; in
process, the thread time of ``SyncService.push`` only, the one part of the server
that can be told apart from the terminal there).
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from client import terminal
from client.errors import SyncError
from client.session import Session
from client.store.database import OUTBOX
from client.sync.counts import Counts
from client.sync.engine import SyncEngine
from client.views import SyncReport
from scripts.bench_world import PASSWORD, enroll, queue_operations, server_on, timed


def push_and_pull(url: str | None, count: int, tmp: Path, *, in_process: bool = False
                  ) -> dict[str, float]:
    """ops/s for push (end to end) and for a fresh terminal's pull-and-apply, with
    CPU µs per operation: ``terminal_*`` this process's, ``server_*`` the server's
    (its process; in process, its push handling thread only, and no pull figure)."""
    from scripts.bench_server import server_push_cpu

    with server_on(url, tmp, in_process=in_process) as (settings, engine, server, facility):
        writer = enroll(settings, engine, server, facility, tmp / "writer", "bench.rm")
        queued = queue_operations(writer, count)
        usage = nullcontext(None) if in_process else server.usage()
        thread = server_push_cpu() if in_process else nullcontext(None)
        cpu0 = time.process_time()
        with usage as spent, thread as handling:
            push_rate = push_everything(writer, server.url)
        figures = {"push": push_rate, "queued": queued,
                   "terminal_push_us": (time.process_time() - cpu0) / queued * 1e6,
                   "server_push_us": (handling["cpu"] if in_process else spent.cpu_s)
                   / queued * 1e6}
        reader = enroll(settings, engine, server, facility, tmp / "reader", "bench.clerk")
        usage = nullcontext(None) if in_process else server.usage()
        cpu0 = time.process_time()
        with usage as spent, timed() as pull_time:
            pulled = reader.sync()
        if pulled.error:
            raise SystemExit(f"pull did not complete: {pulled.error}")
        figures.update(pull=pulled.pulled / pull_time(), pulled=pulled.pulled,
                       terminal_pull_us=(time.process_time() - cpu0) / pulled.pulled * 1e6)
        if not in_process:
            figures["server_pull_us"] = spent.cpu_s / pulled.pulled * 1e6
        writer.lock()
        reader.lock()
        return figures


def push_everything(session: Session, url: str) -> float:
    """Push a terminal's whole outbox, timed; ops/s (stops the bench if any is left)."""
    with session.store.read() as conn:
        queued = conn.execute(sa.select(sa.func.count()).select_from(OUTBOX).where(
            OUTBOX.c.status == "pending")).scalar_one()
    sync = SyncEngine(session.store, _http(url), clock=session.clock,
                      terminal_id=session.terminal_id, facility_id=session.facility_id,
                      sleep=time.sleep)
    with timed() as push_time:
        report = push_alone(sync)
    if report.error or report.applied + report.conflicts != queued:
        raise SystemExit(f"push did not complete: {report}")
    return float(queued) / push_time()


def push_alone(engine: SyncEngine) -> SyncReport:
    """The push half of a sync round, timed alone (a clerk's sync always pulls
    after it); its counts as a report, with the error that stopped it if any."""
    counts = Counts()
    try:
        engine.push.run(counts, lambda _progress: None)
    except SyncError as exc:
        return counts.report(exc.message)
    return counts.report(None)


def _http(url: str) -> Any:
    from client.sync.transport import HttpTransport

    return HttpTransport(url)


def unlock_seconds(tmp: Path) -> float:
    """Deriving the key (Argon2id, 64 MiB, t=3) and opening the store."""
    with server_on(None, tmp) as (settings, engine, server, facility):
        session = enroll(settings, engine, server, facility, tmp / "unlock", "bench.rm")
        session.lock()
        times = []
        for _ in range(3):
            with timed() as took:
                terminal.unlock(tmp / "unlock", "bench.rm", PASSWORD).lock()
            times.append(took())
    return sorted(times)[1]


def census_app(tmp: Path, residents: int) -> tuple[float, float]:
    """Start-to-census and filter times of the app on a terminal holding
    ``residents`` residents (pulled from the server, as a real terminal gets them)."""
    from scripts.bench_app import time_to_census, time_to_filter

    with server_on(None, tmp) as (settings, engine, server, facility):
        writer = enroll(settings, engine, server, facility, tmp / "seed", "bench.rm")
        queue_operations(writer, 2 * residents + 1, residents=residents, admit=True)
        if writer.sync().error:
            raise SystemExit("seeding the census failed")
        home = tmp / "census"
        reader = enroll(settings, engine, server, facility, home, "bench.clerk")
        reader.sync()
        reader.lock()
        writer.lock()
        start = time_to_census(home, "bench.clerk", PASSWORD)
        filter_s = sorted(time_to_filter(home, "bench.clerk", PASSWORD, query=q)
                          for q in ("family0", "family09", "bm9000"))[1]
    return start, filter_s
