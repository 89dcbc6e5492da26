"""Where a push spends the server's time: cProfile of ``SyncService.push``,
in µs per operation for each stage of the write path.

    scripts/bench_profile.py                     # 20,000 operations on an empty SQLite server
    scripts/bench_profile.py --on-top 60000      # … on a server already holding 60,000 more
    scripts/bench_profile.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    scripts/bench_profile.py --sides             # the whole push, both sides, by thread CPU

The terminal, the HTTP edge and the envelope checks run as in ``scripts/bench``;
only the server's push handling (the worker thread running ``SyncService.push``)
is profiled. cProfile roughly doubles the cost of small Python calls and runs
on the wall clock, so read the stages as shares; the lines above the table give
the server's CPU per operation (thread time) of a push of the same size on the
same server without the profiler; on PostgreSQL also the statements and
``COPY``s per push batch (round trips), the time the push waited in psycopg and
the CPU of the PostgreSQL backend that served it, per operation, all of the
unprofiled push (:func:`postgres_waits`). With ``--on-top`` the same figures come
again after the server took that many more operations, with the functions
whose own time grew most.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.bench_pg_waits import IN_PUSH as _IN_PUSH
from scripts.bench_pg_waits import PG as _PG
from scripts.bench_pg_waits import PUSH_ENDED as _PUSH_ENDED
from scripts.bench_pg_waits import postgres_line as _postgres_line
from scripts.bench_pg_waits import postgres_waits

# (label, module path suffix, function name): cumulative time of each, per operation.
STAGES = [
    ("push, whole (SyncService.push)", "server/core/service.py", "push"),
    ("  payload hash (before the lock)", "server/commands/fingerprints.py", "payload_hash"),
    ("  validation (before the lock)", "server/core/dispatch.py", "check"),
    ("  the transaction (_push_once)", "server/core/push.py", "_push_once"),
    ("    batch reads: records", "server/storage/batch.py", "prefetch"),
    ("    batch reads: stays", "server/storage/batch.py", "prefetch_stays"),
    ("    batch reads: match keys", "server/storage/batch.py", "prefetch_match_keys"),
    ("    batch reads: record numbers", "server/storage/batch.py", "prefetch_mrns"),
    ("    batch reads: by subject", "server/storage/batch.py", "by_subject"),
    ("    clone review lookups", "server/core/clones.py", "decided_at_review"),
    ("    clone resend mark", "server/core/clones.py", "mark_resent"),
    ("    users", "server/core/dispatch.py", "load_users"),
    ("    decide (dispatch.handle)", "server/core/dispatch.py", "handle"),
    ("      create", "server/commands/records.py", "create"),
    ("        note checks", "server/commands/records.py", "_check_note"),
    ("        last stay", "server/commands/records.py", "_last_stay"),
    ("        created hash", "server/commands/fingerprints.py", "stable_hash"),
    ("      update (merge)", "server/commands/records.py", "update"),
    ("      change-log snapshot (emit)", "server/storage/batch.py", "emit"),
    ("    dependency check", "server/core/dependencies.py", "explain"),
    ("    result row", "server/core/results.py", "op_row"),
    ("    audit fields", "server/core/results.py", "audit_fields"),
    ("    audit hashing (append)", "server/storage/audit.py", "append"),
    ("    writes (Batch.write)", "server/storage/batch.py", "write"),
    ("      audit rows + tree (ChainWriter.write)", "server/storage/audit.py", "write"),
    ("      bulk inserts (insert_tuples, all)", "server/storage/rows.py", "insert_tuples"),
    ("    commit", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
]


_VM_STEP = 1000
_VM: dict[str, float] = {"steps": 0.0}


def _count_vm() -> int:
    if getattr(_IN_PUSH, "on", False):
        _VM["steps"] += _VM_STEP
    return 0


@event.listens_for(sa.engine.Engine, "connect")
def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Count SQLite's virtual-machine instructions run for pushes: the database's
    own work, which a busy machine cannot blur (a query that reads a table whole
    shows up as instructions that grow with the data). SQLite calls the handler
    every 1,000 instructions within one statement, so the count leaves out the
    short statements (most single-row inserts) and measures the long ones."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.set_progress_handler(_count_vm, _VM_STEP)


@contextmanager
def profiled_push(profile: cProfile.Profile | None) -> Iterator[dict[str, float]]:
    """Profile (when given) and time, by thread CPU, every ``SyncService.push``;
    count SQLite's instructions for them, and PostgreSQL's statements and waits
    (:func:`postgres_waits`)."""
    from server.core.service import SyncService

    spent = {"cpu": 0.0, "calls": 0.0, "vm": 0.0}
    pg_before = dict(_PG)
    original = SyncService.push

    def wrapped(self: SyncService, *args: Any) -> Any:
        started = time.thread_time()
        vm_before = _VM["steps"]
        _IN_PUSH.on = True
        if profile is not None:
            profile.enable()
        try:
            return original(self, *args)
        finally:
            if profile is not None:
                profile.disable()
            _IN_PUSH.on = False
            for ended in _PUSH_ENDED:
                ended()
            spent["cpu"] += time.thread_time() - started
            spent["vm"] += _VM["steps"] - vm_before
            spent["calls"] += 1

    SyncService.push = wrapped  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        SyncService.push = original  # type: ignore[method-assign]
        spent.update({f"pg_{key}": _PG[key] - pg_before[key] for key in _PG})


def stage_table(stats: pstats.Stats, ops: int) -> list[tuple[str, float, int]]:
    """(label, µs per operation, calls) for each stage found in the profile."""
    table = stats.stats  # type: ignore[attr-defined]
    rows = []
    for label, path, name in STAGES:
        cum, calls = 0.0, 0
        for (filename, _line, func), (_cc, nc, _tt, ct, _callers) in table.items():
            if func == name and (filename.endswith(path) or path == "~" == filename):
                cum += ct
                calls += nc
        if calls:
            rows.append((label, cum / ops * 1e6, calls))
    return rows


def grown(before: pstats.Stats, after: pstats.Stats, ops: int
          ) -> list[tuple[str, float, float]]:
    """Functions by how much their own time per operation grew, most first."""
    def own(stats: pstats.Stats) -> dict[str, float]:
        return {f"{Path(f).name}:{line}({fn})": tt / ops * 1e6
                for (f, line, fn), (_cc, _nc, tt, _ct, _callers)
                in stats.stats.items()}  # type: ignore[attr-defined]

    a, b = own(before), own(after)
    rows = [(name, a.get(name, 0.0), b.get(name, 0.0)) for name in {*a, *b}]
    return sorted(rows, key=lambda row: row[1] - row[2])


def _measure(bench: Any, world: tuple[Any, ...], ops: int, tmp: Path, name: str,
             seed: int) -> tuple[float, float, float, pstats.Stats]:
    """Push ``ops`` operations twice from two new terminals: once timed by thread
    CPU alone, once under cProfile (its wall clock: a CPU clock read from Python
    costs more than the small calls it would time)."""
    settings, engine, server, facility = world
    cpu, vm = [], []
    profile = cProfile.Profile()
    rate = 0.0
    pg: dict[str, float] = {}
    for run, prof in enumerate((None, profile)):
        terminal = bench.enroll(settings, engine, server, facility, tmp / f"{name}{run}",
                                "bench.rm")
        bench.queue_operations(terminal, ops, seed=seed + run,
                               first_mrn=300_000 + 100_000 * seed + 50_000 * run,
                               family=f"{name.title()}{run}x")
        with profiled_push(prof) as spent:
            pushed = bench.push_everything(terminal, server.url)
        terminal.lock()
        cpu.append(spent["cpu"] / ops * 1e6)
        vm.append(spent["vm"] / ops)
        rate = rate or pushed
        pg = pg or {key[3:]: value for key, value in spent.items() if key.startswith("pg_")}
        pg["batches"] = pg.get("batches") or spent["calls"]
    _PG_FIGURES[name] = pg
    return rate, cpu[0], vm[0], pstats.Stats(profile)


_PG_FIGURES: dict[str, dict[str, float]] = {}
"""Per phase, the unprofiled push's PostgreSQL figures (:func:`postgres_waits`)."""


def _world() -> Any:
    """scripts/bench's world with the server in this process: the profilers wrap
    the server's functions, so it must run here."""
    from functools import partial
    from types import SimpleNamespace

    from scripts import bench_sync, bench_world

    return SimpleNamespace(server_on=partial(bench_world.server_on, in_process=True),
                           enroll=bench_world.enroll, say=bench_world.say,
                           queue_operations=bench_world.queue_operations,
                           push_everything=bench_sync.push_everything)


def run(url: str | None, ops: int, on_top: int, tmp: Path, top: int) -> None:
    bench = _world()

    say = bench.say
    waits = postgres_waits() if url else nullcontext()
    with waits, bench.server_on(url, tmp) as world:
        settings, engine, server, facility = world
        phases = [("empty", 0, *_measure(bench, world, ops, tmp, "empty", 1))]
        if on_top:
            seeder = bench.enroll(settings, engine, server, facility, tmp / "seeder",
                                  "bench.rm")
            bench.queue_operations(seeder, on_top, seed=12, first_mrn=200_000, family="Seed")
            bench.push_everything(seeder, server.url)
            seeder.lock()
            phases.append(("on top", on_top + 2 * ops,
                           *_measure(bench, world, ops, tmp, "top", 3)))
    backend = "PostgreSQL" if url else "SQLite"
    for name, held, rate, cpu, vm, _stats in phases:
        steps = f", SQLite VM instructions {vm:,.0f}/op" if vm else ""
        say(f"{backend}, {ops:,} operations pushed, server holding {held:,} ({name}): "
            f"{rate:,.0f} ops/s, server CPU {cpu:.0f} µs/op without the profiler{steps}")
        pg = _PG_FIGURES.get("empty" if name == "empty" else "top")
        if url and pg:
            say(_postgres_line(pg, ops))
    tables = [{label: (us, calls) for label, us, calls in stage_table(stats, ops)}
              for *_, stats in phases]
    head = "".join(f" {name:>10}" for name, *_ in phases)
    say(f"{'stage (cumulative, under cProfile), µs/op':48}{head}   calls")
    for label, _path, _name in STAGES:
        if label in tables[0]:
            cells = "".join(f" {t.get(label, (0.0, 0))[0]:10.1f}" for t in tables)
            say(f"{label:48}{cells} {tables[0][label][1]:7d}")
    if len(phases) == 2:
        say("\nown time that grew most with the data (µs/op, empty → on top):")
        for func, before, after in grown(phases[0][-1], phases[1][-1], ops)[:12]:
            say(f"  {after - before:+7.1f}  {before:7.1f} → {after:7.1f}  {func}")
    if top:
        for (name, *_), (*_, stats) in zip(phases, phases, strict=True):
            say(f"\n--- {name}: own time")
            stats.sort_stats("tottime").print_stats(top)


SIDES = [
    # (label, module, owner, attribute): thread CPU of every call, per operation
    ("server: push handling (SyncService.push)", "server.core.service", "SyncService", "push"),
    ("server: push body to operations (PushRequest.from_wire)", "protocol.messages.push",
     "PushRequest", "from_wire"),
    ("server: sealing answers (SyncService.seal)", "server.core.service", "SyncService",
     "seal"),
    ("terminal: reading batches (Push._batch)", "client.sync.push", "Push", "_batch"),
    ("terminal: encoding, sealing batches (Push._sealed)", "client.sync.push", "Push",
     "_sealed"),
    ("terminal: sending, HTTP, answers (Push._send)", "client.sync.push", "Push", "_send"),
    ("terminal: recording results (Push._record_results)", "client.sync.push", "Push",
     "_record_results"),
]


@contextmanager
def timed_sides() -> Iterator[dict[str, float]]:
    """Thread CPU of each part of :data:`SIDES`, summed over its calls."""
    import importlib

    spent: dict[str, float] = dict.fromkeys([label for label, *_ in SIDES], 0.0)
    undo = []
    for label, module, owner_name, name in SIDES:
        owner = getattr(importlib.import_module(module), owner_name)
        original = owner.__dict__[name]
        call = original.__func__ if isinstance(original, classmethod) else original

        def wrapped(*args: Any, _call: Any = call, _label: str = label, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return _call(*args, **kwargs)
            finally:
                spent[_label] += time.thread_time() - started

        setattr(owner, name, classmethod(wrapped) if isinstance(original, classmethod)
                else wrapped)
        undo.append((owner, name, original))
    try:
        yield spent
    finally:
        for owner, name, original in undo:
            setattr(owner, name, original)


def sides(ops: int, tmp: Path) -> None:
    """The whole push (``scripts/bench``'s) by part: process CPU and thread CPU."""
    import resource

    bench = _world()

    with bench.server_on(None, tmp) as (settings, engine, server, facility):
        writer = bench.enroll(settings, engine, server, facility, tmp / "writer", "bench.rm")
        bench.queue_operations(writer, ops)
        before = resource.getrusage(resource.RUSAGE_SELF)
        with timed_sides() as spent:
            rate = bench.push_everything(writer, server.url)
        after = resource.getrusage(resource.RUSAGE_SELF)
        writer.lock()
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / ops * 1e6
    bench.say(f"SQLite, {ops:,} operations pushed end to end: {rate:,.0f} ops/s, "
              f"process CPU {cpu:.0f} µs/op")
    for label, seconds in spent.items():
        bench.say(f"  {label:58} {seconds / ops * 1e6:7.1f} µs/op")
    rest = cpu - sum(spent.values()) / ops * 1e6
    bench.say(f"  {'the rest (both edges, HTTP, collector)':58} {rest:7.1f} µs/op")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench_profile.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=20_000, help="operations per timed push")
    parser.add_argument("--on-top", type=int, default=0,
                        help="operations pushed first, untimed (the data the push lands on)")
    parser.add_argument("--postgres-url", help="profile on PostgreSQL (a fresh schema in it)")
    parser.add_argument("--sides", action="store_true",
                        help="the whole push by part and side, by thread CPU (no profiler)")
    parser.add_argument("--top", type=int, default=25,
                        help="also print the N functions with the most own time (0: none)")
    args = parser.parse_args(argv)
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", secrets.token_urlsafe(24))
    from server.http.runner import tune_gc

    tune_gc()
    tmp = Path(tempfile.mkdtemp(prefix="chartkeep-profile-"))
    try:
        if args.sides:
            sides(args.ops, tmp)
        else:
            run(args.postgres_url, args.ops, args.on_top, tmp, args.top)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
