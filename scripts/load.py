"""Chartkeep under load: many terminals syncing at once against real server processes.

    scripts/load                      # 100 simulated terminals, 5 facilities:
                                      # at the real pace (each syncs every 60 s,
                                      # 120 s), then at the stress pace (each
                                      # every ~1 s, 60 s); 2 processes on
                                      # PostgreSQL, then 1 on SQLite; then 10
                                      # real terminal engines end to end
    scripts/load --pace stress        # the stress pace only
    scripts/load --backend sqlite --terminals 4 --facilities 2 --duration 5 --engines 2

Everything runs on this machine over loopback: the servers are started here
(``chartkeep-server serve`` on 127.0.0.1, with request timing on) on a fresh
SQLite file or a fresh schema of the PostgreSQL database named by
``--postgres-url`` (default: database ``test``, as scripts/bench), and stopped at the
end. The run is bounded in time (``--duration``, ``--real-duration``) and in count
(``--rounds`` per terminal).

Two paces, reported apart and never mixed:

* **real**: each terminal syncs on a fixed schedule, every ``--interval`` seconds
  (60: the terminal app's background sync, ``CHARTKEEP_AUTO_SYNC_SECONDS``), from
  a random start within the first period: 100 terminals connected at once. The
  targets are read at this pace.
* **stress**: each terminal pauses at random (exponential, mean ``--think``, 1 s)
  between exchanges: about 60 times the real rate, to find the servers' capacity
  and their CPU per exchange. Its lines carry ``_stress`` in their names.

Simulated terminals (scripts/load_terminals.py) push pre-built signed batches
and pull everything new; their Python work is small, so the figures are the
servers'. A smaller run of real terminal engines (``--engines``) then syncs end
to end and checks that every terminal of a facility ends with the same records.

Reported per backend and pace: latency p50/p95/p99 per request kind measured
inside the servers (``GET /v1/stats``, server/http/request_stats.py) and at the
terminals (each request, and the whole exchange: a push and the pulls after it),
errors, throughput, and the server processes' CPU. The last lines are one per
target: ``<target> <measured> <goal> ok|short``; ``load_<backend>_<n>p_<n>t_…``
at the real pace, ``load_<backend>_<n>p_<n>t_stress_…`` at the stress pace (before
2026-12-07 the unsuffixed names were the stress pace: ``scripts/load`` ran only it).
``--json FILE`` writes the report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp
import sqlalchemy as sa

from scripts.load_servers import database, server_processes, server_stats, stats_delta
from scripts.load_terminals import (
    EngineTerminal,
    SimulatedTerminal,
    Timings,
    converged,
    home_for,
    real_engine_rounds,
)
from server import admin
from server.http.request_stats import percentile
from server.settings import Settings

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "load is measured not guessed"
TARGET_SERVER_P95_MS = 100.0
TARGET_EXCHANGE_P95_MS = 1000.0
REAL_INTERVAL_S = 60.0
"""The terminal app's background sync (client/ui/settings.py, DEFAULT_AUTO_SYNC_SECONDS)."""


def say(text: str = "") -> None:
    print(text, flush=True)


# --- one run ------------------------------------------------------------------------------


def _exact(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _summary_ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    return {"count": len(values), "p50": _exact(values, 0.5) * 1000,
            "p95": _exact(values, 0.95) * 1000, "p99": _exact(values, 0.99) * 1000}


def _facilities(settings: Settings, engine: sa.Engine, count: int, per_facility: int,
                tag: str = "L") -> list[tuple[str, str, list[str]]]:
    """(facility id, clerk username, enrollment codes) for each facility."""
    out = []
    for n in range(count):
        fid = admin.create_facility(engine, settings, name=f"Load Manor {tag}{n}", state="OH",
                                    mrn_prefix=f"{tag}{n:02d}")
        username = f"load.clerk.{tag.lower()}{n}"
        admin.create_user(engine, settings, facility_id=fid, username=username, role="clerk")
        codes = [admin.issue_code(engine, settings, facility_id=fid)
                 for _ in range(per_facility)]
        out.append((fid, username, codes))
    return out


async def simulated(urls: list[str], facilities: list[tuple[str, str, list[str]]],
                    args: argparse.Namespace) -> list[dict[str, Any]]:
    """Enroll the simulated terminals, build their pushes, then run each pace in
    turn; per pace: its timings, the server snapshots around it and its wall time."""
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    phases = []
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        terminals: list[SimulatedTerminal] = []
        for fid, username, codes in facilities:
            for code in codes:
                terminal = SimulatedTerminal(urls[len(terminals) % len(urls)], fid)
                await terminal.enroll(http, code, username)
                terminals.append(terminal)
        for fid, _username, _codes in facilities:
            first = next(t for t in terminals if t.facility_id == fid)
            resident = await first.push_resident(http)
            for terminal in (t for t in terminals if t.facility_id == fid):
                terminal.build_pushes(args.rounds, args.ops, resident)
        warm = Timings()
        await asyncio.gather(*(t.pull_all(http, 900, warm) for t in terminals))
        rng = random.Random(args.seed)
        for pace in PACES[args.pace]:
            timings = Timings()
            every = args.interval if pace == "real" else None
            duration = args.real_duration if pace == "real" else args.duration
            before = await asyncio.to_thread(server_stats, urls)
            started = time.perf_counter()
            deadline = started + duration
            await asyncio.gather(*(t.run(http, deadline, args.think,
                                         random.Random(rng.random()), timings,
                                         every_s=every, first_round=t.rounds_done + 1)
                                   for t in terminals))
            elapsed = time.perf_counter() - started
            after = await asyncio.to_thread(server_stats, urls)
            phases.append({"pace": pace, "timings": timings, "before": before,
                           "after": after, "elapsed": elapsed})
    return phases


PACES = {"real": ("real",), "stress": ("stress",), "both": ("real", "stress")}


def pace_text(pace: str, args: argparse.Namespace) -> str:
    if pace == "real":
        app = ("the terminal app's background sync" if args.interval == REAL_INTERVAL_S
               else f"the terminal app's is {REAL_INTERVAL_S:g} s")
        return (f"real pace: each terminal syncs every {args.interval:g} s ({app}), "
                f"starts spread at random")
    rate = args.interval / args.think if args.think else float("inf")
    return (f"stress pace: each terminal pauses ~{args.think:g} s between exchanges "
            f"(exponential; ~{rate:.0f}x the real rate)")


def run_backend(name: str, url: str | None, processes: int, args: argparse.Namespace,
                tmp: Path) -> list[dict[str, Any]]:
    """One report per pace, the real engines' run in the last."""
    tmp.mkdir(parents=True)
    with database(url, tmp) as (settings, engine):
        per = max(1, args.terminals // args.facilities)
        facilities = _facilities(settings, engine, args.facilities, per)
        with server_processes(settings, processes, tmp) as started:
            urls = [u for u, _ in started]
            harness_cpu = time.process_time()
            sessions = _pg_sessions(url)
            phases = asyncio.run(simulated(urls, facilities, args))
            harness_cpu = time.process_time() - harness_cpu
            opened = None if sessions is None else _pg_sessions(url) - sessions
            total_wall = sum(p["elapsed"] for p in phases)
            reports = []
            for phase in phases:
                report = _pace_report(name, processes, per * args.facilities, args, phase)
                report["harness_cpu_cores"] = harness_cpu / total_wall
                report["pg_connections_opened"] = opened
                reports.append(report)
            if args.engines:
                reports[-1]["engines"] = engines_run(settings, engine, urls, args,
                                                     tmp / "engines")
    return reports


def _pace_report(name: str, processes: int, terminals: int, args: argparse.Namespace,
                 phase: dict[str, Any]) -> dict[str, Any]:
    timings, elapsed = phase["timings"], phase["elapsed"]
    buckets, statuses, cpu = stats_delta(phase["before"], phase["after"])
    return {
        "backend": name, "processes": processes, "pace": phase["pace"],
        "pace_text": pace_text(phase["pace"], args),
        "terminals": terminals, "facilities": args.facilities,
        "wall_s": elapsed, "rounds": timings.rounds, "ops_pushed": timings.ops_pushed,
        "ops_not_applied": timings.ops_not_applied,
        "records_pulled": timings.records_pulled,
        "throughput": {"exchanges_per_s": timings.rounds / elapsed,
                       "ops_per_s": timings.ops_pushed / elapsed,
                       "records_pulled_per_s": timings.records_pulled / elapsed,
                       "requests_per_s": sum(len(v) for k, v in timings.latencies.items()
                                             if k != "exchange") / elapsed},
        "errors": {"count": len(timings.errors), "examples": timings.errors[:5]},
        "client_ms": {k: _summary_ms(v) for k, v in sorted(timings.latencies.items())},
        "server_ms": {kind: {"count": sum(h.values()),
                             "p50": _ms(percentile(h, 0.5)),
                             "p95": _ms(percentile(h, 0.95)),
                             "p99": _ms(percentile(h, 0.99)),
                             "status": statuses.get(kind, {})}
                      for kind, h in sorted(buckets.items())
                      if kind != "/v1/stats" and sum(h.values())},
        "server_cpu": {"cores_used": sum(cpu) / elapsed,
                       "per_process_s": [round(c, 2) for c in cpu],
                       "ms_per_exchange": (1000 * sum(cpu) / timings.rounds
                                           if timings.rounds else None)},
    }


def _pg_sessions(url: str | None) -> int | None:
    """Connections ever opened to the PostgreSQL database (its statistics)."""
    if url is None:
        return None
    base = sa.create_engine(url.split("?")[0])
    try:
        with base.connect() as conn:
            return int(conn.execute(sa.text(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            )).scalar() or 0)
    finally:
        base.dispose()


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def engines_run(settings: Settings, engine: sa.Engine, urls: list[str],
                args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Real terminal engines, end to end, and whether they converged."""
    from client import terminal as client_terminal

    facilities = max(1, min(args.facilities, args.engines // 2 or 1))
    per = max(1, args.engines // facilities)
    made = _facilities(settings, engine, facilities, per, tag="E")
    terminals: list[EngineTerminal] = []
    for fid, username, codes in made:
        for code in codes:
            home = home_for(tmp, len(terminals))
            session = client_terminal.enroll(home, urls[len(terminals) % len(urls)], code,
                                             home.name, username, PASSWORD)
            terminals.append(EngineTerminal(session, fid))
    timings = Timings()
    started = time.perf_counter()
    real_engine_rounds(terminals, args.engine_rounds, args.ops, timings)
    elapsed = time.perf_counter() - started
    agreed = converged(terminals)
    for t in terminals:
        t.session.lock()
    return {"terminals": len(terminals), "facilities": facilities, "wall_s": elapsed,
            "rounds": timings.rounds, "ops_pushed": timings.ops_pushed,
            "records_pulled": timings.records_pulled,
            "errors": {"count": len(timings.errors), "examples": timings.errors[:5]},
            "sync_ms": _summary_ms(timings.latencies.get("engine_sync", [])),
            "converged": all(agreed.values()) and bool(agreed)}


# --- the report ---------------------------------------------------------------------------


def print_report(report: dict[str, Any]) -> None:
    say(f"  {report['backend']}: {report['processes']} process(es), {report['terminals']} "
        f"simulated terminals in {report['facilities']} facilities, {report['wall_s']:.1f} s")
    say(f"    {report['pace_text']}")
    t = report["throughput"]
    say(f"    {report['rounds']:,} exchanges ({t['exchanges_per_s']:.1f}/s), "
        f"{report['ops_pushed']:,} operations pushed ({t['ops_per_s']:,.0f}/s, "
        f"{report['ops_not_applied']} not applied), {report['records_pulled']:,} records "
        f"pulled ({t['records_pulled_per_s']:,.0f}/s), {t['requests_per_s']:.1f} requests/s")
    for kind, s in report["server_ms"].items():
        say(f"    server {kind:24} n={s['count']:>6}  p50 {_f(s['p50'])}  p95 {_f(s['p95'])}  "
            f"p99 {_f(s['p99'])} ms  {s['status']}")
    for kind, s in report["client_ms"].items():
        if s["count"]:
            say(f"    client {kind:24} n={s['count']:>6}  p50 {_f(s['p50'])}  "
                f"p95 {_f(s['p95'])}  p99 {_f(s['p99'])} ms")
    say(f"    errors {report['errors']['count']}  {report['errors']['examples'][:2]}")
    say(f"    server CPU {report['server_cpu']['cores_used']:.2f} cores "
        f"(per process, s: {report['server_cpu']['per_process_s']}; "
        f"{_f(report['server_cpu']['ms_per_exchange']).strip()} ms per exchange); the harness "
        f"{report['harness_cpu_cores']:.2f} cores")
    if report.get("pg_connections_opened") is not None:
        say(f"    PostgreSQL connections opened during the run (every pace): "
            f"{report['pg_connections_opened']} (the harness's own included)")
    engines = report.get("engines")
    if engines:
        s = engines["sync_ms"]
        say(f"    real engines: {engines['terminals']} in {engines['facilities']} facilities, "
            f"{engines['rounds']} syncs, sync p50 {_f(s.get('p50'))} p95 {_f(s.get('p95'))} ms, "
            f"errors {engines['errors']['count']}, converged {engines['converged']}")


def _f(value: float | None) -> str:
    return "    -" if value is None else f"{value:7.1f}"


def target_lines(report: dict[str, Any]) -> list[str]:
    name = f"load_{report['backend']}_{report['processes']}p_{report['terminals']}t"
    if report["pace"] != "real":
        name += f"_{report['pace']}"
    server_p95 = max((s["p95"] for k, s in report["server_ms"].items()
                      if k in ("/v1/push", "/v1/pull") and s["p95"] is not None), default=None)
    exchange = report["client_ms"].get("exchange", {}).get("p95")
    lines = []
    for label, value, goal in ((f"{name}_server_p95_ms", server_p95, TARGET_SERVER_P95_MS),
                               (f"{name}_exchange_p95_ms", exchange, TARGET_EXCHANGE_P95_MS)):
        ok = value is not None and value <= goal
        lines.append(f"{label} {_f(value).strip()}ms <={goal:.0f}ms {'ok' if ok else 'short'}")
    errors = report["errors"]["count"] + report.get("engines", {}).get("errors", {}).get(
        "count", 0)
    lines.append(f"{name}_errors {errors} <=0 {'ok' if errors == 0 else 'short'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("CHARTKEEP_LOAD_POSTGRES_URL",
                                                                 DEFAULT_PG))
    parser.add_argument("--pg-processes", type=int, default=2)
    parser.add_argument("--sqlite-processes", type=int, default=1)
    parser.add_argument("--terminals", type=int, default=100)
    parser.add_argument("--facilities", type=int, default=5)
    parser.add_argument("--pace", choices=tuple(PACES), default="both",
                        help="real: every terminal on the app's sync schedule; stress: "
                             "short random pauses; both (default): real, then stress")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds at the stress pace (at most 600)")
    parser.add_argument("--real-duration", type=float, default=2 * REAL_INTERVAL_S,
                        help="seconds at the real pace (at most 600)")
    parser.add_argument("--interval", type=float, default=REAL_INTERVAL_S,
                        help="seconds between a terminal's syncs at the real pace")
    parser.add_argument("--rounds", type=int, default=200, help="rounds per terminal, at most")
    parser.add_argument("--ops", type=int, default=10, help="operations per push")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean pause between a terminal's rounds at the stress "
                             "pace, seconds")
    parser.add_argument("--engines", type=int, default=10, help="real terminal engines (0: none)")
    parser.add_argument("--engine-rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the report here as JSON")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 600 or not 0 < args.real_duration <= 600 \
            or not 0 < args.terminals <= 1000 or args.rounds < 1 or args.ops < 1 \
            or args.facilities < 1 or args.engines < 0 or args.think < 0 or args.interval <= 0:
        parser.error("bounds: 0 < duration, real-duration <= 600, 0 < terminals <= 1000, "
                     "rounds, ops and facilities >= 1, engines and think >= 0, interval > 0")
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", secrets.token_urlsafe(24))
    tmp = Path(tempfile.mkdtemp(prefix="chartkeep-load-"))
    reports = []
    try:
        say(f"Chartkeep load — {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        plan = []
        if args.backend in ("postgres", "both"):
            plan.append(("postgres", args.postgres_url, args.pg_processes))
        if args.backend in ("sqlite", "both"):
            plan.append(("sqlite", None, args.sqlite_processes))
        for name, url, processes in plan:
            try:
                done = run_backend(name, url, processes, args, tmp / name)
            except sa.exc.OperationalError as exc:
                say(f"  {name}: database not available ({exc.orig}); skipped")
                continue
            for report in done:
                print_report(report)
            reports.extend(done)
        say()
        for pace in PACES[args.pace]:
            at_pace = [r for r in reports if r["pace"] == pace]
            if at_pace:
                say(f"# {pace_text(pace, args)}")
            for report in at_pace:
                for line in target_lines(report):
                    say(line)
        if args.json:
            args.json.write_text(json.dumps(reports, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if reports else 1


if __name__ == "__main__":
    sys.exit(main())
