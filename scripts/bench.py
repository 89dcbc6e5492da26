"""Chartkeep benchmarks: sync throughput against a floor measured in the same
run, terminal unlock, and the clerk's app on a 10,000-resident census.

    scripts/bench            # 100,000 operations; figures for docs/performance.md
    scripts/bench --quick    # smaller data, under a minute

Push is measured end to end: operations already in a terminal's encrypted
outbox → signed push envelopes → the real server over loopback HTTP (merge
rules, idempotency bookkeeping, the hash-chained audit log) → results stored
back in the terminal. The floor (scripts/bench_floor.py) does the unavoidable
part of that path by hand. Pull is a fresh terminal pulling and applying every
change. The last lines are one per target: ``<target> <measured> <goal> ok|short``.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from client import terminal
from client.clock import ManualClock
from client.errors import SyncError
from client.session import Session
from client.store.database import OUTBOX
from client.store.outbox import next_seq
from client.sync.counts import Counts
from client.sync.engine import SyncEngine
from client.views import SyncReport
from protocol.codec import encode
from protocol.ids import new_id
from scripts.bench_floor import measure_floor
from scripts.bench_portal import portal_pages
from server import admin
from server.http.runner import ServerThread, tune_gc
from server.settings import Settings
from server.storage.db import make_engine

PASSWORD = "benchmarks are measured not guessed"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@dataclass
class Target:
    name: str
    measured: float
    goal: float
    unit: str
    higher_is_better: bool

    @property
    def ok(self) -> bool:
        return self.measured >= self.goal if self.higher_is_better else self.measured <= self.goal

    def line(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        return (f"{self.name} {_figure(self.measured)}{self.unit} "
                f"{sign}{_figure(self.goal)}{self.unit} {'ok' if self.ok else 'short'}")


def _figure(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def say(text: str = "") -> None:
    print(text, flush=True)


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    elapsed: list[float] = []
    yield lambda: elapsed[0] if elapsed else time.perf_counter() - started
    elapsed.append(time.perf_counter() - started)


# --- the world -----------------------------------------------------------------------------


@contextmanager
def server_on(url: str | None, tmp: Path) -> Iterator[tuple[Settings, Any, ServerThread, str]]:
    """A real server on SQLite (url None) or in a fresh PostgreSQL schema."""
    schema = None
    if url is not None:
        schema = f"ckbench_{new_id().lower()[-10:]}"
        base = sa.create_engine(url)
        with base.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        base.dispose()
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}options=-csearch_path%3D{schema}"
    settings = Settings(data_dir=tmp / "server", database_url=url or "")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server = ServerThread(settings).start()
    engine = make_engine(settings.database_url)
    try:
        facility = admin.create_facility(engine, settings, name="Bench Manor", state="OH",
                                         mrn_prefix="BM")
        unit = admin.create_unit(engine, settings, facility_id=facility, name="North")
        admin.create_bed(engine, settings, unit_id=unit, label="101-A")
        for username, role in (("bench.rm", "records_manager"), ("bench.clerk", "clerk")):
            admin.create_user(engine, settings, facility_id=facility, username=username,
                              role=role)
        yield settings, engine, server, facility
    finally:
        server.stop()
        engine.dispose()
        if schema is not None and url is not None:
            base = sa.create_engine(url.split("?")[0])
            with base.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            base.dispose()


def enroll(settings: Settings, engine: Any, server: ServerThread | str, facility: str,
           home: Path, username: str) -> Session:
    """A terminal enrolled with ``server`` (a ServerThread, or a server's URL)."""
    code = admin.issue_code(engine, settings, facility_id=facility)
    url = server if isinstance(server, str) else server.url
    return terminal.enroll(home, url, code, home.name, username, PASSWORD,
                           clock=ManualClock(START))


def queue_operations(session: Session, count: int, *, residents: int = 200,
                     seed: int = 7, admit: bool = False, first_mrn: int = 900_000,
                     family: str = "Family") -> int:
    """Fill the terminal's encrypted outbox with a clinical mix, as a busy
    terminal's offline backlog: new residents, then notes (70 %), demographic
    edits with correct base versions (20 %) and worked hours (10 %)."""
    rng = random.Random(seed)
    global _ids_made_until  # noqa: PLW0603 - one timeline for every terminal of the run
    now = max(session.clock.ms(), _ids_made_until)
    rows: list[dict[str, Any]] = []
    with session.store.write() as conn:
        seq = next_seq(conn)

        def new_id_now() -> str:
            # Each id a millisecond after the last, as a clerk's operations are made one
            # after another: ids in time order, as real terminals make them. (With one
            # frozen time all ids shared a millisecond and sorted at random, so every
            # index on them took inserts all over: a cost no terminal causes.)
            nonlocal now
            now += 1
            return new_id(now)

        def add(op_type: str, kind: str, record_id: str, payload: dict[str, Any],
                subject: str | None) -> None:
            nonlocal seq
            rows.append({"seq": seq, "op_id": new_id_now(), "op_type": op_type, "kind": kind,
                         "record_id": record_id, "subject_id": subject,
                         "user_id": session.user.id, "recorded_at": (now << 16) + seq,
                         "schema_version": 1, "payload": encode(payload), "created_at": now,
                         "status": "pending", "flags": "", "summary": f"{op_type} {kind}"})
            seq += 1

        resident_ids = []
        for i in range(min(residents, count)):
            rid = new_id_now()
            resident_ids.append(rid)
            add("create", "resident", rid, {"kind": "resident", "id": rid, "fields": {
                "mrn": f"BM{first_mrn + i}", "family_name": f"{family}{i:05d}",
                "given_name": "Pat", "birth_date": "1940-01-01", "sex": "female",
                "phone": "555-0100"}}, rid)
        if admit:  # in house, awaiting a bed: on the census's default list
            for rid in resident_ids:
                stay_id = new_id_now()
                add("command", "stay", stay_id, {"name": "admit", "args": {
                    "stay_id": stay_id, "resident_id": rid, "admitted_at": "2026-11-01"}},
                    rid)
        staff_id = new_id_now()
        add("create", "staff", staff_id, {"kind": "staff", "id": staff_id, "fields": {
            "employee_id": "E-1", "family_name": "Reyes", "given_name": "Maria",
            "job_title_code": 10, "pay_type_code": 2}}, staff_id)
        versions = dict.fromkeys(resident_ids, 1)
        while len(rows) < count:
            roll = rng.random()
            rid = rng.choice(resident_ids)
            if roll < 0.7:
                nid = new_id_now()
                add("create", "note", nid, {"kind": "note", "id": nid, "fields": {
                    "resident_id": rid, "category": "nursing",
                    "clinical_time": "2026-11-02T09:00",
                    "body": "Comfortable, ate well, walked to the day room."}}, rid)
            elif roll < 0.9:
                add("update", "resident", rid, {"kind": "resident", "id": rid, "changes": {
                    "phone": [f"555-{rng.randrange(10000):04d}", versions[rid]]}}, rid)
                versions[rid] += 1
            else:
                hid = new_id_now()
                add("create", "hours", hid, {"kind": "hours", "id": hid, "fields": {
                    "staff_id": staff_id, "work_date": "2026-11-01", "hours": "7.50",
                    "job_title_code": 10, "pay_type_code": 2}}, staff_id)
        for start in range(0, len(rows), 5000):
            conn.execute(OUTBOX.insert(), rows[start:start + 5000])
    _ids_made_until = now
    return len(rows)


_ids_made_until = 0
"""The time of the last id :func:`queue_operations` made, in this run: a terminal
queued later makes later ids, as on a server that has run for a while."""


def push_and_pull(url: str | None, count: int, tmp: Path) -> dict[str, float]:
    """ops/s for push (end to end) and for a fresh terminal's pull-and-apply."""
    with server_on(url, tmp) as (settings, engine, server, facility):
        writer = enroll(settings, engine, server, facility, tmp / "writer", "bench.rm")
        queued = queue_operations(writer, count)
        push_rate = push_everything(writer, server.url)
        reader = enroll(settings, engine, server, facility, tmp / "reader", "bench.clerk")
        with timed() as pull_time:
            pulled = reader.sync()
        if pulled.error:
            raise SystemExit(f"pull did not complete: {pulled.error}")
        writer.lock()
        reader.lock()
        return {"push": push_rate, "pull": pulled.pulled / pull_time(),
                "pulled": pulled.pulled, "queued": queued}


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


def compliance_figures(tmp: Path, targets: list[Target], *, facilities: int) -> None:
    """A 120-bed facility at a terminal; one report for many facilities at the server."""
    from scripts.bench_compliance import (
        command_seconds,
        facility_rows,
        fill_server,
        fill_terminal,
        server_seconds,
        terminal_seconds,
    )
    from server.reports.workers import default_processes

    with server_on(None, tmp) as (settings, engine, server, facility):
        session = enroll(settings, engine, server, facility, tmp / "compliance", "bench.rm")
        rows = facility_rows(facility)
        fill_terminal(session, rows)
        hours = sum(1 for r in rows if r["kind"] == "hours")
        figures = terminal_seconds(session)
        session.lock()
        say(f"  compliance at a terminal, 120 beds, 150 staff, {hours:,} shifts in 90 days: "
            f"floor (read + decode) {figures['floor']:.2f} s, staffing compliance "
            f"{figures['staffing']:.2f} s, PBJ file {figures['pbj']:.2f} s")
        targets.append(Target("terminal_quarter_staffing_s", figures["staffing"], 1.0, "s",
                              False))
        targets.append(Target("terminal_pbj_export_s", figures["pbj"], 1.0, "s", False))
        ids = fill_server(engine, settings, facilities)
        server_figures = server_seconds(engine, ids)
        say(f"  server, {facilities} such facilities: floor (read + decode) "
            f"{_wall_cpu(server_figures, 'floor')}, census statistics "
            f"{_wall_cpu(server_figures, 'census_stats')}, staffing over the quarter "
            f"{_wall_cpu(server_figures, 'staffing')}")
        command, command_cpu = command_seconds(settings, ids, tmp / "reports")
        say(f"  chartkeep-server report staffing-quarter --facility … ({facilities} CSV "
            f"files, {min(default_processes(), facilities)} worker processes): {command:.2f} s "
            f"(CPU {command_cpu:.2f} s, the command and its workers)")
        targets.append(Target(f"server_census_stats_{facilities}_facilities_s",
                              server_figures["census_stats"], 5.0, "s", False))
        targets.append(Target(f"server_staffing_quarter_{facilities}_facilities_s",
                              server_figures["staffing"], 5.0, "s", False))
        targets.append(Target(f"server_staffing_quarter_{facilities}_facilities_command_s",
                              command, 5.0, "s", False))


def _wall_cpu(figures: dict[str, float], key: str) -> str:
    """Wall seconds, then this process's CPU seconds: on a machine shared with other
    work, the gap between the two is time spent waiting for a core."""
    return f"{figures[key]:.2f} s (CPU {figures[key + '_cpu']:.2f} s)"


def postgres_url(requested: str | None, *, skip: bool) -> str | None:
    if skip:
        return None
    url = requested or os.environ.get("CHARTKEEP_BENCH_POSTGRES_URL") or DEFAULT_PG
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available", said below
        say(f"PostgreSQL not available ({type(exc).__name__}); its figures are skipped.")
        return None
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller data, under a minute")
    parser.add_argument("--ops", type=int, help="operations to push (default 100000, quick 10000)")
    parser.add_argument("--postgres-url", help=f"PostgreSQL to measure (default {DEFAULT_PG})")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-app", action="store_true", help="skip the terminal app figures")
    parser.add_argument("--no-sync", action="store_true",
                        help="skip the sync, unlock and app figures (compliance only)")
    parser.add_argument("--no-portal", action="store_true", help="skip the portal's pages")
    parser.add_argument("--no-scale", action="store_true",
                        help="skip push on top of 5x the operations and the server's memory")
    args = parser.parse_args(argv)
    # The servers measured seal their signing key with a passphrase (made up here).
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", secrets.token_urlsafe(24))
    count = args.ops or (10_000 if args.quick else 100_000)
    residents = 2_000 if args.quick else 10_000
    pg = postgres_url(args.postgres_url, skip=args.no_postgres)
    tmp = Path(tempfile.mkdtemp(prefix="chartkeep-bench-"))
    targets: list[Target] = []
    # The measured servers run in this process: tune its collector the way
    # `chartkeep-server serve` does after start-up (the floor runs under it too).
    tune_gc()
    try:
        say(f"Chartkeep benchmark — {count:,} operations, {os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]}")
        compliance_figures(tmp / "compliance", targets, facilities=10 if args.quick else 50)
        if args.no_sync:
            say()
            for target in targets:
                say(target.line())
            return 0
        floor = measure_floor(min(count, 50_000))
        say(f"  floor (encrypted read + sign + HTTP + verify + raw insert): {floor:,.0f} ops/s")
        sqlite = push_and_pull(None, count, tmp / "sqlite")
        say(f"  SQLite   push {sqlite['push']:>9,.0f} ops/s  ({sqlite['push'] / floor:.0%} of "
            f"floor)   pull+apply {sqlite['pull']:>9,.0f} records/s ({sqlite['pulled']:,.0f})")
        targets.append(Target("push_sqlite_ops_per_s", sqlite["push"], 10_000, "", True))
        targets.append(Target("push_sqlite_vs_floor", sqlite["push"] / floor, 0.25, "", True))
        targets.append(Target("pull_apply_ops_per_s", sqlite["pull"], 30_000, "", True))
        if pg:
            post = push_and_pull(pg, count, tmp / "postgres")
            say(f"  Postgres push {post['push']:>9,.0f} ops/s  ({post['push'] / floor:.0%} of "
                f"floor)   pull+apply {post['pull']:>9,.0f} records/s ({post['pulled']:,.0f})")
            targets.append(Target("push_postgres_ops_per_s", post["push"], 8_000, "", True))
        if not args.no_scale:
            from scripts.bench_server import Harness, server_scale

            server_scale(count, tmp, targets, Harness(
                server_on, enroll, queue_operations,
                lambda session: push_everything(session, session.server_url), say, Target))
        unlock = unlock_seconds(tmp / "unlock")
        say(f"  terminal unlock (Argon2id 64 MiB, t=3, + open store): {unlock:.2f} s")
        targets.append(Target("unlock_s", unlock, 1.0, "s", False))
        if not args.no_app:
            start, filter_s = census_app(tmp / "app", residents)
            say(f"  app, {residents:,} residents: start to census {start:.2f} s, "
                f"filter {filter_s * 1000:.0f} ms")
            targets.append(Target(f"app_start_to_census_{residents}_s", start, 2.0, "s", False))
            targets.append(Target(f"app_filter_{residents}_ms", filter_s * 1000, 100, "ms",
                                  False))
        if not args.no_portal:
            pages = portal_pages(tmp / "portal", facilities=50,
                                 residents=50 if args.quick else 200)
            for page, (median, p95) in pages.items():
                say(f"  portal, 50 facilities, {page:34} median {median:5.1f} ms  "
                    f"p95 {p95:5.1f} ms")
            targets.append(Target("portal_page_p95_ms_50_facilities",
                                  max(p95 for name, (_, p95) in pages.items()
                                      if name.startswith("/")), 200, "ms", False))
        say()
        for target in targets:
            say(target.line())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
