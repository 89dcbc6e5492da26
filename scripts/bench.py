"""Chartkeep benchmarks: sync throughput against a floor measured in the same
run, terminal unlock, the clerk's app on a 10,000-resident census, compliance
reports and the portal's pages.

    scripts/bench                # 100,000 operations; figures for docs/performance.md
    scripts/bench --quick        # smaller data, under a minute
    scripts/bench --in-process   # also the old shape: the server in this process

The measured servers (the real one and the floor's) run in their own processes on
loopback, as a server always does; ``--in-process`` adds the floor, push and pull
figures measured with the server in a thread of this process (every figure before
2026-12-07), as a diagnostic. scripts/bench_world.py builds the world,
scripts/bench_sync.py measures the sync, scripts/bench_server.py the server's own
figures. The last lines are one per target: ``<target> <measured> <goal> ok|short``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from scripts.bench_compliance import compliance_figures
from scripts.bench_floor import measure_floor
from scripts.bench_portal import portal_pages
from scripts.bench_sync import census_app, push_and_pull, unlock_seconds
from scripts.bench_world import DEFAULT_PG, Target, say
from server.http.runner import tune_gc


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


def sync_figures(count: int, pg: str | None, tmp: Path, targets: list[Target], *,
                 in_process: bool, first: str = "sqlite", order_why: str = "") -> None:
    """Floor, push and pull + apply on SQLite (and PostgreSQL), in one shape,
    ``first`` (``sqlite`` or ``postgres``) measured first.

    The first pull of a process costs more than the next one (memory the
    process touches for the first time, and the machine's drift: ~10-25 % in
    docs/performance/sync-terminal.md), so whichever backend goes first is
    measured at a disadvantage; a clerk's first pull pays it too, so nothing
    is warmed up untimed. The order is said, and each pull line says where it
    stood."""
    shape = "server in this process (diagnostic)" if in_process else "server in its own process"
    measured = measure_floor(min(count, 50_000), in_process=in_process)
    floor = measured.rate
    server = "" if measured.server_us is None else f", its server {measured.server_us:.0f}"
    say(f"  [{shape}]")
    say(f"  floor (encrypted read + sign + HTTP + verify + raw insert): {floor:,.0f} ops/s "
        f"(CPU µs/op: this process {measured.client_us:.0f}{server})")
    backends = [("SQLite", None)] + ([("Postgres", pg)] if pg is not None else [])
    if first == "postgres":
        backends.reverse()
    if len(backends) > 1:
        say(f"  order: {backends[0][0]} first, then {backends[1][0]} ({order_why})")
    measured_by: dict[str, dict[str, float]] = {}
    for place, (name, url) in enumerate(backends):
        got = push_and_pull(url, count, tmp / name.lower(), in_process=in_process)
        # (the in-process shape runs after the other, in the same process)
        which = "first pull of this process" if place == 0 and not in_process else \
            "after another pull"
        say(f"  {name:8} push {got['push']:>9,.0f} ops/s  ({got['push'] / floor:.0%} of floor)"
            f"   pull+apply {got['pull']:>9,.0f} records/s ({got['pulled']:,.0f}) {which}")
        here = "this process (terminal + server)" if in_process else "terminal process"
        server = "push handling thread" if in_process else "server process"
        pull = f", server {got['server_pull_us']:.0f}" if "server_pull_us" in got else ""
        push_cpu = got["terminal_push_us"] + (0.0 if in_process else got["server_push_us"])
        say(f"           CPU µs per operation: push: {here} {got['terminal_push_us']:.0f}, "
            f"{server} {got['server_push_us']:.0f}; pull + apply: {here} "
            f"{got['terminal_pull_us']:.0f}{pull}; floor/push by CPU, both sides: "
            f"{measured.cpu_us:.0f}/{push_cpu:.0f} = {measured.cpu_us / push_cpu:.0%}")
        measured_by[name] = got
    if "SQLite" in measured_by:  # the targets in one order, whichever went first
        got = measured_by["SQLite"]
        targets.append(Target("push_sqlite_ops_per_s", got["push"], 10_000, "", True))
        targets.append(Target("push_sqlite_vs_floor", got["push"] / floor, 0.25, "", True))
        targets.append(Target("pull_apply_ops_per_s", got["pull"], 30_000, "", True))
    if "Postgres" in measured_by:
        targets.append(Target("push_postgres_ops_per_s", measured_by["Postgres"]["push"],
                              8_000, "", True))


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
    parser.add_argument("--no-compliance", action="store_true",
                        help="skip the compliance figures")
    parser.add_argument("--no-scale", action="store_true",
                        help="skip push on top of 5x the operations and the server's memory")
    parser.add_argument("--in-process", action="store_true",
                        help="also measure floor, push and pull with the servers in this "
                             "process (the shape before 2026-12-07; a diagnostic, no targets)")
    parser.add_argument("--first", choices=("sqlite", "postgres"),
                        help="which backend is pushed and pulled first (default: chosen at "
                             "random each run and printed, so neither is always measured "
                             "as the process's first pull)")
    parser.add_argument("--on-top-rounds", type=int, default=3,
                        help="empty/on-top push pairs, alternated (default 3; the median)")
    args = parser.parse_args(argv)
    # The servers measured seal their signing key with a passphrase (made up here).
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", secrets.token_urlsafe(24))
    count = args.ops or (10_000 if args.quick else 100_000)
    residents = 2_000 if args.quick else 10_000
    pg = postgres_url(args.postgres_url, skip=args.no_postgres)
    tmp = Path(tempfile.mkdtemp(prefix="chartkeep-bench-"))
    targets: list[Target] = []
    # Tune this process's collector the way `chartkeep-server serve` does after
    # start-up, as every run before the servers had their own processes did (the
    # terminal measured here then ran under it; with --in-process the servers do).
    tune_gc()
    try:
        say(f"Chartkeep benchmark — {count:,} operations, {os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]}")
        if not args.no_compliance:
            compliance_figures(tmp / "compliance", targets,
                               facilities=10 if args.quick else 50)
        if args.no_sync:
            say()
            for target in targets:
                say(target.line())
            return 0
        first = args.first or secrets.choice(("sqlite", "postgres"))
        why = "--first" if args.first else "chosen at random this run; --first to choose"
        for in_process in (False, True) if args.in_process else (False,):
            sync_figures(count, pg, tmp / ("thread" if in_process else "process"),
                         [] if in_process else targets, in_process=in_process,
                         first=first, order_why=why)
        if not args.no_scale:
            from scripts.bench_server import server_scale

            server_scale(count, tmp, targets, rounds=args.on_top_rounds)
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
